/**
 * xenstore node permissions: a list whose first entry names the owner and the default access of
 * every other domain, and whose later entries give one domain's access. Letters as on the wire:
 * n (none), r (read), w (write), b (both). Access of a caller follows xenstored: privileged
 * callers and the owner get everything; otherwise the first later entry naming the caller, else
 * the default.
 *
 * @module
 */

import { XEN_EINVAL } from "../abi/errno.ts";
import { XenError } from "../xen_error.ts";
import { clip } from "./xs_path.ts";

/** One permission entry. */
export interface XsPerm {
  /** Domain id (the owner for the first entry). */
  id: number;
  /** Access letter: n none, r read, w write, b both. */
  perm: "n" | "r" | "w" | "b";
}

/** Access bit: may read. */
export const XS_PERM_READ = 1;
/** Access bit: may write. */
export const XS_PERM_WRITE = 2;
/** Access bit: owns the node (may change its permissions). */
export const XS_PERM_OWNER = 4;

const LETTER_BITS = { n: 0, r: XS_PERM_READ, w: XS_PERM_WRITE, b: XS_PERM_READ | XS_PERM_WRITE };

/** Who is asking. */
export interface XsCaller {
  /** The caller's domain id. */
  readonly domid: number;
  /** Privileged callers (dom0, the in-hypervisor toolstack) pass every check. */
  readonly privileged: boolean;
}

/** The access bits `who` has on a node with permissions `perms`. */
export function accessFor(who: XsCaller, perms: readonly XsPerm[]): number {
  if (who.privileged || perms[0].id === who.domid) {
    return XS_PERM_READ | XS_PERM_WRITE | XS_PERM_OWNER;
  }
  for (let i = 1; i < perms.length; i++) {
    if (perms[i].id === who.domid) return LETTER_BITS[perms[i].perm];
  }
  return LETTER_BITS[perms[0].perm];
}

/** The wire form of one entry, e.g. "r3". */
export function permToString(p: XsPerm): string {
  return `${p.perm}${p.id}`;
}

/** Parses one wire entry ("b0", "n5"); throws XenError(EINVAL) for anything else. */
export function parsePerm(s: string): XsPerm {
  const m = /^([nrwb])(\d{1,5})$/.exec(s);
  if (m === null || Number(m[2]) > 0xffff) {
    throw new XenError(XEN_EINVAL, `xenstore permission '${clip(s)}' is not [nrwb]<domid>`);
  }
  return { id: Number(m[2]), perm: m[1] as XsPerm["perm"] };
}

/** Copies a permission list (nodes never share one). */
export function copyPerms(perms: readonly XsPerm[]): XsPerm[] {
  return perms.map((p) => ({ id: p.id, perm: p.perm }));
}
