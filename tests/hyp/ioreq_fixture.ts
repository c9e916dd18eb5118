/**
 * A lab for the ioreq-server tests: a privileged "dom0" with event channels (so it can bind the
 * ioreq ports, as a device model's domain does) and domUs built from raw kernels, plus the calls
 * a device model makes, laid out in the caller's RAM as the real ABI structures.
 */
import assert from "node:assert/strict";
import { GUEST_MAGIC_BASE, GUEST_MAGIC_NR_PAGES } from "../../core/hyp/abi/arm_memory_map.ts";
import * as D from "../../core/hyp/abi/dm_op.ts";
import * as E from "../../core/hyp/abi/event_channel.ts";
import {
  __HYPERVISOR_dm_op,
  __HYPERVISOR_event_channel_op,
} from "../../core/hyp/abi/hypercalls.ts";
import { __HYPERVISOR_memory_op } from "../../core/hyp/abi/hypercalls.ts";
import { abiField, type AbiStruct, readAbiField } from "../../core/hyp/abi/layout.ts";
import * as M from "../../core/hyp/abi/memory.ts";
import { wireDomain } from "../../core/hyp/builder/domain_builder.ts";
import type { Domain } from "../../core/hyp/domain.ts";
import { Hypervisor } from "../../core/hyp/hypervisor.ts";
import { P2M_RWX, P2M_TYPE } from "../../core/hyp/p2m.ts";
import type { Vcpu } from "../../core/hyp/vcpu.ts";
import {
  addLabDomain,
  assembleRaw,
  call,
  getField,
  IDLE_KERNEL,
  labConfig,
  putStruct,
  putU64s,
  RAM_BASE,
  rc,
} from "../../tools/lab/hyp_lab.ts";

/** Scratch for argument structures in any lab domain's RAM (1 MiB into it). */
export const ARGS = RAM_BASE + 0x10_0000;
/** Where the device model maps the ioreq page in its physmap (outside its RAM). */
export const IOREQ_GFN = 0x5_0000;
/** The MMIO window the tests' device model serves in the domU. */
export const DEV_BASE = 0x1000_0000n;

/** A hypervisor with a dom0 (id 1 here: the first domain made) and `domUs` domUs. */
export interface IoreqLab {
  hv: Hypervisor;
  dom0: Domain;
  v0: Vcpu;
  domUs: Domain[];
}

/**
 * dom0: privileged, 16 MiB of RAM, magic pages and the full wiring (event channels, vGIC) of a
 * lab domain; an idle kernel. domUs: lab domains running `kernels[i]` (idle when absent), with
 * `opts.vcpus` vcpus each (default 1). With `opts.dom0Kernel`, dom0 runs it but is left offline
 * for the test to start.
 */
export function ioreqLab(
  domUs = 1,
  kernels: (Uint8Array | undefined)[] = [],
  opts: { vcpus?: number; dom0Kernel?: Uint8Array } = {},
): IoreqLab {
  const hv = new Hypervisor({ pcpus: 2 });
  const dom0 = hv.createDomain("dom0", { privileged: true });
  const pages = 16 * 256;
  dom0.p2m.map(RAM_BASE / 4096, hv.frames.allocRange(pages), pages, P2M_RWX, P2M_TYPE.ram);
  const magic = GUEST_MAGIC_BASE / 4096;
  dom0.p2m.map(magic, hv.frames.allocRange(GUEST_MAGIC_NR_PAGES), 4, P2M_RWX, P2M_TYPE.ram);
  dom0.ramPages = dom0.maxPages = pages;
  dom0.sharedInfoMfn = hv.frames.alloc();
  dom0.phys.write(RAM_BASE, opts.dom0Kernel ?? IDLE_KERNEL);
  wireDomain(hv, dom0, labConfig("dom0"));
  const v0 = dom0.vcpus[0];
  // A dom0 kernel of the test's own is started by the test (with the arguments it needs).
  if (opts.dom0Kernel === undefined) hv.cpuOn(v0, BigInt(RAM_BASE), 0n);
  const doms = Array.from(
    { length: domUs },
    (_, i) => addLabDomain(hv, `d${i}`, { kernel: kernels[i], vcpus: opts.vcpus }).domain,
  );
  return { hv, dom0, v0, domUs: doms };
}

/** A domU kernel assembled from `source`. */
export function guestKernel(source: string): Uint8Array {
  return assembleRaw(source);
}

/**
 * A domU that reads a word of the device (DEV_BASE + 0x10) into x1, which holds 7 before (what
 * an access finished without an answer leaves), then sets x4 = 1 and sleeps; IRQs stay masked.
 */
export const READ_GUEST = `
  movz x9, #0x1000, lsl #16
  mov x1, #7
  ldr w1, [x9, #0x10]
  mov x4, #1
1:
  wfi
  b 1b
`;

/** A domU that reads a word, writes 0x5a, reads a signed byte (x1, -, x3), then x4 = 1. */
export const READ_WRITE_GUEST = `
  movz x9, #0x1000, lsl #16
  ldr w1, [x9, #0x10]
  mov w2, #0x5a
  str w2, [x9, #0x20]
  ldrsb x3, [x9, #0x33]
  mov x4, #1
1:
  wfi
  b 1b
`;

/**
 * dom0 as `du`'s device model for the page at DEV_BASE: creates a server, acquires its ioreq page
 * at `gfn` of its physmap, maps the range and enables the server, asserting each step; the id.
 */
export function serveDevice(lab: IoreqLab, du: Domain, gfn = IOREQ_GFN): number {
  const { hv, v0 } = lab;
  const [created, id] = createServer(hv, v0, du.id);
  assert.equal(created, 0, `create_ioreq_server for domain ${du.id}`);
  assert.equal(acquire(hv, v0, du.id, id, 1, [gfn])[0], 0, `acquire server ${id}'s page`);
  assert.equal(mapRange(hv, v0, du.id, id, DEV_BASE, DEV_BASE + 0xfffn), 0, "map the range");
  assert.equal(setState(hv, v0, du.id, id, true), 0, `enable server ${id}`);
  return id;
}

/** dom0 binds the port in vcpu `vcpu`'s slot of the page at IOREQ_GFN: its local port. */
export function bindSlotPort(lab: IoreqLab, du: Domain, vcpu = 0): number {
  const [r, port] = bindInterdomain(lab.hv, lab.v0, du.id, Number(slot(lab.v0, vcpu, "vp_eport")));
  assert.equal(r, 0, `bind vcpu ${vcpu}'s port`);
  return port;
}

/** Result of a dm_op: rc and the xen_dm_op buffer as the caller sees it afterwards. */
export interface DmOpResult {
  rc: number;
  /** A field of the sub-op argument (offset within `u`, size in bytes). */
  u(offset: number, size: 1 | 2 | 4 | 8): bigint;
}

/**
 * dm_op(domid, 1, [buf]) from `v` with xen_dm_op {op, u = `arg` with `fields`} in `v`'s RAM;
 * `bufSize` overrides the buffer's size, `pad` the header's pad.
 */
export function dmOp(
  hv: Hypervisor,
  v: Vcpu,
  domid: number,
  op: number,
  arg: AbiStruct | null,
  fields: Record<string, number | bigint> = {},
  opts: { bufSize?: number; pad?: number; nrBufs?: number; bufsVa?: bigint } = {},
): DmOpResult {
  const hdr = ARGS, u = ARGS + 8, desc = ARGS + 0x100;
  v.guest.write(BigInt(hdr), new Uint8Array(64));
  putU64s(v, hdr, [BigInt(op) | (BigInt(opts.pad ?? 0) << 32n)]);
  if (arg !== null) putStruct(v, u, arg, fields);
  putU64s(v, desc, [BigInt(hdr), BigInt(opts.bufSize ?? 8 + (arg?.size ?? 0))]);
  const r = rc(call(hv, v, __HYPERVISOR_dm_op, domid, opts.nrBufs ?? 1, opts.bufsVa ?? desc));
  return {
    rc: r,
    u: (offset, size) => {
      const dv = v.guest.readStruct(BigInt(u + offset), size);
      return size === 8 ? dv.getBigUint64(0, true) : BigInt(
        size === 1 ? dv.getUint8(0) : size === 2 ? dv.getUint16(0, true) : dv.getUint32(0, true),
      );
    },
  };
}

/** XEN_DMOP_create_ioreq_server: [rc, id]. */
export function createServer(
  hv: Hypervisor,
  v: Vcpu,
  domid: number,
  bufioreq = 0,
): [number, number] {
  const r = dmOp(hv, v, domid, D.XEN_DMOP_create_ioreq_server, D.xen_dm_op_create_ioreq_server, {
    handle_bufioreq: bufioreq,
  });
  return [r.rc, Number(r.u(4, 2))];
}

/** map (or unmap) an MMIO range of server `id`. */
export function mapRange(
  hv: Hypervisor,
  v: Vcpu,
  domid: number,
  id: number,
  start: bigint,
  end: bigint,
  opts: { unmap?: boolean; type?: number; pad?: number } = {},
): number {
  const op = opts.unmap
    ? D.XEN_DMOP_unmap_io_range_from_ioreq_server
    : D.XEN_DMOP_map_io_range_to_ioreq_server;
  return dmOp(hv, v, domid, op, D.xen_dm_op_ioreq_server_range, {
    id,
    pad: opts.pad ?? 0,
    type: opts.type ?? D.XEN_DMOP_IO_RANGE_MEMORY,
    start,
    end,
  }).rc;
}

/** XEN_DMOP_set_ioreq_server_state. */
export function setState(hv: Hypervisor, v: Vcpu, domid: number, id: number, on: boolean): number {
  return dmOp(hv, v, domid, D.XEN_DMOP_set_ioreq_server_state, D.xen_dm_op_set_ioreq_server_state, {
    id,
    enabled: on ? 1 : 0,
  }).rc;
}

/**
 * XENMEM_acquire_resource of server `id`'s frames from `frame` into gfns `gfns` of `v`'s
 * domain (a null frame_list when `gfns` is null); [rc, nr_frames afterwards].
 */
export function acquire(
  hv: Hypervisor,
  v: Vcpu,
  domid: number,
  id: number,
  frame: number,
  gfns: number[] | null,
  opts: { type?: number; pad?: number; nrFrames?: number } = {},
): [number, number] {
  const at = ARGS + 0x200, list = ARGS + 0x300;
  if (gfns) putU64s(v, list, gfns);
  putStruct(v, at, M.xen_mem_acquire_resource, {
    domid,
    type: opts.type ?? M.XENMEM_resource_ioreq_server,
    id,
    nr_frames: opts.nrFrames ?? gfns?.length ?? 0,
    pad: opts.pad ?? 0,
    frame,
    frame_list: gfns ? list : 0,
  });
  const r = rc(call(hv, v, __HYPERVISOR_memory_op, M.XENMEM_acquire_resource, at));
  return [r, Number(getField(v, at, M.xen_mem_acquire_resource, "nr_frames"))];
}

/** EVTCHNOP_bind_interdomain from `v`'s domain: [rc, local port]. */
export function bindInterdomain(
  hv: Hypervisor,
  v: Vcpu,
  remoteDom: number,
  remotePort: number,
): [number, number] {
  const at = ARGS + 0x400;
  putStruct(v, at, E.evtchn_bind_interdomain, { remote_dom: remoteDom, remote_port: remotePort });
  const r = rc(call(hv, v, __HYPERVISOR_event_channel_op, E.EVTCHNOP_bind_interdomain, at));
  return [r, Number(getField(v, at, E.evtchn_bind_interdomain, "local_port"))];
}

/** A one-port EVTCHNOP (send, close, unmask...) from `v`. */
export function portOp(hv: Hypervisor, v: Vcpu, cmd: number, port: number): number {
  const at = ARGS + 0x500;
  putU64s(v, at, [BigInt(port)]);
  return rc(call(hv, v, __HYPERVISOR_event_channel_op, cmd, at));
}

/** Field `name` of vcpu `vcpu`'s slot in the ioreq page the device model mapped at IOREQ_GFN. */
export function slot(v0: Vcpu, vcpu: number, name: string): number | bigint {
  const dv = v0.guest.readStruct(BigInt(IOREQ_GFN * 4096 + vcpu * D.ioreq.size), D.ioreq.size);
  return readAbiField(dv, 0, abiField(D.ioreq, name));
}

/** The device model's answer in vcpu `vcpu`'s slot, without the event: `data`, IORESP_READY. */
export function putAnswer(v0: Vcpu, vcpu: number, data: bigint): void {
  const base = BigInt(IOREQ_GFN * 4096 + vcpu * D.ioreq.size);
  putU64s(v0, base + 8n, [data]);
  const dv = v0.guest.readStruct(base + 30n, 1);
  dv.setUint8(0, (dv.getUint8(0) & ~0xf) | D.STATE_IORESP_READY);
  v0.guest.writeStruct(base + 30n, dv);
}

/** The device model's answer: `data`, IORESP_READY, then an event on its port `port`. */
export function answer(hv: Hypervisor, v0: Vcpu, vcpu: number, data: bigint, port: number): number {
  putAnswer(v0, vcpu, data);
  return portOp(hv, v0, E.EVTCHNOP_send, port);
}
