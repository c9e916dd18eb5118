/**
 * Plain-data flattened device tree (Devicetree Specification v0.4, chapter 5): the tree the FDT
 * writer serializes and the reader produces, plus value constructors and decoders.
 */

/** Header magic, big-endian at offset 0. */
export const FDT_MAGIC = 0xd00dfeed;
/** Version written (17) and the oldest version a v17 blob stays compatible with (16). */
export const FDT_VERSION = 17;
export const FDT_LAST_COMP_VERSION = 16;
/** Structure-block tokens. */
export const FDT_BEGIN_NODE = 1;
export const FDT_END_NODE = 2;
export const FDT_PROP = 3;
export const FDT_NOP = 4;
export const FDT_END = 9;
/** Size of the v17 header in bytes. */
export const FDT_HEADER_SIZE = 40;

/** A property value. The reader cannot know types, so it always yields `bytes`. */
export type FdtValue =
  | { kind: "empty" }
  | { kind: "u32"; cells: number[] }
  | { kind: "u64"; values: bigint[] }
  | { kind: "string"; value: string }
  | { kind: "strings"; values: string[] }
  | { kind: "bytes"; bytes: Uint8Array }
  /** One cell holding the phandle of the node carrying `label` in the same tree. */
  | { kind: "ref"; label: string };

/** One property; order within a node is kept. */
export interface FdtProp {
  name: string;
  value: FdtValue;
}

/** One node; `name` includes the unit address ("memory@40000000"), "" for the root. */
export interface FdtNode {
  name: string;
  /** Source-level label: `ref` values resolve to this node's phandle (assigned if absent). */
  label?: string;
  props: FdtProp[];
  children: FdtNode[];
}

/** A memory reservation map entry. */
export interface FdtReservation {
  address: bigint;
  size: bigint;
}

/** A whole device tree. */
export interface FdtTree {
  root: FdtNode;
  reservations: FdtReservation[];
  /** Header boot_cpuid_phys; 0 when absent. */
  bootCpuidPhys?: number;
}

/** Raised for any malformed tree or blob; the message names the offending value. */
export class FdtError extends Error {
  override name = "FdtError";
}

/** Property value constructors. */
export const fdtEmpty = (): FdtValue => ({ kind: "empty" });
export const fdtU32 = (...cells: number[]): FdtValue => ({ kind: "u32", cells });
export const fdtU64 = (...values: bigint[]): FdtValue => ({ kind: "u64", values });
export const fdtString = (value: string): FdtValue => ({ kind: "string", value });
export const fdtStrings = (...values: string[]): FdtValue => ({ kind: "strings", values });
export const fdtBytes = (bytes: Uint8Array): FdtValue => ({ kind: "bytes", bytes });
export const fdtRef = (label: string): FdtValue => ({ kind: "ref", label });

/** A node from its name, properties (as [name, value] pairs) and children. */
export function fdtNode(
  name: string,
  props: [string, FdtValue][],
  children: FdtNode[] = [],
  label?: string,
): FdtNode {
  const node: FdtNode = { name, props: props.map(([n, value]) => ({ name: n, value })), children };
  if (label !== undefined) node.label = label;
  return node;
}

const enc = new TextEncoder();

function checkString(s: string, what: string): void {
  if (s.includes("\0")) throw new FdtError(`fdt: ${what} contains a NUL: ${JSON.stringify(s)}`);
}

/**
 * The bytes of a value (big-endian cells, NUL-terminated strings). `phandleOf` resolves `ref`
 * values; without it a `ref` is an error.
 */
export function fdtValueBytes(v: FdtValue, phandleOf?: (label: string) => number): Uint8Array {
  switch (v.kind) {
    case "empty":
      return new Uint8Array(0);
    case "bytes":
      return v.bytes;
    case "string":
      checkString(v.value, "string value");
      return enc.encode(v.value + "\0");
    case "strings":
      for (const s of v.values) checkString(s, "string-list entry");
      return enc.encode(v.values.map((s) => s + "\0").join(""));
    case "u32": {
      const out = new Uint8Array(4 * v.cells.length);
      const dv = new DataView(out.buffer);
      v.cells.forEach((c, i) => {
        if (!Number.isInteger(c) || c < 0 || c > 0xffffffff) {
          throw new FdtError(`fdt: u32 cell out of range: ${c}`);
        }
        dv.setUint32(4 * i, c);
      });
      return out;
    }
    case "u64": {
      const out = new Uint8Array(8 * v.values.length);
      const dv = new DataView(out.buffer);
      v.values.forEach((x, i) => {
        if (x < 0n || x >= 1n << 64n) throw new FdtError(`fdt: u64 value out of range: ${x}`);
        dv.setBigUint64(8 * i, x);
      });
      return out;
    }
    case "ref": {
      if (!phandleOf) throw new FdtError(`fdt: unresolved reference to label '${v.label}'`);
      return fdtValueBytes(fdtU32(phandleOf(v.label)));
    }
  }
}

/** Decoders for values read back from a blob (reader output is always `bytes`). */
export function fdtAsU32s(v: FdtValue, what = "property"): number[] {
  const b = fdtValueBytes(v);
  if (b.length % 4 !== 0) throw new FdtError(`fdt: ${what} is ${b.length} bytes, not u32 cells`);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return Array.from({ length: b.length / 4 }, (_, i) => dv.getUint32(4 * i));
}

/** The value as a list of NUL-terminated strings. */
export function fdtAsStrings(v: FdtValue, what = "property"): string[] {
  const b = fdtValueBytes(v);
  if (b.length === 0 || b[b.length - 1] !== 0) {
    throw new FdtError(`fdt: ${what} is not a NUL-terminated string list`);
  }
  return new TextDecoder().decode(b.subarray(0, b.length - 1)).split("\0");
}

/** Find a child by exact name; undefined when absent. */
export function fdtChild(node: FdtNode, name: string): FdtNode | undefined {
  return node.children.find((c) => c.name === name);
}

/** Find a property by name; undefined when absent. */
export function fdtProp(node: FdtNode, name: string): FdtValue | undefined {
  return node.props.find((p) => p.name === name)?.value;
}
