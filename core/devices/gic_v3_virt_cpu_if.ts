/**
 * GICv3 virtual CPU interface of one vcpu: the ICV_* behaviour of the ICC_* system registers an
 * EL1 guest uses while HCR_EL2.IMO/FMO are set (plug it in as the vcpu's `cpu.gicCpuIf`), and the
 * ICH_*_EL2 view for the hypervisor (64-bit ICH_LR<n>_EL2, ICH_VMCR_EL2, ICH_AP0R0/AP1R0,
 * ICH_VTR_EL2), over the shared `VirtCpuIf`. ICC_SGI*R writes trap to EL2 on hardware: here they
 * go to the `onSgi` port. ICC_SRE_EL1 reads 7 and ignores writes (system registers only).
 */
import type { GicCpuInterface, IccRegister } from "../cpu/gic_cpu_interface.ts";
import { GROUP0, GROUP1, INTID_SPURIOUS } from "./gic_v3_irq_state.ts";
import {
  ICC_MIN_BPR0,
  ICC_MIN_BPR1,
  ICC_PRIORITY_MASK,
  readIccField,
  writeIccField,
} from "./gic_v3_cpu_interface.ts";
import { type ListReg, VGIC_NUM_LRS, VirtCpuIf, type VirtCpuIfPorts } from "./gic_virt_cpu_if.ts";

/** ICC registers that generate SGIs (trapped to the hypervisor). */
export type SgiRegister = "SGI1R" | "SGI0R" | "ASGI1R";

/** Ports of a GICv3 virtual CPU interface: the shared ones plus the SGI trap. */
export interface GicV3VirtCpuIfPorts extends VirtCpuIfPorts {
  /** The guest wrote ICC_<reg>_EL1 (EL2 emulates SGI generation). */
  onSgi(reg: SgiRegister, value: bigint): void;
}

/** ICH_VTR_EL2: PRIbits 5, PREbits 5, A3V, 16-bit IDs, 4 list registers (fields minus one). */
export const ICH_VTR = (4 << 29) | (4 << 26) | (1 << 21) | (VGIC_NUM_LRS - 1);
/** ICV_CTLR_EL1 read-only fields: A3V, IDbits = 16 bits, PRIbits = 5 - 1. */
const ICV_CTLR_RO = (1 << 15) | (4 << 8);

/** Encodes a list register in the ICH_LR<n>_EL2 format. */
export function encodeIchLr(lr: ListReg): bigint {
  const pid = lr.hw ? BigInt(lr.pintid & 0x1fff) : lr.eoi ? 1n << 9n : 0n;
  return (BigInt(lr.state & 3) << 62n) | (BigInt(lr.hw & 1) << 61n) |
    (BigInt(lr.group & 1) << 60n) | (BigInt(lr.priority & 0xff) << 48n) | (pid << 32n) |
    BigInt(lr.vintid >>> 0);
}

/** Decodes an ICH_LR<n>_EL2 value. */
export function decodeIchLr(v: bigint): ListReg {
  const hw = Number((v >> 61n) & 1n);
  const pid = Number((v >> 32n) & 0x1fffn);
  return {
    state: Number((v >> 62n) & 3n),
    vintid: Number(v & 0xffff_ffffn),
    pintid: hw ? pid : 0,
    priority: Number((v >> 48n) & 0xffn),
    group: Number((v >> 60n) & 1n),
    hw,
    eoi: hw ? 0 : (pid >>> 9) & 1,
  };
}

/** The GICv3 virtual CPU interface of one vcpu. */
export class GicV3VirtCpuIf extends VirtCpuIf implements GicCpuInterface {
  readonly #onSgi: (reg: SgiRegister, value: bigint) => void;

  constructor(ports: GicV3VirtCpuIfPorts) {
    super(ports, "gicv3-vcpuif", true);
    this.#onSgi = (reg, value) => ports.onSgi(reg, value);
  }

  // Hypervisor side (ICH) ----------------------------------------------------------------

  /** ICH_LR<i>_EL2. */
  readLr(i: number): bigint {
    return encodeIchLr(this.lrs[i]);
  }

  /** Writes ICH_LR<i>_EL2 (call `update()` once done changing the interface). */
  writeLr(i: number, v: bigint): void {
    this.state.lrs[i] = decodeIchLr(v);
  }

  /** ICH_VMCR_EL2. */
  get vmcr(): bigint {
    const s = this.state, m = s.vmcr;
    return BigInt(
      ((m.pmr << 24) | (m.bpr0 & 7) << 21 | (m.bpr1 & 7) << 18 | ((m.ctlr & 2) << 8) |
        ((m.ctlr & 1) << 4) | (s.fiqEn << 3) | (s.ackCtl << 2) | ((m.igrpen1 & 1) << 1) |
        (m.igrpen0 & 1)) >>> 0,
    );
  }

  set vmcr(value: bigint) {
    const v = Number(value & 0xffff_ffffn), s = this.state, m = s.vmcr;
    m.pmr = (v >>> 24) & ICC_PRIORITY_MASK;
    m.bpr0 = Math.max((v >>> 21) & 7, ICC_MIN_BPR0);
    m.bpr1 = Math.max((v >>> 18) & 7, ICC_MIN_BPR1);
    m.ctlr = ((v >>> 4) & 1) | (((v >>> 9) & 1) << 1);
    s.fiqEn = (v >>> 3) & 1;
    s.ackCtl = (v >>> 2) & 1;
    m.igrpen1 = (v >>> 1) & 1;
    m.igrpen0 = v & 1;
  }

  // Guest side (ICV behind ICC_*_EL1) --------------------------------------------------

  /** MRS of ICC_<reg>_EL1 under IMO/FMO. */
  read(reg: IccRegister): bigint {
    const m = this.state.vmcr;
    const field = readIccField(m, reg);
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
        return BigInt(ICV_CTLR_RO | (m.ctlr & 3));
      default:
        // Write-only registers: the PE's access checks never send reads here.
        this.log.guestError(this.name, `read of write-only ICV_${reg}_EL1`);
        return 0n;
    }
  }

  /** MSR of ICC_<reg>_EL1 under IMO/FMO. */
  write(reg: IccRegister, value: bigint): void {
    const m = this.state.vmcr;
    const v = Number(value & 0xffff_ffffn);
    if (writeIccField(m, reg, v)) {
      if (reg !== "SRE") this.update();
      return;
    }
    switch (reg) {
      case "EOIR0":
      case "EOIR1":
        return this.#endOfInterrupt(reg === "EOIR0" ? GROUP0 : GROUP1, v & 0xffffff);
      case "DIR":
        return this.#dir(v & 0xffffff);
      case "CTLR":
        m.ctlr = v & 3;
        break;
      case "SGI0R":
      case "SGI1R":
      case "ASGI1R":
        return this.#onSgi(reg, value);
      default:
        this.log.guestError(this.name, `write of read-only ICV_${reg}_EL1`);
        return;
    }
    this.update();
  }

  /** ICV_IAR<group>: the LR that may be taken now, if it is of `group`, made active. */
  #acknowledge(group: number): number {
    const i = this.signallableLr();
    if (i < 0 || this.lrs[i].group !== group) return INTID_SPURIOUS;
    const id = this.lrs[i].vintid;
    this.activate(i);
    return id;
  }

  /** ICV_HPPIR<group>: the highest pending LR whatever the masks, if it is of `group`. */
  #hppir(group: number): number {
    const i = this.highestPendingLr();
    return i < 0 || this.lrs[i].group !== group ? INTID_SPURIOUS : this.lrs[i].vintid;
  }

  #endOfInterrupt(group: number, id: number): void {
    if (id >= 1020 && id <= 1023) return; // special INTIDs: nothing was acknowledged
    if (!this.dropPriority(group, id)) return;
    if (this.eoiDeactivates) this.deactivate(id, -1);
    else this.update();
  }

  #dir(id: number): void {
    if (id >= 1020 && id <= 1023) return;
    if (this.eoiDeactivates) {
      this.log.guestError(this.name, `ICV_DIR of ${id} with EOImode = 0 (ignored)`);
      return;
    }
    this.deactivate(id, -1);
  }
}
