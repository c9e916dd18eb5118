/*
 * UART guest: the PL011 receive path with interrupts through the GICv2 (SPI 1 =
 * INTID 33). The test feeds three lines on the console; the guest collects them from its
 * interrupt handler while sleeping in WFI, then prints what it got. Also checks PL011 IDs
 * and register read-back.
 */
#include "guest.h"
#include "vectors.h"

#define DR 0x00
#define FR 0x18
#define IBRD 0x24
#define FBRD 0x28
#define LCR_H 0x2c
#define CR 0x30
#define IFLS 0x34
#define IMSC 0x38
#define RIS 0x3c
#define MIS 0x40
#define ICR 0x44
#define FR_RXFE (1u << 4)
#define INT_RX (1u << 4)
#define INT_RT (1u << 6)

static char buf[512];
static volatile unsigned len, lines, irqs;

static uint32_t u_r(uint32_t off) { return mmio_read32(UART_BASE + off); }
static void u_w(uint32_t off, uint32_t v) { mmio_write32(UART_BASE + off, v); }

void on_exception(struct frame *f, uint64_t index) {
	(void)f;
	if (index != 5) {
		printf("unexpected exception slot %lu ESR %lx\n", index, READ_SYSREG(esr_el1));
		psci_system_off();
	}
	uint32_t iar = mmio_read32(GICC_BASE + 0x0c);
	if ((iar & 0x3ff) == 33) {
		irqs++;
		while (!(u_r(FR) & FR_RXFE)) {
			char c = (char)u_r(DR);
			if (len < sizeof buf - 1) buf[len++] = c;
			if (c == '\n') lines++;
		}
	}
	if ((iar & 0x3ff) < 1020) mmio_write32(GICC_BASE + 0x10, iar);
}

int main(void) {
	printf("uart guest\n");
	printf("ids %02x %02x %02x %02x %02x %02x %02x %02x\n", u_r(0xfe0), u_r(0xfe4), u_r(0xfe8), u_r(0xfec),
	       u_r(0xff0), u_r(0xff4), u_r(0xff8), u_r(0xffc));
	/* In-range values only: QEMU 7.2 does not truncate IBRD to 16 bits nor FBRD to 6. */
	u_w(IBRD, 0x1234);
	u_w(FBRD, 0x21);
	u_w(IFLS, 0x3f);
	printf("IBRD %x FBRD %x IFLS %x CR %x\n", u_r(IBRD), u_r(FBRD), u_r(IFLS), u_r(CR));
	u_w(IFLS, 0x12);
	/* Transmit interrupt status: set by a transmission (the line never backs up), cleared by ICR. */
	uint32_t ris_tx = u_r(RIS) & 0x20;
	u_w(ICR, 0x20); /* only TX: clearing RX while a byte waits would lose its interrupt on QEMU */
	uint32_t ris_clr = u_r(RIS) & 0x20;
	printf("TXRIS after print %x after ICR %x\n", ris_tx, ris_clr);
	printf("RIS %x MIS %x\n", u_r(RIS) & 0x20, u_r(MIS));
	u_w(IMSC, 0x7ff);
	printf("IMSC %x MIS.TX %x\n", u_r(IMSC), u_r(MIS) & 0x20); /* RX bits depend on input timing */
	u_w(IMSC, 0);
	u_w(0x48, 0x7); /* DMACR */
	printf("DMACR %x RSR %x ILPR %x\n", u_r(0x48), u_r(0x04), u_r(0x20));
	u_w(0x48, 0);
	WRITE_SYSREG(vbar_el1, (uint64_t)test_vectors);
	ISB();
	/* GIC: SPI 33 enabled at priority 0x80; CPU interface on. */
	*(volatile uint8_t *)(GICD_BASE + 0x400 + 33) = 0x80;
	mmio_write32(GICD_BASE + 0x104, 1u << (33 - 32));
	mmio_write32(GICD_BASE, 1);
	mmio_write32(GICC_BASE + 0x04, 0xf0);
	mmio_write32(GICC_BASE, 1);
	/*
	 * UART: 8 bits, receive and receive-timeout interrupts. The FIFO stays off: QEMU empties
	 * the receive FIFO when LCR_H.FEN changes, which would drop input that is already waiting
	 * (QEMU reads the console before the guest starts). One byte at a time still exercises
	 * flow control, as the feeder must wait for every byte to be read.
	 */
	u_w(LCR_H, 0x60);
	u_w(CR, 0x301);
	u_w(IMSC, INT_RX | INT_RT);
	__asm__ volatile("msr daifclr, #2" ::: "memory");
	while (lines < 3) __asm__ volatile("wfi" ::: "memory");
	__asm__ volatile("msr daifset, #2" ::: "memory");
	buf[len] = 0;
	printf("got %u bytes in %u lines, interrupts>0 %d\n", len, lines, irqs > 0);
	for (unsigned i = 0; i < len; i++) {
		char c = buf[i];
		if (c >= 'a' && c <= 'z') c -= 32;
		putc_uart(c);
	}
	printf("after draining: FR.RXFE %u MIS %x\n", (u_r(FR) & FR_RXFE) != 0, u_r(MIS));
	printf("uart done\n");
	return 0;
}
