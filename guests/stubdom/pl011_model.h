/*
 * The PL011 register model the stub domain serves: the same device as hvlab's
 * core/devices/pl011.ts (and QEMU's pl011.c): transmit leaves at once (TXFF never set, TXRIS set
 * by every sent byte), a 16-entry receive FIFO (1 entry with LCR_H.FEN clear), one interrupt
 * output (RIS & IMSC) != 0. It sees register offsets only; the device model wires its transmit
 * and interrupt outputs.
 */
#ifndef STUBDOM_PL011_MODEL_H
#define STUBDOM_PL011_MODEL_H
#include <stdint.h>

#define PL011_FIFO_DEPTH 16

struct pl011 {
	uint8_t rx[PL011_FIFO_DEPTH];
	uint32_t rx_head, rx_count;
	uint32_t rsr, ilpr, ibrd, fbrd, lcrh, cr, ifls, imsc, ris, dmacr;
	int level; /* the interrupt output as last reported */
	void (*tx)(uint8_t byte);
	void (*irq)(int level);
	/* Accesses that are not a 1/2/4-byte access within one register (counted, RAZ/WI). */
	uint32_t bad_accesses;
};

void pl011_reset(struct pl011 *u);
uint32_t pl011_read(struct pl011 *u, uint32_t offset, uint32_t size);
void pl011_write(struct pl011 *u, uint32_t offset, uint32_t size, uint32_t value);
/* Room in the receive FIFO now. */
uint32_t pl011_rx_space(const struct pl011 *u);
/* A received byte; one that finds the FIFO full sets the overrun error. */
void pl011_input(struct pl011 *u, uint8_t byte);
#endif
