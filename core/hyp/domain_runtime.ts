/**
 * The glue between a domain and the hypervisor's interrupt paths: it is the domain as event
 * channels see it (shared_info, each vcpu's vcpu_info, the upcall PPI), the vGIC's ports (virtual
 * IRQ lines, maintenance, hardware-linked deactivation, kicks), and the virtual timer: the
 * vcpu's EL1 virtual timer is hardware-linked to virtual PPI 27, so the guest's deactivation ends
 * it without a maintenance interrupt; the EL1 physical timer drives PPI 30 as a level.
 */
import { abiField } from "./abi/layout.ts";
import { vcpu_info } from "./abi/shared_info.ts";
import type { Domain } from "./domain.ts";
import type { EvtchnDomain, VcpuInfoRef } from "./evtchn/evtchn_domain.ts";
import type { GuestPhys } from "./guest_phys.ts";
import type { Vgic, VgicPorts } from "./vgic/vgic.ts";
import type { Pl011 } from "../devices/pl011.ts";
import type { Pl031 } from "../devices/pl031.ts";
import type { PlacedDevice } from "./dm/placement.ts";
import type { PvConsoleBackend } from "./console/pv_console.ts";
import type { HostEndpoint } from "./evtchn/host_endpoint.ts";
import { StateError } from "./state_check.ts";
import { XenError } from "./xen_error.ts";
import type { Vcpu } from "./vcpu.ts";

const UPCALL_PENDING = abiField(vcpu_info, "evtchn_upcall_pending").offset;
const PENDING_SEL = abiField(vcpu_info, "evtchn_pending_sel").offset;
/** Virtual timer PPIs (arch-arm.h): EL1 virtual and non-secure physical. */
const VTIMER_PPI = 27;
const PTIMER_PPI = 30;

/** What the runtime needs from the hypervisor. */
export interface RuntimeHost {
  wake(v: Vcpu): void;
  /** Makes an interrupt pending through the hypervisor's "irq" hooks. */
  injectIrq(domid: number, vcpu: number | null, intid: number): "delivered" | "dropped" | "delayed";
}

/** One domain's interrupt and event glue. */
export class XenDomainRuntime implements EvtchnDomain {
  readonly domain: Domain;
  vgic!: Vgic;
  /** The domain's back ends (set by the builder's wiring). */
  backends!: {
    console: PvConsoleBackend;
    vpl011: Pl011 | null;
    /** The vpl011's device model as placed in the domain's MMIO (null without a vpl011). */
    vpl011Placed: PlacedDevice | null;
    /** The VM-spec devices by name ("pl031", "flash0", "flash1"), as placed. */
    vmDevices: Map<string, PlacedDevice>;
    /** The PL031, for its alarm ticks (null without one). */
    rtc: Pl031 | null;
    endpoints: { console: HostEndpoint; xenstore: HostEndpoint };
  };
  readonly #host: RuntimeHost;
  readonly #vcpuInfo = new Map<number, VcpuInfoRef>();

  constructor(domain: Domain, host: RuntimeHost) {
    this.domain = domain;
    this.#host = host;
  }

  /** The vGIC's ports, wired to this domain's vcpus. */
  vgicPorts(): VgicPorts {
    const v = (i: number) => this.domain.vcpus[i];
    return {
      signal: (i, irq, fiq) => {
        const c = v(i)?.cpu;
        if (!c) return;
        c.irqLine = irq;
        c.fiqLine = fiq;
      },
      onMaintenance: (i) => v(i)?.cpu.requestStop(),
      onPhysicalDeactivate: (i, pintid) => {
        const x = v(i);
        if (x === undefined || pintid !== VTIMER_PPI) return;
        x.vtimerInFlight = false;
        // The timer line may still be high: on hardware it would fire again at once.
        x.cpu.timer.update();
      },
      kick: (i) => {
        const x = v(i);
        if (x === undefined) return;
        this.#host.wake(x);
        if (x.runstate.state === "running") x.cpu.requestStop();
      },
    };
  }

  // ------------------------------------------------------------- EvtchnDomain

  get id(): number {
    return this.domain.id;
  }

  get phys(): GuestPhys {
    return this.domain.phys;
  }

  get vcpuCount(): number {
    return this.domain.vcpus.length;
  }

  sharedInfo(): DataView {
    return this.domain.sharedInfo();
  }

  vcpuInfo(vcpu: number): VcpuInfoRef | null {
    const r = this.#vcpuInfo.get(vcpu);
    if (r) return r;
    return vcpu === 0 ? { page: this.domain.sharedInfo(), offset: 0 } : null;
  }

  raiseUpcall(vcpu: number): void {
    this.#host.injectIrq(this.domain.id, vcpu, this.domain.evtchnPpi);
  }

  /**
   * VCPUOP_register_vcpu_info moved `v`'s vcpu_info: from now on events go there, and, as on
   * Xen, everything is marked pending so that nothing raised before the move is lost.
   */
  vcpuInfoMoved(v: Vcpu): void {
    const loc = v.vcpuInfo!;
    const ref = { page: this.domain.phys.page(loc.gfn, true), offset: loc.offset };
    this.#vcpuInfo.set(v.id, ref);
    ref.page.setBigUint64(ref.offset + PENDING_SEL, (1n << 64n) - 1n, true);
    ref.page.setUint8(ref.offset + UPCALL_PENDING, 1);
    this.raiseUpcall(v.id);
  }

  /**
   * Snapshots: rebuilds the views of registered vcpu_infos from each vcpu's `vcpuInfo` location
   * (call after the p2m, guest memory and the vcpus' own fields are restored), without the
   * mark-everything-pending of a registration. Throws StateError, changing nothing, when a
   * location is no longer the domain's memory.
   */
  restoreVcpuInfo(): void {
    const refs = new Map<number, VcpuInfoRef>();
    for (const v of this.domain.vcpus) {
      if (v.vcpuInfo === null) continue;
      try {
        refs.set(v.id, {
          page: this.domain.phys.page(v.vcpuInfo.gfn, true),
          offset: v.vcpuInfo.offset,
        });
      } catch (e) {
        if (e instanceof XenError) throw new StateError(`vcpu ${v.id} vcpuInfo: ${e.message}`);
        throw e;
      }
    }
    this.#vcpuInfo.clear();
    for (const [id, r] of refs) this.#vcpuInfo.set(id, r);
  }

  // ------------------------------------------------------------- the run loop's side

  /**
   * Something would wake `v` from WFI (Xen's local_events_need_delivery): an interrupt it would
   * take, or an event-channel upcall pending.
   */
  hasWork(v: Vcpu): boolean {
    return this.vgic.pending(v.id) || this.upcallPending(v);
  }

  upcallPending(v: Vcpu): boolean {
    const r = this.vcpuInfo(v.id);
    return r !== null && (r.page.getUint8(r.offset + UPCALL_PENDING) & 1) === 1;
  }

  timerChanged(v: Vcpu, id: "phys" | "virt", level: boolean): void {
    if (id === "phys") {
      this.vgic.setLevel(v.id, PTIMER_PPI, level);
      return;
    }
    if (level && !v.vtimerInFlight) {
      // A dropped timer interrupt is raised again at the next look (the line is still high).
      v.vtimerInFlight = this.#host.injectIrq(this.domain.id, v.id, VTIMER_PPI) !== "dropped";
    }
  }

  /** Links each vcpu's virtual timer PPI to the (virtual) physical timer interrupt. */
  linkTimers(): void {
    for (const v of this.domain.vcpus) this.vgic.hwLink(v.id, VTIMER_PPI, VTIMER_PPI);
  }
}
