/** REPL view of xenstore: the tree (or a subtree) and the registered watches. */
import type { Xenstored } from "../core/hyp/xenstore/xenstored.ts";
import { formatTable } from "./table.ts";

/** The tree under `path` (default: everything). */
export function formatXenstore(xs: Xenstored, path?: string): string {
  return xs.tree(path);
}

/** Every watch: who registered it, the path and the token. */
export function formatWatches(xs: Xenstored): string {
  return formatTable(
    ["Domain", "Path", "Token"],
    xs.watches().map((w) => [w.domid === 0 ? "0 (host)" : String(w.domid), w.path, w.token]),
    "xenstore watches:",
  );
}
