/*
 * A full EL1 vector table for guests that take exceptions on purpose: every entry saves
 * X0-X30, ELR_EL1 and SPSR_EL1 in a frame on the stack, calls on_exception(frame, index)
 * (index 0-15 = vector slot), restores the (possibly edited) frame and returns with ERET.
 * run_el0(fn, sp) drops to EL0t at fn; el0_return (set as ELR by a handler, SPSR EL1h)
 * comes back to run_el0's caller.
 */
	.macro ventry idx
	.balign 0x80
	sub	sp, sp, #272
	stp	x0, x1, [sp, #0]
	mov	x0, #\idx
	b	vector_common
	.endm

	.text
	.balign 0x800
	.global test_vectors
test_vectors:
	.irp i, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	ventry \i
	.endr

vector_common:
	stp	x2, x3, [sp, #16]
	stp	x4, x5, [sp, #32]
	stp	x6, x7, [sp, #48]
	stp	x8, x9, [sp, #64]
	stp	x10, x11, [sp, #80]
	stp	x12, x13, [sp, #96]
	stp	x14, x15, [sp, #112]
	stp	x16, x17, [sp, #128]
	stp	x18, x19, [sp, #144]
	stp	x20, x21, [sp, #160]
	stp	x22, x23, [sp, #176]
	stp	x24, x25, [sp, #192]
	stp	x26, x27, [sp, #208]
	stp	x28, x29, [sp, #224]
	mrs	x1, elr_el1
	mrs	x2, spsr_el1
	stp	x30, x1, [sp, #240]
	str	x2, [sp, #256]
	mov	x1, x0
	mov	x0, sp
	bl	on_exception
	ldp	x30, x1, [sp, #240]
	ldr	x2, [sp, #256]
	msr	elr_el1, x1
	msr	spsr_el1, x2
	ldp	x0, x1, [sp, #0]
	ldp	x2, x3, [sp, #16]
	ldp	x4, x5, [sp, #32]
	ldp	x6, x7, [sp, #48]
	ldp	x8, x9, [sp, #64]
	ldp	x10, x11, [sp, #80]
	ldp	x12, x13, [sp, #96]
	ldp	x14, x15, [sp, #112]
	ldp	x16, x17, [sp, #128]
	ldp	x18, x19, [sp, #144]
	ldp	x20, x21, [sp, #160]
	ldp	x22, x23, [sp, #176]
	ldp	x24, x25, [sp, #192]
	ldp	x26, x27, [sp, #208]
	ldp	x28, x29, [sp, #224]
	add	sp, sp, #272
	eret

	.global run_el0
run_el0:
	stp	x29, x30, [sp, #-96]!
	stp	x19, x20, [sp, #16]
	stp	x21, x22, [sp, #32]
	stp	x23, x24, [sp, #48]
	stp	x25, x26, [sp, #64]
	stp	x27, x28, [sp, #80]
	mov	x2, sp
	adrp	x3, el1_saved_sp
	str	x2, [x3, :lo12:el1_saved_sp]
	msr	elr_el1, x0
	msr	sp_el0, x1
	msr	spsr_el1, xzr
	eret

	.global el0_return
el0_return:
	adrp	x3, el1_saved_sp
	ldr	x2, [x3, :lo12:el1_saved_sp]
	mov	sp, x2
	ldp	x19, x20, [sp, #16]
	ldp	x21, x22, [sp, #32]
	ldp	x23, x24, [sp, #48]
	ldp	x25, x26, [sp, #64]
	ldp	x27, x28, [sp, #80]
	ldp	x29, x30, [sp], #96
	ret

	.bss
	.balign 8
el1_saved_sp:
	.skip 8
