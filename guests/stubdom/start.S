/*
 * Entry of the PL011 stub domain (EL1, MMU off, x0 = the device tree, as Xen enters a domU):
 * like common/crt0.S, but keeps x0 for stubdom_main and routes every exception to
 * stubdom_fault(index), which reports on the stub domain's own console and crashes the domain
 * (common/lib.c would print on the virt board's UART, which a domU does not have).
 */
	.section .text.boot, "ax"
	.global _start
_start:
	mov	x19, x0
	mov	x0, #(3 << 20)		/* CPACR_EL1.FPEN: compiled C may use FP/SIMD registers */
	msr	cpacr_el1, x0
	isb
	ldr	x0, =__stack_top
	mov	sp, x0
	ldr	x0, =__bss_start
	ldr	x1, =__bss_end
1:	cmp	x0, x1
	b.hs	2f
	str	xzr, [x0], #8
	b	1b
2:	ldr	x0, =stubdom_vectors
	msr	vbar_el1, x0
	isb
	mov	x0, x19
	bl	stubdom_main
3:	wfi
	b	3b

	.macro vec idx
	.balign 0x80
	mov	x0, #\idx
	mrs	x1, esr_el1
	mrs	x2, elr_el1
	b	stubdom_fault
	.endm
	.balign 0x800
stubdom_vectors:
	.irp i, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	vec \i
	.endr
