/**
 * The GICv2 vGIC of a domain, answering as Xen 4.17's vgic-v2.c: a 4 KiB distributor at the
 * guest's GICD address (trapped) and each vcpu's GICV page at the GICC address. Xen's choices
 * kept: no security extensions (IGROUPR and NSACR RAZ/WI, everything Group 0), pending and active
 * state not readable through GICD (RAZ), ICPENDR and ICACTIVER writes ignored, ISACTIVER writes of
 * non-zero and SPENDSGIR/CPENDSGIR writes unhandled (data abort), SPI targets 1-of-N resolved to
 * the lowest listed vcpu, ITARGETSR0-7 and ICFGR0/1 read-only, GICD_SGIR reads 0xdeadbeef.
 */
import { mergeLanes, type RegRow } from "../../devices/register_rows.ts";
import { GROUP0 } from "../../devices/gic_v3_irq_state.ts";
import { bitmapRow, configRow, razWiRow } from "../../devices/gic_v3_reg_helpers.ts";
import { GicV2VirtCpuIf, GICV_SIZE } from "../../devices/gic_v2_virt_cpu_if.ts";
import { GUEST_GICC_BASE, GUEST_GICD_BASE, GUEST_GICD_SIZE } from "../abi/arm_memory_map.ts";
import type { MmioDevice } from "../../mem/mmio_bus.ts";
import { type AbortAccess, VgicFrame } from "./vgic_frame.ts";
import { VgicBase } from "./vgic_base.ts";
import type { VgicConfig, VgicPorts, VgicRegion } from "./vgic.ts";

/** GICD_IIDR as Xen reports it (the GIC-400's: implementer Arm). */
export const VGIC_V2_GICD_IIDR = 0x0000043b;
const CTLR_ENABLE = 1;

/** A domain's GICv2 vGIC. */
export class VgicV2 extends VgicBase<GicV2VirtCpuIf> {
  readonly version = "v2" as const;
  protected readonly lrGroup = GROUP0;
  readonly #frames: VgicFrame[];

  constructor(ports: VgicPorts, config: VgicConfig) {
    super(ports, config, 8, (p) => new GicV2VirtCpuIf(p));
    // One bank per vcpu: SGI/PPI registers are banked by the accessing vcpu.
    this.#frames = Array.from(
      { length: this.numVcpus },
      (_, v) =>
        new VgicFrame(
          "vgic-v2-dist",
          GUEST_GICD_SIZE,
          (abort) => this.#rows(v, abort),
          this.log,
          () => this.kickPending(),
        ),
    );
  }

  protected distEnabled(): boolean {
    return (this.state.dctlr & CTLR_ENABLE) !== 0;
  }

  /** The distributor as vcpu `vcpu` sees it. */
  distributor(vcpu: number): MmioDevice {
    this.cpuIf(vcpu);
    return this.#frames[vcpu];
  }

  regions(): VgicRegion[] {
    const at = () => Math.min(Math.max(0, this.accessVcpu | 0), this.numVcpus - 1);
    return [
      {
        name: "vgic-v2-dist",
        base: GUEST_GICD_BASE,
        size: GUEST_GICD_SIZE,
        device: { name: "vgic-v2-dist", access: (a) => this.#frames[at()].access(a) },
      },
      {
        name: "gicv2-vcpuif",
        base: GUEST_GICC_BASE,
        size: GICV_SIZE,
        device: { name: "gicv2-vcpuif", access: (a) => this.cpuIfs[at()].gicv.access(a) },
      },
    ];
  }

  iccInterface(vcpu: number): null {
    this.cpuIf(vcpu);
    return null;
  }

  onSgi(vcpu: number, reg: string): void {
    this.log.guestError("vgic-v2", `vcpu ${vcpu}: ICC_${reg}_EL1 write on a GICv2 domain`);
  }

  /** GICD_SGIR written by `from`: false (unhandled) for the reserved filter 3. */
  #sgir(from: number, v: number, abort: AbortAccess): void {
    const id = v & 0xf, filter = (v >>> 24) & 3;
    const all = Array.from({ length: this.numVcpus }, (_, i) => i);
    if (filter === 3) return abort(`GICD_SGIR 0x${v.toString(16)}: reserved target filter`);
    const list = (v >>> 16) & 0xff;
    const targets = filter === 0
      ? all.filter((t) => (list >>> t) & 1)
      : filter === 1
      ? all.filter((t) => t !== from)
      : [from];
    this.sendSgi(from, id, targets);
  }

  /** ITARGETSR byte of `id` as vcpu `v` reads it. */
  #targetByte(v: number, id: number): number {
    if (id >= this.numIrqs) return 0;
    return 1 << (id < 32 ? v : this.state.target[id]);
  }

  #rows(v: number, abort: AbortAccess): RegRow[] {
    const n = this.numIrqs;
    const st = () => this.state, s = () => this.state.irqs;
    const slot = (id: number) => (id < n ? this.slot(v, id) : -1);
    const raz = () => false;
    return [
      {
        name: "GICD_CTLR",
        offset: 0x000,
        read: () => st().dctlr,
        write: (_i, val, m) => st().dctlr = mergeLanes(st().dctlr, val, m) & CTLR_ENABLE,
      },
      {
        name: "GICD_TYPER",
        offset: 0x004,
        read: () => ((this.numVcpus - 1) << 5) | ((n - 32) / 32),
        write: () => {},
      },
      { name: "GICD_IIDR", offset: 0x008, read: () => VGIC_V2_GICD_IIDR, write: () => {} },
      razWiRow("GICD_IGROUPR", 0x080, 32),
      bitmapRow("GICD_ISENABLER", 0x100, 32, 0, slot, (k) => s().enabled[k] === 1, {
        kind: "set",
        apply: (k) => s().enabled[k] = 1,
      }),
      bitmapRow("GICD_ICENABLER", 0x180, 32, 0, slot, (k) => s().enabled[k] === 1, {
        kind: "clear",
        apply: (k) => s().enabled[k] = 0,
      }),
      bitmapRow("GICD_ISPENDR", 0x200, 32, 0, slot, raz, {
        kind: "set",
        apply: (k) => {
          s().latch[k] = 1;
          if (k < this.numVcpus * 32) st().sgiSource[k] = v;
        },
      }),
      {
        name: "GICD_ICPENDR",
        offset: 0x280,
        count: 32,
        read: () => 0,
        write: (i, val) => {
          if (val !== 0) {
            this.log.unimplemented("vgic-v2-dist", `ICPENDR${i} = 0x${val.toString(16)} ignored`);
          }
        },
      },
      {
        name: "GICD_ISACTIVER",
        offset: 0x300,
        count: 32,
        read: () => 0,
        write: (i, val) => {
          if (val !== 0) abort(`ISACTIVER${i} = 0x${val.toString(16)}`);
        },
      },
      {
        name: "GICD_ICACTIVER",
        offset: 0x380,
        count: 32,
        read: () => 0,
        write: (i, val) => {
          if (val !== 0) {
            this.log.unimplemented("vgic-v2-dist", `ICACTIVER${i} = 0x${val.toString(16)} ignored`);
          }
        },
      },
      {
        name: "GICD_IPRIORITYR",
        offset: 0x400,
        count: 255,
        sizes: [1, 4],
        read: (i) => this.#bytes(i, (id) => (id < n ? s().priority[this.slot(v, id)] : 0)),
        write: (i, val, m) =>
          this.#setBytes(i, val, m, (id, b) => {
            if (id < n) s().priority[this.slot(v, id)] = b;
          }),
      },
      {
        name: "GICD_ITARGETSR",
        offset: 0x800,
        count: 255,
        sizes: [1, 4],
        read: (i) => this.#bytes(i, (id) => this.#targetByte(v, id)),
        write: (i, val, m) => {
          // SGI/PPI targets are read-only (word writes ignored, others unhandled, as Xen).
          if (i < 8) {
            if (m !== 0xffffffff) abort(`byte write to ITARGETSR${i}`);
            return;
          }
          this.#setBytes(i, val, m, (id, b) => this.#setTarget(id, b));
        },
      },
      configRow("GICD_ICFGR", 0xc00, 64, 0, slot, (id) => id >= 32, s),
      razWiRow("GICD_NSACR", 0xe00, 64),
      {
        name: "GICD_SGIR",
        offset: 0xf00,
        read: () => 0xdeadbeef,
        write: (_i, val) => this.#sgir(v, val, abort),
      },
      {
        name: "GICD_CPENDSGIR",
        offset: 0xf10,
        count: 4,
        sizes: [1, 4],
        read: () => 0,
        write: (i) => abort(`write to CPENDSGIR${i}`),
      },
      {
        name: "GICD_SPENDSGIR",
        offset: 0xf20,
        count: 4,
        sizes: [1, 4],
        read: () => 0,
        write: (i) => abort(`write to SPENDSGIR${i}`),
      },
      {
        name: "GICD_ICPIDR2",
        offset: 0xfe8,
        read: () => {
          abort("read of ICPIDR2");
          return 0;
        },
        write: () => {},
      },
      {
        name: "GICD_ID",
        offset: 0xfec,
        count: 5,
        sizes: [1, 2, 4],
        read: () => 0,
        write: (i) => abort(`write to implementation-defined 0x${(0xfec + 4 * i).toString(16)}`),
      },
    ];
  }

  /** SPI `id`'s target from an ITARGETSR byte: its lowest listed vcpu; invalid lists ignored. */
  #setTarget(id: number, mask: number): void {
    if (id >= this.numIrqs) return;
    const t = 31 - Math.clz32(mask & -mask);
    if (mask === 0 || t >= this.numVcpus) {
      this.log.guestError("vgic-v2-dist", `ITARGETSR of ${id}: no vcpu in 0x${mask.toString(16)}`);
      return;
    }
    this.state.target[id] = t;
  }

  #bytes(i: number, get: (id: number) => number): number {
    let v = 0;
    for (let b = 0; b < 4; b++) v |= get(4 * i + b) << (8 * b);
    return v >>> 0;
  }

  #setBytes(i: number, v: number, m: number, set: (id: number, b: number) => void): void {
    for (let b = 0; b < 4; b++) {
      if ((m >>> (8 * b)) & 0xff) set(4 * i + b, (v >>> (8 * b)) & 0xff);
    }
  }
}
