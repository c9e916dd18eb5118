/**
 * ARM Generic Interrupt Controller v2 (GIC-400 register layout, no Security Extensions, as QEMU
 * virt's GICv2 for an EL1 guest): a distributor and one CPU interface per PE. Registers are data
 * rows (register_rows.ts); state is plain typed arrays. Private interrupts (SGI 0-15, PPI 16-31)
 * are banked per CPU: their slots are `cpu * 32 + id`; shared ones (SPI 32+) follow all banks.
 * The CPU whose accesses arrive next is `accessCpu` (the board sets it before running a PE).
 */
import type { MmioAccess, MmioDevice, MmioOutcome } from "../mem/mmio_bus.ts";
import {
  type DeviceLog,
  mergeLanes,
  NULL_LOG,
  RegisterBank,
  type RegRow,
} from "./register_rows.ts";

/** Interrupt ID returned when nothing can be acknowledged. */
export const GIC_SPURIOUS = 1023;
/** Returned by IAR when the best interrupt is Group 1 and AckCtl is clear. */
export const GIC_SPURIOUS_GROUP1 = 1022;

/** Static shape of a GICv2. */
export interface GicV2Config {
  /** Number of CPU interfaces (1..8). */
  numCpus?: number;
  /** Number of interrupt IDs including the 32 private ones (multiple of 32, <= 1020). */
  numIrqs?: number;
  /** Implemented priority bits (4..8). */
  priorityBits?: number;
}

/** One active interrupt on a CPU interface's priority stack. */
export interface ActiveEntry {
  id: number;
  priority: number;
}

/** Per-CPU-interface state. */
export interface GicCpuState {
  ctlr: number;
  pmr: number;
  bpr: number;
  abpr: number;
  /** Acknowledged interrupts whose priority has not been dropped, oldest first. */
  running: ActiveEntry[];
}

/** Plain-data state of a GICv2. */
export interface GicV2State {
  dctlr: number;
  /** Per slot: enable, latched pending, input level, active, group, priority, edge-triggered. */
  enabled: Uint8Array;
  latch: Uint8Array;
  level: Uint8Array;
  active: Uint8Array;
  group: Uint8Array;
  priority: Uint8Array;
  edge: Uint8Array;
  /** SPI target CPU masks by interrupt ID (private IDs unused). */
  targets: Uint8Array;
  /** Pending SGIs: per `cpu * 16 + sgi`, a mask of source CPUs. */
  sgiSources: Uint8Array;
  cpus: GicCpuState[];
}

/** Output of the GIC towards the PEs. */
export interface GicV2Ports {
  /** IRQ and FIQ request levels of CPU `cpu`. */
  signal(cpu: number, irq: boolean, fiq: boolean): void;
  log?: DeviceLog;
}

const CTLR_GRP0 = 1, CTLR_GRP1 = 2, CTLR_ACKCTL = 4, CTLR_FIQEN = 8, CTLR_CBPR = 16;
const CTLR_EOIMODE = 1 << 9;
// Identification (PIDR4..7, PIDR0..3, CIDR0..3; GIC-400 values, as QEMU), one byte per register.
const ID_BYTES = [0x04, 0x00, 0x00, 0x00, 0x90, 0xb4, 0x2b, 0x00, 0x0d, 0xf0, 0x05, 0xb1];
// IIDRs as QEMU's GICv2 reports them: implementer ARM (0x43b); the CPU interface's says
// architecture version 2.
const GICD_IIDR = 0x0000043b;
const GICC_IIDR = 0x0002043b;

/** A GICv2: `distributor` and `cpuInterface` are the two MMIO devices to map. */
export class GicV2 {
  readonly numCpus: number;
  readonly numIrqs: number;
  readonly priorityBits: number;
  readonly priorityMask: number;
  /** The CPU whose MMIO accesses the GIC is serving. */
  accessCpu = 0;
  state: GicV2State;
  readonly distributor: MmioDevice;
  readonly cpuInterface: MmioDevice;
  readonly #ports: GicV2Ports;
  readonly #log: DeviceLog;
  readonly #signalled: { irq: boolean; fiq: boolean }[];

  constructor(ports: GicV2Ports, config: GicV2Config = {}) {
    this.numCpus = config.numCpus ?? 1;
    this.numIrqs = config.numIrqs ?? 288;
    const bits = config.priorityBits ?? 8;
    if (this.numCpus < 1 || this.numCpus > 8) throw new Error(`GICv2: ${this.numCpus} CPUs (1..8)`);
    if (this.numIrqs % 32 !== 0 || this.numIrqs < 32 || this.numIrqs > 1020 + 4) {
      throw new Error(`GICv2: numIrqs ${this.numIrqs} is not a multiple of 32 in 32..1024`);
    }
    if (bits < 4 || bits > 8) throw new Error(`GICv2: priorityBits ${bits} (4..8)`);
    this.priorityBits = bits;
    this.priorityMask = (0xff << (8 - bits)) & 0xff;
    this.#ports = ports;
    this.#log = ports.log ?? NULL_LOG;
    this.state = this.#resetState();
    this.#signalled = Array.from({ length: this.numCpus }, () => ({ irq: false, fiq: false }));
    const dist = new RegisterBank("gicv2-dist", 0x1000, this.#distRows(), this.#log);
    const cpu = new RegisterBank("gicv2-cpu", 0x2000, this.#cpuRows(), this.#log);
    this.distributor = {
      name: "gicv2-dist",
      access: (a: MmioAccess) => this.#after(dist.access(a)),
    };
    this.cpuInterface = {
      name: "gicv2-cpu",
      access: (a: MmioAccess) => this.#after(cpu.access(a)),
    };
  }

  #resetState(): GicV2State {
    const slots = this.numCpus * 32 + this.numIrqs - 32;
    const edge = new Uint8Array(slots);
    for (let c = 0; c < this.numCpus; c++) edge.fill(1, c * 32, c * 32 + 16); // SGIs are edge
    return {
      dctlr: 0,
      enabled: new Uint8Array(slots),
      latch: new Uint8Array(slots),
      level: new Uint8Array(slots),
      active: new Uint8Array(slots),
      group: new Uint8Array(slots),
      priority: new Uint8Array(slots),
      edge,
      targets: new Uint8Array(this.numIrqs),
      sgiSources: new Uint8Array(this.numCpus * 16),
      cpus: Array.from({ length: this.numCpus }, () => ({
        ctlr: 0,
        pmr: 0,
        bpr: 0,
        abpr: 1,
        running: [],
      })),
    };
  }

  /** A copy of the GIC state (plain data, for snapshots). */
  save(): GicV2State {
    return structuredClone(this.state);
  }

  /** Restores a state made by `save()` of a GIC of the same shape; refuses any other. */
  restore(saved: GicV2State): void {
    if (saved === null || typeof saved !== "object") {
      throw new Error(`GICv2: saved state ${String(saved)} is not an object`);
    }
    const ref = this.#resetState();
    for (const k of Object.keys(ref) as (keyof GicV2State)[]) {
      const a = saved[k], b = ref[k];
      const shape = (v: unknown) =>
        v instanceof Uint8Array ? `u8:${v.length}` : Array.isArray(v) ? `[${v.length}]` : typeof v;
      if (shape(a) !== shape(b)) {
        throw new Error(`GICv2: saved state field ${k} does not fit this GIC's shape`);
      }
    }
    const u32 = (v: unknown) =>
      Number.isInteger(v) && (v as number) >= 0 && (v as number) < 2 ** 32;
    if (!u32(saved.dctlr)) throw new Error(`GICv2: saved dctlr ${String(saved.dctlr)}`);
    saved.cpus.forEach((c, i) => {
      const bad = c === null || typeof c !== "object"
        ? "entry"
        : (["ctlr", "pmr", "bpr", "abpr"] as const).find((k) => !u32(c[k])) ??
          (!Array.isArray(c.running) || c.running.length > this.numIrqs ||
              c.running.some((e) =>
                e === null || typeof e !== "object" || !u32(e.id) || e.id >= 1024 ||
                !u32(e.priority) || e.priority > 255
              )
            ? "running"
            : undefined);
      if (bad) throw new Error(`GICv2: saved cpus[${i}].${bad} is not valid`);
    });
    this.state = structuredClone(saved);
    this.update();
  }

  /** Slot of interrupt `id` as seen by CPU `cpu`. */
  slot(cpu: number, id: number): number {
    return id < 32 ? cpu * 32 + id : this.numCpus * 32 + id - 32;
  }

  /**
   * Drives the input line of a PPI (of CPU `cpu`) or an SPI. A rising edge latches an
   * edge-triggered interrupt; a level-triggered one is pending while the line is high.
   */
  setLevel(id: number, level: boolean, cpu = 0): void {
    if (id < 16 || id >= this.numIrqs) throw new Error(`GICv2: setLevel of interrupt ${id}`);
    const s = this.state, k = this.slot(cpu, id);
    const v = level ? 1 : 0;
    if (s.level[k] === v) return;
    s.level[k] = v;
    if (v && s.edge[k]) s.latch[k] = 1;
    this.update();
  }

  /** True when interrupt `id` is pending on CPU `cpu`. */
  pending(cpu: number, id: number): boolean {
    const s = this.state;
    if (id < 16) return s.sgiSources[cpu * 16 + id] !== 0;
    const k = this.slot(cpu, id);
    return s.latch[k] === 1 || (s.edge[k] === 0 && s.level[k] === 1);
  }

  #targets(cpu: number, id: number): boolean {
    return id < 32 || this.numCpus === 1 || (this.state.targets[id] & (1 << cpu)) !== 0;
  }

  /** Highest-priority pending, enabled, inactive interrupt for `cpu` (lowest ID on ties). */
  highestPending(cpu: number): { id: number; priority: number } {
    const s = this.state;
    let best = GIC_SPURIOUS, bestPrio = 0x100;
    for (let id = 0; id < this.numIrqs; id++) {
      const k = this.slot(cpu, id);
      if (!s.enabled[k] || s.active[k] || s.priority[k] >= bestPrio) continue;
      if (!(s.dctlr & (1 << s.group[k])) || !this.#targets(cpu, id) || !this.pending(cpu, id)) {
        continue;
      }
      best = id;
      bestPrio = s.priority[k];
    }
    return { id: best, priority: bestPrio };
  }

  /** Running priority of `cpu`: that of the newest undropped acknowledge, 0x100 when idle. */
  runningPriority(cpu: number): number {
    const r = this.state.cpus[cpu].running;
    return r.length ? r[r.length - 1].priority : 0x100;
  }

  /** Group priority of `prio` under the binary point that applies to `group`. */
  #groupPriority(cpu: number, prio: number, group: number): number {
    const c = this.state.cpus[cpu];
    const bpr = group === 0 || (c.ctlr & CTLR_CBPR) ? c.bpr : c.abpr - 1;
    return prio & ((0xff << (Math.max(bpr, 0) + 1)) & 0xff);
  }

  /** True when the best interrupt of `cpu` may be signalled (enabled group, above masks). */
  #canSignal(cpu: number, id: number, prio: number): boolean {
    if (id === GIC_SPURIOUS) return false;
    const c = this.state.cpus[cpu];
    const g = this.state.group[this.slot(cpu, id)];
    if (!(c.ctlr & (1 << g)) || prio >= c.pmr) return false;
    return this.#groupPriority(cpu, prio, g) < this.runningPriority(cpu);
  }

  /** Recomputes and reports the IRQ/FIQ outputs of every CPU interface. */
  update(): void {
    for (let cpu = 0; cpu < this.numCpus; cpu++) {
      const { id, priority } = this.highestPending(cpu);
      let irq = false, fiq = false;
      if (this.#canSignal(cpu, id, priority)) {
        const g = this.state.group[this.slot(cpu, id)];
        if (g === 0 && (this.state.cpus[cpu].ctlr & CTLR_FIQEN)) fiq = true;
        else irq = true;
      }
      const was = this.#signalled[cpu];
      if (was.irq !== irq || was.fiq !== fiq) {
        was.irq = irq;
        was.fiq = fiq;
        this.#ports.signal(cpu, irq, fiq);
      }
    }
  }

  #after(o: MmioOutcome): MmioOutcome {
    this.update();
    return o;
  }

  /** Acknowledge (IAR for `group1` false, AIAR for true): returns the GICC_IAR value. */
  acknowledge(cpu: number, group1: boolean): number {
    const s = this.state;
    const c = s.cpus[cpu];
    const { id, priority } = this.highestPending(cpu);
    if (!this.#canSignal(cpu, id, priority)) return GIC_SPURIOUS;
    const k = this.slot(cpu, id);
    if (s.group[k] === 1 && !group1 && !(c.ctlr & CTLR_ACKCTL)) return GIC_SPURIOUS_GROUP1;
    if (s.group[k] === 0 && group1) return GIC_SPURIOUS;
    let src = 0;
    if (id < 16) {
      const m = s.sgiSources[cpu * 16 + id];
      src = 31 - Math.clz32(m & -m);
      s.sgiSources[cpu * 16 + id] = m & ~(1 << src);
    } else s.latch[k] = 0;
    s.active[k] = 1;
    c.running.push({ id, priority: this.#groupPriority(cpu, priority, s.group[k]) });
    this.update();
    return (src << 10) | id;
  }

  /** End of interrupt (EOIR/AEOIR): priority drop, and deactivation unless EOImode is set. */
  endOfInterrupt(cpu: number, value: number): void {
    const id = value & 0x3ff;
    const c = this.state.cpus[cpu];
    const i = c.running.findLastIndex((e) => e.id === id);
    if (i < 0) {
      this.#log.guestError("gicv2-cpu", `EOI of interrupt ${id} that is not active on CPU ${cpu}`);
      return;
    }
    if (i !== c.running.length - 1) {
      this.#log.guestError("gicv2-cpu", `EOI of ${id} out of order on CPU ${cpu}`);
    }
    c.running.splice(i, 1);
    if (!(c.ctlr & CTLR_EOIMODE)) this.deactivate(cpu, value);
    this.update();
  }

  /** Deactivation (DIR, or EOI with EOImode clear). */
  deactivate(cpu: number, value: number): void {
    const id = value & 0x3ff;
    if (id >= this.numIrqs) return;
    this.state.active[this.slot(cpu, id)] = 0;
    this.update();
  }

  #bitRows(
    name: string,
    offset: number,
    get: (k: number, id: number) => number,
    set: ((k: number, id: number, on: boolean) => void) | null,
  ): RegRow {
    return {
      name,
      offset,
      count: this.numIrqs / 32,
      read: (i) => {
        let v = 0;
        for (let b = 0; b < 32; b++) {
          const id = 32 * i + b;
          if (get(this.slot(this.accessCpu, id), id)) v |= 1 << b;
        }
        return v >>> 0;
      },
      write: set === null ? undefined : (i, v) => {
        for (let b = 0; b < 32; b++) {
          if (v & (1 << b)) set(this.slot(this.accessCpu, 32 * i + b), 32 * i + b, true);
        }
      },
    };
  }

  #byteRows(
    name: string,
    offset: number,
    get: (id: number) => number,
    set: (id: number, v: number) => void,
  ): RegRow {
    return {
      name,
      offset,
      count: this.numIrqs / 4,
      sizes: [1, 4],
      read: (i) => {
        let v = 0;
        for (let b = 0; b < 4; b++) v |= get(4 * i + b) << (8 * b);
        return v >>> 0;
      },
      write: (i, v, m) => {
        for (let b = 0; b < 4; b++) {
          if ((m >>> (8 * b)) & 0xff) set(4 * i + b, (v >>> (8 * b)) & 0xff);
        }
      },
    };
  }

  #distRows(): RegRow[] {
    const s = () => this.state;
    const cpu = () => this.accessCpu;
    const allCpus = (1 << this.numCpus) - 1;
    return [
      {
        name: "GICD_CTLR",
        offset: 0x000,
        read: () => s().dctlr,
        write: (_i, v, m) => s().dctlr = mergeLanes(s().dctlr, v, m) & 3,
      },
      {
        name: "GICD_TYPER",
        offset: 0x004,
        read: () => ((this.numCpus - 1) << 5) | (this.numIrqs / 32 - 1),
      },
      { name: "GICD_IIDR", offset: 0x008, read: () => GICD_IIDR },
      {
        name: "GICD_IGROUPR",
        offset: 0x080,
        count: this.numIrqs / 32,
        read: (i) => {
          let v = 0;
          for (let b = 0; b < 32; b++) v |= s().group[this.slot(cpu(), 32 * i + b)] << b;
          return v >>> 0;
        },
        write: (i, v, m) => {
          for (let b = 0; b < 32; b++) {
            if (m & (1 << b)) s().group[this.slot(cpu(), 32 * i + b)] = (v >>> b) & 1;
          }
        },
      },
      this.#bitRows("GICD_ISENABLER", 0x100, (k) => s().enabled[k], (k) => s().enabled[k] = 1),
      this.#bitRows("GICD_ICENABLER", 0x180, (k) => s().enabled[k], (k) => s().enabled[k] = 0),
      this.#bitRows(
        "GICD_ISPENDR",
        0x200,
        (_k, id) => this.pending(cpu(), id) ? 1 : 0,
        (k, id) => {
          if (id >= 16) s().latch[k] = 1; // SGIs are made pending through SPENDSGIR
        },
      ),
      this.#bitRows(
        "GICD_ICPENDR",
        0x280,
        (_k, id) => this.pending(cpu(), id) ? 1 : 0,
        (k, id) => {
          if (id >= 16) s().latch[k] = 0;
        },
      ),
      this.#bitRows("GICD_ISACTIVER", 0x300, (k) => s().active[k], (k) => s().active[k] = 1),
      this.#bitRows("GICD_ICACTIVER", 0x380, (k) => s().active[k], (k) => s().active[k] = 0),
      this.#byteRows(
        "GICD_IPRIORITYR",
        0x400,
        (id) => s().priority[this.slot(cpu(), id)],
        (id, v) => s().priority[this.slot(cpu(), id)] = v & this.priorityMask,
      ),
      this.#byteRows(
        "GICD_ITARGETSR",
        0x800,
        // A uniprocessor GIC has RAZ/WI target registers: everything goes to the one CPU.
        (id) => (this.numCpus === 1 ? 0 : id < 32 ? 1 << cpu() : s().targets[id]),
        (id, v) => {
          if (id >= 32 && this.numCpus > 1) s().targets[id] = v & allCpus;
        },
      ),
      {
        name: "GICD_ICFGR",
        offset: 0xc00,
        count: this.numIrqs / 16,
        read: (i) => {
          let v = 0;
          for (let f = 0; f < 16; f++) v |= s().edge[this.slot(cpu(), 16 * i + f)] << (2 * f + 1);
          return v >>> 0;
        },
        write: (i, v, m) => {
          if (i === 0) return; // SGIs: always edge, read-only
          for (let f = 0; f < 16; f++) {
            if (m & (2 << (2 * f))) {
              s().edge[this.slot(cpu(), 16 * i + f)] = (v >>> (2 * f + 1)) & 1;
            }
          }
        },
      },
      { name: "GICD_SGIR", offset: 0xf00, write: (_i, v) => this.#sgi(v) },
      {
        name: "GICD_CPENDSGIR",
        offset: 0xf10,
        count: 4,
        sizes: [1, 4],
        read: (i) => this.#sgiBytes(i),
        write: (i, v) => {
          for (let b = 0; b < 4; b++) s().sgiSources[cpu() * 16 + 4 * i + b] &= ~(v >>> (8 * b));
        },
      },
      {
        name: "GICD_SPENDSGIR",
        offset: 0xf20,
        count: 4,
        sizes: [1, 4],
        read: (i) => this.#sgiBytes(i),
        write: (i, v) => {
          for (let b = 0; b < 4; b++) {
            s().sgiSources[cpu() * 16 + 4 * i + b] |= (v >>> (8 * b)) & allCpus;
          }
        },
      },
      { name: "GICD_ID", offset: 0xfd0, count: 12, read: (i) => ID_BYTES[i] },
    ];
  }

  #sgiBytes(i: number): number {
    let v = 0;
    for (let b = 0; b < 4; b++) {
      v |= this.state.sgiSources[this.accessCpu * 16 + 4 * i + b] << (8 * b);
    }
    return v >>> 0;
  }

  #sgi(v: number): void {
    const id = v & 0xf, filter = (v >>> 24) & 3, src = this.accessCpu;
    let targets = (v >>> 16) & 0xff;
    if (filter === 1) targets = ((1 << this.numCpus) - 1) & ~(1 << src);
    else if (filter === 2) targets = 1 << src;
    else if (filter === 3) {
      this.#log.guestError("gicv2-dist", `GICD_SGIR with reserved TargetListFilter 3`);
      return;
    }
    for (let t = 0; t < this.numCpus; t++) {
      if (targets & (1 << t)) this.state.sgiSources[t * 16 + id] |= 1 << src;
    }
  }

  #cpuRows(): RegRow[] {
    const c = () => this.state.cpus[this.accessCpu];
    const cpu = () => this.accessCpu;
    // HPPIR: the best pending interrupt above the priority mask, whatever the running priority
    // (the behaviour of QEMU's GICv2, the oracle).
    const hppi = (group1: boolean) => {
      const { id, priority } = this.highestPending(cpu());
      if (id === GIC_SPURIOUS || priority >= c().pmr) return GIC_SPURIOUS;
      const g = this.state.group[this.slot(cpu(), id)];
      if (g === 1 && !group1 && !(c().ctlr & CTLR_ACKCTL)) return GIC_SPURIOUS_GROUP1;
      if (g === 0 && group1) return GIC_SPURIOUS;
      const src = id < 16 ? 31 - Math.clz32(this.state.sgiSources[cpu() * 16 + id]) : 0;
      return (src << 10) | id;
    };
    // Active priority bits: one per preemption level the implemented priority bits allow.
    const levelShift = 8 - Math.min(7, this.priorityBits);
    // GICC_APR<i>: one bit per active preemption level.
    const apr = (i: number): number => {
      let v = 0;
      for (const e of c().running) {
        const lvl = e.priority >> levelShift;
        if (lvl >> 5 === i) v |= 1 << (lvl & 31);
      }
      return v >>> 0;
    };
    return [
      {
        name: "GICC_CTLR",
        offset: 0x00,
        read: () => c().ctlr,
        write: (_i, v, m) => {
          c().ctlr = mergeLanes(c().ctlr, v, m) &
            (CTLR_GRP0 | CTLR_GRP1 | CTLR_ACKCTL | CTLR_FIQEN | CTLR_CBPR | 0x1e0 | CTLR_EOIMODE);
        },
      },
      {
        name: "GICC_PMR",
        offset: 0x04,
        read: () => c().pmr,
        write: (_i, v) => c().pmr = v & this.priorityMask,
      },
      { name: "GICC_BPR", offset: 0x08, read: () => c().bpr, write: (_i, v) => c().bpr = v & 7 },
      { name: "GICC_IAR", offset: 0x0c, read: () => this.acknowledge(cpu(), false) },
      { name: "GICC_EOIR", offset: 0x10, write: (_i, v) => this.endOfInterrupt(cpu(), v) },
      {
        name: "GICC_RPR",
        offset: 0x14,
        read: () => Math.min(this.runningPriority(cpu()), 0xff),
      },
      { name: "GICC_HPPIR", offset: 0x18, read: () => hppi(false) },
      {
        name: "GICC_ABPR",
        offset: 0x1c,
        read: () => c().abpr,
        write: (_i, v) => c().abpr = Math.max(1, v & 7),
      },
      { name: "GICC_AIAR", offset: 0x20, read: () => this.acknowledge(cpu(), true) },
      { name: "GICC_AEOIR", offset: 0x24, write: (_i, v) => this.endOfInterrupt(cpu(), v) },
      { name: "GICC_AHPPIR", offset: 0x28, read: () => hppi(true) },
      {
        name: "GICC_APR",
        offset: 0xd0,
        count: 4,
        read: (i) => apr(i),
        // Writing back the value the register holds changes nothing (Linux's gic_cpu_init
        // clears all four with nothing active); restoring a different state is not modelled.
        write: (i, v) => {
          if (v >>> 0 === apr(i)) return;
          this.#log.unimplemented("gicv2-cpu", "GICC_APR writes (active priority restore)");
        },
      },
      { name: "GICC_IIDR", offset: 0xfc, read: () => GICC_IIDR },
      { name: "GICC_DIR", offset: 0x1000, write: (_i, v) => this.deactivate(cpu(), v) },
    ];
  }
}
