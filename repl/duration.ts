/** Durations typed at the REPL ("10ms", "2.5 s", "300us", 5000 = ns) as nanoseconds. */

const UNITS: Record<string, number> = { ns: 1, us: 1e3, "µs": 1e3, ms: 1e6, s: 1e9 };

/** Parses `d` into ns; throws naming the input when it is not a duration. */
export function parseDuration(d: string | number): number {
  if (typeof d === "number") {
    if (!Number.isFinite(d) || d < 0) throw new Error(`bad duration ${d} (ns)`);
    return Math.round(d);
  }
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(ns|us|µs|ms|s)\s*$/.exec(d);
  if (!m) throw new Error(`bad duration "${d}": use a number with ns, us, ms or s ("10ms")`);
  return Math.round(Number(m[1]) * UNITS[m[2]]);
}
