/**
 * A domain's ioreq servers (Xen 4.17's common/ioreq.c, CONFIG_IOREQ_SERVER on ARM): up to eight
 * device models, each with an id, the domain that created it (its emulator), MMIO ranges it
 * serves, an enabled flag, one Xen-attached event channel per vcpu of the target (allocated at
 * creation, unbound, offered to the emulator) and the synchronous ioreq page (allocated when the
 * emulator first acquires it: one 32-byte slot per vcpu). Also the target vcpus' in-flight
 * requests (Xen's v->io). Buffered ioreqs do not exist on ARM (create refuses them).
 *
 * Operations take plain values and throw XenError with Xen's codes; the hypervisor parts they
 * need (the target domain, machine frames, the port's endpoint) are arguments.
 *
 * @module
 */
import { XEN_EEXIST, XEN_EINVAL, XEN_ENOENT, XEN_ENOSPC, XEN_EPERM } from "../abi/errno.ts";
import {
  HVM_IOREQSRV_BUFIOREQ_OFF,
  ioreq,
  XEN_DMOP_IO_RANGE_MEMORY,
  XEN_DMOP_IO_RANGE_PCI,
} from "../abi/dm_op.ts";
import { abiField, writeAbiField } from "../abi/layout.ts";
import { XENMEM_resource_ioreq_server_frame_bufioreq } from "../abi/memory.ts";
import type { Domain } from "../domain.ts";
import type { HostEndpoint } from "../evtchn/host_endpoint.ts";
import type { MachineFrames } from "../machine_frames.ts";
import { P2M_TYPE } from "../p2m.ts";
import { hex, XenError } from "../xen_error.ts";
import { addRange, contains, type IoRanges, overlaps, removeRange } from "./io_ranges.ts";
import { checkDomainIoreqState, type DomainIoreqState } from "./ioreq_state.ts";

/** Xen's MAX_NR_IOREQ_SERVERS. */
export const MAX_NR_IOREQ_SERVERS = 8;
/** XENMEM_resource_ioreq_server_frame_ioreq(0): the first synchronous ioreq page's frame index. */
export const IOREQ_FRAME_IOREQ0 = 1;
/** The event-channel endpoint kind of ioreq ports (snapshots find the endpoint by it). */
export const IOREQ_PORT_KIND = "ioreq";

const VP_EPORT = abiField(ioreq, "vp_eport");

/** One ioreq server, as plain data. */
export interface IoreqServer {
  readonly id: number;
  /** The domain that created it and alone may operate it (Xen's s->emulator). */
  readonly emulator: number;
  enabled: boolean;
  /** Machine frame of the synchronous ioreq page; -1 until acquired. */
  ioreqMfn: number;
  /** Ranges by XEN_DMOP_IO_RANGE_* type (port, memory, PCI); only memory is used on ARM. */
  readonly ranges: [IoRanges, IoRanges, IoRanges];
  /** Per target vcpu: its Xen-attached port (ioreq_evtchn, reported as vp_eport). */
  readonly vcpuPorts: number[];
}

/** A target vcpu's request in flight (Xen's v->io.req and the decoded abort it completes). */
export interface PendingIo {
  /** The server it was sent to. */
  server: number;
  addr: bigint;
  size: 1 | 2 | 4 | 8;
  write: boolean;
  /** The register's value when sent (what a write stores). */
  data: bigint;
  /** Transfer register (31 = XZR), sign extension and 64-bit destination, from the syndrome. */
  reg: number;
  signExtend: boolean;
  sixtyFour: boolean;
  /** The PC of the access (the instruction completion moves past). */
  pc: bigint;
}

/** The ioreq servers of one target domain (Xen's d->ioreq_server). */
export class DomainIoreq {
  /** Servers by id (null = free slot). */
  servers: (IoreqServer | null)[] = new Array(MAX_NR_IOREQ_SERVERS).fill(null);
  /** Per vcpu id: its request in flight, or null. */
  pending: (PendingIo | null)[] = [];

  /** True when any server exists (the MMIO path looks no further otherwise). */
  get any(): boolean {
    return this.servers.some((s) => s !== null);
  }

  /**
   * XEN_DMOP_create_ioreq_server for `emulator` on `target`: the lowest free id; a Xen-attached
   * port per vcpu of `target`, offered to the emulator, its events to `endpoint`. EINVAL for
   * buffered ioreqs (x86 only), ENOSPC when eight servers exist.
   */
  create(target: Domain, emulator: number, bufioreq: number, endpoint: HostEndpoint): number {
    if (bufioreq !== HVM_IOREQSRV_BUFIOREQ_OFF) {
      throw new XenError(XEN_EINVAL, `buffered ioreqs (handling ${bufioreq}) exist only on x86`);
    }
    const id = this.servers.indexOf(null);
    if (id < 0) throw new XenError(XEN_ENOSPC, `${MAX_NR_IOREQ_SERVERS} ioreq servers exist`);
    const ports: number[] = [];
    try {
      for (const v of target.vcpus) {
        ports.push(target.evtchn.allocUnboundXen(v.id, emulator, endpoint, IOREQ_PORT_KIND));
      }
    } catch (e) {
      for (const p of ports) target.evtchn.freeXen(p);
      throw e;
    }
    this.servers[id] = {
      id,
      emulator,
      enabled: false,
      ioreqMfn: -1,
      ranges: [[], [], []],
      vcpuPorts: ports,
    };
    return id;
  }

  /** Server `id` for `caller`: ENOENT when there is none, EPERM unless `caller` created it. */
  serverFor(id: number, caller: number): IoreqServer {
    const s = Number.isInteger(id) && id >= 0 ? this.servers[id] : undefined;
    if (s === undefined || s === null) throw new XenError(XEN_ENOENT, `no ioreq server ${id}`);
    if (s.emulator !== caller) {
      throw new XenError(XEN_EPERM, `ioreq server ${id} belongs to domain ${s.emulator}`);
    }
    return s;
  }

  /**
   * XEN_DMOP_destroy_ioreq_server: frees its ports and its page — unless the emulator
   * (`emulatorDomain`) still maps the page, which then stays allocated, as Xen's foreign mapping
   * holds a reference: the frame must never reach another domain while the emulator sees it.
   * In-flight requests are dropped.
   */
  destroy(
    target: Domain,
    id: number,
    caller: number,
    frames: MachineFrames,
    emulatorDomain: Domain | undefined,
  ): void {
    const s = this.serverFor(id, caller);
    s.enabled = false;
    for (const p of s.vcpuPorts) target.evtchn.freeXen(p);
    if (s.ioreqMfn >= 0 && !mapsFrame(emulatorDomain, s.ioreqMfn)) frames.free(s.ioreqMfn);
    this.servers[id] = null;
    this.pending = this.pending.map((p) => (p !== null && p.server === id ? null : p));
  }

  /**
   * XEN_DMOP_map_io_range_to_ioreq_server: EINVAL for start > end or an unknown type, EEXIST
   * when it overlaps a range the server already has (other servers' ranges may overlap).
   */
  mapRange(id: number, caller: number, type: number, start: bigint, end: bigint): void {
    if (start > end) throw new XenError(XEN_EINVAL, `range ${hex(start)} > ${hex(end)}`);
    const r = this.#ranges(this.serverFor(id, caller), type);
    if (overlaps(r, start, end)) {
      throw new XenError(XEN_EEXIST, `range ${hex(start)}-${hex(end)} overlaps one mapped`);
    }
    addRange(r, start, end);
  }

  /** XEN_DMOP_unmap_io_range_from_ioreq_server: ENOENT unless one mapped range holds it all. */
  unmapRange(id: number, caller: number, type: number, start: bigint, end: bigint): void {
    if (start > end) throw new XenError(XEN_EINVAL, `range ${hex(start)} > ${hex(end)}`);
    const r = this.#ranges(this.serverFor(id, caller), type);
    if (!contains(r, start, end)) {
      throw new XenError(XEN_ENOENT, `range ${hex(start)}-${hex(end)} is not mapped`);
    }
    removeRange(r, start, end);
  }

  /**
   * XEN_DMOP_set_ioreq_server_state. Enabling writes each vcpu's port into its slot's vp_eport
   * when the page exists (Xen's ioreq_server_update_evtchn).
   */
  setState(target: Domain, id: number, caller: number, enabled: boolean): void {
    const s = this.serverFor(id, caller);
    if (enabled === s.enabled) return;
    s.enabled = enabled;
    if (enabled && s.ioreqMfn >= 0) {
      const page = target.phys.mem.writePage(s.ioreqMfn)!;
      s.vcpuPorts.forEach((port, i) => writeAbiField(page, i * ioreq.size, VP_EPORT, port));
    }
  }

  /**
   * ioreq_server_get_frame: the machine frame of resource frame `idx` of server `id`, allocating
   * the ioreq page (zeroed) on first use. ENOENT for the buffered page (never on ARM), EINVAL for
   * any other index.
   */
  getFrame(id: number, caller: number, idx: number, frames: MachineFrames): number {
    const s = this.serverFor(id, caller);
    if (s.ioreqMfn < 0) s.ioreqMfn = frames.alloc();
    if (idx === XENMEM_resource_ioreq_server_frame_bufioreq) {
      throw new XenError(XEN_ENOENT, `ioreq server ${id} has no buffered ioreq page`);
    }
    if (idx !== IOREQ_FRAME_IOREQ0) {
      throw new XenError(XEN_EINVAL, `ioreq server ${id} has no frame ${idx}`);
    }
    return s.ioreqMfn;
  }

  /**
   * ioreq_server_select for an MMIO access of `size` bytes at `addr`: the enabled server with
   * the highest id whose memory ranges hold every byte, or undefined.
   */
  select(addr: bigint, size: number): IoreqServer | undefined {
    for (let id = MAX_NR_IOREQ_SERVERS - 1; id >= 0; id--) {
      const s = this.servers[id];
      if (s === null || !s.enabled) continue;
      if (contains(s.ranges[XEN_DMOP_IO_RANGE_MEMORY], addr, addr + BigInt(size) - 1n)) return s;
    }
    return undefined;
  }

  /** The vcpu whose ioreq port `port` is, or -1 (ports are per vcpu, one server each). */
  vcpuOfPort(port: number): number {
    for (const s of this.servers) {
      const i = s?.vcpuPorts.indexOf(port) ?? -1;
      if (i >= 0) return i;
    }
    return -1;
  }

  /**
   * Target domain destruction (ioreq_server_destroy_all): every server's page is freed unless
   * its emulator (found with `domain`) still maps it.
   */
  destroyAll(frames: MachineFrames, domain: (id: number) => Domain | undefined): void {
    for (const s of this.servers) {
      if (s !== null && s.ioreqMfn >= 0 && !mapsFrame(domain(s.emulator), s.ioreqMfn)) {
        frames.free(s.ioreqMfn);
      }
    }
    this.servers = new Array(MAX_NR_IOREQ_SERVERS).fill(null);
    this.pending = [];
  }

  /** The servers and requests in flight as plain data, with the domain's `dmTarget`. */
  save(dmTarget: number | null): DomainIoreqState {
    return structuredClone({ dmTarget, servers: this.servers, pending: this.pending });
  }

  /**
   * Replaces the servers and requests with `state` (from save()) for a domain of `vcpus` vcpus;
   * returns its dmTarget. Throws StateError, changing nothing, when `state` is malformed.
   */
  restore(state: unknown, vcpus: number): number | null {
    const s = checkDomainIoreqState(state, vcpus);
    this.servers = s.servers;
    this.pending = s.pending;
    return s.dmTarget;
  }

  #ranges(s: IoreqServer, type: number): IoRanges {
    if (!Number.isInteger(type) || type < 0 || type > XEN_DMOP_IO_RANGE_PCI) {
      throw new XenError(XEN_EINVAL, `io range type ${type}`);
    }
    return s.ranges[type];
  }
}

/** True when `d`'s p2m maps machine frame `mfn` (a foreign mapping of an ioreq page). */
function mapsFrame(d: Domain | undefined, mfn: number): boolean {
  if (d === undefined) return false;
  for (const m of d.p2m.entries()) if (m.mfn === mfn && m.type === P2M_TYPE.foreign) return true;
  return false;
}
