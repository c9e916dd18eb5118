/**
 * A set of inclusive [start, end] ranges as Xen's rangeset keeps them for an ioreq server:
 * sorted, disjoint, adjacent ranges merged, at most a fixed number of ranges (MAX_NR_IO_RANGES).
 * Plain data (an array of bigint pairs) so a server's state saves as it is.
 *
 * @module
 */
import { XEN_ENOSPC } from "../abi/errno.ts";
import { XenError } from "../xen_error.ts";

/** Xen's MAX_NR_IO_RANGES: ranges one server may hold per range type. */
export const MAX_NR_IO_RANGES = 256;

/** Sorted, disjoint, non-adjacent inclusive ranges. */
export type IoRanges = [bigint, bigint][];

/** True when some range of `r` overlaps [start, end] (rangeset_overlaps_range). */
export function overlaps(r: IoRanges, start: bigint, end: bigint): boolean {
  return r.some(([s, e]) => s <= end && start <= e);
}

/** True when one range of `r` holds all of [start, end] (rangeset_contains_range). */
export function contains(r: IoRanges, start: bigint, end: bigint): boolean {
  return r.some(([s, e]) => s <= start && end <= e);
}

/**
 * Adds [start, end] (rangeset_add_range), merging with overlapping or adjacent ranges; ENOSPC
 * when it would make more than MAX_NR_IO_RANGES ranges.
 */
export function addRange(r: IoRanges, start: bigint, end: bigint): void {
  let s = start, e = end;
  const keep: IoRanges = [];
  for (const [a, b] of r) {
    if (b + 1n < s || e + 1n < a) keep.push([a, b]);
    else {
      s = a < s ? a : s;
      e = b > e ? b : e;
    }
  }
  if (keep.length >= MAX_NR_IO_RANGES) {
    throw new XenError(XEN_ENOSPC, `more than ${MAX_NR_IO_RANGES} ranges`);
  }
  keep.push([s, e]);
  keep.sort((x, y) => (x[0] < y[0] ? -1 : 1));
  r.splice(0, r.length, ...keep);
}

/**
 * Removes [start, end] (rangeset_remove_range), splitting a range around it; ENOSPC when the
 * split would exceed MAX_NR_IO_RANGES ranges.
 */
export function removeRange(r: IoRanges, start: bigint, end: bigint): void {
  const out: IoRanges = [];
  for (const [a, b] of r) {
    if (b < start || end < a) {
      out.push([a, b]);
      continue;
    }
    if (a < start) out.push([a, start - 1n]);
    if (end < b) out.push([end + 1n, b]);
  }
  if (out.length > MAX_NR_IO_RANGES) {
    throw new XenError(XEN_ENOSPC, `more than ${MAX_NR_IO_RANGES} ranges`);
  }
  r.splice(0, r.length, ...out);
}
