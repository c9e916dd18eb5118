/**
 * The GICv3 CPU interface of one PE behind the ICC_*_EL1 system registers, for a Non-secure PE
 * without EL3 on a GIC with one security state (Group 0 is signalled as FIQ, Group 1 as IRQ).
 * Implementation choices are a Cortex-A57's as QEMU models it: 5 priority and 5 preemption bits
 * (one active priority register per group), 24-bit INTIDs, system registers always enabled.
 *
 * The priority logic (group priority under the binary points, running priority from the active
 * priority registers, preemption, priority drop) is in pure functions over `IccState`, so that a
 * virtual CPU interface (ICV_* over list registers) can reuse it with its own state.
 */
import type { GicCpuInterface, IccRegister } from "../cpu/gic_cpu_interface.ts";
import type { DeviceLog } from "./register_rows.ts";
import { GROUP0, GROUP1, INTID_SPURIOUS, type PendingIrq } from "./gic_v3_irq_state.ts";

/** Implemented priority bits: priorities are multiples of 8. */
export const ICC_PRIORITY_MASK = 0xf8;
const APR_SHIFT = 3;
/** Smallest binary points: BPR0 = 7 - preemption bits, BPR1 one more. */
export const ICC_MIN_BPR0 = 2;
export const ICC_MIN_BPR1 = 3;
const CTLR_CBPR = 1, CTLR_EOIMODE = 2;
/** ICC_CTLR_EL1 read-only fields: A3V, IDbits = 24 bits, PRIbits = 5 - 1. */
const CTLR_RO = (1 << 15) | (1 << 11) | (4 << 8);
/** ICC_SRE_EL1: SRE, DFB, DIB all RAO/WI (no legacy MMIO interface, no bypass). */
const SRE_VALUE = 7n;

/** Plain state of one CPU interface. */
export interface IccState {
  pmr: number;
  bpr0: number;
  bpr1: number;
  /** ICC_CTLR_EL1's writable bits: CBPR (bit 0), EOImode (bit 1). */
  ctlr: number;
  igrpen0: number;
  igrpen1: number;
  /** Active priorities per group: bit n set = group priority n << 3 active. */
  apr0: number;
  apr1: number;
}

/** Reset state (QEMU's: PMR 0, binary points at their minimum, nothing enabled or active). */
export function newIccState(): IccState {
  return {
    pmr: 0,
    bpr0: ICC_MIN_BPR0,
    bpr1: ICC_MIN_BPR1,
    ctlr: 0,
    igrpen0: 0,
    igrpen1: 0,
    apr0: 0,
    apr1: 0,
  };
}

/** Groups the interface has enabled, one bit per group (for `bestPending`). */
export function enabledGroups(s: IccState): number {
  return (s.igrpen0 & 1) | ((s.igrpen1 & 1) << 1);
}

/** Mask of the group priority bits of an interrupt of `group` (GroupBits() in the GIC spec). */
export function groupPriorityMask(s: IccState, group: number): number {
  const bpr = group === GROUP1 && !(s.ctlr & CTLR_CBPR) ? s.bpr1 - 1 : s.bpr0;
  return (0xff << (bpr + 1)) & 0xff;
}

/**
 * Reads the ICC registers that are plain fields of `s` — the same in a physical CPU interface and
 * in a virtual one (ICV_*): PMR, BPR0/1, AP0R0/AP1R0, RPR, IGRPEN0/1, SRE. Undefined for the
 * others (acknowledge, EOI, CTLR...), which each interface answers itself.
 */
export function readIccField(s: IccState, reg: IccRegister): bigint | undefined {
  switch (reg) {
    case "PMR":
      return BigInt(s.pmr);
    case "BPR0":
      return BigInt(s.bpr0);
    case "BPR1":
      // With CBPR, BPR1 reads BPR0 + 1 (saturated) and ignores writes.
      return BigInt(s.ctlr & CTLR_CBPR ? Math.min(s.bpr0 + 1, 7) : s.bpr1);
    case "AP0R0":
      return BigInt(s.apr0 >>> 0);
    case "AP1R0":
      return BigInt(s.apr1 >>> 0);
    case "RPR":
      return BigInt(runningPriority(s));
    case "SRE":
      return SRE_VALUE;
    case "IGRPEN0":
      return BigInt(s.igrpen0);
    case "IGRPEN1":
      return BigInt(s.igrpen1);
    default:
      return undefined;
  }
}

/** Writes a plain-field ICC register of `s` (see readIccField); false for the others. */
export function writeIccField(s: IccState, reg: IccRegister, v: number): boolean {
  switch (reg) {
    case "PMR":
      s.pmr = v & ICC_PRIORITY_MASK;
      return true;
    case "BPR0":
      s.bpr0 = Math.max(v & 7, ICC_MIN_BPR0);
      return true;
    case "BPR1":
      if (!(s.ctlr & CTLR_CBPR)) s.bpr1 = Math.max(v & 7, ICC_MIN_BPR1);
      return true;
    case "AP0R0":
      s.apr0 = v >>> 0;
      return true;
    case "AP1R0":
      s.apr1 = v >>> 0;
      return true;
    case "SRE":
      return true; // RAO/WI
    case "IGRPEN0":
      s.igrpen0 = v & 1;
      return true;
    case "IGRPEN1":
      s.igrpen1 = v & 1;
      return true;
    default:
      return false;
  }
}

/** Running priority: the highest active group priority, 0xff when nothing is active. */
export function runningPriority(s: IccState): number {
  const apr = (s.apr0 | s.apr1) >>> 0;
  if (apr === 0) return 0xff;
  return (31 - Math.clz32(apr & -apr)) << APR_SHIFT;
}

/** True when `p` passes the priority mask and preempts the running priority. */
export function canSignal(s: IccState, p: PendingIrq): boolean {
  if (p.priority >= s.pmr) return false;
  const rp = runningPriority(s);
  if (rp === 0xff) return true;
  const mask = groupPriorityMask(s, p.group);
  return (p.priority & mask) < (rp & mask);
}

/** Marks the group priority of `p` active (on acknowledge). */
export function activatePriority(s: IccState, p: PendingIrq): void {
  const bit = 1 << ((p.priority & groupPriorityMask(s, p.group)) >> APR_SHIFT);
  if (p.group === GROUP0) s.apr0 = (s.apr0 | bit) >>> 0;
  else s.apr1 = (s.apr1 | bit) >>> 0;
}

/** Group of the highest active priority (Group 0 on a tie), or -1 when nothing is active. */
export function highestActiveGroup(s: IccState): number {
  const low = (v: number) => (v === 0 ? 32 : 31 - Math.clz32(v & -v));
  const g0 = low(s.apr0), g1 = low(s.apr1);
  if (g0 === 32 && g1 === 32) return -1;
  return g1 < g0 ? GROUP1 : GROUP0;
}

/** Priority drop: clears the highest active priority of `group`. */
export function dropPriority(s: IccState, group: number): void {
  if (group === GROUP0) s.apr0 = (s.apr0 & (s.apr0 - 1)) >>> 0;
  else s.apr1 = (s.apr1 & (s.apr1 - 1)) >>> 0;
}

/** What a CPU interface needs from its GIC. */
export interface GicV3CpuSide {
  readonly numIrqs: number;
  /** State of PE `cpu`'s interface (looked up on each access: restore may replace it). */
  icc(cpu: number): IccState;
  /** Highest-priority interrupt the redistributor forwards to `cpu`. */
  highestPending(cpu: number): PendingIrq | undefined;
  /** Pending -> active on acknowledge. */
  activate(cpu: number, id: number): void;
  /** Clears the active state; false when `id` was not active. */
  deactivate(cpu: number, id: number): boolean;
  /** An ICC_SGI*R_EL1 write from `cpu` generating SGIs of `group`. */
  sendSgi(cpu: number, value: bigint, group: number): void;
  /** Recomputes the interrupt outputs. */
  update(): void;
  readonly log: DeviceLog;
}

/** The ICC registers of PE `cpu`. */
export class GicV3CpuInterface implements GicCpuInterface {
  readonly #gic: GicV3CpuSide;
  readonly #cpu: number;

  constructor(gic: GicV3CpuSide, cpu: number) {
    this.#gic = gic;
    this.#cpu = cpu;
  }

  get #s(): IccState {
    return this.#gic.icc(this.#cpu);
  }

  /** MRS of ICC_<reg>_EL1. */
  read(reg: IccRegister): bigint {
    const s = this.#s;
    const field = readIccField(s, reg);
    if (field !== undefined) return field;
    switch (reg) {
      case "IAR0":
        return BigInt(this.#acknowledge(GROUP0));
      case "IAR1":
        return BigInt(this.#acknowledge(GROUP1));
      case "HPPIR0":
        return BigInt(this.#hppir(GROUP0));
      case "HPPIR1":
        return BigInt(this.#hppir(GROUP1));
      case "CTLR":
        return BigInt(CTLR_RO | s.ctlr);
      default:
        throw new Error(`ICC_${reg}_EL1 is write-only: the PE must not read it`);
    }
  }

  /** MSR of ICC_<reg>_EL1. */
  write(reg: IccRegister, value: bigint): void {
    const s = this.#s;
    const v = Number(value & 0xffff_ffffn);
    if (writeIccField(s, reg, v)) {
      if (reg !== "SRE") this.#gic.update();
      return;
    }
    switch (reg) {
      case "EOIR0":
        this.#endOfInterrupt(GROUP0, v & 0xffffff);
        break;
      case "EOIR1":
        this.#endOfInterrupt(GROUP1, v & 0xffffff);
        break;
      case "DIR":
        this.#deactivate(v & 0xffffff);
        break;
      case "CTLR":
        s.ctlr = v & (CTLR_CBPR | CTLR_EOIMODE);
        break;
      case "SGI0R":
        this.#gic.sendSgi(this.#cpu, value, GROUP0);
        break;
      case "SGI1R":
        this.#gic.sendSgi(this.#cpu, value, GROUP1);
        break;
      case "ASGI1R":
        // Group 1 of the other security state: Secure Group 1, which a GIC with DS = 1 treats
        // as Group 0 (as QEMU does).
        this.#gic.sendSgi(this.#cpu, value, GROUP0);
        break;
      default:
        throw new Error(`ICC_${reg}_EL1 is read-only: the PE must not write it`);
    }
    this.#gic.update();
  }

  /** ICC_IAR<group>: the interrupt that may preempt now, if it is of `group`, made active. */
  #acknowledge(group: number): number {
    const s = this.#s;
    const p = this.#gic.highestPending(this.#cpu);
    if (p === undefined || p.group !== group || !canSignal(s, p)) return INTID_SPURIOUS;
    activatePriority(s, p);
    this.#gic.activate(this.#cpu, p.id);
    this.#gic.update();
    return p.id;
  }

  /** ICC_HPPIR<group>: the highest pending interrupt whatever the masks, if it is of `group`. */
  #hppir(group: number): number {
    const p = this.#gic.highestPending(this.#cpu);
    return p === undefined || p.group !== group ? INTID_SPURIOUS : p.id;
  }

  /** ICC_EOIR<group>: priority drop of the highest active priority, then deactivation. */
  #endOfInterrupt(group: number, id: number): void {
    const s = this.#s, log = this.#gic.log;
    // Special INTIDs (1020-1023) are ignored; others out of range are a guest mistake.
    if (id >= this.#gic.numIrqs) {
      if (id < 1020 || id > 1023) log.guestError("gicv3-cpuif", `EOI of INTID ${id}`);
      return;
    }
    const g = highestActiveGroup(s);
    if (g !== group) {
      log.guestError(
        "gicv3-cpuif",
        g < 0
          ? `EOIR${group} of ${id} with no active priority`
          : `EOIR${group} of ${id} while the highest active priority is Group ${g}`,
      );
      return;
    }
    dropPriority(s, g);
    if (!(s.ctlr & CTLR_EOIMODE) && !this.#gic.deactivate(this.#cpu, id)) {
      log.guestError("gicv3-cpuif", `EOI of INTID ${id}, which is not active`);
    }
  }

  /** ICC_DIR: deactivation, meaningful with EOImode = 1 only. */
  #deactivate(id: number): void {
    const log = this.#gic.log;
    if (id >= this.#gic.numIrqs) {
      if (id < 1020 || id > 1023) log.guestError("gicv3-cpuif", `DIR of INTID ${id}`);
      return;
    }
    if (!(this.#s.ctlr & CTLR_EOIMODE)) {
      // UNPREDICTABLE in the architecture; ignored, as QEMU does.
      log.guestError("gicv3-cpuif", `DIR of ${id} with EOImode = 0 (ignored)`);
      return;
    }
    if (!this.#gic.deactivate(this.#cpu, id)) {
      log.guestError("gicv3-cpuif", `DIR of INTID ${id}, which is not active`);
    }
  }
}
