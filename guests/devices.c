/*
 * Devices guest: the PL031 RTC at 0x09010000 (SPI 2) and the two CFI flash banks at 0x0 and
 * 0x04000000 of QEMU's virt board, polled; at the end a WFI waits for the RTC's match interrupt
 * two seconds ahead (IRQs stay masked in PSTATE: the pending interrupt ends the WFI). Bank 1 holds an image the test supplies (a pattern in
 * sector 0, erased elsewhere). Prints only what does not depend on host time: RTC values are
 * shown relative to a loaded count. The flash sequence stays where QEMU's pflash_cfi01 and the
 * Intel parts agree (no locked-block errors, no reads of status after 0x50 alone).
 */
#include "guest.h"

#define RTC 0x09010000UL
#define FLASH0 0x00000000UL
#define FLASH1 0x04000000UL
#define SECTOR 0x40000UL
#define R(a) mmio_read32(a)
#define W(a, v) mmio_write32(a, v)
/* A command to both x16 devices of the bank. */
#define CMD(c) ((uint32_t)(c) * 0x00010001u)
#define GICD_ISPENDR1 (GICD_BASE + 0x204)
#define RTC_SPI_BIT (1u << 2) /* INTID 34 */

static void rtc(void) {
	printf("rtc id:");
	for (int i = 0; i < 8; i++) printf(" %02x", R(RTC + 0xfe0 + 4 * i));
	printf("\nrtc cr %x imsc %x ris %x mis %x\n", R(RTC + 0x0c), R(RTC + 0x10),
	       R(RTC + 0x14), R(RTC + 0x18));
	W(RTC + 0x08, 1000000);
	uint32_t dr = R(RTC + 0x00);
	printf("rtc lr %u, dr-lr in [0,1]: %s\n", R(RTC + 0x08),
	       dr - 1000000u <= 1 ? "yes" : "no");
	/* A match far ahead stays quiet. */
	W(RTC + 0x04, dr + 100);
	printf("rtc mr-dr %u ris %x\n", R(RTC + 0x04) - dr, R(RTC + 0x14));
	/* A match equal to the count fires at once; the line follows RIS & IMSC. */
	W(RTC + 0x08, 2000000);
	W(RTC + 0x04, 2000000);
	printf("rtc ris %x mis %x pend %x\n", R(RTC + 0x14), R(RTC + 0x18),
	       R(GICD_ISPENDR1) & RTC_SPI_BIT);
	W(RTC + 0x10, 1);
	printf("rtc imsc %x mis %x pend %x\n", R(RTC + 0x10), R(RTC + 0x18),
	       (R(GICD_ISPENDR1) & RTC_SPI_BIT) != 0);
	W(RTC + 0x1c, 1);
	printf("rtc icr: ris %x mis %x pend %x\n", R(RTC + 0x14), R(RTC + 0x18),
	       R(GICD_ISPENDR1) & RTC_SPI_BIT);
	W(RTC + 0x10, 0);
}

static void dump(const char *what, uintptr_t a, int words) {
	printf("%s:", what);
	for (int i = 0; i < words; i++) printf(" %08x", R(a + 4 * i));
	printf("\n");
}

static void flash_ids(const char *name, uintptr_t b) {
	W(b, CMD(0x90));
	printf("%s id %08x %08x %08x lock(s1) %08x\n", name, R(b), R(b + 4), R(b + 8),
	       R(b + SECTOR + 8));
	W(b, CMD(0xff));
	W(b, CMD(0x98));
	printf("%s cfi:", name);
	for (int i = 0x10; i < 0x40; i++) printf("%s%02x", i % 16 ? " " : "\n ", R(b + 4 * i) & 0xff);
	printf("\n%s cfi words %08x %08x half %04x %04x\n", name, R(b + 0x40), R(b + 0x4 * 0x27),
	       *(volatile uint16_t *)(b + 0x44), *(volatile uint16_t *)(b + 0x46));
	W(b, CMD(0xff));
}

static void flash_write_erase(uintptr_t b) {
	dump("array s0", b, 8);
	W(b, CMD(0x70));
	printf("status %08x\n", R(b));
	/* Erase sector 0, then program a word and a 4-word buffer in it. */
	W(b + 0x100, CMD(0x20));
	W(b + 0x100, CMD(0xd0));
	printf("erase status %08x\n", R(b));
	W(b, CMD(0xff));
	dump("erased s0", b, 8);
	W(b + 0x10, CMD(0x40));
	printf("program setup status %08x\n", R(b + 0x10));
	W(b + 0x10, 0x12345678);
	printf("program status %08x\n", R(b + 0x10));
	W(b, CMD(0xff));
	W(b + 0x20, CMD(0xe8));
	printf("buffer status %08x\n", R(b + 0x20));
	W(b + 0x20, CMD(3));
	for (uint32_t i = 0; i < 4; i++) W(b + 0x20 + 4 * i, 0xa0a0a0a0u + i);
	W(b + 0x20, CMD(0xd0));
	printf("buffer done status %08x\n", R(b + 0x20));
	W(b, CMD(0xff));
	dump("programmed s0", b + 0x10, 8);
	/* Lock and unlock sector 1 (an unlocked block reads lock 0 on both), then program it. */
	W(b + SECTOR, CMD(0x60));
	W(b + SECTOR, CMD(0x01));
	printf("lock status %08x\n", R(b + SECTOR));
	W(b + SECTOR, CMD(0x60));
	W(b + SECTOR, CMD(0xd0));
	W(b, CMD(0x90));
	printf("lock(s1) after unlock %08x\n", R(b + SECTOR + 8));
	W(b + SECTOR + 4, CMD(0x10));
	W(b + SECTOR + 4, 0x0badf00d);
	W(b, CMD(0x50));
	dump("array s1 after clear status", b + SECTOR, 4);
	/* Byte and half-word program. */
	W(b + SECTOR + 0x40, CMD(0x40));
	*(volatile uint8_t *)(b + SECTOR + 0x41) = 0x5a;
	W(b + SECTOR + 0x40, CMD(0x40));
	*(volatile uint16_t *)(b + SECTOR + 0x46) = 0x1234;
	W(b, CMD(0xff));
	dump("s1 small programs", b + SECTOR + 0x40, 2);
	printf("bytes %02x %02x %04x\n", *(volatile uint8_t *)(b + SECTOR + 0x41),
	       *(volatile uint8_t *)(b + SECTOR + 0x40), *(volatile uint16_t *)(b + SECTOR + 0x46));
}

static void rtc_alarm(void) {
	W(GICD_BASE + 0x000, 1);                 /* GICD_CTLR */
	W(GICD_BASE + 0x104, RTC_SPI_BIT);       /* GICD_ISENABLER1 */
	*(volatile uint8_t *)(GICD_BASE + 0x800 + 34) = 1; /* GICD_ITARGETSR: CPU 0 */
	W(GICC_BASE + 0x004, 0xff);              /* GICC_PMR */
	W(GICC_BASE + 0x000, 1);                 /* GICC_CTLR */
	uint32_t mr = R(RTC + 0x00) + 2;
	W(RTC + 0x04, mr);
	W(RTC + 0x10, 1);
	while (!R(RTC + 0x18)) __asm__ volatile("wfi");
	uint32_t dr = R(RTC + 0x00);
	printf("rtc alarm: ris %x pend %x dr-mr in [0,1]: %s\n", R(RTC + 0x14),
	       (R(GICD_ISPENDR1) & RTC_SPI_BIT) != 0, dr - mr <= 1 ? "yes" : "no");
	W(RTC + 0x1c, 1);
	W(RTC + 0x10, 0);
	printf("rtc alarm cleared: pend %x\n", R(GICD_ISPENDR1) & RTC_SPI_BIT);
	W(GICC_BASE + 0x000, 0);
	W(GICD_BASE + 0x000, 0);
}

int main(void) {
	rtc();
	flash_ids("flash0", FLASH0);
	flash_ids("flash1", FLASH1);
	flash_write_erase(FLASH1);
	rtc_alarm();
	printf("devices done\n");
	return 0;
}
