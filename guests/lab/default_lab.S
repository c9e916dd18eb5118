/*
 * The REPL's built-in guest: a small bare-metal program for the virt board (EL1, MMU off) that
 * keeps something live to look at. It arms the virtual timer through the GICv2 every 10 ms of
 * virtual time, counts ticks in its IRQ handler, runs a xorshift loop between ticks (so PC and
 * registers move) and prints "tick <n>" on the PL011 every 100 ticks (one virtual second).
 * Assembled into repl/default_guest.ts by scripts/gen_default_guest.ts.
 */
	.equ	UART, 0x09000000
	.equ	GICD, 0x08000000
	.equ	GICC, 0x08010000
	.equ	PERIOD, 625000		/* 10 ms at the 62.5 MHz counter */

	.text
	.global	_start
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
	ldr	x1, =GICD
	mov	w2, #1
	str	w2, [x1]		/* GICD_CTLR: enable */
	mov	w2, #(1 << 27)
	str	w2, [x1, #0x100]	/* GICD_ISENABLER0: PPI 27 (virtual timer) */
	ldr	x1, =GICC
	mov	w2, #0xff
	str	w2, [x1, #4]		/* GICC_PMR */
	mov	w2, #1
	str	w2, [x1]		/* GICC_CTLR: enable */
	adr	x0, banner
	bl	puts
	bl	arm_timer
	msr	daifclr, #2		/* unmask IRQ */
work:
	mov	x3, #20000
1:	eor	x20, x20, x20, lsl #13
	eor	x20, x20, x20, lsr #7
	eor	x20, x20, x20, lsl #17
	subs	x3, x3, #1
	b.ne	1b
	wfi
	b	work

arm_timer:
	mov	x0, #(PERIOD & 0xffff)
	movk	x0, #(PERIOD >> 16), lsl #16
	msr	cntv_tval_el0, x0
	mov	x0, #1
	msr	cntv_ctl_el0, x0
	isb
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
	add	x19, x19, #1
	bl	arm_timer
	mov	x0, #100
	udiv	x1, x19, x0
	msub	x1, x1, x0, x19
	cbnz	x1, 5f
	adr	x0, tick
	bl	puts
	mov	x0, x19
	bl	put_dec
	adr	x0, newline
	bl	puts
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
banner:	.asciz	"hvlab default lab: virtual timer every 10 ms, a line per 100 ticks\n"
tick:	.asciz	"tick "
newline: .asciz	"\n"
oops:	.asciz	"unexpected exception\n"
	.balign	4096
numbuf:	.space	32
numbuf_end:
	.balign	16
	.space	4096
stack_top:
