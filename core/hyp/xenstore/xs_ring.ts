/**
 * A guest's xenstore connection over its ring page (struct xenstore_domain_interface): requests
 * are read from req[] between req_cons and req_prod (free-running u32 indices, byte x at x mod
 * 1024), framed by the 16-byte xsd_sockmsg header, and may arrive in pieces across kicks and
 * wraps; replies and watch events go to rsp[] as space allows. Inconsistent indices or an
 * oversized message stop the connection with the ring's error field set (as xenstored does);
 * a guest's reconnect request resets it.
 *
 * @module
 */

import {
  XENSTORE_CONNECTED,
  xenstore_domain_interface as intf,
  XENSTORE_ERROR_NONE,
  XENSTORE_ERROR_PROTO,
  XENSTORE_ERROR_RINGIDX,
  XENSTORE_PAYLOAD_MAX,
  XENSTORE_RECONNECT,
  XENSTORE_RING_SIZE,
  XENSTORE_SERVER_FEATURE_ERROR,
  XENSTORE_SERVER_FEATURE_RECONNECTION,
  XS_ERROR,
  XS_WATCH_EVENT,
  xsd_sockmsg,
} from "../abi/xenstore.ts";
import { abiField } from "../abi/layout.ts";
import { XsConnection, type XsRequest } from "./xs_connection.ts";
import type { XsRingState } from "./xs_state.ts";
import type { XsStore } from "./xs_store.ts";
import { fromLatin1 } from "./xs_wire.ts";
import type { XsWatch } from "./xs_watches.ts";

const REQ = abiField(intf, "req").offset;
const RSP = abiField(intf, "rsp").offset;
const REQ_CONS = abiField(intf, "req_cons").offset;
const REQ_PROD = abiField(intf, "req_prod").offset;
const RSP_CONS = abiField(intf, "rsp_cons").offset;
const RSP_PROD = abiField(intf, "rsp_prod").offset;
const FEATURES = abiField(intf, "server_features").offset;
const CONNECTION = abiField(intf, "connection").offset;
const ERROR = abiField(intf, "error").offset;
const HDR = xsd_sockmsg.size;
const MASK = XENSTORE_RING_SIZE - 1;

/** Replies queued before the server stops reading requests (xenstored's outstanding quota). */
export const XS_MAX_OUTSTANDING = 20;
/** Watch events queued for one guest before further events are dropped. */
export const XS_MAX_QUEUED_EVENTS = 1024;

interface Outgoing {
  readonly bytes: Uint8Array;
  sent: number;
  readonly event: boolean;
}

/** One guest's connection. */
export class XsRingConnection extends XsConnection {
  readonly #ring: DataView;
  readonly #notify: () => void;
  #hdr = new Uint8Array(HDR);
  #hdrUsed = 0;
  #body: Uint8Array | null = null;
  #bodyUsed = 0;
  #out: Outgoing[] = [];
  /** XENSTORE_ERROR_* once the connection was stopped, else XENSTORE_ERROR_NONE. */
  error = XENSTORE_ERROR_NONE;

  /**
   * Takes over `ring` and advertises reconnection and the error indicator (unless `advertise`
   * is false: a restored ring page already carries them).
   */
  constructor(domid: number, ring: DataView, notify: () => void, advertise = true) {
    super(domid, domid === 0);
    this.#ring = ring;
    this.#notify = notify;
    if (!advertise) return;
    const f = this.#u32(FEATURES);
    this.#set(FEATURES, f | XENSTORE_SERVER_FEATURE_RECONNECTION | XENSTORE_SERVER_FEATURE_ERROR);
  }

  /** The connection as plain data (the ring page is guest memory). */
  save(): XsRingState {
    return {
      ...this.saveConnection(),
      error: this.error,
      header: this.#hdr.slice(0, this.#body === null ? this.#hdrUsed : HDR),
      body: this.#body === null ? null : this.#body.slice(),
      // Left over from the last request while no body is being read.
      bodyUsed: this.#body === null ? 0 : this.#bodyUsed,
      out: this.#out.map((o) => ({ bytes: o.bytes.slice(), sent: o.sent, event: o.event })),
    };
  }

  /**
   * A connection over `ring` holding `s` (checked by checkRingState), its transactions on
   * `store`. Nothing is written to the ring and nobody is notified.
   */
  static fromState(
    s: XsRingState,
    ring: DataView,
    notify: () => void,
    store: XsStore,
  ): XsRingConnection {
    const c = new XsRingConnection(s.domid, ring, notify, false);
    c.loadConnection(s, store);
    c.error = s.error;
    c.#hdr.set(s.header);
    c.#hdrUsed = s.body === null ? s.header.length : 0;
    c.#body = s.body === null ? null : s.body.slice();
    c.#bodyUsed = s.bodyUsed;
    c.#out = s.out.map((o) => ({ bytes: o.bytes.slice(), sent: o.sent, event: o.event }));
    return c;
  }

  #u32(off: number): number {
    return this.#ring.getUint32(off, true);
  }

  #set(off: number, v: number): void {
    this.#ring.setUint32(off, v >>> 0, true);
  }

  /** Queues a reply with req_id and tx_id of `req`; one too long for a message is E2BIG. */
  reply(req: XsRequest, type: number, payload: Uint8Array): void {
    if (payload.length > XENSTORE_PAYLOAD_MAX) {
      this.#queue(XS_ERROR, req.reqId, req.txId, fromLatin1("E2BIG\0"), false);
    } else {
      this.#queue(type, req.reqId, req.txId, payload, false);
    }
  }

  /** Queues a watch event, unless an identical one is still queued (xenstored merges them). */
  deliver(path: string, token: string, _w?: XsWatch): void {
    const payload = fromLatin1(`${path}\0${token}\0`);
    if (this.error !== XENSTORE_ERROR_NONE || payload.length > XENSTORE_PAYLOAD_MAX) return;
    const events = this.#out.filter((o) => o.event);
    if (events.length >= XS_MAX_QUEUED_EVENTS) return;
    if (!path.startsWith("@") && events.some((o) => sameBody(o.bytes, payload))) return;
    this.#queue(XS_WATCH_EVENT, 0, 0, payload, true);
  }

  #queue(type: number, reqId: number, txId: number, payload: Uint8Array, event: boolean): void {
    if (this.error !== XENSTORE_ERROR_NONE) return;
    const bytes = new Uint8Array(HDR + payload.length);
    const dv = new DataView(bytes.buffer);
    dv.setUint32(0, type, true);
    dv.setUint32(4, reqId >>> 0, true);
    dv.setUint32(8, txId >>> 0, true);
    dv.setUint32(12, payload.length, true);
    bytes.set(payload, HDR);
    this.#out.push({ bytes, sent: 0, event });
  }

  /**
   * Serves a kick: honours a reconnect request, then alternately reads complete requests (each
   * handed to `handle`, which queues replies) and writes queued output until neither progresses.
   * Notifies the guest once if any index moved.
   */
  service(handle: (req: XsRequest) => void): void {
    let moved = false;
    if (this.#u32(CONNECTION) === XENSTORE_RECONNECT) {
      this.#reconnect();
      moved = true;
    }
    for (let progress = true; progress && this.error === XENSTORE_ERROR_NONE;) {
      progress = false;
      if (this.#read(handle)) progress = moved = true;
      if (this.#write()) progress = moved = true;
    }
    if (moved) this.#notify();
  }

  /** Writes queued output (after events raised elsewhere); notifies if anything was written. */
  flush(): void {
    if (this.#write()) this.#notify();
  }

  /** Stops the connection with `err` in the ring's error field, dropping all its state. */
  fail(err: number): void {
    this.error = err;
    this.#set(ERROR, err);
    this.#dropState();
  }

  #dropState(): void {
    this.resetState();
    this.#out = [];
    this.#hdrUsed = 0;
    this.#body = null;
    this.#bodyUsed = 0;
  }

  #reconnect(): void {
    this.#dropState();
    this.error = XENSTORE_ERROR_NONE;
    for (const off of [REQ_CONS, REQ_PROD, RSP_CONS, RSP_PROD]) this.#set(off, 0);
    this.#set(ERROR, XENSTORE_ERROR_NONE);
    this.#set(CONNECTION, XENSTORE_CONNECTED);
  }

  /** Consumes request bytes; returns true if req_cons moved. */
  #read(handle: (req: XsRequest) => void): boolean {
    let cons = this.#u32(REQ_CONS);
    const start = cons;
    const prod = this.#u32(REQ_PROD);
    if (((prod - cons) >>> 0) > XENSTORE_RING_SIZE) {
      this.fail(XENSTORE_ERROR_RINGIDX);
      return false;
    }
    while (cons !== prod && this.error === XENSTORE_ERROR_NONE) {
      if (this.#body === null && this.#hdrUsed === 0 && this.#out.length >= XS_MAX_OUTSTANDING) {
        break;
      }
      const byte = this.#ring.getUint8(REQ + (cons & MASK));
      cons = (cons + 1) >>> 0;
      const req = this.#take(byte);
      if (req !== undefined) {
        this.#set(REQ_CONS, cons);
        handle(req);
      }
    }
    if (this.error !== XENSTORE_ERROR_NONE) return cons !== start;
    this.#set(REQ_CONS, cons);
    return cons !== start;
  }

  /** Adds one byte to the message being received; returns it when complete. */
  #take(byte: number): XsRequest | undefined {
    if (this.#body === null) {
      this.#hdr[this.#hdrUsed++] = byte;
      if (this.#hdrUsed < HDR) return undefined;
      const len = new DataView(this.#hdr.buffer).getUint32(12, true);
      if (len > XENSTORE_PAYLOAD_MAX) {
        this.fail(XENSTORE_ERROR_PROTO);
        return undefined;
      }
      this.#body = new Uint8Array(len);
      this.#bodyUsed = 0;
    } else {
      this.#body[this.#bodyUsed++] = byte;
    }
    if (this.#bodyUsed < this.#body.length) return undefined;
    const h = new DataView(this.#hdr.buffer);
    const req = {
      type: h.getUint32(0, true),
      reqId: h.getUint32(4, true),
      txId: h.getUint32(8, true),
      payload: this.#body,
    };
    this.#hdrUsed = 0;
    this.#body = null;
    return req;
  }

  /** Writes as much queued output as fits; returns true if rsp_prod moved. */
  #write(): boolean {
    if (this.error !== XENSTORE_ERROR_NONE || this.#out.length === 0) return false;
    const cons = this.#u32(RSP_CONS);
    let prod = this.#u32(RSP_PROD);
    const used = (prod - cons) >>> 0;
    if (used > XENSTORE_RING_SIZE) {
      this.fail(XENSTORE_ERROR_RINGIDX);
      return false;
    }
    let space = XENSTORE_RING_SIZE - used;
    const start = prod;
    while (space > 0 && this.#out.length > 0) {
      const head = this.#out[0];
      while (space > 0 && head.sent < head.bytes.length) {
        this.#ring.setUint8(RSP + (prod & MASK), head.bytes[head.sent++]);
        prod = (prod + 1) >>> 0;
        space--;
      }
      if (head.sent === head.bytes.length) this.#out.shift();
    }
    this.#set(RSP_PROD, prod);
    return prod !== start;
  }
}

function sameBody(message: Uint8Array, payload: Uint8Array): boolean {
  if (message.length !== HDR + payload.length) return false;
  for (let i = 0; i < payload.length; i++) if (message[HDR + i] !== payload[i]) return false;
  return true;
}
