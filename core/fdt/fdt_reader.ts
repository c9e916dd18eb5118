/**
 * FDT reader: a device-tree blob becomes the plain-data tree of fdt_types.ts (property values as
 * `bytes`). It is used on user-supplied DTBs, so every header field, offset, size, token and
 * string is checked and a malformed blob raises FdtError naming the bad value and where it is.
 */
import {
  FDT_BEGIN_NODE,
  FDT_END,
  FDT_END_NODE,
  FDT_HEADER_SIZE,
  FDT_MAGIC,
  FDT_NOP,
  FDT_PROP,
  FDT_VERSION,
  FdtError,
  type FdtNode,
  type FdtReservation,
  type FdtTree,
} from "./fdt_types.ts";

const hex = (v: number): string => `0x${v.toString(16)}`;

/** Parsed header fields. */
export interface FdtHeader {
  totalsize: number;
  offDtStruct: number;
  offDtStrings: number;
  offMemRsvmap: number;
  version: number;
  lastCompVersion: number;
  bootCpuidPhys: number;
  sizeDtStrings: number;
  sizeDtStruct: number;
}

/** Read and check the header; throws FdtError on any inconsistency. */
export function readFdtHeader(blob: Uint8Array): FdtHeader {
  if (blob.length < FDT_HEADER_SIZE) {
    throw new FdtError(`fdt: blob is ${blob.length} bytes, shorter than the 40-byte header`);
  }
  const dv = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const f = (i: number): number => dv.getUint32(4 * i);
  if (f(0) !== FDT_MAGIC) throw new FdtError(`fdt: bad magic ${hex(f(0))} (want 0xd00dfeed)`);
  const h: FdtHeader = {
    totalsize: f(1),
    offDtStruct: f(2),
    offDtStrings: f(3),
    offMemRsvmap: f(4),
    version: f(5),
    lastCompVersion: f(6),
    bootCpuidPhys: f(7),
    sizeDtStrings: f(8),
    sizeDtStruct: f(9),
  };
  if (h.version < 16) throw new FdtError(`fdt: version ${h.version} unsupported (need >= 16)`);
  if (h.lastCompVersion > FDT_VERSION) {
    throw new FdtError(`fdt: last_comp_version ${h.lastCompVersion} is newer than ${FDT_VERSION}`);
  }
  if (h.totalsize < FDT_HEADER_SIZE || h.totalsize > blob.length) {
    throw new FdtError(`fdt: totalsize ${h.totalsize} outside 40..${blob.length} (blob length)`);
  }
  // Version 16 has no size_dt_struct; the structure block then runs up to the end of the blob.
  if (h.version < 17) h.sizeDtStruct = h.totalsize - Math.min(h.offDtStruct, h.totalsize);
  const block = (name: string, off: number, size: number, align: number): void => {
    if (off % align !== 0) {
      throw new FdtError(`fdt: ${name} offset ${hex(off)} not ${align}-aligned`);
    }
    if (off < FDT_HEADER_SIZE || off > h.totalsize || size > h.totalsize - off) {
      throw new FdtError(
        `fdt: ${name} block ${hex(off)}+${hex(size)} outside the header..totalsize ${
          hex(h.totalsize)
        }`,
      );
    }
  };
  block("structure", h.offDtStruct, h.sizeDtStruct, 4);
  block("strings", h.offDtStrings, h.sizeDtStrings, 1);
  block("reservation map", h.offMemRsvmap, 0, 8);
  return h;
}

function readReservations(dv: DataView, h: FdtHeader): FdtReservation[] {
  const out: FdtReservation[] = [];
  for (let at = h.offMemRsvmap;; at += 16) {
    if (at + 16 > h.totalsize) {
      throw new FdtError(`fdt: reservation map at ${hex(h.offMemRsvmap)} has no terminating entry`);
    }
    const address = dv.getBigUint64(at), size = dv.getBigUint64(at + 8);
    if (address === 0n && size === 0n) return out;
    out.push({ address, size });
  }
}

/** Parse a DTB. Throws FdtError naming the problem for any malformed input. */
export function readFdt(blob: Uint8Array): FdtTree {
  const h = readFdtHeader(blob);
  const dv = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const reservations = readReservations(dv, h);
  const sEnd = h.offDtStruct + h.sizeDtStruct;
  const dec = new TextDecoder("utf-8", { fatal: false });
  const cstr = (from: number, end: number, what: string): string => {
    const nul = blob.subarray(from, end).indexOf(0);
    if (nul < 0) throw new FdtError(`fdt: unterminated ${what} at ${hex(from)}`);
    return dec.decode(blob.subarray(from, from + nul));
  };
  const names = new Map<number, string>();
  const propName = (nameoff: number, at: number): string => {
    if (nameoff >= h.sizeDtStrings) {
      throw new FdtError(
        `fdt: property at ${hex(at)} has nameoff ${hex(nameoff)} beyond strings size ${
          hex(h.sizeDtStrings)
        }`,
      );
    }
    let n = names.get(nameoff);
    if (n === undefined) {
      n = cstr(h.offDtStrings + nameoff, h.offDtStrings + h.sizeDtStrings, "property name");
      names.set(nameoff, n);
    }
    return n;
  };

  const stack: FdtNode[] = [];
  let root: FdtNode | undefined;
  let at = h.offDtStruct;
  const need = (n: number, what: string): void => {
    if (at + n > sEnd) {
      throw new FdtError(`fdt: ${what} at ${hex(at)} runs past the structure block`);
    }
  };
  for (;;) {
    need(4, "token");
    const tokAt = at;
    const tok = dv.getUint32(at);
    at += 4;
    switch (tok) {
      case FDT_BEGIN_NODE: {
        const name = cstr(at, sEnd, "node name");
        at = (at + new TextEncoder().encode(name).length + 1 + 3) & ~3;
        if (at > sEnd) throw new FdtError(`fdt: node name padding at ${hex(tokAt)} overruns`);
        const node: FdtNode = { name, props: [], children: [] };
        const parent = stack[stack.length - 1];
        if (parent) parent.children.push(node);
        else if (root) throw new FdtError(`fdt: second root node at ${hex(tokAt)}`);
        else if (name !== "") {
          throw new FdtError(`fdt: root node named ${JSON.stringify(name)} (must be empty)`);
        } else root = node;
        stack.push(node);
        break;
      }
      case FDT_END_NODE:
        if (!stack.pop()) {
          throw new FdtError(`fdt: FDT_END_NODE at ${hex(tokAt)} with no open node`);
        }
        break;
      case FDT_PROP: {
        const node = stack[stack.length - 1];
        if (!node) throw new FdtError(`fdt: property at ${hex(tokAt)} outside any node`);
        need(8, "property header");
        const len = dv.getUint32(at), nameoff = dv.getUint32(at + 4);
        at += 8;
        need(len, `property value of ${hex(len)} bytes`);
        const name = propName(nameoff, tokAt);
        if (node.children.length) {
          throw new FdtError(`fdt: property '${name}' at ${hex(tokAt)} after a subnode`);
        }
        if (node.props.some((p) => p.name === name)) {
          throw new FdtError(`fdt: duplicate property '${name}' at ${hex(tokAt)}`);
        }
        node.props.push({ name, value: { kind: "bytes", bytes: blob.slice(at, at + len) } });
        at = (at + len + 3) & ~3;
        break;
      }
      case FDT_NOP:
        break;
      case FDT_END:
        if (!root) throw new FdtError(`fdt: FDT_END at ${hex(tokAt)} before any node`);
        if (stack.length) {
          throw new FdtError(`fdt: FDT_END at ${hex(tokAt)} with ${stack.length} node(s) open`);
        }
        return { root, reservations, bootCpuidPhys: h.bootCpuidPhys };
      default:
        throw new FdtError(`fdt: unknown token ${hex(tok)} at ${hex(tokAt)}`);
    }
    if (!stack.length && root && tok === FDT_END_NODE) {
      // Only NOPs may follow the root's END_NODE before FDT_END.
      while (at + 4 <= sEnd && dv.getUint32(at) === FDT_NOP) at += 4;
      need(4, "FDT_END token");
      const t = dv.getUint32(at);
      if (t !== FDT_END) {
        throw new FdtError(`fdt: token ${hex(t)} at ${hex(at)} after the root node`);
      }
    }
  }
}
