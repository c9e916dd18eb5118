/**
 * The cost model: cycles that hardware and hypervisor spend beyond the guest's own instructions
 * (which cost one cycle each). The run loop charges these at the points where Xen's real paths
 * run — a trap's entry and return, a hypercall's dispatch, an MMIO emulation, a physical
 * interrupt taken and turned into a virtual one, a list-register write, a scheduler decision, a
 * context switch — to the virtual time of the vcpu or pCPU that pays them, so every latency a
 * guest measures includes them.
 *
 * Defaults model a Cortex-A53 at 1.2 GHz with a GIC-400 (Xilinx ZynqMP, the board of the
 * published Xen figures in REFERENCE.md). Where a measurement exists the value comes from it;
 * the rest is calibrated so that the paths Xen really takes reproduce the published
 * timer-to-handler latencies (see docs/decisions/0011-cost-model.md for the arithmetic).
 */

/** Costs of one scheduler's operations, cycles. */
export interface SchedulerCosts {
  /** A vcpu becomes runnable: runqueue insert and the "tickle" choice of a pCPU. */
  wake: number;
  /** One scheduling decision (do_schedule): accounting, picking, arming the slice timer. */
  schedule: number;
}

/** Cycles per operation (plain data, so a lab can print, override and snapshot it). */
export interface CostModel {
  /**
   * Exception entry to EL2 and the return (ERET), with Xen's save and restore of the guest's
   * general registers. Dall et al. (ISCA 2016) measure a null hypercall round trip on Xen ARM at
   * 376 cycles; this is that minus `hypercallDispatch`.
   */
  trapRoundTrip: number;
  /** Decoding HVC #0xEA1 and calling the table's handler (the rest of Dall's 376). */
  hypercallDispatch: number;
  /**
   * A stage-2 data abort emulated in the hypervisor (ISS decode, handler lookup, the register
   * access): Dall et al.'s interrupt-controller trap (1,356 cycles) minus `trapRoundTrip`.
   */
  mmioEmulation: number;
  /** A trapped system-register access emulated (estimate: a table lookup and a register). */
  sysregEmulation: number;
  /** The GIC signalling a physical interrupt to the PE (distributor to CPU interface). */
  irqSignal: number;
  /** A PE leaving WFI when an interrupt arrives. */
  wfiWake: number;
  /** Acknowledge (GICC_IAR read) and priority drop (GICC_EOIR write) of a physical interrupt. */
  gicAckEoi: number;
  /** do_IRQ: from the interrupt number to its handler (descriptor, locks, action). */
  irqDispatch: number;
  /** vgic_inject_irq: a virtual interrupt made pending (rank lock, inflight list, kick). */
  vgicInject: number;
  /** Xen's timer softirq running an expired timer's callback (and re-arming the hyp timer). */
  timerSoftirq: number;
  /** One list register written on the way back to a guest. */
  lrWrite: number;
  /**
   * Entering an EL0 app from EL2 and coming back (the xen-devel 2017 proposal): two exception
   * transitions and a switch of the translation context (estimate: about a trap round trip
   * each way plus the context).
   */
  el0Switch: number;
  /** A broadcast TLB invalidation (TLBI ...IS): the DVM round to the other PEs. */
  tlbiBroadcast: number;
  /** Saving a vcpu's context when it leaves a pCPU (EL1 system registers, timer, vGIC, FP). */
  ctxSave: number;
  /**
   * Loading a vcpu's context on a pCPU: the restore half plus schedule_tail. Stabellini measured
   * schedule_tail at about 1,000 ns on the ZynqMP (xen-devel, Feb 2017).
   */
  ctxRestore: number;
  /** Per scheduler. */
  sched: Record<"credit" | "credit2" | "rtds" | "arinc653" | "null", SchedulerCosts>;
  /**
   * How much slower Xen's own code paths are in a debug build (assertions, lock checks); applied
   * to the software costs, not to the hardware ones (`irqSignal`, `wfiWake`, `gicAckEoi`,
   * `lrWrite`, `tlbiBroadcast`).
   */
  debugFactor: number;
}

/** The defaults (see the field comments and decision 0011 for where each comes from). */
export const DEFAULT_COSTS: Readonly<CostModel> = Object.freeze({
  trapRoundTrip: 300,
  hypercallDispatch: 76,
  mmioEmulation: 1056,
  sysregEmulation: 200,
  irqSignal: 150,
  wfiWake: 50,
  gicAckEoi: 250,
  irqDispatch: 450,
  vgicInject: 900,
  timerSoftirq: 500,
  lrWrite: 100,
  el0Switch: 1000,
  tlbiBroadcast: 200,
  ctxSave: 900,
  ctxRestore: 1200,
  sched: Object.freeze({
    credit: Object.freeze({ wake: 720, schedule: 1200 }),
    credit2: Object.freeze({ wake: 4400, schedule: 1400 }),
    // No published figures: estimates from the code paths (EDF queue insert and replenishment
    // for RTDS, a table walk for ARINC 653, nothing to choose for null).
    rtds: Object.freeze({ wake: 900, schedule: 1400 }),
    arinc653: Object.freeze({ wake: 150, schedule: 500 }),
    null: Object.freeze({ wake: 150, schedule: 200 }),
  }),
  debugFactor: 1.15,
}) as CostModel;

/** Overrides of a lab: any field, schedulers per field. */
export type CostOverrides = Partial<Omit<CostModel, "sched">> & {
  sched?: Partial<Record<keyof CostModel["sched"], Partial<SchedulerCosts>>>;
};

const HARDWARE: ReadonlySet<string> = new Set([
  "irqSignal",
  "wfiWake",
  "gicAckEoi",
  "lrWrite",
  "tlbiBroadcast",
]);

function checkCycles(what: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0 || v > 1e9) {
    throw new Error(`cost model: ${what} = ${String(v)} is not a cycle count in [0, 1e9]`);
  }
  return v;
}

/**
 * The costs a hypervisor uses: defaults, then `overrides`; with `xenDebug` the software costs are
 * scaled by `debugFactor` and rounded to whole cycles. Throws naming any unknown or bad field.
 */
export function resolveCosts(overrides: CostOverrides = {}, xenDebug = false): CostModel {
  const out = structuredClone(DEFAULT_COSTS) as CostModel;
  for (const [k, v] of Object.entries(overrides)) {
    if (!(k in out)) throw new Error(`cost model: unknown cost "${k}"`);
    if (k === "sched") continue;
    (out as unknown as Record<string, number>)[k] = checkCycles(k, v);
  }
  for (const [name, s] of Object.entries(overrides.sched ?? {})) {
    const target = (out.sched as Record<string, SchedulerCosts>)[name];
    if (target === undefined) throw new Error(`cost model: unknown scheduler "${name}"`);
    for (const [k, v] of Object.entries(s ?? {})) {
      if (k !== "wake" && k !== "schedule") {
        throw new Error(`cost model: unknown cost "sched.${name}.${k}"`);
      }
      target[k] = checkCycles(`sched.${name}.${k}`, v);
    }
  }
  if (out.debugFactor < 1 || out.debugFactor > 10) {
    throw new Error(`cost model: debugFactor ${out.debugFactor} outside [1, 10]`);
  }
  if (!xenDebug) return out;
  const f = out.debugFactor;
  const scaled = out as unknown as Record<string, number>;
  for (const k of Object.keys(out)) {
    if (k !== "sched" && k !== "debugFactor" && !HARDWARE.has(k)) {
      scaled[k] = Math.round(scaled[k] * f);
    }
  }
  for (const s of Object.values(out.sched)) {
    s.wake = Math.round(s.wake * f);
    s.schedule = Math.round(s.schedule * f);
  }
  return out;
}
