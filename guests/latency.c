/*
 * IRQ-latency guest for a Xen domU (in the manner of the "tbm" app behind Xen's published
 * figures): RUNS times it arms the virtual timer DELAY_NS ahead, sleeps in WFI, and in the IRQ
 * handler takes the delay from the timer's deadline (CNTV_CVAL_EL0) to the handler's first
 * counter read. It prints the run's parameters, the interrupt counts and one statistics line,
 * AVG/MIN/MAX over all runs and WARM_MAX over the runs after the first WARMUP, in ns, then
 * powers off. Addresses are the domU's (Xen's guest memory map), not the virt board's: output
 * goes to the vpl011 (vuart = "sbsa_uart"), interrupts through the GICv2 at GUEST_GICD/GICC.
 */
#include "guest.h"

#define DOMU_UART 0x22000000UL /* GUEST_PL011_BASE */
#define DOMU_GICD 0x03001000UL /* GUEST_GICD_BASE */
#define DOMU_GICC 0x03002000UL /* GUEST_GICC_BASE */
#define UART_DR 0x00
#define UART_FR 0x18
#define UART_CR 0x30
#define GICD_CTLR 0x000
#define GICD_ISENABLER 0x100
#define GICD_IPRIORITYR 0x400
#define GICC_CTLR 0x00
#define GICC_PMR 0x04
#define GICC_IAR 0x0c
#define GICC_EOIR 0x10
#define VTIMER_PPI 27

/* Overridable with -D (a lab may want other counts or delays). */
#ifndef RUNS
#define RUNS 1000
#endif
#ifndef WARMUP
#define WARMUP 100
#endif
#ifndef DELAY_NS
#define DELAY_NS 10000
#endif
#define NS_PER_S 1000000000UL

extern char latency_vectors[];

static volatile uint64_t deadline;     /* CNTV_CVAL_EL0 of the armed run */
static volatile uint64_t latency_ticks; /* set by the handler */
static volatile int fired;
static volatile uint32_t vtimer_irqs, spurious, other, early;
/* Every run's latency in ns, for histograms: a lab reads it from guest memory by its symbol. */
volatile uint32_t latency_samples_ns[RUNS];

static void uart_puts(const char *s) {
	for (; *s; s++) {
		while (mmio_read32(DOMU_UART + UART_FR) & (1u << 5)) { /* TXFF */
		}
		mmio_write32(DOMU_UART + UART_DR, (uint8_t)*s);
	}
}

/* Prints through lib.c's formatter; its own printf writes to the virt board's UART. */
static void out(const char *fmt, ...) {
	char buf[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	uart_puts(buf);
}

/* Called from latency_vectors with the counter read at the vector. */
void latency_irq(uint64_t now) {
	uint32_t iar = mmio_read32(DOMU_GICC + GICC_IAR);
	uint32_t id = iar & 0x3ff;
	if (id >= 1020) {
		spurious++;
		return;
	}
	if (id == VTIMER_PPI) {
		uint64_t cval = deadline;
		if (now < cval) early++;
		latency_ticks = now >= cval ? now - cval : 0;
		/* Disable the timer: the level-triggered line drops before the EOI. */
		WRITE_SYSREG(cntv_ctl_el0, 0);
		ISB();
		vtimer_irqs++;
		fired = 1;
	} else {
		other++;
	}
	mmio_write32(DOMU_GICC + GICC_EOIR, iar);
}

static void gic_init(void) {
	mmio_write32(DOMU_GICD + GICD_CTLR, 0);
	*(volatile uint8_t *)(DOMU_GICD + GICD_IPRIORITYR + VTIMER_PPI) = 0xa0;
	mmio_write32(DOMU_GICD + GICD_ISENABLER, 1u << VTIMER_PPI);
	mmio_write32(DOMU_GICD + GICD_CTLR, 1);
	mmio_write32(DOMU_GICC + GICC_PMR, 0xf0);
	mmio_write32(DOMU_GICC + GICC_CTLR, 1);
}

int main(void) {
	mmio_write32(DOMU_UART + UART_CR, 0x301); /* UARTEN | TXE | RXE */
	WRITE_SYSREG(vbar_el1, (uint64_t)latency_vectors);
	ISB();
	gic_init();
	uint64_t frq = READ_SYSREG(cntfrq_el0);
	uint64_t delta = frq * DELAY_NS / NS_PER_S;
	if (delta == 0) delta = 1;
	out("latency guest: runs=%u warmup=%u delay_ns=%u cntfrq=%lu delta_ticks=%lu\n", RUNS, WARMUP,
	    DELAY_NS, frq, delta);

	uint64_t sum = 0, min = ~0UL, max = 0, warm_max = 0;
	__asm__ volatile("msr daifclr, #2" ::: "memory");
	for (int i = 0; i < RUNS; i++) {
		fired = 0;
		uint64_t cval = READ_SYSREG(cntvct_el0) + delta;
		deadline = cval;
		WRITE_SYSREG(cntv_cval_el0, cval);
		WRITE_SYSREG(cntv_ctl_el0, 1); /* ENABLE, not masked */
		ISB();
		while (!fired) __asm__ volatile("wfi" ::: "memory");
		uint64_t ns = latency_ticks * NS_PER_S / frq;
		latency_samples_ns[i] = (uint32_t)ns;
		sum += ns;
		if (ns < min) min = ns;
		if (ns > max) max = ns;
		if (i >= WARMUP && ns > warm_max) warm_max = ns;
	}
	__asm__ volatile("msr daifset, #2" ::: "memory");
	out("irqs=%u spurious=%u other=%u early=%u\n", vtimer_irqs, spurious, other, early);
	out("AVG=%lu MIN=%lu MAX=%lu WARM_MAX=%lu\n", sum / RUNS, min, max, warm_max);
	psci_system_off();
}
