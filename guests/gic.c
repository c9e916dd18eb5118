/*
 * GIC guest: GICv2 distributor and CPU interface register behaviour, polled (IRQs stay
 * masked): reset values, read-back masks, SGIs through SGIR with the source CPU in IAR,
 * CPENDSGIR/SPENDSGIR, set/clear enable/pending/active, EOImode with DIR, priority masking
 * and the binary point, active priority registers.
 */
#include "guest.h"

#define D(off) (GICD_BASE + (off))
#define C(off) (GICC_BASE + (off))
#define R(a) mmio_read32(a)
#define W(a, v) mmio_write32(a, v)
#define RB(a) (*(volatile uint8_t *)(a))
#define WB(a, v) (*(volatile uint8_t *)(a) = (v))

#define GICD_CTLR 0x000
#define GICD_IGROUPR 0x080
#define GICD_ISENABLER 0x100
#define GICD_ICENABLER 0x180
#define GICD_ISPENDR 0x200
#define GICD_ICPENDR 0x280
#define GICD_ISACTIVER 0x300
#define GICD_ICACTIVER 0x380
#define GICD_IPRIORITYR 0x400
#define GICD_ICFGR 0xc00
#define GICD_SGIR 0xf00
#define GICD_CPENDSGIR 0xf10
#define GICD_SPENDSGIR 0xf20
#define GICC_CTLR 0x00
#define GICC_PMR 0x04
#define GICC_BPR 0x08
#define GICC_IAR 0x0c
#define GICC_EOIR 0x10
#define GICC_RPR 0x14
#define GICC_HPPIR 0x18
#define GICC_APR0 0xd0
#define GICC_DIR 0x1000

static void ack_all(const char *what) {
	printf("%s:", what);
	for (int n = 0; n < 8; n++) {
		uint32_t iar = R(C(GICC_IAR));
		if ((iar & 0x3ff) >= 1020) break;
		printf(" %u(src %u, rpr %02x)", iar & 0x3ff, (iar >> 10) & 7, R(C(GICC_RPR)));
		W(C(GICC_EOIR), iar);
	}
	printf("\n");
}

int main(void) {
	printf("gic guest\n");
	printf("reset: GICD_CTLR %x GICC_CTLR %x PMR %02x BPR %x RPR %02x HPPIR %u ISENABLER0 %08x\n", R(D(GICD_CTLR)),
	       R(C(GICC_CTLR)), R(C(GICC_PMR)), R(C(GICC_BPR)), R(C(GICC_RPR)), R(C(GICC_HPPIR)),
	       R(D(GICD_ISENABLER)) & 0xffff0000);
	printf("GICD_IIDR %08x GICC_IIDR %08x GICD_TYPER %08x\nGICD ID", R(D(0x008)), R(C(0xfc)), R(D(0x004)));
	for (uint32_t off = 0xfd0; off < 0x1000; off += 4) printf(" %02x", R(D(off)));
	printf("\n");
	printf("ICFGR0 %08x ICFGR2 %08x IPRIORITYR8 %08x\n", R(D(GICD_ICFGR)), R(D(GICD_ICFGR + 8)),
	       R(D(GICD_IPRIORITYR + 32)));
	W(D(GICD_IPRIORITYR + 32), 0x12345678);
	WB(D(GICD_IPRIORITYR + 35), 0x9a);
	printf("IPRIORITYR8 after writes %08x byte %02x\n", R(D(GICD_IPRIORITYR + 32)), RB(D(GICD_IPRIORITYR + 33)));
	W(C(GICC_PMR), 0xff);
	printf("PMR 0xff reads %02x\n", R(C(GICC_PMR)));

	/* Enable everything, distributor and CPU interface on, IRQs masked at the PE. */
	W(D(GICD_CTLR), 1);
	W(C(GICC_CTLR), 1);
	W(C(GICC_BPR), 0);
	printf("BPR 0 reads %x\n", R(C(GICC_BPR)));
	for (int i = 0; i < 16; i++) WB(D(GICD_IPRIORITYR + i), (uint8_t)(0x10 * (i & 7)));
	W(D(GICD_ISENABLER), 0xffff);
	W(D(GICD_ISENABLER + 4), 0xffffffff);
	WB(D(GICD_IPRIORITYR + 40), 0x30);
	WB(D(GICD_IPRIORITYR + 41), 0x20);
	WB(D(GICD_IPRIORITYR + 42), 0x20);

	/* SGIs to self: priorities 0x10 * (id & 7), ties by lowest ID. */
	W(D(GICD_SGIR), (2u << 24) | 3);
	W(D(GICD_SGIR), (2u << 24) | 9);
	W(D(GICD_SGIR), (1u << 16) | 5); /* target list = CPU 0 */
	printf("SPENDSGIR0 %08x SPENDSGIR1 %08x HPPIR %u\n", R(D(GICD_SPENDSGIR)), R(D(GICD_SPENDSGIR + 4)),
	       R(C(GICC_HPPIR)));
	ack_all("sgi order");
	/*
	 * Not tested: writes to GICD_SPENDSGIR. QEMU 7.2 marks every SGI of the written word
	 * pending, also those whose source byte is zero, so it cannot be the oracle for them.
	 */
	W(D(GICD_SGIR), (2u << 24) | 6);
	printf("SGI 6 pending: ISPENDR0 %08x CPENDSGIR1 %08x\n", R(D(GICD_ISPENDR)) & 0xffff, R(D(GICD_CPENDSGIR + 4)));
	W(D(GICD_CPENDSGIR + 4), 0x010000);
	printf("after CPENDSGIR ISPENDR0 %08x\n", R(D(GICD_ISPENDR)) & 0xffff);

	/* SPIs pended by software: order by priority, then ID. */
	W(D(GICD_ISPENDR + 4), (1u << 8) | (1u << 9) | (1u << 10));
	printf("ISPENDR1 %08x\n", R(D(GICD_ISPENDR + 4)));
	ack_all("spi order");
	W(D(GICD_ISPENDR + 4), 1u << 9);
	W(D(GICD_ICPENDR + 4), 1u << 9);
	printf("cleared pending ISPENDR1 %08x IAR %u\n", R(D(GICD_ISPENDR + 4)), R(C(GICC_IAR)) & 0x3ff);

	/* Priority mask and binary point. */
	W(D(GICD_ISPENDR + 4), 1u << 8); /* 40 at 0x30 */
	W(C(GICC_PMR), 0x30);
	printf("PMR 0x30: HPPIR %u IAR %u\n", R(C(GICC_HPPIR)), R(C(GICC_IAR)) & 0x3ff);
	W(C(GICC_PMR), 0x31);
	printf("PMR 0x31: IAR %u\n", R(C(GICC_IAR)) & 0x3ff);
	W(C(GICC_PMR), 0xff);
	printf("  RPR %02x APR0 %08x\n", R(C(GICC_RPR)), R(C(GICC_APR0)));
	W(D(GICD_ISPENDR + 4), 1u << 9); /* 41 at 0x20: preempts 0x30 with BPR 0 */
	uint32_t a = R(C(GICC_IAR));
	printf("  nested IAR %u RPR %02x APR0 %08x\n", a & 0x3ff, R(C(GICC_RPR)), R(C(GICC_APR0)));
	W(D(GICD_ISPENDR + 4), 1u << 10); /* 42 at 0x20: cannot preempt 41 at 0x20 */
	printf("  HPPIR while 42 waits %u\n", R(C(GICC_HPPIR)));
	W(C(GICC_EOIR), a);
	W(C(GICC_EOIR), 40);
	ack_all("  then");
	W(C(GICC_BPR), 5); /* group priority = bits [7:6]: 0x20 and 0x30 are the same group */
	printf("BPR 5 reads %x\n", R(C(GICC_BPR)));
	W(D(GICD_ISPENDR + 4), 1u << 8);
	a = R(C(GICC_IAR));
	W(D(GICD_ISPENDR + 4), 1u << 9);
	printf("  with BPR 5: first %u then IAR %u RPR %02x\n", a & 0x3ff, R(C(GICC_IAR)) & 0x3ff, R(C(GICC_RPR)));
	W(C(GICC_EOIR), a);
	ack_all("  after EOI");
	W(C(GICC_BPR), 0);

	/* EOImode: EOIR drops priority only, DIR deactivates. */
	W(C(GICC_CTLR), 1 | (1u << 9));
	printf("GICC_CTLR %x\n", R(C(GICC_CTLR)));
	W(D(GICD_ISPENDR + 4), 1u << 10);
	a = R(C(GICC_IAR));
	W(C(GICC_EOIR), a);
	printf("EOImode: IAR %u after EOIR RPR %02x ISACTIVER1 %08x\n", a & 0x3ff, R(C(GICC_RPR)),
	       R(D(GICD_ISACTIVER + 4)));
	W(C(GICC_DIR), a);
	printf("after DIR ISACTIVER1 %08x\n", R(D(GICD_ISACTIVER + 4)));
	W(C(GICC_CTLR), 1);

	/* Active state set and cleared by software; an active interrupt is not acknowledged again. */
	W(D(GICD_ISACTIVER + 4), 1u << 11);
	W(D(GICD_ISPENDR + 4), 1u << 11);
	printf("active+pending 43: ISACTIVER1 %08x IAR %u\n", R(D(GICD_ISACTIVER + 4)), R(C(GICC_IAR)) & 0x3ff);
	W(D(GICD_ICACTIVER + 4), 1u << 11);
	a = R(C(GICC_IAR));
	printf("after ICACTIVER IAR %u\n", a & 0x3ff);
	W(C(GICC_EOIR), a);

	/* Disabled interrupts stay pending but are not signalled; distributor off hides all. */
	W(D(GICD_ICENABLER + 4), 1u << 12);
	W(D(GICD_ISPENDR + 4), 1u << 12);
	printf("disabled 44: ISPENDR1 %08x IAR %u ISENABLER1 %08x\n", R(D(GICD_ISPENDR + 4)), R(C(GICC_IAR)) & 0x3ff,
	       R(D(GICD_ISENABLER + 4)));
	W(D(GICD_ISENABLER + 4), 1u << 12);
	W(D(GICD_CTLR), 0);
	printf("distributor off: IAR %u\n", R(C(GICC_IAR)) & 0x3ff);
	W(D(GICD_CTLR), 1);
	ack_all("distributor on");
	printf("gic done\n");
	return 0;
}
