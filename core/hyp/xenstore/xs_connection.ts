/**
 * What xenstored keeps per client: identity, watches, open transactions and how replies and
 * events reach it. Ring connections (guests) and the host connection (the in-hypervisor
 * toolstack and back ends) both build on it.
 *
 * @module
 */

import { XEN_EBUSY, XEN_ENOENT, XEN_ENOSPC } from "../abi/errno.ts";
import { XenError } from "../xen_error.ts";
import { XsTransaction } from "./xs_transaction.ts";
import type { XsConnectionState } from "./xs_state.ts";
import type { XsStore } from "./xs_store.ts";
import type { XsWatch, XsWatcher } from "./xs_watches.ts";

/** Most transactions an unprivileged connection may hold open (xenstored's default quota). */
export const XS_MAX_TRANSACTIONS = 10;

/** One request as received. */
export interface XsRequest {
  /** XS_* message type. */
  readonly type: number;
  /** Echoed in the reply. */
  readonly reqId: number;
  /** Transaction id, 0 for none. */
  readonly txId: number;
  /** Payload bytes. */
  readonly payload: Uint8Array;
}

/** A xenstore client. */
export abstract class XsConnection implements XsWatcher {
  /** The client's domain. */
  readonly domid: number;
  /** Privileged clients pass every permission check. */
  readonly privileged: boolean;
  /** Registered watches. */
  readonly watches: XsWatch[] = [];
  /** Open transactions by id. */
  readonly transactions = new Map<number, XsTransaction>();
  #nextTxId = 1;

  constructor(domid: number, privileged: boolean) {
    this.domid = domid;
    this.privileged = privileged;
  }

  /** Queues a watch event of `w`. */
  abstract deliver(path: string, token: string, w: XsWatch): void;

  /** The open transaction `txId` (undefined for 0); ENOENT for an unknown id. */
  transaction(txId: number): XsTransaction | undefined {
    if (txId === 0) return undefined;
    const t = this.transactions.get(txId);
    if (t === undefined) throw new XenError(XEN_ENOENT, `xenstore: no transaction ${txId}`);
    return t;
  }

  /** Opens a transaction (EBUSY inside one, ENOSPC over quota). */
  startTransaction(store: XsStore, inside: boolean): XsTransaction {
    if (inside) throw new XenError(XEN_EBUSY, "xenstore: transaction start inside a transaction");
    if (!this.privileged && this.transactions.size >= XS_MAX_TRANSACTIONS) {
      throw new XenError(XEN_ENOSPC, `xenstore: more than ${XS_MAX_TRANSACTIONS} transactions`);
    }
    let id = this.#nextTxId;
    while (id === 0 || this.transactions.has(id)) id = (id + 1) >>> 0;
    this.#nextTxId = (id + 1) >>> 0;
    const t = new XsTransaction(id, store);
    this.transactions.set(id, t);
    return t;
  }

  /** The watches, transactions and next transaction id as plain data. */
  saveConnection(): XsConnectionState {
    return {
      domid: this.domid,
      watches: this.watches.map((w) => ({ ...w })),
      transactions: [...this.transactions.values()].map((t) => t.save()),
      nextTxId: this.#nextTxId,
    };
  }

  /** Takes watches, transactions (on `store`) and the next id from `s` (already checked). */
  protected loadConnection(s: XsConnectionState, store: XsStore): void {
    this.watches.splice(0, this.watches.length, ...s.watches.map((w) => ({ ...w })));
    this.transactions.clear();
    for (const t of s.transactions) this.transactions.set(t.id, XsTransaction.fromState(t, store));
    this.#nextTxId = s.nextTxId;
  }

  /** Drops every watch and transaction (XS_RESET_WATCHES, reconnection, release). */
  resetState(): void {
    this.watches.length = 0;
    this.transactions.clear();
  }
}
