/**
 * The part of a GIC virtual CPU interface that GICv2 (GICH/GICV) and GICv3 (ICH/ICV) share: list
 * registers, the hypervisor control register, the virtual machine control state (priority mask,
 * binary points, group enables, EOI mode, active priorities) and the derived maintenance status
 * (MISR, EISR, ELRSR). The hypervisor (TypeScript EL2) reads and writes this state directly; the
 * guest side lives in gic_v2_virt_cpu_if.ts (the GICV page) and gic_v3_virt_cpu_if.ts (ICV_*
 * behind the ICC_* system registers).
 *
 * Both versions are modelled with a Cortex-A57 / GIC-400 shaped interface: 4 list registers, 5
 * priority bits and 5 preemption bits (one active priority register per group). The priority
 * rules are those of the physical GICv3 CPU interface, reused over `IccState`.
 */
import type { DeviceLog } from "./register_rows.ts";
import { NULL_LOG } from "./register_rows.ts";
import {
  activatePriority,
  canSignal,
  dropPriority,
  highestActiveGroup,
  ICC_PRIORITY_MASK,
  type IccState,
  newIccState,
} from "./gic_v3_cpu_interface.ts";
import { GROUP0, type PendingIrq } from "./gic_v3_irq_state.ts";

/** Number of list registers (GIC-400 and Cortex-A57 have 4). */
export const VGIC_NUM_LRS = 4;

/** List register states (the two bits of the State field). */
export const LR_INVALID = 0;
export const LR_PENDING = 1;
export const LR_ACTIVE = 2;
export const LR_PENDING_ACTIVE = 3;

/** GICH_HCR / ICH_HCR_EL2 bits (same positions in both versions). */
export const HCR_EN = 1 << 0;
export const HCR_UIE = 1 << 1;
export const HCR_LRENPIE = 1 << 2;
export const HCR_NPIE = 1 << 3;
export const HCR_VGRP0EIE = 1 << 4;
export const HCR_VGRP0DIE = 1 << 5;
export const HCR_VGRP1EIE = 1 << 6;
export const HCR_VGRP1DIE = 1 << 7;
/** EOIcount field [31:27]. */
export const HCR_EOICOUNT_SHIFT = 27;

/** GICH_MISR / ICH_MISR_EL2 bits. */
export const MISR_EOI = 1 << 0;
export const MISR_U = 1 << 1;
export const MISR_LRENP = 1 << 2;
export const MISR_NP = 1 << 3;
export const MISR_VGRP0E = 1 << 4;
export const MISR_VGRP0D = 1 << 5;
export const MISR_VGRP1E = 1 << 6;
export const MISR_VGRP1D = 1 << 7;

/** One list register as plain fields (the versions' encodings are in their front ends). */
export interface ListReg {
  /** LR_INVALID, LR_PENDING, LR_ACTIVE or LR_PENDING_ACTIVE. */
  state: number;
  /** Virtual INTID the guest sees. */
  vintid: number;
  /**
   * With `hw` = 1, the physical INTID to deactivate when the guest deactivates `vintid`.
   * Otherwise GICv2's CPUID (source vcpu of an SGI, returned in GICV_IAR[12:10]); unused on v3.
   */
  pintid: number;
  /** Priority (8 bits; only the top 5 are implemented). */
  priority: number;
  /** GROUP0 or GROUP1. */
  group: number;
  /** 1: hardware interrupt (deactivation reaches the physical one). */
  hw: number;
  /** 1 (non-HW only): maintenance interrupt when the guest's EOI makes the entry invalid. */
  eoi: number;
}

/** Plain state of one virtual CPU interface. */
export interface VirtCpuIfState {
  lrs: ListReg[];
  /** GICH_HCR / ICH_HCR_EL2, EOIcount included. */
  hcr: number;
  /** The virtual machine control state: PMR, BPRs, group enables, CBPR/EOImode, APRs. */
  vmcr: IccState;
  /** GICv2 GICV_CTLR.AckCtl and FIQEn (no meaning on v3, where Group 0 is always vFIQ). */
  ackCtl: number;
  fiqEn: number;
}

/** What the interface reports to its hypervisor. */
export interface VirtCpuIfPorts {
  /** The virtual IRQ/FIQ lines of the vcpu changed (re-evaluated after every change). */
  signal(irq: boolean, fiq: boolean): void;
  /** The maintenance interrupt rose (HCR.En set and MISR became non-zero). */
  onMaintenance(): void;
  /** The guest deactivated a hardware-linked (HW = 1) interrupt: deactivate `pintid`. */
  onPhysicalDeactivate(pintid: number): void;
  log?: DeviceLog;
}

/** An empty (invalid) list register. */
export function emptyLr(): ListReg {
  return { state: LR_INVALID, vintid: 0, pintid: 0, priority: 0, group: 0, hw: 0, eoi: 0 };
}

/** Reset state: no list register in use, the interface disabled, everything masked. */
export function newVirtCpuIfState(): VirtCpuIfState {
  return {
    lrs: Array.from({ length: VGIC_NUM_LRS }, emptyLr),
    hcr: 0,
    // The VMCR/APR fields are the ICC ones, at the physical interface's reset values.
    vmcr: newIccState(),
    ackCtl: 0,
    fiqEn: 0,
  };
}

const VMCR_CTLR_EOIMODE = 2;

/**
 * Version-independent virtual CPU interface of one vcpu. Hypervisor-side changes made through
 * `state` take effect on the virtual lines at the next `update()`; guest-side operations update
 * by themselves.
 */
export class VirtCpuIf {
  state: VirtCpuIfState = newVirtCpuIfState();
  readonly #ports: VirtCpuIfPorts;
  readonly #name: string;
  /** Group 0 is signalled as vFIQ whatever GICV_CTLR.FIQEn says (GICv3 with SRE = 1). */
  readonly #group0IsFiq: boolean;
  #irq = false;
  #fiq = false;
  #maintenance = false;

  constructor(ports: VirtCpuIfPorts, name: string, group0IsFiq: boolean) {
    this.#ports = ports;
    this.#name = name;
    this.#group0IsFiq = group0IsFiq;
  }

  /** The device log. */
  get log(): DeviceLog {
    return this.#ports.log ?? NULL_LOG;
  }

  /** The interface name used in log entries. */
  get name(): string {
    return this.#name;
  }

  /** The list registers (live objects). */
  get lrs(): ListReg[] {
    return this.state.lrs;
  }

  /** HCR.EOIcount: EOIs and deactivations that found no list register. */
  get eoiCount(): number {
    return this.state.hcr >>> HCR_EOICOUNT_SHIFT;
  }

  /** Bit i set when LR i is invalid, non-HW and asked for an EOI maintenance interrupt. */
  eisr(): number {
    let v = 0;
    this.state.lrs.forEach((lr, i) => {
      if (lr.state === LR_INVALID && !lr.hw && lr.eoi) v |= 1 << i;
    });
    return v;
  }

  /** Bit i set when LR i holds no interrupt (invalid, and no EOI maintenance owed). */
  elrsr(): number {
    let v = 0;
    this.state.lrs.forEach((lr, i) => {
      if (lr.state === LR_INVALID && (lr.hw || !lr.eoi)) v |= 1 << i;
    });
    return v;
  }

  /** GICH_MISR / ICH_MISR_EL2: the maintenance conditions that hold. */
  misr(): number {
    const s = this.state, hcr = s.hcr, lrs = s.lrs;
    let m = 0;
    if (this.eisr()) m |= MISR_EOI;
    if ((hcr & HCR_UIE) && lrs.filter((l) => l.state !== LR_INVALID).length <= 1) m |= MISR_U;
    if ((hcr & HCR_LRENPIE) && this.eoiCount !== 0) m |= MISR_LRENP;
    if ((hcr & HCR_NPIE) && !lrs.some((l) => l.state === LR_PENDING)) m |= MISR_NP;
    const g0 = s.vmcr.igrpen0 & 1, g1 = s.vmcr.igrpen1 & 1;
    if ((hcr & HCR_VGRP0EIE) && g0) m |= MISR_VGRP0E;
    if ((hcr & HCR_VGRP0DIE) && !g0) m |= MISR_VGRP0D;
    if ((hcr & HCR_VGRP1EIE) && g1) m |= MISR_VGRP1E;
    if ((hcr & HCR_VGRP1DIE) && !g1) m |= MISR_VGRP1D;
    return m;
  }

  /** True while the maintenance interrupt is asserted. */
  get maintenance(): boolean {
    return this.#maintenance;
  }

  #groupEnabled(group: number): boolean {
    const v = this.state.vmcr;
    return ((group === GROUP0 ? v.igrpen0 : v.igrpen1) & 1) === 1;
  }

  /**
   * Index of the highest-priority LR in the pending state whose group is enabled (lowest index
   * on ties), or -1.
   */
  highestPendingLr(): number {
    let best = -1, prio = 0x100;
    this.state.lrs.forEach((lr, i) => {
      const p = lr.priority & ICC_PRIORITY_MASK;
      if (lr.state === LR_PENDING && p < prio && this.#groupEnabled(lr.group)) {
        best = i;
        prio = p;
      }
    });
    return best;
  }

  /** The pending interrupt of LR `i` as the priority rules see it. */
  pendingIrq(i: number): PendingIrq {
    const lr = this.state.lrs[i];
    return { id: lr.vintid, priority: lr.priority & ICC_PRIORITY_MASK, group: lr.group };
  }

  /** The LR that may be acknowledged now (enabled, above PMR, preempting), or -1. */
  signallableLr(): number {
    if (!(this.state.hcr & HCR_EN)) return -1;
    const i = this.highestPendingLr();
    return i >= 0 && canSignal(this.state.vmcr, this.pendingIrq(i)) ? i : -1;
  }

  /** Acknowledges LR `i`: pending -> active, its group priority becomes active. */
  activate(i: number): void {
    const lr = this.state.lrs[i];
    activatePriority(this.state.vmcr, this.pendingIrq(i));
    lr.state = LR_ACTIVE;
    this.update();
  }

  /**
   * Priority drop of the highest active priority, which must be of `group` (-1: any group, as a
   * GICv2 EOI). Returns false (logged) when there was nothing to drop.
   */
  dropPriority(group: number, id: number): boolean {
    const g = highestActiveGroup(this.state.vmcr);
    if (g < 0 || (group >= 0 && g !== group)) {
      this.log.guestError(
        this.#name,
        g < 0
          ? `EOI of ${id} with no active priority`
          : `EOI of ${id} in Group ${group} while the highest active priority is Group ${g}`,
      );
      return false;
    }
    dropPriority(this.state.vmcr, g);
    return true;
  }

  /** True when EOIs also deactivate (EOImode = 0). */
  get eoiDeactivates(): boolean {
    return !(this.state.vmcr.ctlr & VMCR_CTLR_EOIMODE);
  }

  /**
   * Deactivates virtual interrupt `id` (from CPU `source` for a GICv2 SGI, -1 to match any): the
   * active LR holding it loses its active state; a HW one deactivates its physical interrupt. With
   * no such LR, HCR.EOIcount counts the event for the hypervisor.
   */
  deactivate(id: number, source: number): void {
    const s = this.state;
    const i = s.lrs.findIndex((lr) =>
      (lr.state & LR_ACTIVE) !== 0 && lr.vintid === id &&
      (source < 0 || lr.hw === 1 || id >= 16 || lr.pintid === source)
    );
    if (i < 0) {
      const count = (this.eoiCount + 1) & 0x1f;
      s.hcr = ((s.hcr & ~(0x1f << HCR_EOICOUNT_SHIFT)) | (count << HCR_EOICOUNT_SHIFT)) >>> 0;
    } else {
      const lr = s.lrs[i];
      lr.state &= ~LR_ACTIVE;
      if (lr.hw && lr.pintid < 1020) this.#ports.onPhysicalDeactivate(lr.pintid);
    }
    this.update();
  }

  /** Re-evaluates the virtual IRQ/FIQ lines and the maintenance interrupt, reporting changes. */
  update(): void {
    const i = this.signallableLr();
    let irq = false, fiq = false;
    if (i >= 0) {
      const g0 = this.state.lrs[i].group === GROUP0;
      if (g0 && (this.#group0IsFiq || this.state.fiqEn)) fiq = true;
      else irq = true;
    }
    if (irq !== this.#irq || fiq !== this.#fiq) {
      this.#irq = irq;
      this.#fiq = fiq;
      this.#ports.signal(irq, fiq);
    }
    const m = (this.state.hcr & HCR_EN) !== 0 && this.misr() !== 0;
    const rose = m && !this.#maintenance;
    this.#maintenance = m;
    if (rose) this.#ports.onMaintenance();
  }

  /** True when a virtual interrupt is being signalled (what a WFI waits for). */
  get signalling(): boolean {
    return this.#irq || this.#fiq;
  }

  /** A copy of the state (plain data). */
  save(): VirtCpuIfState {
    return structuredClone(this.state);
  }

  /** Restores a state made by `save()`. */
  restore(saved: VirtCpuIfState): void {
    if (!Array.isArray(saved.lrs) || saved.lrs.length !== VGIC_NUM_LRS) {
      throw new Error(`${this.#name}: saved state does not have ${VGIC_NUM_LRS} list registers`);
    }
    this.state = structuredClone(saved);
    this.update();
  }
}
