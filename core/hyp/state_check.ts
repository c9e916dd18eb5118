/**
 * Checks for restore(): a saved state arrives as untrusted plain data (a snapshot file may be
 * old, truncated or edited), so each component validates it fully before changing anything.
 * Every helper returns the value with its checked type or throws a StateError that names the
 * field (a dotted path such as "ports[3].notifyVcpu") and the bad value.
 *
 * @module
 */

/** A saved state that cannot be restored. */
export class StateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StateError";
  }
}

/** A short printable form of `v` for error messages. */
export function show(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === "bigint") return `${v}n`;
  if (v === null || typeof v !== "object") return String(v);
  if (Array.isArray(v)) return `array(${v.length})`;
  return v.constructor?.name ?? "object";
}

/** Throws a StateError: `field` is `v`, expected `want`. */
export function fail(field: string, v: unknown, want: string): never {
  throw new StateError(`${field}: ${show(v)} is not ${want}`);
}

/** A non-null, non-array object. */
export function obj(v: unknown, field: string): Record<string, unknown> {
  if (v === null || typeof v !== "object" || Array.isArray(v) || ArrayBuffer.isView(v)) {
    fail(field, v, "an object");
  }
  return v as Record<string, unknown>;
}

/** An integer in [min, max]. */
export function int(v: unknown, field: string, min: number, max: number): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min || v > max) {
    fail(field, v, `an integer in ${min}..${max}`);
  }
  return v;
}

/** A finite number in [min, max]. */
export function num(v: unknown, field: string, min: number, max: number): number {
  if (typeof v !== "number" || !Number.isFinite(v) || v < min || v > max) {
    fail(field, v, `a number in ${min}..${max}`);
  }
  return v;
}

/** A bigint in [min, max]. */
export function big(v: unknown, field: string, min: bigint, max: bigint): bigint {
  if (typeof v !== "bigint" || v < min || v > max) fail(field, v, `a bigint in ${min}..${max}`);
  return v;
}

/** A boolean. */
export function bool(v: unknown, field: string): boolean {
  if (typeof v !== "boolean") fail(field, v, "a boolean");
  return v;
}

/** A string of at most `maxLen` characters. */
export function str(v: unknown, field: string, maxLen = Number.MAX_SAFE_INTEGER): string {
  if (typeof v !== "string" || v.length > maxLen) {
    fail(field, v, `a string of at most ${maxLen} characters`);
  }
  return v;
}

/** An array of at most `maxLen` elements. */
export function arr(v: unknown, field: string, maxLen = Number.MAX_SAFE_INTEGER): unknown[] {
  if (!Array.isArray(v) || v.length > maxLen) fail(field, v, `an array of at most ${maxLen}`);
  return v;
}

/** One of `values`. */
export function oneOf<T>(v: unknown, field: string, values: readonly T[]): T {
  if (!values.includes(v as T)) fail(field, v, `one of ${values.join(", ")}`);
  return v as T;
}

/** A typed array made by `ctor` (Uint8Array, Float64Array, ...) of at most `maxLen` elements. */
export function typed<T extends ArrayBufferView & { length: number }>(
  v: unknown,
  field: string,
  ctor: { new (n: number): T; name: string },
  maxLen = Number.MAX_SAFE_INTEGER,
): T {
  if (!(v instanceof ctor) || v.length > maxLen) {
    fail(field, v, `a ${ctor.name} of at most ${maxLen} elements`);
  }
  return v;
}
