/**
 * The layout rule of a pCPU's track in an exported trace: trace viewers draw the complete ("X")
 * slices of one thread as a stack, which only means something when any two slices are either
 * disjoint or one inside the other. For the timeline that gives, per pCPU:
 *
 * 1. run and idle slices never overlap each other (a pCPU runs one vcpu or idles);
 * 2. a hyp slice lies wholly inside one run slice of the same domain and vcpu (an exit taken
 *    while it ran), or wholly outside every run and idle slice (work between two runs, such as a
 *    context switch); never inside an idle slice or across a slice boundary;
 * 3. two hyp slices are disjoint or nested (a context switch inside a scheduler slice).
 *
 * Slices are half-open [startNs, endNs): touching ends are beside each other, and an empty slice
 * sitting on a boundary is beside both neighbours.
 *
 * @module
 */
import type { HypEvent, IdleEvent, RunEvent, TimelineEvent } from "../../core/hyp/timeline.ts";

type Base = RunEvent | IdleEvent;

/** Breaches of the layout rule in `events`, one line each, naming the slices; empty if none. */
export function checkSliceNesting(events: readonly TimelineEvent[]): string[] {
  const problems: string[] = [];
  const base = new Map<number, Base[]>();
  const hyp = new Map<number, HypEvent[]>();
  for (const e of events) {
    if (e.kind === "run" || e.kind === "idle") push(base, e.pcpu, e);
    else if (e.kind === "hyp") push(hyp, e.pcpu, e);
  }
  for (const [pcpu, slices] of base) {
    slices.sort((a, b) => a.startNs - b.startNs || a.endNs - b.endNs);
    for (let i = 1; i < slices.length; i++) {
      if (slices[i].startNs < slices[i - 1].endNs) {
        problems.push(`pCPU ${pcpu}: ${describe(slices[i])} overlaps ${describe(slices[i - 1])}`);
      }
    }
  }
  for (const [pcpu, slices] of hyp) {
    const runs = base.get(pcpu) ?? [];
    for (const h of slices) {
      const p = placeHyp(h, runs);
      if (p !== null) problems.push(`pCPU ${pcpu}: ${describe(h)} ${p}`);
    }
    // Longest first among equal starts, so an enclosing slice is on the stack before its child.
    slices.sort((a, b) => a.startNs - b.startNs || b.endNs - a.endNs);
    const open: HypEvent[] = [];
    for (const h of slices) {
      while (open.length > 0 && open[open.length - 1].endNs <= h.startNs) open.pop();
      const top = open[open.length - 1];
      if (top !== undefined && h.endNs > top.endNs) {
        problems.push(`pCPU ${pcpu}: ${describe(h)} partially overlaps ${describe(top)}`);
      }
      open.push(h);
    }
  }
  return problems;
}

/** Why `h` is misplaced among the pCPU's sorted run/idle slices, or null if it is not. */
function placeHyp(h: HypEvent, sorted: readonly Base[]): string | null {
  // Disjoint slices sorted by start are sorted by end too: skip those ending before h starts.
  let lo = 0, hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid].endNs <= h.startNs) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < sorted.length && sorted[i].startNs < Math.max(h.endNs, h.startNs + 1); i++) {
    const b = sorted[i];
    const meets = h.startNs === h.endNs
      ? b.startNs < h.startNs && h.startNs < b.endNs
      : b.startNs < h.endNs && h.startNs < b.endNs;
    if (!meets) continue;
    if (h.startNs < b.startNs || h.endNs > b.endNs) return `crosses the edge of ${describe(b)}`;
    if (b.kind === "idle") return `lies inside ${describe(b)}`;
    if (b.domid !== h.domid || b.vcpu !== h.vcpu) return `lies inside ${describe(b)}`;
  }
  return null;
}

function push<T>(m: Map<number, T[]>, k: number, v: T): void {
  const list = m.get(k);
  if (list === undefined) m.set(k, [v]);
  else list.push(v);
}

function describe(e: RunEvent | IdleEvent | HypEvent): string {
  const who = e.kind === "idle" ? "" : ` d${e.domid}v${e.vcpu}`;
  const what = e.kind === "hyp" ? ` "${e.what}"` : "";
  return `${e.kind}${what}${who} [${e.startNs}, ${e.endNs})`;
}
