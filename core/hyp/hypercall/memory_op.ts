/**
 * memory_op (hypercall 12) for ARM guests: add_to_physmap of the shared_info page and of grant
 * frames (how Linux maps them), the balloon's reservation calls (increase/decrease_reservation,
 * populate_physmap), the reservation queries, and acquire_resource for device models. The command is x0's low 6 bits (the rest is a
 * continuation index on Xen; hvlab completes every call at once).
 */
import { __HYPERVISOR_memory_op } from "../abi/hypercalls.ts";
import { XEN_EFAULT, XEN_EINVAL, XEN_ENOSYS, XEN_EPERM } from "../abi/errno.ts";
import * as M from "../abi/memory.ts";
import type { Domain } from "../domain.ts";
import { P2M_RW, P2M_RWX, P2M_TYPE } from "../p2m.ts";
import { hex, XenError } from "../xen_error.ts";
import { acquireResource } from "./acquire_resource.ts";
import type { HypercallContext, HypercallDef } from "./table.ts";
import { targetDomain } from "./target_domain.ts";

/** MEMOP_CMD_MASK: the sub-op is in the low 6 bits of x0. */
const MEMOP_CMD_MASK = 0x3f;
/** Largest extent order an unprivileged domain may ask for (Xen's domU_max_order default). */
const DOMU_MAX_ORDER = 9;
/** Guest frames must stay below the 40-bit IPA space hvlab's stage 2 gives a domU. */
const MAX_GFN = 2 ** 28;

function gfnArg(v: bigint, what: string): number {
  if (v >= BigInt(MAX_GFN)) throw new XenError(XEN_EINVAL, `${what} ${hex(v)} beyond guest space`);
  return Number(v);
}

function reservation(c: HypercallContext, va: bigint) {
  const dv = c.guest.readStruct(va, M.xen_memory_reservation.size);
  return {
    extents: dv.getBigUint64(0, true),
    n: dv.getBigUint64(8, true),
    order: dv.getUint32(16, true),
    d: targetDomain(c, dv.getUint16(24, true)),
  };
}

/**
 * The reservation calls' common loop: decodes the xen_memory_reservation at `va`, refuses an
 * extent order beyond an unprivileged domain's limit (0 extents done, as Xen), and runs `step`
 * on extents 0, 1... until it returns false or all are done; the number done is the result.
 */
function eachExtent(
  c: HypercallContext,
  va: bigint,
  step: (r: ReturnType<typeof reservation>, i: number) => boolean,
): number {
  const r = reservation(c, va);
  if (r.order > DOMU_MAX_ORDER && !c.domain.privileged) return 0;
  let done = 0;
  while (BigInt(done) < r.n && step(r, done)) done++;
  return done;
}

/**
 * Reads extent `i` (a u64 gfn) of the guest's extent list; undefined when it does not translate
 * (Xen then stops and returns the number of extents done, not -EFAULT).
 */
function extent(c: HypercallContext, list: bigint, i: number): bigint | undefined {
  try {
    return new DataView(c.guest.read(list + BigInt(8 * i), 8).buffer).getBigUint64(0, true);
  } catch (e) {
    if (e instanceof XenError && e.errno === XEN_EFAULT) return undefined;
    throw e;
  }
}

/** Builds the memory_op row. */
export function memoryOpHypercall(): HypercallDef {
  return {
    nr: __HYPERVISOR_memory_op,
    name: "memory_op",
    doc: "map shared_info and grant frames, balloon memory in and out",
    cmdMask: MEMOP_CMD_MASK,
    subops: [
      {
        cmd: M.XENMEM_add_to_physmap,
        name: "add_to_physmap",
        run: (c, a) => {
          const dv = c.guest.readStruct(a[1], M.xen_add_to_physmap.size);
          const d = targetDomain(c, dv.getUint16(0, true));
          const space = dv.getUint32(4, true), idx = dv.getBigUint64(8, true);
          const gfn = gfnArg(dv.getBigUint64(16, true), "gpfn");
          if (space === M.XENMAPSPACE_shared_info) {
            if (idx !== 0n) {
              throw new XenError(XEN_EINVAL, `shared_info has only idx 0, not ${idx}`);
            }
            d.p2m.map(gfn, d.sharedInfoMfn, 1, P2M_RW, P2M_TYPE.xen);
            return 0;
          }
          if (space === M.XENMAPSPACE_grant_table) {
            if (idx & BigInt(M.XENMAPIDX_grant_table_status)) {
              throw new XenError(XEN_EINVAL, "grant status frames exist only with grant v2");
            }
            // The grant table records where each frame is mapped (setup_table reports it, and
            // a frame still mapped elsewhere is EBUSY as on Xen 4.17).
            d.grants.addToPhysmap(idx < 2n ** 31n ? Number(idx) : -1, gfn);
            return 0;
          }
          throw new XenError(XEN_ENOSYS, `add_to_physmap space ${space} is not supported on ARM`);
        },
      },
      {
        cmd: M.XENMEM_increase_reservation,
        name: "increase_reservation",
        // Auto-translated guests get frames they must still map: hvlab accounts them as RAM
        // not yet placed, like Xen's allocated-but-unmapped pages.
        run: (c, a) =>
          eachExtent(c, a[1], (r) => {
            const pages = 2 ** r.order;
            if (r.d.ramPages + r.d.unplacedPages + pages > r.d.maxPages) return false;
            r.d.unplacedPages += pages;
            return true;
          }),
      },
      {
        cmd: M.XENMEM_decrease_reservation,
        name: "decrease_reservation",
        run: (c, a) =>
          eachExtent(c, a[1], (r, i) => {
            const gfn = extent(c, r.extents, i);
            return gfn !== undefined && removeExtent(c, r.d, gfn, r.order);
          }),
      },
      {
        cmd: M.XENMEM_populate_physmap,
        name: "populate_physmap",
        run: (c, a) =>
          eachExtent(c, a[1], (r, i) => {
            const pages = 2 ** r.order;
            const gfn = extent(c, r.extents, i);
            if (gfn === undefined || gfn >= BigInt(MAX_GFN) || Number(gfn) % pages !== 0) {
              return false;
            }
            if (r.d.ramPages + pages > r.d.maxPages + r.d.unplacedPages) return false;
            const g = Number(gfn);
            for (let k = 0; k < pages; k++) if (r.d.p2m.get(g + k) !== undefined) return false;
            const mfn = c.hv.frames.allocRange(pages);
            r.d.p2m.map(g, mfn, pages, P2M_RWX, P2M_TYPE.ram);
            r.d.ramPages += pages;
            r.d.unplacedPages = Math.max(0, r.d.unplacedPages - pages);
            return true;
          }),
      },
      {
        cmd: M.XENMEM_current_reservation,
        name: "current_reservation",
        run: (c, a) => targetDomainOfId(c, a[1]).ramPages,
      },
      {
        cmd: M.XENMEM_maximum_reservation,
        name: "maximum_reservation",
        run: (c, a) => targetDomainOfId(c, a[1]).maxPages,
      },
      {
        cmd: M.XENMEM_maximum_gpfn,
        name: "maximum_gpfn",
        run: (c, a) => {
          let max = 0;
          for (const e of targetDomainOfId(c, a[1]).p2m.entries()) max = e.gfn;
          return max;
        },
      },
      {
        cmd: M.XENMEM_remove_from_physmap,
        name: "remove_from_physmap",
        run: (c, a) => {
          const dv = c.guest.readStruct(a[1], M.xen_remove_from_physmap.size);
          const d = targetDomain(c, dv.getUint16(0, true));
          const gfn = gfnArg(dv.getBigUint64(8, true), "gpfn");
          if (d.p2m.get(gfn) === undefined) {
            throw new XenError(XEN_EINVAL, `gpfn ${hex(gfn)} is not mapped`);
          }
          d.p2m.unmap(gfn);
          return 0;
        },
      },
      {
        cmd: M.XENMEM_acquire_resource,
        name: "acquire_resource",
        // Device models map another domain's resource (an ioreq server's pages) into their own.
        run: (c, a) => acquireResource(c, a[1]),
      },
      {
        cmd: M.XENMEM_add_to_physmap_batch,
        name: "add_to_physmap_batch",
        run: (c) => {
          if (!c.domain.privileged) {
            throw new XenError(XEN_EPERM, "foreign mappings need a privileged domain");
          }
          throw new XenError(XEN_ENOSYS, "add_to_physmap_batch is not implemented yet");
        },
      },
    ],
  };
}

/** A domid passed by pointer (current/maximum_reservation, maximum_gpfn take a domid_t *). */
function targetDomainOfId(c: HypercallContext, va: bigint): Domain {
  const dv = c.guest.readStruct(va, 2);
  return targetDomain(c, dv.getUint16(0, true));
}

/** Removes the 2^order frames at `gfn` (guest_remove_page); false when one is not mapped. */
function removeExtent(c: HypercallContext, d: Domain, gfn: bigint, order: number): boolean {
  const pages = 2 ** order;
  if (gfn >= BigInt(MAX_GFN) || Number(gfn) % pages !== 0) return false;
  const g = Number(gfn);
  for (let k = 0; k < pages; k++) if (d.p2m.get(g + k) === undefined) return false;
  for (let k = 0; k < pages; k++) {
    const m = d.p2m.get(g + k)!;
    d.p2m.unmap(g + k);
    if (m.type === P2M_TYPE.ram) {
      c.hv.frames.free(m.mfn);
      d.ramPages--;
    }
  }
  return true;
}
