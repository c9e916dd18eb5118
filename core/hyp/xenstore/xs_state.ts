/**
 * xenstored as plain data for snapshots, and the checks a restore runs on it: the store (every
 * node with its value, permissions, children and generation), each connection's watches and open
 * transactions, and for a guest's ring connection what it holds between kicks (the request bytes
 * received so far and the replies and events not yet written to the ring). The ring page itself
 * is guest memory; its view and the notify callback are wiring the owner supplies on restore.
 *
 * @module
 */
import { XENSTORE_ERROR_PROTO, XENSTORE_PAYLOAD_MAX, xsd_sockmsg } from "../abi/xenstore.ts";
import { arr, bool, int, obj, oneOf, StateError, str, typed } from "../state_check.ts";
import { baseName, childPath, isSpecial, parentOf } from "./xs_path.ts";
import type { XsPerm } from "./xs_perms.ts";
import type { XsFire, XsWatch } from "./xs_watches.ts";

/** One node and its path. */
export interface XsNodeState {
  path: string;
  value: Uint8Array;
  perms: XsPerm[];
  children: string[];
  gen: number;
}

/** The store. */
export interface XsStoreState {
  /** The last generation handed out. */
  gen: number;
  /** Every node, in the store's order. */
  nodes: XsNodeState[];
}

/** One open transaction. */
export interface XsTransactionState {
  id: number;
  /** Nodes written (a node) or removed (null) by the transaction, by path. */
  overlay: { path: string; node: Omit<XsNodeState, "path"> | null }[];
  /** Generations seen at first access, by path. */
  seen: { path: string; gen: number }[];
  /** Watch events held back until commit. */
  pending: XsFire[];
}

/** What every connection keeps. */
export interface XsConnectionState {
  domid: number;
  watches: XsWatch[];
  transactions: XsTransactionState[];
  /** The id the next transaction tries first. */
  nextTxId: number;
}

/** One queued reply or watch event and how much of it reached the ring. */
export interface XsOutgoingState {
  bytes: Uint8Array;
  sent: number;
  event: boolean;
}

/** A guest's ring connection. */
export interface XsRingState extends XsConnectionState {
  /** XENSTORE_ERROR_* once the connection stopped. */
  error: number;
  /** Header bytes of the request being received (all 16 once its body is being read). */
  header: Uint8Array;
  /** The body being received (sized by the header), or null while in the header. */
  body: Uint8Array | null;
  /** Body bytes received so far. */
  bodyUsed: number;
  /** Replies and events not yet fully written, oldest first. */
  out: XsOutgoingState[];
}

/** Everything Xenstored.save() returns. */
export interface XenstoredState {
  store: XsStoreState;
  /** The in-hypervisor client (its watch callbacks are re-attached by the owner). */
  host: XsConnectionState;
  /** Guest connections in introduction order. */
  rings: XsRingState[];
}

const HDR = xsd_sockmsg.size;
const PERMS = ["n", "r", "w", "b"] as const;
const MAX_STRING = 1 << 16;

function checkPerms(v: unknown, f: string, min = 1): XsPerm[] {
  const list = arr(v, f, 1 << 16);
  if (list.length < min) throw new StateError(`${f}: no owner entry`);
  return list.map((p, i) => {
    const o = obj(p, `${f}[${i}]`);
    return {
      id: int(o.id, `${f}[${i}].id`, 0, 0xffff),
      perm: oneOf(o.perm, `${f}[${i}].perm`, PERMS),
    };
  });
}

function checkNode(v: unknown, f: string, minGen: number, maxGen: number): XsNodeState {
  const o = obj(v, f);
  return {
    path: "",
    value: typed(o.value, `${f}.value`, Uint8Array, XENSTORE_PAYLOAD_MAX),
    perms: checkPerms(o.perms, `${f}.perms`),
    children: arr(o.children, `${f}.children`).map((c, i) =>
      str(c, `${f}.children[${i}]`, MAX_STRING)
    ),
    gen: int(o.gen, `${f}.gen`, minGen, maxGen),
  };
}

/** Checks a saved store: unique paths, "/" and the special nodes, children that exist. */
export function checkStoreState(v: unknown): XsStoreState {
  const s = obj(v, "xenstore.store");
  const gen = int(s.gen, "xenstore.store.gen", 0, Number.MAX_SAFE_INTEGER);
  const byPath = new Map<string, XsNodeState>();
  const nodes = arr(s.nodes, "xenstore.store.nodes").map((n, i) => {
    const f = `xenstore.store.nodes[${i}]`;
    const path = str(obj(n, f).path, `${f}.path`, MAX_STRING);
    if (!path.startsWith("/") && !isSpecial(path)) {
      throw new StateError(`${f}.path: ${JSON.stringify(path)} is not absolute`);
    }
    if (byPath.has(path)) throw new StateError(`${f}.path: ${path} appears twice`);
    const node = { ...checkNode(n, f, 1, gen), path };
    byPath.set(path, node);
    return node;
  });
  for (const p of ["/", "@introduceDomain", "@releaseDomain"]) {
    if (!byPath.has(p)) throw new StateError(`xenstore.store.nodes: no ${p}`);
  }
  for (const [path, n] of byPath) {
    for (const c of n.children) {
      if (!byPath.has(childPath(path, c))) {
        throw new StateError(`xenstore.store: child ${c} of ${path} does not exist`);
      }
    }
    const parent = isSpecial(path) ? undefined : parentOf(path);
    if (parent !== undefined && !byPath.get(parent)?.children.includes(baseName(path))) {
      throw new StateError(`xenstore.store: ${path} is not listed by its parent`);
    }
  }
  return { gen, nodes };
}

function checkFire(v: unknown, f: string): XsFire {
  const o = obj(v, f);
  const fire: XsFire = {
    path: str(o.path, `${f}.path`, MAX_STRING),
    exact: bool(o.exact, `${f}.exact`),
    perms: checkPerms(o.perms, `${f}.perms`, 0),
  };
  return o.oldPerms === undefined
    ? fire
    : { ...fire, oldPerms: checkPerms(o.oldPerms, `${f}.oldPerms`, 0) };
}

function checkTransaction(v: unknown, f: string): XsTransactionState {
  const o = obj(v, f);
  return {
    id: int(o.id, `${f}.id`, 1, 0xffff_ffff),
    overlay: arr(o.overlay, `${f}.overlay`).map((e, i) => {
      const x = obj(e, `${f}.overlay[${i}]`);
      const node = x.node === null
        ? null
        : checkNode(x.node, `${f}.overlay[${i}].node`, -1, Number.MAX_SAFE_INTEGER);
      if (node !== null) delete (node as Partial<XsNodeState>).path;
      return { path: str(x.path, `${f}.overlay[${i}].path`, MAX_STRING), node };
    }),
    seen: arr(o.seen, `${f}.seen`).map((e, i) => {
      const x = obj(e, `${f}.seen[${i}]`);
      return {
        path: str(x.path, `${f}.seen[${i}].path`, MAX_STRING),
        gen: int(x.gen, `${f}.seen[${i}].gen`, -1, Number.MAX_SAFE_INTEGER),
      };
    }),
    pending: arr(o.pending, `${f}.pending`).map((p, i) => checkFire(p, `${f}.pending[${i}]`)),
  };
}

/** Checks one connection's watches and transactions (`f` names it in errors). */
export function checkConnectionState(v: unknown, f: string): XsConnectionState {
  const o = obj(v, f);
  const ids = new Set<number>();
  return {
    domid: int(o.domid, `${f}.domid`, 0, 0xffff),
    watches: arr(o.watches, `${f}.watches`).map((w, i) => {
      const x = obj(w, `${f}.watches[${i}]`);
      return {
        path: str(x.path, `${f}.watches[${i}].path`, MAX_STRING),
        token: str(x.token, `${f}.watches[${i}].token`, MAX_STRING),
        relative: bool(x.relative, `${f}.watches[${i}].relative`),
      };
    }),
    transactions: arr(o.transactions, `${f}.transactions`).map((t, i) => {
      const tx = checkTransaction(t, `${f}.transactions[${i}]`);
      if (ids.has(tx.id)) {
        throw new StateError(`${f}.transactions[${i}].id: ${tx.id} appears twice`);
      }
      ids.add(tx.id);
      return tx;
    }),
    nextTxId: int(o.nextTxId, `${f}.nextTxId`, 0, 0xffff_ffff),
  };
}

/** Checks a guest connection: its connection state plus the partial request and the output. */
export function checkRingState(v: unknown, f: string): XsRingState {
  const base = checkConnectionState(v, f);
  const o = obj(v, f);
  const error = int(o.error, `${f}.error`, 0, XENSTORE_ERROR_PROTO);
  const body = o.body === null
    ? null
    : typed(o.body, `${f}.body`, Uint8Array, XENSTORE_PAYLOAD_MAX);
  const header = typed(o.header, `${f}.header`, Uint8Array, HDR);
  const bodyUsed = int(
    o.bodyUsed,
    `${f}.bodyUsed`,
    0,
    body === null ? 0 : Math.max(0, body.length - 1),
  );
  if (body !== null && body.length === 0) throw new StateError(`${f}.body: empty`);
  if (body !== null) {
    const len = header.length === HDR
      ? new DataView(header.buffer, header.byteOffset).getUint32(12, true)
      : -1;
    if (len !== body.length) {
      throw new StateError(`${f}.body: ${body.length} bytes, the header says ${len}`);
    }
  } else if (header.length === HDR) throw new StateError(`${f}.header: complete but no body`);
  const out = arr(o.out, `${f}.out`).map((x, i) => {
    const e = obj(x, `${f}.out[${i}]`);
    const bytes = typed(e.bytes, `${f}.out[${i}].bytes`, Uint8Array, HDR + XENSTORE_PAYLOAD_MAX);
    if (bytes.length < HDR) throw new StateError(`${f}.out[${i}].bytes: ${bytes.length} bytes`);
    return {
      bytes,
      sent: int(e.sent, `${f}.out[${i}].sent`, 0, bytes.length - 1),
      event: bool(e.event, `${f}.out[${i}].event`),
    };
  });
  return { ...base, error, header, body, bodyUsed, out };
}
