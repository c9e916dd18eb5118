/* PL011 registers (see pl011_model.h): offsets, reset values and masks as hvlab's pl011.ts. */
#include "pl011_model.h"

#define INT_RX (1u << 4)
#define INT_TX (1u << 5)
#define INT_RT (1u << 6)
#define INT_OE (1u << 10)
#define FR_RXFE (1u << 4)
#define FR_RXFF (1u << 6)
#define FR_TXFE (1u << 7)
#define LCRH_FEN (1u << 4)
#define CR_TXE (1u << 8)
#define CR_RXE (1u << 9)

/* PeriphID 0x00141011 and PCellID 0xb105f00d, one byte per register from 0xfe0. */
static const uint8_t id_bytes[8] = {0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1};
/* IFLS receive trigger levels: 1/8, 1/4, 1/2, 3/4, 7/8 of 16 entries. */
static const uint8_t trigger[5] = {2, 4, 8, 12, 14};

static uint32_t depth(const struct pl011 *u) { return (u->lcrh & LCRH_FEN) ? PL011_FIFO_DEPTH : 1; }

static void update(struct pl011 *u) {
	int level = (u->ris & u->imsc) != 0;
	if (level != u->level) {
		u->level = level;
		u->irq(level);
	}
}

/* Receive interrupt at the trigger level; receive timeout whenever data waits (no time passes). */
static void update_rx(struct pl011 *u) {
	uint32_t sel = (u->ifls >> 3) & 7;
	uint32_t level = (u->lcrh & LCRH_FEN) ? (sel < 5 ? trigger[sel] : 8) : 1;
	if (u->rx_count >= level) u->ris |= INT_RX;
	else u->ris &= ~INT_RX;
	if (u->rx_count > 0) u->ris |= INT_RT;
	else u->ris &= ~INT_RT;
	update(u);
}

void pl011_reset(struct pl011 *u) {
	u->rx_head = u->rx_count = 0;
	u->rsr = u->ilpr = u->ibrd = u->fbrd = u->lcrh = u->imsc = u->ris = u->dmacr = 0;
	u->cr = CR_TXE | CR_RXE;
	u->ifls = 0x12;
	u->level = 0;
}

uint32_t pl011_rx_space(const struct pl011 *u) {
	uint32_t d = depth(u);
	return u->rx_count >= d ? 0 : d - u->rx_count;
}

void pl011_input(struct pl011 *u, uint8_t byte) {
	if (u->rx_count >= depth(u)) {
		u->rsr |= 1u << 3; /* overrun */
		u->ris |= INT_OE;
	} else {
		u->rx[(u->rx_head + u->rx_count) % PL011_FIFO_DEPTH] = byte;
		u->rx_count++;
	}
	update_rx(u);
}

static uint32_t read_data(struct pl011 *u) {
	uint32_t v = 0;
	if (u->rx_count > 0) {
		v = u->rx[u->rx_head];
		u->rx_head = (u->rx_head + 1) % PL011_FIFO_DEPTH;
		u->rx_count--;
	}
	update_rx(u);
	return v;
}

/* The whole 32-bit register at word offset `reg`. */
static uint32_t read_reg(struct pl011 *u, uint32_t reg) {
	switch (reg) {
	case 0x000: return read_data(u);
	case 0x004: return u->rsr;
	case 0x018:
		return FR_TXFE | (u->rx_count == 0 ? FR_RXFE : 0) | (u->rx_count >= depth(u) ? FR_RXFF : 0);
	case 0x020: return u->ilpr;
	case 0x024: return u->ibrd;
	case 0x028: return u->fbrd;
	case 0x02c: return u->lcrh;
	case 0x030: return u->cr;
	case 0x034: return u->ifls;
	case 0x038: return u->imsc;
	case 0x03c: return u->ris;
	case 0x040: return u->ris & u->imsc;
	case 0x048: return u->dmacr;
	default:
		if (reg >= 0xfe0 && reg <= 0xffc) return id_bytes[(reg - 0xfe0) / 4];
		return 0; /* ICR and holes read as zero */
	}
}

static uint32_t merge(uint32_t old, uint32_t v, uint32_t mask) { return (old & ~mask) | (v & mask); }

static void write_reg(struct pl011 *u, uint32_t reg, uint32_t v, uint32_t mask) {
	switch (reg) {
	case 0x000:
		if (mask & 0xff) {
			u->tx((uint8_t)v);
			u->ris |= INT_TX; /* the byte left at once: the TX FIFO is below any trigger level */
			update(u);
		}
		break;
	case 0x004: u->rsr = 0; break;
	case 0x020: u->ilpr = merge(u->ilpr, v, mask) & 0xff; break;
	case 0x024: u->ibrd = merge(u->ibrd, v, mask) & 0xffff; break;
	case 0x028: u->fbrd = merge(u->fbrd, v, mask) & 0x3f; break;
	case 0x02c: {
		uint32_t old = u->lcrh;
		u->lcrh = merge(old, v, mask) & 0xff;
		if ((old ^ u->lcrh) & LCRH_FEN) u->rx_count = 0; /* toggling FEN empties the FIFO */
		update_rx(u);
		break;
	}
	case 0x030: u->cr = merge(u->cr, v, mask) & 0xff87; break;
	case 0x034: u->ifls = merge(u->ifls, v, mask) & 0x3f; update_rx(u); break;
	case 0x038: u->imsc = merge(u->imsc, v, mask) & 0x7ff; update(u); break;
	case 0x044: u->ris &= ~(v & mask); update_rx(u); break;
	case 0x048: u->dmacr = merge(u->dmacr, v, mask) & 0x7; break;
	default: break; /* read-only registers and holes ignore writes */
	}
}

/* Naturally aligned 1-, 2- or 4-byte accesses; anything else is RAZ/WI and counted. */
static int lane_ok(struct pl011 *u, uint32_t offset, uint32_t size) {
	if ((size == 1 || size == 2 || size == 4) && offset < 0x1000 && (offset & (size - 1)) == 0) return 1;
	u->bad_accesses++;
	return 0;
}

uint32_t pl011_read(struct pl011 *u, uint32_t offset, uint32_t size) {
	if (!lane_ok(u, offset, size)) return 0;
	uint32_t shift = (offset & 3) * 8;
	uint32_t v = read_reg(u, offset & ~3u) >> shift;
	return size == 4 ? v : v & ((1u << (size * 8)) - 1);
}

void pl011_write(struct pl011 *u, uint32_t offset, uint32_t size, uint32_t value) {
	if (!lane_ok(u, offset, size)) return;
	uint32_t shift = (offset & 3) * 8;
	uint32_t mask = (size == 4 ? 0xffffffffu : (1u << (size * 8)) - 1) << shift;
	write_reg(u, offset & ~3u, value << shift, mask);
}
