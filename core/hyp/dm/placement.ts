/**
 * Where a device model runs, and what that costs and risks (ARCHITECTURE.md practice 7: the model
 * is written once as an MmioDevice; the placement is an adapter around it).
 *
 * - "hypervisor": the model runs in EL2 on the trapping vcpu's time, for the trap's cost alone; a
 *   fault in it is a fault of the hypervisor: a (simulated) panic that takes the machine down.
 * - "el0": an EL0 app (the xen-devel 2017 proposal): entered from EL2 on the trapping vcpu's time
 *   slice and accounted to it, paying a switch into and out of the app's own context per access;
 *   a fault is contained to the serviced domain, which is crashed, and the app is gone.
 *
 * Stub-domain and ioreq-server placements run the model in another domain behind Xen's ioreq
 * ABI (core/hyp/ioreq/); they do not go through this adapter.
 *
 * @module
 */
import type { MmioAccess, MmioDevice, MmioOutcome } from "../../mem/mmio_bus.ts";

/** Every placement hvlab models, as the REPL and the placement lab name them. */
export const PLACEMENTS = ["hypervisor", "el0", "stubdom", "ioreq"] as const;
/** One placement. */
export type Placement = typeof PLACEMENTS[number];
/** The placements this adapter runs (in the serviced vcpu's trap path). */
export type InlinePlacement = "hypervisor" | "el0";

/** A fault injected into a device model on purpose (the REPL's kill / hang). */
export type InjectedFault = "none" | "crash" | "hang";

/** A device model: MMIO registers and its own state as plain data. */
export interface DeviceModel extends MmioDevice {
  save(): unknown;
  restore(saved: unknown): void;
}

/** What a placed device needs from the hypervisor. */
export interface PlacementHost {
  /** Charges cycles of work to the trapping vcpu (its time and its accounting). */
  charge(cycles: number, what: string): void;
  /** Cycles of one switch into an EL0 app and back (the cost model's `el0Switch`). */
  el0SwitchCycles(): number;
  /** Crashes the serviced domain (Xen's domain_crash). */
  crashDomain(reason: string): void;
  /** Stops the whole machine with a hypervisor panic. */
  panic(reason: string): void;
}

/** Plain-data state of a placed device (its model's state is saved by the model). */
export interface PlacedDeviceState {
  placement: InlinePlacement;
  fault: InjectedFault;
  /** The model faulted and is gone (its accesses abort). */
  dead: boolean;
  /** Accesses served, for the placement lab's accounting. */
  accesses: number;
}

/** A device model in the trap path of the domain it serves. */
export class PlacedDevice implements MmioDevice {
  readonly model: DeviceModel;
  readonly #host: PlacementHost;
  state: PlacedDeviceState;

  constructor(model: DeviceModel, placement: InlinePlacement, host: PlacementHost) {
    this.model = model;
    this.#host = host;
    this.state = { placement, fault: "none", dead: false, accesses: 0 };
  }

  get name(): string {
    return this.model.name;
  }

  get placement(): InlinePlacement {
    return this.state.placement;
  }

  /** Moves the model to another inline placement (its registers keep their state). */
  set placement(p: InlinePlacement) {
    if (p !== "hypervisor" && p !== "el0") {
      throw new Error(`${this.name}: placement ${JSON.stringify(p)} is not hypervisor or el0`);
    }
    this.state.placement = p;
  }

  access(a: MmioAccess): MmioOutcome {
    const s = this.state;
    if (s.dead) return "abort";
    s.accesses++;
    if (s.placement === "el0") this.#host.charge(this.#host.el0SwitchCycles(), `el0:${this.name}`);
    try {
      if (s.fault === "crash") throw new Error("crashed on purpose");
      if (s.fault === "hang") return this.#hung();
      return this.model.access(a);
    } catch (e) {
      const why = `device model ${this.name} faulted: ${e instanceof Error ? e.message : e}`;
      s.dead = true;
      if (s.placement === "hypervisor") this.#host.panic(`${why} (in the hypervisor)`);
      else this.#host.crashDomain(`${why} (EL0 app; the domain it served is crashed)`);
      return "abort";
    }
  }

  /**
   * A model that never returns. In the hypervisor it holds a pCPU in EL2 for good, which Xen's
   * watchdog turns into a panic; as an EL0 app it runs on the serviced vcpu's time, so that vcpu
   * re-enters it on every attempt ("retry": the access is never completed) and burns its own
   * slices while the scheduler keeps everyone else running.
   */
  #hung(): MmioOutcome {
    if (this.state.placement === "hypervisor") {
      this.state.dead = true;
      this.#host.panic(
        `watchdog: a pCPU is stuck in device model ${this.name} (in the hypervisor)`,
      );
      return "abort";
    }
    return "retry";
  }

  /** A copy of the adapter's state (plain data). */
  save(): PlacedDeviceState {
    return { ...this.state };
  }

  /** Restores `save()` output; throws naming a bad field, changing nothing. */
  restore(s: PlacedDeviceState): void {
    const bad = s === null || typeof s !== "object"
      ? "state"
      : s.placement !== "hypervisor" && s.placement !== "el0"
      ? "placement"
      : !["none", "crash", "hang"].includes(s.fault)
      ? "fault"
      : typeof s.dead !== "boolean"
      ? "dead"
      : !Number.isSafeInteger(s.accesses) || s.accesses < 0
      ? "accesses"
      : null;
    if (bad !== null) {
      throw new Error(`${this.name}: saved placement ${bad} ${JSON.stringify(s?.[bad as "dead"])}`);
    }
    this.state = { ...s };
  }
}
