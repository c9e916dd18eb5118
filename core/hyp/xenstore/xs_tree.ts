/**
 * A printable listing of the store for the REPL, in the style of `xenstore-ls -p`: one line per
 * node, indented by depth, with its value (non-printable bytes escaped) and permissions.
 *
 * @module
 */

import { baseName, childPath } from "./xs_path.ts";
import { permToString } from "./xs_perms.ts";
import type { XsStore } from "./xs_store.ts";

/** The listing of `path` and everything below it ("" when it does not exist). */
export function formatTree(store: XsStore, path: string): string {
  const lines: string[] = [];
  const walk = (p: string, depth: number) => {
    const n = store.get(p);
    if (n === undefined) return;
    const name = depth === 0 ? p : baseName(p);
    const perms = n.perms.map(permToString).join(",");
    lines.push(`${" ".repeat(depth)}${name} = "${escape(n.value)}"  (${perms})`);
    for (const c of n.children) walk(childPath(p, c), depth + 1);
  };
  walk(path, 0);
  return lines.join("\n");
}

function escape(v: Uint8Array): string {
  let s = "";
  for (const b of v) {
    if (b === 0x22 || b === 0x5c) s += `\\${String.fromCharCode(b)}`;
    else if (b >= 0x20 && b < 0x7f) s += String.fromCharCode(b);
    else s += `\\x${b.toString(16).padStart(2, "0")}`;
  }
  return s;
}
