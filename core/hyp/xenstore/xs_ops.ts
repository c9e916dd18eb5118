/**
 * The xenstore node operations with xenstored's permission and error rules, on any view (the
 * store or a transaction). A caller that may not see a node gets EACCES; a missing node is
 * ENOENT only if the caller may access the nearest existing ancestor in the same way, else
 * EACCES (so existence does not leak). Writing a missing node creates it and its missing parents,
 * each inheriting its parent's permissions, owned by the creator when unprivileged.
 *
 * @module
 */

import { XEN_EACCES, XEN_EINVAL, XEN_ENOENT, XEN_EPERM } from "../abi/errno.ts";
import { XenError } from "../xen_error.ts";
import { baseName, childPath, clip, isSpecial, parentOf } from "./xs_path.ts";
import {
  accessFor,
  copyPerms,
  XS_PERM_OWNER,
  XS_PERM_READ,
  XS_PERM_WRITE,
  type XsCaller,
  type XsPerm,
} from "./xs_perms.ts";
import type { XsNode, XsView } from "./xs_store.ts";
import type { XsFire } from "./xs_watches.ts";

/** What an operation runs with. */
export interface XsOpContext {
  /** Who is asking. */
  readonly caller: XsCaller;
  /** Where nodes are read and written. */
  readonly view: XsView;
  /** Receives each change that may fire watches. */
  readonly fire: (f: XsFire) => void;
}

const EMPTY = new Uint8Array(0);

/**
 * The node at canonical `path` if the caller has all of `need`; otherwise throws EACCES or
 * ENOENT as xenstored decides them.
 */
export function getNode(ctx: XsOpContext, path: string, need: number): XsNode {
  const node = ctx.view.get(path);
  let errno = XEN_ENOENT;
  if (node !== undefined) {
    if ((accessFor(ctx.caller, node.perms) & need) === need) return node;
    errno = XEN_EACCES;
  }
  if ((ancestorAccess(ctx, path) & need) === 0) errno = XEN_EACCES;
  throw new XenError(errno, `xenstore ${clip(path)}`);
}

/** The caller's access to the nearest existing proper ancestor of `path`. */
function ancestorAccess(ctx: XsOpContext, path: string): number {
  for (let p = parentOf(path); p !== undefined; p = parentOf(p)) {
    const n = ctx.view.get(p);
    if (n !== undefined) return accessFor(ctx.caller, n.perms);
  }
  return 0;
}

/** XS_READ. */
export function opRead(ctx: XsOpContext, path: string): Uint8Array {
  return getNode(ctx, path, XS_PERM_READ).value;
}

/** XS_DIRECTORY: the child names. */
export function opDirectory(ctx: XsOpContext, path: string): readonly string[] {
  return getNode(ctx, path, XS_PERM_READ).children;
}

/** XS_GET_PERMS. */
export function opGetPerms(ctx: XsOpContext, path: string): readonly XsPerm[] {
  return getNode(ctx, path, XS_PERM_READ).perms;
}

/** XS_WRITE: sets the value, creating the node (and parents) if needed. */
export function opWrite(ctx: XsOpContext, path: string, value: Uint8Array): void {
  const node = existingOrMissing(ctx, path);
  if (node === undefined) {
    create(ctx, path, value);
  } else {
    ctx.view.put(path, { value: value.slice(), perms: node.perms, children: node.children });
    ctx.fire({ path, exact: false, perms: node.perms });
  }
}

/** XS_MKDIR: creates an empty node unless it exists. */
export function opMkdir(ctx: XsOpContext, path: string): void {
  if (existingOrMissing(ctx, path) === undefined) create(ctx, path, EMPTY);
}

/** The writable node at `path`, or undefined when it is missing and may be created. */
function existingOrMissing(ctx: XsOpContext, path: string): XsNode | undefined {
  if (isSpecial(path)) throw new XenError(XEN_EINVAL, `xenstore ${clip(path)} is special`);
  try {
    return getNode(ctx, path, XS_PERM_WRITE);
  } catch (e) {
    if (e instanceof XenError && e.errno === XEN_ENOENT) return undefined;
    throw e;
  }
}

/** Creates `path` and its missing ancestors; fires one event for `path`. */
function create(ctx: XsOpContext, path: string, value: Uint8Array): void {
  const missing: string[] = [];
  let parentPath = path;
  let parent: XsNode | undefined;
  while (parent === undefined) {
    missing.push(parentPath);
    parentPath = parentOf(parentPath) ?? "/";
    parent = ctx.view.get(parentPath);
  }
  for (let i = missing.length - 1; i >= 0; i--) {
    const name = missing[i];
    const perms = copyPerms(parent.perms);
    if (!ctx.caller.privileged) perms[0].id = ctx.caller.domid;
    ctx.view.put(parentPath, { ...parent, children: [...parent.children, baseName(name)] });
    const node = { value: i === 0 ? value.slice() : EMPTY, perms, children: [] };
    ctx.view.put(name, node);
    parentPath = name;
    parent = { ...node, gen: 0 };
  }
  ctx.fire({ path, exact: false, perms: parent.perms });
}

/** XS_RM: removes a node and everything below it; a missing node with a parent is fine. */
export function opRm(ctx: XsOpContext, path: string): void {
  if (isSpecial(path)) throw new XenError(XEN_EINVAL, `xenstore ${clip(path)} is special`);
  let node: XsNode;
  try {
    node = getNode(ctx, path, XS_PERM_WRITE);
  } catch (e) {
    if (!(e instanceof XenError) || e.errno !== XEN_ENOENT) throw e;
    if (ctx.view.get(parentOf(path) ?? "/") !== undefined) return;
    throw e;
  }
  const parentPath = parentOf(path);
  if (parentPath === undefined) throw new XenError(XEN_EINVAL, "xenstore: cannot remove /");
  removeTree(ctx, path, node, true);
  const parent = ctx.view.get(parentPath);
  if (parent !== undefined) {
    const name = baseName(path);
    ctx.view.put(parentPath, { ...parent, children: parent.children.filter((c) => c !== name) });
  }
}

/** Removes children first, firing watches on each node while its permissions are known. */
function removeTree(ctx: XsOpContext, path: string, node: XsNode, root: boolean): void {
  for (const c of node.children) {
    const cp = childPath(path, c);
    const child = ctx.view.get(cp);
    if (child !== undefined) removeTree(ctx, cp, child, false);
  }
  ctx.view.del(path);
  ctx.fire({ path, exact: !root, perms: node.perms });
}

/** XS_SET_PERMS: only the owner (or a privileged caller) may; unprivileged may not give away. */
export function opSetPerms(ctx: XsOpContext, path: string, perms: readonly XsPerm[]): void {
  if (perms.length === 0) throw new XenError(XEN_EINVAL, "xenstore: empty permission list");
  const node = getNode(ctx, path, XS_PERM_WRITE | XS_PERM_OWNER);
  if (!ctx.caller.privileged && perms[0].id !== node.perms[0].id) {
    throw new XenError(XEN_EPERM, `xenstore ${clip(path)}: may not change the owner`);
  }
  const next = copyPerms(perms);
  ctx.view.put(path, { ...node, perms: next });
  ctx.fire({ path, exact: false, perms: next, oldPerms: node.perms });
}
