/**
 * A domain's event channels as plain data for snapshots, and the check a restore runs on it.
 * Pending and mask bits live in guest memory (shared_info or the FIFO event words) and come back
 * with it; what is kept here is what only the hypervisor knows: the port table, the ABI in use
 * and the FIFO control-block places, event-array frames and queue tails. Host endpoints are
 * callbacks, so a host port is saved as its port number and the kind its owner bound it with.
 *
 * @module
 */
import {
  EVTCHN_2L_NR_CHANNELS,
  EVTCHN_FIFO_MAX_QUEUES,
  EVTCHN_FIFO_NR_CHANNELS,
  EVTCHN_FIFO_PRIORITY_MIN,
  NR_VIRQS,
} from "../abi/event_channel.ts";
import { arr, bool, int, obj, oneOf, StateError, str } from "../state_check.ts";
import { FIFO_MAX_ARRAY_PAGES, FIFO_MAX_CONTROL_OFFSET, type FifoState } from "./abi_fifo.ts";
import type { Channel, ChannelState } from "./channel.ts";
import { virqIsGlobal } from "./virq.ts";

/** Ports are allocated in buckets of this many (Xen: a page of 64-byte struct evtchn). */
export const EVTCHNS_PER_BUCKET = 64;

/** One host port: its number and the endpoint kind its owner chose in bindHost. */
export interface HostPortState {
  port: number;
  kind: string;
}

/** Everything EventChannels.save() returns. */
export interface EventChannelsState {
  /** The domain the table belongs to (restore refuses another one's). */
  domid: number;
  /** Highest port the domain may allocate. */
  maxPort: number;
  /** May act on other domains' ports. */
  privileged: boolean;
  /** Destroyed: refuses new ports. */
  dying: boolean;
  /** The port table, index = port number (a whole number of buckets). */
  ports: Channel[];
  /** Host ports in port order. */
  hosts: HostPortState[];
  /** Xen-attached ports (allocUnboundXen) in port order; absent in older snapshots. */
  xen?: HostPortState[];
  /** The port ABI in use. */
  abi: "2l" | "fifo";
  /** The FIFO ABI's state, null under 2-level. */
  fifo: FifoState | null;
}

const STATES: readonly ChannelState[] = [
  "free",
  "reserved",
  "unbound",
  "interdomain",
  "virq",
  "ipi",
  "host",
];
const MAX_GFN = 2 ** 40 - 1;

/**
 * Checks `v` as the saved table of domain `domid` with `vcpuCount` vcpus; returns it typed, with
 * the VIRQ bindings it implies (per vcpu, per VIRQ: the port, 0 when none). Throws StateError.
 */
export function checkEventChannelsState(
  v: unknown,
  domid: number,
  vcpuCount: number,
): { state: EventChannelsState; virqTo: number[][] } {
  const s = obj(v, "evtchn");
  if (s.domid !== domid) throw new StateError(`evtchn.domid: ${s.domid} is not domain ${domid}`);
  const maxPort = int(s.maxPort, "evtchn.maxPort", 0, EVTCHN_FIFO_NR_CHANNELS - 1);
  bool(s.privileged, "evtchn.privileged");
  bool(s.dying, "evtchn.dying");
  const abi = oneOf(s.abi, "evtchn.abi", ["2l", "fifo"] as const);
  const abiMax = abi === "fifo" ? EVTCHN_FIFO_NR_CHANNELS : EVTCHN_2L_NR_CHANNELS;
  const limit = Math.min(maxPort, abiMax - 1);
  const cap = Math.ceil((limit + 1) / EVTCHNS_PER_BUCKET) * EVTCHNS_PER_BUCKET;
  const ports = arr(s.ports, "evtchn.ports", cap);
  if (ports.length === 0 || ports.length % EVTCHNS_PER_BUCKET !== 0) {
    throw new StateError(`evtchn.ports: ${ports.length} ports is not a whole number of buckets`);
  }
  const virqTo = Array.from({ length: vcpuCount }, () => new Array<number>(NR_VIRQS).fill(0));
  const hostPorts = new Set<number>();
  ports.forEach((p, i) => {
    const ch = checkChannel(p, `evtchn.ports[${i}]`, i, vcpuCount);
    if ((i === 0) !== (ch.state === "reserved")) {
      throw new StateError(`evtchn.ports[${i}].state: ${ch.state} (only port 0 is reserved)`);
    }
    if (ch.state !== "free" && i > limit) {
      throw new StateError(`evtchn.ports[${i}]: ${ch.state} beyond the port limit ${limit}`);
    }
    if (ch.state === "host") hostPorts.add(i);
    if (ch.state === "virq") {
      const slot = virqIsGlobal(ch.virq) ? 0 : ch.notifyVcpu;
      if (virqTo[slot][ch.virq] !== 0) {
        throw new StateError(`evtchn.ports[${i}]: VIRQ ${ch.virq} already bound on vcpu ${slot}`);
      }
      virqTo[slot][ch.virq] = i;
    }
  });
  const hosts = arr(s.hosts, "evtchn.hosts", ports.length);
  let last = 0;
  hosts.forEach((h, i) => {
    const o = obj(h, `evtchn.hosts[${i}]`);
    const port = int(o.port, `evtchn.hosts[${i}].port`, last + 1, ports.length - 1);
    if (!hostPorts.has(port)) {
      throw new StateError(`evtchn.hosts[${i}].port: port ${port} is not a host port`);
    }
    if (str(o.kind, `evtchn.hosts[${i}].kind`, 200) === "") {
      throw new StateError(`evtchn.hosts[${i}].kind: empty`);
    }
    last = port;
  });
  if (hosts.length !== hostPorts.size) {
    throw new StateError(`evtchn.hosts: ${hosts.length} entries for ${hostPorts.size} host ports`);
  }
  if (s.xen !== undefined) {
    last = 0;
    arr(s.xen, "evtchn.xen", ports.length).forEach((h, i) => {
      const o = obj(h, `evtchn.xen[${i}]`);
      const port = int(o.port, `evtchn.xen[${i}].port`, last + 1, ports.length - 1);
      const st = (ports[port] as Channel).state;
      if (st !== "unbound" && st !== "interdomain") {
        throw new StateError(`evtchn.xen[${i}].port: port ${port} is ${st}, not Xen-attachable`);
      }
      if (str(o.kind, `evtchn.xen[${i}].kind`, 200) === "") {
        throw new StateError(`evtchn.xen[${i}].kind: empty`);
      }
      last = port;
    });
  }
  if (abi === "fifo") checkFifo(s.fifo, vcpuCount);
  else if (s.fifo !== null) throw new StateError("evtchn.fifo: must be null under the 2-level ABI");
  return { state: s as unknown as EventChannelsState, virqTo };
}

function checkChannel(v: unknown, f: string, port: number, vcpuCount: number): Channel {
  const c = obj(v, f);
  int(c.port, `${f}.port`, port, port);
  oneOf(c.state, `${f}.state`, STATES);
  int(c.notifyVcpu, `${f}.notifyVcpu`, 0, vcpuCount - 1);
  int(c.remoteDom, `${f}.remoteDom`, 0, 0xffff);
  int(c.remotePort, `${f}.remotePort`, 0, EVTCHN_FIFO_NR_CHANNELS - 1);
  int(c.virq, `${f}.virq`, 0, NR_VIRQS - 1);
  int(c.priority, `${f}.priority`, 0, EVTCHN_FIFO_PRIORITY_MIN);
  bool(c.pending, `${f}.pending`);
  int(c.lastVcpu, `${f}.lastVcpu`, 0, vcpuCount - 1);
  int(c.lastPriority, `${f}.lastPriority`, 0, EVTCHN_FIFO_PRIORITY_MIN);
  return c as unknown as Channel;
}

function checkFifo(v: unknown, vcpuCount: number): void {
  const s = obj(v, "evtchn.fifo");
  arr(s.arrayGfns, "evtchn.fifo.arrayGfns", FIFO_MAX_ARRAY_PAGES).forEach((g, i) =>
    int(g, `evtchn.fifo.arrayGfns[${i}]`, 0, MAX_GFN)
  );
  const vcpus = arr(s.vcpus, "evtchn.fifo.vcpus", vcpuCount);
  if (vcpus.length !== vcpuCount) {
    throw new StateError(`evtchn.fifo.vcpus: ${vcpus.length} entries for ${vcpuCount} vcpus`);
  }
  vcpus.forEach((x, i) => {
    const f = `evtchn.fifo.vcpus[${i}]`;
    const o = obj(x, f);
    int(o.controlGfn, `${f}.controlGfn`, -1, MAX_GFN);
    const off = int(o.controlOffset, `${f}.controlOffset`, 0, FIFO_MAX_CONTROL_OFFSET);
    if (off % 8 !== 0) throw new StateError(`${f}.controlOffset: ${off} is not 8-byte aligned`);
    const tails = arr(o.tails, `${f}.tails`, EVTCHN_FIFO_MAX_QUEUES);
    if (tails.length !== EVTCHN_FIFO_MAX_QUEUES) {
      throw new StateError(`${f}.tails: ${tails.length} queues, not ${EVTCHN_FIFO_MAX_QUEUES}`);
    }
    tails.forEach((t, q) => int(t, `${f}.tails[${q}]`, 0, EVTCHN_FIFO_NR_CHANNELS - 1));
  });
}
