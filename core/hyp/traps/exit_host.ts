/**
 * What the exit handlers need from the run loop: the hooks, the hypercall table, time and
 * scheduling operations. The hypervisor implements it over its private state.
 */
import type { Domain } from "../domain.ts";
import type { Hooks } from "../hooks.ts";
import type { HypercallTable } from "../hypercall/table.ts";
import type { HypervisorServices } from "../services.ts";
import type { Pcpu } from "../pcpu.ts";
import type { Vcpu } from "../vcpu.ts";
import type { VsmcccHost } from "../vsmccc.ts";
import type { GicCpuInterface } from "../../cpu/gic_cpu_interface.ts";

/** The run loop as the exit handlers see it. */
export interface ExitHost extends VsmcccHost {
  readonly services: HypervisorServices;
  readonly hooks: Hooks;
  readonly table: HypercallTable;
  /** Charges the instruction the hypervisor completed for the PE (it did not retire there). */
  emulated(v: Vcpu): void;
  /** Reports a fault reflected to the guest to the "fault" hooks. */
  fault(d: Domain, v: Vcpu, kind: "dabt" | "iabt" | "undef", ipa: bigint, esr: number): void;
  /** Lets `p`'s time pass with `v` on it, until its timer or `end`. */
  idleOnPcpu(p: Pcpu, v: Vcpu, end: number): void;
  /** True when another vcpu could run on `p` now. */
  othersRunnable(p: Pcpu, v: Vcpu): boolean;
  /** A debugger event stopped `v`: the run returns. */
  stopForDebug(v: Vcpu): void;
  /** The GICv3 virtual CPU interface of `v`, if its domain has one. */
  iccInterface(v: Vcpu): GicCpuInterface | null;
}
