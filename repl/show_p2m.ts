/** REPL view of a domain's p2m: guest-physical ranges with contiguous machine frames coalesced. */
import type { Domain } from "../core/hyp/domain.ts";
import { P2M_TYPE } from "../core/hyp/p2m.ts";
import { S2_R, S2_W, S2_X } from "../core/cpu/el2.ts";
import { fmtBytes, formatTable, hex } from "./table.ts";

const TYPE_NAMES = new Map<number, string>(
  Object.entries(P2M_TYPE).map(([k, v]) => [v as number, k]),
);

/** A run of mappings with consecutive gfns and mfns and equal perms and type. */
export interface P2mRange {
  gfn: number;
  mfn: number;
  count: number;
  perms: number;
  type: number;
}

/** The p2m of `d` as coalesced ranges, in gfn order. */
export function p2mRanges(d: Domain): P2mRange[] {
  const out: P2mRange[] = [];
  const all = [...d.p2m.entries()].sort((a, b) => a.gfn - b.gfn);
  for (const e of all) {
    const last = out[out.length - 1];
    if (
      last && last.gfn + last.count === e.gfn && last.mfn + last.count === e.mfn &&
      last.perms === e.perms && last.type === e.type
    ) last.count++;
    else out.push({ gfn: e.gfn, mfn: e.mfn, count: 1, perms: e.perms, type: e.type });
  }
  return out;
}

/** rwx letters of stage-2 permissions. */
function perms(p: number): string {
  return (p & S2_R ? "r" : "-") + (p & S2_W ? "w" : "-") + (p & S2_X ? "x" : "-");
}

/** The p2m table of `d`. */
export function formatP2m(d: Domain): string {
  return formatTable(
    ["IPA", "End", "Machine", "Size", "Perms", "Type"],
    p2mRanges(d).map((r) => [
      hex(r.gfn * 4096, 9),
      hex((r.gfn + r.count) * 4096 - 1, 9),
      hex(r.mfn * 4096, 9),
      fmtBytes(r.count * 4096),
      perms(r.perms),
      TYPE_NAMES.get(r.type) ?? String(r.type),
    ]),
    `domain ${d.id} p2m: ${d.p2m.size} frames mapped`,
  );
}
