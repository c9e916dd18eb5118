/*
 * Exclusives guest: LDXR/STXR retry loops in every size, acquire/release forms, pairs, CLREX
 * and STXR without a reservation; only deterministic results are printed.
 */
#include "guest.h"

static uint64_t word64 __attribute__((aligned(16)));
static uint32_t word32;
static uint16_t word16;
static uint8_t word8;
static uint64_t pair[2] __attribute__((aligned(16)));

static uint64_t fetch_add64(uint64_t *p, uint64_t v) {
	uint64_t old, tmp;
	uint32_t fail;
	__asm__ volatile("1: ldaxr %0, [%3]\n add %1, %0, %4\n stlxr %w2, %1, [%3]\n cbnz %w2, 1b"
			 : "=&r"(old), "=&r"(tmp), "=&r"(fail)
			 : "r"(p), "r"(v)
			 : "memory");
	return old;
}

static uint32_t fetch_xor32(uint32_t *p, uint32_t v) {
	uint32_t old, tmp, fail;
	__asm__ volatile("1: ldxr %w0, [%3]\n eor %w1, %w0, %w4\n stxr %w2, %w1, [%3]\n cbnz %w2, 1b"
			 : "=&r"(old), "=&r"(tmp), "=&r"(fail)
			 : "r"(p), "r"(v)
			 : "memory");
	return old;
}

static uint16_t fetch_add16(uint16_t *p, uint16_t v) {
	uint32_t old, tmp, fail;
	__asm__ volatile("1: ldxrh %w0, [%3]\n add %w1, %w0, %w4\n stxrh %w2, %w1, [%3]\n cbnz %w2, 1b"
			 : "=&r"(old), "=&r"(tmp), "=&r"(fail)
			 : "r"(p), "r"((uint32_t)v)
			 : "memory");
	return (uint16_t)old;
}

static uint8_t swap8(uint8_t *p, uint8_t v) {
	uint32_t old, fail;
	__asm__ volatile("1: ldaxrb %w0, [%2]\n stlxrb %w1, %w3, [%2]\n cbnz %w1, 1b"
			 : "=&r"(old), "=&r"(fail)
			 : "r"(p), "r"((uint32_t)v)
			 : "memory");
	return (uint8_t)old;
}

static int cas64(uint64_t *p, uint64_t expect, uint64_t desired) {
	uint64_t old;
	uint32_t fail = 0;
	__asm__ volatile("1: ldxr %0, [%2]\n cmp %0, %3\n b.ne 2f\n stxr %w1, %4, [%2]\n cbnz %w1, 1b\n b 3f\n"
			 "2: clrex\n mov %w1, #2\n 3:"
			 : "=&r"(old), "+&r"(fail)
			 : "r"(p), "r"(expect), "r"(desired)
			 : "memory", "cc");
	return (int)fail;
}

int main(void) {
	printf("exclusives guest\n");
	word64 = 100;
	for (int i = 0; i < 1000; i++) fetch_add64(&word64, (uint64_t)i);
	printf("fetch_add64 %lu\n", word64);
	word32 = 0x12345678;
	for (uint32_t i = 0; i < 77; i++) fetch_xor32(&word32, i * 0x01010101u);
	printf("fetch_xor32 %08x\n", word32);
	word16 = 65000;
	for (int i = 0; i < 100; i++) fetch_add16(&word16, 13);
	printf("fetch_add16 %u (wrapped)\n", word16);
	word8 = 1;
	uint32_t s = 0;
	for (int i = 0; i < 50; i++) s += swap8(&word8, (uint8_t)(i * 7));
	printf("swap8 sum %u last %u\n", s, word8);
	word64 = 5;
	int r1 = cas64(&word64, 5, 6);
	int r2 = cas64(&word64, 5, 7);
	printf("cas ok=%d fail=%d value %lu\n", r1, r2, word64);

	/* STXR after CLREX must fail (status 1) and leave memory alone. */
	uint64_t v, st;
	__asm__ volatile("ldxr %0, [%2]\n clrex\n mov x9, #77\n stxr %w1, x9, [%2]" : "=&r"(v), "=&r"(st) : "r"(&word64) : "x9", "memory");
	printf("stxr after clrex: status %lu value %lu\n", st, word64);
	/* STXR without any LDXR must fail. */
	__asm__ volatile("clrex\n mov x9, #88\n stxr %w0, x9, [%1]" : "=&r"(st) : "r"(&word64) : "x9", "memory");
	printf("stxr without ldxr: status %lu value %lu\n", st, word64);
	/* A normal store by this PE to the monitored location between LDXR and STXR: the
	   architecture lets the monitor stay set (IMPLEMENTATION DEFINED), so only print memory. */
	__asm__ volatile("ldxr %0, [%1]\n add %0, %0, #1\n str %0, [%1]\n clrex" : "=&r"(v) : "r"(&word64) : "memory");
	printf("after str %lu\n", word64);
	/* Pair exclusives. */
	pair[0] = 1;
	pair[1] = 2;
	for (int i = 0; i < 10; i++) {
		uint64_t lo, hi;
		uint32_t fail;
		__asm__ volatile("1: ldaxp %0, %1, [%3]\n add %0, %0, %1\n add %1, %1, #3\n stlxp %w2, %0, %1, [%3]\n cbnz %w2, 1b"
				 : "=&r"(lo), "=&r"(hi), "=&r"(fail)
				 : "r"(pair)
				 : "memory");
	}
	printf("pair %lu %lu\n", pair[0], pair[1]);
	uint32_t wp[2] __attribute__((aligned(8))) = {10, 20};
	uint32_t a, b, f;
	__asm__ volatile("1: ldxp %w0, %w1, [%3]\n stxp %w2, %w1, %w0, [%3]\n cbnz %w2, 1b" : "=&r"(a), "=&r"(b), "=&r"(f) : "r"(wp) : "memory");
	printf("pair32 swapped %u %u\n", wp[0], wp[1]);
	/* Load-acquire / store-release. */
	uint64_t acq;
	__asm__ volatile("stlr %1, [%2]\n ldar %0, [%2]" : "=&r"(acq) : "r"(0xabcdef0123UL), "r"(&word64) : "memory");
	uint32_t acq32;
	__asm__ volatile("stlrh %w1, [%2]\n ldarh %w0, [%2]" : "=&r"(acq32) : "r"(0x1234fedcu), "r"(&word32) : "memory");
	printf("ldar %lx ldarh %x word32 %08x\n", acq, acq32, word32);
	/* An exception (SVC and its ERET) between LDXR and STXR clears the local monitor. */
	extern char exc_vectors_min[];
	WRITE_SYSREG(vbar_el1, (uint64_t)exc_vectors_min);
	ISB();
	__asm__ volatile("ldxr %0, [%2]\n svc #0\n stxr %w1, %0, [%2]" : "=&r"(v), "=&r"(st) : "r"(&word64) : "memory");
	printf("stxr after svc/eret: status %lu\n", st);
	/* Exclusives on Normal memory with the MMU on (identity map, 1 GiB blocks). */
	static uint64_t l1[512] __attribute__((aligned(4096)));
	l1[0] = 0x00000000UL | 1 | (0 << 2) | (1 << 10) | (3UL << 53);
	l1[1] = 0x40000000UL | 1 | (1 << 2) | (3 << 8) | (1 << 10);
	WRITE_SYSREG(mair_el1, 0xff00UL);
	WRITE_SYSREG(tcr_el1, 25UL | (1UL << 8) | (1UL << 10) | (3UL << 12) | (1UL << 23));
	WRITE_SYSREG(ttbr0_el1, (uint64_t)l1);
	__asm__ volatile("dsb ish\n tlbi vmalle1\n dsb ish\n isb" ::: "memory");
	uint64_t sctlr = READ_SYSREG(sctlr_el1);
	WRITE_SYSREG(sctlr_el1, sctlr | 1 | 4 | (1 << 12));
	ISB();
	word64 = 0;
	for (int i = 0; i < 300; i++) fetch_add64(&word64, 3);
	for (uint32_t i = 0; i < 33; i++) fetch_xor32(&word32, i << 9);
	printf("mmu on: fetch_add64 %lu fetch_xor32 %08x cas %d\n", word64, word32, cas64(&word64, 900, 1));
	WRITE_SYSREG(sctlr_el1, sctlr);
	ISB();
	printf("exclusives done\n");
	return 0;
}

/* Minimal vectors: a synchronous exception from EL1 (the SVC above) returns at once. */
__asm__(".balign 2048\n exc_vectors_min:\n .skip 0x200\n eret\n .skip 0x5fc");
