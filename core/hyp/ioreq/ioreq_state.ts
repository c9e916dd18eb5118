/**
 * A domain's device-model state as plain data for snapshots: its ioreq servers (ids, emulator,
 * ranges, ports, page frame), its vcpus' requests in flight and the domain it serves as a stub
 * domain (`dmTarget`). The ioreq page itself is machine memory and comes back with it; the ports
 * are in the event-channel table, restored from its own state. restore() checks everything
 * first and throws StateError naming the bad field.
 *
 * @module
 */
import { arr, big, bool, int, obj, oneOf, StateError } from "../state_check.ts";
import { type IoRanges, MAX_NR_IO_RANGES } from "./io_ranges.ts";
import { type IoreqServer, MAX_NR_IOREQ_SERVERS, type PendingIo } from "./ioreq_server.ts";

/** What DomainIoreq.save() returns. */
export interface DomainIoreqState {
  /** The domain this one may act on as device model (Xen's d->target), or null. */
  dmTarget: number | null;
  /** Servers by id, null for free ids. */
  servers: (IoreqServer | null)[];
  /** Per vcpu: its request in flight, or null. */
  pending: (PendingIo | null)[];
}

const U64 = (1n << 64n) - 1n;
const MAX_MFN = 2 ** 40 - 1;

function ranges(v: unknown, f: string): IoRanges {
  let last = -1n;
  return arr(v, f, MAX_NR_IO_RANGES).map((x, i) => {
    const pair = arr(x, `${f}[${i}]`, 2);
    const s = big(pair[0], `${f}[${i}][0]`, last + 1n, U64);
    const e = big(pair[1], `${f}[${i}][1]`, s, U64);
    last = e;
    return [s, e] as [bigint, bigint];
  });
}

function server(v: unknown, f: string, id: number, vcpus: number): IoreqServer {
  const o = obj(v, f);
  int(o.id, `${f}.id`, id, id);
  const rs = arr(o.ranges, `${f}.ranges`, 3);
  if (rs.length !== 3) throw new StateError(`${f}.ranges: ${rs.length} range types, not 3`);
  const ports = arr(o.vcpuPorts, `${f}.vcpuPorts`, vcpus);
  if (ports.length !== vcpus) {
    throw new StateError(`${f}.vcpuPorts: ${ports.length} ports for ${vcpus} vcpus`);
  }
  return {
    id,
    emulator: int(o.emulator, `${f}.emulator`, 0, 0x7fef),
    enabled: bool(o.enabled, `${f}.enabled`),
    ioreqMfn: int(o.ioreqMfn, `${f}.ioreqMfn`, -1, MAX_MFN),
    ranges: rs.map((r, i) => ranges(r, `${f}.ranges[${i}]`)) as IoreqServer["ranges"],
    vcpuPorts: ports.map((p, i) => int(p, `${f}.vcpuPorts[${i}]`, 1, 2 ** 17 - 1)),
  };
}

function pendingIo(v: unknown, f: string, servers: (IoreqServer | null)[]): PendingIo {
  const o = obj(v, f);
  const s = int(o.server, `${f}.server`, 0, MAX_NR_IOREQ_SERVERS - 1);
  if (servers[s] === null) throw new StateError(`${f}.server: no ioreq server ${s}`);
  return {
    server: s,
    addr: big(o.addr, `${f}.addr`, 0n, U64),
    size: oneOf(o.size, `${f}.size`, [1, 2, 4, 8] as const),
    write: bool(o.write, `${f}.write`),
    data: big(o.data, `${f}.data`, 0n, U64),
    reg: int(o.reg, `${f}.reg`, 0, 31),
    signExtend: bool(o.signExtend, `${f}.signExtend`),
    sixtyFour: bool(o.sixtyFour, `${f}.sixtyFour`),
    pc: big(o.pc, `${f}.pc`, 0n, U64),
  };
}

/** Checks `v` as the saved state of a domain with `vcpus` vcpus; a fresh, typed copy. */
export function checkDomainIoreqState(v: unknown, vcpus: number): DomainIoreqState {
  const o = obj(v, "ioreq");
  const dmTarget = o.dmTarget === null ? null : int(o.dmTarget, "ioreq.dmTarget", 0, 0x7fef);
  const ss = arr(o.servers, "ioreq.servers", MAX_NR_IOREQ_SERVERS);
  if (ss.length !== MAX_NR_IOREQ_SERVERS) {
    throw new StateError(`ioreq.servers: ${ss.length} slots, not ${MAX_NR_IOREQ_SERVERS}`);
  }
  const servers = ss.map((s, i) => s === null ? null : server(s, `ioreq.servers[${i}]`, i, vcpus));
  const pending = arr(o.pending, "ioreq.pending", vcpus).map((p, i) =>
    p === null ? null : pendingIo(p, `ioreq.pending[${i}]`, servers)
  );
  return { dmTarget, servers, pending };
}
