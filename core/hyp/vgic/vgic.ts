/**
 * A domain's virtual GIC as the hypervisor sees it (Xen's vgic_ops idea): one interface, a GICv2
 * and a GICv3 implementation chosen by name. The guest reaches the distributor (and on GICv3 the
 * redistributors) through stage-2 data aborts the hypervisor turns into `access()` calls on the
 * `regions()` devices; on GICv2 the GICV page is a region too (on hardware it is mapped, not
 * trapped). Each vcpu has a virtual CPU interface with list registers (core/devices/
 * gic_virt_cpu_if.ts) that `flush` fills before the vcpu runs and `sync` reads back after.
 */
import type { MmioDevice } from "../../mem/mmio_bus.ts";
import type { GicCpuInterface } from "../../cpu/gic_cpu_interface.ts";
import type { DeviceLog } from "../../devices/register_rows.ts";
import type { ListReg, VirtCpuIf } from "../../devices/gic_virt_cpu_if.ts";
import type { VgicSnapshot } from "./vgic_base.ts";

/** GIC versions a domain can have. */
export type VgicVersion = "v2" | "v3";

/** What a vGIC tells its hypervisor. */
export interface VgicPorts {
  /** The virtual IRQ/FIQ lines of `vcpu` changed: set its cpu.irqLine / fiqLine. */
  signal(vcpu: number, irq: boolean, fiq: boolean): void;
  /** `vcpu`'s maintenance interrupt rose: make it exit (cpu.requestStop()), then sync + flush. */
  onMaintenance(vcpu: number): void;
  /** The guest deactivated hardware-linked interrupt `pintid` (see `hwLink`) on `vcpu`. */
  onPhysicalDeactivate(vcpu: number, pintid: number): void;
  /**
   * `vcpu` has an interrupt to deliver that its list registers may not hold yet: wake it from
   * WFI, and if it is running make it exit so that `flush` runs before it continues.
   */
  kick(vcpu: number): void;
  log?: DeviceLog;
}

/** Shape of a domain's vGIC. */
export interface VgicConfig {
  /** Number of vcpus (v2: 1..8; v3: 1..128). */
  numVcpus: number;
  /** SPIs the domain asked for (config.arch.nr_spis), rounded up to a multiple of 32 as Xen. */
  nrSpis: number;
}

/** A guest-physical region of the vGIC. */
export interface VgicRegion {
  name: string;
  base: number;
  size: number;
  device: MmioDevice;
}

/** One interrupt's state, for the REPL. */
export interface VgicIrqRow {
  intid: number;
  /** The vcpu owning the private interrupt, or the SPI's target vcpu. */
  vcpu: number;
  enabled: boolean;
  pending: boolean;
  active: boolean;
  level: boolean;
  edge: boolean;
  priority: number;
  /** Physical INTID it is hardware-linked to, or -1. */
  hw: number;
}

/** One list register in use, for the REPL. */
export interface VgicLrRow extends ListReg {
  vcpu: number;
  lr: number;
}

/** A domain's virtual GIC. */
export interface Vgic {
  readonly version: VgicVersion;
  readonly numVcpus: number;
  /** Interrupt IDs including the 32 private ones (32 + nrSpis). */
  readonly numIrqs: number;
  /**
   * The vcpu whose guest accesses arrive next (the "physical CPU" the GICD banks and, on v2, the
   * GICV page answer for): set it when switching vcpus.
   */
  accessVcpu: number;
  /** The MMIO regions to register for the domain (guest-physical addresses). */
  regions(): VgicRegion[];
  /** The virtual CPU interface of `vcpu` (list registers, HCR, VMCR: the hypervisor's view). */
  cpuIf(vcpu: number): VirtCpuIf;
  /**
   * What `vcpu`'s PE should have as `cpu.gicCpuIf`: on v3 its ICV interface (ICC_* system
   * registers), on v2 null (no system-register interface: ICC_* are UNDEFINED).
   */
  iccInterface(vcpu: number): GicCpuInterface | null;
  /** Asserts interrupt `intid` once (edge): an SGI/PPI of `vcpu`, or an SPI (vcpu ignored). */
  inject(vcpu: number | null, intid: number): void;
  /** Drives a level-sensitive input: a PPI of `vcpu`, or an SPI (vcpu null). */
  setLevel(vcpu: number | null, intid: number, level: boolean): void;
  /** Links `vcpu`'s `vintid` to physical `pintid` (null unlinks): list registers get HW = 1. */
  hwLink(vcpu: number, vintid: number, pintid: number | null): void;
  /**
   * Before `vcpu` enters the guest: moves what it should see into its list registers. Returns how
   * many list registers had to be written (an entry the hardware did not already hold), which
   * the run loop charges and which tells it that an interrupt arrived.
   */
  flush(vcpu: number): number;
  /** After `vcpu` left the guest: takes its list registers' state back (idempotent). */
  sync(vcpu: number): void;
  /** True when `vcpu` has an interrupt it would take now (ends a WFI). */
  pending(vcpu: number): boolean;
  /** ICC_SGI1R/SGI0R/ASGI1R written by `vcpu` (v3; GICv2 SGIs come through GICD_SGIR). */
  onSgi(vcpu: number, reg: "SGI1R" | "SGI0R" | "ASGI1R", value: bigint): void;
  /** Interrupts with any state, and the list registers in use, per vcpu. */
  irqTable(): { irqs: VgicIrqRow[]; lrs: VgicLrRow[] };
  /** A copy of the whole vGIC state (plain data). */
  save(): VgicSnapshot;
  /** Restores a `save()` of a vGIC of the same shape; throws on any other. */
  restore(saved: VgicSnapshot): void;
}
