/**
 * Pinning a granter's entry for a map or a copy, and unpinning it, as Xen does for v1 tables:
 * the first pin checks the entry the granter wrote (GTF_permit_access for exactly this grantee,
 * not read-only when writing), resolves its gfn to a machine frame and sets GTF_reading (and
 * GTF_writing for write access) in the shared entry, so the granter can see its page is in use.
 * Later pins by the same grantee only count, except a first writable pin which re-checks
 * GTF_readonly. When the last pin of a kind goes, the matching GTF bit is cleared again.
 */
import {
  GNTST_bad_gntref,
  GNTST_bad_page,
  GNTST_general_error,
  GNTST_okay,
  GTF_permit_access,
  GTF_reading,
  GTF_readonly,
  GTF_sub_page,
  GTF_type_mask,
  GTF_writing,
} from "../abi/grant_table.ts";
import { GNTPIN_devw_mask, GNTPIN_hstw_mask, pinOverflowMask } from "./active_grants.ts";
import type { GrantTable } from "./grant_table.ts";

/** Outcome of a pin: GNTST_okay with the granted machine frame, or a GNTST_* failure. */
export interface PinResult {
  status: number;
  /** The granted frame's MFN (only with GNTST_okay). */
  mfn: number;
}

/**
 * Adds pin `incr` (GNTPIN_*_inc) on entry `ref` of `gt` for grantee `ldomid`. `forMap`: a
 * mapping (GTF_sub_page entries are refused) rather than a copy.
 */
export function pinGrant(
  gt: GrantTable,
  ref: number,
  ldomid: number,
  incr: number,
  readonly: boolean,
  forMap: boolean,
): PinResult {
  if (!gt.validRef(ref)) return { status: GNTST_bad_gntref, mfn: -1 };
  const act = gt.active.get(ref);
  const pin = act?.pin ?? 0;
  if (act !== undefined && (act.domid !== ldomid || (pin & pinOverflowMask(incr)) !== 0)) {
    return { status: GNTST_general_error, mfn: -1 };
  }
  if (act === undefined || (!readonly && (pin & (GNTPIN_hstw_mask | GNTPIN_devw_mask)) === 0)) {
    const status = setStatus(gt, ref, pin, readonly, forMap, ldomid);
    if (status !== GNTST_okay) return { status, mfn: -1 };
    if (act === undefined) {
      const gfn = gt.entry(ref).frame;
      const mfn = gt.ownFrame(gfn);
      if (mfn === undefined) {
        reduceStatusForPin(gt, ref, readonly);
        return { status: GNTST_bad_page, mfn: -1 };
      }
      gt.active.start(ref, ldomid, mfn, gfn, incr);
      return { status: GNTST_okay, mfn };
    }
  }
  gt.active.add(ref, incr);
  return { status: GNTST_okay, mfn: act.mfn };
}

/** Takes pin `incr` off entry `ref` and clears the GTF bits no remaining pin needs. */
export function unpinGrant(gt: GrantTable, ref: number, incr: number, readonly: boolean): void {
  gt.active.drop(ref, incr);
  reduceStatusForPin(gt, ref, readonly);
}

/** Xen's _set_status_v1 (one attempt: nothing else writes the entry meanwhile). */
function setStatus(
  gt: GrantTable,
  ref: number,
  pin: number,
  readonly: boolean,
  forMap: boolean,
  ldomid: number,
): number {
  const e = gt.entry(ref);
  const mask = forMap ? GTF_type_mask | GTF_sub_page : GTF_type_mask;
  if (pin === 0 && ((e.flags & mask) !== GTF_permit_access || e.domid !== ldomid)) {
    return GNTST_general_error;
  }
  let bits = GTF_reading;
  if (!readonly) {
    if ((e.flags & GTF_readonly) !== 0) return GNTST_general_error;
    bits |= GTF_writing;
  }
  gt.setFlags(ref, bits);
  return GNTST_okay;
}

/** Xen's reduce_status_for_pin: drop GTF_reading / GTF_writing no pin accounts for any more. */
function reduceStatusForPin(gt: GrantTable, ref: number, readonly: boolean): void {
  const pin = gt.active.pin(ref);
  let clear = pin !== 0 ? 0 : GTF_reading;
  if (!readonly && (pin & (GNTPIN_hstw_mask | GNTPIN_devw_mask)) === 0) clear |= GTF_writing;
  if (clear !== 0) gt.clearFlags(ref, clear);
}
