/**
 * ARM Generic Interrupt Controller v3 as QEMU's `-M virt,gic-version=3` has it for an EL1
 * guest: one security state (GICD_CTLR.DS = 1), affinity routing, no LPIs or ITS. Three parts:
 * the distributor (MMIO, gic_v3_distributor.ts), one redistributor frame per PE (MMIO,
 * gic_v3_redistributor.ts) and one CPU interface per PE reached through the PE's ICC_* system
 * registers (gic_v3_cpu_interface.ts, attached as `cpu.gicCpuIf`). All state is plain data
 * (gic_v3_irq_state.ts) and the register rows work over the `GicV3Model` interface, so a virtual
 * GICv3 can reuse them.
 */
import type { MmioAccess, MmioDevice, MmioOutcome } from "../mem/mmio_bus.ts";
import { type DeviceLog, NULL_LOG, RegisterBank } from "./register_rows.ts";
import {
  bestPending,
  type GicV3IrqState,
  type GicV3Model,
  GROUP0,
  IROUTER_IRM,
  newIrqState,
  type PendingIrq,
  setInput,
  slotOf,
} from "./gic_v3_irq_state.ts";
import { distributorRows, GICD_SIZE } from "./gic_v3_distributor.ts";
import { GICR_STRIDE, redistributorRows } from "./gic_v3_redistributor.ts";
import {
  canSignal,
  enabledGroups,
  GicV3CpuInterface,
  type GicV3CpuSide,
  type IccState,
  newIccState,
} from "./gic_v3_cpu_interface.ts";

export { GICD_SIZE } from "./gic_v3_distributor.ts";
export { GICR_STRIDE } from "./gic_v3_redistributor.ts";

/** Static shape of a GICv3. */
export interface GicV3Config {
  /** Number of PEs, each with a redistributor and a CPU interface (default 1). */
  numCpus?: number;
  /** Interrupt IDs including the 32 private ones: a multiple of 32 in 64..1024 (default 256). */
  numIrqs?: number;
  /**
   * Affinity of each PE as GICR_TYPER[63:32] packs it (Aff3.Aff2.Aff1.Aff0; see
   * `affinityOfMpidr`). Default: PE i has Aff0 = i.
   */
  affinities?: number[];
}

/** Plain-data state of a GICv3. */
export interface GicV3State {
  /** GICD_CTLR group enables. */
  dctlr: number;
  irqs: GicV3IrqState;
  /** GICR_WAKER.ProcessorSleep per PE (1 at reset: Linux and Xen clear it before use). */
  sleep: Uint8Array;
  cpus: IccState[];
}

/** Output of the GIC towards the PEs. */
export interface GicV3Ports {
  /** IRQ and FIQ request levels of PE `cpu`. */
  signal(cpu: number, irq: boolean, fiq: boolean): void;
  log?: DeviceLog;
}

/** GICR_TYPER-style affinity (Aff3.Aff2.Aff1.Aff0) of an MPIDR_EL1 value. */
export function affinityOfMpidr(mpidr: bigint): number {
  return (Number((mpidr >> 32n) & 0xffn) * 0x100_0000 + Number(mpidr & 0xff_ffffn)) >>> 0;
}

/** A GICv3: map `distributor` (GICD_SIZE) and `redistributors` (numCpus * GICR_STRIDE). */
export class GicV3 implements GicV3Model, GicV3CpuSide {
  readonly numCpus: number;
  readonly numIrqs: number;
  readonly log: DeviceLog;
  state: GicV3State;
  readonly distributor: MmioDevice;
  readonly redistributors: MmioDevice;
  /** The CPU interface of each PE: set it as that PE's `gicCpuIf`. */
  readonly cpuInterfaces: readonly GicV3CpuInterface[];
  readonly #affinities: readonly number[];
  readonly #ports: GicV3Ports;
  readonly #signalled: { irq: boolean; fiq: boolean }[];

  constructor(ports: GicV3Ports, config: GicV3Config = {}) {
    const numCpus = config.numCpus ?? 1, numIrqs = config.numIrqs ?? 256;
    if (!Number.isInteger(numCpus) || numCpus < 1 || numCpus > 512) {
      throw new Error(`GICv3: numCpus ${numCpus} (1..512)`);
    }
    if (!Number.isInteger(numIrqs) || numIrqs % 32 !== 0 || numIrqs < 64 || numIrqs > 1024) {
      throw new Error(`GICv3: numIrqs ${numIrqs} is not a multiple of 32 in 64..1024`);
    }
    const aff = config.affinities ?? Array.from({ length: numCpus }, (_, i) => i);
    if (aff.length !== numCpus) {
      throw new Error(`GICv3: ${aff.length} affinities for ${numCpus} PEs`);
    }
    aff.forEach((a, i) => {
      if (!Number.isInteger(a) || a < 0 || a > 0xffff_ffff || aff.indexOf(a) !== i) {
        throw new Error(`GICv3: affinity 0x${a.toString(16)} of PE ${i} is invalid or repeated`);
      }
    });
    this.numCpus = numCpus;
    this.numIrqs = numIrqs;
    this.#affinities = aff;
    this.#ports = ports;
    this.log = ports.log ?? NULL_LOG;
    this.state = this.#resetState();
    this.#signalled = Array.from({ length: numCpus }, () => ({ irq: false, fiq: false }));
    const dist = new RegisterBank("gicv3-dist", GICD_SIZE, distributorRows(this), this.log);
    const redist = Array.from(
      { length: numCpus },
      (_, c) => new RegisterBank("gicv3-redist", GICR_STRIDE, redistributorRows(this, c), this.log),
    );
    this.distributor = { name: "gicv3-dist", access: (a) => this.#after(a, dist.access(a)) };
    this.redistributors = {
      name: "gicv3-redist",
      access: (a: MmioAccess) => {
        // The frame of PE n is at n * GICR_STRIDE; the bank sees offsets within it.
        const off = a.offset, cpu = Math.floor(off / GICR_STRIDE);
        if (cpu >= numCpus) {
          this.log.guestError("gicv3-redist", `access at 0x${off.toString(16)}: no such frame`);
          if (!a.write) a.value = a.valueHi = 0;
          return "done";
        }
        a.offset = off - cpu * GICR_STRIDE;
        const o = redist[cpu].access(a);
        a.offset = off;
        return this.#after(a, o);
      },
    };
    this.cpuInterfaces = Array.from({ length: numCpus }, (_, c) => new GicV3CpuInterface(this, c));
  }

  #resetState(): GicV3State {
    return {
      dctlr: 0,
      irqs: newIrqState(this.numCpus, this.numIrqs),
      sleep: new Uint8Array(this.numCpus).fill(1),
      cpus: Array.from({ length: this.numCpus }, newIccState),
    };
  }

  /** A copy of the GIC state (plain data, for snapshots). */
  save(): GicV3State {
    return structuredClone(this.state);
  }

  /** Restores a state made by `save()` of a GIC of the same shape; refuses any other. */
  restore(saved: GicV3State): void {
    if (saved === null || typeof saved !== "object") {
      throw new Error(`GICv3: saved state ${String(saved)} is not an object`);
    }
    const ref = this.#resetState();
    const shape = (v: unknown) =>
      ArrayBuffer.isView(v) ? `${v.constructor.name}:${(v as Uint8Array).length}` : typeof v;
    const check = (path: string, a: unknown, b: unknown) => {
      if (shape(a) !== shape(b)) throw new Error(`GICv3: saved state ${path} does not fit`);
    };
    for (const k of ["dctlr", "sleep"] as const) check(k, saved[k], ref[k]);
    for (const k of Object.keys(ref.irqs) as (keyof GicV3IrqState)[]) {
      check(`irqs.${k}`, saved.irqs?.[k], ref.irqs[k]);
    }
    if (!Array.isArray(saved.cpus) || saved.cpus.length !== this.numCpus) {
      throw new Error(
        `GICv3: saved state has ${saved.cpus?.length} CPU interfaces, not ${this.numCpus}`,
      );
    }
    const u32 = (v: unknown) =>
      Number.isInteger(v) && (v as number) >= 0 && (v as number) < 2 ** 32;
    if (!u32(saved.dctlr)) throw new Error(`GICv3: saved dctlr ${String(saved.dctlr)}`);
    saved.cpus.forEach((c, i) => {
      if (c === null || typeof c !== "object") {
        throw new Error(`GICv3: saved cpus[${i}] ${String(c)}`);
      }
      for (const k of Object.keys(newIccState()) as (keyof IccState)[]) {
        if (!u32(c[k])) throw new Error(`GICv3: saved cpus[${i}].${k} ${String(c[k])}`);
      }
    });
    this.state = structuredClone(saved);
    this.update();
  }

  // GicV3Model ---------------------------------------------------------------------------

  get irqs(): GicV3IrqState {
    return this.state.irqs;
  }

  get dctlr(): number {
    return this.state.dctlr;
  }

  set dctlr(v: number) {
    this.state.dctlr = v;
  }

  get sleep(): Uint8Array {
    return this.state.sleep;
  }

  affinity(cpu: number): number {
    return this.#affinities[cpu];
  }

  // Inputs ---------------------------------------------------------------------------------

  /**
   * Drives the input line of a PPI (of PE `cpu`) or an SPI. A rising edge latches an
   * edge-triggered interrupt; a level-sensitive one is pending while the line is high.
   */
  setLevel(id: number, level: boolean, cpu = 0): void {
    if (!Number.isInteger(id) || id < 16 || id >= this.numIrqs) {
      throw new Error(
        `GICv3: setLevel of interrupt ${id} (PPIs and SPIs are 16..${this.numIrqs - 1})`,
      );
    }
    if (!Number.isInteger(cpu) || cpu < 0 || cpu >= this.numCpus) {
      throw new Error(`GICv3: setLevel for PE ${cpu} of ${this.numCpus}`);
    }
    if (setInput(this.state.irqs, slotOf(this.numCpus, cpu, id), level)) this.update();
  }

  // GicV3CpuSide -------------------------------------------------------------------------

  icc(cpu: number): IccState {
    return this.state.cpus[cpu];
  }

  /** Highest-priority interrupt PE `cpu`'s redistributor forwards (none while it sleeps). */
  highestPending(cpu: number): PendingIrq | undefined {
    if (this.state.sleep[cpu]) return undefined;
    return bestPending(
      this,
      cpu,
      enabledGroups(this.state.cpus[cpu]),
      (id) => this.#target(id) === cpu,
    );
  }

  activate(cpu: number, id: number): void {
    const s = this.state.irqs, k = slotOf(this.numCpus, cpu, id);
    s.active[k] = 1;
    s.latch[k] = 0;
  }

  deactivate(cpu: number, id: number): boolean {
    const s = this.state.irqs, k = slotOf(this.numCpus, cpu, id);
    const was = s.active[k] === 1;
    s.active[k] = 0;
    return was;
  }

  /**
   * ICC_SGI0R/SGI1R/ASGI1R from PE `from`: SGI INTID [27:24] to the PEs of Aff3.Aff2.Aff1
   * ([55:48], [39:32], [23:16]) whose Aff0 is in the target list [15:0], or with IRM ([40]) to
   * every PE but `from`. A target takes it only if the SGI is configured in `group` there. RS
   * ([47:44]) is RES0 as ICC_CTLR_EL1.RSS = 0, and ignored (as QEMU).
   */
  sendSgi(from: number, value: bigint, group: number): void {
    const lo = Number(value & 0xffff_ffffn), hi = Number((value >> 32n) & 0xffff_ffffn);
    const id = (lo >>> 24) & 0xf, irm = (hi >>> 8) & 1;
    const aff321 = (((hi >>> 16) & 0xff) << 16) | ((hi & 0xff) << 8) | ((lo >>> 16) & 0xff);
    const s = this.state.irqs;
    for (let t = 0; t < this.numCpus; t++) {
      if (irm) {
        if (t === from) continue;
      } else {
        const a = this.#affinities[t], aff0 = a & 0xff;
        if (a >>> 8 !== aff321 || aff0 > 15 || !((lo >>> aff0) & 1)) continue;
      }
      const k = slotOf(this.numCpus, t, id);
      if (s.group[k] === group) s.latch[k] = 1;
    }
  }

  /** Recomputes and reports the IRQ/FIQ outputs of every CPU interface. */
  update(): void {
    for (let cpu = 0; cpu < this.numCpus; cpu++) {
      const p = this.highestPending(cpu);
      let irq = false, fiq = false;
      if (p !== undefined && canSignal(this.state.cpus[cpu], p)) {
        if (p.group === GROUP0) fiq = true;
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

  #after(a: MmioAccess, o: MmioOutcome): MmioOutcome {
    if (a.write) this.update();
    return o;
  }

  /**
   * The PE an SPI goes to: by affinity (none when no PE has it), or with IRM = 1 the first awake
   * PE whose interface has the interrupt's group enabled (1 of N; the choice is IMPDEF).
   */
  #target(id: number): number {
    const s = this.state.irqs, lo = s.routeLo[id];
    if (lo & IROUTER_IRM) {
      const g = 1 << s.group[slotOf(this.numCpus, 0, id)];
      for (let c = 0; c < this.numCpus; c++) {
        if (!this.state.sleep[c] && (enabledGroups(this.state.cpus[c]) & g)) return c;
      }
      return -1;
    }
    const aff = ((s.routeHi[id] << 24) | (lo & 0xff_ffff)) >>> 0;
    return this.#affinities.indexOf(aff);
  }
}
