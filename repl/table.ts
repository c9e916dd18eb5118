/** Plain-text tables for the REPL's views: aligned columns under a header, numbers on the right. */

/** One cell: text, or a number (right-aligned). */
export type Cell = string | number | bigint | boolean | null | undefined;

const text = (c: Cell) =>
  c === null || c === undefined ? "-" : typeof c === "boolean" ? (c ? "yes" : "no") : String(c);

/** `rows` under `headers`, columns padded to their widest cell; "(none)" for no rows. */
export function formatTable(headers: string[], rows: Cell[][], title?: string): string {
  const cells = rows.map((r) => r.map(text));
  const width = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? "").length)));
  const right = headers.map((_, i) =>
    rows.length > 0 &&
    rows.every((r) => typeof r[i] === "number" || typeof r[i] === "bigint" || r[i] == null)
  );
  const line = (r: string[]) =>
    r.map((c, i) => right[i] ? c.padStart(width[i]) : c.padEnd(width[i])).join("  ").trimEnd();
  const out = title ? [title] : [];
  out.push(line(headers), line(width.map((w) => "-".repeat(w))));
  if (rows.length === 0) out.push("(none)");
  for (const r of cells) out.push(line(r));
  return out.join("\n");
}

/** `v` as 0x-prefixed hex, zero-padded to `digits`. */
export function hex(v: number | bigint, digits = 0): string {
  return "0x" + v.toString(16).padStart(digits, "0");
}

/** Nanoseconds as a short human duration ("1.250 ms", "3.2 s"). */
export function fmtNs(ns: number): string {
  if (ns < 1e3) return `${ns} ns`;
  if (ns < 1e6) return `${(ns / 1e3).toFixed(1)} us`;
  if (ns < 1e9) return `${(ns / 1e6).toFixed(3)} ms`;
  return `${(ns / 1e9).toFixed(3)} s`;
}

/** Bytes as KiB/MiB/GiB. */
export function fmtBytes(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(n % 2 ** 30 ? 1 : 0)} GiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(n % 2 ** 20 ? 1 : 0)} MiB`;
  if (n >= 2 ** 10) return `${(n / 2 ** 10).toFixed(n % 2 ** 10 ? 1 : 0)} KiB`;
  return `${n} B`;
}
