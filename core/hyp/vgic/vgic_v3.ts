/**
 * The GICv3 vGIC of a domain, answering as Xen 4.17's vgic-v3.c for a domU without ITS: a 64 KiB
 * distributor with affinity routing always on (GICD_CTLR.ARE_NS reads 1; only EnableGrp1A is
 * writable), SPIs routed by IROUTER to one vcpu (IRM = 1 means vcpu 0), and one redistributor
 * (RD_base + SGI_base, 128 KiB) per vcpu from the guest's GICR0 base, the last flagged in
 * GICR_TYPER. Xen's choices kept: IIDR 0x34c, PIDR2 0x30 (architecture version 3, the rest RES0),
 * no security (IGROUPR RAZ/WI, everything Group 1), 10 INTID bits, pending/active state not
 * readable (RAZ), ICPENDR/ICACTIVER writes ignored, ISACTIVER writes of non-zero unhandled (data
 * abort), GICR_WAKER RAZ/WI. SGIs come from ICC_SGI1R_EL1 (trapped, `onSgi`).
 */
import { mergeLanes, type RegRow } from "../../devices/register_rows.ts";
import { GROUP1 } from "../../devices/gic_v3_irq_state.ts";
import { bitmapRow, configRow, razWiRow } from "../../devices/gic_v3_reg_helpers.ts";
import { GicV3VirtCpuIf } from "../../devices/gic_v3_virt_cpu_if.ts";
import {
  GUEST_GICV3_GICD_BASE,
  GUEST_GICV3_GICD_SIZE,
  GUEST_GICV3_GICR0_BASE,
  GUEST_GICV3_GICR0_SIZE,
} from "../abi/arm_memory_map.ts";
import type { MmioAccess, MmioOutcome } from "../../mem/mmio_bus.ts";
import { type AbortAccess, VgicFrame } from "./vgic_frame.ts";
import { VgicBase } from "./vgic_base.ts";
import type { VgicConfig, VgicPorts, VgicRegion } from "./vgic.ts";

/** GICD_IIDR and GICR_IIDR as Xen reports them. */
export const VGIC_V3_IIDR = 0x34c;
/** PIDR2 of the distributor and redistributors: GIC architecture version 3 in [7:4]. */
export const VGIC_V3_PIDR2 = 0x30;
/** Size of one vcpu's redistributor (RD_base + SGI_base). */
export const VGIC_V3_GICR_STRIDE = 0x2_0000;
const SGI_BASE = 0x1_0000;
const CTLR_ENABLE_G1A = 1 << 1, CTLR_ARE_NS = 1 << 4;
/** Interrupt ID bits of a domU without ITS (Xen: 10). */
const INTID_BITS = 10;
const IROUTER_IRM = 0x8000_0000;

/**
 * Affinity of vcpu `vcpu` as Xen gives it (vcpuid_to_vaffinity: 16 vcpus per Aff1 cluster), in
 * MPIDR_EL1 layout [23:0] (Aff2.Aff1.Aff0): also the vcpu's MPIDR_EL1 affinity fields.
 */
export function vgicV3Affinity(vcpu: number): number {
  return ((vcpu >>> 4) << 8) | (vcpu & 0xf);
}

/** A domain's GICv3 vGIC. */
export class VgicV3 extends VgicBase<GicV3VirtCpuIf> {
  readonly version = "v3" as const;
  protected readonly lrGroup = GROUP1;
  readonly #dist: VgicFrame;
  readonly #redists: VgicFrame[];

  constructor(ports: VgicPorts, config: VgicConfig) {
    super(
      ports,
      config,
      128,
      (p, v, vgic) => new GicV3VirtCpuIf({ ...p, onSgi: (reg, val) => vgic.onSgi(v, reg, val) }),
    );
    const after = () => this.kickPending();
    this.#dist = new VgicFrame(
      "vgic-v3-dist",
      GUEST_GICV3_GICD_SIZE,
      (abort) => this.#distRows(abort),
      this.log,
      after,
    );
    this.#redists = Array.from(
      { length: this.numVcpus },
      (_, v) =>
        new VgicFrame(
          "vgic-v3-redist",
          VGIC_V3_GICR_STRIDE,
          (abort) => this.#redistRows(v, abort),
          this.log,
          after,
        ),
    );
  }

  protected distEnabled(): boolean {
    return (this.state.dctlr & CTLR_ENABLE_G1A) !== 0;
  }

  regions(): VgicRegion[] {
    return [
      {
        name: "vgic-v3-dist",
        base: GUEST_GICV3_GICD_BASE,
        size: GUEST_GICV3_GICD_SIZE,
        device: this.#dist,
      },
      {
        name: "vgic-v3-redist",
        base: GUEST_GICV3_GICR0_BASE,
        size: GUEST_GICV3_GICR0_SIZE,
        device: { name: "vgic-v3-redist", access: (a) => this.#redistAccess(a) },
      },
    ];
  }

  /** A redistributor-region access: frame n belongs to vcpu n; beyond the last is unhandled. */
  #redistAccess(a: MmioAccess): MmioOutcome {
    const off = a.offset, v = Math.floor(off / VGIC_V3_GICR_STRIDE);
    if (!Number.isInteger(off) || v < 0 || v >= this.numVcpus) {
      this.log.guestError("vgic-v3-redist", `access at 0x${off.toString(16)}: no such vcpu`);
      if (!a.write) a.value = a.valueHi = 0;
      return "abort";
    }
    a.offset = off - v * VGIC_V3_GICR_STRIDE;
    const o = this.#redists[v].access(a);
    a.offset = off;
    return o;
  }

  iccInterface(vcpu: number): GicV3VirtCpuIf {
    return this.cpuIf(vcpu);
  }

  /**
   * ICC_SGI1R_EL1 from `vcpu`: SGI [27:24] to the vcpus whose Aff0 is in the target list [15:0]
   * within Aff3.Aff2.Aff1 ([55:48], [39:32], [23:16]) and range RS [47:44], or with IRM [40] to
   * all others. SGI0R and ASGI1R (Group 0 / other security state) are not handled (Xen injects
   * an undefined instruction): logged and ignored.
   */
  onSgi(vcpu: number, reg: "SGI1R" | "SGI0R" | "ASGI1R", value: bigint): void {
    if (reg !== "SGI1R") {
      this.log.unimplemented("vgic-v3", `vcpu ${vcpu}: ICC_${reg}_EL1 write ignored`);
      return;
    }
    const lo = Number(value & 0xffff_ffffn), hi = Number((value >> 32n) & 0xffff_ffffn);
    const id = (lo >>> 24) & 0xf, list = lo & 0xffff;
    const all = Array.from({ length: this.numVcpus }, (_, i) => i);
    let targets: number[];
    if ((hi >>> 8) & 1) targets = all.filter((t) => t !== vcpu);
    else {
      const aff1 = (lo >>> 16) & 0xff, aff2 = hi & 0xff, rs = (hi >>> 12) & 0xf;
      const aff3 = (hi >>> 16) & 0xff;
      targets = aff2 || aff3 || rs
        ? []
        : all.filter((t) =>
          vgicV3Affinity(t) >>> 8 === aff1 && ((list >>> (vgicV3Affinity(t) & 0xf)) & 1) === 1
        );
    }
    this.sendSgi(vcpu, id, targets);
    this.kickPending();
  }

  /** IROUTER<id> half `hi` written: the SPI goes to the vcpu named, invalid ones ignored. */
  #setRoute(id: number, hi: number, v: number, mask: number): void {
    if (hi) {
      if (v & mask) this.log.guestError("vgic-v3-dist", `IROUTER${id}: Aff3 ${v} has no vcpu`);
      return;
    }
    const val = mergeLanes(vgicV3Affinity(this.state.target[id]), v, mask);
    if (val & IROUTER_IRM) {
      this.state.target[id] = 0;
      return;
    }
    const aff0 = val & 0xff, aff1 = (val >>> 8) & 0xff, aff2 = (val >>> 16) & 0xff;
    const t = aff1 * 16 + aff0;
    if (aff0 > 15 || aff2 !== 0 || t >= this.numVcpus) {
      this.log.guestError("vgic-v3-dist", `IROUTER${id} = 0x${val.toString(16)}: no such vcpu`);
      return;
    }
    this.state.target[id] = t;
  }

  /** Pending/active rows shared by GICD and GICR (SGI_base), as Xen's common handlers. */
  #stateRows(
    base: number,
    count: number,
    slot: (id: number) => number,
    sgiFrom: number,
    abort: AbortAccess,
    where: string,
  ): RegRow[] {
    const s = () => this.state.irqs;
    const ignored = (name: string) => (i: number, val: number) => {
      if (val !== 0) this.log.unimplemented(where, `${name}${i} = 0x${val.toString(16)} ignored`);
    };
    return [
      bitmapRow(`${where}_ISENABLER`, base + 0x100, count, 0, slot, (k) => s().enabled[k] === 1, {
        kind: "set",
        apply: (k) => s().enabled[k] = 1,
      }),
      bitmapRow(`${where}_ICENABLER`, base + 0x180, count, 0, slot, (k) => s().enabled[k] === 1, {
        kind: "clear",
        apply: (k) => s().enabled[k] = 0,
      }),
      bitmapRow(`${where}_ISPENDR`, base + 0x200, count, 0, slot, () => false, {
        kind: "set",
        apply: (k) => {
          s().latch[k] = 1;
          if (sgiFrom >= 0) this.state.sgiSource[k] = sgiFrom;
        },
      }),
      {
        name: `${where}_ICPENDR`,
        offset: base + 0x280,
        count,
        read: () => 0,
        write: ignored("ICPENDR"),
      },
      {
        name: `${where}_ISACTIVER`,
        offset: base + 0x300,
        count,
        read: () => 0,
        write: (i, val) => {
          if (val !== 0) abort(`ISACTIVER${i} = 0x${val.toString(16)}`);
        },
      },
      {
        name: `${where}_ICACTIVER`,
        offset: base + 0x380,
        count,
        read: () => 0,
        write: ignored("ICACTIVER"),
      },
      {
        name: `${where}_IPRIORITYR`,
        offset: base + 0x400,
        count: count === 1 ? 8 : 255,
        sizes: [1, 4],
        read: (i) => {
          let r = 0;
          for (let b = 0; b < 4; b++) {
            const k = slot(4 * i + b);
            if (k >= 0) r |= s().priority[k] << (8 * b);
          }
          return r >>> 0;
        },
        write: (i, val, m) => {
          for (let b = 0; b < 4; b++) {
            const k = slot(4 * i + b);
            if (k >= 0 && ((m >>> (8 * b)) & 0xff)) s().priority[k] = (val >>> (8 * b)) & 0xff;
          }
        },
      },
      configRow(`${where}_ICFGR`, base + 0xc00, 2 * count, 0, slot, (id) => id >= 16, s),
    ];
  }

  #distRows(abort: AbortAccess): RegRow[] {
    const n = this.numIrqs;
    const spi = (id: number) => (id >= 32 && id < n ? this.slot(0, id) : -1);
    const st = () => this.state;
    const typer = ((Math.min(this.numVcpus, 8) - 1) << 5) | ((n - 32) / 32) |
      ((INTID_BITS - 1) << 19);
    return [
      {
        name: "GICD_CTLR",
        offset: 0x0000,
        read: () => CTLR_ARE_NS | st().dctlr,
        write: (_i, v) => st().dctlr = v & CTLR_ENABLE_G1A,
      },
      { name: "GICD_TYPER", offset: 0x0004, read: () => typer, write: () => {} },
      { name: "GICD_IIDR", offset: 0x0008, read: () => VGIC_V3_IIDR, write: () => {} },
      razWiRow("GICD_TYPER2", 0x000c),
      razWiRow("GICD_STATUSR", 0x0010),
      razWiRow("GICD_IGROUPR", 0x0080, 32),
      ...this.#stateRows(0, 32, spi, -1, abort, "GICD"),
      razWiRow("GICD_IGRPMODR", 0x0d00, 32),
      razWiRow("GICD_NSACR", 0x0e00, 64),
      razWiRow("GICD_SGIR", 0x0f00),
      razWiRow("GICD_CPENDSGIR", 0x0f10, 4),
      razWiRow("GICD_SPENDSGIR", 0x0f20, 4),
      {
        name: "GICD_IROUTER",
        offset: 0x6000 + 8 * 32,
        count: 2 * (n - 32),
        sizes: [4, 8],
        read: (i) => (i & 1 ? 0 : vgicV3Affinity(st().target[32 + (i >> 1)])),
        write: (i, v, m) => this.#setRoute(32 + (i >> 1), i & 1, v, m),
      },
      this.#idRow(),
    ];
  }

  #idRow(): RegRow {
    // PIDR4..7, PIDR0..3, CIDR0..3: only PIDR2 (index 6) says something.
    return {
      name: "PIDR",
      offset: 0xffd0,
      count: 12,
      read: (i) => (i === 6 ? VGIC_V3_PIDR2 : 0),
      write: () => {},
    };
  }

  #redistRows(v: number, abort: AbortAccess): RegRow[] {
    const priv = (id: number) => (id < 32 ? this.slot(v, id) : -1);
    const last = v === this.numVcpus - 1 ? 1 << 4 : 0;
    return [
      razWiRow("GICR_CTLR", 0x0000),
      { name: "GICR_IIDR", offset: 0x0004, read: () => VGIC_V3_IIDR, write: () => {} },
      {
        name: "GICR_TYPER",
        offset: 0x0008,
        count: 2,
        sizes: [4, 8],
        // Processor_Number = vcpu id, Last on the final frame; affinity in [63:32].
        read: (i) => (i === 0 ? ((v << 8) | last) >>> 0 : vgicV3Affinity(v)),
        write: () => {},
      },
      razWiRow("GICR_STATUSR", 0x0010),
      razWiRow("GICR_WAKER", 0x0014),
      razWiRow("GICR_PROPBASER", 0x0070, 2, [4, 8]),
      razWiRow("GICR_PENDBASER", 0x0078, 2, [4, 8]),
      this.#idRow(),
      razWiRow("GICR_IGROUPR0", SGI_BASE + 0x0080),
      ...this.#stateRows(SGI_BASE, 1, priv, v, abort, "GICR"),
      razWiRow("GICR_IGRPMODR0", SGI_BASE + 0x0d00),
      razWiRow("GICR_NSACR", SGI_BASE + 0x0e00),
    ];
  }
}
