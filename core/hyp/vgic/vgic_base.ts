/**
 * What the GICv2 and GICv3 vGICs share: the domain's interrupt state (the physical GICv3 model's
 * `GicV3IrqState`, vcpus in place of PEs, plus each SPI's target vcpu, SGI sources and hardware
 * links), injection, and moving interrupts between that state and the vcpus' list registers.
 *
 * Ownership: while an interrupt sits in a list register its pending state is the LR's (the
 * latch is cleared when it goes in and restored by `sync` if the guest has not taken it); its
 * active state always comes back with `sync`. `flush` rebuilds the list registers from scratch,
 * active interrupts first (the guest's EOI must find them), then pending ones by priority, so a
 * higher-priority interrupt never waits behind lower ones. Level-sensitive, non-HW interrupts whose
 * line is high go in with the EOI maintenance bit so the line is resampled when the guest is done.
 */
import { XenError } from "../xen_error.ts";
import type { GicCpuInterface } from "../../cpu/gic_cpu_interface.ts";
import { XEN_EINVAL } from "../abi/errno.ts";
import { type DeviceLog, NULL_LOG } from "../../devices/register_rows.ts";
import {
  type GicV3IrqState,
  isPending,
  newIrqState,
  setInput,
  slotOf,
} from "../../devices/gic_v3_irq_state.ts";
import { canSignal, ICC_PRIORITY_MASK } from "../../devices/gic_v3_cpu_interface.ts";
import {
  emptyLr,
  HCR_EN,
  HCR_LRENPIE,
  HCR_UIE,
  type ListReg,
  LR_ACTIVE,
  LR_PENDING,
  VGIC_NUM_LRS,
  type VirtCpuIf,
  type VirtCpuIfPorts,
  type VirtCpuIfState,
} from "../../devices/gic_virt_cpu_if.ts";
import type {
  Vgic,
  VgicConfig,
  VgicIrqRow,
  VgicLrRow,
  VgicPorts,
  VgicRegion,
  VgicVersion,
} from "./vgic.ts";

/** What identifies a list register's content for "did it change" (state 0 = free). */
function lrKey(lr: ListReg): number {
  return lr.state === 0 ? -1 : lr.vintid * 4 + lr.state;
}

/** Plain-data state of a vGIC's distributor side. */
export interface VgicState {
  /** GICD_CTLR as stored (v2: Enable in bit 0; v3: EnableGrp1A in bit 1). */
  dctlr: number;
  irqs: GicV3IrqState;
  /** Target vcpu of each SPI, by INTID. */
  target: Uint16Array;
  /** Sending vcpu of each pending SGI, by slot (GICv2 reports it in GICV_IAR). */
  sgiSource: Uint8Array;
  /** Physical INTID each slot is hardware-linked to, -1 when none. */
  hwLink: Int32Array;
  /** Slot held by LR `vcpu * VGIC_NUM_LRS + i`, -1 when none. */
  lrSlot: Int32Array;
  /** 1 when that LR took the slot's pending latch (given back by `sync` if still pending). */
  lrLatched: Uint8Array;
  /**
   * What each LR held when the guest last left (by lrKey), for counting the writes `flush` needs;
   * absent in snapshots from before list-register costs.
   */
  lrSeen?: Int32Array;
  /** 1 while a vcpu's LRs have been taken back and not yet refilled. */
  lrSynced?: Uint8Array;
}

/** The fields older snapshots may lack (filled from a reset state). */
const OPTIONAL_STATE: ReadonlySet<string> = new Set(["lrSeen", "lrSynced"]);

/** `save()` of a vGIC: the distributor side and each vcpu's virtual CPU interface. */
export interface VgicSnapshot {
  dist: VgicState;
  cpus: VirtCpuIfState[];
}

/** The shared half of a vGIC; `C` is the version's virtual CPU interface. */
export abstract class VgicBase<C extends VirtCpuIf> implements Vgic {
  abstract readonly version: VgicVersion;
  readonly numVcpus: number;
  readonly numIrqs: number;
  accessVcpu = 0;
  state: VgicState;
  protected readonly ports: VgicPorts;
  protected readonly log: DeviceLog;
  protected readonly cpuIfs: C[];
  /** The group list registers carry (Xen: Group 0 on GICv2, Group 1 on GICv3). */
  protected abstract readonly lrGroup: number;

  constructor(
    ports: VgicPorts,
    config: VgicConfig,
    maxVcpus: number,
    makeCpuIf: (ports: VirtCpuIfPorts, vcpu: number, vgic: Vgic) => C,
  ) {
    const { numVcpus, nrSpis } = config;
    if (!Number.isInteger(numVcpus) || numVcpus < 1 || numVcpus > maxVcpus) {
      throw new XenError(XEN_EINVAL, `vGIC: ${numVcpus} vcpus (1..${maxVcpus})`);
    }
    // Xen's domain_vgic_init: rounded up to 32, at most 1020 - 32.
    const spis = Math.ceil(nrSpis / 32) * 32;
    if (!Number.isInteger(nrSpis) || nrSpis < 0 || spis > 1020 - 32) {
      throw new XenError(XEN_EINVAL, `vGIC: nr_spis ${nrSpis}`);
    }
    this.numVcpus = numVcpus;
    this.numIrqs = 32 + spis;
    this.ports = ports;
    this.log = ports.log ?? NULL_LOG;
    this.state = this.#reset();
    this.cpuIfs = Array.from({ length: numVcpus }, (_, v) =>
      makeCpuIf(
        {
          signal: (irq, fiq) => ports.signal(v, irq, fiq),
          onMaintenance: () => ports.onMaintenance(v),
          onPhysicalDeactivate: (p) => ports.onPhysicalDeactivate(v, p),
          log: this.log,
        },
        v,
        this,
      ));
  }

  #reset(): VgicState {
    const slots = this.numVcpus * 32 + this.numIrqs - 32;
    return {
      dctlr: 0,
      irqs: newIrqState(this.numVcpus, this.numIrqs),
      target: new Uint16Array(this.numIrqs),
      sgiSource: new Uint8Array(slots),
      hwLink: new Int32Array(slots).fill(-1),
      lrSlot: new Int32Array(this.numVcpus * VGIC_NUM_LRS).fill(-1),
      lrLatched: new Uint8Array(this.numVcpus * VGIC_NUM_LRS),
      lrSeen: new Int32Array(this.numVcpus * VGIC_NUM_LRS).fill(-1),
      lrSynced: new Uint8Array(this.numVcpus),
    };
  }

  abstract regions(): VgicRegion[];
  abstract iccInterface(vcpu: number): GicCpuInterface | null;
  abstract onSgi(vcpu: number, reg: "SGI1R" | "SGI0R" | "ASGI1R", value: bigint): void;
  /** True when the distributor forwards interrupts (GICD_CTLR enable). */
  protected abstract distEnabled(): boolean;

  cpuIf(vcpu: number): C {
    this.#checkVcpu(vcpu);
    return this.cpuIfs[vcpu];
  }

  /** Slot of `intid` as `vcpu` sees it. */
  slot(vcpu: number, intid: number): number {
    return slotOf(this.numVcpus, vcpu, intid);
  }

  #checkVcpu(vcpu: number): void {
    if (!Number.isInteger(vcpu) || vcpu < 0 || vcpu >= this.numVcpus) {
      throw new XenError(XEN_EINVAL, `vGIC: no vcpu ${vcpu} (domain has ${this.numVcpus})`);
    }
  }

  /** Slot of an interrupt named by the hypervisor; `vcpu` matters for private ones. */
  #slotFor(vcpu: number | null, intid: number, what: string): number {
    if (!Number.isInteger(intid) || intid < 0 || intid >= this.numIrqs) {
      throw new XenError(XEN_EINVAL, `vGIC ${what}: INTID ${intid} (0..${this.numIrqs - 1})`);
    }
    if (intid >= 32) return this.slot(0, intid);
    if (vcpu === null) {
      throw new XenError(XEN_EINVAL, `vGIC ${what}: private INTID ${intid} needs a vcpu`);
    }
    this.#checkVcpu(vcpu);
    return this.slot(vcpu, intid);
  }

  /** The vcpu interrupt `intid` of slot owner `vcpu` is delivered to. */
  protected targetOf(vcpu: number, intid: number): number {
    return intid < 32 ? vcpu : this.state.target[intid];
  }

  inject(vcpu: number | null, intid: number): void {
    const k = this.#slotFor(vcpu, intid, "inject");
    this.state.irqs.latch[k] = 1;
    this.#kick(this.targetOf(vcpu ?? 0, intid));
  }

  setLevel(vcpu: number | null, intid: number, level: boolean): void {
    const k = this.#slotFor(vcpu, intid, "setLevel");
    if (setInput(this.state.irqs, k, level) && level) this.#kick(this.targetOf(vcpu ?? 0, intid));
  }

  hwLink(vcpu: number, vintid: number, pintid: number | null): void {
    const k = this.#slotFor(vcpu, vintid, "hwLink");
    if (vintid < 16) throw new XenError(XEN_EINVAL, `vGIC hwLink: SGI ${vintid}`);
    if (pintid !== null && (!Number.isInteger(pintid) || pintid < 16 || pintid >= 1020)) {
      throw new XenError(XEN_EINVAL, `vGIC hwLink: physical INTID ${pintid}`);
    }
    this.state.hwLink[k] = pintid ?? -1;
  }

  /** Makes SGI `id` from `from` pending on each vcpu in `targets` (the caller kicks). */
  protected sendSgi(from: number, id: number, targets: Iterable<number>): void {
    for (const t of targets) {
      const k = this.slot(t, id);
      this.state.irqs.latch[k] = 1;
      this.state.sgiSource[k] = from;
    }
  }

  /** Kicks every vcpu with something deliverable (after a distributor write). */
  protected kickPending(): void {
    for (let v = 0; v < this.numVcpus; v++) this.#kick(v);
  }

  #kick(vcpu: number): void {
    if (this.pending(vcpu)) this.ports.kick(vcpu);
  }

  /** True when slot `k` (INTID `id`) is pending, enabled and may be forwarded. */
  #forwardable(k: number): boolean {
    const s = this.state.irqs;
    return s.enabled[k] === 1 && isPending(s, k) && this.distEnabled();
  }

  pending(vcpu: number): boolean {
    this.#checkVcpu(vcpu);
    const cif = this.cpuIfs[vcpu];
    if (cif.signallableLr() >= 0) return true;
    const vmcr = cif.state.vmcr;
    const g = this.lrGroup;
    if (!((g === 0 ? vmcr.igrpen0 : vmcr.igrpen1) & 1)) return false;
    const s = this.state.irqs;
    for (let id = 0; id < this.numIrqs; id++) {
      if (this.targetOf(vcpu, id) !== vcpu) continue;
      const k = this.slot(vcpu, id);
      if (s.active[k] || !this.#forwardable(k)) continue;
      if (canSignal(vmcr, { id, priority: s.priority[k] & ICC_PRIORITY_MASK, group: g })) {
        return true;
      }
    }
    return false;
  }

  sync(vcpu: number): void {
    this.#checkVcpu(vcpu);
    const st = this.state, s = st.irqs, cif = this.cpuIfs[vcpu];
    if (!st.lrSynced![vcpu]) {
      st.lrSynced![vcpu] = 1;
      cif.lrs.forEach((lr, i) => st.lrSeen![vcpu * VGIC_NUM_LRS + i] = lrKey(lr));
    }
    const placed = new Set<number>();
    for (let i = 0; i < VGIC_NUM_LRS; i++) {
      const j = vcpu * VGIC_NUM_LRS + i, k = st.lrSlot[j];
      if (k < 0) continue;
      const lr = cif.lrs[i];
      s.active[k] = lr.state & LR_ACTIVE ? 1 : 0;
      if ((lr.state & LR_PENDING) && st.lrLatched[j]) s.latch[k] = 1;
      placed.add(k);
      st.lrSlot[j] = -1;
      st.lrLatched[j] = 0;
      cif.lrs[i] = emptyLr();
    }
    // EOIs that found no list register: deactivate the interrupts that were active outside
    // them, highest priority first (the order a guest's nested EOIs come in).
    for (let n = cif.eoiCount; n > 0; n--) {
      let best = -1, prio = 0x100;
      for (let id = 0; id < this.numIrqs; id++) {
        const k = this.slot(vcpu, id);
        if (
          this.targetOf(vcpu, id) === vcpu && s.active[k] && !placed.has(k) && s.priority[k] < prio
        ) {
          best = k;
          prio = s.priority[k];
        }
      }
      if (best < 0) break;
      s.active[best] = 0;
      if (st.hwLink[best] >= 0) this.ports.onPhysicalDeactivate(vcpu, st.hwLink[best]);
    }
    cif.state.hcr &= HCR_EN;
    cif.update();
  }

  flush(vcpu: number): number {
    this.sync(vcpu);
    const st = this.state, s = st.irqs, cif = this.cpuIfs[vcpu];
    const cands: { k: number; id: number; active: number }[] = [];
    for (let id = 0; id < this.numIrqs; id++) {
      if (this.targetOf(vcpu, id) !== vcpu) continue;
      const k = this.slot(vcpu, id);
      if (s.active[k] || this.#forwardable(k)) cands.push({ k, id, active: s.active[k] });
    }
    cands.sort((a, b) =>
      (b.active - a.active) || (s.priority[a.k] - s.priority[b.k]) || (a.id - b.id)
    );
    let hcr = HCR_EN;
    cands.forEach((c, i) => {
      if (i >= VGIC_NUM_LRS) {
        // Underflow brings the rest in once the guest has taken most; LRENP catches EOIs of
        // active interrupts that found no room.
        hcr |= c.active ? HCR_LRENPIE : HCR_UIE;
        return;
      }
      const k = c.k, hw = st.hwLink[k] >= 0, j = vcpu * VGIC_NUM_LRS + i;
      // An active interrupt is also pending only by its latch (edge); a level one is resampled
      // through the EOI maintenance interrupt instead. HW entries cannot be pending and active.
      const pend = c.active ? !hw && s.latch[k] === 1 : true;
      st.lrSlot[j] = k;
      st.lrLatched[j] = pend ? s.latch[k] : 0;
      if (pend) s.latch[k] = 0;
      cif.lrs[i] = {
        state: (c.active ? LR_ACTIVE : 0) | (pend ? LR_PENDING : 0),
        vintid: c.id,
        pintid: hw ? st.hwLink[k] : c.id < 16 ? st.sgiSource[k] : 0,
        priority: s.priority[k] & ICC_PRIORITY_MASK,
        group: this.lrGroup,
        hw: hw ? 1 : 0,
        // Only a level line needs resampling: a latched (injected) interrupt is done once taken.
        eoi: !hw && s.edge[k] === 0 && s.level[k] === 1 ? 1 : 0,
      };
    });
    cif.state.hcr = hcr;
    cif.update();
    // An entry the hardware still holds as the guest left it (say pending -> active) needs no write.
    st.lrSynced![vcpu] = 0;
    let writes = 0;
    cif.lrs.forEach((lr, i) => {
      if (lr.state !== 0 && lrKey(lr) !== st.lrSeen![vcpu * VGIC_NUM_LRS + i]) writes++;
    });
    return writes;
  }

  /** A copy of the whole vGIC state (distributor side and every vcpu interface), plain data. */
  save(): VgicSnapshot {
    return { dist: structuredClone(this.state), cpus: this.cpuIfs.map((c) => c.save()) };
  }

  /** Restores a state made by `save()` of a vGIC of the same shape; refuses any other. */
  restore(saved: VgicSnapshot): void {
    const ref = this.#reset();
    for (const k of Object.keys(ref) as (keyof VgicState)[]) {
      const a = saved.dist?.[k] as unknown, b = ref[k] as unknown;
      if (a === undefined && OPTIONAL_STATE.has(k)) continue;
      const len = (x: unknown) => (ArrayBuffer.isView(x) ? (x as Uint8Array).length : -1);
      if (typeof a !== typeof b || len(a) !== len(b)) {
        throw new Error(`vGIC: saved state field ${k} does not fit this vGIC`);
      }
    }
    if (!Array.isArray(saved.cpus) || saved.cpus.length !== this.numVcpus) {
      throw new Error(`vGIC: saved state has ${saved.cpus?.length} vcpu interfaces`);
    }
    this.state = { ...ref, ...structuredClone(saved.dist) };
    saved.cpus.forEach((c, v) => this.cpuIfs[v].restore(c));
  }

  irqTable(): { irqs: VgicIrqRow[]; lrs: VgicLrRow[] } {
    const st = this.state, s = st.irqs;
    const irqs: VgicIrqRow[] = [];
    const row = (vcpu: number, id: number) => {
      const k = this.slot(vcpu, id);
      if (!s.enabled[k] && !isPending(s, k) && !s.active[k] && st.hwLink[k] < 0) return;
      irqs.push({
        intid: id,
        vcpu: this.targetOf(vcpu, id),
        enabled: s.enabled[k] === 1,
        pending: isPending(s, k),
        active: s.active[k] === 1,
        level: s.level[k] === 1,
        edge: s.edge[k] === 1,
        priority: s.priority[k],
        hw: st.hwLink[k],
      });
    };
    for (let v = 0; v < this.numVcpus; v++) for (let id = 0; id < 32; id++) row(v, id);
    for (let id = 32; id < this.numIrqs; id++) row(0, id);
    const lrs: VgicLrRow[] = [];
    this.cpuIfs.forEach((c, vcpu) =>
      c.lrs.forEach((lr, i) => {
        if (lr.state !== 0 || lr.eoi) lrs.push({ vcpu, lr: i, ...lr });
      })
    );
    return { irqs, lrs };
  }
}
