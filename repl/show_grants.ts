/** REPL view of a domain's grant table: entries in use, active (pinned) entries, its mappings. */
import type { Domain } from "../core/hyp/domain.ts";
import {
  GNTMAP_device_map,
  GNTMAP_host_map,
  GNTMAP_readonly,
  GTF_PCD,
  GTF_PWT,
  GTF_reading,
  GTF_readonly,
  GTF_sub_page,
  GTF_type_mask,
  GTF_writing,
} from "../core/hyp/abi/grant_table.ts";
import { formatTable, hex } from "./table.ts";

const TYPES = ["invalid", "permit_access", "accept_transfer", "transitive"];

/** GTF_* flags as words ("permit_access|readonly|reading"). */
export function grantFlags(flags: number): string {
  const out = [TYPES[flags & GTF_type_mask]];
  const bits: [number, string][] = [
    [GTF_readonly, "readonly"],
    [GTF_reading, "reading"],
    [GTF_writing, "writing"],
    [GTF_PWT, "PWT"],
    [GTF_PCD, "PCD"],
    [GTF_sub_page, "sub_page"],
  ];
  for (const [b, n] of bits) if (flags & b) out.push(n);
  return out.join("|");
}

/** GNTMAP_* flags as words. */
function mapFlags(flags: number): string {
  const out: string[] = [];
  if (flags & GNTMAP_host_map) out.push("host");
  if (flags & GNTMAP_device_map) out.push("device");
  if (flags & GNTMAP_readonly) out.push("readonly");
  return out.join("|") || hex(flags);
}

/** Entries with any flag or grantee set, active entries with their pins, and maptrack records. */
export function formatGrants(d: Domain): string {
  const g = d.grants;
  if (!g) return `domain ${d.id} has no grant table`;
  const entries = [];
  for (let ref = 0; ref < g.nrEntries; ref++) {
    const e = g.entry(ref);
    if (e.flags !== 0 || e.domid !== 0 || e.frame !== 0) entries.push(e);
  }
  const mappings = [];
  for (let h = 0; h < g.maptrack.limit; h++) {
    const m = g.maptrack.lookup(h);
    if (m) mappings.push(m);
  }
  return [
    `domain ${d.id} grant table v${g.version}: ${g.nrFrames} of max ${g.maxFrames} frame(s), ` +
    `${g.nrEntries} entries`,
    formatTable(
      ["Ref", "Flags", "Grantee", "Frame (gfn)", "Pin"],
      entries.map((
        e,
      ) => [e.ref, grantFlags(e.flags), e.domid, hex(e.frame), hex(g.active.pin(e.ref))]),
      "entries in use:",
    ),
    "",
    formatTable(
      ["Ref", "Pin", "For dom", "mfn", "gfn"],
      g.active.list().map((a) => [a.ref, hex(a.pin), a.domid, hex(a.mfn), hex(a.gfn)]),
      "active (pinned) entries:",
    ),
    "",
    formatTable(
      ["Handle", "Granter", "Ref", "Mapped as"],
      mappings.map((m) => [m.handle, m.domid, m.ref, mapFlags(m.flags)]),
      "this domain's mappings of granted frames (maptrack):",
    ),
  ].join("\n");
}
