/**
 * Binning and axis arithmetic for latency histograms: "nice" bin widths and tick steps (1, 2 or 5
 * times a power of ten, in whole nanoseconds), counts per bin, and tick labels in ns/µs/ms/s with
 * as many decimals as the step needs, so neighbouring labels never print alike.
 *
 * @module
 */

/** The smallest 1, 2 or 5 × 10^k (k >= 0) not below `raw`; at least 1. */
export function niceStep(raw: number): number {
  if (!(raw > 1)) return 1;
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

/** More bins than pixels of any sensible image: a bin width that small is a caller's mistake. */
export const MAX_BINS = 10_000;

/** The bins covering [loNs, hiNs]: the bin width and the first bin's start (a multiple of it). */
export interface BinRange {
  binNs: number;
  startNs: number;
  /** Bins from startNs; the last one holds hiNs. */
  bins: number;
}

/**
 * Bins of width `binNs` (a nice width giving about `targetBins` bins if not given) over
 * [loNs, hiNs]. Throws RangeError on a bad width or range.
 */
export function binRange(loNs: number, hiNs: number, binNs?: number, targetBins = 40): BinRange {
  if (!Number.isFinite(loNs) || !Number.isFinite(hiNs) || loNs < 0 || hiNs < loNs) {
    throw new RangeError(`histogram range [${loNs}, ${hiNs}] is not a range of ns >= 0`);
  }
  const bin = binNs ?? niceStep((hiNs - loNs) / targetBins);
  if (!Number.isSafeInteger(bin) || bin < 1) {
    throw new RangeError(`histogram bin width ${bin} ns is not a positive integer`);
  }
  const startNs = Math.floor(loNs / bin) * bin;
  const bins = Math.floor((hiNs - startNs) / bin) + 1;
  if (bins > MAX_BINS) {
    throw new RangeError(
      `histogram: ${bins} bins of ${bin} ns over [${loNs}, ${hiNs}] ns, at most ${MAX_BINS}`,
    );
  }
  return { binNs: bin, startNs, bins };
}

/** Samples per bin of `range`; samples outside it throw RangeError naming the index. */
export function binCounts(samplesNs: readonly number[], range: BinRange): number[] {
  const counts = new Array<number>(range.bins).fill(0);
  samplesNs.forEach((s, i) => {
    const b = Math.floor((s - range.startNs) / range.binNs);
    if (!(b >= 0 && b < range.bins)) {
      throw new RangeError(`sample ${i} (${s} ns) is outside the histogram range`);
    }
    counts[b]++;
  });
  return counts;
}

/** Throws RangeError naming the first sample that is not a finite number of ns >= 0. */
export function checkSamples(samplesNs: readonly number[], what: string): void {
  if (!Array.isArray(samplesNs)) throw new RangeError(`${what}: samples are not an array`);
  samplesNs.forEach((s, i) => {
    if (typeof s !== "number" || !Number.isFinite(s) || s < 0) {
      throw new RangeError(`${what}: sample ${i} is ${s}, not a finite number of ns >= 0`);
    }
  });
}

/** Multiples of a nice step in [lo, hi], about `target` of them. */
export function ticks(lo: number, hi: number, target: number): number[] {
  const step = niceStep((hi - lo) / Math.max(1, target));
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi; v += step) out.push(v);
  return out;
}

/**
 * A formatter for tick values `step` ns apart, none above `maxNs`: the unit fits `maxNs`
 * ("ns", "µs", "ms", "s") and the decimals fit `step`.
 */
export function nsFormatter(step: number, maxNs: number): (ns: number) => string {
  const units: [number, string][] = [[1e9, "s"], [1e6, "ms"], [1e3, "µs"], [1, "ns"]];
  const [scale, unit] = units.find(([s]) => maxNs >= s) ?? units[3];
  const decimals = Math.max(0, Math.ceil(-Math.log10(step / scale) - 1e-9));
  return (ns) => `${(ns / scale).toFixed(decimals)} ${unit}`;
}

/** `ns` in a readable unit with three significant digits ("5.21 µs"), for annotations. */
export function formatNs(ns: number): string {
  const units: [number, string][] = [[1e9, "s"], [1e6, "ms"], [1e3, "µs"], [1, "ns"]];
  const [scale, unit] = units.find(([s]) => ns >= s) ?? units[3];
  return `${Number((ns / scale).toPrecision(3))} ${unit}`;
}
