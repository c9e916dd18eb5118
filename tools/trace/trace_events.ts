/**
 * Exports a hypervisor timeline (core/hyp/timeline.ts) as Chrome/Perfetto trace-event JSON, the
 * JSON Object form of the Trace Event Format, for chrome://tracing, ui.perfetto.dev or Speedscope.
 *
 * Layout:
 * - process "pCPUs" (pid 1): a thread per pCPU (tid pcpu + 1) holding complete ("X") slices:
 *   run slices named "d<domid>v<vcpu>", idle slices "idle", and hypervisor slices named by their
 *   `what` nested inside the run slice they interrupted or beside the run slices; plus a "marks"
 *   thread whose user marks are global instants (a line across every track);
 * - a process per domain with instants (pid domid + 2, named "d<domid>" and its name if given):
 *   a thread per vcpu (tid vcpu + 1) holding its irq and sched instants ("i", thread scope), and
 *   a "no vcpu" thread for interrupts not routed to a vcpu.
 * Ids start at 1 because some importers give pid/tid 0 a meaning of their own (the idle task).
 * Times: `ts`/`dur` in microseconds (the format's unit) as fractions of virtual nanoseconds;
 * `displayTimeUnit` "ns" makes viewers show them as nanoseconds.
 *
 * Slices that break the nesting rule (tools/trace/slice_nesting.ts) would be drawn wrongly, so
 * export refuses them unless `strict` is false, in which case they are listed in `otherData`.
 *
 * @module
 */
import type { TimelineEvent } from "../../core/hyp/timeline.ts";
import { checkSliceNesting } from "./slice_nesting.ts";

/** One trace event as the Trace Event Format defines it (the fields this exporter writes). */
export interface TraceEvent {
  name: string;
  ph: "X" | "i" | "M";
  pid: number;
  /** Absent only on process metadata. */
  tid?: number;
  cat?: string;
  ts?: number;
  dur?: number;
  s?: "g" | "p" | "t";
  args?: Record<string, string | number | boolean | null>;
}

/** Values allowed in `otherData` (shown by viewers as trace metadata). */
export type OtherData = Record<string, string | number | boolean>;

/** A trace-event JSON document (JSON Object form). */
export interface TraceDocument {
  traceEvents: TraceEvent[];
  displayTimeUnit: "ns";
  otherData: OtherData;
}

/** Options of toTraceEvents. */
export interface TraceExportOptions {
  /** Domain names by domid, shown in the domain processes' names and the run slices' args. */
  domainNames?: ReadonlyMap<number, string>;
  /** Events the recorder dropped (Timeline.dropped), noted in otherData. */
  dropped?: number;
  /** More otherData entries (configuration, scenario name...). */
  otherData?: OtherData;
  /** Refuse slices that break the nesting rule (default true); else list them in otherData. */
  strict?: boolean;
}

/** The pid of the "pCPUs" process. */
export const PCPU_PID = 1;
/** The tid of the marks thread in the "pCPUs" process and of "no vcpu" threads in domains. */
export const SPECIAL_TID = 0x10000;

/** The pid of domain `domid`'s process. */
export function domainPid(domid: number): number {
  return domid + 2;
}

/** The tid of pCPU `pcpu` (in the pCPUs process) or vcpu `vcpu` (in its domain's process). */
export function cpuTid(cpu: number): number {
  return cpu + 1;
}

/** Problems kept in otherData when not strict: enough to find the recording bug. */
const MAX_LISTED_PROBLEMS = 20;

/** The trace-event document for `events`; throws RangeError on misnested slices if strict. */
export function toTraceEvents(
  events: readonly TimelineEvent[],
  options: TraceExportOptions = {},
): TraceDocument {
  const problems = checkSliceNesting(events);
  if (problems.length > 0 && (options.strict ?? true)) {
    const shown = problems.slice(0, 5).join("; ");
    const more = problems.length > 5 ? ` (and ${problems.length - 5} more)` : "";
    throw new RangeError(`timeline slices do not nest: ${shown}${more}`);
  }
  const names = options.domainNames ?? new Map<number, string>();
  const pcpus = new Set<number>();
  const domainThreads = new Map<number, Set<number>>();
  let marks = false;
  const data: TraceEvent[] = [];
  for (const e of events) {
    switch (e.kind) {
      case "run": {
        pcpus.add(e.pcpu);
        const args: TraceEvent["args"] = { domid: e.domid, vcpu: e.vcpu };
        const name = names.get(e.domid);
        if (name !== undefined) args.domain = name;
        data.push(slice(`d${e.domid}v${e.vcpu}`, "run", e.pcpu, e.startNs, e.endNs, args));
        break;
      }
      case "idle":
        pcpus.add(e.pcpu);
        data.push(slice("idle", "idle", e.pcpu, e.startNs, e.endNs));
        break;
      case "hyp":
        pcpus.add(e.pcpu);
        data.push(
          slice(e.what, "hyp", e.pcpu, e.startNs, e.endNs, { domid: e.domid, vcpu: e.vcpu }),
        );
        break;
      case "irq": {
        const tid = e.vcpu === null ? SPECIAL_TID : cpuTid(e.vcpu);
        addThread(domainThreads, e.domid, tid);
        data.push({
          name: `irq ${e.intid}: ${e.outcome}`,
          cat: "irq",
          ph: "i",
          s: "t",
          ts: us(e.atNs),
          pid: domainPid(e.domid),
          tid,
          args: { intid: e.intid, outcome: e.outcome, vcpu: e.vcpu },
        });
        break;
      }
      case "sched":
        addThread(domainThreads, e.domid, cpuTid(e.vcpu));
        data.push({
          name: e.what,
          cat: "sched",
          ph: "i",
          s: "t",
          ts: us(e.atNs),
          pid: domainPid(e.domid),
          tid: cpuTid(e.vcpu),
          args: { pcpu: e.pcpu },
        });
        break;
      case "mark":
        marks = true;
        data.push({
          name: e.name,
          cat: "mark",
          ph: "i",
          s: "g",
          ts: us(e.atNs),
          pid: PCPU_PID,
          tid: SPECIAL_TID,
          ...(e.args === undefined ? {} : { args: { ...e.args } }),
        });
        break;
    }
  }
  // Parents before children at equal start, so the file reads in drawing order.
  data.sort((a, b) => a.ts! - b.ts! || (b.dur ?? 0) - (a.dur ?? 0));
  const meta: TraceEvent[] = [];
  if (pcpus.size > 0 || marks) {
    meta.push(...processMeta(PCPU_PID, "pCPUs", 0));
    for (const p of [...pcpus].sort((a, b) => a - b)) {
      meta.push(...threadMeta(PCPU_PID, cpuTid(p), `pCPU ${p}`, p));
    }
    if (marks) meta.push(...threadMeta(PCPU_PID, SPECIAL_TID, "marks", SPECIAL_TID));
  }
  for (const domid of [...domainThreads.keys()].sort((a, b) => a - b)) {
    const name = names.get(domid);
    const pid = domainPid(domid);
    meta.push(...processMeta(pid, name === undefined ? `d${domid}` : `d${domid} ${name}`, pid));
    for (const tid of [...domainThreads.get(domid)!].sort((a, b) => a - b)) {
      const label = tid === SPECIAL_TID ? "no vcpu" : `vcpu ${tid - 1}`;
      meta.push(...threadMeta(pid, tid, label, tid));
    }
  }
  const otherData: OtherData = {
    generator: "hvlab core/hyp/timeline",
    clock: "virtual time",
    events: events.length,
    dropped: options.dropped ?? 0,
  };
  if (problems.length > 0) {
    otherData.nestingProblems = problems.length;
    problems.slice(0, MAX_LISTED_PROBLEMS).forEach((p, i) => otherData[`nestingProblem${i}`] = p);
  }
  Object.assign(otherData, options.otherData);
  return { traceEvents: [...meta, ...data], displayTimeUnit: "ns", otherData };
}

/**
 * Writes the trace-event JSON of `events` to `path`, one event per line (the files diff and
 * grep well and stay valid JSON).
 */
export async function writeTraceFile(
  path: string,
  events: readonly TimelineEvent[],
  options?: TraceExportOptions,
): Promise<void> {
  await Deno.writeTextFile(path, traceJson(toTraceEvents(events, options)));
}

/** `doc` as JSON text, one trace event per line. */
export function traceJson(doc: TraceDocument): string {
  const lines = doc.traceEvents.map((e) => JSON.stringify(e));
  return `{"displayTimeUnit":${JSON.stringify(doc.displayTimeUnit)},` +
    `"otherData":${JSON.stringify(doc.otherData)},"traceEvents":[\n${lines.join(",\n")}\n]}\n`;
}

/** Virtual nanoseconds as the format's microseconds. */
function us(ns: number): number {
  return ns / 1000;
}

function slice(
  name: string,
  cat: string,
  pcpu: number,
  startNs: number,
  endNs: number,
  args?: TraceEvent["args"],
): TraceEvent {
  const e: TraceEvent = {
    name,
    cat,
    ph: "X",
    ts: us(startNs),
    dur: us(endNs - startNs),
    pid: PCPU_PID,
    tid: cpuTid(pcpu),
  };
  if (args !== undefined) e.args = args;
  return e;
}

function processMeta(pid: number, name: string, sortIndex: number): TraceEvent[] {
  return [
    { name: "process_name", ph: "M", pid, args: { name } },
    { name: "process_sort_index", ph: "M", pid, args: { sort_index: sortIndex } },
  ];
}

function threadMeta(pid: number, tid: number, name: string, sortIndex: number): TraceEvent[] {
  return [
    { name: "thread_name", ph: "M", pid, tid, args: { name } },
    { name: "thread_sort_index", ph: "M", pid, tid, args: { sort_index: sortIndex } },
  ];
}

function addThread(m: Map<number, Set<number>>, domid: number, tid: number): void {
  const set = m.get(domid);
  if (set === undefined) m.set(domid, new Set([tid]));
  else set.add(tid);
}
