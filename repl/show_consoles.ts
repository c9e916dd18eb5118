/** REPL views of domain consoles: a summary of every console and the tail of one. */
import type { Hypervisor } from "../core/hyp/hypervisor.ts";
import { formatTable } from "./table.ts";

/** One row per console: domain, bytes written, input waiting, the last line. */
export function formatConsoles(hv: Hypervisor): string {
  return formatTable(
    ["Domain", "Name", "Bytes", "Input queued", "Last line"],
    [...hv.consoles.entries()].map(([id, c]) => {
      const lines = c.text.split("\n").filter((l) => l.length > 0);
      return [
        id,
        hv.domains.get(id)?.name ?? "(gone)",
        c.text.length,
        c.pendingInput,
        (lines[lines.length - 1] ?? "").slice(0, 60),
      ];
    }),
  );
}

/** The last `n` lines of `text`, with a note of how many were left out. */
export function tailLines(text: string, n: number): string {
  const lines = text.replace(/\n$/, "").split("\n");
  if (text.length === 0) return "(no output)";
  if (lines.length <= n) return lines.join("\n");
  return `... ${lines.length - n} earlier lines\n` + lines.slice(-n).join("\n");
}
