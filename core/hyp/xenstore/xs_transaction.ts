/**
 * A xenstore transaction: a private overlay on the store. Reads fall through to the store and
 * remember the generation they saw; writes stay in the overlay. Commit succeeds only if every
 * node the transaction touched still has the generation it saw (so the result equals running the
 * transaction alone); otherwise the caller answers EAGAIN and the client retries. Watch events
 * are held back until commit.
 *
 * @module
 */

import { NO_GENERATION, type XsNode, type XsStore, type XsView } from "./xs_store.ts";
import { copyPerms } from "./xs_perms.ts";
import type { XsNodeState, XsTransactionState } from "./xs_state.ts";
import type { XsFire } from "./xs_watches.ts";

/** A deep copy of a node (saved states share nothing with live ones). */
function copyNode(n: XsNode): Omit<XsNodeState, "path"> {
  return {
    value: n.value.slice(),
    perms: copyPerms(n.perms),
    children: [...n.children],
    gen: n.gen,
  };
}

/** One open transaction of a connection. */
export class XsTransaction implements XsView {
  /** The id the client uses in tx_id. */
  readonly id: number;
  #store: XsStore;
  /** path -> new node, or null when removed. */
  #overlay = new Map<string, XsNode | null>();
  /** path -> generation seen in the store at first access. */
  #seen = new Map<string, number>();
  /** Watch events to fire when the transaction commits. */
  readonly pending: XsFire[] = [];

  constructor(id: number, store: XsStore) {
    this.id = id;
    this.#store = store;
  }

  #touch(path: string): void {
    if (!this.#seen.has(path)) this.#seen.set(path, this.#store.genOf(path));
  }

  /** The node as this transaction sees it. */
  get(path: string): XsNode | undefined {
    const own = this.#overlay.get(path);
    if (own !== undefined) return own ?? undefined;
    this.#touch(path);
    return this.#store.get(path);
  }

  /** Writes into the overlay. */
  put(path: string, node: Omit<XsNode, "gen">): void {
    this.#touch(path);
    this.#overlay.set(path, { ...node, gen: NO_GENERATION });
  }

  /** Removes in the overlay. */
  del(path: string): void {
    this.#touch(path);
    this.#overlay.set(path, null);
  }

  /** True when no node this transaction touched has changed in the store since. */
  canCommit(): boolean {
    for (const [path, gen] of this.#seen) if (this.#store.genOf(path) !== gen) return false;
    return true;
  }

  /** The transaction as plain data. */
  save(): XsTransactionState {
    return {
      id: this.id,
      overlay: [...this.#overlay].map(([path, n]) => ({ path, node: n && copyNode(n) })),
      seen: [...this.#seen].map(([path, gen]) => ({ path, gen })),
      pending: structuredClone(this.pending),
    };
  }

  /** A transaction on `store` holding `s` (checked by checkConnectionState). */
  static fromState(s: XsTransactionState, store: XsStore): XsTransaction {
    const t = new XsTransaction(s.id, store);
    for (const { path, node } of s.overlay) t.#overlay.set(path, node && copyNode(node));
    for (const { path, gen } of s.seen) t.#seen.set(path, gen);
    t.pending.push(...structuredClone(s.pending));
    return t;
  }

  /** Applies the overlay to the store (call only after canCommit()). */
  apply(): void {
    for (const [path, node] of this.#overlay) {
      if (node === null) this.#store.del(path);
      else this.#store.put(path, node);
    }
  }
}
