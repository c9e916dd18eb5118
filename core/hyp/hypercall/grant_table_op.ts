/**
 * grant_table_op (hypercall 20): x0 = command, x1 = array of argument structures, x2 = count.
 * Each element is copied in, handed to the grant-table operations (core/hyp/grant) and its OUT
 * fields (status, handle, frames...) copied back, as Xen does element by element; a fault on an
 * element ends the call with -EFAULT.
 */
import { __HYPERVISOR_grant_table_op } from "../abi/hypercalls.ts";
import { XEN_EFAULT, XEN_EINVAL } from "../abi/errno.ts";
import * as G from "../abi/grant_table.ts";
import { GrantOps } from "../grant/grant_ops.ts";
import { hex, XenError } from "../xen_error.ts";
import type { HypercallContext, HypercallDef, SubOpDef } from "./table.ts";

/** The count argument as Xen reads it: a non-negative int. */
function countOf(a: readonly bigint[]): number {
  const n = Number(BigInt.asIntN(32, a[2]));
  if (n < 0) throw new XenError(XEN_EINVAL, `grant_table_op count ${n}`);
  return n;
}

/** Runs `f` on each of `count` structures of `size` bytes at x1, writing each back. */
function each(
  c: HypercallContext,
  a: readonly bigint[],
  size: number,
  f: (dv: DataView) => void,
): number {
  const n = countOf(a);
  for (let i = 0; i < n; i++) {
    const va = a[1] + BigInt(i * size);
    const dv = c.guest.readStruct(va, size);
    f(dv);
    c.guest.writeStruct(va, dv);
  }
  return 0;
}

/** Sub-ops that take exactly one structure. */
function one(
  c: HypercallContext,
  a: readonly bigint[],
  size: number,
  f: (dv: DataView) => void,
): number {
  if (countOf(a) !== 1) throw new XenError(XEN_EINVAL, "this grant op takes count 1");
  return each(c, [a[0], a[1], 1n], size, f);
}

/** Builds the grant_table_op row over `ops`. */
export function grantTableOpHypercall(ops: GrantOps): HypercallDef {
  const subops: SubOpDef[] = [
    {
      cmd: G.GNTTABOP_map_grant_ref,
      name: "map_grant_ref",
      run: (c, a) =>
        each(c, a, G.gnttab_map_grant_ref.size, (dv) => {
          const r = ops.mapGrantRef(c.domain, {
            host_addr: dv.getBigUint64(0, true),
            flags: dv.getUint32(8, true),
            ref: dv.getUint32(12, true),
            dom: dv.getUint16(16, true),
          });
          dv.setInt16(18, r.status, true);
          if (r.status === G.GNTST_okay) {
            dv.setUint32(20, r.handle ?? 0, true);
            dv.setBigUint64(24, r.dev_bus_addr ?? 0n, true);
          }
        }),
    },
    {
      cmd: G.GNTTABOP_unmap_grant_ref,
      name: "unmap_grant_ref",
      run: (c, a) =>
        each(c, a, G.gnttab_unmap_grant_ref.size, (dv) => {
          const st = ops.unmapGrantRef(c.domain, {
            host_addr: dv.getBigUint64(0, true),
            dev_bus_addr: dv.getBigUint64(8, true),
            handle: dv.getUint32(16, true),
          });
          dv.setInt16(20, st, true);
        }),
    },
    {
      cmd: G.GNTTABOP_copy,
      name: "copy",
      run: (c, a) =>
        each(c, a, G.gnttab_copy.size, (dv) => {
          const st = ops.copy(c.domain, {
            source: {
              u: dv.getBigUint64(0, true),
              domid: dv.getUint16(8, true),
              offset: dv.getUint16(10, true),
            },
            dest: {
              u: dv.getBigUint64(16, true),
              domid: dv.getUint16(24, true),
              offset: dv.getUint16(26, true),
            },
            len: dv.getUint16(32, true),
            flags: dv.getUint16(34, true),
          });
          dv.setInt16(36, st, true);
        }),
    },
    {
      cmd: G.GNTTABOP_setup_table,
      name: "setup_table",
      run: (c, a) =>
        one(c, a, G.gnttab_setup_table.size, (dv) => {
          const r = ops.setupTable(c.domain, {
            dom: dv.getUint16(0, true),
            nr_frames: dv.getUint32(4, true),
          });
          let status = r.status;
          if (status === G.GNTST_okay && r.frame_list.length > 0) {
            const list = new DataView(new ArrayBuffer(8 * r.frame_list.length));
            r.frame_list.forEach((f, i) => list.setBigUint64(8 * i, f, true));
            try {
              c.guest.writeStruct(dv.getBigUint64(16, true), list);
            } catch (e) {
              if (!(e instanceof XenError) || e.errno !== XEN_EFAULT) throw e;
              status = G.GNTST_bad_virt_addr;
            }
          }
          dv.setInt16(8, status, true);
        }),
    },
    {
      cmd: G.GNTTABOP_query_size,
      name: "query_size",
      run: (c, a) =>
        one(c, a, G.gnttab_query_size.size, (dv) => {
          const r = ops.querySize(c.domain, { dom: dv.getUint16(0, true) });
          dv.setInt16(12, r.status, true);
          if (r.status === G.GNTST_okay) {
            dv.setUint32(4, r.nr_frames ?? 0, true);
            dv.setUint32(8, r.max_nr_frames ?? 0, true);
          }
        }),
    },
    {
      cmd: G.GNTTABOP_get_status_frames,
      name: "get_status_frames",
      run: (c, a) =>
        one(c, a, G.gnttab_get_status_frames.size, (dv) => {
          const st = ops.getStatusFrames(c.domain, {
            dom: dv.getUint16(4, true),
            nr_frames: dv.getUint32(0, true),
          });
          dv.setInt16(6, st, true);
        }),
    },
    {
      cmd: G.GNTTABOP_set_version,
      name: "set_version",
      run: (c, a) => {
        if (countOf(a) !== 1) throw new XenError(XEN_EINVAL, "set_version takes count 1");
        const dv = c.guest.readStruct(a[1], G.gnttab_set_version.size);
        const r = ops.setVersion(c.domain, dv.getUint32(0, true));
        dv.setUint32(0, r.version, true);
        c.guest.writeStruct(a[1], dv);
        return r.rc;
      },
    },
    {
      cmd: G.GNTTABOP_get_version,
      name: "get_version",
      run: (c, a) =>
        one(c, a, G.gnttab_get_version.size, (dv) => {
          dv.setUint32(4, ops.getVersion(c.domain, { dom: dv.getUint16(0, true) }), true);
        }),
    },
  ];
  return {
    nr: __HYPERVISOR_grant_table_op,
    name: "grant_table_op",
    doc: "grant tables: map, unmap, copy, setup, query",
    // The bits above the command carry Xen's continuation state; a guest setting them is refused.
    cmdMask: 0x7f,
    subops: subops.map((s) => ({
      ...s,
      run: (c: HypercallContext, a: readonly bigint[]) => {
        if ((a[0] & ~0x7fn) !== 0n) {
          throw new XenError(XEN_EINVAL, `grant_table_op command ${hex(a[0])}`);
        }
        return s.run(c, a);
      },
    })),
  };
}
