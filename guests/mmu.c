/*
 * MMU guest: builds 4 KiB-granule stage-1 tables (39-bit VAs) for TTBR0 (identity: devices
 * and RAM as 1 GiB blocks) and TTBR1 (high pages with different permissions), turns the MMU on,
 * then checks aliasing, permission/access-flag/translation faults, execute-never, AT and TLBI.
 */
#include "guest.h"
#include "vectors.h"

#define PAGE 4096UL
#define HIGH_VA 0xffffff8000000000UL

#define D_TABLE 3UL
#define D_BLOCK 1UL
#define D_PAGE 3UL
#define ATTR(i) ((uint64_t)(i) << 2)
#define AP_RO (2UL << 6)
#define SH_INNER (3UL << 8)
#define AF (1UL << 10)
#define PXN (1UL << 53)
#define UXN (1UL << 54)
#define NORMAL (ATTR(1) | SH_INNER | AF)

static uint64_t l1_lo[512] __attribute__((aligned(4096)));
static uint64_t l1_hi[512] __attribute__((aligned(4096)));
static uint64_t l2_hi[512] __attribute__((aligned(4096)));
static uint64_t l3_hi[512] __attribute__((aligned(4096)));
static uint8_t pool[8][PAGE] __attribute__((aligned(4096)));

static volatile int faults;

void on_exception(struct frame *f, uint64_t index) {
	uint64_t esr = READ_SYSREG(esr_el1), far = READ_SYSREG(far_el1);
	uint32_t ec = (uint32_t)(esr >> 26);
	faults++;
	printf("  fault slot %lu EC %02x ISS %07lx FAR %lx\n", index, ec, esr & 0x1ffffff, far);
	if (ec == 0x21 || ec == 0x20) f->elr = f->x[30]; /* instruction abort: return to caller */
	else f->elr += 4;
}

static void *hva(int page) { return (void *)(HIGH_VA + page * PAGE); }

static void tlbi_all(void) {
	__asm__ volatile("dsb ishst\n tlbi vmalle1\n dsb ish\n isb" ::: "memory");
}

static uint64_t at(const char *op, uint64_t va) {
	if (op[0] == 'r') __asm__ volatile("at s1e1r, %0" ::"r"(va) : "memory");
	else __asm__ volatile("at s1e1w, %0" ::"r"(va) : "memory");
	ISB();
	return READ_SYSREG(par_el1);
}

static void build_tables(void) {
	l1_lo[0] = 0x00000000UL | D_BLOCK | ATTR(0) | AF | PXN | UXN; /* devices, 0-1 GiB */
	l1_lo[1] = 0x40000000UL | D_BLOCK | NORMAL;                    /* RAM, 1-2 GiB */
	l1_hi[0] = (uint64_t)l2_hi | D_TABLE;
	l2_hi[0] = (uint64_t)l3_hi | D_TABLE;
	l3_hi[0] = (uint64_t)pool[0] | D_PAGE | NORMAL | PXN;
	l3_hi[1] = (uint64_t)pool[1] | D_PAGE | NORMAL | AP_RO | PXN;
	l3_hi[2] = ((uint64_t)pool[2] | D_PAGE | NORMAL) & ~AF;
	/* l3_hi[3] stays invalid */
	l3_hi[4] = (uint64_t)pool[4] | D_PAGE | NORMAL | PXN | UXN;
	l3_hi[5] = (uint64_t)pool[5] | D_PAGE | NORMAL | PXN;
	l3_hi[6] = (uint64_t)pool[6] | D_PAGE | NORMAL; /* executable */
}

static void mmu_on(void) {
	WRITE_SYSREG(mair_el1, 0xff00UL); /* attr0 Device-nGnRnE, attr1 Normal WB */
	uint64_t tcr = 25UL | (1UL << 8) | (1UL << 10) | (3UL << 12) | /* T0SZ, IRGN0, ORGN0, SH0 */
		       (25UL << 16) | (1UL << 24) | (1UL << 26) | (3UL << 28) | (2UL << 30); /* TTBR1, TG1=4K */
	WRITE_SYSREG(tcr_el1, tcr);
	WRITE_SYSREG(ttbr0_el1, (uint64_t)l1_lo);
	WRITE_SYSREG(ttbr1_el1, (uint64_t)l1_hi);
	tlbi_all();
	uint64_t sctlr = READ_SYSREG(sctlr_el1);
	WRITE_SYSREG(sctlr_el1, sctlr | 1 | (1 << 2) | (1 << 12));
	ISB();
	printf("mmu on: SCTLR.M=%lu\n", READ_SYSREG(sctlr_el1) & 1);
}

typedef int (*fn_t)(int);

int main(void) {
	printf("mmu guest\n");
	WRITE_SYSREG(vbar_el1, (uint64_t)test_vectors);
	ISB();
	for (int p = 0; p < 8; p++)
		for (unsigned i = 0; i < PAGE; i += 8) *(uint64_t *)&pool[p][i] = 0x1111111111111111UL * p + i;
	build_tables();
	mmu_on();

	printf("alias\n");
	volatile uint64_t *h0 = hva(0);
	h0[3] = 0xfeedfacecafebeefUL;
	printf("  pa view %lx high view %lx\n", *(volatile uint64_t *)&pool[0][24], h0[3]);
	printf("  ro page read %lx\n", ((volatile uint64_t *)hva(1))[2]);

	printf("write to read-only page\n");
	((volatile uint64_t *)hva(1))[1] = 1;
	printf("access flag clear\n");
	(void)((volatile uint64_t *)hva(2))[0];
	printf("unmapped page (level 3)\n");
	(void)((volatile uint64_t *)hva(3))[0];
	printf("unmapped 2 MiB region (level 2)\n");
	((volatile uint64_t *)(HIGH_VA + (2UL << 20)))[0] = 5;
	printf("unmapped TTBR0 region (level 1)\n");
	(void)*(volatile uint64_t *)0x80000000UL;

	printf("execute\n");
	static const uint32_t code[] = {0x11000800, 0xd65f03c0}; /* add w0, w0, #2; ret */
	memcpy(pool[4], code, sizeof code);
	memcpy(pool[6], code, sizeof code);
	__asm__ volatile("dsb ish\n ic iallu\n dsb ish\n isb" ::: "memory");
	printf("  exec page: %d\n", ((fn_t)hva(6))(40));
	printf("  xn page:\n");
	int r = ((fn_t)hva(4))(40);
	printf("  xn returned %d\n", r);

	printf("at\n");
	printf("  r high0 %016lx\n", at("r", HIGH_VA));
	printf("  w high1 %016lx\n", at("w", HIGH_VA + PAGE));
	printf("  r high1 %016lx\n", at("r", HIGH_VA + PAGE));
	printf("  r high3 %016lx\n", at("r", HIGH_VA + 3 * PAGE));
	printf("  r ram   %016lx\n", at("r", 0x40080123UL));
	/*
	 * Device memory: the Arm ARM has PAR.SH read as Outer Shareable (0b10) while QEMU 7.2
	 * reports 0b00, so SH is left out of the comparison here.
	 */
	printf("  r uart  %016lx (SH masked)\n", at("r", 0x09000000UL) & ~0x180UL);

	printf("tlbi\n");
	volatile uint64_t *h5 = hva(5);
	printf("  before %lx\n", h5[0]);
	l3_hi[5] = (uint64_t)pool[7] | D_PAGE | NORMAL | PXN;
	__asm__ volatile("dsb ishst\n tlbi vae1, %0\n dsb ish\n isb" ::"r"((HIGH_VA + 5 * PAGE) >> 12) : "memory");
	printf("  after vae1 %lx\n", h5[0]);
	l3_hi[5] = (uint64_t)pool[5] | D_PAGE | NORMAL | PXN | AP_RO;
	tlbi_all();
	printf("  after vmalle1 %lx\n", h5[1]);
	h5[1] = 9;
	l3_hi[3] = (uint64_t)pool[3] | D_PAGE | NORMAL;
	__asm__ volatile("dsb ishst\n tlbi vaae1, %0\n dsb ish\n isb" ::"r"((HIGH_VA + 3 * PAGE) >> 12) : "memory");
	printf("  newly mapped %lx\n", ((volatile uint64_t *)hva(3))[4]);

	uint64_t sctlr = READ_SYSREG(sctlr_el1);
	WRITE_SYSREG(sctlr_el1, sctlr & ~1UL);
	ISB();
	printf("mmu off: SCTLR.M=%lu faults=%d\n", READ_SYSREG(sctlr_el1) & 1, faults);
	printf("mmu done\n");
	return 0;
}
