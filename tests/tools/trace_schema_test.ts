/**
 * The trace-event schema checker accepts well-formed files in both JSON forms and names each
 * broken field: missing ph, negative dur, bad pid/tid, scopes, metadata args, counters, ids.
 */
import assert from "node:assert/strict";
import { validateTrace, validateTraceFile } from "../../tools/trace/trace_schema.ts";

const GOOD = [
  { name: "process_name", ph: "M", pid: 1, args: { name: "p" } },
  { name: "thread_name", ph: "M", pid: 1, tid: 2, args: { name: "t" } },
  { name: "thread_sort_index", ph: "M", pid: 1, tid: 2, args: { sort_index: -1 } },
  { name: "slice", cat: "c", ph: "X", ts: 1.5, dur: 0, pid: 1, tid: 2, args: {} },
  { name: "begin", ph: "B", ts: 1, pid: 1, tid: 2 },
  { ph: "E", ts: 2, pid: 1, tid: 2 },
  { name: "now", ph: "i", s: "g", ts: 3, pid: 1 },
  { name: "n", ph: "C", ts: 3, pid: 1, tid: 2, args: { a: 1, b: 2.5 } },
  { name: "async", ph: "b", id: "0x1", cat: "a", ts: 3, pid: 1, tid: 2 },
];

const CLI = new URL("../../tools/trace/trace_schema.ts", import.meta.url).pathname;

/** The object form with `event` as the only event. */
function one(event: unknown): unknown {
  return { traceEvents: [event] };
}

Deno.test("trace schema: well-formed files pass, in the array and the object form", () => {
  assert.deepEqual(validateTrace(GOOD), []);
  assert.deepEqual(validateTrace({ traceEvents: GOOD, displayTimeUnit: "ms", otherData: {} }), []);
  assert.deepEqual(validateTrace({ traceEvents: [] }), []);
});

Deno.test("trace schema: broken events are reported by field", () => {
  const x = { name: "x", ph: "X", ts: 0, dur: 1, pid: 1, tid: 1 };
  const cases: [unknown, string][] = [
    [{ ...x, ph: undefined }, "traceEvents[0].ph: missing is not a known phase"],
    [{ ...x, ph: "Z" }, 'traceEvents[0].ph: "Z" is not a known phase'],
    [{ ...x, dur: -1 }, "traceEvents[0].dur: -1 is not a finite number >= 0"],
    [{ ...x, dur: undefined }, "traceEvents[0].dur: missing is not a finite number >= 0"],
    [{ ...x, tdur: -2 }, "traceEvents[0].tdur: -2 is not a finite number >= 0"],
    [{ ...x, pid: "1" }, 'traceEvents[0].pid: "1" is not an integer'],
    [{ ...x, tid: 1.5 }, "traceEvents[0].tid: 1.5 is not an integer"],
    [{ ...x, tid: undefined }, "traceEvents[0].tid: missing is not an integer"],
    [{ ...x, ts: NaN }, "traceEvents[0].ts: NaN is not a finite number"],
    [{ ...x, ts: "0" }, 'traceEvents[0].ts: "0" is not a finite number'],
    [{ ...x, name: 7 }, "traceEvents[0].name: 7 is not a string"],
    [{ ...x, name: undefined }, "traceEvents[0].name: missing is not a string"],
    [{ ...x, cat: 1 }, "traceEvents[0].cat: 1 is not a string"],
    [{ ...x, args: [1] }, "traceEvents[0].args: array(1) is not an object"],
    [{ ...x, ph: "i", s: "x" }, 'traceEvents[0].s: "x" is not a scope "g", "p" or "t"'],
    [{ ...x, ph: "i", s: "t", tid: undefined }, "traceEvents[0].tid: missing is not an integer"],
    [{ ...x, ph: "C", args: { v: "1" } }, 'traceEvents[0].args.v: "1" is not a finite number'],
    [{ ...x, ph: "C" }, "traceEvents[0].args: a counter needs args with its series, got missing"],
    [{ ...x, ph: "b" }, 'traceEvents[0].id: async begin event ("b") needs an id or id2'],
    [{ ...x, ph: "s" }, 'traceEvents[0].id: flow start event ("s") needs an id or id2'],
    [
      { name: "thread_name", ph: "M", pid: 1, tid: 1, args: {} },
      "traceEvents[0].args.name: missing is not a string (thread_name)",
    ],
    [
      { name: "process_sort_index", ph: "M", pid: 1, args: { sort_index: 0.5 } },
      "traceEvents[0].args.sort_index: 0.5 is not an integer (process_sort_index)",
    ],
    [
      { name: "thread_color", ph: "M", pid: 1, tid: 1, args: {} },
      'traceEvents[0].name: "thread_color" is not a metadata name',
    ],
    [{ name: "thread_name", ph: "M", pid: 1, args: { name: "t" } }, "traceEvents[0].tid: missing"],
    [null, "traceEvents[0]: null is not an object"],
  ];
  for (const [event, want] of cases) {
    const problems = validateTrace(one(event));
    assert.equal(problems.length, 1, `${want}: ${problems.join(" | ")}`);
    assert.ok(problems[0].startsWith(want), `${problems[0]} should start with ${want}`);
  }
});

Deno.test("trace schema: broken documents are reported", () => {
  assert.deepEqual(validateTrace({ traceEvents: {} }), [
    "traceEvents: object is not an array",
  ]);
  assert.deepEqual(validateTrace("x"), [
    'document: "x" is neither an array of events nor an object with traceEvents',
  ]);
  assert.deepEqual(validateTrace({ traceEvents: [], displayTimeUnit: "s", otherData: 1 }), [
    'displayTimeUnit: "s" is not "ms" or "ns"',
    "otherData: 1 is not an object",
  ]);
  // The array form's paths have no "traceEvents" prefix.
  assert.deepEqual(validateTrace([{ name: "x", ph: "X", ts: 0, dur: -1, pid: 1, tid: 1 }]), [
    "[0].dur: -1 is not a finite number >= 0",
  ]);
});

Deno.test("trace schema: the problem list is bounded", () => {
  const bad = Array.from({ length: 30 }, () => ({ ph: "Q" }));
  const problems = validateTrace(bad, { maxProblems: 10 });
  assert.equal(problems.length, 11);
  assert.equal(problems[10], "... and 20 more problems");
});

Deno.test("trace schema: validateTraceFile reports a file that is not JSON", async () => {
  const path = await Deno.makeTempFile({ suffix: ".json" });
  try {
    await Deno.writeTextFile(path, '{"traceEvents": [');
    const problems = await validateTraceFile(path);
    assert.equal(problems.length, 1);
    assert.match(problems[0], /not JSON/);
    await Deno.writeTextFile(path, JSON.stringify(GOOD));
    assert.deepEqual(await validateTraceFile(path), []);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("trace schema: the command line exits 1 on a broken file and 0 on a good one", async () => {
  const path = await Deno.makeTempFile({ suffix: ".json" });
  try {
    const run = async () => {
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "--no-lock", "--allow-read", CLI, path],
        stdout: "piped",
        stderr: "piped",
      }).output();
      return { code: out.code, text: new TextDecoder().decode(out.stdout) };
    };
    await Deno.writeTextFile(path, JSON.stringify(one({ ph: "X" })));
    const bad = await run();
    assert.equal(bad.code, 1);
    assert.match(bad.text, /problem\(s\)/);
    await Deno.writeTextFile(path, JSON.stringify(GOOD));
    const good = await run();
    assert.equal(good.code, 0, good.text);
    assert.match(good.text, /: ok$/m);
  } finally {
    await Deno.remove(path);
  }
});
