/**
 * How the guest ABI describes a C structure as plain data: every field's byte offset and size as
 * the AArch64 compiler lays it out (LP64, natural alignment), so the hypervisor reads and writes
 * guest memory by field name and the REPL can print a structure without a second description.
 *
 * @module
 */

/** One field of an ABI structure. Nested members use dotted paths ("u.interdomain.port"). */
export interface AbiField {
  /** C member path, exactly as in Xen's public headers (offsetof() accepts it). */
  readonly name: string;
  /** Byte offset from the start of the structure. */
  readonly offset: number;
  /** Size in bytes (the whole array for array members). */
  readonly size: number;
  /** Element count for array members (element size = size / count). */
  readonly count?: number;
  /**
   * For C bit-fields: the bits within the little-endian storage unit at `offset` of `size` bytes
   * (offsetof() cannot name a bit-field, so these are the only way to reach one).
   */
  readonly bits?: { readonly shift: number; readonly width: number };
}

/** A C structure or union of the guest ABI. */
export interface AbiStruct {
  /** The C tag, e.g. "xen_add_to_physmap" for `struct xen_add_to_physmap`. */
  readonly name: string;
  /** "union" for C unions; structures omit it. */
  readonly kind?: "union";
  /** sizeof() on AArch64. */
  readonly size: number;
  /** Members that hvlab reads or writes (padding members may be left out). */
  readonly fields: readonly AbiField[];
}

/** The field `name` of `s`; throws naming both when the structure has no such field. */
export function abiField(s: AbiStruct, name: string): AbiField {
  const f = s.fields.find((x) => x.name === name);
  if (f === undefined) throw new Error(`ABI struct ${s.name} has no field '${name}'`);
  return f;
}

/** True when `v` is an AbiStruct (used by the REPL and the header oracle test to find them). */
export function isAbiStruct(v: unknown): v is AbiStruct {
  if (typeof v !== "object" || v === null) return false;
  const o = v as Record<string, unknown>;
  return typeof o.name === "string" && typeof o.size === "number" && Array.isArray(o.fields);
}
