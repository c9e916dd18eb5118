/**
 * Payload encoding of xenstore messages: NUL-terminated strings as raw bytes (Latin-1, so any
 * byte sequence a guest sends round-trips), the argument-count rules xenstored applies, and the
 * errno -> error-name mapping of XS_ERROR replies.
 *
 * @module
 */

import { XSD_ERRORS } from "../abi/xenstore.ts";
import { XEN_EINVAL } from "../abi/errno.ts";
import { XenError } from "../xen_error.ts";

/** Bytes -> string, one character per byte. */
export function latin1(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 4096) {
    s += String.fromCharCode(...bytes.subarray(i, i + 4096));
  }
  return s;
}

/** String (one character per byte) -> bytes. */
export function fromLatin1(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

/** Strings, each followed by a NUL, as one payload. */
export function joinStrings(parts: readonly string[]): Uint8Array {
  return fromLatin1(parts.map((p) => `${p}\0`).join(""));
}

/** The NUL-terminated strings at the start of `payload` (bytes after the last NUL are dropped). */
export function splitStrings(payload: Uint8Array): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < payload.length; i++) {
    if (payload[i] === 0) {
      out.push(latin1(payload.subarray(start, i)));
      start = i + 1;
    }
  }
  return out;
}

/** The single argument of a one-argument request: exactly one NUL, at the end; else EINVAL. */
export function oneArg(payload: Uint8Array): string {
  const nul = payload.indexOf(0);
  if (payload.length === 0 || nul !== payload.length - 1) {
    throw new XenError(XEN_EINVAL, "xenstore: request needs exactly one NUL-terminated argument");
  }
  return latin1(payload.subarray(0, nul));
}

/** Exactly `n` NUL-terminated strings; else EINVAL. */
export function nArgs(payload: Uint8Array, n: number): string[] {
  const s = splitStrings(payload);
  if (s.length !== n) throw new XenError(XEN_EINVAL, `xenstore: request needs ${n} arguments`);
  return s;
}

/** C atoi(): leading decimal digits (with sign), 0 when there are none. */
export function atoi(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s);
  if (m === null) return 0;
  const v = Number(m[1]);
  return Math.max(-0x8000_0000, Math.min(0x7fff_ffff, v));
}

/** The XS_ERROR name for a Xen errno (EINVAL for one xenstored cannot translate). */
export function errorName(errno: number): string {
  return XSD_ERRORS.find((e) => e.errnum === errno)?.errstring ?? "EINVAL";
}

/** The errno of a failure raised while handling a request; unexpected exceptions propagate. */
export function errnoOf(e: unknown): number {
  if (e instanceof XenError) return e.errno;
  throw e;
}
