/*
 * GICv3 guest (QEMU virt,gic-version=3,its=off; hvlab VirtBoard { gic: "v3" }): distributor,
 * redistributor and the ICC_* system register CPU interface. Mostly polled with IRQs masked:
 * reset and ID values, the WAKER handshake, read-back masks, SGIs to self through ICC_SGI1R_EL1
 * and ICC_SGI0R_EL1 (target lists, IRM, groups), the timer PPI as a level input, SPI
 * enable/pending/active/priority/routing, PMR, BPR (and CBPR), running priority and preemption,
 * the active priority register, EOImode 1 with ICC_DIR_EL1, group enables, and finally
 * interrupts taken through the vectors (FIQ for Group 0, IRQ for Group 1, a nested preemption).
 */
#include "guest.h"
#include "vectors.h"

#define GICR_BASE 0x080A0000UL
#define SGI_BASE (GICR_BASE + 0x10000)

#define D(off) (GICD_BASE + (off))
#define R(off) (GICR_BASE + (off))
#define S(off) (SGI_BASE + (off))
#define RD(a) mmio_read32(a)
#define WR(a, v) mmio_write32(a, v)
#define RB(a) (*(volatile uint8_t *)(a))
#define WB(a, v) (*(volatile uint8_t *)(a) = (v))
#define RH(a) (*(volatile uint16_t *)(a))
#define RQ(a) (*(volatile uint64_t *)(a))
#define WQ(a, v) (*(volatile uint64_t *)(a) = (v))

#define GICD_CTLR 0x0000
#define GICD_TYPER 0x0004
#define GICD_IIDR 0x0008
#define GICD_IGROUPR 0x0080
#define GICD_ISENABLER 0x0100
#define GICD_ICENABLER 0x0180
#define GICD_ISPENDR 0x0200
#define GICD_ICPENDR 0x0280
#define GICD_ISACTIVER 0x0300
#define GICD_ICACTIVER 0x0380
#define GICD_IPRIORITYR 0x0400
#define GICD_ITARGETSR 0x0800
#define GICD_ICFGR 0x0c00
#define GICD_IGRPMODR 0x0d00
#define GICD_SGIR 0x0f00
#define GICD_IROUTER 0x6000
#define GICD_PIDR2 0xffe8

#define GICR_CTLR 0x0000
#define GICR_IIDR 0x0004
#define GICR_TYPER 0x0008
#define GICR_WAKER 0x0014
#define GICR_PIDR2 0xffe8
#define GICR_IGROUPR0 0x0080
#define GICR_ISENABLER0 0x0100
#define GICR_ICENABLER0 0x0180
#define GICR_ISPENDR0 0x0200
#define GICR_ICPENDR0 0x0280
#define GICR_ISACTIVER0 0x0300
#define GICR_ICACTIVER0 0x0380
#define GICR_IPRIORITYR 0x0400
#define GICR_ICFGR0 0x0c00
#define GICR_ICFGR1 0x0c04
#define GICR_IGRPMODR0 0x0d00

#define ICC(r) READ_SYSREG(r)
#define ICC_W(r, v)                                                                                \
	do {                                                                                       \
		WRITE_SYSREG(r, v);                                                                \
		ISB();                                                                             \
	} while (0)

static uint32_t iar1(void) { return (uint32_t)ICC(icc_iar1_el1); }
static uint32_t hppir1(void) { return (uint32_t)ICC(icc_hppir1_el1); }
static uint32_t rpr(void) { return (uint32_t)ICC(icc_rpr_el1); }
static void eoi1(uint32_t id) { ICC_W(icc_eoir1_el1, id); }
/* ISR_EL1 as "I" / "F" / "-": what the GIC signals to the PE. */
static const char *lines(void) {
	uint64_t isr = ICC(isr_el1);
	return (isr & 0xc0) == 0xc0 ? "IF" : (isr & 0x80) ? "I" : (isr & 0x40) ? "F" : "-";
}

/* Acknowledges and ends everything the interface offers now, printing ID and running priority. */
static void ack_all(const char *what) {
	printf("%s:", what);
	for (int n = 0; n < 10; n++) {
		uint32_t id = iar1();
		if (id >= 1020) break;
		printf(" %u(rpr %02x)", id, rpr());
		eoi1(id);
	}
	printf(" then rpr %02x\n", rpr());
}

static volatile int irqs, fiqs, nested, order_n;
static volatile uint32_t in_rpr, in_nested_rpr;
static char order[16];

void on_exception(struct frame *f, uint64_t index) {
	(void)f;
	if (index == 6) { /* FIQ, current EL with SP_ELx: Group 0 */
		uint32_t id = (uint32_t)ICC(icc_iar0_el1);
		fiqs++;
		order[order_n++] = 'F';
		ICC_W(icc_eoir0_el1, id);
		return;
	}
	if (index != 5) {
		printf("unexpected exception slot %lu ESR %lx\n", index, READ_SYSREG(esr_el1));
		psci_system_off();
	}
	uint32_t id = iar1();
	if (id >= 1020) {
		order[order_n++] = 's';
		return;
	}
	irqs++;
	order[order_n++] = id == 27 ? 'T' : (char)('a' + (id - 40));
	if (id == 40 && nested) {
		/* Pend 41 and 42 (both 0x40, above 40's 0x80), then let IRQs in: both preempt 40,
		   in INTID order; 'A' marks the return to 40's handler. */
		in_rpr = rpr();
		WR(D(GICD_ISPENDR + 4), (1u << 9) | (1u << 10));
		__asm__ volatile("msr daifclr, #2\n isb" ::: "memory");
		for (volatile int i = 0; i < 50; i++) {
		}
		__asm__ volatile("msr daifset, #2" ::: "memory");
		order[order_n++] = 'A';
	} else if (id == 41) {
		in_nested_rpr = rpr();
	} else if (id == 27) {
		WRITE_SYSREG(cntv_ctl_el0, 0);
	}
	eoi1(id);
}

/*
 * Where hvlab and QEMU 7.2 differ by design, those bits are left out: GICD_TYPER.No1N (bit 25;
 * hvlab implements 1-of-N SPI routing), and LPI support, which QEMU 7.2 virt reports even with
 * its=off (GICD_TYPER.LPIS bit 17, GICR_TYPER.PLPIS bit 0, GICR_CTLR.CES bit 1); hvlab has none.
 */
#define TYPER_SAME (~((1u << 25) | (1u << 17)))

static void ids(void) {
	printf("GICD_CTLR %08x TYPER %08x IIDR %08x PIDR2 %02x\n", RD(D(GICD_CTLR)), RD(D(GICD_TYPER)) & TYPER_SAME,
	       RD(D(GICD_IIDR)), RD(D(GICD_PIDR2)));
	printf("GICD ID");
	for (uint32_t off = 0xffd0; off < 0x10000; off += 4) printf(" %02x", RD(D(off)));
	printf("\nGICR ID");
	for (uint32_t off = 0xffd0; off < 0x10000; off += 4) printf(" %02x", RD(R(off)));
	printf("\nGICR_TYPER %08x:%08x (64-bit %lx) IIDR %08x CTLR %08x WAKER %08x\n", RD(R(GICR_TYPER + 4)),
	       RD(R(GICR_TYPER)) & ~1u, RQ(R(GICR_TYPER)) & ~1UL, RD(R(GICR_IIDR)), RD(R(GICR_CTLR)) & ~2u,
	       RD(R(GICR_WAKER)));
	printf("ICC_CTLR %lx SRE %lx PMR %lx BPR0 %lx BPR1 %lx IGRPEN0 %lx IGRPEN1 %lx RPR %lx HPPIR1 %lx AP1R0 %lx\n",
	       ICC(icc_ctlr_el1), ICC(icc_sre_el1), ICC(icc_pmr_el1), ICC(icc_bpr0_el1), ICC(icc_bpr1_el1),
	       ICC(icc_igrpen0_el1), ICC(icc_igrpen1_el1), ICC(icc_rpr_el1), ICC(icc_hppir1_el1), ICC(icc_ap1r0_el1));
	printf("ID_AA64PFR0_EL1.GIC %lx\n", (READ_SYSREG(id_aa64pfr0_el1) >> 24) & 0xf);
}

static void reset_values(void) {
	printf("IGROUPR1 %08x ISENABLER0 %08x ICFGR0 %08x ICFGR1 %08x IPRIORITYR8 %08x IROUTER32 %lx\n",
	       RD(D(GICD_IGROUPR + 4)), RD(S(GICR_ISENABLER0)), RD(S(GICR_ICFGR0)), RD(S(GICR_ICFGR1)),
	       RD(S(GICR_IPRIORITYR + 8)), RQ(D(GICD_IROUTER + 8 * 32)));
	/* With affinity routing the distributor's banked (SGI/PPI) registers are RAZ/WI. */
	WR(D(GICD_ISENABLER), 0xffffffff);
	WR(D(GICD_IPRIORITYR), 0x12345678);
	printf("GICD_ISENABLER0 %08x GICD_IPRIORITYR0 %08x ITARGETSR8 %08x SGIR (WO) %08x\n",
	       RD(D(GICD_ISENABLER)), RD(D(GICD_IPRIORITYR)), RD(D(GICD_ITARGETSR + 32)), RD(D(GICD_SGIR)));
	printf("halfword GICD_CTLR %04x reserved 0x0040 %08x IGRPMODR1 %08x\n", RH(D(GICD_CTLR)), RD(D(0x40)),
	       RD(D(GICD_IGRPMODR + 4)));
}

static void masks(void) {
	WR(D(GICD_CTLR), 0xffffffff);
	printf("GICD_CTLR all ones %08x\n", RD(D(GICD_CTLR)));
	WR(D(GICD_CTLR), 0);
	WR(S(GICR_IPRIORITYR), 0xffffffff);
	WB(S(GICR_IPRIORITYR + 1), 0x37);
	WB(D(GICD_IPRIORITYR + 33), 0x9a);
	printf("GICR_IPRIORITYR0 %08x byte %02x GICD_IPRIORITYR8 %08x\n", RD(S(GICR_IPRIORITYR)),
	       RB(S(GICR_IPRIORITYR + 1)), RD(D(GICD_IPRIORITYR + 32)));
	WR(S(GICR_IPRIORITYR), 0);
	WR(D(GICD_IPRIORITYR + 32), 0);
	WR(S(GICR_ICFGR0), 0);
	WR(S(GICR_ICFGR1), 0xffffffff);
	printf("ICFGR0 after 0 %08x ICFGR1 after ones %08x\n", RD(S(GICR_ICFGR0)), RD(S(GICR_ICFGR1)));
	WR(S(GICR_ICFGR1), 0);
	WR(D(GICD_ICFGR + 8), 0xaaaaaaaa);
	printf("GICD_ICFGR2 %08x\n", RD(D(GICD_ICFGR + 8)));
	WR(D(GICD_ICFGR + 8), 0);
	ICC_W(icc_pmr_el1, 0xff);
	ICC_W(icc_bpr0_el1, 0);
	ICC_W(icc_bpr1_el1, 0);
	printf("PMR ff -> %lx BPR0 0 -> %lx BPR1 0 -> %lx\n", ICC(icc_pmr_el1), ICC(icc_bpr0_el1), ICC(icc_bpr1_el1));
	ICC_W(icc_ctlr_el1, 0xffffffff);
	printf("ICC_CTLR all ones %lx\n", ICC(icc_ctlr_el1));
	ICC_W(icc_bpr0_el1, 4);
	printf("CBPR: BPR1 reads %lx", ICC(icc_bpr1_el1));
	ICC_W(icc_bpr1_el1, 7);
	printf(", after write 7 BPR1 %lx BPR0 %lx\n", ICC(icc_bpr1_el1), ICC(icc_bpr0_el1));
	ICC_W(icc_ctlr_el1, 0);
	ICC_W(icc_bpr0_el1, 0);
	ICC_W(icc_sre_el1, 0);
	ICC_W(icc_igrpen1_el1, 0xff);
	printf("SRE after 0 %lx IGRPEN1 after ff %lx\n", ICC(icc_sre_el1), ICC(icc_igrpen1_el1));
	ICC_W(icc_igrpen1_el1, 0);
	WQ(D(GICD_IROUTER + 8 * 33), 0x000000ff00030201UL);
	WR(D(GICD_IROUTER + 8 * 34), 0x80000000);
	printf("IROUTER33 %lx IROUTER34 hi %08x lo %08x\n", RQ(D(GICD_IROUTER + 8 * 33)), RD(D(GICD_IROUTER + 8 * 34 + 4)),
	       RD(D(GICD_IROUTER + 8 * 34)));
	WQ(D(GICD_IROUTER + 8 * 33), 0);
	WQ(D(GICD_IROUTER + 8 * 34), 0);
}

static void sgis(void) {
	/* SGIs and PPIs in Group 1 (as Linux sets them); SGI n at priority 0x10 * (n & 7). */
	WR(S(GICR_IGROUPR0), 0xffffffff);
	for (int i = 0; i < 16; i++) WB(S(GICR_IPRIORITYR + i), (uint8_t)(0x10 * (i & 7)));
	WR(S(GICR_ISENABLER0), 0xffff);
	WR(D(GICD_CTLR), 2); /* EnableGrp1 */
	ICC_W(icc_pmr_el1, 0xf0);
	ICC_W(icc_igrpen1_el1, 1);
	printf("GICD_CTLR %08x ISENABLER0 %08x lines %s\n", RD(D(GICD_CTLR)), RD(S(GICR_ISENABLER0)), lines());

	ICC_W(icc_sgi1r_el1, (3UL << 24) | 1);  /* SGI 3 to Aff0 0 */
	ICC_W(icc_sgi1r_el1, (9UL << 24) | 1);  /* SGI 9 */
	ICC_W(icc_sgi1r_el1, (5UL << 24) | 3);  /* SGI 5 to Aff0 0 and 1 */
	ICC_W(icc_sgi1r_el1, (6UL << 24) | 2);  /* SGI 6 to Aff0 1 only: nobody */
	ICC_W(icc_sgi1r_el1, (7UL << 24) | (1UL << 16) | 1); /* Aff1 1: nobody */
	ICC_W(icc_sgi1r_el1, (8UL << 24) | (1UL << 40) | 1); /* IRM: everyone but self */
	printf("ISPENDR0 %08x HPPIR1 %u lines %s\n", RD(S(GICR_ISPENDR0)), hppir1(), lines());
	ack_all("sgi order");
	/* An SGI in Group 0 is not generated by ICC_SGI1R_EL1; ICC_SGI0R_EL1 makes it (FIQ). */
	WR(S(GICR_IGROUPR0), ~(1u << 2));
	ICC_W(icc_sgi1r_el1, (2UL << 24) | 1);
	printf("G0 SGI 2 by SGI1R: ISPENDR0 %08x\n", RD(S(GICR_ISPENDR0)));
	ICC_W(icc_sgi0r_el1, (2UL << 24) | 1);
	printf("by SGI0R: ISPENDR0 %08x HPPIR1 %u HPPIR0 %lu lines %s\n", RD(S(GICR_ISPENDR0)), hppir1(),
	       ICC(icc_hppir0_el1), lines());
	WR(D(GICD_CTLR), 3);
	ICC_W(icc_igrpen0_el1, 1);
	printf("Grp0 enabled: HPPIR0 %lu HPPIR1 %u lines %s IAR1 %u", ICC(icc_hppir0_el1), hppir1(), lines(), iar1());
	uint32_t id = (uint32_t)ICC(icc_iar0_el1);
	printf(" IAR0 %u RPR %02x AP0R0 %lx AP1R0 %lx\n", id, rpr(), ICC(icc_ap0r0_el1), ICC(icc_ap1r0_el1));
	ICC_W(icc_eoir1_el1, id); /* wrong group: ignored */
	printf("EOIR1 of a G0 interrupt: RPR %02x ISACTIVER0 %08x\n", rpr(), RD(S(GICR_ISACTIVER0)));
	ICC_W(icc_eoir0_el1, id);
	printf("EOIR0: RPR %02x ISACTIVER0 %08x\n", rpr(), RD(S(GICR_ISACTIVER0)));
	ICC_W(icc_igrpen0_el1, 0);
	WR(D(GICD_CTLR), 2);
	WR(S(GICR_IGROUPR0), 0xffffffff);
	/* Pending set/clear by the redistributor registers. */
	WR(S(GICR_ISPENDR0), (1u << 4) | (1u << 12));
	printf("ISPENDR0 %08x", RD(S(GICR_ISPENDR0)));
	WR(S(GICR_ICPENDR0), 1u << 4);
	printf(" after ICPENDR %08x\n", RD(S(GICR_ISPENDR0)));
	ack_all("sw pended SGI");
}

static void timer_ppi(void) {
	WB(S(GICR_IPRIORITYR + 27), 0xa0);
	WR(S(GICR_ISENABLER0), 1u << 27);
	WRITE_SYSREG(cntv_cval_el0, 0); /* condition met: the level is high */
	WRITE_SYSREG(cntv_ctl_el0, 1);
	ISB();
	printf("timer: ISPENDR0 %08x HPPIR1 %u lines %s ICFGR1 %08x\n", RD(S(GICR_ISPENDR0)), hppir1(), lines(),
	       RD(S(GICR_ICFGR1)));
	WR(S(GICR_ICPENDR0), 1u << 27); /* a level interrupt stays pending while its line is high */
	uint32_t id = iar1();
	printf("  IAR1 %u RPR %02x active %08x pending %08x HPPIR1 %u lines %s\n", id, rpr(), RD(S(GICR_ISACTIVER0)),
	       RD(S(GICR_ISPENDR0)), hppir1(), lines());
	WRITE_SYSREG(cntv_ctl_el0, 0);
	ISB();
	printf("  timer off: pending %08x\n", RD(S(GICR_ISPENDR0)));
	eoi1(id);
	printf("  after EOI active %08x RPR %02x\n", RD(S(GICR_ISACTIVER0)), rpr());
	/* Edge-triggered PPI: the rising edge latches pending, which stays after the line drops. */
	WR(S(GICR_ICFGR1), 2u << 22); /* PPI 27 edge */
	WRITE_SYSREG(cntv_ctl_el0, 1);
	ISB();
	WRITE_SYSREG(cntv_ctl_el0, 0);
	ISB();
	printf("  edge: ICFGR1 %08x pending after the pulse %08x\n", RD(S(GICR_ICFGR1)), RD(S(GICR_ISPENDR0)));
	ack_all("  edge");
	WR(S(GICR_ICFGR1), 0);
}

static void spis(void) {
	WR(D(GICD_IGROUPR + 4), 0xffffffff);
	WR(D(GICD_ISENABLER + 4), 0x0000ffff);
	WB(D(GICD_IPRIORITYR + 40), 0x80);
	WB(D(GICD_IPRIORITYR + 41), 0x40);
	WB(D(GICD_IPRIORITYR + 42), 0x40);
	WB(D(GICD_IPRIORITYR + 43), 0x90);
	WB(D(GICD_IPRIORITYR + 44), 0xc0);
	printf("spi: ISENABLER1 %08x ICENABLER1 %08x IGROUPR1 %08x\n", RD(D(GICD_ISENABLER + 4)),
	       RD(D(GICD_ICENABLER + 4)), RD(D(GICD_IGROUPR + 4)));
	WR(D(GICD_ISPENDR + 4), (1u << 8) | (1u << 9) | (1u << 10) | (1u << 11));
	printf("  ISPENDR1 %08x HPPIR1 %u\n", RD(D(GICD_ISPENDR + 4)), hppir1());
	ack_all("  spi order");
	/* Routing: to an affinity no PE has, the SPI stays pending and is not offered. */
	WQ(D(GICD_IROUTER + 8 * 40), 5);
	WR(D(GICD_ISPENDR + 4), 1u << 8);
	printf("  routed to Aff0 5: HPPIR1 %u pending %08x\n", hppir1(), RD(D(GICD_ISPENDR + 4)));
	WQ(D(GICD_IROUTER + 8 * 40), 0x80000000UL); /* IRM = 1, affinity 0 */
	printf("  routed IRM 1: HPPIR1 %u\n", hppir1());
	WQ(D(GICD_IROUTER + 8 * 40), 0);
	ack_all("  routed back");
	/* Disabled, then enabled: pending survives disabling. */
	WR(D(GICD_ICENABLER + 4), 1u << 12);
	WR(D(GICD_ISPENDR + 4), 1u << 12);
	printf("  disabled 44: HPPIR1 %u pending %08x", hppir1(), RD(D(GICD_ISPENDR + 4)));
	WR(D(GICD_ISENABLER + 4), 1u << 12);
	printf(" enabled HPPIR1 %u\n", hppir1());
	WR(D(GICD_ICPENDR + 4), 1u << 12);
	printf("  cleared: pending %08x IAR1 %u\n", RD(D(GICD_ISPENDR + 4)), iar1());
	/* Active set by software: not acknowledged again until cleared. */
	WR(D(GICD_ISACTIVER + 4), 1u << 11);
	WR(D(GICD_ISPENDR + 4), 1u << 11);
	printf("  active+pending 43: ISACTIVER1 %08x IAR1 %u", RD(D(GICD_ISACTIVER + 4)), iar1());
	WR(D(GICD_ICACTIVER + 4), 1u << 11);
	printf(" after ICACTIVER ISACTIVER1 %08x\n", RD(D(GICD_ISACTIVER + 4)));
	ack_all("  then");
}

static void priorities(void) {
	/* PMR masks priorities at or below it. */
	WR(D(GICD_ISPENDR + 4), 1u << 8); /* 40 at 0x80 */
	ICC_W(icc_pmr_el1, 0x80);
	printf("PMR 80: HPPIR1 %u IAR1 %u lines %s", hppir1(), iar1(), lines());
	ICC_W(icc_pmr_el1, 0x88);
	printf("; PMR 88: lines %s\n", lines());
	ICC_W(icc_pmr_el1, 0xf0);
	/* Preemption with BPR1 at its minimum (3: group priority bits [7:3]). */
	uint32_t a = iar1();
	printf("  IAR1 %u RPR %02x AP1R0 %lx\n", a, rpr(), ICC(icc_ap1r0_el1));
	WR(D(GICD_ISPENDR + 4), 1u << 11); /* 43 at 0x90: lower, waits */
	printf("  43 waits: HPPIR1 %u IAR1 %u lines %s\n", hppir1(), iar1(), lines());
	WR(D(GICD_ISPENDR + 4), 1u << 9); /* 41 at 0x40: preempts */
	uint32_t b = iar1();
	printf("  nested IAR1 %u RPR %02x AP1R0 %lx lines %s\n", b, rpr(), ICC(icc_ap1r0_el1), lines());
	eoi1(b);
	printf("  after EOI %u RPR %02x AP1R0 %lx\n", b, rpr(), ICC(icc_ap1r0_el1));
	eoi1(a);
	ack_all("  then");
	/* BPR1 5: group priority bits [7:5]; 0x80 and 0x90 are one group, 0x40 still preempts. */
	ICC_W(icc_bpr1_el1, 5);
	WR(D(GICD_ISPENDR + 4), 1u << 11);
	a = iar1();
	WR(D(GICD_ISPENDR + 4), 1u << 8);
	printf("BPR1 5: IAR1 %u RPR %02x AP1R0 %lx then IAR1 %u", a, rpr(), ICC(icc_ap1r0_el1), iar1());
	WR(D(GICD_ISPENDR + 4), 1u << 9);
	uint32_t c = iar1();
	printf(" then %u RPR %02x AP1R0 %lx\n", c, rpr(), ICC(icc_ap1r0_el1));
	eoi1(c);
	eoi1(a);
	ack_all("  then");
	ICC_W(icc_bpr1_el1, 3);
	/* Writing the active priority register changes the running priority. */
	ICC_W(icc_ap1r0_el1, 1u << 12); /* priority 0x60 active */
	WR(D(GICD_ISPENDR + 4), (1u << 8) | (1u << 9));
	printf("AP1R0 written %lx: RPR %02x IAR1 %u", ICC(icc_ap1r0_el1), rpr(), a = iar1());
	eoi1(a);
	ICC_W(icc_ap1r0_el1, 0);
	printf(" after clearing RPR %02x\n", rpr());
	ack_all("  then");
}

static void eoimode(void) {
	ICC_W(icc_ctlr_el1, 2);
	printf("EOImode: ICC_CTLR %lx", ICC(icc_ctlr_el1));
	WR(D(GICD_ISPENDR + 4), 1u << 10);
	uint32_t a = iar1();
	eoi1(a);
	printf(" IAR1 %u after EOIR RPR %02x ISACTIVER1 %08x", a, rpr(), RD(D(GICD_ISACTIVER + 4)));
	WR(D(GICD_ISPENDR + 4), 1u << 10);
	printf(" IAR1 while active %u\n", iar1());
	ICC_W(icc_dir_el1, a);
	printf("  after DIR ISACTIVER1 %08x IAR1 %u", RD(D(GICD_ISACTIVER + 4)), a = iar1());
	eoi1(a);
	ICC_W(icc_dir_el1, a);
	printf(" active after EOI+DIR %08x\n", RD(D(GICD_ISACTIVER + 4)));
	ICC_W(icc_ctlr_el1, 0);
	/* DIR with EOImode 0 does nothing. */
	WR(D(GICD_ISACTIVER + 4), 1u << 10);
	ICC_W(icc_dir_el1, 42);
	printf("  DIR with EOImode 0: ISACTIVER1 %08x\n", RD(D(GICD_ISACTIVER + 4)));
	WR(D(GICD_ICACTIVER + 4), 1u << 10);
}

static void enables(void) {
	WR(D(GICD_ISPENDR + 4), 1u << 12);
	ICC_W(icc_igrpen1_el1, 0);
	printf("IGRPEN1 0: HPPIR1 %u IAR1 %u lines %s", hppir1(), iar1(), lines());
	ICC_W(icc_igrpen1_el1, 1);
	WR(D(GICD_CTLR), 0);
	printf("; GICD_CTLR 0: HPPIR1 %u lines %s", hppir1(), lines());
	WR(D(GICD_CTLR), 2);
	printf("; back: HPPIR1 %u lines %s\n", hppir1(), lines());
	ack_all("  then");
}

static void taken(void) {
	WRITE_SYSREG(vbar_el1, (uint64_t)test_vectors);
	ISB();
	/* The timer PPI as an interrupt, then WFI until it has come. */
	WRITE_SYSREG(cntv_tval_el0, READ_SYSREG(cntfrq_el0) / 1000);
	WRITE_SYSREG(cntv_ctl_el0, 1);
	__asm__ volatile("msr daifclr, #3" ::: "memory");
	while (irqs == 0) __asm__ volatile("wfi" ::: "memory");
	/* A Group 0 SGI as FIQ. */
	WR(S(GICR_IGROUPR0), ~(1u << 1));
	WR(D(GICD_CTLR), 3);
	ICC_W(icc_igrpen0_el1, 1);
	ICC_W(icc_sgi0r_el1, (1UL << 24) | 1);
	for (volatile int i = 0; i < 100 && !fiqs; i++) {
	}
	/* Nested: 40 (0x80) preempted by 41 and 42 (0x40), pended from 40's handler. */
	nested = 1;
	WR(D(GICD_ISPENDR + 4), 1u << 8);
	for (volatile int i = 0; i < 200 && order_n < 6; i++) {
	}
	__asm__ volatile("msr daifset, #3" ::: "memory");
	order[order_n] = 0;
	printf("taken: irqs %d fiqs %d order %s RPR in 40 %02x in 41 %02x now %02x\n", irqs, fiqs, order, in_rpr,
	       in_nested_rpr, rpr());
}

int main(void) {
	printf("gic_v3 guest\n");
	ids();
	/* Wake the redistributor as Linux does: clear ProcessorSleep, wait for ChildrenAsleep = 0. */
	WR(R(GICR_WAKER), 0);
	int spins = 0;
	while ((RD(R(GICR_WAKER)) & 4) && spins < 1000) spins++;
	printf("WAKER after wake %08x (spins %d)\n", RD(R(GICR_WAKER)), spins);
	WR(R(GICR_WAKER), 0xffffffff);
	printf("WAKER all ones %08x\n", RD(R(GICR_WAKER)));
	WR(R(GICR_WAKER), 0);
	reset_values();
	masks();
	sgis();
	timer_ppi();
	spis();
	priorities();
	eoimode();
	enables();
	taken();
	printf("gic_v3 done\n");
	return 0;
}
