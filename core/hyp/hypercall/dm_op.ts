/**
 * dm_op (hypercall 41) as Xen 4.17 has it on ARM (common/dm.c, arch/arm/dm.c, common/ioreq.c):
 * a device model in another domain drives a target domain's ioreq servers and interrupt lines.
 * Arguments: domid, the number of xen_dm_op_buf (at most 2) and a guest handle to them; buffer 0
 * holds struct xen_dm_op (op, pad, then the sub-op's argument at offset 8), copied in for the
 * sub-op's size and, for sub-ops with results, copied back. Errors as Xen's, in Xen's order:
 * -E2BIG, -EFAULT for the buffer array, -ESRCH / -EPERM for the target, -EFAULT for a short
 * buffer, -EOPNOTSUPP for ops Xen on ARM does not have, -EINVAL for padding.
 */
import { __HYPERVISOR_dm_op } from "../abi/hypercalls.ts";
import { XEN_E2BIG, XEN_EFAULT, XEN_EINVAL, XEN_EOPNOTSUPP } from "../abi/errno.ts";
import * as D from "../abi/dm_op.ts";
import { GUEST_PL011_BASE, GUEST_VPL011_SPI } from "../abi/arm_memory_map.ts";
import type { AbiStruct } from "../abi/layout.ts";
import type { Domain } from "../domain.ts";
import { finishIo, ioreqEndpoint } from "../ioreq/ioreq_forward.ts";
import { XenError } from "../xen_error.ts";
import { remoteDomain } from "./remote_domain.ts";
import type { HypercallContext, HypercallDef } from "./table.ts";

/** What dm_op needs of the hypervisor beyond the services: the target's vGIC. */
export interface DmOpHost {
  readonly runtimes: ReadonlyMap<number, { readonly vgic: { readonly numIrqs: number } }>;
  /** Makes SPI `intid` pending in domain `domid` (through the "irq" hooks). */
  injectIrq(domid: number, vcpu: number | null, intid: number): unknown;
}

/** The sub-op argument starts here (offsetof(struct xen_dm_op, u)). */
const U = 8;
/** Xen's struct dmop_args holds two buffers. */
const MAX_BUFS = 2;
/** Xen's op_size[] has entries up to XEN_DMOP_nr_vcpus; ops past it are -EOPNOTSUPP at once. */
const OP_LIMIT = D.XEN_DMOP_nr_vcpus + 1;

/** One sub-op: its argument layout and what it does with the argument (a view of `u`). */
interface SubOp {
  arg: AbiStruct;
  /** True when `u` is copied back to the caller (Xen's const_op = false). */
  out?: boolean;
  run(c: HypercallContext, d: Domain, u: DataView): void;
}

function checkPad(u: DataView, offset: number, size: number, what: string): void {
  for (let i = 0; i < size; i++) {
    if (u.getUint8(offset + i) !== 0) throw new XenError(XEN_EINVAL, `${what}: pad is not zero`);
  }
}

function rangeOp(unmap: boolean): SubOp {
  return {
    arg: D.xen_dm_op_ioreq_server_range,
    run: (c, d, u) => {
      checkPad(u, 2, 2, "ioreq server range");
      const args = [
        u.getUint16(0, true),
        c.domain.id,
        u.getUint32(4, true),
        u.getBigUint64(8, true),
        u.getBigUint64(16, true),
      ] as const;
      if (unmap) d.ioreq.unmapRange(...args);
      else d.ioreq.mapRange(...args);
    },
  };
}

function subOps(host: DmOpHost): Map<number, SubOp> {
  return new Map<number, SubOp>([
    [D.XEN_DMOP_create_ioreq_server, {
      arg: D.xen_dm_op_create_ioreq_server,
      out: true,
      run: (c, d, u) => {
        checkPad(u, 1, 3, "create_ioreq_server");
        const id = d.ioreq.create(d, c.domain.id, u.getUint8(0), ioreqEndpoint(c.hv, d));
        u.setUint16(4, id, true);
      },
    }],
    [D.XEN_DMOP_get_ioreq_server_info, {
      arg: D.xen_dm_op_get_ioreq_server_info,
      out: true,
      run: (c, d, u) => {
        const flags = u.getUint16(2, true);
        if (flags & ~D.XEN_DMOP_no_gfns) throw new XenError(XEN_EINVAL, `flags ${flags}`);
        d.ioreq.serverFor(u.getUint16(0, true), c.domain.id);
        // Legacy gfns (pages in the target's physmap) are x86's; ARM maps with acquire_resource.
        if (!(flags & D.XEN_DMOP_no_gfns)) {
          throw new XenError(XEN_EOPNOTSUPP, "ioreq gfns do not exist on ARM (XEN_DMOP_no_gfns)");
        }
        // No buffered ioreqs on ARM: bufioreq_port and the gfns are left as the caller set them.
      },
    }],
    [D.XEN_DMOP_map_io_range_to_ioreq_server, rangeOp(false)],
    [D.XEN_DMOP_unmap_io_range_from_ioreq_server, rangeOp(true)],
    [D.XEN_DMOP_set_ioreq_server_state, {
      arg: D.xen_dm_op_set_ioreq_server_state,
      run: (c, d, u) => {
        checkPad(u, 3, 1, "set_ioreq_server_state");
        d.ioreq.setState(d, u.getUint16(0, true), c.domain.id, u.getUint8(2) !== 0);
      },
    }],
    [D.XEN_DMOP_destroy_ioreq_server, {
      arg: D.xen_dm_op_destroy_ioreq_server,
      run: (c, d, u) => {
        checkPad(u, 2, 2, "destroy_ioreq_server");
        const id = u.getUint16(0, true);
        d.ioreq.serverFor(id, c.domain.id);
        const waiting = d.ioreq.pending.flatMap((p, vid) => (p?.server === id ? [{ p, vid }] : []));
        d.ioreq.destroy(d, id, c.domain.id, c.hv.frames, c.domain);
        // A vcpu left waiting finishes its access with the request's own data, as Xen's
        // completion does once no server holds its request.
        for (const { p, vid } of waiting) {
          if (d.vcpus[vid].cpu.pc === p.pc) finishIo(c.hv, d.vcpus[vid], p, p.data);
        }
      },
    }],
    [D.XEN_DMOP_set_irq_level, {
      arg: D.xen_dm_op_set_irq_level,
      run: (_c, d, u) => {
        const irq = u.getUint32(0, true), level = u.getUint8(4);
        const numIrqs = host.runtimes.get(d.id)?.vgic.numIrqs ?? 32;
        if (irq < 32 || irq >= numIrqs) {
          throw new XenError(XEN_EINVAL, `IRQ ${irq} is not an SPI of domain ${d.id}`);
        }
        if (level !== 0 && level !== 1) throw new XenError(XEN_EINVAL, `level ${level}`);
        // Xen 4.17's pad check only leaves its own loop, so pad is in effect not checked.
        // An SPI the hypervisor's own devices drive is allocated (vgic_reserve_virq): the
        // vpl011's while the hypervisor emulates it, not when a device model serves the UART.
        if (irq === GUEST_VPL011_SPI && d.mmio.find(Number(GUEST_PL011_BASE)) !== undefined) {
          throw new XenError(XEN_EINVAL, `SPI ${irq} is the hypervisor's vpl011's (allocated)`);
        }
        // Xen 4.17's vGIC ignores a falling edge: level 0 does nothing.
        if (level === 1) host.injectIrq(d.id, null, irq);
      },
    }],
    [D.XEN_DMOP_nr_vcpus, {
      arg: D.xen_dm_op_nr_vcpus,
      out: true,
      run: (_c, d, u) => u.setUint32(0, d.vcpus.length, true),
    }],
  ]);
}

/** The dm_op row. */
export function dmOpHypercall(host: DmOpHost): HypercallDef {
  const ops = subOps(host);
  return {
    nr: __HYPERVISOR_dm_op,
    name: "dm_op",
    doc: "device models: ioreq servers (create, map ranges, enable, destroy), SPI levels",
    run: (c, a) => {
      const domid = Number(a[0] & 0xffffn), nr = Number(a[1] & 0xffff_ffffn);
      if (nr > MAX_BUFS) throw new XenError(XEN_E2BIG, `${nr} buffers (at most ${MAX_BUFS})`);
      const bufs = c.guest.readStruct(a[2], D.xen_dm_op_buf.size * nr);
      const d = remoteDomain(c, domid);
      const h = nr > 0 ? bufs.getBigUint64(0, true) : 0n;
      const size = nr > 0 ? bufs.getBigUint64(8, true) : 0n;
      if (size < BigInt(U)) throw new XenError(XEN_EFAULT, `buffer 0 of ${size} bytes`);
      const op = c.guest.readStruct(h, U).getUint32(0, true);
      if (op >= OP_LIMIT) throw new XenError(XEN_EOPNOTSUPP, `dm_op ${op}`);
      const s = ops.get(op);
      const argSize = s?.arg.size ?? 0;
      if (size < BigInt(U + argSize)) {
        throw new XenError(XEN_EFAULT, `buffer 0 of ${size} bytes for dm_op ${op}`);
      }
      const whole = c.guest.readStruct(h, U + argSize);
      if (whole.getUint32(4, true) !== 0) throw new XenError(XEN_EINVAL, "xen_dm_op pad");
      if (s === undefined) throw new XenError(XEN_EOPNOTSUPP, `dm_op ${op} is not on ARM`);
      const u = new DataView(whole.buffer, U, argSize);
      s.run(c, d, u);
      if (s.out) c.guest.write(h + BigInt(U), new Uint8Array(whole.buffer, U, argSize));
      return 0;
    },
  };
}
