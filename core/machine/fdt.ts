/**
 * A flattened device tree (FDT, devicetree specification v0.4 chapter 5) writer: a tree of plain
 * nodes becomes a version-17 blob with an empty memory reservation map, as dtc emits it.
 */

/** A property value: a string (NUL-terminated), a string list, u32 cells, or raw bytes. */
export type FdtValue = string | string[] | number[] | Uint8Array | { u64: bigint[] };

/** A device-tree node as plain data. Property and child order is kept. */
export interface FdtNode {
  /** Node name with unit address (e.g. "pl011@9000000"); "" for the root. */
  name: string;
  props?: [string, FdtValue][];
  children?: FdtNode[];
}

const FDT_MAGIC = 0xd00dfeed;
const BEGIN_NODE = 1, END_NODE = 2, PROP = 3, END = 9;
const HEADER_SIZE = 40;

/** Bytes of a property value (big-endian cells, NUL-terminated strings). */
export function fdtValueBytes(v: FdtValue): Uint8Array {
  const enc = new TextEncoder();
  if (typeof v === "string") return enc.encode(v + "\0");
  if (v instanceof Uint8Array) return v;
  if (Array.isArray(v) && v.every((x) => typeof x === "string")) {
    return enc.encode((v as string[]).map((s) => s + "\0").join(""));
  }
  if (!Array.isArray(v)) {
    const out = new Uint8Array(8 * v.u64.length);
    const dv = new DataView(out.buffer);
    v.u64.forEach((x, i) => {
      if (x < 0n || x >= 1n << 64n) throw new RangeError(`fdt: u64 cell out of range: ${x}`);
      dv.setBigUint64(8 * i, x);
    });
    return out;
  }
  const cells = v as number[];
  const out = new Uint8Array(4 * cells.length);
  const dv = new DataView(out.buffer);
  cells.forEach((c, i) => {
    if (!Number.isInteger(c) || c < 0 || c > 0xffff_ffff) {
      throw new RangeError(`fdt: u32 cell out of range: ${c}`);
    }
    dv.setUint32(4 * i, c);
  });
  return out;
}

/** Serializes `root` (whose name must be "") into an FDT blob. */
export function buildFdt(root: FdtNode, bootCpuId = 0): Uint8Array {
  if (root.name !== "") {
    throw new Error(`fdt: root node must have an empty name, got "${root.name}"`);
  }
  const struct: number[] = [];
  const strings: number[] = [];
  const stringOffsets = new Map<string, number>();
  const enc = new TextEncoder();
  const u32 = (v: number) =>
    struct.push((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
  const bytes = (b: Uint8Array) => {
    for (const x of b) struct.push(x);
    while (struct.length % 4) struct.push(0);
  };
  const nameOff = (name: string): number => {
    let off = stringOffsets.get(name);
    if (off === undefined) {
      off = strings.length;
      stringOffsets.set(name, off);
      for (const x of enc.encode(name + "\0")) strings.push(x);
    }
    return off;
  };
  const node = (n: FdtNode, depth: number): void => {
    if (depth > 0 && (n.name === "" || n.name.includes("/"))) {
      throw new Error(`fdt: bad node name "${n.name}"`);
    }
    u32(BEGIN_NODE);
    bytes(enc.encode(n.name + "\0"));
    for (const [name, value] of n.props ?? []) {
      const data = fdtValueBytes(value);
      u32(PROP);
      u32(data.length);
      u32(nameOff(name));
      bytes(data);
    }
    for (const c of n.children ?? []) node(c, depth + 1);
    u32(END_NODE);
  };
  node(root, 0);
  u32(END);
  const rsvOff = HEADER_SIZE; // 8-aligned; one all-zero terminating entry
  const structOff = rsvOff + 16;
  const stringsOff = structOff + struct.length;
  const total = stringsOff + strings.length;
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  [
    FDT_MAGIC,
    total,
    structOff,
    stringsOff,
    rsvOff,
    17,
    16,
    bootCpuId,
    strings.length,
    struct.length,
  ]
    .forEach((v, i) => dv.setUint32(4 * i, v));
  out.set(struct, structOff);
  out.set(strings, stringsOff);
  return out;
}
