/**
 * The whole machine as plain data and back: the hypervisor's run-loop state, machine memory and
 * frames, xenstore and consoles, and per domain its own fields, p2m, vcpus (their PEs), vGIC,
 * event channels, grant table, console back end and vpl011. Restore builds a fresh Hypervisor,
 * re-creates each domain's wiring from its saved config (core/hyp/builder wireDomain) and loads
 * every part's state in dependency order; any refusal throws before the new machine is handed
 * out, so a bad snapshot never touches a live one.
 */
import type { CpuState } from "../cpu/cpu_state.ts";
import type { Pl011State } from "../devices/pl011.ts";
import type { PlacedDeviceState } from "./dm/placement.ts";
import type { MemoryState, PhysMemory } from "../mem/phys_memory.ts";
import type { DomainConfig } from "./builder/domain_config.ts";
import { wireDomain } from "./builder/domain_builder.ts";
import type { ConsoleSinkState } from "./console/console_sink.ts";
import type { PvConsoleState } from "./console/pv_console.ts";
import { Domain } from "./domain.ts";
import { type DomainOwnState, restoreDomainOwn, saveDomainOwn } from "./domain_state.ts";
import type { EventChannelsState } from "./evtchn/evtchn_state.ts";
import type { GrantTableState } from "./grant/grant_table.ts";
import { ioreqEndpoint } from "./ioreq/ioreq_forward.ts";
import { IOREQ_PORT_KIND } from "./ioreq/ioreq_server.ts";
import type { DomainIoreqState } from "./ioreq/ioreq_state.ts";
import { type HvCoreState, Hypervisor, type HypervisorConfig } from "./hypervisor.ts";
import type { MachineFramesState } from "./machine_frames.ts";
import type { P2mState } from "./p2m.ts";
import { restoreVcpuOwn, saveVcpuOwn, type VcpuOwnState } from "./vcpu_state.ts";
import type { VgicSnapshot } from "./vgic/vgic_base.ts";
import type { XenstoredState } from "./xenstore/xs_state.ts";
import { GUEST_MAGIC_BASE, GUEST_MAGIC_XENSTORE_PFN_OFFSET } from "./abi/arm_memory_map.ts";
import { HVM_PARAM_STORE_EVTCHN } from "./abi/hvm.ts";
import { decodeSnapshot, encodeSnapshot, SnapshotError } from "../snapshot/snapshot_file.ts";

/** One domain in a snapshot. */
export interface DomainSnapshot {
  config: DomainConfig;
  own: DomainOwnState;
  p2m: P2mState;
  vcpus: { own: VcpuOwnState; cpu: CpuState }[];
  vgic: VgicSnapshot;
  evtchn: EventChannelsState;
  grants: GrantTableState;
  pvConsole: PvConsoleState;
  vpl011: Pl011State | null;
  /** Where the vpl011's model runs and any fault injected (absent in older snapshots). */
  vpl011Placed?: PlacedDeviceState | null;
  /** The VM-spec devices (PL031, flash banks): each model's state and its placement's. */
  vmDevices?: [string, { model: unknown; placed: PlacedDeviceState }][];
  /** Ioreq servers, requests in flight, stub-domain target (absent in older snapshots). */
  ioreq?: DomainIoreqState;
}

/** The whole machine. */
export interface MachineSnapshot {
  config: HypervisorConfig;
  core: HvCoreState;
  memory: MemoryState;
  frames: MachineFramesState;
  xenstore: XenstoredState;
  consoles: [number, ConsoleSinkState][];
  domains: DomainSnapshot[];
}

/** The machine `hv` as plain data (between runs: not from inside a hook or a run). */
export function saveMachine(hv: Hypervisor): MachineSnapshot {
  return { ...saveAllButMemory(hv), memory: hv.mem.save() };
}

/** Everything saveMachine saves except memory (a fork shares memory instead of saving it). */
function saveAllButMemory(hv: Hypervisor): Omit<MachineSnapshot, "memory"> {
  const domains = [...hv.domains.values()].map((d): DomainSnapshot => {
    const rt = hv.runtimes.get(d.id);
    if (rt === undefined) throw new Error(`snapshot: domain ${d.id} has no runtime`);
    return {
      config: structuredClone(d.config),
      own: saveDomainOwn(d),
      p2m: d.p2m.save(),
      vcpus: d.vcpus.map((v) => ({ own: saveVcpuOwn(v), cpu: v.cpu.save() })),
      vgic: rt.vgic.save(),
      evtchn: d.evtchn.save(),
      grants: d.grants.save(),
      pvConsole: rt.backends.console.save(),
      vpl011: rt.backends.vpl011?.save() ?? null,
      vpl011Placed: rt.backends.vpl011Placed?.save() ?? null,
      vmDevices: [...rt.backends.vmDevices].map(([name, p]) => [name, {
        model: p.model.save(),
        placed: p.save(),
      }]),
      ioreq: d.ioreq.save(d.dmTarget),
    };
  });
  return {
    config: structuredClone(hv.config),
    core: hv.saveCore(),
    frames: hv.frames.save(),
    xenstore: hv.xenstore.save(),
    consoles: [...hv.consoles].map(([id, c]) => [id, c.save()]),
    domains,
  };
}

/**
 * A new Hypervisor in the state `s` describes. Throws naming the first bad part. With `adopt`
 * the new machine's memory takes over `s`'s page data instead of copying it (`s` must not be
 * used again).
 */
export function restoreMachine(s: MachineSnapshot, adopt = false): Hypervisor {
  return build(s, (mem) => mem.restore(s.memory, adopt));
}

/** A new Hypervisor in the state `s` describes, its memory loaded by `loadMemory`. */
function build(
  s: Omit<MachineSnapshot, "memory">,
  loadMemory: (mem: PhysMemory) => void,
): Hypervisor {
  if (typeof s !== "object" || s === null || !Array.isArray(s.domains)) {
    throw new Error("snapshot: no machine record");
  }
  const hv = new Hypervisor(s.config);
  // Wiring first (constructors may allocate frames: the frame allocator is restored after).
  const built = s.domains.map((ds, i) => {
    const own = ds.own;
    if (typeof own?.id !== "number" || typeof own.name !== "string") {
      throw new Error(`snapshot: domains[${i}] has no id or name`);
    }
    const d = new Domain(own.id, own.name, hv.mem, { privileged: own.privileged === true });
    hv.adoptDomain(d);
    restoreDomainOwn(d, own);
    d.p2m.restore(ds.p2m);
    return { d, ds };
  });
  loadMemory(hv.mem);
  for (const { d, ds } of built) wireDomain(hv, d, ds.config);
  hv.frames.restore(s.frames);
  for (const { d, ds } of built) {
    const rt = hv.runtimes.get(d.id)!;
    if (ds.vcpus.length !== d.vcpus.length) {
      throw new Error(`snapshot: domain ${d.id} has ${ds.vcpus.length} vcpus saved`);
    }
    ds.vcpus.forEach((vs, i) => {
      const v = d.vcpus[i];
      restoreVcpuOwn(v, vs.own, hv.pcpus.length);
      v.cpu.restore(vs.cpu, d.p2m);
    });
    rt.restoreVcpuInfo();
    rt.vgic.restore(ds.vgic);
    d.grants.restore(ds.grants);
    if (ds.ioreq !== undefined) d.dmTarget = d.ioreq.restore(ds.ioreq, d.vcpus.length);
    d.evtchn.restore(ds.evtchn, (kind) => {
      if (kind === IOREQ_PORT_KIND) return ioreqEndpoint(hv, d);
      const e = rt.backends.endpoints[kind as "console" | "xenstore"];
      if (e === undefined) throw new Error(`snapshot: domain ${d.id}: host port kind "${kind}"`);
      return e;
    });
    rt.backends.console.restore(ds.pvConsole);
    if ((ds.vpl011 === null) !== (rt.backends.vpl011 === null)) {
      throw new Error(`snapshot: domain ${d.id}: vpl011 presence differs from its config`);
    }
    if (ds.vpl011) rt.backends.vpl011!.restore(ds.vpl011);
    if (ds.vpl011Placed) rt.backends.vpl011Placed!.restore(ds.vpl011Placed);
    const saved = new Map(ds.vmDevices ?? []);
    if (saved.size !== rt.backends.vmDevices.size) {
      throw new Error(`snapshot: domain ${d.id}: VM-spec devices differ from its config`);
    }
    for (const [name, p] of rt.backends.vmDevices) {
      const sd = saved.get(name);
      if (sd === undefined) throw new Error(`snapshot: domain ${d.id}: no saved device ${name}`);
      p.model.restore(sd.model);
      p.restore(sd.placed);
    }
  }
  hv.evtchnHub.checkPeers();
  hv.xenstore.restore(s.xenstore, (domid) => {
    const d = hv.domains.get(domid);
    if (d === undefined) throw new Error(`snapshot: xenstore ring of missing domain ${domid}`);
    const gfn = GUEST_MAGIC_BASE / 4096 + GUEST_MAGIC_XENSTORE_PFN_OFFSET;
    return {
      ring: d.phys.page(gfn, true),
      notify: () => d.evtchn.notifyHost(Number(d.hvmParams.get(HVM_PARAM_STORE_EVTCHN) ?? 0n)),
    };
  });
  for (const [id, cs] of s.consoles) hv.console(id).restore(cs);
  hv.restoreCore(s.core);
  return hv;
}

/** The snapshot file of `hv` (core/snapshot/snapshot_file.ts format, component "machine"). */
export function snapshotFile(hv: Hypervisor, description?: string): Uint8Array {
  return encodeSnapshot(
    { creator: "hvlab", cycles: hv.cycles, ...(description ? { description } : {}) },
    { machine: saveMachine(hv) },
  );
}

/**
 * A new machine from a snapshot file; throws SnapshotError (or an Error naming the bad part) for
 * a truncated, corrupted, wrong-version or inconsistent file.
 */
export function restoreSnapshotFile(file: Uint8Array): Hypervisor {
  const snap = decodeSnapshot(file);
  const m = snap.components.machine;
  if (typeof m !== "object" || m === null) {
    throw new SnapshotError("snapshot: no machine component");
  }
  return restoreMachine(m as MachineSnapshot, true);
}

/**
 * An independent copy of the machine `hv` (a what-if experiment), in this process. Memory is
 * shared copy-on-write (core/mem/phys_memory.ts): the fork costs the other parts' state plus a
 * reference per touched page, and each page is copied only when one side first writes it.
 */
export function forkMachine(hv: Hypervisor): Hypervisor {
  return build(saveAllButMemory(hv), (mem) => mem.restoreShared(hv.mem));
}
