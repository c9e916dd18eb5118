/*
 * Entry of every bare-metal test guest (EL1, MMU off, as QEMU -M virt -kernel enters an ELF):
 * enable FP/SIMD (compiled C uses it freely), set the stack, clear .bss, install a vector
 * table that reports unexpected exceptions, run main, then power off through PSCI.
 */
	.section .text.boot, "ax"
	.global _start
_start:
	mov	x0, #(3 << 20)
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
2:	ldr	x0, =default_vectors
	msr	vbar_el1, x0
	isb
	bl	main
	bl	psci_system_off
3:	wfi
	b	3b

	/* Default vectors: every entry calls unexpected_exception(index). */
	.macro vec idx
	.balign 0x80
	mov	x0, #\idx
	b	unexpected_exception
	.endm
	.balign 0x800
	.global default_vectors
default_vectors:
	.irp i, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	vec \i
	.endr
