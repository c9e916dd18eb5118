/*
 * The REPL's built-in Xen domU: a small bare-metal guest (EL1, MMU off, at the start of guest
 * RAM; it carries an arm64 Image header, so an xl.cfg's kernel= can name it too) that asks the
 * hypervisor for its version (xen_version, hvc #0xea1 with x16 = 17), prints it on the vpl011,
 * then takes the virtual timer (PPI 27) through the vGIC every 1 ms of virtual time and prints
 * "tick <n>" for each. Bytes typed on its console (vpl011 RX, SPI 32)
 * are echoed back. Between interrupts it runs a xorshift loop and sleeps in WFI, so PC and
 * registers keep moving. Assembled into repl/domu_guest.ts by scripts/gen_default_guest.ts.
 */
	.equ	UART, 0x22000000	/* vpl011 (GUEST_PL011_BASE) */
	.equ	GICD, 0x03001000	/* GUEST_GICD_BASE */
	.equ	GICC, 0x03002000	/* GUEST_GICC_BASE (the GICV page) */
	.equ	PERIOD, 62500		/* 1 ms at the 62.5 MHz counter */
	.equ	VTIMER, 27
	.equ	UART_SPI, 32

	.text
	.global	_head
_head:					/* arm64 Image header (Linux booting.rst) */
	b	_start			/* code0 */
	.long	0			/* code1 */
	.quad	0			/* text_offset: at the start of RAM */
	.quad	image_end - _head	/* image_size */
	.quad	2			/* flags: little-endian, 4 KiB pages */
	.quad	0, 0, 0			/* res2-res4 */
	.ascii	"ARM\x64"		/* magic */
	.long	0			/* res5 */
_start:
	adr	x0, vectors
	msr	vbar_el1, x0
	adr	x0, stack_top
	mov	sp, x0
	mov	x19, #0			/* ticks */
	mov	x20, #0x2545		/* xorshift state */
	movk	x20, #0xf491, lsl #16
	ldr	x1, =UART
	mov	w2, #0x301
	str	w2, [x1, #0x30]		/* UARTCR: UARTEN | TXE | RXE */
	mov	w2, #(1 << 4)
	str	w2, [x1, #0x38]		/* UARTIMSC: RX interrupt */
	ldr	x1, =GICD
	mov	w2, #1
	str	w2, [x1]		/* GICD_CTLR: enable */
	mov	w2, #(1 << VTIMER)
	str	w2, [x1, #0x100]	/* GICD_ISENABLER0: the virtual timer PPI */
	mov	w2, #1
	str	w2, [x1, #0x104]	/* GICD_ISENABLER1: SPI 32 (vpl011) */
	strb	w2, [x1, #(0x800 + UART_SPI)]	/* GICD_ITARGETSR: SPI 32 to vcpu 0 */
	ldr	x1, =GICC
	mov	w2, #0xff
	str	w2, [x1, #4]		/* GICC_PMR */
	mov	w2, #1
	str	w2, [x1]		/* GICC_CTLR: enable */

	adr	x0, banner
	bl	puts
	mov	x16, #17		/* __HYPERVISOR_xen_version */
	mov	x0, #0			/* XENVER_version: (major << 16) | minor */
	hvc	#0xea1
	mov	x21, x0
	lsr	x0, x21, #16
	bl	put_dec
	mov	w0, #'.'
	bl	putc
	and	x0, x21, #0xffff
	bl	put_dec
	mov	x16, #17
	mov	x0, #1			/* XENVER_extraversion into extra (VA = IPA: MMU off) */
	adr	x1, extra
	hvc	#0xea1
	adr	x0, extra
	bl	puts
	adr	x0, banner2
	bl	puts

	bl	arm_timer
	msr	daifclr, #2		/* unmask IRQ */
work:
	mov	x3, #200		/* a short burst: the lab idles at little host CPU */
1:	eor	x20, x20, x20, lsl #13
	eor	x20, x20, x20, lsr #7
	eor	x20, x20, x20, lsl #17
	subs	x3, x3, #1
	b.ne	1b
	wfi
	b	work

arm_timer:
	mov	x0, #PERIOD
	msr	cntv_tval_el0, x0
	mov	x0, #1
	msr	cntv_ctl_el0, x0
	isb
	ret

/* putc(w0); clobbers x1 */
putc:
	ldr	x1, =UART
	str	w0, [x1]
	ret

#include "uart_print.inc"

irq:
	stp	x0, x1, [sp, #-64]!
	stp	x2, x3, [sp, #16]
	stp	x4, x5, [sp, #32]
	str	x30, [sp, #48]
	ldr	x1, =GICC
	ldr	w2, [x1, #0x0c]		/* GICC_IAR */
	str	w2, [sp, #56]
	and	w3, w2, #0x3ff
	cmp	w3, #VTIMER
	b.ne	7f
	add	x19, x19, #1
	bl	arm_timer
	adr	x0, tick
	bl	puts
	mov	x0, x19
	bl	put_dec
	adr	x0, newline
	bl	puts
	b	5f
7:	cmp	w3, #UART_SPI
	b.ne	5f
	ldr	x1, =UART
8:	ldr	w2, [x1, #0x18]		/* UARTFR */
	tbnz	w2, #4, 5f		/* RXFE: nothing left */
	ldr	w0, [x1]		/* UARTDR */
	and	w0, w0, #0xff
	cmp	w0, #'\r'
	b.ne	9f
	str	w0, [x1]
	mov	w0, #'\n'
9:	str	w0, [x1]		/* echo */
	b	8b
5:	ldr	w2, [sp, #56]
	ldr	x1, =GICC
	str	w2, [x1, #0x10]		/* GICC_EOIR */
	ldr	x30, [sp, #48]
	ldp	x4, x5, [sp, #32]
	ldp	x2, x3, [sp, #16]
	ldp	x0, x1, [sp], #64
	eret

unexpected:
	adr	x0, oops
	bl	puts
6:	wfi
	b	6b

	.balign	0x800
vectors:
	.rept	5
	b	unexpected
	.balign	0x80
	.endr
	b	irq			/* current EL, SPx, IRQ */
	.balign	0x80
	.rept	10
	b	unexpected
	.balign	0x80
	.endr

	.ltorg
banner:	.asciz	"hvlab domU lab on Xen "
banner2: .asciz	": virtual timer every 1 ms, a line per tick\n"
tick:	.asciz	"tick "
newline: .asciz	"\n"
oops:	.asciz	"unexpected exception\n"
	.balign	16
extra:	.space	16
numbuf:	.space	32
numbuf_end:
	.balign	16
	.space	4096
stack_top:
image_end:
