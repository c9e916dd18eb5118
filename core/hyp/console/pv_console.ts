/**
 * The PV console back end (what xenconsoled does in dom0, here inside the hypervisor): the
 * guest's xencons_interface ring in its console page and an event channel. On a notification
 * the back end drains `out` to the host sink and advances out_cons; typed input goes into `in`
 * as far as it has room, and each change is signalled back on the channel.
 */
import { abiField } from "../abi/layout.ts";
import { xencons_interface } from "../abi/console.ts";
import { int, obj } from "../state_check.ts";
import type { ConsoleSink } from "./console_sink.ts";

/** The back end's own state: its counters (the ring is guest memory). */
export interface PvConsoleState {
  bytesOut: number;
  ringErrors: number;
}

const IN = abiField(xencons_interface, "in");
const OUT = abiField(xencons_interface, "out");
const IN_CONS = abiField(xencons_interface, "in_cons").offset;
const IN_PROD = abiField(xencons_interface, "in_prod").offset;
const OUT_CONS = abiField(xencons_interface, "out_cons").offset;
const OUT_PROD = abiField(xencons_interface, "out_prod").offset;

/** One domain's PV console back end. */
export class PvConsoleBackend {
  readonly #ring: DataView;
  readonly #sink: ConsoleSink;
  readonly #notify: () => void;
  /** Bytes taken from the guest so far. */
  bytesOut = 0;
  /** Times the guest's indices were inconsistent (prod - cons beyond the ring). */
  ringErrors = 0;

  /** Serves the ring in `ring` (the console page), notifying the guest with `notify`. */
  constructor(ring: DataView, sink: ConsoleSink, notify: () => void) {
    this.#ring = ring;
    this.#sink = sink;
    this.#notify = notify;
    sink.inputHandler = (bytes) => this.#input(bytes);
  }

  /** The guest notified the console port: drain its output. */
  kick(): void {
    const r = this.#ring;
    const cons = r.getUint32(OUT_CONS, true), prod = r.getUint32(OUT_PROD, true);
    const n = (prod - cons) >>> 0;
    if (n === 0) return;
    if (n > OUT.size) {
      // A guest scribbling over its own indices: xenconsoled resets its view the same way.
      this.ringErrors++;
      r.setUint32(OUT_CONS, prod, true);
      return;
    }
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      out[i] = r.getUint8(OUT.offset + ((cons + i) % OUT.size));
    }
    r.setUint32(OUT_CONS, prod, true);
    this.bytesOut += n;
    this.#sink.write(out);
    this.#notify();
    this.#sink.flushInput();
  }

  /** The counters. */
  save(): PvConsoleState {
    return { bytesOut: this.bytesOut, ringErrors: this.ringErrors };
  }

  /**
   * Sets the counters from `state`. The ring view, sink and notify come from the constructor
   * (make a new back end over the restored console page). Throws StateError, changing nothing.
   */
  restore(state: PvConsoleState): void {
    const s = obj(state, "pvConsole");
    const bytesOut = int(s.bytesOut, "pvConsole.bytesOut", 0, Number.MAX_SAFE_INTEGER);
    this.ringErrors = int(s.ringErrors, "pvConsole.ringErrors", 0, Number.MAX_SAFE_INTEGER);
    this.bytesOut = bytesOut;
  }

  #input(bytes: Uint8Array): void {
    const r = this.#ring;
    const cons = r.getUint32(IN_CONS, true);
    let prod = r.getUint32(IN_PROD, true);
    const space = IN.size - ((prod - cons) >>> 0);
    const n = Math.max(0, Math.min(space, bytes.length));
    for (let i = 0; i < n; i++) {
      r.setUint8(IN.offset + (prod % IN.size), bytes[i]);
      prod = (prod + 1) >>> 0;
    }
    r.setUint32(IN_PROD, prod, true);
    if (n < bytes.length) this.#sink.unread(bytes.subarray(n));
    if (n > 0) this.#notify();
  }
}
