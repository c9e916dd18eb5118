/**
 * The IRQ-latency lab: the published Xen on ARM measurement (tools/lab/published_latency.ts)
 * rebuilt in hvlab. A ZynqMP-like machine (4 pCPUs, Cortex-A53 at 1.2 GHz, system counter at
 * 100 MHz), a dom0-like domain with 1 vcpu pinned to pCPU 0 running the REPL's ticking guest, and
 * the latency guest (guests/latency.c, a tbm-like bare-metal domU) with 1 vcpu pinned to pCPU 2;
 * optionally a CPU-bound neighbour pinned to pCPU 2 as well. Each configuration picks the
 * scheduler, vwfi and a debug or non-debug build; the figures are what the guest itself measures
 * with the counter, from its timer's deadline to its handler, so they come out of the cost model
 * and the scheduler, not out of this file. The real-time rows put pCPUs 2-3 in a cpupool of their
 * own under the row's scheduler, with the test domain and its neighbour; dom0 stays in Pool-0.
 */
import { buildDomain, type BuiltDomain } from "../../core/hyp/builder/domain_builder.ts";
import type { DomainConfig } from "../../core/hyp/builder/domain_config.ts";
import { probeGuestKernel } from "../../core/hyp/builder/guest_image.ts";
import { Hypervisor } from "../../core/hyp/hypervisor.ts";
import type { SchedulerName } from "../../core/hyp/sched/scheduler.ts";
import type { TimelineEvent } from "../../core/hyp/timeline.ts";
import { parseElf } from "../../core/machine/elf.ts";
import { DOMU_GUEST_IMAGE } from "../../repl/domu_guest.ts";
import { labConfig } from "./hyp_lab.ts";
import { table } from "../scenario/report.ts";
import { type LatencyFigures, PUBLISHED_LATENCY } from "./published_latency.ts";

/** The machine of the published figures. */
export const LAB_PCPUS = 4;
/** pCPU of the dom0-like domain. */
export const DOM0_PCPU = 0;
/** pCPU of the test domain (and of the neighbour). */
export const TEST_PCPU = 2;
/** The ZynqMP's system counter frequency (timestamps in the published table are 10 ns steps). */
export const LAB_COUNTER_HZ = 100_000_000;
/** `b .`: a vcpu that never stops computing. */
const SPIN_KERNEL = new Uint8Array(new Uint32Array([0x14000000]).buffer);

/** The domains of one lab run. */
export interface LabDomains {
  dom0: BuiltDomain;
  test: BuiltDomain;
  neighbour: BuiltDomain | null;
}

/** One row of the matrix. */
export interface LatencyConfig {
  label: string;
  scheduler: SchedulerName;
  vwfi: "trap" | "native";
  xenDebug: boolean;
  /** A CPU-bound domain pinned to the test domain's pCPU. */
  neighbour: boolean;
  /** Run the test domain (and neighbour) in a cpupool of pCPUs 2-3 under `scheduler`. */
  pool?: boolean;
  /**
   * Timer interrupts to measure (the guest's RUNS; default 1000, WARMUP a tenth). Rows where a
   * neighbour holds the pCPU for milliseconds per interrupt take fewer.
   */
  runs?: number;
  /** Scheduler parameters set once the domains exist (RTDS budgets, the ARINC 653 frame). */
  tune?: (hv: Hypervisor, doms: LabDomains) => void;
  /** The published figures of this configuration, if any. */
  published?: LatencyFigures;
}

/** What one configuration measured. */
export interface LatencyResult {
  config: LatencyConfig;
  figures: LatencyFigures;
  /** Every run's latency as the guest stored it, ns. */
  samplesNs: number[];
  /** The timeline, when asked for. */
  timeline: readonly TimelineEvent[] | null;
  /** The domain names by id (for trace export). */
  names: Map<number, string>;
}

function label(s: string, w: string, d: boolean, extra = ""): string {
  return `${d ? "debug" : "non-debug"}, ${s}, ${
    w === "trap" ? "WFI trapped" : "no WFI trap"
  }${extra}`;
}

/** The published configurations, in their order. */
export const PUBLISHED_CONFIGS: readonly LatencyConfig[] = PUBLISHED_LATENCY.map((p) => ({
  label: label(p.scheduler, p.vwfi, p.xenDebug),
  scheduler: p.scheduler,
  vwfi: p.vwfi,
  xenDebug: p.xenDebug,
  neighbour: false,
  published: p.figures,
}));

/** hvlab's own rows: a noisy neighbour on the test pCPU, and the real-time schedulers. */
export const EXTRA_CONFIGS: readonly LatencyConfig[] = [
  {
    label: label("credit", "trap", false, ", noisy neighbour"),
    scheduler: "credit",
    vwfi: "trap",
    xenDebug: false,
    neighbour: true,
    runs: 100,
  },
  {
    label: label("credit2", "trap", false, ", noisy neighbour"),
    scheduler: "credit2",
    vwfi: "trap",
    xenDebug: false,
    neighbour: true,
    runs: 50,
  },
  {
    label: label("rtds", "trap", false, ", noisy neighbour (test 50/100 us)"),
    scheduler: "rtds",
    vwfi: "trap",
    xenDebug: false,
    neighbour: true,
    pool: true,
    tune: (hv, d) =>
      hv.schedulerOfDomain(d.test.domain.id).setParams(d.test.domain.id, {
        periodUs: 100,
        budgetUs: 50,
      }),
  },
  {
    label: label("arinc653", "trap", false, ", neighbour in its own 500 us window"),
    scheduler: "arinc653",
    vwfi: "trap",
    xenDebug: false,
    neighbour: true,
    pool: true,
    tune: (hv, d) => arinc653Frame(hv, d),
  },
  {
    label: label("null", "native", false, ", dedicated pCPU"),
    scheduler: "null",
    vwfi: "native",
    xenDebug: false,
    neighbour: false,
    pool: true,
  },
];

/** Every configuration the lab runs. */
export const LATENCY_CONFIGS: readonly LatencyConfig[] = [...PUBLISHED_CONFIGS, ...EXTRA_CONFIGS];

/** ARINC 653: a 1 ms major frame, the test domain in one window, the neighbour in the other. */
function arinc653Frame(hv: Hypervisor, d: LabDomains): void {
  hv.setArinc653Schedule(hv.pools.poolOfDomain(d.test.domain.id), {
    majorFrameNs: 1_000_000,
    entries: [
      { domid: d.test.domain.id, vcpu: 0, runtimeNs: 500_000 },
      { domid: d.neighbour!.domain.id, vcpu: 0, runtimeNs: 500_000 },
    ],
  });
}

function pinned(cfg: DomainConfig, pcpu: number): DomainConfig {
  return { ...cfg, cpus: [{ all: false, cpus: [pcpu] }] };
}

/** The latency guest's build flags for `runs` interrupts (a tenth of them warm-up). */
export function latencyGuestFlags(runs: number): string[] {
  return [`-DRUNS=${runs}`, `-DWARMUP=${Math.floor(runs / 10)}`];
}

/**
 * Runs one configuration with the latency guest `elf` (guests/latency.c built with the cross
 * compiler and latencyGuestFlags(config.runs ?? 1000)) until the test domain powers off; throws
 * if its output is not the expected one.
 */
export function runLatencyConfig(
  config: LatencyConfig,
  elf: Uint8Array,
  opts: { timeline?: boolean; maxVirtualS?: number } = {},
): LatencyResult {
  const hv = new Hypervisor({
    pcpus: LAB_PCPUS,
    vwfi: config.vwfi,
    xenDebug: config.xenDebug,
    scheduler: config.pool ? "credit2" : config.scheduler,
    counterHz: LAB_COUNTER_HZ,
  });
  let pool: number | null = null;
  if (config.pool) {
    pool = hv.createPool("rt", config.scheduler);
    for (let p = TEST_PCPU; p < LAB_PCPUS; p++) hv.movePcpu(p, pool);
  }
  hv.timeline.enabled = opts.timeline ?? false;
  const dom0Cfg = { ...labConfig("dom0"), kernel: "domu_lab.Image", kernelFormat: "auto" as const };
  const dom0 = buildDomain(hv, pinned(dom0Cfg, DOM0_PCPU), {
    kernel: probeGuestKernel(dom0Cfg.kernel, DOMU_GUEST_IMAGE, "auto"),
  });
  const testCfg = {
    ...labConfig("latency"),
    kernel: "latency.elf",
    kernelFormat: "auto" as const,
    vuart: "sbsa_uart" as const,
  };
  const test = buildDomain(hv, pinned(testCfg, TEST_PCPU), {
    kernel: probeGuestKernel(testCfg.kernel, elf, "auto"),
  });
  const neighbour = config.neighbour
    ? buildDomain(hv, pinned(labConfig("neighbour"), TEST_PCPU), {
      kernel: probeGuestKernel("neighbour.bin", SPIN_KERNEL, "raw"),
    })
    : null;
  const doms = { dom0, test, neighbour };
  if (pool !== null) {
    hv.moveDomain(test.domain, pool);
    if (neighbour !== null) hv.moveDomain(neighbour.domain, pool);
  }
  config.tune?.(hv, doms);
  const limit = hv.nsToCycles((opts.maxVirtualS ?? 10) * 1e9);
  const r = hv.run({ maxCycles: limit, until: () => !test.domain.alive });
  const text = hv.console(test.domain.id).text;
  if (r.reason !== "until" || test.domain.shutdownReason !== "poweroff") {
    throw new Error(`${config.label}: the latency guest did not finish (${r.reason}):\n${text}`);
  }
  const runs = Number(/^latency guest: runs=(\d+) /m.exec(text)?.[1]);
  const irqs = Number(/^irqs=(\d+) spurious=0 other=0 early=0$/m.exec(text)?.[1]);
  const m = /^AVG=(\d+) MIN=(\d+) MAX=(\d+) WARM_MAX=(\d+)$/m.exec(text);
  if (runs !== (config.runs ?? 1000) || irqs !== runs || m === null) {
    throw new Error(`${config.label}: unexpected latency guest output:\n${text}`);
  }
  const [avg, min, max, warmMax] = m.slice(1).map(Number);
  const names = new Map([...hv.domains.values()].map((d) => [d.id, d.name]));
  return {
    config,
    figures: { avg, min, max, warmMax },
    samplesNs: readSamples(test, elf, runs),
    timeline: hv.timeline.enabled ? hv.timeline.events : null,
    names,
  };
}

/** The guest's `latency_samples_ns[runs]`, read from its memory (the guest runs with VA = IPA). */
function readSamples(test: BuiltDomain, elf: Uint8Array, runs: number): number[] {
  const at = parseElf(elf).symbols.get("latency_samples_ns");
  if (at === undefined) throw new Error("latency guest: no latency_samples_ns symbol");
  const bytes = test.domain.phys.read(Number(at), runs * 4);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: runs }, (_, i) => dv.getUint32(i * 4, true));
}

/** |hvlab / published - 1| of a cell. */
export function cellError(hvlab: number, published: number): number {
  return Math.abs(hvlab / published - 1);
}

/** The largest error over the AVG and WARM_MAX cells of rows with published figures. */
export function summary(results: readonly LatencyResult[]): { cells: number; maxError: number } {
  let cells = 0, maxError = 0;
  for (const r of results) {
    const p = r.config.published;
    if (p === undefined) continue;
    for (const k of ["avg", "warmMax"] as const) {
      cells++;
      maxError = Math.max(maxError, cellError(r.figures[k], p[k]));
    }
  }
  return { cells, maxError };
}

/** The table: hvlab's figures beside the published ones, ratio per AVG and WARM_MAX cell. */
export function latencyTable(results: readonly LatencyResult[]): string {
  const head = [
    "configuration",
    "AVG",
    "MIN",
    "MAX",
    "WARM_MAX",
    "pub AVG",
    "pub MIN",
    "pub MAX",
    "pub WARM_MAX",
    "AVG ratio",
    "WARM_MAX ratio",
  ];
  const rows = results.map((r) => {
    const f = r.figures, p = r.config.published;
    const pub = p === undefined ? ["-", "-", "-", "-"] : [p.avg, p.min, p.max, p.warmMax];
    const ratio = (a: number, b: number | undefined) => b === undefined ? "-" : (a / b).toFixed(3);
    return [
      r.config.label,
      f.avg,
      f.min,
      f.max,
      f.warmMax,
      ...pub,
      ratio(f.avg, p?.avg),
      ratio(f.warmMax, p?.warmMax),
    ];
  });
  return table(head, rows, " | ");
}
