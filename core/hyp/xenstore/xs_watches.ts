/**
 * xenstore watches: each connection registers (path, token) pairs; a change at or below a
 * watched path queues an event (path, token) to the watcher, provided the watcher may read the
 * changed node (before and after a permission change). "@introduceDomain" / "@releaseDomain" fire
 * only on watches of exactly that name, for privileged watchers or those the special node's
 * permissions let read. Relative watches get relative event paths.
 *
 * @module
 */

import { homePath, isAtOrBelow, isSpecial } from "./xs_path.ts";
import { accessFor, XS_PERM_READ, type XsCaller, type XsPerm } from "./xs_perms.ts";
import type { XsStore } from "./xs_store.ts";

/** One registered watch. */
export interface XsWatch {
  /** Absolute (or special) watched path. */
  readonly path: string;
  /** The client's token, echoed in every event. */
  readonly token: string;
  /** Registered with a relative path: events carry paths relative to the home. */
  readonly relative: boolean;
}

/** A change that may fire watches. */
export interface XsFire {
  /** The changed node. */
  readonly path: string;
  /** Only watches on exactly this path fire (children of a removed subtree, specials). */
  readonly exact: boolean;
  /** The node's permissions (before removal, after a change). */
  readonly perms: readonly XsPerm[];
  /** For SET_PERMS: the permissions before the change (the watcher must read both). */
  readonly oldPerms?: readonly XsPerm[];
}

/** A connection that holds watches. */
export interface XsWatcher extends XsCaller {
  /** Its watches, in registration order. */
  readonly watches: XsWatch[];
  /** Queues one event of watch `w` for the watcher. */
  deliver(path: string, token: string, w: XsWatch): void;
}

/** The path a watch event reports for `w` on a change of `path`. */
export function eventPath(watcher: XsCaller, w: XsWatch, path: string): string {
  if (!w.relative) return path;
  const home = homePath(watcher.domid);
  return path.startsWith(home) ? path.slice(home.length).replace(/^\//, "") : path;
}

/** Delivers `fire` to every matching watch of `watchers`. */
export function fireWatches(watchers: Iterable<XsWatcher>, store: XsStore, fire: XsFire): void {
  const special = isSpecial(fire.path);
  for (const who of watchers) {
    if (!mayWatch(who, store, fire, special)) continue;
    for (const w of who.watches) {
      const hit = special || fire.exact ? w.path === fire.path : isAtOrBelow(fire.path, w.path);
      if (hit) who.deliver(eventPath(who, w, fire.path), w.token, w);
    }
  }
}

function mayWatch(who: XsWatcher, store: XsStore, fire: XsFire, special: boolean): boolean {
  const perms = special ? store.get(fire.path)?.perms : fire.perms;
  if (perms === undefined) return who.privileged;
  if ((accessFor(who, perms) & XS_PERM_READ) === 0) return false;
  return fire.oldPerms === undefined || (accessFor(who, fire.oldPerms) & XS_PERM_READ) !== 0;
}
