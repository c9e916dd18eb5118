/*
 * A CFI flash bank the stub domain serves: the same device as hvlab's core/devices/cfi_flash.ts
 * in the shape of QEMU virt's banks (64 MiB, 256 KiB erase blocks, a 32-bit bank of two x16
 * Intel-command-set devices, IDs 0x89/0x18): read array, read status, read identifier, CFI query,
 * clear status, word program, buffered program, block erase, block lock/unlock, suspend/resume
 * (nothing is ever in progress), each finishing at once.
 *
 * Unlike the TypeScript model, the contents are kept sparsely: an erased block has no storage
 * (it reads as 0xFF); a block gets one of CFI_POOL_BLOCKS buffers, shared by every bank, when a
 * program first clears a bit in it, and gives it back when erased. A program that needs a buffer
 * when none is free fails with the program error bit (counted in pool_exhausted). A UEFI
 * variable store uses a few blocks; this keeps the stub domain at a few MiB of RAM, not 128.
 */
#ifndef STUBDOM_CFI_FLASH_MODEL_H
#define STUBDOM_CFI_FLASH_MODEL_H
#include <stdint.h>

#define CFI_BANK_SIZE 0x4000000u /* 64 MiB */
#define CFI_SECTOR_SIZE 0x40000u /* 256 KiB: one erase block of the bank, both devices */
#define CFI_BLOCKS (CFI_BANK_SIZE / CFI_SECTOR_SIZE)
#define CFI_POOL_BLOCKS 16
/* Data writes of one buffered program: 2^11 bytes per device, two devices, 4 bytes a write. */
#define CFI_BUFFER_BYTES 4096u
#define CFI_MAX_BUFFERED (CFI_BUFFER_BYTES / 4)

struct cfi_buffered_write {
	uint32_t offset, size, value;
};

struct cfi_flash {
	uint8_t mode;    /* what reads return with nothing pending: CFI_MODE_* */
	uint8_t pending; /* the write cycle a setup command waits for: CFI_PENDING_* */
	uint8_t status;  /* status register of one device */
	uint8_t locked[CFI_BLOCKS];
	int16_t slot[CFI_BLOCKS]; /* the block's pool buffer, or -1: erased */
	uint32_t buffer_left, nbuffered;
	struct cfi_buffered_write buffered[CFI_MAX_BUFFERED];
	/* Accesses past the bank (counted, RAZ/WI); programs refused for want of a pool buffer. */
	uint32_t bad_accesses, pool_exhausted;
};

/* An erased, unlocked bank in read-array mode (once, at start: it holds no pool buffers). */
void cfi_reset(struct cfi_flash *f);
/* Bank accesses of 1, 2, 4 or 8 bytes (8: two 4-byte ones, low word first), little-endian. */
uint64_t cfi_read(struct cfi_flash *f, uint32_t offset, uint32_t size);
void cfi_write(struct cfi_flash *f, uint32_t offset, uint32_t size, uint64_t value);
#endif
