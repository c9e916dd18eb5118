/* Integer guest: arithmetic, multiply/divide, bit operations, 64/128-bit math, formatting. */
#include "guest.h"

static volatile uint64_t seed = 0x123456789abcdef1ULL;

/* xorshift64*: a deterministic stream of operands the compiler cannot fold. */
static uint64_t rnd(void) {
	uint64_t x = seed;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	seed = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static void arith(void) {
	uint32_t h = 2166136261u;
	for (int i = 0; i < 200; i++) {
		uint64_t a = rnd(), b = rnd();
		uint32_t a32 = (uint32_t)a, b32 = (uint32_t)b;
		int64_t sa = (int64_t)a, sb = (int64_t)b >> (i & 63);
		uint64_t r[] = {
			a + b,
			a - b,
			a32 + b32,
			(uint64_t)(int64_t)(int32_t)(a32 - b32),
			a * b,
			(uint64_t)((int64_t)(int32_t)a32 * (int64_t)(int32_t)b32),
			(uint64_t)a32 * b32,
			(uint64_t)(((unsigned __int128)a * b) >> 64),
			(uint64_t)(((__int128)sa * sb) >> 64),
			b ? a / b : 0,
			b ? a % b : 0,
			sb ? (uint64_t)(sa / sb) : 0,
			sb ? (uint64_t)(sa % sb) : 0,
			b32 ? a32 / b32 : 0,
			(b32 && !((int32_t)a32 == INT32_MIN && (int32_t)b32 == -1)) ? (uint64_t)(int64_t)((int32_t)a32 / (int32_t)b32) : 0,
			a & b, a | b, a ^ b, a & ~b, a | ~b, ~(a ^ b),
			a << (b & 63), a >> (b & 63), (uint64_t)(sa >> (b & 63)),
			(a >> (b & 63)) | (a << ((64 - (b & 63)) & 63)),
			a32 << (b & 31), a32 >> (b & 31), (uint64_t)(int64_t)((int32_t)a32 >> (b & 31)),
			(uint64_t)__builtin_clzll(a | 1), (uint64_t)__builtin_ctzll(a | (1ULL << 63)),
			(uint64_t)__builtin_clz(a32 | 1), (uint64_t)__builtin_popcountll(a),
			__builtin_bswap64(a), __builtin_bswap32(a32), __builtin_bswap16((uint16_t)a),
			(a > b) ? 1 : 0, (sa < sb) ? 1 : 0, (a32 >= b32) ? 1 : 0,
			(sa < sb) ? (uint64_t)sa : (uint64_t)sb,
			(a >> 7) & 0x1fff, (uint64_t)((int64_t)(a << 13) >> 40),
			(a & ~0xff00ULL) | ((b & 0xff) << 8),
			(uint64_t)(int64_t)(int8_t)a, (uint64_t)(int64_t)(int16_t)a, (uint8_t)b, (uint16_t)b,
		};
		h = fnv1a(r, sizeof r, h);
		if (i < 3) {
			for (unsigned k = 0; k < sizeof r / sizeof r[0]; k++) printf("%016lx%c", r[k], k % 4 == 3 ? '\n' : ' ');
			printf("\n");
		}
	}
	printf("arith hash %08x\n", h);
}

static void flags(void) {
	/* Carry/overflow chains through add-with-carry: 256-bit addition and subtraction. */
	uint64_t x[4], y[4], s[4], d[4];
	for (int i = 0; i < 4; i++) x[i] = rnd(), y[i] = rnd();
	unsigned __int128 c = 0;
	for (int i = 0; i < 4; i++) {
		c = (unsigned __int128)x[i] + y[i] + (uint64_t)(c >> 64);
		s[i] = (uint64_t)c;
	}
	uint64_t borrow = 0;
	for (int i = 0; i < 4; i++) {
		unsigned __int128 t = (unsigned __int128)x[i] - y[i] - borrow;
		d[i] = (uint64_t)t;
		borrow = (uint64_t)(t >> 64) & 1;
	}
	printf("add256 %016lx %016lx %016lx %016lx\n", s[3], s[2], s[1], s[0]);
	printf("sub256 %016lx %016lx %016lx %016lx\n", d[3], d[2], d[1], d[0]);
	int64_t ov = 0;
	int64_t big = INT64_MAX - 5;
	for (int i = 0; i < 10; i++) {
		int64_t r;
		ov += __builtin_add_overflow(big, (int64_t)i, &r);
		ov += __builtin_sub_overflow(-big, (int64_t)(i * 3), &r) * 100;
		ov += __builtin_mul_overflow((int32_t)(i * 123456), (int32_t)(i * 54321), (int32_t *)&r) * 10000;
	}
	printf("overflow count %ld\n", ov);
}

static void division_edges(void) {
	volatile int64_t m = INT64_MIN, n1 = -1, z = 0;
	volatile int32_t m32 = INT32_MIN, n132 = -1;
	int64_t q;
	int32_t q32;
	uint64_t uq;
	/* AArch64 division never traps: x/0 = 0, MIN/-1 = MIN. Use the instructions directly. */
	__asm__ volatile("sdiv %0, %1, %2" : "=r"(q) : "r"(m), "r"(n1));
	printf("sdiv min/-1 = %ld\n", q);
	__asm__ volatile("sdiv %0, %1, %2" : "=r"(q) : "r"(m), "r"(z));
	printf("sdiv min/0 = %ld\n", q);
	__asm__ volatile("udiv %0, %1, %2" : "=r"(uq) : "r"(m), "r"(z));
	printf("udiv x/0 = %lu\n", uq);
	__asm__ volatile("sdiv %w0, %w1, %w2" : "=r"(q32) : "r"(m32), "r"(n132));
	printf("sdiv32 min/-1 = %d\n", q32);
}

static void formatting(void) {
	char buf[64];
	printf("[%d] [%5d] [%-5d] [%05d] [%+d]\n", -42, 42, 42, -42, 7);
	printf("[%u] [%x] [%X] [%08x] [%lx]\n", 4000000000u, 0xbeefu, 0xbeefu, 0x1234u, 0xfedcba9876543210UL);
	printf("[%ld] [%ld] [%lu]\n", INT64_MIN, INT64_MAX, UINT64_MAX);
	printf("[%s] [%8s] [%-8s] [%c%c]\n", "str", "right", "left", 'o', 'k');
	int n = snprintf(buf, sizeof buf, "%d-%x-%s", 12345, 0xabc, "xyz");
	printf("snprintf %d '%s'\n", n, buf);
}

static int cmp_u32(const void *a, const void *b) {
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static void sort_and_search(void) {
	static uint32_t v[512];
	for (int i = 0; i < 512; i++) v[i] = (uint32_t)rnd();
	/* Insertion sort via the comparator (indirect calls), then checksum. */
	for (int i = 1; i < 512; i++) {
		uint32_t t = v[i];
		int j = i - 1;
		while (j >= 0 && cmp_u32(&v[j], &t) > 0) {
			v[j + 1] = v[j];
			j--;
		}
		v[j + 1] = t;
	}
	int sorted = 1;
	for (int i = 1; i < 512; i++) sorted &= v[i - 1] <= v[i];
	printf("sorted %d min %08x max %08x hash %08x\n", sorted, v[0], v[511], fnv1a(v, sizeof v, 2166136261u));
}

static uint32_t crc32_sw(const uint8_t *p, size_t n) {
	uint32_t c = 0xffffffff;
	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xedb88320u & -(c & 1));
	}
	return ~c;
}

static void switch_jump(void) {
	uint64_t acc = 0;
	for (int i = 0; i < 100; i++) {
		switch ((rnd() >> 5) % 9) {
		case 0: acc += 3; break;
		case 1: acc ^= acc << 3; break;
		case 2: acc *= 7; break;
		case 3: acc -= 11; break;
		case 4: acc = (acc >> 1) | (acc << 63); break;
		case 5: acc += acc >> 9; break;
		case 6: acc ^= 0x5555; break;
		case 7: acc = ~acc; break;
		default: acc += i; break;
		}
	}
	printf("switch acc %016lx\n", acc);
	printf("crc32 %08x\n", crc32_sw((const uint8_t *)"The quick brown fox jumps over the lazy dog", 43));
}

static void crc_and_bits(void) {
	/* CRC32/CRC32C instructions (present on Cortex-A57, advertised by ID_AA64ISAR0_EL1). */
	uint32_t c = 0xffffffff, cc = 0xffffffff;
	for (int i = 0; i < 64; i++) {
		uint64_t v = rnd();
		__asm__(".arch_extension crc\n crc32x %w0, %w0, %1\n crc32w %w0, %w0, %w1\n crc32h %w0, %w0, %w1\n"
			"crc32b %w0, %w0, %w1"
			: "+r"(c)
			: "r"(v));
		__asm__(".arch_extension crc\n crc32cx %w0, %w0, %1\n crc32cw %w0, %w0, %w1\n crc32ch %w0, %w0, %w1\n"
			"crc32cb %w0, %w0, %w1"
			: "+r"(cc)
			: "r"(v));
	}
	printf("crc32 insns %08x crc32c %08x\n", c, cc);
	uint64_t a = rnd(), b = rnd(), r1, r2, r3, r4, r5, r6;
	__asm__("extr %0, %1, %2, #13" : "=r"(r1) : "r"(a), "r"(b));
	__asm__("rbit %0, %1" : "=r"(r2) : "r"(a));
	__asm__("cls %0, %1" : "=r"(r3) : "r"(a >> 5));
	__asm__("umaddl %0, %w1, %w2, %3" : "=r"(r4) : "r"(a), "r"(b), "r"(a));
	__asm__("smsubl %0, %w1, %w2, %3" : "=r"(r5) : "r"(a), "r"(b), "r"(b));
	__asm__("rev32 %0, %1" : "=r"(r6) : "r"(a));
	printf("extr %016lx rbit %016lx cls %lu umaddl %016lx smsubl %016lx rev32 %016lx\n", r1, r2, r3, r4, r5, r6);
	uint64_t nzcv, s1, s2;
	__asm__("adds %0, %2, %3\n adcs %1, %2, %3\n mrs %2, nzcv" : "=&r"(s1), "=&r"(s2), "+r"(a) : "r"(b) : "cc");
	nzcv = a;
	printf("adds %016lx adcs %016lx nzcv %lx\n", s1, s2, nzcv >> 28);
	__asm__("subs %w0, %w2, %w3\n sbcs %w1, %w3, %w2\n mrs %2, nzcv" : "=&r"(s1), "=&r"(s2), "+r"(b) : "r"(s1) : "cc");
	printf("subs %08lx sbcs %08lx nzcv %lx\n", s1, s2, b >> 28);
	uint64_t flags;
	__asm__("cmp %1, %2\n ccmp %1, #5, #0xa, ne\n ccmn %2, #3, #0x3, ge\n mrs %0, nzcv" : "=r"(flags) : "r"(a), "r"(r1) : "cc");
	printf("ccmp chain %lx\n", flags >> 28);
	int64_t cs;
	__asm__("cmp %1, %2\n csneg %0, %1, %2, lt" : "=r"(cs) : "r"(a), "r"(b) : "cc");
	int64_t ci;
	__asm__("cmp %1, %2\n csinv %0, %1, %2, hi" : "=r"(ci) : "r"(r2), "r"(r3) : "cc");
	printf("csneg %016lx csinv %016lx\n", (uint64_t)cs, (uint64_t)ci);
	/* Loads with sign extension and writeback through asm, checking addressing forms. */
	static int64_t mem[8] = {-1, -2, 0x123456789abcdef0, 0x7f, -0x8000, 5, 6, 7};
	int64_t l1, l2, l3, l4;
	uint64_t *p = (uint64_t *)mem;
	__asm__("ldrsb %0, [%4, #16]\n ldrsh %1, [%4, #32]\n ldrsw %2, [%4, #20]\n ldur %3, [%4, #3]"
		: "=&r"(l1), "=&r"(l2), "=&r"(l3), "=&r"(l4)
		: "r"(p)
		: "memory");
	printf("ldrs %ld %ld %ld ldur %016lx\n", l1, l2, l3, (uint64_t)l4);
	uint64_t *q = p, lo, hi;
	__asm__("ldp %1, %2, [%0, #16]!\n ldr x9, [%0], #8\n add %1, %1, x9" : "+r"(q), "=&r"(lo), "=&r"(hi) : : "x9", "memory");
	printf("ldp pre/post %016lx %016lx advanced %ld\n", lo, hi, (long)(q - p));
	int32_t idx = -1;
	int64_t e;
	__asm__("ldr %0, [%1, %w2, sxtw #3]" : "=r"(e) : "r"(p + 3), "r"(idx) : "memory");
	printf("ldr sxtw %lx\n", (uint64_t)e);
}

int main(void) {
	printf("integer guest\n");
	printf("psci version %lx\n", psci_call(0x84000000, 0, 0, 0));
	arith();
	flags();
	division_edges();
	formatting();
	sort_and_search();
	switch_jump();
	crc_and_bits();
	printf("integer done\n");
	return 0;
}
