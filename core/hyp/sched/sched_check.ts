/**
 * Validation of scheduler parameters and saved state: every check throws naming the value.
 */

/** `v` as an integer within [min, max], or an error naming `what` and `v`. */
export function intIn(what: string, v: unknown, min: number, max: number): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min || v > max) {
    throw new Error(`${what}: ${String(v)} is not an integer in [${min}, ${max}]`);
  }
  return v;
}

/** `v` as a virtual time in ns (a non-negative safe integer). */
export function timeNs(what: string, v: unknown): number {
  return intIn(what, v, 0, Number.MAX_SAFE_INTEGER);
}

/** `v` as a plain object, or an error naming `what`. */
export function record(what: string, v: unknown): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw new Error(`${what}: expected an object, got ${JSON.stringify(v)}`);
  }
  return v as Record<string, unknown>;
}

/** `v` as an array, or an error naming `what`. */
export function list(what: string, v: unknown): unknown[] {
  if (!Array.isArray(v)) throw new Error(`${what}: expected an array, got ${JSON.stringify(v)}`);
  return v;
}

/** A pCPU set (affinity) as sorted unique pCPU numbers, or null; errors name `what`. */
export function pcpuSet(what: string, v: unknown): number[] | null {
  if (v === null) return null;
  const ps = list(what, v).map((p, i) => intIn(`${what}[${i}]`, p, 0, 4095));
  return [...new Set(ps)].sort((a, b) => a - b);
}

/** Rejects keys of `p` that are not in `known` (a misspelt parameter is an error, not a no-op). */
export function knownKeys(what: string, p: Record<string, unknown>, known: readonly string[]) {
  for (const k of Object.keys(p)) {
    if (!known.includes(k)) throw new Error(`${what}: unknown parameter ${JSON.stringify(k)}`);
  }
}
