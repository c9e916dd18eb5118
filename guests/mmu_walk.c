/*
 * Stage-1 walk guest: 48-bit VAs (4 KiB granule, walks from level 0) on both TTBRs, then other
 * input sizes, and for each access the fault (EC, ISS, FAR) or success: AP[2:1] at EL1 and EL0,
 * APTable / UXNTable / PXNTable, UXN / PXN, the implied PXN of EL0-writable pages, WXN, access
 * flag at levels 2 and 3, reserved descriptors, address size faults (TCR.IPS = 32 bits), TTBR
 * range checks, TBI0, EPD1, LDTR/STTR, DC ZVA, AT S1E0/S1E1 into PAR_EL1, TLBI inside a block.
 */
#include "guest.h"
#include "vectors.h"

#define PAGE 4096UL
#define HI 0xffff000000000000UL /* TTBR1: L0[0] -> L1[0] -> L2 */
#define ALIAS 0x0000008000000000UL /* TTBR0 L0[1]: read-only, EL0-executable RAM alias */
#define RAM 0x40000000UL

#define D_TABLE 3UL
#define D_BLOCK 1UL
#define D_PAGE 3UL
#define ATTR(i) ((uint64_t)(i) << 2)
#define AP(x) ((uint64_t)(x) << 6)
#define SH_INNER (3UL << 8)
#define AF (1UL << 10)
#define NG (1UL << 11)
#define PXN (1UL << 53)
#define UXN (1UL << 54)
#define PXNT (1UL << 59)
#define UXNT (1UL << 60)
#define APT(x) ((uint64_t)(x) << 61)
#define NORMAL (ATTR(1) | SH_INNER | AF)

static uint64_t l0_lo[512] __attribute__((aligned(4096)));
static uint64_t l1_lo[512] __attribute__((aligned(4096)));
static uint64_t l1_alias[512] __attribute__((aligned(4096)));
static uint64_t l2_ram[512] __attribute__((aligned(4096)));
static uint64_t l3_ram[512] __attribute__((aligned(4096)));
/* The first variable of .data: pages below it hold code and constants. */
static volatile int data_marker __attribute__((section(".data"))) = 1;
static uint64_t l0_hi[512] __attribute__((aligned(4096)));
static uint64_t l1_hi[512] __attribute__((aligned(4096)));
static uint64_t l2_hi[512] __attribute__((aligned(4096)));
static uint64_t l3_a[512] __attribute__((aligned(4096)));
static uint64_t l3_ro[512] __attribute__((aligned(4096)));
static uint64_t l3_noel0[512] __attribute__((aligned(4096)));
static uint64_t l3_xn[512] __attribute__((aligned(4096)));
static uint8_t pool[12][PAGE] __attribute__((aligned(4096)));
static uint64_t el0_stack[64] __attribute__((aligned(16)));

/* EL0 probe parameters, read by el0_probe through the alias (EL0 cannot write them). */
volatile uint64_t probe_op, probe_va;
static volatile int faults;

extern char el0_probe[];
__asm__(".text\n"
	".global el0_probe\n"
	"el0_probe:\n"
	"	adrp x3, probe_op\n ldr x0, [x3, :lo12:probe_op]\n"
	"	adrp x3, probe_va\n ldr x1, [x3, :lo12:probe_va]\n"
	"	cbz x0, 1f\n cmp x0, #1\n b.eq 2f\n blr x1\n b 3f\n"
	"1:	ldr x2, [x1]\n b 3f\n"
	"2:	str x2, [x1, #8]\n"
	"3:	svc #0\n");

void on_exception(struct frame *f, uint64_t index) {
	uint64_t esr = READ_SYSREG(esr_el1), far = READ_SYSREG(far_el1);
	uint32_t ec = (uint32_t)(esr >> 26);
	if (index >= 8 && ec == 0x15) {
		f->elr = (uint64_t)el0_return;
		f->spsr = SPSR_EL1H_MASKED;
		return;
	}
	faults++;
	printf("    fault slot %lu EC %02x ISS %07lx FAR %lx\n", index, ec, esr & 0x1ffffff, far);
	if (ec == 0x21 || ec == 0x20) f->elr = f->x[30]; /* instruction abort: back to the caller */
	else f->elr += 4;
}

static void sync_tables(void) {
	__asm__ volatile("dsb ishst\n tlbi vmalle1\n dsb ish\n isb" ::: "memory");
}

static uint64_t rd(uint64_t va) { return *(volatile uint64_t *)va; }
/* Writes go 8 bytes in, so the RET at the start of each pool page survives. */
static void wr(uint64_t va, uint64_t v) { *(volatile uint64_t *)(va + 8) = v; }
static void ex(uint64_t va) { ((void (*)(void))va)(); }

static void el1(const char *what, int op, uint64_t va) {
	printf("  el1 %s %s %lx\n", what, op == 0 ? "read" : op == 1 ? "write" : "exec", va);
	if (op == 0) printf("    value %lx\n", rd(va));
	else if (op == 1) wr(va, 0x77);
	else ex(va);
}

static void el0(const char *what, int op, uint64_t va) {
	printf("  el0 %s %s %lx\n", what, op == 0 ? "read" : op == 1 ? "write" : "exec", va);
	probe_op = op;
	probe_va = va;
	__asm__ volatile("dsb ish" ::: "memory");
	run_el0((void (*)(void))((uint64_t)el0_probe - RAM + ALIAS), (uint64_t)el0_stack + ALIAS - RAM + 256);
}

static uint64_t pa(int p) { return (uint64_t)pool[p]; }
static uint64_t hpage(uint64_t l2, int l3) { return HI + (l2 << 21) + ((uint64_t)l3 << 12); }

static void build(void) {
	l0_lo[0] = (uint64_t)l1_lo | D_TABLE;
	l0_lo[1] = (uint64_t)l1_alias | D_TABLE;
	l1_lo[0] = 0x00000000UL | D_BLOCK | ATTR(0) | AF | PXN | UXN; /* devices */
	/* RAM, EL1 only: code pages read-only (so WXN leaves them executable), the rest RW. */
	l1_lo[1] = (uint64_t)l2_ram | D_TABLE;
	l2_ram[0] = (uint64_t)l3_ram | D_TABLE;
	for (int i = 1; i < 512; i++) l2_ram[i] = (RAM + ((uint64_t)i << 21)) | D_BLOCK | NORMAL | UXN;
	uint64_t data_start = (uint64_t)&data_marker & ~(PAGE - 1);
	for (uint64_t i = 0; i < 512; i++) {
		uint64_t a = RAM + i * PAGE;
		l3_ram[i] = a | D_PAGE | NORMAL | (a < data_start ? AP(2) : UXN);
	}
	l1_alias[0] = RAM | D_BLOCK | NORMAL | AP(3) | PXN;            /* RAM, RO, EL0 exec */
	l1_lo[2] = 0x80000000UL | D_BLOCK; /* block with AF clear at level 1 */
	l0_hi[0] = (uint64_t)l1_hi | D_TABLE;
	l1_hi[0] = (uint64_t)l2_hi | D_TABLE;
	l2_hi[0] = (uint64_t)l3_a | D_TABLE;
	l2_hi[1] = (RAM + 0x600000) | D_BLOCK | NORMAL | AP(1) | UXN; /* 2 MiB block */
	l2_hi[2] = ((RAM + 0x400000) | D_BLOCK | NORMAL) & ~AF;        /* AF clear at level 2 */
	l2_hi[3] = (uint64_t)l3_ro | D_TABLE | APT(2);                 /* APTable: read-only */
	l2_hi[4] = (uint64_t)l3_noel0 | D_TABLE | APT(1);              /* APTable: no EL0 */
	l2_hi[5] = (uint64_t)l3_xn | D_TABLE | PXNT | UXNT;
	l2_hi[6] = 0x100000000UL | D_TABLE;                            /* table beyond IPS */
	l3_a[0] = pa(0) | D_PAGE | NORMAL | AP(0);
	l3_a[1] = pa(1) | D_PAGE | NORMAL | AP(1);
	l3_a[2] = pa(2) | D_PAGE | NORMAL | AP(2);
	l3_a[3] = pa(3) | D_PAGE | NORMAL | AP(3);
	l3_a[4] = (pa(4) | D_PAGE | NORMAL) & ~AF;
	l3_a[5] = pa(5) | D_BLOCK | NORMAL; /* type 01 at level 3: reserved */
	l3_a[6] = pa(6) | D_PAGE | NORMAL | AP(3) | UXN;
	l3_a[7] = pa(7) | D_PAGE | NORMAL | AP(3) | PXN;
	l3_a[8] = 0x100000000UL | D_PAGE | NORMAL; /* output beyond IPS */
	l3_a[9] = pa(9) | D_PAGE | ATTR(2) | SH_INNER | AF | AP(1) | NG; /* Normal NC */
	l3_a[10] = pa(10) | D_PAGE | NORMAL;
	l3_ro[0] = pa(0) | D_PAGE | NORMAL | AP(1);
	l3_noel0[0] = pa(3) | D_PAGE | NORMAL | AP(3);
	l3_xn[0] = pa(10) | D_PAGE | NORMAL | AP(3);
}

static uint64_t tcr_base(void) {
	/* T0SZ=16 T1SZ=16, WB WA inner shareable walks, TG0=4K TG1=4K, IPS=32 bits, TBI0. */
	return 16UL | (1UL << 8) | (1UL << 10) | (3UL << 12) | (16UL << 16) | (1UL << 24) | (1UL << 26) |
	       (3UL << 28) | (2UL << 30) | (0UL << 32) | (1UL << 37);
}

/* Changes TCR_EL1 and TTBR0_EL1 with the MMU off, so no fetch sees a half-done switch. */
static void reconfigure(uint64_t sctlr0, uint64_t tcr, uint64_t ttbr0) {
	uint64_t on = READ_SYSREG(sctlr_el1);
	WRITE_SYSREG(sctlr_el1, sctlr0);
	ISB();
	WRITE_SYSREG(tcr_el1, tcr);
	WRITE_SYSREG(ttbr0_el1, ttbr0);
	sync_tables();
	WRITE_SYSREG(sctlr_el1, on);
	ISB();
}

static uint64_t at(int op, uint64_t va) {
	switch (op) {
	case 0: __asm__ volatile("at s1e1r, %0" ::"r"(va) : "memory"); break;
	case 1: __asm__ volatile("at s1e1w, %0" ::"r"(va) : "memory"); break;
	case 2: __asm__ volatile("at s1e0r, %0" ::"r"(va) : "memory"); break;
	default: __asm__ volatile("at s1e0w, %0" ::"r"(va) : "memory"); break;
	}
	ISB();
	return READ_SYSREG(par_el1);
}

int main(void) {
	printf("mmu_walk guest\n");
	WRITE_SYSREG(vbar_el1, (uint64_t)test_vectors);
	static const uint32_t ret = 0xd65f03c0;
	for (int p = 0; p < 12; p++) {
		for (unsigned i = 8; i < PAGE; i += 8) *(uint64_t *)&pool[p][i] = 0x0101010101010101UL * p + i;
		memcpy(pool[p], &ret, 4);
	}
	build();
	__asm__ volatile("dsb ish\n ic iallu\n dsb ish\n isb" ::: "memory");
	WRITE_SYSREG(mair_el1, 0x44ff00UL); /* 0 Device-nGnRnE, 1 Normal WB, 2 Normal NC */
	WRITE_SYSREG(tcr_el1, tcr_base());
	WRITE_SYSREG(ttbr0_el1, (uint64_t)l0_lo);
	WRITE_SYSREG(ttbr1_el1, (uint64_t)l0_hi | (5UL << 48));
	sync_tables();
	uint64_t sctlr0 = READ_SYSREG(sctlr_el1);
	/* M, C, I; EL0 may use WFI/WFE, cache maintenance and DC ZVA. */
	WRITE_SYSREG(sctlr_el1, sctlr0 | 1 | (1 << 2) | (1 << 12) | (1 << 14) | (1 << 26));
	ISB();
	printf("mmu on\n");

	printf("permissions\n");
	for (int p = 0; p <= 3; p++) {
		el1("ap", 0, hpage(0, p));
		el1("ap", 1, hpage(0, p));
		el1("ap", 2, hpage(0, p));
		el0("ap", 0, hpage(0, p));
		el0("ap", 1, hpage(0, p));
		el0("ap", 2, hpage(0, p));
	}
	el1("uxn", 2, hpage(0, 6));
	el0("uxn", 2, hpage(0, 6));
	el1("pxn", 2, hpage(0, 7));
	el0("pxn", 2, hpage(0, 7));
	el1("aptable ro", 1, hpage(3, 0));
	el0("aptable ro", 0, hpage(3, 0));
	el0("aptable ro", 1, hpage(3, 0));
	el1("aptable noel0", 0, hpage(4, 0));
	el0("aptable noel0", 0, hpage(4, 0));
	el1("xntable", 2, hpage(5, 0));
	el0("xntable", 2, hpage(5, 0));
	el1("block", 0, hpage(1, 17) + 8);
	el0("block", 1, hpage(1, 17) + 8);
	printf("  ldtr/sttr on an EL1-only page\n");
	{
		uint64_t v = 0, va0 = hpage(0, 0), va1 = hpage(0, 1) + 16;
		__asm__ volatile("ldtr %0, [%1]" : "=r"(v) : "r"(va0) : "memory");
		__asm__ volatile("sttr %1, [%0]" ::"r"(va1), "r"(0x55UL) : "memory");
		printf("    ldtr %lx page1 %lx\n", v, rd(va1));
	}

	printf("walk faults\n");
	el1("af page", 0, hpage(0, 4));
	el1("af block", 0, hpage(2, 3));
	el1("reserved l3", 0, hpage(0, 5));
	el1("oa beyond ips", 0, hpage(0, 8));
	el1("table beyond ips", 0, hpage(6, 0));
	/* A level-0 block is a translation fault in the Arm ARM; QEMU 7.2 maps it, so not here. */
	el1("unmapped l1", 0, HI + (1UL << 30));
	el1("unmapped l0", 0, HI + (5UL << 39));
	el1("l1 block without af", 0, 0x80000000UL);
	el1("between ranges", 0, 0x0001000000000000UL);
	el1("high, not sign-extended", 0, 0xfeff000000000000UL);
	el1("tbi0 tagged", 0, 0x5a00000000000000UL | (uint64_t)&pool[2][8]);
	el1("tbi1 off tagged", 0, 0x5a00000000000000UL | (hpage(0, 0) & 0x00ffffffffffffffUL));
	el0("el0 kernel data", 0, (uint64_t)&pool[2][8]);
	el0("el0 alias write", 1, (uint64_t)&pool[2][8] - RAM + ALIAS);

	printf("at\n");
	static const uint64_t at_va[] = {0, 1, 2, 3, 4, 5, 6, 8, 9};
	for (unsigned i = 0; i < sizeof at_va / sizeof at_va[0]; i++)
		for (int op = 0; op < 4; op++)
		{
			/* Normal NC: the Arm ARM has PAR.SH read 0b10 where QEMU 7.2 gives the descriptor's SH. */
			uint64_t par = at(op, hpage(0, at_va[i]) + 0x123);
			if (at_va[i] == 9) par &= ~0x180UL;
			printf("  at %d page %lu par %016lx\n", op, at_va[i], par);
		}
	printf("  at block %016lx\n", at(0, hpage(1, 3) + 0x456));
	printf("  at between %016lx\n", at(0, 0x0001000000000000UL));
	printf("  at ram %016lx\n", at(2, (uint64_t)&pool[0][0] - RAM + ALIAS));

	printf("dc zva\n");
	{
		uint64_t va = hpage(0, 0) + 0x100;
		__asm__ volatile("dc zva, %0" ::"r"(va + 0x13) : "memory");
		printf("  %lx %lx %lx %lx\n", rd(va - 8), rd(va), rd(va + 56), rd(va + 64));
		__asm__ volatile("dc zva, %0" ::"r"(hpage(0, 3)) : "memory");
		printf("  dczid %lx\n", READ_SYSREG(dczid_el0));
	}

	printf("tlbi in a block\n");
	{
		/* Remap the 2 MiB block onto the one holding pool, invalidate another page of it. */
		uint64_t base = (uint64_t)pool & ~0x1fffffUL, off = (uint64_t)pool - base + 0x10;
		uint64_t before = rd(hpage(1, 0) + off);
		__asm__ volatile("dsb ish" ::: "memory"); /* keeps the read before the table write */
		l2_hi[1] = base | D_BLOCK | NORMAL | AP(1) | UXN;
		__asm__ volatile("dsb ishst\n tlbi vae1is, %0\n dsb ish\n isb" ::"r"(hpage(1, 300) >> 12) : "memory");
		printf("  before %lx after %lx\n", before, rd(hpage(1, 0) + off));
	}

	printf("tlbi by va with tagged aliases (TBI0)\n");
	{
		/* Read pool[2] through a tagged alias of its identity page, remap that page onto
		 * pool[3], invalidate by the untagged VA: the tagged alias must see the new page. */
		uint64_t va = (uint64_t)&pool[2][24], tagged = va | (0x5aUL << 56);
		uint64_t i = (va - RAM) >> 12, before = rd(tagged);
		__asm__ volatile("dsb ish" ::: "memory");
		l3_ram[i] = (uint64_t)pool[3] | D_PAGE | NORMAL | UXN;
		__asm__ volatile("dsb ishst\n tlbi vale1, %0\n dsb ish\n isb" ::"r"(va >> 12) : "memory");
		printf("  before %lx after %lx\n", before, rd(tagged));
		l3_ram[i] = (va & ~(PAGE - 1)) | D_PAGE | NORMAL | UXN;
		__asm__ volatile("dsb ishst\n tlbi vale1, %0\n dsb ish\n isb" ::"r"(va >> 12) : "memory");
		printf("  restored %lx\n", rd(tagged));
	}

	printf("wxn\n");
	el1("wxn off, rw page", 2, hpage(0, 10));
	WRITE_SYSREG(sctlr_el1, READ_SYSREG(sctlr_el1) | (1 << 19));
	ISB();
	el1("wxn on, rw page", 2, hpage(0, 10));
	el1("wxn on, ro page", 2, hpage(0, 3));
	WRITE_SYSREG(sctlr_el1, READ_SYSREG(sctlr_el1) & ~(1UL << 19));
	ISB();

	printf("epd1\n");
	WRITE_SYSREG(tcr_el1, tcr_base() | (1UL << 23));
	sync_tables();
	el1("epd1", 0, hpage(0, 0));
	WRITE_SYSREG(tcr_el1, tcr_base());
	sync_tables();

	printf("t0sz 20 (44-bit)\n");
	reconfigure(sctlr0, (tcr_base() & ~0x3fUL) | 20, (uint64_t)l0_lo);
	el1("44-bit ram", 0, (uint64_t)&pool[1][8]);
	el1("44-bit l0 index 2", 0, 2UL << 39);
	el1("44-bit out of range", 0, 1UL << 44);
	printf("t0sz 33 (31-bit, walks from level 1)\n");
	reconfigure(sctlr0, (tcr_base() & ~0x3fUL) | 33, (uint64_t)l1_lo);
	el1("31-bit ram", 0, (uint64_t)&pool[1][16]);
	el1("31-bit out of range", 0, 0x80000000UL);
	reconfigure(sctlr0, tcr_base(), (uint64_t)l0_lo);

	WRITE_SYSREG(sctlr_el1, sctlr0);
	ISB();
	printf("mmu off, faults %d\n", faults);
	printf("mmu_walk done\n");
	return 0;
}
