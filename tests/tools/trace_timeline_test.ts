/**
 * The timeline recorder: off by default, bounded (first `limit` kept, the rest counted), copies
 * what it records, and save()/restore() round-trips while refusing malformed states by field.
 */
import assert from "node:assert/strict";
import { Timeline, type TimelineEvent, type TimelineState } from "../../core/hyp/timeline.ts";
import { StateError } from "../../core/hyp/state_check.ts";

function run(i: number): TimelineEvent {
  return { kind: "run", pcpu: 0, domid: 1, vcpu: 0, startNs: i * 10, endNs: i * 10 + 5 };
}

const ALL_KINDS: TimelineEvent[] = [
  { kind: "run", pcpu: 1, domid: 2, vcpu: 3, startNs: 100, endNs: 200 },
  { kind: "idle", pcpu: 0, startNs: 0, endNs: 100 },
  {
    kind: "hyp",
    pcpu: 1,
    domid: 2,
    vcpu: 3,
    startNs: 150,
    endNs: 160,
    what: "hvc:event_channel_op/send",
  },
  { kind: "irq", atNs: 155, domid: 2, vcpu: null, intid: 48, outcome: "delivered" },
  { kind: "irq", atNs: 156, domid: 2, vcpu: 3, intid: 27, outcome: "dropped" },
  { kind: "sched", atNs: 160, pcpu: 1, what: "block", domid: 2, vcpu: 3 },
  { kind: "mark", atNs: 170, name: "phase 2" },
  { kind: "mark", atNs: 171, name: "load", args: { clients: 4, mode: "burst", warm: true } },
];

Deno.test("timeline: off by default, record() does nothing until enabled", () => {
  const t = new Timeline();
  assert.equal(t.enabled, false);
  t.record(run(0));
  assert.equal(t.events.length, 0);
  t.enabled = true;
  t.record(run(1));
  assert.deepEqual(t.events, [run(1)]);
  assert.equal(new Timeline({ enabled: true }).enabled, true);
});

Deno.test("timeline: keeps the first `limit` events and counts the rest", () => {
  const t = new Timeline({ limit: 3, enabled: true });
  for (let i = 0; i < 10; i++) t.record(run(i));
  assert.deepEqual(t.events, [run(0), run(1), run(2)]);
  assert.equal(t.dropped, 7);
  assert.equal(t.limit, 3);
  t.clear();
  assert.equal(t.events.length, 0);
  assert.equal(t.dropped, 0);
  t.record(run(5));
  assert.deepEqual(t.events, [run(5)]);
});

Deno.test("timeline: records a copy, so a reused event object does not change history", () => {
  const t = new Timeline({ enabled: true });
  const e = { kind: "mark" as const, atNs: 1, name: "a", args: { n: 1 } };
  t.record(e);
  e.atNs = 99;
  e.args.n = 2;
  assert.deepEqual(t.events[0], { kind: "mark", atNs: 1, name: "a", args: { n: 1 } });
});

Deno.test("timeline: record() refuses malformed events, naming the field", () => {
  const t = new Timeline({ enabled: true });
  const bad: [unknown, RegExp][] = [
    [{ ...run(0), endNs: 1, startNs: 2 }, /event\.endNs: 1 is not an integer in 2\.\./],
    [{ ...run(0), startNs: 1.5 }, /event\.startNs: 1\.5/],
    [{ ...run(0), pcpu: -1 }, /event\.pcpu: -1/],
    [{ ...run(0), vcpu: 128 }, /event\.vcpu: 128/],
    [{ ...run(0), kind: "walk" }, /event\.kind: "walk" is not one of run, idle/],
    [{ kind: "hyp", pcpu: 0, domid: 0, vcpu: 0, startNs: 0, endNs: 1 }, /event\.what: undefined/],
    [{ kind: "hyp", pcpu: 0, domid: 0, vcpu: 0, startNs: 0, endNs: 1, what: "" }, /event\.what/],
    [{ kind: "irq", atNs: 0, domid: 0, vcpu: 0, intid: 2 ** 24, outcome: "x" }, /event\.intid/],
    [{ kind: "irq", atNs: 0, domid: 0, intid: 3, outcome: "x" }, /event\.vcpu: undefined/],
    [{ kind: "sched", atNs: 0, pcpu: 0, what: "sleep", domid: 0, vcpu: 0 }, /event\.what/],
    [{ kind: "mark", atNs: 0, name: "m", args: { o: {} } }, /event\.args\.o: Object/],
    [{ kind: "mark", atNs: 0, name: "m", args: { n: NaN } }, /event\.args\.n: NaN/],
    [null, /event: null is not an object/],
  ];
  for (const [e, re] of bad) {
    assert.throws(() => t.record(e as TimelineEvent), (err: Error) => {
      assert.ok(err instanceof StateError, `${err}`);
      assert.match(err.message, re);
      return true;
    });
  }
  assert.equal(t.events.length, 0);
});

Deno.test("timeline: the limit must be a positive integer", () => {
  assert.throws(() => new Timeline({ limit: 0 }), /timeline limit: 0/);
  assert.throws(() => new Timeline({ limit: 2.5 }), /timeline limit: 2\.5/);
});

Deno.test("timeline: save() and restore() round-trip every kind, through JSON", () => {
  const t = new Timeline({ limit: 9, enabled: true });
  for (const e of ALL_KINDS) t.record(e);
  const saved = JSON.parse(JSON.stringify(t.save()));
  const u = new Timeline();
  u.restore(saved);
  assert.deepEqual(u.events, ALL_KINDS);
  assert.equal(u.enabled, true);
  assert.equal(u.limit, 9);
  assert.equal(u.dropped, 0);
  assert.deepEqual(u.save(), t.save());
});

Deno.test("timeline: restore() keeps the dropped count and the limit", () => {
  const t = new Timeline({ limit: 2, enabled: true });
  for (let i = 0; i < 5; i++) t.record(run(i));
  const u = new Timeline({ limit: 100 });
  u.restore(t.save());
  assert.equal(u.dropped, 3);
  u.record(run(9));
  assert.equal(u.events.length, 2);
  assert.equal(u.dropped, 4);
});

Deno.test("timeline: restore() refuses bad states by field and leaves the recorder unchanged", () => {
  const good = (): TimelineState => {
    const t = new Timeline({ limit: 4, enabled: true });
    for (const e of ALL_KINDS.slice(0, 3)) t.record(e);
    return t.save();
  };
  const cases: [(s: TimelineState) => unknown, RegExp][] = [
    [(s) => ({ ...s, version: 2 }), /timeline\.version: 2/],
    [(s) => ({ ...s, limit: 2 }), /timeline\.events: array\(3\) is not an array of at most 2/],
    [(s) => ({ ...s, enabled: 1 }), /timeline\.enabled: 1 is not a boolean/],
    [(s) => ({ ...s, dropped: -1 }), /timeline\.dropped: -1/],
    [(s) => ({ ...s, dropped: 5 }), /timeline\.dropped: 5 events dropped with only 3 of 4 kept/],
    [(s) => ({ ...s, events: "x" }), /timeline\.events: "x"/],
    [
      (s) => ({ ...s, events: [s.events[0], { ...s.events[1], endNs: -1 }] }),
      /timeline\.events\[1\]\.endNs: -1/,
    ],
    [
      (s) => ({ ...s, events: [s.events[0], s.events[1], { ...s.events[2], what: 7 }] }),
      /timeline\.events\[2\]\.what: 7/,
    ],
    [() => null, /timeline: null is not an object/],
  ];
  const t = new Timeline({ limit: 7 });
  t.enabled = true;
  t.record(run(3));
  for (const [mutate, re] of cases) {
    assert.throws(() => t.restore(mutate(good()) as TimelineState), (err: Error) => {
      assert.ok(err instanceof StateError, `${err}`);
      assert.match(err.message, re);
      return true;
    });
    assert.deepEqual(t.events, [run(3)]);
    assert.equal(t.limit, 7);
  }
});
