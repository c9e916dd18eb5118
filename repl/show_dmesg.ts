/** REPL view of the hypervisor log (`dmesg()`): time, domain, level, message. */
import type { HvLogEntry } from "../core/hyp/services.ts";

/** Filters of `dmesg()`. */
export interface DmesgFilter {
  /** Only this domain's lines. */
  domain?: number;
  /** Only these levels. */
  level?: HvLogEntry["level"] | HvLogEntry["level"][];
  /** Only the last n lines (default 50). */
  last?: number;
}

/** Log lines as "[   1.234567] (d1) warn: message". */
export function formatDmesg(entries: readonly HvLogEntry[], f: DmesgFilter = {}): string {
  const levels = f.level === undefined ? null : Array.isArray(f.level) ? f.level : [f.level];
  const sel = entries.filter((e) =>
    (f.domain === undefined || e.domain === f.domain) &&
    (levels === null || levels.includes(e.level))
  );
  const last = f.last ?? 50;
  const shown = sel.slice(-last);
  const lines = shown.map((e) =>
    `[${(e.t / 1e9).toFixed(6).padStart(12)}] ${e.domain === null ? "(xen)" : `(d${e.domain})`} ` +
    `${e.level === "info" ? "" : e.level + ": "}${e.msg}`
  );
  if (sel.length > shown.length) lines.unshift(`... ${sel.length - shown.length} earlier lines`);
  return lines.join("\n") || "(log empty)";
}
