/**
 * Random-instruction differential test of hvlab against qemu-aarch64.
 *
 *   deno task difftest [--count N] [--seed S] [--class CLS] [--batch B] [--cpu MODEL] [--reports R]
 *                      [--first-batch K] [--workers W]
 *
 * Batches are generated (and run on hvlab) by W worker threads (default 2; 0 = main thread) while
 * qemu-aarch64 runs earlier batches.
 *
 * A mismatch report names its seed, batch and case; the same options plus `--first-batch K`
 * re-run just that batch (with the same decode table). CLS "unallocated" tests words hvlab does not
 * decode (QEMU must find them UNDEFINED too).
 * Prints per-class test and mismatch counts and up to R mismatch reports (seed, encoding, hvlab's
 * and objdump's disassembly, initial registers, differing fields). Exit status 1 on a mismatch.
 */
import { formatMismatch, runDifftest } from "../tools/difftest/difftest.ts";

function parseArgs(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i]);
    if (!m) throw new Error(`difftest: unexpected argument ${argv[i]}`);
    out[m[1]] = m[2] ?? argv[++i] ?? "";
  }
  return out;
}

const a = parseArgs(Deno.args);
const known = ["count", "seed", "class", "batch", "cpu", "reports", "first-batch", "workers"];
for (const k of Object.keys(a)) {
  if (!known.includes(k)) throw new Error(`difftest: unknown option --${k} (known: ${known})`);
}
const count = Number(a.count ?? 10000);
const seed = Number(a.seed ?? 1);
if (!Number.isInteger(count) || count <= 0) throw new Error(`difftest: bad --count ${a.count}`);
if (!Number.isInteger(seed)) throw new Error(`difftest: bad --seed ${a.seed}`);
const t0 = performance.now();
const res = await runDifftest({
  count,
  seed,
  cls: a.class,
  batchSize: a.batch ? Number(a.batch) : undefined,
  qemuCpu: a.cpu,
  maxReports: a.reports ? Number(a.reports) : 20,
  firstBatch: a["first-batch"] ? Number(a["first-batch"]) : undefined,
  workers: a.workers ? Number(a.workers) : 2,
  progress: (done, total) => {
    const tty = Deno.stderr.isTerminal();
    const line = `${tty ? "\r" : ""}${done}/${total} cases, ${
      ((performance.now() - t0) / 1000).toFixed(0)
    } s${tty ? "" : "\n"}`;
    Deno.stderr.writeSync(new TextEncoder().encode(line));
  },
});
const secs = (performance.now() - t0) / 1000;
for (const m of res.mismatches) console.log(formatMismatch(m, seed).join("\n"));
const ran = [...res.perClass.values()].reduce((n, c) => n + c.tests, 0);
console.log(`\n${ran} cases over ${res.rows} rows, seed ${seed}, ${secs.toFixed(1)} s`);
console.log("class".padEnd(16) + "tests".padStart(10) + "mismatches".padStart(12));
for (const [cls, c] of [...res.perClass].sort()) {
  console.log(cls.padEnd(16) + String(c.tests).padStart(10) + String(c.mismatches).padStart(12));
}
if (res.perRowMismatches.size > 0) {
  console.log(
    "mismatches by row: " + [...res.perRowMismatches].map(([r, n]) => `${r} ${n}`).join(", "),
  );
}
console.log(
  `disassembly: ${res.disasmChecked} encodings compared with objdump, ` +
    `${[...res.disasmDiffs.values()].reduce((n, d) => n + d.count, 0)} differ`,
);
for (const [row, d] of res.disasmDiffs) {
  console.log(
    `  ${row} x${d.count}: 0x${(d.word >>> 0).toString(16).padStart(8, "0")} hvlab "${d.hvlab}"` +
      ` objdump "${d.objdump}"`,
  );
}
if (res.absentFeatures.size > 0) {
  console.log(
    "UNDEFINED in hvlab, executed by QEMU's CPU model, feature declared absent (fine): " +
      [...res.absentFeatures].map(([f, n]) => `${f} ${n}`).join(", "),
  );
}
if (res.skipped.size > 0) {
  console.log(
    "skipped while generating: " + [...res.skipped].map(([r, n]) => `${r} ${n}`).join(", "),
  );
}
Deno.exit(res.mismatchCount > 0 ? 1 : 0);
