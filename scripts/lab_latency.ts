/**
 * `deno task lab:latency`: the IRQ-latency lab (tools/lab/latency_lab.ts). Runs every
 * configuration — the published matrix (credit/credit2, WFI trapped/native, debug/non-debug) and
 * hvlab's own rows (a noisy neighbour, RTDS, ARINC 653, null) — with the tbm-like latency guest,
 * prints hvlab's table beside the published one and ends with the line
 * `hvlab-lab latency cells=<n> max_error=<largest |hvlab/published - 1| over AVG and WARM_MAX>`.
 * With --out DIR it also writes each configuration's latency histogram (SVG), a panel of the
 * published configurations, and each run's scheduling/interrupt/trap timeline as a
 * Chrome/Perfetto trace-event JSON file.
 *
 *   deno task lab:latency [--out DIR] [--only SUBSTRING]
 */
import { parseArgs } from "node:util";
import { compileGuest } from "./build_guests.ts";
import {
  LATENCY_CONFIGS,
  latencyGuestFlags,
  type LatencyResult,
  latencyTable,
  runLatencyConfig,
  summary,
} from "../tools/lab/latency_lab.ts";
import { latencyHistogramSvg, latencyPanelSvg } from "../tools/trace/latency_svg.ts";
import { writeTraceFile } from "../tools/trace/trace_events.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { out: { type: "string" }, only: { type: "string" } },
});
const out = values.out;
const configs = LATENCY_CONFIGS.filter((c) =>
  values.only === undefined || c.label.includes(values.only)
);
if (configs.length === 0) {
  console.error(`lab:latency: no configuration matches "${values.only}"`);
  Deno.exit(2);
}

/** The latency guest built for `runs` interrupts (once per count). */
const elfs = new Map<number, Uint8Array>();
async function latencyElf(runs: number): Promise<Uint8Array> {
  let elf = elfs.get(runs);
  if (elf === undefined) {
    const path = await compileGuest({
      name: `latency_lab_${runs}`,
      sources: ["latency.c", "latency_vectors.S"],
      cflags: latencyGuestFlags(runs),
    });
    elf = await Deno.readFile(path);
    elfs.set(runs, elf);
  }
  return elf;
}
if (out !== undefined) await Deno.mkdir(out, { recursive: true });

const results: LatencyResult[] = [];
for (const [i, c] of configs.entries()) {
  const elf = await latencyElf(c.runs ?? 1000);
  const r = runLatencyConfig(c, elf, { timeline: out !== undefined });
  results.push(r);
  if (out === undefined) continue;
  const slug = `${String(i + 1).padStart(2, "0")}_${c.label.replace(/[^a-z0-9]+/gi, "_")}`;
  const stats = {
    avgNs: r.figures.avg,
    minNs: r.figures.min,
    maxNs: r.figures.max,
    warmMaxNs: r.figures.warmMax,
  };
  await Deno.writeTextFile(
    `${out}/${slug}.svg`,
    latencyHistogramSvg({ title: c.label, samplesNs: r.samplesNs, stats }),
  );
  await writeTraceFile(`${out}/${slug}.trace.json`, r.timeline ?? [], { domainNames: r.names });
}

console.log("IRQ latency, timer deadline to guest handler, ns (hvlab beside Stabellini 2017):");
console.log(latencyTable(results));
if (out !== undefined) {
  const published = results.filter((r) => r.config.published !== undefined);
  if (published.length > 0) {
    await Deno.writeTextFile(
      `${out}/published_configurations.svg`,
      latencyPanelSvg(
        published.map((r) => ({
          title: r.config.label,
          samplesNs: r.samplesNs,
          stats: { avgNs: r.figures.avg, warmMaxNs: r.figures.warmMax, maxNs: r.figures.max },
        })),
        { title: "hvlab IRQ latency, published configurations" },
      ),
    );
  }
  console.log(`histograms (SVG) and traces (trace-event JSON) in ${out}/`);
}
const s = summary(results);
console.log(`hvlab-lab latency cells=${s.cells} max_error=${s.maxError.toFixed(3)}`);
