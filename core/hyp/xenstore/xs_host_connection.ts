/**
 * The in-hypervisor client (the toolstack, domain builder and back ends): privileged dom0
 * whose watch events call host callbacks. Events are queued and run after the operation that
 * raised them finishes, so a callback may itself use the store.
 *
 * @module
 */

import { XsConnection } from "./xs_connection.ts";
import type { XsConnectionState } from "./xs_state.ts";
import type { XsStore } from "./xs_store.ts";
import type { XsWatch } from "./xs_watches.ts";

/** A host watch callback: the event path and the token given to watch(). */
export type XsWatchCallback = (path: string, token: string) => void;

/** The host's connection. */
export class XsHostConnection extends XsConnection {
  /** Callback of each host watch. */
  readonly callbacks = new Map<XsWatch, XsWatchCallback>();
  #pending: [string, string, XsWatch][] = [];

  constructor() {
    super(0, true);
  }

  /** Queues a callback run. */
  deliver(path: string, token: string, w: XsWatch): void {
    this.#pending.push([path, token, w]);
  }

  /** The watches as plain data; throws while callbacks are still queued (mid-operation). */
  save(): XsConnectionState {
    if (this.#pending.length > 0) {
      throw new Error(`xenstore: ${this.#pending.length} host watch events not yet delivered`);
    }
    return this.saveConnection();
  }

  /** Takes `s` (checked) with `callbacks[i]` for watch i. */
  load(s: XsConnectionState, store: XsStore, callbacks: XsWatchCallback[]): void {
    this.loadConnection(s, store);
    this.callbacks.clear();
    this.watches.forEach((w, i) => this.callbacks.set(w, callbacks[i]));
  }

  /** Runs queued callbacks (including ones queued while running) of still-registered watches. */
  drain(): void {
    while (this.#pending.length > 0) {
      const [path, token, w] = this.#pending.shift()!;
      this.callbacks.get(w)?.(path, token);
    }
  }
}
