/**
 * Latency histograms as standalone SVG files: one configuration (`latencyHistogramSvg`) or
 * several stacked in rows on one shared x scale and bin width (`latencyPanelSvg`), so that
 * configurations compare at a glance. Each row has its own count scale (a busy configuration
 * would otherwise flatten a quiet one).
 *
 * Drawn per row: a bar per non-empty bin (`class="bar"`, with a tooltip), x ticks in ns/µs/ms
 * (`class="xtick"`), count ticks (`class="ytick"`), the title (`class="title"`), and for each
 * statistic given (AVG, MIN, MAX, WARM_MAX: the latency test's summary) a dashed marker line
 * (`class="marker"`) and a label (`class="stat"`). Text is XML-escaped.
 *
 * @module
 */
import {
  binCounts,
  type BinRange,
  binRange,
  checkSamples,
  formatNs,
  nsFormatter,
  ticks,
} from "./histogram.ts";

/** Summary statistics to annotate, in ns (each optional). */
export interface LatencyStats {
  avgNs?: number;
  minNs?: number;
  maxNs?: number;
  /** The maximum after warm-up (first iterations excluded). */
  warmMaxNs?: number;
}

/** One configuration's latencies. */
export interface LatencyConfig {
  title: string;
  samplesNs: readonly number[];
  stats?: LatencyStats;
}

/** Options of latencyHistogramSvg. */
export interface LatencyHistogramOptions extends LatencyConfig {
  /** Bin width in ns (default: a 1-2-5 width giving about 40 bins). */
  binNs?: number;
  /** Image width in px (default 800). */
  width?: number;
  /** Image height in px (default 300). */
  height?: number;
}

/** Options of latencyPanelSvg. */
export interface LatencyPanelOptions {
  /** A title above every row. */
  title?: string;
  /** Bin width in ns shared by the rows (default: about 40 bins over all samples). */
  binNs?: number;
  /** Image width in px (default 800). */
  width?: number;
  /** Height of one row in px (default 220). */
  rowHeight?: number;
}

const STAT_LABELS: [keyof LatencyStats, string, string][] = [
  ["minNs", "MIN", "#2a7d2a"],
  ["avgNs", "AVG", "#1f4e9c"],
  ["warmMaxNs", "WARM_MAX", "#b36b00"],
  ["maxNs", "MAX", "#b0202a"],
];
const MARGIN = { left: 64, right: 24, top: 34, bottom: 44 };
const PANEL_TITLE_HEIGHT = 30;

/** A standalone SVG document: the histogram of one configuration's latencies. */
export function latencyHistogramSvg(options: LatencyHistogramOptions): string {
  const width = size(options.width ?? 800, "width");
  const height = size(options.height ?? 300, "height");
  const range = sharedRange([options], options.binNs);
  return document(width, height, options.title, row(options, range, 0, width, height));
}

/** A standalone SVG document: one row per configuration, all on the same x scale. */
export function latencyPanelSvg(
  configs: readonly LatencyConfig[],
  options: LatencyPanelOptions = {},
): string {
  if (configs.length === 0) throw new RangeError("latency panel: no configurations");
  const width = size(options.width ?? 800, "width");
  const rowHeight = size(options.rowHeight ?? 220, "rowHeight");
  const range = sharedRange(configs, options.binNs);
  const top = options.title === undefined ? 0 : PANEL_TITLE_HEIGHT;
  const parts: string[] = [];
  if (options.title !== undefined) {
    parts.push(
      `<text class="title" x="${width / 2}" y="20" text-anchor="middle" font-size="16">` +
        `${escapeXml(options.title)}</text>`,
    );
  }
  configs.forEach((c, i) => parts.push(row(c, range, top + i * rowHeight, width, rowHeight)));
  const height = top + configs.length * rowHeight;
  return document(
    width,
    height,
    options.title ?? configs.map((c) => c.title).join(" / "),
    parts.join("\n"),
  );
}

/** `s` with the characters XML gives meaning to replaced by references. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => XML_ENTITIES[c]);
}

const XML_ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&apos;",
};

/** The bins covering every configuration's samples and statistics. */
function sharedRange(configs: readonly LatencyConfig[], binNs?: number): BinRange {
  let lo = Infinity, hi = -Infinity;
  for (const c of configs) {
    checkSamples(c.samplesNs, `latency "${c.title}"`);
    for (const s of c.samplesNs) {
      if (s < lo) lo = s;
      if (s > hi) hi = s;
    }
    for (const [key, label] of STAT_LABELS) {
      const v = c.stats?.[key];
      if (v === undefined) continue;
      if (!Number.isFinite(v) || v < 0) {
        throw new RangeError(`latency "${c.title}": ${label} is ${v}, not a number of ns >= 0`);
      }
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  // Nothing to place: an axis of 0..1 µs still draws, with a "no samples" note.
  if (lo > hi) [lo, hi] = [0, 1000];
  return binRange(lo, hi, binNs);
}

/** One histogram in the band [top, top + height) of the image. */
function row(
  c: LatencyConfig,
  range: BinRange,
  top: number,
  width: number,
  height: number,
): string {
  const x0 = MARGIN.left, x1 = width - MARGIN.right;
  const y0 = top + MARGIN.top, y1 = top + height - MARGIN.bottom;
  if (x1 - x0 < 40 || y1 - y0 < 20) {
    throw new RangeError(`latency "${c.title}": ${width}x${height} px is too small to draw`);
  }
  const endNs = range.startNs + range.bins * range.binNs;
  const xOf = (ns: number) => x0 + (ns - range.startNs) / (endNs - range.startNs) * (x1 - x0);
  const counts = binCounts(c.samplesNs, range);
  const maxCount = Math.max(1, ...counts);
  const yOf = (n: number) => y1 - n / maxCount * (y1 - y0);
  const out: string[] = [
    `<text class="title" x="${x0}" y="${top + 20}" font-size="13" font-weight="bold">` +
    `${escapeXml(c.title)}</text>`,
    `<line class="axis" x1="${x0}" y1="${y1}" x2="${x1}" y2="${y1}" stroke="#000"/>`,
    `<line class="axis" x1="${x0}" y1="${y0}" x2="${x0}" y2="${y1}" stroke="#000"/>`,
  ];
  counts.forEach((n, i) => {
    if (n === 0) return;
    const a = range.startNs + i * range.binNs;
    const xa = xOf(a), w = Math.max(0.5, xOf(a + range.binNs) - xa - 0.5);
    // At least 2 px, so a lone outlier in the tail stays visible next to a tall peak.
    const h = Math.max(2, y1 - yOf(n));
    const tip = escapeXml(`${formatNs(a)} to ${formatNs(a + range.binNs)}: ${n}`);
    out.push(
      `<rect class="bar" x="${r(xa)}" y="${r(y1 - h)}" width="${r(w)}" height="${r(h)}" ` +
        `fill="#4a78c2"><title>${tip}</title></rect>`,
    );
  });
  const xt = ticks(range.startNs, endNs, Math.max(2, Math.floor((x1 - x0) / 90)));
  const fmt = nsFormatter(xt.length > 1 ? xt[1] - xt[0] : range.binNs, xt[xt.length - 1] ?? endNs);
  for (const v of xt) {
    const x = r(xOf(v));
    out.push(
      `<line x1="${x}" y1="${y1}" x2="${x}" y2="${y1 + 4}" stroke="#000"/>`,
      `<text class="xtick" x="${x}" y="${y1 + 16}" text-anchor="middle">${
        escapeXml(fmt(v))
      }</text>`,
    );
  }
  for (const n of ticks(0, maxCount, Math.max(2, Math.floor((y1 - y0) / 30)))) {
    const y = r(yOf(n));
    out.push(
      `<line x1="${x0 - 4}" y1="${y}" x2="${x0}" y2="${y}" stroke="#000"/>`,
      `<text class="ytick" x="${x0 - 6}" y="${y + 4}" text-anchor="end">${n}</text>`,
    );
  }
  out.push(
    `<text class="axis-label" x="${(x0 + x1) / 2}" y="${y1 + 34}" text-anchor="middle">` +
      `latency (${c.samplesNs.length} samples, ${escapeXml(formatNs(range.binNs))} bins)</text>`,
  );
  if (c.samplesNs.length === 0) {
    out.push(
      `<text class="empty" x="${(x0 + x1) / 2}" y="${(y0 + y1) / 2}" text-anchor="middle">` +
        `no samples</text>`,
    );
  }
  let statY = y0 + 2;
  for (const [key, label, color] of STAT_LABELS) {
    const v = c.stats?.[key];
    if (v === undefined) continue;
    const x = r(xOf(v));
    out.push(
      `<line class="marker" x1="${x}" y1="${y0}" x2="${x}" y2="${y1}" stroke="${color}" ` +
        `stroke-dasharray="4 3"/>`,
      `<text class="stat" x="${x1 - 4}" y="${statY + 10}" text-anchor="end" fill="${color}" ` +
        // A white halo keeps the label readable where a marker line crosses it.
        `stroke="#fff" stroke-width="3" paint-order="stroke">` +
        `${label} ${escapeXml(formatNs(v))}</text>`,
    );
    statY += 14;
  }
  return `<g class="histogram">\n${out.join("\n")}\n</g>`;
}

function document(width: number, height: number, title: string, body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
    `viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">\n` +
    `<title>${escapeXml(title)}</title>\n` +
    `<rect width="${width}" height="${height}" fill="#fff"/>\n${body}\n</svg>\n`;
}

function size(v: number, what: string): number {
  if (!Number.isSafeInteger(v) || v < 1 || v > 100_000) {
    throw new RangeError(`latency svg: ${what} ${v} is not a size in px (1..100000)`);
  }
  return v;
}

/** Coordinates to 0.01 px: enough for drawing, short in the file. */
function r(v: number): number {
  return Math.round(v * 100) / 100;
}
