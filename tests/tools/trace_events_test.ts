/**
 * Trace-event export of a synthetic two-pCPU timeline: the document passes the schema checker,
 * slices land on the right tracks with the right times and nest, instants go to domain/vcpu
 * threads, and misnested slices are refused (or listed when not strict).
 */
import assert from "node:assert/strict";
import type { TimelineEvent } from "../../core/hyp/timeline.ts";
import {
  cpuTid,
  domainPid,
  PCPU_PID,
  SPECIAL_TID,
  toTraceEvents,
  type TraceEvent,
  traceJson,
  writeTraceFile,
} from "../../tools/trace/trace_events.ts";
import { validateTrace, validateTraceFile } from "../../tools/trace/trace_schema.ts";
import { checkSliceNesting } from "../../tools/trace/slice_nesting.ts";

const RUN = (pcpu: number, domid: number, vcpu: number, startNs: number, endNs: number) =>
  ({ kind: "run", pcpu, domid, vcpu, startNs, endNs }) as const;
const HYP = (
  pcpu: number,
  domid: number,
  vcpu: number,
  startNs: number,
  endNs: number,
  what: string,
) => ({ kind: "hyp", pcpu, domid, vcpu, startNs, endNs, what }) as const;

/** pCPU 0 runs d1v0 then d2v0 with a context switch between; pCPU 1 idles, then runs d1v1. */
const TIMELINE: TimelineEvent[] = [
  { kind: "mark", atNs: 0, name: "start", args: { config: "credit2" } },
  RUN(0, 1, 0, 0, 1000),
  HYP(0, 1, 0, 200, 300, "hvc:event_channel_op/send"),
  { kind: "irq", atNs: 250, domid: 1, vcpu: 0, intid: 27, outcome: "delivered" },
  { kind: "irq", atNs: 260, domid: 1, vcpu: null, intid: 48, outcome: "delayed" },
  HYP(0, 1, 0, 1000, 1100, "ctxsw"),
  RUN(0, 2, 0, 1100, 2000),
  HYP(0, 2, 0, 1500, 1600, "irq:27"),
  HYP(0, 2, 0, 1520, 1550, "sched:credit2"),
  HYP(0, 2, 0, 2000, 2000, "wfi"),
  { kind: "idle", pcpu: 1, startNs: 0, endNs: 500 },
  { kind: "sched", atNs: 500, pcpu: 1, what: "wake", domid: 1, vcpu: 1 },
  RUN(1, 1, 1, 500, 2000),
  HYP(1, 1, 1, 1900, 2000, "wfi"),
  { kind: "sched", atNs: 2000, pcpu: 1, what: "block", domid: 1, vcpu: 1 },
];

function byName(events: TraceEvent[], name: string): TraceEvent {
  const found = events.filter((e) => e.name === name && e.ph !== "M");
  assert.equal(found.length, 1, `one event named ${name}`);
  return found[0];
}

function metaName(events: TraceEvent[], kind: string, pid: number, tid?: number): unknown {
  const m = events.filter((e) => e.ph === "M" && e.name === kind && e.pid === pid && e.tid === tid);
  assert.equal(m.length, 1, `one ${kind} for ${pid}/${tid}`);
  return m[0].args?.name;
}

Deno.test("trace export: a synthetic timeline passes the schema check, as written to JSON", () => {
  const doc = toTraceEvents(TIMELINE, { dropped: 3, domainNames: new Map([[1, "guest<1>"]]) });
  assert.deepEqual(validateTrace(doc), []);
  const parsed = JSON.parse(traceJson(doc));
  assert.deepEqual(parsed, doc);
  assert.deepEqual(validateTrace(parsed), []);
  assert.equal(parsed.displayTimeUnit, "ns");
  assert.equal(doc.otherData.events, TIMELINE.length);
  assert.equal(doc.otherData.dropped, 3);
});

Deno.test("trace export: run, idle and hyp slices on the pCPU tracks, in microseconds", () => {
  const { traceEvents: ev } = toTraceEvents(TIMELINE);
  const slices = ev.filter((e) => e.ph === "X");
  assert.equal(slices.length, 10);
  assert.ok(slices.every((e) => e.pid === PCPU_PID));
  assert.equal(slices.filter((e) => e.tid === cpuTid(0)).length, 7);
  assert.equal(slices.filter((e) => e.tid === cpuTid(1)).length, 3);
  assert.deepEqual(byName(ev, "hvc:event_channel_op/send"), {
    name: "hvc:event_channel_op/send",
    cat: "hyp",
    ph: "X",
    ts: 0.2,
    dur: 0.1,
    pid: PCPU_PID,
    tid: cpuTid(0),
    args: { domid: 1, vcpu: 0 },
  });
  const run = byName(ev, "d2v0");
  assert.equal(run.cat, "run");
  assert.equal(run.ts, 1.1);
  assert.ok(Math.abs(run.dur! - 0.9) < 1e-12);
  const idle = byName(ev, "idle");
  assert.deepEqual([idle.tid, idle.ts, idle.dur], [cpuTid(1), 0, 0.5]);
  assert.deepEqual(byName(ev, "ctxsw").args, { domid: 1, vcpu: 0 });
});

Deno.test("trace export: slices of one track are disjoint or nested, as exported", () => {
  const { traceEvents: ev } = toTraceEvents(TIMELINE);
  for (const tid of [cpuTid(0), cpuTid(1)]) {
    const s = ev.filter((e) => e.ph === "X" && e.tid === tid);
    for (const a of s) {
      for (const b of s) {
        if (a === b) continue;
        const [a0, a1, b0, b1] = [a.ts!, a.ts! + a.dur!, b.ts!, b.ts! + b.dur!];
        const disjoint = a1 <= b0 + 1e-9 || b1 <= a0 + 1e-9;
        const nested = (a0 >= b0 && a1 <= b1 + 1e-9) || (b0 >= a0 && b1 <= a1 + 1e-9);
        assert.ok(disjoint || nested, `${a.name} and ${b.name} on tid ${tid}`);
      }
    }
  }
});

Deno.test("trace export: processes, threads and instants", () => {
  const { traceEvents: ev } = toTraceEvents(TIMELINE, {
    domainNames: new Map([[1, "guest1"]]),
  });
  assert.equal(metaName(ev, "process_name", PCPU_PID), "pCPUs");
  assert.equal(metaName(ev, "thread_name", PCPU_PID, cpuTid(0)), "pCPU 0");
  assert.equal(metaName(ev, "thread_name", PCPU_PID, cpuTid(1)), "pCPU 1");
  assert.equal(metaName(ev, "thread_name", PCPU_PID, SPECIAL_TID), "marks");
  assert.equal(metaName(ev, "process_name", domainPid(1)), "d1 guest1");
  assert.equal(metaName(ev, "thread_name", domainPid(1), cpuTid(0)), "vcpu 0");
  assert.equal(metaName(ev, "thread_name", domainPid(1), cpuTid(1)), "vcpu 1");
  assert.equal(metaName(ev, "thread_name", domainPid(1), SPECIAL_TID), "no vcpu");
  // d2 has slices but no instants: no process of its own.
  assert.equal(ev.filter((e) => e.pid === domainPid(2)).length, 0);
  assert.equal(ev.filter((e) => e.ph === "M").length, 2 + 2 * 3 + 2 + 2 * 3);

  assert.deepEqual(byName(ev, "irq 27: delivered"), {
    name: "irq 27: delivered",
    cat: "irq",
    ph: "i",
    s: "t",
    ts: 0.25,
    pid: domainPid(1),
    tid: cpuTid(0),
    args: { intid: 27, outcome: "delivered", vcpu: 0 },
  });
  assert.equal(byName(ev, "irq 48: delayed").tid, SPECIAL_TID);
  const wake = byName(ev, "wake");
  assert.deepEqual([wake.pid, wake.tid, wake.ts, wake.args], [domainPid(1), cpuTid(1), 0.5, {
    pcpu: 1,
  }]);
  const mark = byName(ev, "start");
  assert.deepEqual([mark.s, mark.pid, mark.args], ["g", PCPU_PID, { config: "credit2" }]);
  // Data events come in time order after the metadata.
  const ts = ev.filter((e) => e.ph !== "M").map((e) => e.ts!);
  assert.deepEqual(ts, [...ts].sort((a, b) => a - b));
});

Deno.test("trace export: misnested slices are refused, naming them", () => {
  const cases: [TimelineEvent[], RegExp][] = [
    [
      [RUN(0, 1, 0, 0, 1000), HYP(0, 1, 0, 900, 1100, "dabt:mmio")],
      /pCPU 0: hyp "dabt:mmio" d1v0 \[900, 1100\) crosses the edge of run d1v0 \[0, 1000\)/,
    ],
    [
      [RUN(0, 1, 0, 0, 1000), HYP(0, 2, 0, 100, 200, "wfi")],
      /hyp "wfi" d2v0 \[100, 200\) lies inside run d1v0/,
    ],
    [
      [{ kind: "idle", pcpu: 1, startNs: 0, endNs: 50 }, HYP(1, 1, 0, 10, 20, "wfi")],
      /pCPU 1: hyp "wfi" d1v0 \[10, 20\) lies inside idle \[0, 50\)/,
    ],
    [
      [RUN(0, 1, 0, 0, 1000), { kind: "idle", pcpu: 0, startNs: 999, endNs: 2000 }],
      /pCPU 0: idle \[999, 2000\) overlaps run d1v0 \[0, 1000\)/,
    ],
    [
      [RUN(0, 1, 0, 0, 1000), HYP(0, 1, 0, 100, 300, "a"), HYP(0, 1, 0, 200, 400, "b")],
      /hyp "b" d1v0 \[200, 400\) partially overlaps hyp "a" d1v0 \[100, 300\)/,
    ],
  ];
  for (const [events, re] of cases) {
    assert.throws(() => toTraceEvents(events), (err: Error) => {
      assert.ok(err instanceof RangeError);
      assert.match(err.message, /^timeline slices do not nest: /);
      assert.match(err.message, re);
      return true;
    });
    assert.equal(checkSliceNesting(events).length, 1, `${re}`);
  }
});

Deno.test("trace export: boundaries touch without overlapping; empty slices sit beside", () => {
  const events: TimelineEvent[] = [
    RUN(0, 1, 0, 0, 100),
    HYP(0, 1, 0, 0, 100, "whole"),
    HYP(0, 2, 0, 100, 100, "empty-at-edge"),
    { kind: "idle", pcpu: 0, startNs: 100, endNs: 200 },
    HYP(0, 3, 0, 200, 250, "after"),
    RUN(0, 3, 0, 250, 300),
  ];
  assert.deepEqual(checkSliceNesting(events), []);
  assert.deepEqual(validateTrace(toTraceEvents(events)), []);
});

Deno.test("trace export: not strict, misnested slices are exported and listed in otherData", () => {
  const events = [RUN(0, 1, 0, 0, 1000), HYP(0, 1, 0, 900, 1100, "dabt:mmio")];
  const doc = toTraceEvents(events, { strict: false, otherData: { scenario: "x" } });
  assert.deepEqual(validateTrace(doc), []);
  assert.equal(doc.otherData.nestingProblems, 1);
  assert.match(String(doc.otherData.nestingProblem0), /crosses the edge/);
  assert.equal(doc.otherData.scenario, "x");
  assert.equal(doc.traceEvents.filter((e) => e.ph === "X").length, 2);
});

Deno.test("trace export: an empty timeline is a valid empty trace", () => {
  const doc = toTraceEvents([]);
  assert.deepEqual(doc.traceEvents, []);
  assert.deepEqual(validateTrace(doc), []);
});

Deno.test("trace export: writeTraceFile writes a file the checker accepts", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hvlab_trace_" });
  try {
    const path = `${dir}/run.json`;
    await writeTraceFile(path, TIMELINE, { dropped: 0 });
    assert.deepEqual(await validateTraceFile(path), []);
    const text = await Deno.readTextFile(path);
    // One event per line.
    assert.equal(text.trim().split("\n").length, toTraceEvents(TIMELINE).traceEvents.length + 2);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
