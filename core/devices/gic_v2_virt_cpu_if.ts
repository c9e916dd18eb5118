/**
 * GICv2 virtualization extensions of one vcpu (GIC-400 shape): the GICV page the guest uses as
 * its CPU interface (mapped at the guest's GICC address, 8 KiB, reached without a trap as on real
 * hardware) and the GICH view the hypervisor uses (list registers in the 32-bit GICH_LR format,
 * GICH_HCR, GICH_VMCR, GICH_APR, GICH_MISR/EISR/ELRSR), over the shared `VirtCpuIf`.
 */
import type { MmioAccess, MmioDevice } from "../mem/mmio_bus.ts";
import { mergeLanes, RegisterBank, type RegRow } from "./register_rows.ts";
import { GROUP0, GROUP1 } from "./gic_v3_irq_state.ts";
import { ICC_MIN_BPR0, ICC_MIN_BPR1, ICC_PRIORITY_MASK } from "./gic_v3_cpu_interface.ts";
import { type ListReg, VGIC_NUM_LRS, VirtCpuIf, type VirtCpuIfPorts } from "./gic_virt_cpu_if.ts";

/** Size of the GICV region (the DIR register is in the second 4 KiB page). */
export const GICV_SIZE = 0x2000;
/** Interrupt ID returned when nothing can be acknowledged. */
const SPURIOUS = 1023;
/** Returned by GICV_IAR when the best interrupt is Group 1 and AckCtl is clear. */
const SPURIOUS_GROUP1 = 1022;
/** GICV_IIDR: as the physical GICv2 model's GICC_IIDR (Arm, architecture version 2). */
const GICV_IIDR = 0x0002043b;
/** GICH_VTR: PRIbits and PREbits 5 (encoded minus one), ListRegs 4 (minus one). */
export const GICH_VTR = ((4 << 29) | (4 << 26) | (VGIC_NUM_LRS - 1)) >>> 0;

const LR_HW = 1 << 31, LR_GRP1 = 1 << 30, LR_EOI = 1 << 19;

/** Encodes a list register in the GICH_LR format. */
export function encodeGichLr(lr: ListReg): number {
  const id = lr.hw ? (lr.pintid & 0x3ff) << 10 : ((lr.pintid & 7) << 10) | (lr.eoi ? LR_EOI : 0);
  return ((lr.hw ? LR_HW : 0) | (lr.group ? LR_GRP1 : 0) | ((lr.state & 3) << 28) |
    (((lr.priority >> 3) & 0x1f) << 23) | id | (lr.vintid & 0x3ff)) >>> 0;
}

/** Decodes a GICH_LR value. */
export function decodeGichLr(v: number): ListReg {
  const hw = (v >>> 31) & 1;
  return {
    state: (v >>> 28) & 3,
    vintid: v & 0x3ff,
    pintid: hw ? (v >>> 10) & 0x3ff : (v >>> 10) & 7,
    priority: ((v >>> 23) & 0x1f) << 3,
    group: (v >>> 30) & 1,
    hw,
    eoi: hw ? 0 : (v >>> 19) & 1,
  };
}

const CTLR_GRP0 = 1, CTLR_GRP1 = 2, CTLR_ACKCTL = 4, CTLR_FIQEN = 8, CTLR_CBPR = 16;
const CTLR_EOIMODE = 1 << 9;

/** The GICv2 virtual CPU interface of one vcpu: `gicv` is the guest's device. */
export class GicV2VirtCpuIf extends VirtCpuIf {
  /** The GICV registers, to be mapped at the guest's GICC base (GICV_SIZE bytes). */
  readonly gicv: MmioDevice;

  constructor(ports: VirtCpuIfPorts) {
    super(ports, "gicv2-vcpuif", false);
    const bank = new RegisterBank("gicv2-vcpuif", GICV_SIZE, this.#rows(), this.log);
    this.gicv = { name: "gicv2-vcpuif", access: (a: MmioAccess) => bank.access(a) };
  }

  // Hypervisor side (GICH) ---------------------------------------------------------------

  /** GICH_LR<i>. */
  readLr(i: number): number {
    return encodeGichLr(this.lrs[i]);
  }

  /** Writes GICH_LR<i> (call `update()` once done changing the interface). */
  writeLr(i: number, v: number): void {
    this.state.lrs[i] = decodeGichLr(v);
  }

  /** GICH_VMCR. */
  get vmcr(): number {
    const s = this.state, m = s.vmcr;
    return ((m.pmr >> 3) << 27 | (m.bpr0 & 7) << 21 | (m.bpr1 & 7) << 18 | this.#ctlr()) >>> 0;
  }

  set vmcr(v: number) {
    this.#setCtlr(v & 0x21f);
    const m = this.state.vmcr;
    m.pmr = ((v >>> 27) << 3) & ICC_PRIORITY_MASK;
    m.bpr0 = Math.max((v >>> 21) & 7, ICC_MIN_BPR0);
    m.bpr1 = Math.max((v >>> 18) & 7, ICC_MIN_BPR1);
  }

  /** GICH_APR: one bit per active preemption level. */
  get apr(): number {
    return (this.state.vmcr.apr0 | this.state.vmcr.apr1) >>> 0;
  }

  set apr(v: number) {
    // Xen's and Linux's guests only ever have Group 0 virtual interrupts on GICv2.
    this.state.vmcr.apr0 = v >>> 0;
    this.state.vmcr.apr1 = 0;
  }

  // Guest side (GICV) --------------------------------------------------------------------

  #ctlr(): number {
    const s = this.state, m = s.vmcr;
    return (m.igrpen0 & 1) | (m.igrpen1 & 1) << 1 | (s.ackCtl << 2) | (s.fiqEn << 3) |
      ((m.ctlr & 1) << 4) | ((m.ctlr & 2) << 8);
  }

  #setCtlr(v: number): void {
    const s = this.state, m = s.vmcr;
    m.igrpen0 = v & CTLR_GRP0 ? 1 : 0;
    m.igrpen1 = v & CTLR_GRP1 ? 1 : 0;
    s.ackCtl = v & CTLR_ACKCTL ? 1 : 0;
    s.fiqEn = v & CTLR_FIQEN ? 1 : 0;
    m.ctlr = (v & CTLR_CBPR ? 1 : 0) | (v & CTLR_EOIMODE ? 2 : 0);
  }

  /** GICV_IAR (`group1` false) or GICV_AIAR (true). */
  #acknowledge(group1: boolean): number {
    const i = this.signallableLr();
    if (i < 0) return SPURIOUS;
    const lr = this.lrs[i];
    if (lr.group === GROUP1 && !group1 && !this.state.ackCtl) return SPURIOUS_GROUP1;
    if (lr.group === GROUP0 && group1) return SPURIOUS;
    const value = (lr.hw ? 0 : (lr.pintid & 7) << 10) | lr.vintid;
    this.activate(i);
    return value;
  }

  /** GICV_HPPIR / AHPPIR: the best pending interrupt, whatever the priority masks. */
  #hppi(group1: boolean): number {
    const i = this.highestPendingLr();
    if (i < 0) return SPURIOUS;
    const lr = this.lrs[i];
    if (lr.group === GROUP1 && !group1 && !this.state.ackCtl) return SPURIOUS_GROUP1;
    if (lr.group === GROUP0 && group1) return SPURIOUS;
    return (lr.hw ? 0 : (lr.pintid & 7) << 10) | lr.vintid;
  }

  /** GICV_EOIR / AEOIR: priority drop, then deactivation unless EOImode is set. */
  #endOfInterrupt(v: number): void {
    const id = v & 0x3ff;
    if (id >= 1020) return; // special IDs: nothing was acknowledged
    if (!this.dropPriority(-1, id)) return;
    if (this.eoiDeactivates) this.deactivate(id, (v >>> 10) & 7);
    else this.update();
  }

  /** GICV_DIR (meaningful with EOImode = 1). */
  #dir(v: number): void {
    const id = v & 0x3ff;
    if (id >= 1020) return;
    if (this.eoiDeactivates) {
      this.log.guestError("gicv2-vcpuif", `GICV_DIR of ${id} with EOImode = 0 (ignored)`);
      return;
    }
    this.deactivate(id, (v >>> 10) & 7);
  }

  #rows(): RegRow[] {
    const m = () => this.state.vmcr;
    const after = (f: () => void) => {
      f();
      this.update();
    };
    return [
      {
        name: "GICV_CTLR",
        offset: 0x00,
        read: () => this.#ctlr(),
        write: (_i, v, mask) => after(() => this.#setCtlr(mergeLanes(this.#ctlr(), v, mask))),
      },
      {
        name: "GICV_PMR",
        offset: 0x04,
        read: () => m().pmr,
        write: (_i, v) => after(() => m().pmr = v & ICC_PRIORITY_MASK),
      },
      {
        name: "GICV_BPR",
        offset: 0x08,
        read: () => m().bpr0,
        write: (_i, v) => after(() => m().bpr0 = Math.max(v & 7, ICC_MIN_BPR0)),
      },
      { name: "GICV_IAR", offset: 0x0c, read: () => this.#acknowledge(false) },
      { name: "GICV_EOIR", offset: 0x10, write: (_i, v) => this.#endOfInterrupt(v) },
      {
        name: "GICV_RPR",
        offset: 0x14,
        read: () => {
          const a = (m().apr0 | m().apr1) >>> 0;
          return a === 0 ? 0xff : (31 - Math.clz32(a & -a)) << 3;
        },
      },
      { name: "GICV_HPPIR", offset: 0x18, read: () => this.#hppi(false) },
      {
        name: "GICV_ABPR",
        offset: 0x1c,
        read: () => m().bpr1,
        write: (_i, v) => after(() => m().bpr1 = Math.max(v & 7, ICC_MIN_BPR1)),
      },
      { name: "GICV_AIAR", offset: 0x20, read: () => this.#acknowledge(true) },
      { name: "GICV_AEOIR", offset: 0x24, write: (_i, v) => this.#endOfInterrupt(v) },
      { name: "GICV_AHPPIR", offset: 0x28, read: () => this.#hppi(true) },
      {
        name: "GICV_APR",
        offset: 0xd0,
        count: 4,
        // 5 preemption bits: only APR0 is implemented, the others are RAZ/WI.
        read: (i) => (i === 0 ? this.apr : 0),
        write: (i, v) => {
          if (i === 0) after(() => this.apr = v);
        },
      },
      { name: "GICV_IIDR", offset: 0xfc, read: () => GICV_IIDR },
      { name: "GICV_DIR", offset: 0x1000, write: (_i, v) => this.#dir(v) },
    ];
  }
}
