/*
 * Vector table of the latency guest. The IRQ entry taken from EL1 (slot 5, SP_EL1) reads
 * CNTVCT_EL0 before anything else, so the measured delay covers only the hardware and
 * hypervisor path to the vector, then saves the caller-saved registers and calls
 * latency_irq(counter). Every other slot reports an unexpected exception.
 */
	.macro vunexpected idx
	.balign 0x80
	mov	x0, #\idx
	b	unexpected_exception
	.endm

	.text
	.balign 0x800
	.global latency_vectors
latency_vectors:
	.irp i, 0,1,2,3,4
	vunexpected \i
	.endr
	.balign 0x80
	stp	x0, x1, [sp, #-16]!
	mrs	x0, cntvct_el0
	b	irq_entry
	.irp i, 6,7,8,9,10,11,12,13,14,15
	vunexpected \i
	.endr

irq_entry:
	sub	sp, sp, #160
	stp	x2, x3, [sp, #0]
	stp	x4, x5, [sp, #16]
	stp	x6, x7, [sp, #32]
	stp	x8, x9, [sp, #48]
	stp	x10, x11, [sp, #64]
	stp	x12, x13, [sp, #80]
	stp	x14, x15, [sp, #96]
	stp	x16, x17, [sp, #112]
	stp	x18, x29, [sp, #128]
	str	x30, [sp, #144]
	bl	latency_irq
	ldp	x2, x3, [sp, #0]
	ldp	x4, x5, [sp, #16]
	ldp	x6, x7, [sp, #32]
	ldp	x8, x9, [sp, #48]
	ldp	x10, x11, [sp, #64]
	ldp	x12, x13, [sp, #80]
	ldp	x14, x15, [sp, #96]
	ldp	x16, x17, [sp, #112]
	ldp	x18, x29, [sp, #128]
	ldr	x30, [sp, #144]
	add	sp, sp, #160
	ldp	x0, x1, [sp], #16
	eret
