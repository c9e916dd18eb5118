/**
 * Fails when a module imports from a higher layer (ARCHITECTURE.md: imports only go downwards).
 * Layers, lowest first: core/mem, core/time, core/snapshot, core/fdt < core/cpu < core/devices < core/machine
 * < core/hyp < mod.ts < repl/, scripts/, tools/, tests/. Imports within one layer are allowed.
 *
 * Usage: deno run --allow-read scripts/check_layering.ts
 */
const RANKS: [string, number][] = [
  ["core/mem/", 0],
  ["core/time/", 0],
  ["core/snapshot/", 0],
  ["core/fdt/", 0],
  ["core/cpu/", 1],
  ["core/devices/", 2],
  ["core/machine/", 3],
  ["core/hyp/", 4],
  ["mod.ts", 5],
  ["repl/", 6],
  ["scripts/", 6],
  ["tools/", 6],
  ["tests/", 6],
];

function rankOf(path: string): number | undefined {
  for (const [prefix, rank] of RANKS) if (path === prefix || path.startsWith(prefix)) return rank;
  return undefined;
}

async function* walk(dir: string): AsyncGenerator<string> {
  for await (const e of Deno.readDir(dir)) {
    const p = dir === "." ? e.name : `${dir}/${e.name}`;
    if (
      e.isDirectory && !e.name.startsWith(".") && e.name !== "node_modules" && e.name !== "build"
    ) yield* walk(p);
    else if (e.isFile && p.endsWith(".ts")) yield p;
  }
}

function normalize(from: string, spec: string): string {
  const parts = from.split("/").slice(0, -1);
  for (const seg of spec.split("/")) {
    if (seg === "..") parts.pop();
    else if (seg !== ".") parts.push(seg);
  }
  return parts.join("/");
}

const violations: string[] = [];
for await (const file of walk(".")) {
  const own = rankOf(file);
  if (own === undefined) continue;
  const text = await Deno.readTextFile(file);
  for (
    const m of text.matchAll(
      /(?:import|export)[^"';]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g,
    )
  ) {
    const spec = m[1] ?? m[2];
    if (!spec.startsWith(".")) continue;
    const target = normalize(file, spec);
    const r = rankOf(target);
    if (r !== undefined && r > own) {
      violations.push(`${file} imports ${target} (layer ${r} > ${own})`);
    }
  }
}
if (violations.length > 0) {
  console.error(`layering: ${violations.length} upward import(s):\n  ${violations.join("\n  ")}`);
  Deno.exit(1);
}
console.log("layering: ok");
