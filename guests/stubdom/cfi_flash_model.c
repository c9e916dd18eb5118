/* CFI flash bank (see cfi_flash_model.h): commands and responses as hvlab's cfi_flash.ts. */
#include "cfi_flash_model.h"
#include "guest.h"

enum { CFI_MODE_ARRAY, CFI_MODE_STATUS, CFI_MODE_ID, CFI_MODE_QUERY };
enum {
	CFI_PENDING_NONE,
	CFI_PENDING_PROGRAM,
	CFI_PENDING_ERASE,
	CFI_PENDING_LOCK,
	CFI_PENDING_BUFFER_COUNT,
	CFI_PENDING_BUFFER_DATA,
	CFI_PENDING_BUFFER_CONFIRM,
};

#define SR_LOCKED (1u << 1)
#define SR_PROGRAM (1u << 4)
#define SR_ERASE (1u << 5)
#define SR_READY (1u << 7)
#define BANK_WIDTH 4
#define DEVICE_WIDTH 2
#define BUFFER_LOG2 11
#define ID_MANUFACTURER 0x89
#define ID_DEVICE 0x18

/* Storage of the programmed blocks of every bank. */
static uint8_t pool[CFI_POOL_BLOCKS][CFI_SECTOR_SIZE];
static uint8_t pool_used[CFI_POOL_BLOCKS];

/*
 * The CFI query table of one device (byte i answers query address i), as QEMU's pflash_cfi01:
 * "QRY", Intel command set, primary table "PRI" 1.0 at 0x31, device size 2^25 (32 MiB), a
 * 2^11-byte write buffer, one region of 256 blocks of 128 KiB.
 */
static const uint8_t query[0x40] = {
    [0x10] = 0x51, [0x11] = 0x52, [0x12] = 0x59, [0x13] = 0x01, [0x15] = 0x31,
    [0x1b] = 0x45, [0x1c] = 0x55, [0x1f] = 0x07, [0x20] = 0x07, [0x21] = 0x0a,
    [0x23] = 0x04, [0x24] = 0x04, [0x25] = 0x04, [0x27] = 25,   [0x28] = 0x02,
    [0x2a] = BUFFER_LOG2,         [0x2c] = 0x01, [0x2d] = 0xff, [0x2e] = 0x00,
    [0x2f] = 0x00, [0x30] = 0x02, [0x31] = 0x50, [0x32] = 0x52, [0x33] = 0x49,
    [0x34] = 0x31, [0x35] = 0x30, [0x3f] = 0x01,
};

void cfi_reset(struct cfi_flash *f) {
	memset(f, 0, sizeof *f);
	for (uint32_t b = 0; b < CFI_BLOCKS; b++) f->slot[b] = -1;
	f->status = SR_READY;
}

static int array_mode(const struct cfi_flash *f) {
	return f->mode == CFI_MODE_ARRAY && f->pending == CFI_PENDING_NONE;
}

static uint8_t image_byte(const struct cfi_flash *f, uint32_t offset) {
	int s = f->slot[offset / CFI_SECTOR_SIZE];
	return s < 0 ? 0xff : pool[s][offset % CFI_SECTOR_SIZE];
}

/* What one device answers at `offset` outside read-array mode. */
static uint32_t response(const struct cfi_flash *f, uint32_t offset) {
	if (f->pending != CFI_PENDING_NONE || f->mode == CFI_MODE_STATUS) return f->status;
	uint32_t word = offset / BANK_WIDTH;
	if (f->mode == CFI_MODE_QUERY) return word < sizeof query ? query[word] : 0;
	switch (word & 0xff) {
	case 0: return ID_MANUFACTURER;
	case 1: return ID_DEVICE;
	case 2: return f->locked[offset / CFI_SECTOR_SIZE];
	default: return 0;
	}
}

static uint8_t read_byte(const struct cfi_flash *f, uint32_t offset) {
	if (array_mode(f)) return image_byte(f, offset);
	/* Each device answers in its own lanes, least significant byte first. */
	uint32_t k = (offset % BANK_WIDTH) % DEVICE_WIDTH;
	return (uint8_t)(response(f, offset) >> (8 * k));
}

static uint32_t read_n(const struct cfi_flash *f, uint32_t offset, uint32_t size) {
	uint32_t v = 0;
	for (uint32_t i = size; i-- > 0;) v = (v << 8) | read_byte(f, offset + i);
	return v;
}

/* Clears bits of the image (flash cells only go from 1 to 0); 0 when no pool buffer is free. */
static int program_byte(struct cfi_flash *f, uint32_t offset, uint8_t byte) {
	uint32_t b = offset / CFI_SECTOR_SIZE;
	if (f->slot[b] < 0) {
		if (byte == 0xff) return 1; /* nothing to clear in an erased block */
		int s = 0;
		while (s < CFI_POOL_BLOCKS && pool_used[s]) s++;
		if (s == CFI_POOL_BLOCKS) return 0;
		pool_used[s] = 1;
		memset(pool[s], 0xff, CFI_SECTOR_SIZE);
		f->slot[b] = (int16_t)s;
	}
	pool[f->slot[b]][offset % CFI_SECTOR_SIZE] &= byte;
	return 1;
}

static void program(struct cfi_flash *f, uint32_t offset, uint32_t size, uint32_t value) {
	for (uint32_t i = 0; i < size; i++) {
		if (!program_byte(f, offset + i, (uint8_t)(value >> (8 * i)))) {
			f->status |= SR_PROGRAM;
			f->pool_exhausted++;
			return;
		}
	}
}

static void erase_block(struct cfi_flash *f, uint32_t offset) {
	uint32_t b = offset / CFI_SECTOR_SIZE;
	if (f->slot[b] >= 0) pool_used[f->slot[b]] = 0;
	f->slot[b] = -1;
}

/* Sets the lock error bits and returns 1 when the block at `offset` is locked. */
static int refuse_locked(struct cfi_flash *f, uint32_t offset, uint32_t op_bit) {
	if (!f->locked[offset / CFI_SECTOR_SIZE]) return 0;
	f->status |= SR_LOCKED | op_bit;
	return 1;
}

static void sequence_error(struct cfi_flash *f) { f->status |= SR_PROGRAM | SR_ERASE; }

/* A first write cycle: selects a read mode or sets up a two-cycle command. */
static void command(struct cfi_flash *f, uint32_t cmd) {
	switch (cmd) {
	case 0xff: /* read array; 0x00 as QEMU's model; 0xf0 (AMD reset) from dual-set probes */
	case 0x00:
	case 0xf0: f->mode = CFI_MODE_ARRAY; break;
	case 0x70: f->mode = CFI_MODE_STATUS; break;
	case 0x90: f->mode = CFI_MODE_ID; break;
	case 0x98: f->mode = CFI_MODE_QUERY; break;
	case 0x50:
		f->status = SR_READY;
		f->mode = CFI_MODE_ARRAY;
		break;
	case 0x40:
	case 0x10: f->pending = CFI_PENDING_PROGRAM; break;
	case 0x20: f->pending = CFI_PENDING_ERASE; break;
	case 0x60: f->pending = CFI_PENDING_LOCK; break;
	case 0xe8: f->pending = CFI_PENDING_BUFFER_COUNT; break;
	case 0xb0: /* suspend / resume: nothing is ever in progress */
	case 0xd0: f->mode = CFI_MODE_STATUS; break;
	default: f->mode = CFI_MODE_ARRAY; /* 0xc0, 0xb8 (not modelled) and unknown commands */
	}
}

/* Ends a two-cycle command: reads show the status again. */
static void done(struct cfi_flash *f) {
	f->pending = CFI_PENDING_NONE;
	f->mode = CFI_MODE_STATUS;
}

static void buffer_confirm(struct cfi_flash *f, uint32_t cmd) {
	uint32_t n = f->nbuffered;
	f->nbuffered = 0;
	if (cmd != 0xd0) return sequence_error(f);
	/* All data must fall in the write-buffer-aligned window of the first write. */
	uint32_t win = f->buffered[0].offset - f->buffered[0].offset % CFI_BUFFER_BYTES;
	for (uint32_t i = 0; i < n; i++) {
		const struct cfi_buffered_write *w = &f->buffered[i];
		if (w->offset < win || w->offset + w->size > win + CFI_BUFFER_BYTES)
			return sequence_error(f);
	}
	if (refuse_locked(f, win, SR_PROGRAM)) return;
	for (uint32_t i = 0; i < n; i++) {
		const struct cfi_buffered_write *w = &f->buffered[i];
		program(f, w->offset, w->size, w->value);
	}
}

/* One write cycle: a command, or the data/confirm a pending command waits for. */
static void write_cycle(struct cfi_flash *f, uint32_t offset, uint32_t size, uint32_t value) {
	uint32_t cmd = value & 0xff;
	switch (f->pending) {
	case CFI_PENDING_NONE: command(f, cmd); return;
	case CFI_PENDING_PROGRAM:
		done(f);
		if (!refuse_locked(f, offset, SR_PROGRAM)) program(f, offset, size, value);
		return;
	case CFI_PENDING_ERASE:
		done(f);
		if (cmd != 0xd0) return sequence_error(f);
		if (!refuse_locked(f, offset, SR_ERASE)) erase_block(f, offset);
		return;
	case CFI_PENDING_LOCK:
		done(f);
		if (cmd == 0x01 || cmd == 0xd0) f->locked[offset / CFI_SECTOR_SIZE] = cmd == 0x01;
		else if (cmd != 0x2f) sequence_error(f); /* 0x2f: lock-down, not modelled */
		return;
	case CFI_PENDING_BUFFER_COUNT: {
		/* The count (words per device, minus one) is in the first device's lanes. */
		uint32_t n = (value & 0xffff) + 1;
		if (n > CFI_MAX_BUFFERED) {
			done(f);
			return sequence_error(f);
		}
		f->buffer_left = n;
		f->nbuffered = 0;
		f->pending = CFI_PENDING_BUFFER_DATA;
		return;
	}
	case CFI_PENDING_BUFFER_DATA:
		f->buffered[f->nbuffered++] = (struct cfi_buffered_write){offset, size, value};
		if (--f->buffer_left == 0) f->pending = CFI_PENDING_BUFFER_CONFIRM;
		return;
	case CFI_PENDING_BUFFER_CONFIRM:
		done(f);
		buffer_confirm(f, cmd);
		return;
	}
}

static int in_bank(struct cfi_flash *f, uint32_t offset, uint32_t size) {
	if ((size == 1 || size == 2 || size == 4 || size == 8) && offset < CFI_BANK_SIZE &&
	    size <= CFI_BANK_SIZE - offset)
		return 1;
	f->bad_accesses++;
	return 0;
}

uint64_t cfi_read(struct cfi_flash *f, uint32_t offset, uint32_t size) {
	if (!in_bank(f, offset, size)) return 0;
	if (size < 8) return read_n(f, offset, size);
	return read_n(f, offset, 4) | (uint64_t)read_n(f, offset + 4, 4) << 32;
}

void cfi_write(struct cfi_flash *f, uint32_t offset, uint32_t size, uint64_t value) {
	if (!in_bank(f, offset, size)) return;
	write_cycle(f, offset, size < 8 ? size : 4, (uint32_t)value);
	if (size == 8) write_cycle(f, offset + 4, 4, (uint32_t)(value >> 32));
}
