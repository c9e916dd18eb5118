/**
 * Persistent REPL history (node:repl's setupHistory is not available in Deno): the file holds one
 * entry per line, oldest first; it is loaded into readline's history at start and each accepted
 * line is appended. Location: $HVLAB_HISTORY, else $HOME/.hvlab_history.
 */
import type { REPLServer } from "node:repl";

/** Entries kept. */
const MAX_ENTRIES = 1000;

/** The history file path, or null when neither $HVLAB_HISTORY nor $HOME is set. */
export function historyPath(): string | null {
  const env = Deno.env.get("HVLAB_HISTORY");
  if (env) return env;
  const home = Deno.env.get("HOME");
  return home ? `${home}/.hvlab_history` : null;
}

/** Loads `path` into `server`'s history and appends every new line to it. */
export function setupHistory(server: REPLServer, path: string): void {
  let entries: string[] = [];
  try {
    entries = Deno.readTextFileSync(path).split("\n").filter((l) => l.trim().length > 0);
  } catch {
    // No history yet.
  }
  entries = entries.slice(-MAX_ENTRIES);
  const h = (server as unknown as { history: string[] }).history;
  if (Array.isArray(h)) h.splice(0, h.length, ...entries.slice().reverse());
  server.on("line", (line: string) => {
    const l = line.trim();
    if (l.length === 0 || l.includes("\n")) return;
    entries.push(l);
    try {
      if (entries.length > 2 * MAX_ENTRIES) {
        entries = entries.slice(-MAX_ENTRIES);
        Deno.writeTextFileSync(path, entries.join("\n") + "\n");
      } else Deno.writeTextFileSync(path, l + "\n", { append: true });
    } catch {
      // An unwritable history file only loses history.
    }
  });
}
