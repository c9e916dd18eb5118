/**
 * Output helpers shared by the scenario scripts (scripts/scenario_*.ts): aligned text tables for
 * the readable report and the one machine-checkable summary line each script ends with.
 */

/**
 * Formats `rows` under `head` as aligned columns joined by `sep`: a column of numbers is
 * right-aligned ("-" stands for a blank in it), any other left-aligned.
 */
export function table(head: string[], rows: (string | number)[][], sep = "  "): string {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const width = head.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? "").length)));
  const numeric = head.map((_, c) =>
    rows.some((r) => typeof r[c] === "number") &&
    rows.every((r) => typeof r[c] === "number" || r[c] === "-")
  );
  const line = (r: string[]) =>
    r.map((s, c) => (numeric[c] ? s.padStart(width[c]) : s.padEnd(width[c]))).join(sep)
      .trimEnd();
  return [line(head), line(width.map((w) => "-".repeat(w))), ...cells.slice(1).map(line)]
    .join("\n");
}

/** The summary line `hvlab-scenario <name> k=v ...` (values must not contain spaces). */
export function summaryLine(
  name: string,
  values: Record<string, string | number | boolean>,
): string {
  const kv = Object.entries(values).map(([k, v]) => {
    const s = String(v);
    if (/\s/.test(s) || s === "") {
      throw new Error(`summary value ${k}="${s}" has spaces or is empty`);
    }
    return `${k}=${s}`;
  });
  return ["hvlab-scenario", name, ...kv].join(" ");
}

/** Parses a summary line of scenario `name` out of `stdout` (the last one), or undefined. */
export function parseSummary(stdout: string, name: string): Record<string, string> | undefined {
  const line = stdout.split("\n").reverse().find((l) => l.startsWith(`hvlab-scenario ${name} `));
  if (line === undefined) return undefined;
  return Object.fromEntries(
    line.split(" ").slice(2).map((kv) => {
      const i = kv.indexOf("=");
      return [kv.slice(0, i), kv.slice(i + 1)];
    }),
  );
}

/** Seconds with 3 decimals, from a performance.now() difference in ms. */
export function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}
