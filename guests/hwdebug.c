/*
 * Self-hosted debug guest: the OS lock and debug ID values, then a hardware breakpoint at EL1,
 * a store watchpoint and a load watchpoint at EL1 (BAS byte lanes and a MASK range), and
 * software step over EL0 code; each debug exception is printed with EC, ISS, FAR (watchpoints)
 * and ELR as an offset from a label.
 */
#include "guest.h"
#include "vectors.h"

static volatile int count;
static volatile uint64_t disarm; /* what the handler turns off: 1 breakpoint, 2 watchpoint */
static uint64_t el0_stack[64] __attribute__((aligned(16)));
static volatile uint64_t watched[4] __attribute__((aligned(64)));

extern char bp_site[], step_start[];

void on_exception(struct frame *f, uint64_t index) {
	uint64_t esr = READ_SYSREG(esr_el1), far = READ_SYSREG(far_el1);
	uint32_t ec = (uint32_t)(esr >> 26);
	count++;
	printf("  exc slot %lu EC %02x ISS %07lx", index, ec, esr & 0x1ffffff);
	if (ec == 0x34 || ec == 0x35) printf(" FAR-watched %lx", far - (uint64_t)watched);
	if (ec == 0x30 || ec == 0x31) printf(" ELR-site %lx", f->elr - (uint64_t)bp_site);
	if (ec == 0x32 || ec == 0x33) printf(" ELR-start %lx SPSR.SS %lu", f->elr - (uint64_t)step_start, (f->spsr >> 21) & 1);
	printf("\n");
	if (index >= 8 && ec == 0x15) {
		f->elr = (uint64_t)el0_return;
		f->spsr = SPSR_EL1H_MASKED;
		return;
	}
	if (disarm == 1) WRITE_SYSREG(dbgbcr0_el1, 0);
	if (disarm == 2) WRITE_SYSREG(dbgwcr0_el1, 0);
	if (ec == 0x32) f->spsr |= 1UL << 21; /* keep stepping */
	ISB();
}

static void __attribute__((noinline)) bp_target(void) {
	__asm__ volatile("bp_site: nop\n nop" ::: "memory");
}

static void el0_body(void);
__asm__(".text\n"
	"el0_body:\n"
	"step_start: movz x0, #1\n"
	"	add x0, x0, #2\n"
	"	add x0, x0, #3\n"
	"	svc #0\n");

int main(void) {
	printf("hwdebug guest\n");
	WRITE_SYSREG(vbar_el1, (uint64_t)test_vectors);
	ISB();
	printf("oslsr %lx dfr0 brps %lu wrps %lu\n", READ_SYSREG(oslsr_el1),
	       ((READ_SYSREG(id_aa64dfr0_el1) >> 12) & 0xf) + 1, ((READ_SYSREG(id_aa64dfr0_el1) >> 20) & 0xf) + 1);
	WRITE_SYSREG(oslar_el1, 0);
	ISB();
	printf("oslsr after unlock %lx\n", READ_SYSREG(oslsr_el1));
	WRITE_SYSREG(mdscr_el1, (1UL << 15) | (1UL << 13)); /* MDE, KDE */
	__asm__ volatile("msr daifclr, #8" ::: "memory");
	ISB();

	printf("breakpoint\n");
	disarm = 1;
	WRITE_SYSREG(dbgbvr0_el1, (uint64_t)bp_site);
	WRITE_SYSREG(dbgbcr0_el1, (0xfUL << 5) | (3UL << 1) | 1);
	ISB();
	bp_target();
	printf("  after, count %d\n", count);

	printf("store watchpoint (bytes 4-7)\n");
	disarm = 2;
	WRITE_SYSREG(dbgwvr0_el1, (uint64_t)&watched[1]);
	WRITE_SYSREG(dbgwcr0_el1, (0xf0UL << 5) | (2UL << 3) | (3UL << 1) | 1);
	ISB();
	watched[0] = 1;
	watched[2] = 2;
	((volatile uint32_t *)&watched[1])[0] = 3; /* bytes 0-3: not watched */
	((volatile uint32_t *)&watched[1])[1] = 4; /* bytes 4-7: hit */
	printf("  after, count %d\n", count);

	printf("load watchpoint (32-byte MASK range)\n");
	WRITE_SYSREG(dbgwvr0_el1, (uint64_t)&watched[0]);
	WRITE_SYSREG(dbgwcr0_el1, (5UL << 24) | (0xffUL << 5) | (1UL << 3) | (3UL << 1) | 1);
	ISB();
	watched[3] = 9; /* a store: not watched */
	printf("  load %lx\n", watched[3]);
	printf("  after, count %d\n", count);

	printf("software step at EL0\n");
	disarm = 0;
	WRITE_SYSREG(mdscr_el1, (1UL << 15) | 1); /* MDE, SS; KDE clear: EL1 is not stepped */
	ISB();
	/* run_el0 returns with SPSR.SS = 0: the step is pending before the first EL0 instruction. */
	run_el0(el0_body, (uint64_t)(el0_stack + 64));
	WRITE_SYSREG(mdscr_el1, 0);
	ISB();
	printf("  back, count %d\n", count);
	printf("hwdebug done\n");
	return 0;
}
