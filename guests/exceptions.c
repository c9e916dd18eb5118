/*
 * Exceptions guest: synchronous exceptions at EL1 and from EL0 (SVC, BRK, UNDEFINED, data
 * aborts, PC alignment, EL0 privilege violations), each reported with the vector slot, ESR,
 * FAR and ELR (as an offset from the faulting label), then returned from with ERET.
 */
#include "guest.h"
#include "vectors.h"

static volatile uint64_t resume_at; /* where a fault handler sends ELR (0: skip the instruction) */
static volatile int count;

void on_exception(struct frame *f, uint64_t index) {
	uint64_t esr = READ_SYSREG(esr_el1), far = READ_SYSREG(far_el1);
	if ((esr >> 26) == 0x07) { /* FP/SIMD trapped by CPACR_EL1.FPEN: enable before printf */
		WRITE_SYSREG(cpacr_el1, 3UL << 20);
		ISB();
	}
	uint32_t ec = (uint32_t)(esr >> 26);
	if (++count > 100) {
		printf("too many exceptions\n");
		psci_system_off();
	}
	printf("  exc slot %lu EC %02x IL %lu ISS %07lx", index, ec, (esr >> 25) & 1, esr & 0x1ffffff);
	if (ec == 0x24 || ec == 0x25 || ec == 0x20 || ec == 0x21 || ec == 0x22)
		printf(" FAR %lx", far);
	printf(" SPSR %lx\n", f->spsr);
	if (index >= 8 && ec == 0x15) {
		/* SVC from EL0: #0 returns to EL1 with X0 as result; others are echoed back. */
		if ((esr & 0xffff) == 0) {
			f->elr = (uint64_t)el0_return;
			f->spsr = SPSR_EL1H_MASKED;
			return;
		}
		f->x[0] = f->x[0] * 2 + (esr & 0xffff);
		return;
	}
	if (ec == 0x07) return; /* FP now enabled: retry the instruction */
	if (ec == 0x0e) f->spsr &= ~(1UL << 20); /* clear PSTATE.IL for the return */
	if (resume_at) {
		f->elr = resume_at;
		resume_at = 0;
	} else if (ec != 0x15 && ec != 0x16 && ec != 0x17) {
		f->elr += 4; /* faults report the instruction itself: skip it */
	}
	if (index >= 8) f->spsr = 0; /* back to EL0t */
}

extern char smc_site[], svc_site[], brk_site[], udf_site[], ldr_site[], pcalign_back[];

static uint64_t rel(uint64_t elr, const char *site) { return elr - (uint64_t)site; }

static void el1_tests(void) {
	uint64_t x0;
	printf("svc\n");
	__asm__ volatile("mov x0, #5\n svc_site: svc #0x42\n mov %0, x0" : "=r"(x0)::"x0", "memory");
	printf("  ELR-site %lx x0 %lu\n", rel(READ_SYSREG(elr_el1), svc_site), x0);
	printf("brk\n");
	__asm__ volatile("brk_site: brk #0x123" ::: "memory");
	printf("  ELR-site %lx\n", rel(READ_SYSREG(elr_el1), brk_site));
	printf("undefined\n");
	__asm__ volatile("udf_site: .word 0x00000000" ::: "memory");
	printf("  ELR-site %lx\n", rel(READ_SYSREG(elr_el1), udf_site));
	__asm__ volatile(".word 0xd5380000 | (7 << 16) | (4 << 12)" ::: "memory"); /* MRS op1=7: unallocated */
	printf("data abort (no device)\n");
	__asm__ volatile("mov x1, #0x09100000\n ldr_site: ldr x0, [x1, #8]" ::: "x0", "x1", "memory");
	printf("  ELR-site %lx\n", rel(READ_SYSREG(elr_el1), ldr_site));
	__asm__ volatile("mov x1, #0x09100000\n mov x0, #7\n str w0, [x1, #0x10]" ::: "x0", "x1", "memory");
	/*
	 * No unaligned access with the MMU off: the architecture makes it an alignment fault
	 * (Device memory) but QEMU 7.2 performs it, so the oracle cannot judge it.
	 */
	printf("pc alignment\n");
	resume_at = (uint64_t)pcalign_back;
	__asm__ volatile("adr x0, pcalign_back\n add x0, x0, #2\n br x0\n nop\n pcalign_back: nop" ::: "x0", "memory");
	printf("  ELR-site %lx\n", rel(READ_SYSREG(elr_el1), pcalign_back));
	printf("smc (no EL3: UNDEFINED)\n");
	__asm__ volatile("mov x0, #0\n smc_site: smc #0x11" ::: "x0", "memory");
	printf("  ELR-site %lx\n", rel(READ_SYSREG(elr_el1), smc_site));
	/* QEMU's PSCI conduit ignores the HVC immediate: hvc #1 is a PSCI call as well. */
	uint64_t ver;
	__asm__ volatile("movz x0, #0x8400, lsl #16\n hvc #1\n mov %0, x0" : "=r"(ver)::"x0", "x1", "x2", "x3", "memory");
	printf("hvc #1 PSCI_VERSION %lx\n", ver);
	printf("hvc with unknown PSCI function: x0 %lx\n", psci_call(0x840000ff, 0, 0, 0));
	printf("psci features off=%ld cpu_on=%ld bogus=%ld\n", (int64_t)psci_call(0x8400000a, 0x84000008, 0, 0),
	       (int64_t)psci_call(0x8400000a, 0xc4000003, 0, 0), (int64_t)psci_call(0x8400000a, 0x840000ff, 0, 0));
	printf("psci affinity_info(0)=%ld migrate_info_type=%ld cpu_on(self)=%ld\n",
	       (int64_t)psci_call(0xc4000004, 0, 0, 0), (int64_t)psci_call(0x84000006, 0, 0, 0),
	       (int64_t)psci_call(0xc4000003, 0, 0x40080000, 0));
	printf("fp disabled (CPACR_EL1.FPEN = 0)\n");
	double d;
	__asm__ volatile("msr cpacr_el1, xzr\n isb\n fmov d0, #1.5\n fadd %d0, d0, d0" : "=w"(d)::"v0", "memory");
	printf("  after re-enable: %lx\n", (uint64_t)(d * 2));
	printf("sysreg roundtrip tpidr %lx\n", ({ WRITE_SYSREG(tpidr_el1, 0x1234abcd5678ULL); READ_SYSREG(tpidr_el1); }));
}

extern char sp0_site[], ill_site[];

static void el1_more(void) {
	/* With SPSel = 0 an exception from EL1 uses the "current EL with SP_EL0" slots (0-3). */
	printf("spsel 0\n");
	static uint64_t sp0_stack[256] __attribute__((aligned(16)));
	__asm__ volatile("mov x9, sp\n msr sp_el0, %0\n msr spsel, #0\n mov sp, x9\n"
			 "sp0_site: brk #1\n mov x9, sp\n msr spsel, #1\n mov sp, x9" ::"r"(sp0_stack + 256)
			 : "x9", "memory");
	printf("  ELR-site %lx\n", rel(READ_SYSREG(elr_el1), sp0_site));
	/*
	 * Not tested: SP alignment checking (SCTLR_EL1.SA), which QEMU 7.2 does not implement, so
	 * it cannot be the oracle for it.
	 */
	/* An illegal exception return (SPSR.M = EL2h): PSTATE.IL set, the next instruction traps. */
	printf("illegal return\n");
	__asm__ volatile("adr x9, ill_site\n msr elr_el1, x9\n mov x9, #0x3c9\n msr spsr_el1, x9\n eret\n"
			 "ill_site: nop" ::
				 : "x9", "memory");
	printf("  ELR-site %lx\n", rel(READ_SYSREG(elr_el1), ill_site));
}

static uint64_t el0_stack[512] __attribute__((aligned(16)));

static void __attribute__((noinline)) el0_traps(void) {
	uint64_t v;
	__asm__ volatile("mrs %0, ctr_el0" : "=r"(v)::"memory");      /* UCT clear: trapped */
	__asm__ volatile("dc zva, %0" ::"r"(el0_stack) : "memory");  /* DZE clear: trapped */
	__asm__ volatile("mrs %0, cntvct_el0" : "=r"(v)::"memory");   /* EL0VCTEN clear: trapped */
	__asm__ volatile("wfi" ::: "memory");                          /* nTWI clear: trapped */
	__asm__ volatile("mrs %0, tpidrro_el0\n msr tpidr_el0, %0" : "=r"(v)::"memory"); /* allowed */
	__asm__ volatile("mov x0, %0\n svc #0" ::"r"(v) : "x0", "memory");
	__builtin_unreachable();
}

static void el0_trap_tests(void) {
	printf("el0 traps\n");
	uint64_t sctlr = READ_SYSREG(sctlr_el1);
	/* Clear UCT (15), DZE (14), nTWI (16), nTWE (18), UCI (26); SA0 (4) off. */
	WRITE_SYSREG(sctlr_el1, sctlr & ~((1UL << 15) | (1UL << 14) | (1UL << 16) | (1UL << 18) | (1UL << 26) | (1UL << 4)));
	WRITE_SYSREG(cntkctl_el1, 0);
	WRITE_SYSREG(tpidrro_el0, 0x5a5a);
	ISB();
	run_el0(el0_traps, (uint64_t)(el0_stack + 512));
	printf("  tpidr_el0 %lx\n", READ_SYSREG(tpidr_el0));
	WRITE_SYSREG(sctlr_el1, sctlr);
	ISB();
}

static void __attribute__((noinline)) el0_body(void) {
	register uint64_t x0 __asm__("x0") = 10;
	__asm__ volatile("svc #7" : "+r"(x0)::"memory"); /* echoed: 10*2+7 */
	__asm__ volatile("svc #1" : "+r"(x0)::"memory"); /* 27*2+1 = 55 */
	uint64_t v;
	__asm__ volatile("mrs %0, sctlr_el1" : "=r"(v)::"memory"); /* UNDEFINED at EL0 */
	/*
	 * Not tested: MSR DAIFSet at EL0 with SCTLR.UMA clear traps with EC 0x18, but QEMU 7.2
	 * reports op1 and op2 swapped in the ISS, so it cannot serve as the oracle for it.
	 */
	__asm__ volatile("mov x1, #0x09100000\n ldr x2, [x1]" ::: "x1", "x2", "memory"); /* abort */
	__asm__ volatile("brk #9" ::: "memory");
	__asm__ volatile("svc #0" : "+r"(x0)::"memory");
	__builtin_unreachable();
}

static void el0_tests(void) {
	printf("el0\n");
	/* Let EL0 run: nothing here traps on WFI/cache ops; UMA stays 0. */
	run_el0(el0_body, (uint64_t)(el0_stack + 512));
	printf("  back at EL1 count=%d\n", count);
}

int main(void) {
	printf("exceptions guest\n");
	WRITE_SYSREG(vbar_el1, (uint64_t)test_vectors);
	ISB();
	printf("CurrentEL %lx SPSel %lx DAIF %lx\n", READ_SYSREG(CurrentEL), READ_SYSREG(spsel), READ_SYSREG(daif));
	el1_tests();
	el1_more();
	el0_tests();
	el0_trap_tests();
	printf("exceptions taken %d\n", count);
	printf("exceptions done\n");
	return 0;
}
