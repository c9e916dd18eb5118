/**
 * FDT writer: a plain-data tree (fdt_types.ts) becomes a version-17 device-tree blob.
 *
 * The layout is the one libfdt's sequential-write API produces (fdt_create ... fdt_finish), which
 * is how Xen builds a domU's device tree, so the blobs hvlab gives guests are byte-identical to
 * Xen's for the same tree (tests/hyp/domu_fdt_test.ts checks this against real Xen 4.17):
 * - the 40-byte header is padded to 48 so the reservation map is 16-byte aligned (the spec asks
 *   for 8), the map ends with a zero entry, the structure block follows it (4-byte aligned);
 * - the strings block comes last, unpadded, and holds each name once. libfdt prepends a new name
 *   to the table and reuses any existing NUL-terminated suffix ("phandle" inside
 *   "linux,phandle"), so the final table lists names newest first; we do the same.
 */
import {
  FDT_BEGIN_NODE,
  FDT_END,
  FDT_END_NODE,
  FDT_HEADER_SIZE,
  FDT_LAST_COMP_VERSION,
  FDT_MAGIC,
  FDT_PROP,
  FDT_VERSION,
  FdtError,
  type FdtNode,
  type FdtTree,
  fdtU32,
  type FdtValue,
  fdtValueBytes,
} from "./fdt_types.ts";

const NODE_NAME = /^[0-9A-Za-z,._+-]+(@[0-9A-Za-z,._+-]+)?$/;
const PROP_NAME = /^[0-9A-Za-z,._+?#-]+$/;
/** Header size rounded up to the reservation entry size (libfdt's fdt_create). */
const RSVMAP_OFFSET = 48;

/** Growable big-endian byte buffer. */
class ByteSink {
  buf = new Uint8Array(1024);
  len = 0;
  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
  u32(v: number): void {
    this.room(4);
    new DataView(this.buf.buffer).setUint32(this.len, v);
    this.len += 4;
  }
  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  align4(): void {
    while (this.len % 4) this.bytes(new Uint8Array(1));
  }
}

/** The strings block, built the way libfdt's sequential-write API builds it. */
class StringTable {
  /** Newest name first; NUL-terminated entries. */
  private table = "";
  /** Offset of a name counted back from the end of the table (stable as names are prepended). */
  fromEnd(name: string): number {
    const key = name + "\0";
    const at = this.table.indexOf(key);
    if (at >= 0) return this.table.length - at;
    this.table = key + this.table;
    return this.table.length;
  }
  get size(): number {
    return this.table.length;
  }
  bytes(): Uint8Array {
    return new TextEncoder().encode(this.table);
  }
}

/** Assigns phandles to labelled nodes: an explicit `phandle` property wins, else next free. */
function assignPhandles(root: FdtNode): Map<string, number> {
  const labelled = new Map<string, FdtNode>();
  const used = new Map<number, string>();
  const visit = (n: FdtNode, path: string): void => {
    if (n.label !== undefined) {
      if (labelled.has(n.label)) throw new FdtError(`fdt: duplicate label '${n.label}' at ${path}`);
      labelled.set(n.label, n);
    }
    const ph = n.props.find((p) => p.name === "phandle");
    if (ph) {
      const b = fdtValueBytes(ph.value);
      if (b.length !== 4) throw new FdtError(`fdt: ${path}: phandle is ${b.length} bytes, not 4`);
      const v = new DataView(b.buffer, b.byteOffset).getUint32(0);
      if (v === 0 || v === 0xffffffff) throw new FdtError(`fdt: ${path}: invalid phandle ${v}`);
      const other = used.get(v);
      if (other !== undefined) {
        throw new FdtError(`fdt: phandle ${v} used by both ${other} and ${path}`);
      }
      used.set(v, path);
    }
    for (const c of n.children) visit(c, path === "/" ? `/${c.name}` : `${path}/${c.name}`);
  };
  visit(root, "/");
  const out = new Map<string, number>();
  let next = 1;
  for (const [label, node] of labelled) {
    const ph = node.props.find((p) => p.name === "phandle");
    if (ph) {
      const b = fdtValueBytes(ph.value);
      out.set(label, new DataView(b.buffer, b.byteOffset).getUint32(0));
      continue;
    }
    while (used.has(next)) next++;
    used.set(next, label);
    out.set(label, next);
  }
  return out;
}

/** Serialize a tree to a DTB. Throws FdtError naming the bad name or value. */
export function writeFdt(tree: FdtTree): Uint8Array {
  if (tree.root.name !== "") {
    throw new FdtError(`fdt: root node name must be "", got ${JSON.stringify(tree.root.name)}`);
  }
  const phandles = assignPhandles(tree.root);
  const phandleOf = (label: string): number => {
    const v = phandles.get(label);
    if (v === undefined) throw new FdtError(`fdt: reference to unknown label '${label}'`);
    return v;
  };

  const rsv = new ByteSink();
  for (const r of tree.reservations) {
    if (r.address < 0n || r.address >= 1n << 64n || r.size < 0n || r.size >= 1n << 64n) {
      throw new FdtError(`fdt: reservation out of range: ${r.address} + ${r.size}`);
    }
    rsv.bytes(fdtValueBytes({ kind: "u64", values: [r.address, r.size] }));
  }
  rsv.bytes(new Uint8Array(16));

  const st = new ByteSink();
  const strings = new StringTable();
  const propRefs: [number, number][] = []; // [struct offset of nameoff, offset from table end]
  const emit = (n: FdtNode, path: string, isRoot: boolean): void => {
    if (!isRoot && !NODE_NAME.test(n.name)) {
      throw new FdtError(`fdt: bad node name ${JSON.stringify(n.name)} under ${path}`);
    }
    st.u32(FDT_BEGIN_NODE);
    st.bytes(new TextEncoder().encode(n.name + "\0"));
    st.align4();
    const seen = new Set<string>();
    const props = [...n.props];
    if (n.label !== undefined && !props.some((p) => p.name === "phandle")) {
      props.push({ name: "phandle", value: fdtU32(phandleOf(n.label)) as FdtValue });
    }
    for (const p of props) {
      if (!PROP_NAME.test(p.name)) {
        throw new FdtError(`fdt: bad property name ${JSON.stringify(p.name)} in ${path}`);
      }
      if (seen.has(p.name)) throw new FdtError(`fdt: duplicate property '${p.name}' in ${path}`);
      seen.add(p.name);
      const value = fdtValueBytes(p.value, phandleOf);
      st.u32(FDT_PROP);
      st.u32(value.length);
      propRefs.push([st.len, strings.fromEnd(p.name)]);
      st.u32(0);
      st.bytes(value);
      st.align4();
    }
    const names = new Set<string>();
    for (const c of n.children) {
      const childPath = isRoot ? `/${c.name}` : `${path}/${c.name}`;
      if (names.has(c.name)) throw new FdtError(`fdt: duplicate node ${childPath}`);
      names.add(c.name);
      emit(c, childPath, false);
    }
    st.u32(FDT_END_NODE);
  };
  emit(tree.root, "/", true);
  st.u32(FDT_END);

  const stringBytes = strings.bytes();
  const offStruct = RSVMAP_OFFSET + rsv.len;
  const offStrings = offStruct + st.len;
  const total = offStrings + stringBytes.length;
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  const header = [
    FDT_MAGIC,
    total,
    offStruct,
    offStrings,
    RSVMAP_OFFSET,
    FDT_VERSION,
    FDT_LAST_COMP_VERSION,
    tree.bootCpuidPhys ?? 0,
    stringBytes.length,
    st.len,
  ];
  header.forEach((v, i) => dv.setUint32(4 * i, v));
  if (header.length * 4 !== FDT_HEADER_SIZE) throw new Error("fdt: header layout");
  out.set(rsv.buf.subarray(0, rsv.len), RSVMAP_OFFSET);
  out.set(st.buf.subarray(0, st.len), offStruct);
  for (const [at, fromEnd] of propRefs) dv.setUint32(offStruct + at, strings.size - fromEnd);
  out.set(stringBytes, offStrings);
  return out;
}
