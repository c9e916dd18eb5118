/**
 * A domain: its p2m and guest-physical memory, its vcpus, the hypervisor pages it shares
 * (shared_info), its HVM parameters, the devices the hypervisor emulates for it (trapped MMIO:
 * virtual GIC distributor, vpl011), and its lifecycle (running, paused, shut down with a reason).
 * Subsystems (event channels, grant table, vGIC, consoles) hang off it and are wired by the
 * domain builder.
 */
import { MmioBus } from "../mem/mmio_bus.ts";
import type { PhysMemory } from "../mem/phys_memory.ts";
import { GuestPhys } from "./guest_phys.ts";
import { P2m } from "./p2m.ts";
import type { Vcpu } from "./vcpu.ts";
import type { EventChannels } from "./evtchn/event_channels.ts";
import type { GrantTable } from "./grant/grant_table.ts";
import type { DomainConfig } from "./builder/domain_config.ts";
import { DomainIoreq } from "./ioreq/ioreq_server.ts";

/** Why a domain shut down (SHUTDOWN_* of sched.h). */
export type ShutdownReason =
  | "poweroff"
  | "reboot"
  | "suspend"
  | "crash"
  | "watchdog"
  | "soft_reset";

/** SHUTDOWN_* codes in order. */
export const SHUTDOWN_REASONS: readonly ShutdownReason[] = [
  "poweroff",
  "reboot",
  "suspend",
  "crash",
  "watchdog",
  "soft_reset",
];

/** Lifecycle of a domain. */
export type DomainState = "running" | "paused" | "shutdown" | "dying";

/** One domain. */
export class Domain {
  readonly id: number;
  readonly name: string;
  readonly p2m: P2m;
  readonly phys: GuestPhys;
  readonly vcpus: Vcpu[] = [];
  /** The configuration the domain was built from (set by the builder). */
  config!: DomainConfig;
  /** The domain's event channels (set by the builder). */
  evtchn!: EventChannels;
  /** The domain's grant table (set by the builder). */
  grants!: GrantTable;
  /** Trap-and-emulate MMIO regions at guest-physical addresses (stage-2 data aborts land here). */
  readonly mmio: MmioBus = new MmioBus();
  /**
   * Devices at machine addresses the domain's p2m maps directly (the GICv2 virtual CPU
   * interface): its PEs reach them without a trap, as on hardware.
   */
  readonly machineIo: MmioBus = new MmioBus();
  /** Pages of guest RAM given to the domain (its memory allocation), for accounting. */
  ramPages = 0;
  /** Pages granted by increase_reservation and not yet mapped. */
  unplacedPages = 0;
  /** Maximum pages the domain may hold (balloon ceiling). */
  maxPages = 0;
  /** Machine frame of the shared_info page. */
  sharedInfoMfn = -1;
  /** HVM_PARAM_* values set by the builder or the guest. */
  readonly hvmParams = new Map<number, bigint>();
  state: DomainState = "running";
  shutdownReason: ShutdownReason | null = null;
  /** SCHEDOP_shutdown_code: the reason a later suspend/crash is reported with, or null. */
  shutdownCode: number | null = null;
  /** Privileged (dom0-like): may act on other domains. */
  readonly privileged: boolean;
  /** The one domain this (stub) domain may act on as its device model (Xen's d->target). */
  dmTarget: number | null = null;
  /** Device models of this domain behind Xen's ioreq-server ABI (Xen's d->ioreq_server). */
  readonly ioreq: DomainIoreq = new DomainIoreq();
  /** May write to the hypervisor console (CONSOLEIO_write), as Xen's `is_console` domains. */
  consoleIo = false;
  /** VMASST_TYPE_runstate_update_flag is enabled. */
  runstateUpdateFlag = false;
  /** The PPI event-channel upcalls arrive on (GUEST_EVTCHN_PPI). */
  evtchnPpi = 31;
  /** Virtual ns when the domain was created (Xen's domain creation time; snapshots restore it). */
  createdNs: number;

  constructor(
    id: number,
    name: string,
    mem: PhysMemory,
    opts: { privileged?: boolean; createdNs?: number } = {},
  ) {
    this.id = id;
    this.name = name;
    this.p2m = new P2m(id + 1);
    this.phys = new GuestPhys(this.p2m, mem);
    this.privileged = opts.privileged ?? false;
    this.createdNs = opts.createdNs ?? 0;
    this.p2m.onInvalidate.push(() => {
      for (const v of this.vcpus) v.cpu.flushTlb();
    });
  }

  /** The shared_info page as the hypervisor sees it. */
  sharedInfo(): DataView {
    const p = this.phys.mem.page(this.sharedInfoMfn);
    if (p === undefined) throw new Error(`domain ${this.id}: shared_info frame not allocated`);
    return p;
  }

  /** True while the domain can run (not shut down or dying). */
  get alive(): boolean {
    return this.state === "running" || this.state === "paused";
  }
}
