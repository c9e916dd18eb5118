/**
 * The hypervisor: machine memory and frames, domains and their vcpus, physical CPUs with a
 * deterministic time line, the hypercall table, and the run loop that plays EL2 — it runs a
 * vcpu's PE until an exit and handles the exit by class (hypercall, SMCCC/PSCI, WFI/WFE, stage-2
 * abort, trapped system register), like Xen's leave/enter-hypervisor paths.
 */
import { Cpu } from "../cpu/cpu.ts";
import { a64Decoder } from "../cpu/decode/table.ts";
import type { Decoder } from "../cpu/decode/decoder.ts";
import { CodeCache } from "../cpu/engine/code_cache.ts";
import type { MmioDevice } from "../mem/mmio_bus.ts";
import { PAGE_SIZE, PhysMemory } from "../mem/phys_memory.ts";
import { type ClockConfig, VirtualClock } from "../time/virtual_clock.ts";
import { EventQueue, type EventQueueState } from "../time/event_queue.ts";
import { ConsoleSink } from "./console/console_sink.ts";
import { Domain, SHUTDOWN_REASONS, type ShutdownReason } from "./domain.ts";
import { standardHypercalls, type StandardTableHost } from "./hypercall/standard_table.ts";
import type { HypercallContext, HypercallTable } from "./hypercall/table.ts";
import { EvtchnHub } from "./evtchn/hub.ts";
import { GrantOps } from "./grant/grant_ops.ts";
import { Xenstored } from "./xenstore/xenstored.ts";
import { vcpu_runstate_info } from "./abi/vcpu.ts";
import { XEN_EINVAL } from "./abi/errno.ts";
import { XenError } from "./xen_error.ts";
import { MachineFrames } from "./machine_frames.ts";
import { P2M_RW, P2M_TYPE } from "./p2m.ts";
import { Pcpu } from "./pcpu.ts";
import type { HvLogEntry, HypervisorServices, XenVersionInfo } from "./services.ts";
import { guestHcr, RUNSTATE_OF, Vcpu, vcpuMpidr } from "./vcpu.ts";
import { type VsmcccHost } from "./vsmccc.ts";
import { EXIT_HANDLERS } from "./traps/exit_handlers.ts";
import type { ExitHost } from "./traps/exit_host.ts";
import type { XenDomainRuntime } from "./domain_runtime.ts";
import { type HookEvents, type HookKind, Hooks, type IrqHookEvent } from "./hooks.ts";
import { type CostModel, type CostOverrides, resolveCosts } from "./cost_model.ts";
import type { Exit } from "../cpu/exit.ts";
import { CpuPools } from "./sched/cpupool.ts";
import { type Arinc653Schedule, Arinc653Scheduler } from "./sched/arinc653.ts";
import { waitingForIoreq } from "./ioreq/ioreq_wait.ts";
import {
  type Scheduler,
  type SchedulerName,
  type SchedulerOptions,
  type SchedUnit,
} from "./sched/scheduler.ts";
import { type SchedWhat, Timeline } from "./timeline.ts";

/** Hypervisor configuration (plain data). */
export interface HypervisorConfig extends ClockConfig {
  /** Physical CPUs (default 2). */
  pcpus?: number;
  /** Machine RAM for domains and the hypervisor's pages, bytes (default 8 GiB, sparse). */
  machineRam?: number;
  /** Cycles of one lockstep round of the physical CPUs (default 20,000). */
  quantumCycles?: number;
  /** WFI/WFE from guests: trapped (Xen's default) or executed natively. */
  vwfi?: "trap" | "native";
  /** What xen_version reports (default 4.17, extra ".7" as Debian's Xen 4.17). */
  version?: XenVersionInfo;
  /** Overrides of the cost model's defaults (core/hyp/cost_model.ts). */
  costs?: CostOverrides;
  /** Model a Xen debug build: the software costs scaled by the cost model's `debugFactor`. */
  xenDebug?: boolean;
  /** The scheduler of Pool-0 (Xen's `sched=`; default credit2, as Xen 4.17). */
  scheduler?: SchedulerName;
  /** Its boot options (`sched_ratelimit_us`, `sched_credit_tslice_ms`). */
  schedOptions?: SchedulerOptions;
}

/**
 * A measurement of guest accesses to one MMIO window of one domain: each sample is the virtual
 * time from the access's trap to the vcpu running again past it, whatever served it (the
 * hypervisor, an EL0 app, a device model in another domain). A measuring tool, not machine
 * state: snapshots do not keep it.
 */
export interface MmioProbe {
  domid: number;
  base: number;
  size: number;
  samplesNs: number[];
}

/** Why `run()` returned. */
export type HvStopReason =
  /** Every domain has shut down. */
  | "all-shutdown"
  /** The virtual-time limit was reached. */
  | "limit"
  /** The `until` predicate became true. */
  | "until"
  /** Nothing can run and nothing can wake anything. */
  | "idle-forever"
  /** A debugger breakpoint, watchpoint or step stopped a vcpu (see `stoppedVcpu`). */
  | "debug"
  /** `requestStop()` was called. */
  | "stopped"
  /** The hypervisor panicked (see `panicked`): the machine is stopped for good. */
  | "panic";

/** Options of one `run()`. */
export interface HvRunOptions {
  /** Stop after this many cycles of virtual time from now. */
  maxCycles?: number;
  /** Checked after every round (and whenever a console writes). */
  until?: () => boolean;
}

/** The run loop's own state in a snapshot. */
export interface HvCoreState {
  t: number;
  nextDomid: number;
  pcpus: {
    now: number;
    idleCycles: number;
    /** Absent in snapshots from before the cost model. */
    hypCycles?: number;
    /** The vcpu whose context the PE holds, as [domid, vcpu], or null. */
    loaded?: [number, number] | null;
    /** The scheduler's choice, as [domid, vcpu], or null (absent before schedulers). */
    curr?: [number, number] | null;
    /** Slice end in cycles, -1 for none. */
    sliceEnd?: number;
    resched?: boolean;
    vcpus: [number, number][];
  }[];
  /** The cpupools and their schedulers' state (absent before schedulers: they start afresh). */
  pools?: unknown;
  /** Each vcpu's affinity as [domid, vcpu, hard, soft]. */
  affinity?: [number, number, number[] | null, number[] | null][];
  /** Interrupts a hook delayed, from snapshots made before the event queue (converted). */
  delayedIrqs?: { atNs: number; domid: number; vcpu: number | null; intid: number }[];
  /** The machine's event queue (absent in older snapshots). */
  events?: EventQueueState;
  /** Physical SPI routes as [spi, domid, vspi]. */
  spiRoutes: [number, number, number][];
  /** Set once the hypervisor panicked (absent in older snapshots). */
  panicked?: { reason: string; atNs: number } | null;
  log: HvLogEntry[];
}

/** Machine address of the GIC virtual CPU interface (GICV) window, as on QEMU virt. */
export const MACHINE_GICV_BASE = 0x0804_0000;
const GICV_SIZE = 0x2000;
/** Machine RAM base (domains' frames come from here). */
export const MACHINE_RAM_BASE = 0x4000_0000;

/** The hypervisor. */
export class Hypervisor implements HypervisorServices, VsmcccHost, StandardTableHost {
  readonly mem: PhysMemory = new PhysMemory();
  readonly frames: MachineFrames;
  readonly code: CodeCache = new CodeCache();
  readonly decoder: Decoder = a64Decoder();
  readonly clock: VirtualClock;
  readonly pcpus: Pcpu[];
  readonly domains = new Map<number, Domain>();
  readonly runtimes = new Map<number, XenDomainRuntime>();
  readonly consoles = new Map<number, ConsoleSink>();
  readonly version: XenVersionInfo;
  readonly vwfi: "trap" | "native";
  /** The hypervisor log (Xen's console ring). */
  readonly logEntries: HvLogEntry[] = [];
  /** Handlers on the trap paths: see `on`. */
  readonly hooks: Hooks = new Hooks();
  /**
   * The machine's timed events, in cycles (plain data, so it snapshots): interrupts a hook
   * delayed, delivered at the first round boundary at or after their time. The PEs' own timers
   * stay in the PEs, compared where the hardware compares them.
   */
  readonly events: EventQueue = new EventQueue();
  /** Physical SPIs passed through to domains. */
  readonly #spiRoutes = new Map<number, { domid: number; vspi: number }>();
  /** The vcpu a debugger event stopped, after a "debug" stop. */
  stoppedVcpu: Vcpu | null = null;
  /**
   * Why and when the hypervisor panicked (a fault in its own code, such as a device model it
   * runs), or null. A panicked machine does not run again.
   */
  panicked: { reason: string; atNs: number } | null = null;
  /** Set to time accesses to an MMIO window (see MmioProbe); null when off. */
  mmioProbe: MmioProbe | null = null;
  /** Probed accesses in flight: the vcpu, its PC at the trap and the trap's time (cycles). */
  readonly #probing = new Map<Vcpu, { pc: bigint; at: number }>();
  readonly table: HypercallTable;
  /** Every domain's event channels, for interdomain binding. */
  readonly evtchnHub: EvtchnHub = new EvtchnHub();
  /** The xenstore daemon (dom0's, running inside the hypervisor). */
  readonly xenstore: Xenstored;
  readonly grantOps: GrantOps;
  readonly #quantum: number;
  readonly #exitHost: ExitHost;
  /** Cycles per hardware and hypervisor operation (defaults plus the configured overrides). */
  readonly costs: CostModel;
  /** The pCPU the run loop is working on: the cost model's charges go to its time. */
  #payer: Pcpu | null = null;
  /** The cpupools: each a set of pCPUs with its own scheduler; domains start in Pool-0. */
  readonly pools: CpuPools;
  /** The run's timeline (off until `timeline.enabled` is set): slices, interrupts, decisions. */
  readonly timeline: Timeline = new Timeline();
  /** The configuration this hypervisor was made with, defaults filled in. */
  readonly config: Required<Omit<HypervisorConfig, "cpuHz" | "counterHz">> & {
    cpuHz: number;
    counterHz: number;
  };
  /** Start of the current round (cycles). */
  #t = 0;
  #stop = false;
  /** Domain 0 is the hypervisor's own back ends (dom0's role); guests start at 1, as on Xen. */
  #nextDomid = 1;
  #until: (() => boolean) | undefined;

  constructor(config: HypervisorConfig = {}) {
    const n = config.pcpus ?? 2;
    if (!Number.isInteger(n) || n < 1 || n > 64) throw new Error(`hypervisor: pcpus ${n}`);
    this.pcpus = Array.from({ length: n }, (_, i) => new Pcpu(i));
    this.clock = new VirtualClock(() => this.#t, config);
    const ram = config.machineRam ?? 8 * 2 ** 30;
    this.mem.addRam("machine", MACHINE_RAM_BASE, ram);
    this.frames = new MachineFrames(this.mem, MACHINE_RAM_BASE, ram);
    this.#quantum = config.quantumCycles ?? 20_000;
    this.vwfi = config.vwfi ?? "trap";
    this.version = config.version ?? { major: 4, minor: 17, extra: ".7" };
    this.costs = resolveCosts(config.costs, config.xenDebug ?? false);
    this.pools = new CpuPools(n, config.scheduler ?? "credit2", config.schedOptions);
    this.config = {
      pcpus: n,
      machineRam: ram,
      quantumCycles: this.#quantum,
      vwfi: this.vwfi,
      version: this.version,
      costs: structuredClone(config.costs ?? {}),
      xenDebug: config.xenDebug ?? false,
      scheduler: this.scheduler.name,
      schedOptions: { ...this.scheduler.options },
      cpuHz: this.clock.cpuHz,
      counterHz: this.clock.counterHz,
    };
    this.xenstore = new Xenstored({ log: (line) => this.log(null, "info", `xenstored: ${line}`) });
    this.grantOps = new GrantOps((id) => this.domains.get(id));
    this.table = standardHypercalls(this);
    this.#exitHost = this.#makeExitHost();
  }

  // ------------------------------------------------------------------ table hosts

  vcpuInfoMoved(v: Vcpu): void {
    this.runtimes.get(v.domainId)?.vcpuInfoMoved(v);
  }

  /** Writes `v`'s vcpu_runstate_info to its registered area (silently skipped if unmapped). */
  updateRunstateArea(v: Vcpu): void {
    if (v.runstateArea === null) return;
    const r = v.runstate, now = this.nowNs();
    const dv = new DataView(new ArrayBuffer(vcpu_runstate_info.size));
    const idx = RUNSTATE_OF[r.state];
    dv.setInt32(0, idx, true);
    dv.setBigUint64(8, BigInt(r.entryNs), true);
    r.timeNs.forEach((t, i) => {
      const extra = i === idx ? Math.max(0, now - r.entryNs) : 0;
      dv.setBigUint64(16 + 8 * i, BigInt(Math.floor(t + extra)), true);
    });
    try {
      v.guest.writeStruct(v.runstateArea, dv);
    } catch (e) {
      if (!(e instanceof XenError)) throw e;
    }
  }

  portPending(ctx: HypercallContext, port: number): boolean {
    if (ctx.domain.evtchn.channel(port) === undefined) {
      throw new XenError(XEN_EINVAL, `poll on port ${port}`);
    }
    return ctx.domain.evtchn.isPending(port);
  }

  // ------------------------------------------------------------------ services

  /** A domain by id. */
  domain(id: number): Domain | undefined {
    return this.domains.get(id);
  }

  /**
   * Virtual time (ns): the running vcpu's clock, else the time of the pCPU the run loop is
   * working on, else the current round's start.
   */
  nowNs(): number {
    return this.cyclesToNs(this.#nowCycles());
  }

  #nowCycles(): number {
    const v = this.#current;
    if (v !== null) return v.cpu.retired + v.timeBase;
    return this.#payer?.now ?? this.#t;
  }

  /** Converts cycles to ns of virtual time. */
  cyclesToNs(cycles: number): number {
    return Math.floor(cycles * 1e9 / this.clock.cpuHz);
  }

  /** Converts ns of virtual time to cycles. */
  nsToCycles(ns: number): number {
    return Math.ceil(ns * this.clock.cpuHz / 1e9);
  }

  /**
   * Charges `cycles` of hardware or hypervisor work to the pCPU the run loop is working on and
   * to the vcpu running there, whose guest-visible time moves on by as much. Outside a run (the
   * REPL injecting an interrupt) nothing pays.
   */
  #charge(cycles: number, what: string, subject: Vcpu | null = null): void {
    const p = this.#payer;
    if (p === null || cycles <= 0) return;
    const start = p.now;
    p.now += cycles;
    const v = p.current;
    if (v === null) p.hypCycles += cycles;
    else {
      v.timeBase += cycles;
      v.hypCycles += cycles;
    }
    const on = v ?? subject;
    if (this.timeline.enabled && on !== null) {
      this.timeline.record({
        kind: "hyp",
        pcpu: p.id,
        domid: on.domainId,
        vcpu: on.id,
        startNs: this.cyclesToNs(start),
        endNs: this.cyclesToNs(p.now),
        what,
      });
    }
  }

  /** Records scheduler event `what` about `v` on `p` (when the timeline is on). */
  #schedEvent(p: Pcpu, what: SchedWhat, v: Vcpu): void {
    if (!this.timeline.enabled) return;
    this.timeline.record({
      kind: "sched",
      atNs: this.cyclesToNs(p.now),
      pcpu: p.id,
      what,
      domid: v.domainId,
      vcpu: v.id,
    });
  }

  /**
   * Charges `cycles` of hypervisor-side work (a device model's, an EL0 app's) to the vcpu being
   * served: its time and its accounting, as `#charge` does for the run loop's own paths.
   */
  charge(cycles: number, what: string): void {
    if (!Number.isFinite(cycles) || cycles < 0) throw new Error(`charge: bad cycles ${cycles}`);
    this.#charge(cycles, what);
  }

  /**
   * A fault in the hypervisor's own code: Xen prints the reason and stops the machine. Every
   * domain is gone with it; `run()` returns "panic" from now on.
   */
  panic(reason: string): void {
    if (this.panicked !== null) return;
    this.panicked = { reason, atNs: this.nowNs() };
    this.log(null, "warn", `PANIC: ${reason}`);
    this.requestStop();
  }

  /** A physical interrupt taken to EL2 and dispatched (before what its handler does). */
  get #irqEntryCost(): number {
    const c = this.costs;
    return c.irqSignal + c.trapRoundTrip + c.gicAckEoi + c.irqDispatch;
  }

  /** What a trapping exit costs before its handler's effects (0 for exits that are no trap). */
  #trapCost(x: Exit): number {
    const c = this.costs;
    switch (x.kind) {
      case "hvc":
      case "smc":
        return c.trapRoundTrip + c.hypercallDispatch;
      case "dabt":
        return c.trapRoundTrip + c.mmioEmulation;
      case "sysreg":
        return c.trapRoundTrip + c.sysregEmulation;
      case "iabt":
        return c.trapRoundTrip;
      case "wfi":
      case "wfe":
        return x.esr === 0 ? 0 : c.trapRoundTrip;
      default:
        return 0;
    }
  }

  /** Makes `v` (or the idle context, null) the context `p` holds: a world switch if it changes. */
  #switchTo(p: Pcpu, v: Vcpu | null): void {
    if (p.loaded === v) return;
    const c = this.costs;
    const cost = (p.loaded === null ? 0 : c.ctxSave) + (v === null ? 0 : c.ctxRestore);
    this.#charge(cost, "ctxsw", v ?? p.loaded);
    p.loaded = v;
  }

  log(domain: Domain | null, level: HvLogEntry["level"], msg: string): void {
    this.logEntries.push({ t: this.nowNs(), domain: domain?.id ?? null, level, msg });
    if (this.logEntries.length > 10_000) this.logEntries.splice(0, 1_000);
  }

  /** The console of domain `id` (created on first use). */
  console(id: number): ConsoleSink {
    let c = this.consoles.get(id);
    if (!c) {
      c = new ConsoleSink(`d${id}`);
      c.listeners.push(() => {
        if (this.#until?.()) this.requestStop();
      });
      this.consoles.set(id, c);
    }
    return c;
  }

  consoleWrite(domain: Domain, bytes: Uint8Array): void {
    this.console(domain.id).write(bytes);
  }

  shutdown(domain: Domain, reason: ShutdownReason): void {
    if (!domain.alive) return;
    domain.state = "shutdown";
    // A code set earlier with SCHEDOP_shutdown_code wins, as in Xen's domain_shutdown.
    domain.shutdownReason = domain.shutdownCode === null
      ? reason
      : SHUTDOWN_REASONS[domain.shutdownCode] ?? "crash";
    const now = this.nowNs();
    for (const v of domain.vcpus) {
      v.setState("offline", now);
      this.#schedSleep(v);
      v.cpu.requestStop();
    }
    this.log(domain, "info", `domain ${domain.id} shut down: ${reason}`);
  }

  block(v: Vcpu): void {
    // The trap's cost may have carried the vcpu past its timer's deadline: raise it first.
    v.cpu.timer.update();
    // A vcpu waiting for its device model blocks whatever else is pending (Xen's wait_for_io).
    const waiting = waitingForIoreq(this.domains.get(v.domainId), v);
    if (!waiting && this.runtimes.get(v.domainId)?.hasWork(v)) return;
    v.setState("blocked", this.nowNs());
    this.#schedSleep(v);
    v.cpu.requestStop();
  }

  yieldVcpu(v: Vcpu): void {
    v.yielded = true;
    this.schedulerOfDomain(v.domainId).yield(v.unit);
    const p = this.pcpus[v.pcpu];
    if (p.curr === v) p.resched = true;
    this.#schedEvent(p, "yield", v);
    v.cpu.requestStop();
  }

  wake(v: Vcpu): void {
    if (v.runstate.state !== "blocked") return;
    if (waitingForIoreq(this.domains.get(v.domainId), v)) return;
    v.pollPorts = null;
    v.pollTimeoutNs = null;
    v.setState("runnable", this.nowNs());
    this.#schedWake(v);
  }

  /**
   * `v` became runnable: it cannot start before this moment; the scheduler queues it (paid by
   * whoever does the waking) and may tickle pCPUs to decide again at once.
   */
  #schedWake(v: Vcpu): void {
    if (!this.#runnable(v)) return;
    v.timeBase = Math.max(v.timeBase, this.#nowCycles() - v.cpu.retired);
    const s = this.schedulerOfDomain(v.domainId);
    this.#charge(this.costs.sched[s.name].wake, `sched:${s.name}:wake`, v);
    this.#schedEvent(this.pcpus[v.pcpu], "wake", v);
    this.#tickle(s.wake(v.unit, this.nowNs()), v);
  }

  /**
   * Makes pCPUs `ids` decide again at once, stopping what runs there (a scheduler's tickle);
   * the timeline records it against `about` when given.
   */
  #tickle(ids: Iterable<number>, about: Vcpu | null = null): void {
    for (const i of ids) {
      const p = this.pcpus[i];
      p.resched = true;
      p.current?.cpu.requestStop();
      if (about !== null) this.#schedEvent(p, "tickle", about);
    }
  }

  /** `v` stopped being runnable: the scheduler drops it; its pCPU decides again if it ran it. */
  #schedSleep(v: Vcpu): void {
    this.schedulerOfDomain(v.domainId).sleep(v.unit, this.nowNs());
    for (const p of this.pcpus) {
      if (p.curr === v) {
        p.resched = true;
        this.#schedEvent(p, "block", v);
      }
    }
  }

  /** Pauses every vcpu of `d` (xl pause): they keep their state but are not scheduled. */
  pauseDomain(d: Domain): void {
    d.state = "paused";
    for (const v of d.vcpus) {
      v.paused = true;
      this.#schedSleep(v);
      v.cpu.requestStop();
    }
  }

  /** Undoes `pauseDomain`. */
  unpauseDomain(d: Domain): void {
    d.state = "running";
    for (const v of d.vcpus) {
      v.paused = false;
      this.#schedWake(v);
    }
  }

  /**
   * Sets `v`'s hard affinity (the pCPUs it may run on; null = any) and soft affinity (preferred;
   * null = none), as xl vcpu-pin does; the scheduler moves it at its next decision.
   */
  setAffinity(v: Vcpu, hard: number[] | null, soft: number[] | null = v.unit.soft): void {
    const check = (set: number[] | null, what: string) => {
      if (set === null) return null;
      if (set.length === 0) {
        throw new Error(`${what} affinity of vcpu ${v.domainId}.${v.id} is empty`);
      }
      for (const c of set) {
        if (!Number.isInteger(c) || c < 0 || c >= this.pcpus.length) {
          throw new Error(`${what} affinity: no pCPU ${c} (there are ${this.pcpus.length})`);
        }
      }
      return [...new Set(set)].sort((a, b) => a - b);
    };
    const h = check(hard, "hard"), so = check(soft, "soft");
    v.unit.hard = h;
    v.unit.soft = so;
    this.#tickle(this.schedulerOfDomain(v.domainId).affinityChanged(v.unit, this.nowNs()));
    // Xen's vcpu_set_affinity migrates a running vcpu: it leaves its pCPU and is woken again,
    // so the wake places it by the new hard and soft affinity (between runs only).
    const on = this.#payer === null ? this.pcpus.find((q) => q.curr === v) : undefined;
    if (on !== undefined) {
      this.#idleOut(on);
      on.resched = true;
    }
  }

  /**
   * Adds a hook on a trap path ("hypercall", "mmio", "sysreg", "wfi", "irq", "fault"); returns a
   * function that removes it. See core/hyp/hooks.ts for what each event lets a handler change.
   *
   * @example
   * hv.on("hypercall", (e) => { if (e.name === "grant_table_op/map_grant_ref") e.refuse = 12; });
   */
  on<K extends HookKind>(kind: K, handler: (e: HookEvents[K]) => void): () => void {
    return this.hooks.on(kind, handler);
  }

  /**
   * Makes interrupt `intid` pending in domain `domid` (on `vcpu`, or an SPI with null), through
   * the "irq" hooks as every virtual interrupt goes; says whether a hook dropped or delayed it.
   */
  injectIrq(
    domid: number,
    vcpu: number | null,
    intid: number,
  ): "delivered" | "dropped" | "delayed" {
    const d = this.domains.get(domid), rt = this.runtimes.get(domid);
    if (d === undefined || rt === undefined) throw new Error(`no domain ${domid}`);
    if (vcpu !== null && d.vcpus[vcpu] === undefined) {
      throw new Error(`domain ${domid} has no vcpu ${vcpu}`);
    }
    if (this.hooks.has("irq")) {
      const e: IrqHookEvent = { domain: d, vcpu, intid };
      this.hooks.emit("irq", e);
      if (e.drop) return "dropped";
      if (e.delayNs !== undefined && e.delayNs > 0) {
        const at = this.nsToCycles(this.nowNs() + e.delayNs);
        this.events.schedule(at, "irq", irqTarget(domid, vcpu, intid));
        return "delayed";
      }
    }
    rt.vgic.inject(vcpu, intid);
    this.#charge(this.costs.vgicInject, `vgic:${intid}`);
    if (this.timeline.enabled) {
      this.timeline.record({
        kind: "irq",
        atNs: this.nowNs(),
        domid,
        vcpu,
        intid,
        outcome: "delivered",
      });
    }
    return "delivered";
  }

  /**
   * Routes physical SPI `spi` to domain `domid` as its SPI `vspi` (default the same number), as
   * xl.cfg's `irqs = [...]` passes a device interrupt through; null removes the route.
   */
  routeSpi(spi: number, route: { domid: number; vspi?: number } | null): void {
    if (!Number.isInteger(spi) || spi < 32 || spi > 1019) throw new Error(`not an SPI: ${spi}`);
    if (route === null) {
      this.#spiRoutes.delete(spi);
      return;
    }
    const d = this.domains.get(route.domid);
    if (d === undefined) throw new Error(`no domain ${route.domid}`);
    this.#spiRoutes.set(spi, { domid: route.domid, vspi: route.vspi ?? spi });
  }

  /**
   * A physical SPI fired: the hypervisor hands it to the domain it is routed to (through the
   * "irq" hooks); an unrouted one is logged, as Xen logs an interrupt nobody owns.
   */
  injectPhysicalSpi(spi: number): "delivered" | "dropped" | "delayed" | "unrouted" {
    const r = this.#spiRoutes.get(spi);
    if (r === undefined || !this.domains.get(r.domid)?.alive) {
      this.log(null, "warn", `physical SPI ${spi} is routed to no running domain`);
      return "unrouted";
    }
    return this.injectIrq(r.domid, null, r.vspi);
  }

  /** Runs the events that are due at the round's start (delayed interrupts). */
  #runDueEvents(): void {
    for (let e = this.events.popDue(this.#t); e !== undefined; e = this.events.popDue(this.#t)) {
      if (e.kind === "tick") {
        const { domid } = parseTickTarget(e.target);
        // The RTC is the one device with deadlines (its alarm).
        this.runtimes.get(domid)?.backends.rtc?.tick(this.cyclesToNs(this.#t));
        continue;
      }
      if (e.kind !== "irq") throw new Error(`hypervisor: unknown event ${e.kind}/${e.target}`);
      const { domid, vcpu, intid } = parseIrqTarget(e.target);
      if (this.domains.get(domid)?.alive) this.runtimes.get(domid)?.vgic.inject(vcpu, intid);
    }
  }

  /**
   * (Re)schedules domain `domid`'s device `device` to be ticked at virtual `atNs` (undefined:
   * no deadline), in the machine's event queue.
   */
  scheduleDeviceTick(domid: number, device: string, atNs: number | undefined): void {
    const target = `d${domid}/${device}`;
    this.events.cancel("tick", target);
    if (atNs !== undefined && Number.isFinite(atNs)) {
      this.events.schedule(this.nsToCycles(atNs), "tick", target);
    }
  }

  /** Asks `run()` to return at the next opportunity. */
  requestStop(): void {
    this.#stop = true;
    this.#current?.cpu.requestStop();
  }

  // ------------------------------------------------------------------ snapshots

  /** The run loop's own state (time, domain ids, pCPUs, delayed interrupts) as plain data. */
  saveCore(): HvCoreState {
    return {
      t: this.#t,
      nextDomid: this.#nextDomid,
      pcpus: this.pcpus.map((p) => ({
        now: p.now,
        idleCycles: p.idleCycles,
        hypCycles: p.hypCycles,
        loaded: p.loaded === null ? null : [p.loaded.domainId, p.loaded.id],
        curr: p.curr === null ? null : [p.curr.domainId, p.curr.id],
        sliceEnd: p.sliceEnd === Infinity ? -1 : p.sliceEnd,
        resched: p.resched,
        vcpus: p.vcpus.map((v) => [v.domainId, v.id] as [number, number]),
      })),
      pools: this.pools.save(),
      affinity: [...this.domains.values()].flatMap((d) =>
        d.vcpus.map((v) =>
          [d.id, v.id, v.unit.hard && [...v.unit.hard], v.unit.soft && [...v.unit.soft]] as [
            number,
            number,
            number[] | null,
            number[] | null,
          ]
        )
      ),
      events: this.events.save(),
      spiRoutes: [...this.#spiRoutes].map(([spi, r]) => [spi, r.domid, r.vspi]),
      panicked: this.panicked === null ? null : { ...this.panicked },
      log: this.logEntries.map((e) => ({ ...e })),
    };
  }

  /**
   * Restores `saveCore()` output once the domains and vcpus exist again (their processors,
   * affinities and the scheduler's state come back from it). Validates everything first.
   */
  restoreCore(s: HvCoreState): void {
    const num = (v: unknown, what: string) => {
      if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
        throw new Error(`snapshot: hypervisor ${what} ${String(v)}`);
      }
      return v;
    };
    num(s.t, "time");
    num(s.nextDomid, "next domain id");
    if (!Array.isArray(s.pcpus) || s.pcpus.length !== this.pcpus.length) {
      throw new Error(
        `snapshot: ${s.pcpus?.length} pCPUs saved, this hypervisor has ${this.pcpus.length}`,
      );
    }
    const vcpuOf = (domid: number, id: number, where: string) => {
      const v = this.domains.get(domid)?.vcpus[id];
      if (v === undefined) throw new Error(`snapshot: ${where} missing vcpu d${domid}v${id}`);
      return v;
    };
    const ref = (x: [number, number] | null | undefined, where: string) => {
      if (x === undefined || x === null) return null;
      if (!Array.isArray(x) || x.length !== 2) {
        throw new Error(`snapshot: ${where} ${JSON.stringify(x)}`);
      }
      return vcpuOf(x[0], x[1], where);
    };
    const loaded = s.pcpus.map((p, i) => ref(p.loaded, `pcpu ${i} holds`));
    const curr = s.pcpus.map((p, i) => ref(p.curr, `pcpu ${i} runs`));
    const affinity = (s.affinity ?? []).map(([domid, id, hard, soft], i) => {
      const set = (x: unknown, what: string) => {
        if (x === null) return null;
        if (
          !Array.isArray(x) || x.length === 0 ||
          !x.every((c) => Number.isInteger(c) && c >= 0 && c < this.pcpus.length)
        ) throw new Error(`snapshot: affinity ${i} ${what} ${JSON.stringify(x)}`);
        return x as number[];
      };
      return {
        v: vcpuOf(domid, id, `affinity ${i} of`),
        hard: set(hard, "hard"),
        soft: set(soft, "soft"),
      };
    });
    const placed = s.pcpus.map((p, i) => {
      num(p.now, `pcpu ${i} time`);
      num(p.idleCycles, `pcpu ${i} idle cycles`);
      num(p.hypCycles ?? 0, `pcpu ${i} hypervisor cycles`);
      if (p.sliceEnd !== undefined && p.sliceEnd !== -1) num(p.sliceEnd, `pcpu ${i} slice end`);
      return p.vcpus.map(([domid, id]) => vcpuOf(domid, id, `pcpu ${i} runs`));
    });
    if (
      !Array.isArray(s.spiRoutes) ||
      !s.spiRoutes.every((r) =>
        Array.isArray(r) && r.length === 3 && r.every((x) => Number.isInteger(x) && x >= 0)
      )
    ) {
      throw new Error(`snapshot: hypervisor SPI routes ${JSON.stringify(s.spiRoutes)}`);
    }
    for (const e of s.events?.heap ?? []) {
      if (e?.kind === "tick") parseTickTarget(e.target);
      else if (e?.kind === "irq") parseIrqTarget(e.target);
      else throw new Error(`snapshot: unknown event kind ${String(e?.kind)}`);
    }
    for (const a of affinity) {
      a.v.unit.hard = a.hard;
      a.v.unit.soft = a.soft;
    }
    if (s.pools !== undefined) {
      this.pools.restore(s.pools, (_id, sched, inPool) => {
        for (const d of this.domains.values()) {
          if (inPool(d.id)) { for (const v of d.vcpus) sched.insert(v.unit, this.cyclesToNs(s.t)); }
        }
      });
    }
    const p = s.panicked ?? null;
    if (p !== null && (typeof p?.reason !== "string" || !Number.isFinite(p?.atNs))) {
      throw new Error(`snapshot: hypervisor panic record ${JSON.stringify(p)}`);
    }
    this.panicked = p === null ? null : { ...p };
    this.#t = s.t;
    this.#nextDomid = s.nextDomid;
    s.pcpus.forEach((p, i) => {
      const pc = this.pcpus[i];
      pc.now = p.now;
      pc.idleCycles = p.idleCycles;
      pc.hypCycles = p.hypCycles ?? 0;
      pc.loaded = loaded[i];
      pc.curr = curr[i];
      pc.sliceEnd = p.sliceEnd === undefined || p.sliceEnd === -1 ? Infinity : p.sliceEnd;
      pc.resched = p.resched ?? true;
      pc.vcpus.splice(0, pc.vcpus.length, ...placed[i]);
      for (const v of placed[i]) v.pcpu = i;
    });
    // A snapshot from before schedulers: queue what can run.
    if (s.pools === undefined) {
      for (const d of this.domains.values()) for (const v of d.vcpus) this.#schedWake(v);
    }
    if (s.events !== undefined) this.events.restore(s.events);
    else {
      this.events.restore({ heap: [], nextSeq: 0 });
      for (const x of s.delayedIrqs ?? []) {
        this.events.schedule(this.nsToCycles(x.atNs), "irq", irqTarget(x.domid, x.vcpu, x.intid));
      }
    }
    this.#spiRoutes.clear();
    for (const [spi, domid, vspi] of s.spiRoutes) this.#spiRoutes.set(spi, { domid, vspi });
    this.logEntries.splice(0, this.logEntries.length, ...s.log.map((e) => ({ ...e })));
  }

  /** Registers a domain made outside `createDomain` (snapshot restore), keeping its id. */
  adoptDomain(d: Domain): void {
    if (this.domains.has(d.id)) throw new Error(`snapshot: two domains with id ${d.id}`);
    // The hypervisor writing a guest page drops its translated code, as a guest store would.
    d.phys.onWritePage = (mfn) => {
      if (this.code.hasCode(mfn)) this.code.invalidatePage(mfn);
    };
    this.domains.set(d.id, d);
  }

  // ------------------------------------------------------------------ cpupools

  /** Pool-0's scheduler (every pCPU's until other cpupools are made). */
  get scheduler(): Scheduler {
    return this.pools.schedulerOfPool(0);
  }

  /** The scheduler of the pool domain `domid` is in. */
  schedulerOfDomain(domid: number): Scheduler {
    return this.pools.schedulerOfDomain(domid);
  }

  /** xl cpupool-create: an empty pool with its own scheduler; returns its id. */
  createPool(name: string, scheduler: SchedulerName, opts?: SchedulerOptions): number {
    return this.pools.create(name, scheduler, opts);
  }

  /**
   * xl cpupool-cpu-add / cpupool-cpu-remove: moves pCPU `p` to pool `poolId` (null = no pool).
   * Whatever it runs goes back to its scheduler's queue first, as when Xen takes a pCPU away.
   */
  movePcpu(p: number, poolId: number | null): void {
    const pc = this.pcpus[p];
    if (pc === undefined) throw new Error(`no pCPU ${p} (there are ${this.pcpus.length})`);
    const from = this.pools.poolOf(p);
    if (from === poolId) return;
    if (from !== null && this.pools.schedulerOfPool(from).pcpus.length === 1) {
      const left = [...this.domains.values()].filter((d) => this.pools.poolOfDomain(d.id) === from);
      if (left.length > 0) {
        throw new Error(`pCPU ${p} is the last of pool ${from}, which has domain ${left[0].id}`);
      }
    }
    if (from !== null) this.#idleOut(pc);
    this.#tickle(this.pools.movePcpu(p, poolId));
    pc.resched = true;
  }

  /** xl cpupool-migrate: domain `d` now runs on pool `poolId`'s pCPUs under its scheduler. */
  moveDomain(d: Domain, poolId: number): void {
    const units = d.vcpus.map((v) => v.unit);
    for (const pc of this.pcpus) {
      if (pc.curr !== null && pc.curr.domainId === d.id) {
        pc.curr = null;
        pc.resched = true;
      }
    }
    this.#tickle(this.pools.moveDomain(d.id, poolId, units, this.nowNs()));
    for (const v of d.vcpus) this.#schedWake(v);
  }

  /** xl cpupool-destroy: frees the pool's pCPUs and removes it (it must have no domains). */
  destroyPool(poolId: number): void {
    if (poolId === 0) throw new Error("Pool-0 cannot be destroyed");
    const left = [...this.domains.values()].filter((d) => this.pools.poolOfDomain(d.id) === poolId);
    if (left.length > 0) throw new Error(`pool ${poolId} still has domain ${left[0].id}`);
    for (const p of [...this.pools.schedulerOfPool(poolId).pcpus]) this.movePcpu(p, null);
    this.pools.destroy(poolId);
  }

  /**
   * Installs an ARINC 653 major frame on pool `poolId` (its scheduler must be arinc653), starting
   * now; the pool's pCPUs decide again at once.
   */
  setArinc653Schedule(poolId: number, frame: Arinc653Schedule): void {
    const s = this.pools.schedulerOfPool(poolId);
    if (!(s instanceof Arinc653Scheduler)) {
      throw new Error(`pool ${poolId} runs ${s.name}, not arinc653`);
    }
    this.#tickle(s.setSchedule(frame, this.nowNs()));
  }

  /**
   * Makes `p`'s scheduler take back what `p` runs, as Xen does to move a vcpu off a pCPU: it is
   * put to sleep there (a decision that leaves `p` idle) and woken again into the queue.
   */
  #idleOut(p: Pcpu): void {
    const prev = p.curr;
    if (prev === null) return;
    this.pools.schedulerOf(p.id).schedule(
      p.id,
      this.cyclesToNs(p.now),
      prev.unit,
      false,
      () => false,
    );
    p.curr = null;
    this.#schedWake(prev);
  }

  // ------------------------------------------------------------------ PSCI host

  cpuOn(v: Vcpu, entry: bigint, context: bigint): void {
    const c = v.cpu;
    c.reset();
    c.pc = entry;
    c.setX(0, context);
    v.setState("runnable", this.nowNs());
    this.#schedWake(v);
  }

  cpuOff(v: Vcpu): void {
    v.setState("offline", this.nowNs());
    this.#schedSleep(v);
    v.cpu.requestStop();
  }

  systemOff(d: Domain): void {
    this.shutdown(d, "poweroff");
  }

  systemReset(d: Domain): void {
    this.shutdown(d, "reboot");
  }

  suspend(v: Vcpu): void {
    this.block(v);
  }

  // ------------------------------------------------------------------ building

  /** Creates an empty domain with the next free id. */
  createDomain(name: string, opts: { privileged?: boolean } = {}): Domain {
    for (const d of this.domains.values()) {
      if (d.name === name) throw new Error(`a domain named "${name}" exists (id ${d.id})`);
    }
    const d = new Domain(this.#nextDomid++, name, this.mem, {
      ...opts,
      createdNs: this.nowNs(),
    });
    this.adoptDomain(d);
    return d;
  }

  /**
   * Adds vcpu `id` to `d` (offline until started) with processor `pcpu` and the given hard and
   * soft affinity (xl.cfg `cpus=` / `cpus_soft=`; default any pCPU).
   */
  createVcpu(
    d: Domain,
    id: number,
    pcpu = id % this.pcpus.length,
    affinity: { hard?: number[] | null; soft?: number[] | null } = {},
  ): Vcpu {
    let vcpu: Vcpu | null = null;
    const cpu: Cpu = new Cpu(
      {
        mem: this.mem,
        io: (pa, size, write, lo, hi) => d.machineIo.access(pa, size, write, lo, hi),
        counter: (): number => this.clock.counterAt(cpu.retired + vcpu!.timeBase),
        sendEvent: () => {
          for (const o of d.vcpus) if (o !== vcpu) o.cpu.eventRegister = true;
        },
        broadcastTlbi: (all, lo, hi) => {
          this.#charge(this.costs.tlbiBroadcast, "tlbi");
          for (const o of d.vcpus) {
            if (o === vcpu) continue;
            if (all) o.cpu.mmu.invalidateAll();
            else o.cpu.mmu.invalidateVa(lo, hi);
          }
        },
      },
      this.decoder,
      { code: this.code, mpidr: vcpuMpidr(id) },
    );
    cpu.timer.frequency = this.clock.counterHz;
    const el2 = {
      hcr: guestHcr(this.vwfi),
      tfp: false,
      // Xen starts a domain's virtual counter at 0 when the domain is created.
      cntvoff: this.clock.counterAt(this.#t),
      stage2: d.p2m,
      vmpidr: vcpuMpidr(id),
      vpidr: 0x411fd070n,
    };
    vcpu = new Vcpu(d.id, id, cpu, el2, d.phys);
    const v = vcpu;
    cpu.timer.onChange = (which, level) => {
      this.runtimes.get(d.id)?.timerChanged(v, which, level);
      // A timer register was written: the deadline may have moved, re-plan the slice.
      cpu.requestStop();
    };
    v.pcpu = pcpu;
    d.vcpus[id] = v;
    this.pcpus[pcpu].vcpus.push(v);
    this.schedulerOfDomain(d.id).insert(v.unit, this.nowNs());
    this.setAffinity(v, affinity.hard ?? null, affinity.soft ?? null);
    return v;
  }

  /**
   * Destroys a domain (xl destroy): its vcpus leave the pCPUs, its event channels close (peers
   * see them closed), xenstore forgets it and its /local/domain node goes, its RAM, grant frames
   * and shared_info return to the machine. Its console keeps what was written.
   */
  destroyDomain(d: Domain): void {
    d.state = "dying";
    for (const v of d.vcpus) {
      const p = this.pcpus[v.pcpu];
      p.vcpus.splice(p.vcpus.indexOf(v), 1);
      this.#tickle(this.schedulerOfDomain(d.id).remove(v.unit));
      for (const o of this.pcpus) {
        if (o.current === v) o.current = null;
        if (o.loaded === v) o.loaded = null;
        if (o.curr === v) {
          o.curr = null;
          o.resched = true;
        }
      }
      this.#probing.delete(v);
    }
    d.ioreq.destroyAll(this.frames, (id) => this.domains.get(id));
    d.evtchn?.destroy();
    if (this.xenstore.isIntroduced(d.id)) this.xenstore.releaseDomain(d.id);
    if (this.xenstore.tryRead(`/local/domain/${d.id}`) !== undefined) {
      this.xenstore.rm(`/local/domain/${d.id}`);
    }
    for (const e of [...d.p2m.entries()]) {
      d.p2m.unmap(e.gfn);
      if (e.type === P2M_TYPE.ram) this.frames.free(e.mfn);
    }
    for (const mfn of d.grants?.frameMfns() ?? []) this.frames.free(mfn);
    if (d.sharedInfoMfn >= 0) this.frames.free(d.sharedInfoMfn);
    this.pools.removeDomain(d.id);
    this.domains.delete(d.id);
    this.runtimes.delete(d.id);
  }

  // ------------------------------------------------------------------ running

  /** Virtual time now (cycles at the current round's start). */
  get cycles(): number {
    return this.#t;
  }

  /** Runs the machine until a stop condition; see HvStopReason. */
  run(opts: HvRunOptions = {}): { reason: HvStopReason; cycles: number } {
    const start = this.#t;
    const limit = opts.maxCycles === undefined ? Infinity : start + opts.maxCycles;
    this.#stop = false;
    this.#until = opts.until;
    this.stoppedVcpu = null;
    const done = (reason: HvStopReason) => {
      this.#until = undefined;
      return { reason, cycles: this.#t - start };
    };
    for (;;) {
      if (this.panicked !== null) return done("panic");
      if (opts.until?.()) return done("until");
      if (this.#stop) return done(this.stoppedVcpu ? "debug" : "stopped");
      if (![...this.domains.values()].some((d) => d.alive)) return done("all-shutdown");
      if (this.#t >= limit) return done("limit");
      this.#runDueEvents();
      const end = Math.min(this.#t + this.#quantum, limit);
      for (const p of this.pcpus) {
        this.#runPcpu(p, end);
        if (this.#stop) break;
      }
      if (this.#stop) continue;
      this.#t = end;
      if (![...this.domains.values()].some((d) => d.alive)) return done("all-shutdown");
      if (opts.until?.()) return done("until");
      if (!this.#fastForward(limit)) return done("idle-forever");
    }
  }

  /** When nothing can run, jumps every pCPU to the earliest wake-up; false if there is none. */
  #fastForward(limit: number): boolean {
    let wake = Infinity;
    const next = this.events.peek();
    if (next !== undefined) wake = Math.min(wake, next.deadline);
    for (const p of this.pcpus) {
      for (const v of p.vcpus) {
        if (this.#runnable(v)) return true;
        wake = Math.min(wake, this.#wakeCycle(v, p));
      }
    }
    if (wake === Infinity) return false;
    const t = Math.min(Math.max(wake, this.#t), limit);
    for (const p of this.pcpus) {
      if (p.now < t) {
        p.idleCycles += t - p.now;
        p.now = t;
      }
    }
    this.#t = t;
    return true;
  }

  #runnable(v: Vcpu): boolean {
    const d = this.domains.get(v.domainId);
    return d !== undefined && d.state === "running" && !v.paused &&
      v.runstate.state === "runnable";
  }

  /** The cycle at which blocked vcpu `v` must be looked at again (timer, poll timeout). */
  #wakeCycle(v: Vcpu, p: Pcpu): number {
    if (v.runstate.state !== "blocked" || v.paused) return Infinity;
    // A poller whose port another pCPU made pending since its pCPU last looked wakes now.
    if (this.#pollReady(v)) return p.now;
    let w = Infinity;
    // A blocked vcpu's clock stands where its timer was last looked at: a deadline up to there
    // has raised its interrupt (or a hook dropped it); a later one is still to come, even if
    // the pCPU's time has passed it since (a context switch, an interrupt's cost).
    const at = this.#timerCycle(v);
    if (at > v.cpu.retired + v.timeBase) w = at;
    if (v.pollTimeoutNs !== null) w = Math.min(w, this.nsToCycles(v.pollTimeoutNs));
    return Math.max(w, p.now);
  }

  /** The cycle of `v`'s next timer deadline (Infinity: none, or beyond exact numbers). */
  #timerCycle(v: Vcpu): number {
    const dl = v.cpu.timer.nextDeadline();
    return dl === undefined || dl >= 1n << 53n ? Infinity : this.clock.cycleOfCount(Number(dl));
  }

  /** `v` is blocked in SCHEDOP_poll on a port that is pending. */
  #pollReady(v: Vcpu): boolean {
    const polled = v.pollPorts, ec = this.domains.get(v.domainId)?.evtchn;
    return polled !== null && ec !== undefined && polled.some((port) => ec.isPending(port));
  }

  /**
   * Wakes blocked vcpus of `p` whose timers or poll timeouts are due, or that another pCPU gave
   * work; each wake-up is a physical interrupt on `p` (its timer, or the waker's IPI) that the
   * pCPU pays for — leaving WFI too if it was idle.
   */
  #checkBlocked(p: Pcpu): void {
    const c = this.costs;
    for (const v of p.vcpus) {
      if (v.runstate.state !== "blocked") continue;
      const idle = p.loaded === null;
      v.timeBase = p.now - v.cpu.retired;
      v.cpu.timer.update();
      if (v.pollTimeoutNs !== null && this.cyclesToNs(p.now) >= v.pollTimeoutNs) this.wake(v);
      // Xen's timer for the blocked vcpu fired: its softirq ran the callback.
      const timer = v.runstate.state !== "blocked";
      if (this.#pollReady(v)) this.wake(v);
      if (this.runtimes.get(v.domainId)?.hasWork(v)) this.wake(v);
      if (v.runstate.state === "blocked") continue;
      const cost = this.#irqEntryCost + (idle ? c.wfiWake : 0) + (timer ? c.timerSoftirq : 0);
      this.#charge(cost, timer ? "irq:timer" : "irq:ipi", v);
      v.irqTaken = true;
    }
  }

  #runPcpu(p: Pcpu, end: number): void {
    this.#payer = p;
    while (p.now < end && !this.#stop) {
      this.#checkBlocked(p);
      if (p.resched || p.now >= p.sliceEnd || p.now >= p.retryAt) this.#decide(p);
      const v = p.curr;
      if (v === null) {
        let wake = Math.min(end, p.sliceEnd, p.retryAt);
        for (const x of p.vcpus) wake = Math.min(wake, this.#wakeCycle(x, p));
        // Due already (deciding took time): look again before sleeping.
        if (wake <= p.now || p.resched) continue;
        if (this.timeline.enabled) {
          this.timeline.record({
            kind: "idle",
            pcpu: p.id,
            startNs: this.cyclesToNs(p.now),
            endNs: this.cyclesToNs(wake),
          });
        }
        p.idleCycles += wake - p.now;
        p.now = wake;
        continue;
      }
      this.#runVcpu(p, v, Math.min(end, p.sliceEnd));
      // A block, yield or tickle: Xen's schedule() runs right away, not at the round's end.
      if (p.resched) this.#decide(p);
    }
    this.#payer = null;
  }

  /** One scheduling decision on `p`: the scheduler picks, the pCPU switches context. */
  #decide(p: Pcpu): void {
    const prev = p.curr;
    p.retryAt = Infinity;
    if (this.pools.poolOf(p.id) === null) {
      // A pCPU in no pool runs nothing until it joins one.
      p.resched = false;
      p.sliceEnd = Infinity;
      p.curr = null;
      this.#switchTo(p, null);
      return;
    }
    const s = this.pools.schedulerOf(p.id);
    const d = s.schedule(
      p.id,
      this.cyclesToNs(p.now),
      prev?.unit ?? null,
      prev !== null && this.#runnable(prev),
      (u) => this.#eligible(u, p),
    );
    p.resched = false;
    const next = d.next === null ? null : this.domains.get(d.next.domid)?.vcpus[d.next.vcpu];
    if (next === undefined) throw new Error(`scheduler ${s.name} picked a missing vcpu`);
    this.#charge(this.costs.sched[s.name].schedule, `sched:${s.name}`, next ?? prev);
    p.sliceEnd = d.until === Infinity ? Infinity : Math.max(this.nsToCycles(d.until), p.now + 1);
    if (next !== null && next.pcpu !== p.id) this.#migrate(next, p);
    if (next !== null && next !== prev) this.#schedEvent(p, "pick", next);
    p.curr = next;
    if (next === null) this.#switchTo(p, null);
  }

  /**
   * Whether `p` may start unit `u` now: runnable, not another pCPU's choice, and not ahead in
   * time (a vcpu that ran elsewhere up to a later cycle waits for this pCPU to get there).
   */
  #eligible(u: SchedUnit, p: Pcpu): boolean {
    const v = this.domains.get(u.domid)?.vcpus[u.vcpu];
    if (v === undefined || !this.#runnable(v)) return false;
    for (const o of this.pcpus) if (o !== p && o.curr === v) return false;
    const clock = v.cpu.retired + v.timeBase;
    if (clock > p.now) {
      p.retryAt = Math.min(p.retryAt, clock);
      return false;
    }
    return true;
  }

  /** Makes `p` the processor of `v` (its timers now interrupt `p`). */
  #migrate(v: Vcpu, p: Pcpu): void {
    const from = this.pcpus[v.pcpu];
    from.vcpus.splice(from.vcpus.indexOf(v), 1);
    // Its context was saved when it left `from`.
    if (from.loaded === v) from.loaded = null;
    p.vcpus.push(v);
    v.pcpu = p.id;
    this.#schedEvent(p, "migrate", v);
  }

  #current: Vcpu | null = null;

  /** The run loop's operations the exit handlers (core/hyp/traps/) use. */
  #makeExitHost(): ExitHost {
    return {
      services: this,
      hooks: this.hooks,
      table: this.table,
      cpuOn: (v, entry, context) => this.cpuOn(v, entry, context),
      cpuOff: (v) => this.cpuOff(v),
      systemOff: (d) => this.systemOff(d),
      systemReset: (d) => this.systemReset(d),
      suspend: (v) => this.suspend(v),
      emulated: (v) => {
        // The instruction the hypervisor completed did not retire on the PE: charge it.
        v.timeBase += 1;
      },
      fault: (d, v, kind, ipa, esr) => {
        if (this.hooks.has("fault")) {
          this.hooks.emit("fault", { domain: d, vcpu: v, kind, ipa, esr });
        }
      },
      idleOnPcpu: (p, v, end) => {
        const at = this.#timerCycle(v);
        // A deadline already passed has fired: then the pCPU sleeps to the round's end.
        const wake = Math.min(end, at > p.now ? at : Infinity);
        v.timeBase += wake - p.now;
        p.now = wake;
      },
      othersRunnable: (p, v) =>
        [...this.domains.values()].some((d) =>
          d.vcpus.some((o) =>
            o !== v && this.#runnable(o) && (o.unit.hard?.includes(p.id) ?? true) &&
            !this.pcpus.some((q) => q !== p && q.curr === o)
          )
        ),
      stopForDebug: (v) => {
        this.stoppedVcpu = v;
        this.#stop = true;
      },
      iccInterface: (v) => this.runtimes.get(v.domainId)?.vgic.iccInterface(v.id) ?? null,
    };
  }

  #runVcpu(p: Pcpu, v: Vcpu, end: number): void {
    const d = this.domains.get(v.domainId)!;
    const rt = this.runtimes.get(d.id)!;
    const cpu = v.cpu, c = this.costs;
    this.#switchTo(p, v);
    p.current = v;
    this.#current = v;
    rt.vgic.accessVcpu = v.id;
    v.timeBase = p.now - cpu.retired;
    v.yielded = false;
    v.setState("running", this.cyclesToNs(p.now));
    this.updateRunstateArea(v);
    // A timer waking another vcpu of this pCPU interrupts this one then.
    let stop = end;
    for (const o of p.vcpus) if (o !== v) stop = Math.min(stop, this.#wakeCycle(o, p));
    stop = Math.max(stop, p.now + 1);
    // New list-register content means a physical interrupt brought the PE to EL2 — unless it
    // came after a trap (its entry is paid) or it is the wake-up interrupt the pCPU took already.
    let trapped = v.irqTaken, asleep = false;
    v.irqTaken = false;
    const runStart = p.now;
    while (
      p.now < stop && v.runstate.state === "running" && !v.yielded && !p.resched && !this.#stop
    ) {
      cpu.timer.update();
      if (rt.upcallPending(v)) rt.vgic.inject(v.id, d.evtchnPpi);
      const writes = rt.vgic.flush(v.id);
      if (writes > 0) {
        const entry = trapped ? 0 : this.#irqEntryCost + (asleep ? c.wfiWake : 0);
        this.#charge(entry + writes * c.lrWrite, trapped ? "lr" : "irq");
      }
      let budget = stop - p.now;
      const at = this.#timerCycle(v);
      if (at > p.now) budget = Math.min(budget, at - p.now);
      const probed = this.mmioProbe !== null ? this.#probing.get(v) : undefined;
      if (probed !== undefined && cpu.pc !== probed.pc) {
        this.mmioProbe!.samplesNs.push(this.cyclesToNs(p.now - probed.at));
        this.#probing.delete(v);
      }
      const x = cpu.run(Math.max(1, budget));
      p.now = cpu.retired + v.timeBase;
      const probe = this.mmioProbe;
      if (probe !== null && x.kind === "dabt" && probe.domid === d.id) {
        const a = Number(x.ipa);
        if (a >= probe.base && a < probe.base + probe.size) {
          this.#probing.set(v, { pc: cpu.pc, at: p.now });
        }
      }
      rt.vgic.sync(v.id);
      Vcpu.bump(v.exits, x.kind);
      const trap = this.#trapCost(x);
      trapped = trap > 0;
      asleep = (x.kind === "wfi" || x.kind === "wfe") && x.esr === 0;
      this.#charge(trap, x.kind);
      EXIT_HANDLERS[x.kind](this.#exitHost, { p, d, v, x, end: stop });
    }
    if (v.runstate.state === "running") v.setState("runnable", this.cyclesToNs(p.now));
    this.updateRunstateArea(v);
    p.current = null;
    this.#current = null;
    if (this.timeline.enabled && p.now > runStart) {
      this.timeline.record({
        kind: "run",
        pcpu: p.id,
        domid: v.domainId,
        vcpu: v.id,
        startNs: this.cyclesToNs(runStart),
        endNs: this.cyclesToNs(p.now),
      });
    }
  }

  /**
   * Maps the GICv2 virtual CPU interface `gicv` into `d` at guest-physical `gpa` (the guest's
   * GICC address): a machine window its p2m points at, reached without a trap.
   */
  mapGicv(d: Domain, gpa: number, gicv: MmioDevice): void {
    d.machineIo.map(MACHINE_GICV_BASE, GICV_SIZE, gicv);
    d.p2m.map(
      gpa / PAGE_SIZE,
      MACHINE_GICV_BASE / PAGE_SIZE,
      GICV_SIZE / PAGE_SIZE,
      P2M_RW,
      P2M_TYPE.mmio,
    );
  }
}

/** An "irq" event's target: domain, vcpu ("spi" for none) and interrupt. */
function irqTarget(domid: number, vcpu: number | null, intid: number): string {
  return `d${domid}/${vcpu ?? "spi"}/${intid}`;
}

function parseIrqTarget(t: string): { domid: number; vcpu: number | null; intid: number } {
  const m = /^d(\d+)\/(\d+|spi)\/(\d+)$/.exec(t);
  if (m === null) throw new Error(`hypervisor: bad irq event target ${JSON.stringify(t)}`);
  return { domid: Number(m[1]), vcpu: m[2] === "spi" ? null : Number(m[2]), intid: Number(m[3]) };
}

function parseTickTarget(t: string): { domid: number; device: string } {
  const m = /^d(\d+)\/([a-z0-9]+)$/.exec(t);
  if (m === null) throw new Error(`hypervisor: bad tick event target ${JSON.stringify(t)}`);
  return { domid: Number(m[1]), device: m[2] };
}
