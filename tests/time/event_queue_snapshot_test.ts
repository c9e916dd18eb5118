/** EventQueue.save()/restore(): a round trip continues identically; junk is refused unchanged. */
import assert from "node:assert/strict";
import { EventQueue } from "../../core/time/event_queue.ts";

Deno.test("event queue snapshot: a restored queue pops the same events", () => {
  const q = new EventQueue();
  [30, 10, 20, 10].forEach((d, i) => q.schedule(d, "k", `t${i}`));
  q.popDue(10);
  const s = q.save();
  const r = new EventQueue();
  r.restore(structuredClone(s));
  q.schedule(15, "k", "late");
  r.schedule(15, "k", "late");
  const drain = (x: EventQueue) => {
    const out: string[] = [];
    for (let e = x.popDue(1e9); e; e = x.popDue(1e9)) {
      out.push(`${e.deadline}/${e.seq}/${e.target}`);
    }
    return out;
  };
  assert.deepEqual(drain(r), drain(q));
  // The saved state is a copy: restoring it again gives the queue as it was saved.
  r.restore(s);
  assert.equal(r.size, 3);
});

Deno.test("event queue snapshot: junk is refused and the queue is unchanged", () => {
  const q = new EventQueue();
  q.schedule(5, "timer", "cpu0");
  const good = q.save();
  const ev = good.heap[0];
  const bad: [string, unknown, RegExp][] = [
    ["null", null, /no heap/],
    ["heap", { heap: "x", nextSeq: 1 }, /no heap/],
    ["nextSeq", { heap: [], nextSeq: -1 }, /nextSeq/],
    ["event null", { heap: [null], nextSeq: 1 }, /event 0/],
    ["deadline", { heap: [{ ...ev, deadline: Infinity }], nextSeq: 1 }, /event 0/],
    ["kind", { heap: [{ ...ev, kind: 3 }], nextSeq: 1 }, /event 0/],
    ["seq", { heap: [{ ...ev, seq: 1.5 }], nextSeq: 2 }, /event 0/],
    ["order", { heap: [{ ...ev, deadline: 9 }, { ...ev, seq: 1 }], nextSeq: 2 }, /out of order/],
    ["nextSeq small", { heap: [ev], nextSeq: 0 }, /nextSeq too small/],
  ];
  for (const [what, s, msg] of bad) {
    assert.throws(() => q.restore(s as never), msg, what);
    assert.deepEqual(q.save(), good, `${what}: queue changed`);
  }
});
