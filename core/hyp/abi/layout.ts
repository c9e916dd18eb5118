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
  /** True for signed integer members (status codes, int8_t tsc_shift...). */
  readonly signed?: boolean;
  /** True for a XEN_GUEST_HANDLE: a 64-bit guest (virtual) address of a buffer or array. */
  readonly handle?: boolean;
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

/** Size in bytes of one element of `f` (the field itself unless it is an array). */
function elementSize(f: AbiField): number {
  return f.count === undefined ? f.size : f.size / f.count;
}

function checkAccess(dv: DataView, base: number, f: AbiField, index: number): number {
  if (!Number.isInteger(base) || base < 0) {
    throw new RangeError(`${f.name}: bad structure base ${base}`);
  }
  const n = f.count ?? 1;
  if (!Number.isInteger(index) || index < 0 || index >= n) {
    throw new RangeError(`${f.name}[${index}]: index out of range (0..${n - 1})`);
  }
  const es = elementSize(f);
  if (es !== 1 && es !== 2 && es !== 4 && es !== 8) {
    throw new RangeError(`${f.name}: a ${es}-byte member is not a scalar`);
  }
  const at = base + f.offset + index * es;
  if (at + es > dv.byteLength) {
    throw new RangeError(`${f.name} at ${at} lies outside the ${dv.byteLength}-byte view`);
  }
  return at;
}

/**
 * Reads scalar member `f` (element `index` of an array member) of a structure at `base` in `dv`,
 * little-endian as the ARM ABI requires. 8-byte members come back as bigint, others as number;
 * signed members are sign-extended, bit-fields extracted. Throws RangeError naming the field when
 * the access falls outside `dv` or the member is not a scalar.
 */
export function readAbiField(dv: DataView, base: number, f: AbiField, index = 0): number | bigint {
  const at = checkAccess(dv, base, f, index);
  const es = elementSize(f);
  if (es === 8) return f.signed ? dv.getBigInt64(at, true) : dv.getBigUint64(at, true);
  let v = es === 1 ? dv.getUint8(at) : es === 2 ? dv.getUint16(at, true) : dv.getUint32(at, true);
  if (f.bits !== undefined) {
    v = (v >>> f.bits.shift) & (f.bits.width === 32 ? 0xffffffff : (1 << f.bits.width) - 1);
    return v >>> 0;
  }
  if (f.signed) v = (v << (32 - 8 * es)) >> (32 - 8 * es);
  return v;
}

/**
 * Writes scalar member `f` (element `index` of an array) of the structure at `base` in `dv`,
 * little-endian; the value is truncated to the member's width (two's complement for negative
 * values), bit-fields are merged into their storage unit. Throws RangeError like readAbiField.
 */
export function writeAbiField(
  dv: DataView,
  base: number,
  f: AbiField,
  value: number | bigint,
  index = 0,
): void {
  const at = checkAccess(dv, base, f, index);
  const es = elementSize(f);
  if (es === 8) {
    dv.setBigUint64(at, BigInt.asUintN(64, BigInt(value)), true);
    return;
  }
  let v = Number(BigInt.asUintN(32, BigInt(value)));
  if (f.bits !== undefined) {
    const old = es === 1
      ? dv.getUint8(at)
      : es === 2
      ? dv.getUint16(at, true)
      : dv.getUint32(at, true);
    const mask = (f.bits.width === 32 ? 0xffffffff : (1 << f.bits.width) - 1) << f.bits.shift;
    v = ((old & ~mask) | ((v << f.bits.shift) & mask)) >>> 0;
  }
  if (es === 1) dv.setUint8(at, v & 0xff);
  else if (es === 2) dv.setUint16(at, v & 0xffff, true);
  else dv.setUint32(at, v >>> 0, true);
}

/**
 * Every scalar (non-array) field of `s` at `base` in `dv`, by name: what the REPL prints. Array
 * and aggregate members are left out; read them with readAbiField and an index.
 */
export function decodeAbiStruct(
  s: AbiStruct,
  dv: DataView,
  base = 0,
): Record<string, number | bigint> {
  const out: Record<string, number | bigint> = {};
  for (const f of s.fields) {
    if (f.count !== undefined || ![1, 2, 4, 8].includes(f.size)) continue;
    out[f.name] = readAbiField(dv, base, f);
  }
  return out;
}
