/**
 * Console snapshots: the host sink (text so far, input not yet taken) and the PV console back
 * end's counters. A restored sink and a back end rebuilt over a copy of the ring page continue
 * exactly like the originals; corrupted states are refused and change nothing.
 */
import assert from "node:assert/strict";
import { xencons_interface } from "../../core/hyp/abi/console.ts";
import { abiField } from "../../core/hyp/abi/layout.ts";
import { ConsoleSink, type ConsoleSinkState } from "../../core/hyp/console/console_sink.ts";
import { PvConsoleBackend, type PvConsoleState } from "../../core/hyp/console/pv_console.ts";
import { StateError } from "../../core/hyp/state_check.ts";

const IN = abiField(xencons_interface, "in");
const OUT = abiField(xencons_interface, "out");
const IN_CONS = abiField(xencons_interface, "in_cons").offset;
const IN_PROD = abiField(xencons_interface, "in_prod").offset;
const OUT_PROD = abiField(xencons_interface, "out_prod").offset;

interface Console {
  ring: DataView;
  sink: ConsoleSink;
  pv: PvConsoleBackend;
  notified: number;
}

function make(ring: DataView = new DataView(new ArrayBuffer(4096))): Console {
  const c = { ring, sink: new ConsoleSink("d1"), notified: 0 } as Console;
  c.pv = new PvConsoleBackend(ring, c.sink, () => c.notified++);
  return c;
}

/** The guest writes `s` to its output ring and notifies. */
function guestWrite(c: Console, s: string): void {
  let prod = c.ring.getUint32(OUT_PROD, true);
  for (const ch of s) {
    c.ring.setUint8(OUT.offset + (prod % OUT.size), ch.charCodeAt(0));
    prod++;
  }
  c.ring.setUint32(OUT_PROD, prod, true);
  c.pv.kick();
}

/** The guest reads everything in its input ring. */
function guestRead(c: Console): string {
  let cons = c.ring.getUint32(IN_CONS, true), s = "";
  const prod = c.ring.getUint32(IN_PROD, true);
  while (cons !== prod) s += String.fromCharCode(c.ring.getUint8(IN.offset + (cons++ % IN.size)));
  c.ring.setUint32(IN_CONS, cons, true);
  return s;
}

Deno.test("console state: sink and PV back end continue like the originals", () => {
  const a = make();
  guestWrite(a, "Booting Linux\r\n");
  // More input than the 1 KiB ring holds: the rest waits in the sink.
  a.sink.input("x".repeat(1000) + "ls -l\n" + "y".repeat(100));
  guestWrite(a, "# ");
  // An inconsistent producer index counts a ring error.
  a.ring.setUint32(OUT_PROD, a.ring.getUint32(OUT_PROD, true) + 5000, true);
  a.pv.kick();
  assert.ok(a.sink.pendingInput > 0);
  const snap = structuredClone({ sink: a.sink.save(), pv: a.pv.save() });
  assert.equal(snap.pv.ringErrors, 1);

  const b = make(new DataView(a.ring.buffer.slice(0)));
  b.sink.restore(snap.sink);
  b.pv.restore(snap.pv);
  assert.equal(b.sink.text, a.sink.text);
  const run = (c: Console) => {
    const got = guestRead(c);
    guestWrite(c, "total 0\r\n# ");
    c.sink.input("exit\n");
    return [got, guestRead(c), c.sink.text, c.sink.pendingInput, c.notified, c.pv.save()];
  };
  const ra = run(a);
  a.notified = 0;
  assert.deepEqual(run(b).slice(0, 4), ra.slice(0, 4));
  assert.deepEqual(b.pv.save(), a.pv.save());
  assert.deepEqual(b.sink.save(), a.sink.save());
  assert.deepEqual(new Uint8Array(b.ring.buffer), new Uint8Array(a.ring.buffer));
  assert.match(String(ra[0]), /^x+ls -l\ny+$/);
});

Deno.test("console state: corrupted states are refused and change nothing", () => {
  const a = make();
  guestWrite(a, "hello");
  a.sink.input("typed");
  const good = { sink: a.sink.save(), pv: a.pv.save() };
  const b = make();
  guestWrite(b, "other");
  const before = { sink: b.sink.save(), pv: b.pv.save() };
  const sinkCases: [(s: ConsoleSinkState) => void, RegExp][] = [
    [(s) => s.name = "d2", /console\.name/],
    [(s) => (s as { text: unknown }).text = 5, /console\.text/],
    [(s) => s.text = "snow \u2603", /console\.text\[5\]/],
    [(s) => (s as { pendingInput: unknown }).pendingInput = [1], /console\.pendingInput/],
  ];
  for (const [mutate, re] of sinkCases) {
    const s = structuredClone(good.sink);
    mutate(s);
    assert.throws(
      () => b.sink.restore(s),
      (e: Error) => e instanceof StateError && re.test(e.message),
    );
  }
  const pvCases: [(s: PvConsoleState) => void, RegExp][] = [
    [(s) => s.bytesOut = -1, /pvConsole\.bytesOut/],
    [(s) => s.ringErrors = 1.5, /pvConsole\.ringErrors/],
  ];
  for (const [mutate, re] of pvCases) {
    const s = structuredClone(good.pv);
    mutate(s);
    assert.throws(
      () => b.pv.restore(s),
      (e: Error) => e instanceof StateError && re.test(e.message),
    );
  }
  assert.deepEqual({ sink: b.sink.save(), pv: b.pv.save() }, before);
});
