import assert from "node:assert/strict";
import { EventQueue } from "../../core/time/event_queue.ts";
import { VirtualClock } from "../../core/time/virtual_clock.ts";

Deno.test("event queue: deadline order, FIFO among equal deadlines, cancel", () => {
  const q = new EventQueue();
  const order = [50, 10, 30, 10, 20, 40, 10];
  order.forEach((d, i) => q.schedule(d, "k", `t${i}`));
  q.schedule(15, "other", "t1");
  assert.equal(q.cancel("other", "t1"), 1);
  const got: string[] = [];
  for (let e = q.popDue(35); e; e = q.popDue(35)) got.push(`${e.deadline}:${e.target}`);
  assert.deepEqual(got, ["10:t1", "10:t3", "10:t6", "20:t4", "30:t2"]);
  assert.equal(q.peek()?.deadline, 40);
  assert.equal(q.size, 2);
  // State is plain data: a JSON round trip gives the same queue.
  const copy = new EventQueue();
  copy.state = JSON.parse(JSON.stringify(q.state));
  assert.deepEqual(copy.popDue(1e9), q.popDue(1e9));
});

Deno.test("virtual clock: counter derived from cycles at 62.5 MHz of 1.2 GHz", () => {
  let busy = 0;
  const c = new VirtualClock(() => busy);
  assert.equal(c.counter(), 0);
  busy = 96;
  assert.equal(c.counter(), 5); // 62.5 MHz / 1.2 GHz = 5/96
  busy = 1_200_000_000;
  assert.equal(c.counter(), 62_500_000);
  c.idle(1_200_000_000);
  assert.equal(c.seconds(), 2);
  assert.equal(c.cycleOfCount(5), 96);
  assert.equal(c.cycleOfCount(6), 116); // ceil(6 * 19.2)
  assert.equal(c.counterAt(115), 5);
  assert.throws(() => new VirtualClock(() => 0, { counterHz: 2e9 }), /counterHz/);
});

Deno.test("event queue and clock: save/restore, invalid heaps refused", () => {
  const q = new EventQueue();
  q.schedule(30, "a", "x");
  q.schedule(10, "b", "y");
  const snap = q.save();
  q.popDue(100);
  q.restore(snap);
  assert.equal(q.peek()?.kind, "b");
  assert.throws(() => q.restore({ heap: [snap.heap[1], snap.heap[0]], nextSeq: 2 }), /order/);
  const c = new VirtualClock(() => 0);
  c.idle(500);
  const cs = c.save();
  c.idle(100);
  c.restore(cs);
  assert.equal(c.cycles(), 500);
  assert.throws(() => c.restore({ idleCycles: -1 }), /idleCycles/);
});
