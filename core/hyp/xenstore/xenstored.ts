/**
 * hvlab's xenstored: the store, one ring connection per introduced guest and a privileged host
 * connection for the in-hypervisor toolstack and back ends. The hypervisor introduces a domain
 * with its ring page and a notify callback (wired to the store event channel), kicks it when
 * the guest signals that channel, and uses the host helpers to build and watch the tree.
 *
 * @module
 */

import { XEN_EEXIST, XEN_EINVAL, XEN_ENOENT } from "../abi/errno.ts";
import { xenstore_domain_interface, XENSTORE_ERROR_NONE } from "../abi/xenstore.ts";
import { XenError } from "../xen_error.ts";
import { writeDomainLayout, type XsDomainInfo } from "./xs_domain_layout.ts";
import { XsHostConnection, type XsWatchCallback } from "./xs_host_connection.ts";
import { handleRequest, type XsServer } from "./xs_message.ts";
import {
  opDirectory,
  opGetPerms,
  opMkdir,
  opRead,
  opRm,
  opSetPerms,
  opWrite,
  type XsOpContext,
} from "./xs_ops.ts";
import { canonicalize, clip } from "./xs_path.ts";
import { parsePerm, permToString } from "./xs_perms.ts";
import { XsRingConnection } from "./xs_ring.ts";
import {
  checkConnectionState,
  checkRingState,
  checkStoreState,
  type XenstoredState,
} from "./xs_state.ts";
import { XsStore } from "./xs_store.ts";
import { arr, obj, StateError } from "../state_check.ts";
import { formatTree } from "./xs_tree.ts";
import { fireWatches, type XsFire } from "./xs_watches.ts";

/** Options of a Xenstored. */
export interface XenstoredOptions {
  /** Diagnostics (XS_CONTROL "print"); default: dropped. */
  readonly log?: (line: string) => void;
}

/** The wiring of a restored guest connection: its ring page's view and how to notify it. */
export interface XsRingWiring {
  ring: DataView;
  notify: () => void;
}

/** Finds the wiring of domain `domid`'s connection on restore. */
export type XsRingResolver = (domid: number) => XsRingWiring;

/** Finds the callback of a restored host watch. */
export type XsHostWatchResolver = (path: string, token: string) => XsWatchCallback;

/** One registered watch, for the REPL. */
export interface XsWatchInfo {
  /** Watching domain (0 for the host). */
  readonly domid: number;
  /** Absolute watched path. */
  readonly path: string;
  /** The watch's token. */
  readonly token: string;
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

/** The xenstore daemon. */
export class Xenstored implements XsServer {
  /** The store (read-only use outside this module). */
  readonly store = new XsStore();
  #host = new XsHostConnection();
  #rings = new Map<number, XsRingConnection>();
  readonly #log: (line: string) => void;
  #ctx: XsOpContext;

  /** An empty store plus dom0's name and domid, as xen-init-dom0 leaves them. */
  constructor(opts: XenstoredOptions = {}) {
    this.#log = opts.log ?? (() => {});
    this.#ctx = { caller: this.#host, view: this.store, fire: (f) => this.fire(f) };
    this.write("/local/domain/0/domid", "0");
    this.write("/local/domain/0/name", "Domain-0");
  }

  /** Connects domain `domid` over its ring page; fires @introduceDomain. */
  introduceDomain(domid: number, ring: DataView, notify: () => void): void {
    if (this.#rings.has(domid)) throw new XenError(XEN_EEXIST, `xenstore: domain ${domid} exists`);
    if (ring.byteLength < xenstore_domain_interface.size) {
      throw new XenError(XEN_EINVAL, `xenstore: ring of ${ring.byteLength} bytes is too small`);
    }
    this.#rings.set(domid, new XsRingConnection(domid, ring, notify));
    this.#special("@introduceDomain");
  }

  /** Disconnects domain `domid` (its watches and transactions go); fires @releaseDomain. */
  releaseDomain(domid: number): void {
    const conn = this.#rings.get(domid);
    if (conn === undefined) throw new XenError(XEN_ENOENT, `xenstore: no domain ${domid}`);
    conn.resetState();
    this.#rings.delete(domid);
    this.#special("@releaseDomain");
  }

  /** Is domain `domid` introduced. */
  isIntroduced(domid: number): boolean {
    return this.#rings.has(domid);
  }

  /** XS_RELEASE. */
  release(domid: number): void {
    this.releaseDomain(domid);
  }

  /** XS_CONTROL "print". */
  log(line: string): void {
    this.#log(line);
  }

  /** The guest signalled its store event channel: serve every complete request. */
  kick(domid: number): void {
    const conn = this.#rings.get(domid);
    if (conn === undefined) throw new XenError(XEN_ENOENT, `xenstore: no domain ${domid}`);
    conn.service((req) => handleRequest(this, conn, req));
    this.#settle();
  }

  /** The ring error indicator of domain `domid` (XENSTORE_ERROR_*), 0 when fine. */
  connectionError(domid: number): number {
    return this.#rings.get(domid)?.error ?? XENSTORE_ERROR_NONE;
  }

  /** Fires a change outside transactions. */
  fire(f: XsFire): void {
    fireWatches([this.#host, ...this.#rings.values()], this.store, f);
  }

  #special(name: string): void {
    this.fire({ path: name, exact: true, perms: this.store.get(name)?.perms ?? [] });
    this.#settle();
  }

  /** Runs host callbacks, then pushes queued output to every ring. */
  #settle(): void {
    this.#host.drain();
    for (const r of this.#rings.values()) r.flush();
  }

  #path(path: string, special = false): string {
    return canonicalize(0, true, path, special);
  }

  #run<T>(op: () => T): T {
    const r = op();
    this.#settle();
    return r;
  }

  /** Writes `value` (strings as UTF-8), creating parents; sets `perms` (e.g. ["n5", "r0"]). */
  write(path: string, value: string | Uint8Array, perms?: readonly string[]): void {
    const p = this.#path(path);
    const bytes = typeof value === "string" ? utf8.encode(value) : value;
    this.#run(() => {
      opWrite(this.#ctx, p, bytes);
      if (perms !== undefined) opSetPerms(this.#ctx, p, perms.map(parsePerm));
    });
  }

  /** The value at `path` as UTF-8 text (ENOENT when missing). */
  read(path: string): string {
    return fromUtf8.decode(this.readBytes(path));
  }

  /** The value at `path` as bytes (ENOENT when missing). */
  readBytes(path: string): Uint8Array {
    return opRead(this.#ctx, this.#path(path)).slice();
  }

  /** The value at `path`, or undefined when missing. */
  tryRead(path: string): string | undefined {
    const n = this.store.get(this.#path(path));
    return n === undefined ? undefined : fromUtf8.decode(n.value);
  }

  /** Creates `path` (and parents) unless it exists; sets `perms` when given. */
  mkdir(path: string, perms?: readonly string[]): void {
    const p = this.#path(path);
    this.#run(() => {
      opMkdir(this.#ctx, p);
      if (perms !== undefined) opSetPerms(this.#ctx, p, perms.map(parsePerm));
    });
  }

  /** Removes `path` and its subtree (fine when missing but its parent exists). */
  rm(path: string): void {
    const p = this.#path(path);
    this.#run(() => opRm(this.#ctx, p));
  }

  /** Sets the permissions of `path` (wire strings: owner+default first, e.g. ["n5", "r0"]). */
  setPerms(path: string, perms: readonly string[]): void {
    const p = this.#path(path, true);
    const parsed = perms.map(parsePerm);
    this.#run(() => opSetPerms(this.#ctx, p, parsed));
  }

  /** The permissions of `path` as wire strings. */
  getPerms(path: string): string[] {
    return opGetPerms(this.#ctx, this.#path(path, true)).map(permToString);
  }

  /** Child names of `path`. */
  directory(path: string): string[] {
    return [...opDirectory(this.#ctx, this.#path(path))];
  }

  /**
   * Watches `path` (or "@introduceDomain"/"@releaseDomain") for the host: `cb(path, token)` runs
   * after each change at or below it, and once right away, as for any xenstore client.
   */
  watch(path: string, token: string, cb: XsWatchCallback): void {
    const p = this.#path(path, true);
    const host = this.#host;
    if (host.watches.some((w) => w.path === p && w.token === token)) {
      throw new XenError(XEN_EEXIST, `xenstore: host watch ${clip(p)} exists`);
    }
    const w = { path: p, token, relative: false };
    host.watches.push(w);
    host.callbacks.set(w, cb);
    this.#run(() => host.deliver(p, token, w));
  }

  /** Removes a host watch (ENOENT if none). */
  unwatch(path: string, token: string): void {
    const p = this.#path(path, true);
    const host = this.#host;
    const i = host.watches.findIndex((w) => w.path === p && w.token === token);
    if (i < 0) throw new XenError(XEN_ENOENT, `xenstore: no host watch ${clip(p)}`);
    host.callbacks.delete(host.watches[i]);
    host.watches.splice(i, 1);
  }

  /** Writes the toolstack's standard layout for domain `domid`. */
  populateDomain(domid: number, info: XsDomainInfo): void {
    writeDomainLayout(this, domid, info);
  }

  /** A printable listing of `path` (default: everything, then the special nodes). */
  tree(path?: string): string {
    if (path !== undefined) return formatTree(this.store, this.#path(path, true));
    return ["/", "@introduceDomain", "@releaseDomain"].map((p) => formatTree(this.store, p))
      .join("\n");
  }

  /** The daemon as plain data: the store, the host's watches and every guest connection. */
  save(): XenstoredState {
    return {
      store: this.store.save(),
      host: this.#host.save(),
      rings: [...this.#rings.values()].map((r) => r.save()),
    };
  }

  /**
   * Replaces the store and every connection with `state` (from save()). `resolveRing(domid)`
   * gives each guest connection its ring page's view and notify callback (nothing is written to
   * the ring or notified); `resolveHostWatch(path, token)` gives each host watch its callback and
   * is needed only when the state has host watches. Throws StateError naming the bad field (or
   * what a resolver threw), leaving the daemon unchanged.
   */
  restore(
    state: XenstoredState,
    resolveRing: XsRingResolver,
    resolveHostWatch?: XsHostWatchResolver,
  ): void {
    const s = obj(state, "xenstore");
    const store = checkStoreState(s.store);
    const hostState = checkConnectionState(s.host, "xenstore.host");
    if (hostState.domid !== 0) throw new StateError(`xenstore.host.domid: ${hostState.domid}`);
    const callbacks = hostState.watches.map((w) => {
      if (resolveHostWatch === undefined) {
        throw new StateError(`xenstore.host.watches: no resolver for host watch ${w.path}`);
      }
      return resolveHostWatch(w.path, w.token);
    });
    const seen = new Set<number>();
    const rings = arr(s.rings, "xenstore.rings", 0x10000).map((r, i) => {
      const f = `xenstore.rings[${i}]`;
      const rs = checkRingState(r, f);
      if (seen.has(rs.domid)) throw new StateError(`${f}.domid: ${rs.domid} appears twice`);
      seen.add(rs.domid);
      const w = resolveRing(rs.domid);
      if (!(w?.ring instanceof DataView) || w.ring.byteLength < xenstore_domain_interface.size) {
        throw new StateError(`${f}: no usable ring page for domain ${rs.domid}`);
      }
      return { rs, w };
    });
    const host = new XsHostConnection();
    host.load(hostState, this.store, callbacks);
    const conns = rings.map(({ rs, w }) =>
      XsRingConnection.fromState(rs, w.ring, w.notify, this.store)
    );
    this.store.load(store);
    this.#host = host;
    this.#rings = new Map(conns.map((c) => [c.domid, c]));
    this.#ctx = { caller: this.#host, view: this.store, fire: (f) => this.fire(f) };
  }

  /** Every registered watch (host first, then guests by introduction order). */
  watches(): XsWatchInfo[] {
    return [this.#host, ...this.#rings.values()].flatMap((c) =>
      c.watches.map((w) => ({ domid: c.domid, path: w.path, token: w.token }))
    );
  }
}
