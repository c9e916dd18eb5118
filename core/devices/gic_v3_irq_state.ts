/**
 * Interrupt state of a GICv3 as plain typed arrays, shared by the distributor and redistributor
 * register rows and the CPU interface, and meant to be shared with a virtual GIC later: a vGIC
 * keeps the same `GicV3IrqState` per domain (vCPUs in place of PEs), serves the guest's GICD/GICR
 * accesses with the same row builders over a `GicV3Model` of its own, and fills list registers
 * from `bestPending()`. Nothing here knows about PEs, MMIO or signalling.
 *
 * Private interrupts (SGI 0-15, PPI 16-31) of PE `p` live in slots `p * 32 + id`; shared ones
 * (SPI 32+) follow all private banks.
 */
import type { DeviceLog } from "./register_rows.ts";

/** INTID returned when nothing can be acknowledged. */
export const INTID_SPURIOUS = 1023;
/** Interrupt groups as stored (GICD_CTLR.DS = 1: Group 0 and Non-secure Group 1). */
export const GROUP0 = 0;
export const GROUP1 = 1;

/** GICD_IROUTER.Interrupt_Routing_Mode: 1 of N (any participating PE). */
export const IROUTER_IRM = 0x8000_0000;

/** Per-interrupt state, by slot. */
export interface GicV3IrqState {
  enabled: Uint8Array;
  /** The pending latch (edge, software, SGI); a level interrupt is also pending while `level`. */
  latch: Uint8Array;
  /** Input line level (PPIs and SPIs). */
  level: Uint8Array;
  active: Uint8Array;
  /** GROUP0 or GROUP1. */
  group: Uint8Array;
  /** Priority, 8 bits as written (the CPU interface masks to its own priority bits). */
  priority: Uint8Array;
  /** 1 = edge-triggered, 0 = level-sensitive (SGIs are always edge). */
  edge: Uint8Array;
  /** GICD_IROUTER of each SPI by INTID: low word (IRM, Aff2.Aff1.Aff0) and Aff3. */
  routeLo: Uint32Array;
  routeHi: Uint8Array;
}

/** A pending interrupt offered to a CPU interface. */
export interface PendingIrq {
  id: number;
  priority: number;
  group: number;
}

/**
 * What register rows and CPU interfaces need from the GIC they belong to: the physical GICv3
 * (gic_v3.ts) is one; a virtual GICv3 of a domain would be another.
 */
export interface GicV3Model {
  readonly numCpus: number;
  /** Interrupt IDs implemented, including the 32 private ones. */
  readonly numIrqs: number;
  readonly irqs: GicV3IrqState;
  /** GICD_CTLR group enables: bit 0 EnableGrp0, bit 1 EnableGrp1. */
  dctlr: number;
  /** GICR_WAKER.ProcessorSleep of each redistributor (1 = asleep, forwards nothing). */
  readonly sleep: Uint8Array;
  /** Affinity of PE `cpu` as GICR_TYPER[63:32] has it: Aff3.Aff2.Aff1.Aff0. */
  affinity(cpu: number): number;
  /** Recomputes what the CPU interfaces signal after a state change. */
  update(): void;
  readonly log: DeviceLog;
}

/** Fresh reset state: everything disabled, Group 0, priority 0, level-sensitive, SGIs edge. */
export function newIrqState(numCpus: number, numIrqs: number): GicV3IrqState {
  const slots = numCpus * 32 + numIrqs - 32;
  const edge = new Uint8Array(slots);
  for (let c = 0; c < numCpus; c++) edge.fill(1, c * 32, c * 32 + 16);
  return {
    enabled: new Uint8Array(slots),
    latch: new Uint8Array(slots),
    level: new Uint8Array(slots),
    active: new Uint8Array(slots),
    group: new Uint8Array(slots),
    priority: new Uint8Array(slots),
    edge,
    routeLo: new Uint32Array(numIrqs),
    routeHi: new Uint8Array(numIrqs),
  };
}

/** Slot of interrupt `id` as seen by PE `cpu`. */
export function slotOf(numCpus: number, cpu: number, id: number): number {
  return id < 32 ? cpu * 32 + id : numCpus * 32 + id - 32;
}

/** True when slot `k` is pending: the latch, or a level-sensitive input held high. */
export function isPending(s: GicV3IrqState, k: number): boolean {
  return s.latch[k] === 1 || (s.edge[k] === 0 && s.level[k] === 1);
}

/** Drives the input line of slot `k`: a rising edge latches an edge-triggered interrupt. */
export function setInput(s: GicV3IrqState, k: number, level: boolean): boolean {
  const v = level ? 1 : 0;
  if (s.level[k] === v) return false;
  s.level[k] = v;
  if (v && s.edge[k]) s.latch[k] = 1;
  return true;
}

/**
 * True when slot `k` may be forwarded: pending, enabled, not active, and its group enabled in
 * GICD_CTLR (`dctlr`) and in the receiving CPU interface (`cpuGroups`, bit per group).
 */
export function isCandidate(
  s: GicV3IrqState,
  k: number,
  dctlr: number,
  cpuGroups: number,
): boolean {
  const g = 1 << s.group[k];
  return s.enabled[k] === 1 && s.active[k] === 0 && (dctlr & g) !== 0 &&
    (cpuGroups & g) !== 0 && isPending(s, k);
}

/**
 * The highest-priority candidate for PE `cpu` (lowest INTID on ties, as QEMU chooses): private
 * interrupts of `cpu`, then SPIs for which `routedHere(id)` holds.
 */
export function bestPending(
  m: GicV3Model,
  cpu: number,
  cpuGroups: number,
  routedHere: (id: number) => boolean,
): PendingIrq | undefined {
  const s = m.irqs;
  let best = -1, prio = 0x100, k = cpu * 32;
  for (let id = 0; id < 32; id++, k++) {
    if (s.priority[k] < prio && isCandidate(s, k, m.dctlr, cpuGroups)) {
      best = id;
      prio = s.priority[k];
    }
  }
  k = m.numCpus * 32;
  for (let id = 32; id < m.numIrqs; id++, k++) {
    if (s.priority[k] < prio && isCandidate(s, k, m.dctlr, cpuGroups) && routedHere(id)) {
      best = id;
      prio = s.priority[k];
    }
  }
  if (best < 0) return undefined;
  return { id: best, priority: prio, group: s.group[slotOf(m.numCpus, cpu, best)] };
}
