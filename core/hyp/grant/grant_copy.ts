/**
 * GNTTABOP_copy, one element: copies up to a page between two frames, each named either by a
 * grant ref of some domain (GNTCOPY_source_gref / GNTCOPY_dest_gref) or by a gfn of the caller
 * itself (only DOMID_SELF may be named by frame). A granted source is pinned read-only and a
 * granted destination writable for the duration, setting GTF_reading / GTF_writing in the
 * granter's entry as Xen does, and unpinned afterwards. Checks run in Xen's order: both domains,
 * the source, the destination, then the page bounds.
 */
import { PAGE_SIZE } from "../../mem/phys_memory.ts";
import {
  GNTCOPY_dest_gref,
  GNTCOPY_source_gref,
  GNTST_bad_copy_arg,
  GNTST_bad_domain,
  GNTST_bad_page,
  GNTST_okay,
  GNTST_permission_denied,
} from "../abi/grant_table.ts";
import { DOMID_SELF } from "../abi/hypercalls.ts";
import { GNTPIN_hstr_inc, GNTPIN_hstw_inc } from "./active_grants.ts";
import { domainByAnyId, type GrantDomainLookup, type GrantDomainPort } from "./grant_domain.ts";
import { pinGrant, unpinGrant } from "./grant_pin.ts";

/** One side of a copy (struct gnttab_copy_ptr). */
export interface GrantCopyPtr {
  /** The union as its 8-byte gmfn member: a gfn, or (low 32 bits) a grant ref. */
  u: bigint;
  /** domid_t; DOMID_SELF allowed. */
  domid: number;
  /** Byte offset in the frame (u16). */
  offset: number;
}

/** A decoded gnttab_copy element (the inputs). */
export interface GrantCopyArgs {
  source: GrantCopyPtr;
  dest: GrantCopyPtr;
  /** Bytes to copy (u16). */
  len: number;
  /** GNTCOPY_* (u16). */
  flags: number;
}

/** A claimed side: its frame and, for a grant, what to unpin afterwards. */
interface Claimed {
  mfn: number;
  grant?: { dom: GrantDomainPort; ref: number; readonly: boolean };
}

/** One GNTTABOP_copy element issued by `caller`; its GNTST_* status. */
export function grantCopy(
  lookup: GrantDomainLookup,
  caller: GrantDomainPort,
  op: GrantCopyArgs,
): number {
  const flags = op.flags & 0xffff;
  const srcGref = (flags & GNTCOPY_source_gref) !== 0;
  const dstGref = (flags & GNTCOPY_dest_gref) !== 0;
  const src = copyDomain(lookup, caller, op.source.domid, srcGref);
  if (typeof src === "number") return src;
  const dst = copyDomain(lookup, caller, op.dest.domid, dstGref);
  if (typeof dst === "number") return dst;
  const s = claim(caller, src, op.source.u, srcGref, true);
  if (typeof s === "number") return s;
  const d = claim(caller, dst, op.dest.u, dstGref, false);
  if (typeof d === "number") {
    release(s);
    return d;
  }
  const len = op.len & 0xffff, so = op.source.offset & 0xffff, doff = op.dest.offset & 0xffff;
  let status = GNTST_bad_copy_arg;
  if (so + len <= PAGE_SIZE && doff + len <= PAGE_SIZE) {
    const mem = caller.phys.mem;
    const sp = mem.page(s.mfn), dp = mem.page(d.mfn);
    if (sp !== undefined && dp !== undefined) {
      // slice() first: source and destination may be the same frame.
      const bytes = new Uint8Array(sp.buffer, sp.byteOffset + so, len).slice();
      new Uint8Array(dp.buffer, dp.byteOffset + doff, len).set(bytes);
      status = GNTST_okay;
    } else status = GNTST_bad_page;
  }
  release(d);
  release(s);
  return status;
}

/** Xen's gnttab_copy_lock_domain: the domain of one side, or a GNTST_* failure. */
function copyDomain(
  lookup: GrantDomainLookup,
  caller: GrantDomainPort,
  domid: number,
  isGref: boolean,
): GrantDomainPort | number {
  if (domid !== DOMID_SELF && !isGref) return GNTST_permission_denied;
  return domainByAnyId(lookup, caller, domid) ?? GNTST_bad_domain;
}

/** Xen's gnttab_copy_claim_buf: pins a grant or resolves the caller's own gfn. */
function claim(
  caller: GrantDomainPort,
  dom: GrantDomainPort,
  u: bigint,
  isGref: boolean,
  readonly: boolean,
): Claimed | number {
  if (isGref) {
    const ref = Number(BigInt.asUintN(32, u));
    const incr = readonly ? GNTPIN_hstr_inc : GNTPIN_hstw_inc;
    const pin = pinGrant(dom.grants, ref, caller.id, incr, readonly, false);
    if (pin.status !== GNTST_okay) return pin.status;
    return { mfn: pin.mfn, grant: { dom, ref, readonly } };
  }
  const gfn = BigInt.asUintN(64, u);
  const mfn = gfn <= BigInt(Number.MAX_SAFE_INTEGER) ? dom.grants.ownFrame(Number(gfn)) : undefined;
  return mfn === undefined ? GNTST_bad_page : { mfn };
}

/** Xen's release_grant_for_copy for a granted side. */
function release(c: Claimed): void {
  if (c.grant === undefined) return;
  const { dom, ref, readonly } = c.grant;
  unpinGrant(dom.grants, ref, readonly ? GNTPIN_hstr_inc : GNTPIN_hstw_inc, readonly);
}
