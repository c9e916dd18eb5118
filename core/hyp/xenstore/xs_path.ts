/**
 * xenstore path rules as xenstored applies them: relative paths live under the caller's home
 * (/local/domain/<domid>), only [A-Za-z0-9-/_@] are allowed, no "//" and no trailing "/" (except
 * the root), "@..." names are special (watchable, with permissions, no data) and an unprivileged
 * caller's path may be at most XENSTORE_REL_PATH_MAX characters below its home prefix.
 *
 * @module
 */

import { XENSTORE_ABS_PATH_MAX, XENSTORE_REL_PATH_MAX } from "../abi/xenstore.ts";
import { XEN_EINVAL } from "../abi/errno.ts";
import { XenError } from "../xen_error.ts";

/** A domain's home directory, the base of its relative paths. */
export function homePath(domid: number): string {
  return `/local/domain/${domid}`;
}

const VALID_CHARS = /^[A-Za-z0-9\-/_@]*$/;
/** The "/local/domain/<up to 5 digits>/" prefix that does not count against the length limit. */
const LOCAL_PREFIX = /^\/local\/domain\/\d{1,5}\//;

/**
 * The absolute form of `raw` as seen by domain `domid`; throws XenError(EINVAL) for an invalid
 * name. `allowSpecial` admits "@..." names (watches and permissions only).
 */
export function canonicalize(
  domid: number,
  privileged: boolean,
  raw: string,
  allowSpecial: boolean,
): string {
  const bad = (why: string) => new XenError(XEN_EINVAL, `xenstore path '${clip(raw)}': ${why}`);
  if (!VALID_CHARS.test(raw)) throw bad("invalid character");
  if (raw.startsWith("@")) {
    if (!allowSpecial) throw bad("special path not allowed here");
  }
  const name = raw.startsWith("/") || raw.startsWith("@") ? raw : `${homePath(domid)}/${raw}`;
  if (name.endsWith("/") && name !== "/") throw bad("trailing '/'");
  if (name.includes("//")) throw bad("empty component");
  const local = LOCAL_PREFIX.exec(name)?.[0].length ?? 0;
  if (name.length > XENSTORE_ABS_PATH_MAX) throw bad("too long");
  if (!privileged && name.length - local > XENSTORE_REL_PATH_MAX) throw bad("too long");
  return name;
}

/** True for "@introduceDomain"-style names. */
export function isSpecial(path: string): boolean {
  return path.startsWith("@");
}

/** The parent of an absolute path ("/" for top-level and special names); undefined for "/". */
export function parentOf(path: string): string | undefined {
  if (path === "/") return undefined;
  const slash = path.lastIndexOf("/");
  return slash > 0 ? path.slice(0, slash) : "/";
}

/** Last component of a path other than "/". */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** `parent`'s child named `name`. */
export function childPath(parent: string, name: string): string {
  return parent === "/" ? `/${name}` : `${parent}/${name}`;
}

/** True when `path` is `ancestor` or lies below it (everything lies below "/"). */
export function isAtOrBelow(path: string, ancestor: string): boolean {
  if (ancestor === "/") return true;
  if (!path.startsWith(ancestor)) return false;
  return path.length === ancestor.length || path[ancestor.length] === "/";
}

/** Shortens a guest-supplied string for an error message. */
export function clip(s: string): string {
  return s.length > 64 ? `${s.slice(0, 64)}...` : s;
}
