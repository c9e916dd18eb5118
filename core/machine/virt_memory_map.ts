/**
 * The part of QEMU's `-M virt` memory map and interrupt assignment that hvlab models (from
 * hw/arm/virt.c's base_memmap and irqmap, as facts): GICv2 distributor and CPU interface (or
 * the GICv3 distributor and redistributors), the PL011 UART on SPI 1, the PL031 RTC on SPI 2, the
 * two CFI flash banks, RAM from 1 GiB, and the generic timer PPIs.
 */

/** Physical addresses and sizes of the virt board's regions. */
export const VIRT_MAP = {
  gicDist: { base: 0x0800_0000, size: 0x1_0000 },
  gicCpu: { base: 0x0801_0000, size: 0x1_0000 },
  /** GICv3 redistributors (gic-version=3 boards): one 128 KiB frame per PE from here. */
  gicRedist: { base: 0x080a_0000, size: 0xf6_0000 },
  uart: { base: 0x0900_0000, size: 0x1000 },
  rtc: { base: 0x0901_0000, size: 0x1000 },
  /** Two 64 MiB CFI flash banks, the second at +64 MiB. */
  flash: { base: 0x0000_0000, size: 0x0800_0000 },
  ram: { base: 0x4000_0000 },
} as const;

/** Interrupt IDs (GIC INTIDs) of the board's sources. */
export const VIRT_IRQ = {
  /** PL011: SPI 1. */
  uart: 32 + 1,
  /** PL031: SPI 2. */
  rtc: 32 + 2,
  /** Generic timer PPIs: EL1 virtual and EL1 physical (non-secure). */
  timerVirt: 27,
  timerPhys: 30,
} as const;

/** Where QEMU puts a raw (non-ELF) `-kernel` image for AArch64: RAM base + 0x80000. */
export const RAW_IMAGE_OFFSET = 0x8_0000;
