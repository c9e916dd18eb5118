/**
 * The xenstore database as plain data: a map from absolute path to node (value bytes,
 * permissions, ordered child names, generation). Every change gives the node a fresh generation
 * number; transactions compare generations to detect conflicts. Special "@..." nodes live here
 * too (they only carry permissions).
 *
 * @module
 */

import { copyPerms, type XsPerm } from "./xs_perms.ts";
import type { XsStoreState } from "./xs_state.ts";

/** One node. Nodes are replaced, never mutated in place, so views can share them. */
export interface XsNode {
  /** The value (binary; usually ASCII without a NUL). */
  readonly value: Uint8Array;
  /** Permissions; the first entry is owner + default. */
  readonly perms: readonly XsPerm[];
  /** Child names in creation order. */
  readonly children: readonly string[];
  /** Generation of the last change (store-wide counter). */
  readonly gen: number;
}

/** Read/write access to nodes: the store itself or a transaction's private view of it. */
export interface XsView {
  /** The node at `path`, if any. */
  get(path: string): XsNode | undefined;
  /** Stores `node` at `path` (its generation is assigned by the view). */
  put(path: string, node: Omit<XsNode, "gen">): void;
  /** Removes the node at `path` (not its children). */
  del(path: string): void;
}

/** The generation a missing node is recorded with. */
export const NO_GENERATION = -1;

/** The global store. */
export class XsStore implements XsView {
  #nodes = new Map<string, XsNode>();
  #gen = 0;

  /** A store holding what xenstored starts with: "/", "/tool/xenstored" and the specials. */
  constructor() {
    const perms = [{ id: 0, perm: "n" as const }];
    const none = new Uint8Array(0);
    this.put("/", { value: none, perms, children: ["tool"] });
    this.put("/tool", { value: none, perms, children: ["xenstored"] });
    this.put("/tool/xenstored", { value: none, perms, children: [] });
    this.put("@releaseDomain", { value: none, perms, children: [] });
    this.put("@introduceDomain", { value: none, perms, children: [] });
  }

  /** The node at `path`, if any. */
  get(path: string): XsNode | undefined {
    return this.#nodes.get(path);
  }

  /** Stores `node` at `path` with a new generation. */
  put(path: string, node: Omit<XsNode, "gen">): void {
    this.#nodes.set(path, { ...node, gen: ++this.#gen });
  }

  /** Removes the node at `path`. */
  del(path: string): void {
    this.#nodes.delete(path);
  }

  /** Generation of `path`, NO_GENERATION when absent. */
  genOf(path: string): number {
    return this.#nodes.get(path)?.gen ?? NO_GENERATION;
  }

  /** Every node as plain data (values and lists copied). */
  save(): XsStoreState {
    const nodes = [...this.#nodes].map(([path, n]) => ({
      path,
      value: n.value.slice(),
      perms: copyPerms(n.perms),
      children: [...n.children],
      gen: n.gen,
    }));
    return { gen: this.#gen, nodes };
  }

  /** Replaces every node with those of `s` (checked by checkStoreState). */
  load(s: XsStoreState): void {
    this.#nodes = new Map(
      s.nodes.map((n) => [n.path, {
        value: n.value.slice(),
        perms: copyPerms(n.perms),
        children: [...n.children],
        gen: n.gen,
      }]),
    );
    this.#gen = s.gen;
  }
}
