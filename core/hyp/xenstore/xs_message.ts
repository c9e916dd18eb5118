/**
 * Handling of one xenstore request from a connection, as xenstored's message table does it:
 * unknown types get ENOSYS, privileged-only types EACCES from unprivileged clients, a bad tx_id
 * ENOENT (WATCH/UNWATCH ignore tx_id), and every failure becomes an XS_ERROR reply carrying the
 * error's name. Replies echo req_id and tx_id.
 *
 * @module
 */

import {
  XS_CONTROL,
  XS_DIRECTORY,
  XS_DIRECTORY_PART,
  XS_ERROR,
  XS_GET_DOMAIN_PATH,
  XS_GET_PERMS,
  XS_INTRODUCE,
  XS_IS_DOMAIN_INTRODUCED,
  XS_MKDIR,
  XS_READ,
  XS_RELEASE,
  XS_RESET_WATCHES,
  XS_RESUME,
  XS_RM,
  XS_SET_PERMS,
  XS_SET_TARGET,
  XS_TRANSACTION_END,
  XS_TRANSACTION_START,
  XS_UNWATCH,
  XS_WATCH,
  XS_WRITE,
} from "../abi/xenstore.ts";
import { XEN_EACCES, XEN_EAGAIN, XEN_EEXIST, XEN_EINVAL, XEN_ENOENT } from "../abi/errno.ts";
import { XEN_ENOSYS } from "../abi/errno.ts";
import { XenError } from "../xen_error.ts";
import type { XsConnection, XsRequest } from "./xs_connection.ts";

/** A connection that receives replies (a guest's ring). */
export type XsWireClient = XsConnection & {
  /** Queues the reply to `req`. */
  reply(req: XsRequest, type: number, payload: Uint8Array): void;
};
import {
  getNode,
  opDirectory,
  opGetPerms,
  opMkdir,
  opRead,
  opRm,
  opSetPerms,
  opWrite,
  type XsOpContext,
} from "./xs_ops.ts";
import { canonicalize, clip, homePath } from "./xs_path.ts";
import { parsePerm, permToString, XS_PERM_READ } from "./xs_perms.ts";
import type { XsStore } from "./xs_store.ts";
import type { XsTransaction } from "./xs_transaction.ts";
import {
  atoi,
  errnoOf,
  errorName,
  fromLatin1,
  joinStrings,
  latin1,
  nArgs,
  oneArg,
  splitStrings,
} from "./xs_wire.ts";
import type { XsFire } from "./xs_watches.ts";

/** What the message handlers need from the daemon. */
export interface XsServer {
  /** The store. */
  readonly store: XsStore;
  /** Fires a change outside any transaction (to every connection's watches). */
  fire(f: XsFire): void;
  /** Is domain `domid` introduced. */
  isIntroduced(domid: number): boolean;
  /** Releases domain `domid` (ENOENT if not introduced). */
  release(domid: number): void;
  /** Diagnostic sink for XS_CONTROL "print". */
  log(line: string): void;
}

/** Types only privileged clients may send. */
const PRIVILEGED = new Set([
  XS_CONTROL,
  XS_INTRODUCE,
  XS_RELEASE,
  XS_IS_DOMAIN_INTRODUCED,
  XS_RESUME,
  XS_SET_TARGET,
]);
/** Types that ignore tx_id. */
const NO_TX = new Set([XS_WATCH, XS_UNWATCH]);
/** Types with a handler. */
const KNOWN = new Set([
  ...PRIVILEGED,
  XS_DIRECTORY,
  XS_READ,
  XS_GET_PERMS,
  XS_WATCH,
  XS_UNWATCH,
  XS_TRANSACTION_START,
  XS_TRANSACTION_END,
  XS_GET_DOMAIN_PATH,
  XS_WRITE,
  XS_MKDIR,
  XS_RM,
  XS_SET_PERMS,
  XS_RESET_WATCHES,
  XS_DIRECTORY_PART,
]);

const OK = fromLatin1("OK\0");

/** Handles `req` from `conn`, queueing the reply (and any events) on the connections. */
export function handleRequest(server: XsServer, conn: XsWireClient, req: XsRequest): void {
  try {
    if (!KNOWN.has(req.type)) {
      throw new XenError(XEN_ENOSYS, `xenstore: unknown message type ${req.type}`);
    }
    if (PRIVILEGED.has(req.type) && !conn.privileged) {
      throw new XenError(XEN_EACCES, `xenstore: type ${req.type} is privileged`);
    }
    const tx = NO_TX.has(req.type) ? undefined : conn.transaction(req.txId);
    const after = dispatch(server, conn, req, tx);
    after?.();
  } catch (e) {
    conn.reply(req, XS_ERROR, fromLatin1(`${errorName(errnoOf(e))}\0`));
  }
}

/** Runs one request; may return work to do after the reply (the initial watch event). */
function dispatch(
  server: XsServer,
  conn: XsWireClient,
  req: XsRequest,
  tx: XsTransaction | undefined,
): (() => void) | void {
  const p = req.payload;
  const ctx: XsOpContext = {
    caller: conn,
    view: tx ?? server.store,
    fire: tx === undefined ? (f) => server.fire(f) : (f) => tx.pending.push(f),
  };
  const path = (raw: string, special = false) =>
    canonicalize(conn.domid, conn.privileged, raw, special);
  const ok = () => conn.reply(req, req.type, OK);
  switch (req.type) {
    case XS_READ:
      return conn.reply(req, req.type, opRead(ctx, path(oneArg(p))).slice());
    case XS_DIRECTORY:
      return conn.reply(req, req.type, joinStrings(opDirectory(ctx, path(oneArg(p)))));
    case XS_DIRECTORY_PART:
      return conn.reply(req, req.type, directoryPart(ctx, path, p));
    case XS_GET_PERMS:
      return conn.reply(
        req,
        req.type,
        joinStrings(opGetPerms(ctx, path(oneArg(p), true)).map(permToString)),
      );
    case XS_WRITE: {
      const nul = p.indexOf(0);
      if (nul < 0) throw new XenError(XEN_EINVAL, "xenstore: write without a path");
      opWrite(ctx, path(latin1(p.subarray(0, nul))), p.subarray(nul + 1));
      return ok();
    }
    case XS_MKDIR:
      opMkdir(ctx, path(oneArg(p)));
      return ok();
    case XS_RM:
      opRm(ctx, path(oneArg(p)));
      return ok();
    case XS_SET_PERMS: {
      const s = splitStrings(p);
      if (s.length < 2) throw new XenError(XEN_EINVAL, "xenstore: set_perms needs permissions");
      const perms = s.slice(1).map(parsePerm);
      opSetPerms(ctx, path(s[0], true), perms);
      return ok();
    }
    case XS_WATCH:
      return watch(conn, req, path);
    case XS_UNWATCH: {
      const [raw, token] = nArgs(p, 2);
      const abs = path(raw, true);
      const i = conn.watches.findIndex((w) => w.path === abs && w.token === token);
      if (i < 0) throw new XenError(XEN_ENOENT, `xenstore: no watch ${clip(abs)}`);
      conn.watches.splice(i, 1);
      return ok();
    }
    case XS_TRANSACTION_START: {
      const t = conn.startTransaction(server.store, tx !== undefined);
      return conn.reply(req, req.type, fromLatin1(`${t.id}\0`));
    }
    case XS_TRANSACTION_END:
      return endTransaction(server, conn, req, tx);
    case XS_GET_DOMAIN_PATH:
      return conn.reply(req, req.type, fromLatin1(`${homePath(atoi(oneArg(p)) >>> 0)}\0`));
    case XS_RESET_WATCHES:
      conn.resetState();
      return ok();
    case XS_IS_DOMAIN_INTRODUCED:
      return conn.reply(
        req,
        req.type,
        fromLatin1(server.isIntroduced(atoi(oneArg(p))) ? "T\0" : "F\0"),
      );
    case XS_RELEASE:
      server.release(atoi(oneArg(p)));
      return ok();
    case XS_CONTROL:
      return control(server, conn, req);
    default:
      // XS_INTRODUCE / XS_RESUME / XS_SET_TARGET: hvlab introduces rings from the host side.
      throw new XenError(XEN_ENOSYS, `xenstore: type ${req.type} is not supported over a ring`);
  }
}

function watch(
  conn: XsWireClient,
  req: XsRequest,
  path: (raw: string, special?: boolean) => string,
): () => void {
  const [raw, token] = nArgs(req.payload, 2);
  const abs = path(raw, true);
  if (conn.watches.some((w) => w.path === abs && w.token === token)) {
    throw new XenError(XEN_EEXIST, `xenstore: watch ${clip(abs)} exists`);
  }
  const w = { path: abs, token, relative: !raw.startsWith("/") && !raw.startsWith("@") };
  conn.watches.push(w);
  conn.reply(req, req.type, OK);
  // xenstored fires every new watch once, right after the acknowledgement.
  return () => conn.deliver(raw, token, w);
}

function endTransaction(
  server: XsServer,
  conn: XsWireClient,
  req: XsRequest,
  tx: XsTransaction | undefined,
): void {
  const arg = oneArg(req.payload);
  if (arg !== "T" && arg !== "F") {
    throw new XenError(XEN_EINVAL, `xenstore: transaction end '${clip(arg)}'`);
  }
  if (tx === undefined) throw new XenError(XEN_ENOENT, "xenstore: no transaction to end");
  conn.transactions.delete(tx.id);
  if (arg === "T") {
    if (!tx.canCommit()) throw new XenError(XEN_EAGAIN, `xenstore: transaction ${tx.id} conflict`);
    tx.apply();
    for (const f of tx.pending) server.fire(f);
  }
  conn.reply(req, req.type, OK);
}

/** XS_DIRECTORY_PART: "<generation>\0" then children from a byte offset, "" when complete. */
function directoryPart(
  ctx: XsOpContext,
  path: (raw: string) => string,
  payload: Uint8Array,
): Uint8Array {
  const [raw, offStr] = nArgs(payload, 2);
  const node = getNode(ctx, path(raw), XS_PERM_READ);
  const children = joinStrings(node.children);
  const off = atoi(offStr);
  const gen = fromLatin1(`${node.gen}\0`);
  if (off < 0 || off >= children.length) return concat(gen, new Uint8Array(1));
  const max = 4096 - gen.length - 1;
  let len = 0;
  while (true) {
    const end = children.indexOf(0, off + len);
    const n = end - (off + len);
    if (len + n >= max) break;
    len += n + 1;
    if (off + len === children.length) break;
  }
  const done = off + len === children.length;
  return concat(gen, children.subarray(off, off + len), new Uint8Array(done ? 1 : 0));
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function control(server: XsServer, conn: XsWireClient, req: XsRequest): void {
  const args = splitStrings(req.payload);
  if (args[0] === "print" && args.length === 2) {
    server.log(`xenstore control from domain ${conn.domid}: ${args[1]}`);
    return conn.reply(req, req.type, OK);
  }
  throw new XenError(XEN_EINVAL, `xenstore: control command '${clip(args[0] ?? "")}'`);
}
