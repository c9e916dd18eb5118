/**
 * The guest physical memory map and interrupt numbers of a Xen ARM domU (xen/include/public/
 * arch-arm.h, defined for Xen and the toolstack), plus the magic-page offsets the toolstack uses
 * inside GUEST_MAGIC_BASE (tools/libs/guest/xg_dom_arm.c: not part of the public headers).
 *
 * @module
 */

/** virtio-mmio transports window. */
export const GUEST_VIRTIO_MMIO_BASE = 0x2000000;
/** Size of the virtio-mmio window. */
export const GUEST_VIRTIO_MMIO_SIZE = 0x100000;
/** First SPI for virtio-mmio devices. */
export const GUEST_VIRTIO_MMIO_SPI_FIRST = 33;
/** Last SPI for virtio-mmio devices. */
export const GUEST_VIRTIO_MMIO_SPI_LAST = 43;
/** GICv2 distributor. */
export const GUEST_GICD_BASE = 0x3001000;
/** GICv2 distributor size. */
export const GUEST_GICD_SIZE = 4096;
/** GICv2 CPU interface (Xen maps the GICV of the host here). */
export const GUEST_GICC_BASE = 0x3002000;
/** GICv2 CPU interface size. */
export const GUEST_GICC_SIZE = 8192;
/** GICv3 distributor. */
export const GUEST_GICV3_GICD_BASE = 0x3001000;
/** GICv3 distributor size. */
export const GUEST_GICV3_GICD_SIZE = 0x10000;
/** Number of GICv3 redistributor regions. */
export const GUEST_GICV3_RDIST_REGIONS = 1;
/** GICv3 redistributor region 0 (vcpus 0..127, 128 KiB each). */
export const GUEST_GICV3_GICR0_BASE = 0x3020000;
/** GICv3 redistributor region 0 size. */
export const GUEST_GICV3_GICR0_SIZE = 0x1000000;
/** Virtual PCI ECAM. */
export const GUEST_VPCI_ECAM_BASE = 0x10000000;
/** Virtual PCI ECAM size. */
export const GUEST_VPCI_ECAM_SIZE = 0x10000000;
/** ACPI tables (ACPI guests). */
export const GUEST_ACPI_BASE = 0x20000000;
/** ACPI tables size. */
export const GUEST_ACPI_SIZE = 0x2000000;
/** vpl011 (SBSA UART) registers. */
export const GUEST_PL011_BASE = 0x22000000;
/** vpl011 size. */
export const GUEST_PL011_SIZE = 4096;
/** vPCI ranges: 32-bit memory space type. */
export const GUEST_VPCI_ADDR_TYPE_MEM = 0x2000000;
/** vPCI 32-bit memory window. */
export const GUEST_VPCI_MEM_ADDR = 0x23000000;
/** vPCI 32-bit memory window size. */
export const GUEST_VPCI_MEM_SIZE = 0x10000000;
/** Grant-table window (the /hypervisor node's first reg). */
export const GUEST_GNTTAB_BASE = 0x38000000;
/** Grant-table window size. */
export const GUEST_GNTTAB_SIZE = 0x1000000;
/** Magic pages (console, xenstore, ... rings). */
export const GUEST_MAGIC_BASE = 0x39000000;
/** Magic pages window size. */
export const GUEST_MAGIC_SIZE = 0x1000000;
/** Number of guest RAM banks. */
export const GUEST_RAM_BANKS = 2;
/** RAM bank 0 (3 GiB at 1 GiB). */
export const GUEST_RAM0_BASE = 0x40000000;
/** RAM bank 0 size. */
export const GUEST_RAM0_SIZE = 0xc0000000;
/** vPCI ranges: 64-bit prefetchable memory type. */
export const GUEST_VPCI_ADDR_TYPE_PREFETCH_MEM = 0x42000000;
/** vPCI 64-bit prefetchable window. */
export const GUEST_VPCI_PREFETCH_MEM_ADDR = 0x100000000;
/** vPCI 64-bit prefetchable window size. */
export const GUEST_VPCI_PREFETCH_MEM_SIZE = 0x100000000;
/** RAM bank 1 (1016 GiB at 8 GiB). */
export const GUEST_RAM1_BASE = 0x200000000;
/** RAM bank 1 size. */
export const GUEST_RAM1_SIZE = 0xfe00000000;
/** Lowest guest RAM address. */
export const GUEST_RAM_BASE = 0x40000000;
/** Largest amount of guest RAM. */
export const GUEST_RAM_MAX = 0xfec0000000;
/** Most vcpus a guest may have. */
export const GUEST_MAX_VCPUS = 128;
/** Virtual timer PPI. */
export const GUEST_TIMER_VIRT_PPI = 27;
/** Secure physical timer PPI. */
export const GUEST_TIMER_PHYS_S_PPI = 29;
/** Non-secure physical timer PPI. */
export const GUEST_TIMER_PHYS_NS_PPI = 30;
/** Event-channel upcall PPI (the /hypervisor node's interrupt). */
export const GUEST_EVTCHN_PPI = 31;
/** vpl011 SPI. */
export const GUEST_VPL011_SPI = 32;
/** PSTATE a 64-bit guest vcpu starts with: EL1h, D clear, A/I/F masked. */
export const PSR_GUEST64_INIT = 453;

/** Magic page index of the PV console ring (HVM_PARAM_CONSOLE_PFN). */
export const GUEST_MAGIC_CONSOLE_PFN_OFFSET = 0;
/** Magic page index of the xenstore ring (HVM_PARAM_STORE_PFN). */
export const GUEST_MAGIC_XENSTORE_PFN_OFFSET = 1;
/** Magic page index of the memory-access ring (HVM_PARAM_MONITOR_RING_PFN). */
export const GUEST_MAGIC_MEMACCESS_PFN_OFFSET = 2;
/** Magic page index of the vpl011 backend ring. */
export const GUEST_MAGIC_VUART_PFN_OFFSET = 3;
/** Number of magic pages the toolstack populates. */
export const GUEST_MAGIC_NR_PAGES = 4;
