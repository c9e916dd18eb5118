/**
 * A virtual CPU. hvlab gives each vcpu its own emulated PE (`Cpu`): the PE object holds the
 * vcpu's whole EL1/EL0 context (registers, system registers, timers), which is what Xen saves and
 * restores on a world switch; the hypervisor runs a vcpu by running its PE on a physical CPU's
 * time line. EL2's controls of the PE (HCR_EL2, stage 2 = the domain's p2m, the virtual MPIDR)
 * are set here once and stay with the vcpu.
 */
import type { Cpu } from "../cpu/cpu.ts";
import type { El2Controls } from "../cpu/el2.ts";
import { HCR } from "../cpu/el2.ts";
import {
  RUNSTATE_blocked,
  RUNSTATE_offline,
  RUNSTATE_runnable,
  RUNSTATE_running,
} from "./abi/vcpu.ts";
import { GuestVirt } from "./guest_virt.ts";
import type { GuestPhys } from "./guest_phys.ts";
import type { SchedUnit } from "./sched/scheduler.ts";

/** Scheduling state of a vcpu (Xen's runstates). */
export type VcpuState = "running" | "runnable" | "blocked" | "offline";

/** RUNSTATE_* value of a state. */
export const RUNSTATE_OF: Readonly<Record<VcpuState, number>> = {
  running: RUNSTATE_running,
  runnable: RUNSTATE_runnable,
  blocked: RUNSTATE_blocked,
  offline: RUNSTATE_offline,
};

/** HCR_EL2 for guests, as Xen 4.17 sets it (the bits hvlab models); TWI/TWE per `vwfi`. */
export function guestHcr(vwfi: "trap" | "native"): bigint {
  const base = HCR.VM | HCR.IMO | HCR.FMO | HCR.AMO | HCR.TSC | HCR.TACR | HCR.TSW;
  return vwfi === "trap" ? base | HCR.TWI | HCR.TWE : base;
}

/** Xen's vcpuid_to_vaffinity: the MPIDR a guest reads on vcpu `id` (Aff0 = id & 15, Aff1 = id >> 4). */
export function vcpuMpidr(id: number): bigint {
  return (1n << 31n) | (BigInt(id >> 4) << 8n) | BigInt(id & 15);
}

/** Where a vcpu_info lives: a guest frame and offset (VCPUOP_register_vcpu_info). */
export interface VcpuInfoLocation {
  gfn: number;
  offset: number;
}

/** Per-state time accounting in nanoseconds of virtual time (vcpu_runstate_info). */
export interface Runstate {
  state: VcpuState;
  /** Virtual ns when the current state was entered. */
  entryNs: number;
  /** ns spent in running, runnable, blocked, offline. */
  timeNs: [number, number, number, number];
}

/** One virtual CPU of a domain. */
export class Vcpu {
  readonly id: number;
  readonly domainId: number;
  readonly cpu: Cpu;
  readonly el2: El2Controls;
  readonly guest: GuestVirt;
  /** Its processor: the pCPU it last ran on or was placed on (Xen's v->processor). */
  pcpu: number;
  /** What the scheduler knows of it: identity and hard/soft affinity. */
  readonly unit: SchedUnit;
  /** Its own local time: PE cycles = cpu.retired + timeBase (set when it is placed on a pCPU). */
  timeBase = 0;
  readonly runstate: Runstate;
  /** The registered vcpu_info, or null (vcpu 0 then uses the slot in shared_info). */
  vcpuInfo: VcpuInfoLocation | null = null;
  /** VCPUOP_register_runstate_memory_area: guest virtual address, or null. */
  runstateArea: bigint | null = null;
  /** SCHEDOP_yield or a trapped WFE: give up the rest of this slice. */
  yielded = false;
  /** Paused by the toolstack (REPL, xl pause): not scheduled, whatever its state. */
  paused = false;
  /** PSCI CPU_OFF or never brought up. */
  get online(): boolean {
    return this.runstate.state !== "offline";
  }
  /** The virtual timer PPI is in a list register, linked to the (virtual) physical timer. */
  vtimerInFlight = false;
  /** SCHEDOP_poll: the ports a blocked vcpu waits on, or null. */
  pollPorts: number[] | null = null;
  /** Virtual ns at which a SCHEDOP_poll timeout or singleshot timer expires, or null. */
  pollTimeoutNs: number | null = null;
  /** Hypercalls made, by "name" or "name/subop" (the REPL and scenario scripts count these). */
  readonly hypercalls = new Map<string, number>();
  /** SMCCC calls (PSCI and friends, HVC #0 or SMC), by function id as "0x84000003". */
  readonly smccc = new Map<string, number>();
  /** Exits handled, by kind. */
  readonly exits = new Map<string, number>();
  /** Cycles the hypervisor spent on this vcpu's behalf (the cost model's charges while it ran). */
  hypCycles = 0;
  /** The physical interrupt that woke it was already charged (its list registers come free). */
  irqTaken = false;

  constructor(domainId: number, id: number, cpu: Cpu, el2: El2Controls, phys: GuestPhys) {
    this.domainId = domainId;
    this.id = id;
    this.cpu = cpu;
    this.el2 = el2;
    cpu.el2 = el2;
    cpu.translationContextChanged();
    this.guest = new GuestVirt(cpu, phys);
    this.pcpu = 0;
    this.unit = { domid: domainId, vcpu: id, hard: null, soft: null };
    this.runstate = { state: "offline", entryNs: 0, timeNs: [0, 0, 0, 0] };
  }

  /** Moves to `state` at virtual time `nowNs`, accounting the time spent in the old one. */
  setState(state: VcpuState, nowNs: number): void {
    const r = this.runstate;
    if (r.state === state) return;
    r.timeNs[RUNSTATE_OF[r.state]] += Math.max(0, nowNs - r.entryNs);
    r.state = state;
    r.entryNs = nowNs;
  }

  /** Counts an event in one of the counters. */
  static bump(map: Map<string, number>, key: string): void {
    map.set(key, (map.get(key) ?? 0) + 1);
  }
}
