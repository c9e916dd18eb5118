/**
 * A hypercall's failure as Xen reports it: a Xen errno (returned negated in x0) and, for the
 * hypervisor log and the REPL, what was wrong with which value. Hypercall handlers throw it; the
 * dispatcher catches it and nothing else, so a guest's bad argument never escapes as a host
 * exception.
 */
import { XEN_ERRNO_NAMES } from "./abi/errno.ts";

/** A Xen errno raised by hypercall code. */
export class XenError extends Error {
  /** Positive Xen errno (XEN_EINVAL, XEN_EFAULT...); the guest sees its negation. */
  readonly errno: number;

  constructor(errno: number, message: string) {
    super(`${XEN_ERRNO_NAMES.get(errno) ?? `errno ${errno}`}: ${message}`);
    this.errno = errno;
  }
}

/** Throws XenError(errno, message) unless `ok`. */
export function check(ok: boolean, errno: number, message: string): asserts ok {
  if (!ok) throw new XenError(errno, message);
}

/** Hex formatting for error messages. */
export function hex(v: number | bigint): string {
  return `0x${v.toString(16)}`;
}
