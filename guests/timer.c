/*
 * Timer guest: the EL1 virtual and physical timers interrupting through the GICv2 (PPIs 27
 * and 30), WFI between ticks, a software-pended SPI, and GIC register behaviour. Only
 * deterministic facts are printed (counts, IDs, comparisons), never raw counter values.
 */
#include "guest.h"
#include "vectors.h"

#define GICD_CTLR 0x000
#define GICD_TYPER 0x004
#define GICD_ISENABLER 0x100
#define GICD_ICENABLER 0x180
#define GICD_ISPENDR 0x200
#define GICD_ICPENDR 0x280
#define GICD_ISACTIVER 0x300
#define GICD_IPRIORITYR 0x400
#define GICD_ITARGETSR 0x800
#define GICD_ICFGR 0xc00
#define GICC_CTLR 0x00
#define GICC_PMR 0x04
#define GICC_IAR 0x0c
#define GICC_EOIR 0x10
#define GICC_RPR 0x14
#define GICC_HPPIR 0x18

static volatile int vticks, pticks, spis, spurious, other, el0_irqs;
static volatile uint32_t first_iar, rpr_in_handler, hppi_in_handler;
static uint64_t period;
static volatile int nesting, norder;
static volatile uint32_t rpr_nested;
static char order[16];

static void gicd_w(uint32_t off, uint32_t v) { mmio_write32(GICD_BASE + off, v); }
static uint32_t gicd_r(uint32_t off) { return mmio_read32(GICD_BASE + off); }
static void gicc_w(uint32_t off, uint32_t v) { mmio_write32(GICC_BASE + off, v); }
static uint32_t gicc_r(uint32_t off) { return mmio_read32(GICC_BASE + off); }

void on_exception(struct frame *f, uint64_t index) {
	if (index == 8 && (READ_SYSREG(esr_el1) >> 26) == 0x15) { /* SVC #0 from EL0: back to EL1 */
		f->elr = (uint64_t)el0_return;
		f->spsr = SPSR_EL1H_MASKED;
		return;
	}
	if (index == 9) el0_irqs++;
	else if (index != 5) {
		printf("unexpected exception slot %lu ESR %lx\n", index, READ_SYSREG(esr_el1));
		psci_system_off();
	}
	uint32_t iar = gicc_r(GICC_IAR);
	uint32_t id = iar & 0x3ff;
	if (!first_iar) first_iar = iar;
	if (id == 27) {
		if (++vticks >= 10) WRITE_SYSREG(cntv_ctl_el0, 0);
		else WRITE_SYSREG(cntv_tval_el0, period);
	} else if (id == 30) {
		pticks++;
		WRITE_SYSREG(cntp_ctl_el0, 2); /* mask: the condition stays true */
	} else if (id == 40 && nesting) {
		/* Pend a higher (41), a lower (42) and an equal (43) priority SPI, then let IRQs in:
		   only 41 may preempt; 43 and 42 follow in priority order after the EOI. */
		order[norder++] = 'a';
		gicd_w(GICD_ISPENDR + 4, (1u << (42 - 32)) | (1u << (43 - 32)) | (1u << (41 - 32)));
		__asm__ volatile("msr daifclr, #2\n isb" ::: "memory");
		for (volatile int i = 0; i < 50; i++) {
		}
		__asm__ volatile("msr daifset, #2" ::: "memory");
		order[norder++] = 'A';
	} else if (id >= 41 && id <= 43) {
		order[norder++] = (char)('0' + id - 40);
		if (id == 41) rpr_nested = gicc_r(GICC_RPR);
	} else if (id == 40) {
		spis++;
		rpr_in_handler = gicc_r(GICC_RPR);
		hppi_in_handler = gicc_r(GICC_HPPIR);
	} else if (id >= 1020) {
		spurious++;
		return;
	} else {
		other++;
	}
	gicc_w(GICC_EOIR, iar);
}

static uint64_t el0_stack[256] __attribute__((aligned(16)));
static volatile int el0_counter_ok;

/* Runs at EL0 with IRQs unmasked (SPSR 0) until three virtual timer ticks have been counted. */
static void el0_spin(void) {
	uint64_t c0, c1;
	__asm__ volatile("mrs %0, cntvct_el0" : "=r"(c0));
	while (vticks < 3) {
	}
	__asm__ volatile("mrs %0, cntvct_el0" : "=r"(c1));
	el0_counter_ok = c1 > c0;
	__asm__ volatile("svc #0" ::: "memory");
	__builtin_unreachable();
}

static void gic_init(void) {
	gicd_w(GICD_CTLR, 0);
	gicd_w(GICD_IPRIORITYR + 24, 0xa0a0a0a0); /* 24-27 */
	gicd_w(GICD_IPRIORITYR + 28, 0xa0a0a0a0); /* 28-31 */
	*(volatile uint8_t *)(GICD_BASE + GICD_IPRIORITYR + 40) = 0x80;
	*(volatile uint8_t *)(GICD_BASE + GICD_ITARGETSR + 40) = 1;
	gicd_w(GICD_ISENABLER, (1u << 27) | (1u << 30));
	gicd_w(GICD_ISENABLER + 4, 0xfu << (40 - 32)); /* SPIs 40-43 */
	*(volatile uint8_t *)(GICD_BASE + GICD_IPRIORITYR + 41) = 0x40;
	*(volatile uint8_t *)(GICD_BASE + GICD_IPRIORITYR + 42) = 0xc0;
	*(volatile uint8_t *)(GICD_BASE + GICD_IPRIORITYR + 43) = 0x80;
	gicd_w(GICD_CTLR, 1);
	gicc_w(GICC_PMR, 0xf0);
	gicc_w(GICC_CTLR, 1);
}

static void gic_registers(void) {
	uint32_t typer = gicd_r(GICD_TYPER);
	printf("GICD_TYPER lines>=%u cpus %u\n", (typer & 0x1f) >= 2 ? 2 : typer & 0x1f, ((typer >> 5) & 7) + 1);
	printf("ISENABLER0 %08x ISENABLER1 %08x\n", gicd_r(GICD_ISENABLER) & 0xffff0000, gicd_r(GICD_ISENABLER + 4));
	printf("IPRIORITYR[40] %02x ITARGETSR[40] %02x ITARGETSR[27] %02x\n",
	       *(volatile uint8_t *)(GICD_BASE + GICD_IPRIORITYR + 40),
	       *(volatile uint8_t *)(GICD_BASE + GICD_ITARGETSR + 40),
	       *(volatile uint8_t *)(GICD_BASE + GICD_ITARGETSR + 27));
	printf("PMR %02x CTLR %x RPR idle %02x HPPIR idle %u\n", gicc_r(GICC_PMR), gicc_r(GICC_CTLR), gicc_r(GICC_RPR),
	       gicc_r(GICC_HPPIR));
	printf("ICFGR2 %08x\n", gicd_r(GICD_ICFGR + 8));
	gicd_w(GICD_ICFGR + 8, 0x2); /* SPI 32 edge-triggered */
	printf("ICFGR2 after %08x\n", gicd_r(GICD_ICFGR + 8));
	gicd_w(GICD_ICFGR + 8, 0);
}

int main(void) {
	printf("timer guest\n");
	WRITE_SYSREG(vbar_el1, (uint64_t)test_vectors);
	ISB();
	gic_init();
	gic_registers();
	uint64_t frq = READ_SYSREG(cntfrq_el0);
	printf("CNTFRQ %lu\n", frq);
	period = frq / 1000;

	/* Timer status without interrupts: masked, condition met in the past. */
	WRITE_SYSREG(cntv_cval_el0, 0);
	WRITE_SYSREG(cntv_ctl_el0, 3);
	ISB();
	printf("CNTV_CTL past, masked %lx\n", READ_SYSREG(cntv_ctl_el0));
	WRITE_SYSREG(cntv_cval_el0, ~0UL);
	printf("CNTV_CTL future %lx\n", READ_SYSREG(cntv_ctl_el0));
	WRITE_SYSREG(cntv_ctl_el0, 0);
	int32_t tval = (int32_t)READ_SYSREG(cntv_tval_el0);
	printf("TVAL after CVAL=max negative %d\n", tval < 0);

	uint64_t c0 = READ_SYSREG(cntvct_el0);
	uint64_t c1 = READ_SYSREG(cntvct_el0);
	printf("counter monotonic %d\n", c1 >= c0);

	/* Ten virtual timer ticks, sleeping in WFI between them. */
	uint64_t start = READ_SYSREG(cntvct_el0);
	WRITE_SYSREG(cntv_tval_el0, period);
	WRITE_SYSREG(cntv_ctl_el0, 1);
	__asm__ volatile("msr daifclr, #2" ::: "memory");
	int wfis = 0;
	while (vticks < 10) {
		__asm__ volatile("wfi" ::: "memory");
		wfis++;
	}
	uint64_t elapsed = READ_SYSREG(cntvct_el0) - start;
	printf("vticks %d elapsed>=10 periods %d first IAR %u slept %d\n", vticks, elapsed >= 10 * period,
	       first_iar, wfis >= 1);

	/* One physical timer interrupt. */
	WRITE_SYSREG(cntp_tval_el0, period / 2);
	WRITE_SYSREG(cntp_ctl_el0, 1);
	while (pticks == 0) __asm__ volatile("wfi" ::: "memory");
	printf("pticks %d CNTP_CTL %lx\n", pticks, READ_SYSREG(cntp_ctl_el0));
	WRITE_SYSREG(cntp_ctl_el0, 0);

	/* Interrupts taken from EL0 (lower-EL IRQ vector); EL0 reads the counter (EL0VCTEN). */
	WRITE_SYSREG(cntkctl_el1, 2); /* EL0VCTEN */
	vticks = 0;
	WRITE_SYSREG(cntv_tval_el0, period);
	WRITE_SYSREG(cntv_ctl_el0, 1);
	run_el0(el0_spin, (uint64_t)(el0_stack + 256));
	WRITE_SYSREG(cntv_ctl_el0, 0);
	__asm__ volatile("msr daifclr, #2" ::: "memory"); /* el0_return comes back with DAIF masked */
	printf("el0: irqs taken from EL0 %d, counter advanced %d\n", el0_irqs >= 1, el0_counter_ok);

	/* A software-pended SPI; a masked pending PPI stays pending. */
	gicd_w(GICD_ISPENDR + 4, 1u << (40 - 32));
	ISB();
	for (volatile int i = 0; i < 100 && !spis; i++) {
	}
	printf("spi %d RPR in handler %02x HPPIR in handler %u\n", spis, rpr_in_handler, hppi_in_handler);
	__asm__ volatile("msr daifset, #2" ::: "memory");
	gicd_w(GICD_ISPENDR + 4, 1u << (40 - 32));
	printf("pending while masked: ISPENDR1 %08x HPPIR %u\n", gicd_r(GICD_ISPENDR + 4), gicc_r(GICC_HPPIR));
	uint32_t iar = gicc_r(GICC_IAR);
	printf("polled IAR %u active %08x RPR %02x\n", iar, gicd_r(GICD_ISACTIVER + 4), gicc_r(GICC_RPR));
	gicc_w(GICC_EOIR, iar);
	printf("after EOI active %08x RPR %02x IAR %u\n", gicd_r(GICD_ISACTIVER + 4), gicc_r(GICC_RPR), gicc_r(GICC_IAR));
	/* Nested interrupts: preemption by priority. */
	nesting = 1;
	__asm__ volatile("msr daifclr, #2" ::: "memory");
	gicd_w(GICD_ISPENDR + 4, 1u << (40 - 32));
	for (volatile int i = 0; i < 200 && norder < 5; i++) {
	}
	__asm__ volatile("msr daifset, #2" ::: "memory");
	order[norder] = 0;
	printf("nesting order %s RPR in nested %02x\n", order, rpr_nested);
	printf("spurious %d other %d\n", spurious, other);
	printf("timer done\n");
	return 0;
}
