import assert from "node:assert/strict";
import { Pl031 } from "../../core/devices/pl031.ts";
import type { DeviceLog } from "../../core/devices/register_rows.ts";
import { rd, wr } from "./mmio_helpers.ts";

const S = 1e9;

function rtc(base = 1_000_000) {
  const t = { ns: 0 };
  const levels: boolean[] = [];
  const errors: string[] = [];
  const log: DeviceLog = { guestError: (_d, m) => errors.push(m), unimplemented: () => {} };
  const r = new Pl031("rtc", { nowNs: () => t.ns, irq: (l) => levels.push(l), log }, base);
  return { r, t, levels, errors };
}

Deno.test("pl031: identification registers read as QEMU's PL031 (part 0x031) and PrimeCell IDs", () => {
  const { r } = rtc();
  const ids = [0xfe0, 0xfe4, 0xfe8, 0xfec, 0xff0, 0xff4, 0xff8, 0xffc].map((o) => rd(r, o));
  assert.deepEqual(ids, [0x31, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1]);
});

Deno.test("pl031: RTCDR counts whole virtual seconds from the base; RTCCR reads 1", () => {
  const { r, t } = rtc(500);
  assert.equal(rd(r, 0x00), 500);
  t.ns = 2.999 * S;
  assert.equal(rd(r, 0x00), 502);
  t.ns = 3 * S;
  assert.equal(rd(r, 0x00), 503);
  assert.equal(rd(r, 0x0c), 1);
  wr(r, 0x0c, 0);
  assert.equal(rd(r, 0x0c), 1);
});

Deno.test("pl031: RTCLR loads the counter, reads back, and the count goes on from there", () => {
  const { r, t } = rtc();
  t.ns = 7.5 * S;
  wr(r, 0x08, 0xffff_fffe);
  assert.equal(rd(r, 0x08), 0xffff_fffe);
  assert.equal(rd(r, 0x00), 0xffff_fffe);
  t.ns = 9.5 * S;
  assert.equal(rd(r, 0x00), 0, "the counter wraps at 2^32");
});

Deno.test("pl031: match interrupt at the start of the second the counter reaches RTCMR", () => {
  const { r, t, levels } = rtc(100);
  t.ns = 0.25 * S;
  wr(r, 0x10, 1);
  wr(r, 0x04, 103);
  assert.equal(rd(r, 0x04), 103);
  assert.equal(r.nextEventNs(), 3 * S);
  r.tick(2.9 * S);
  assert.equal(rd(r, 0x14), 0);
  r.tick(3 * S);
  t.ns = 3 * S;
  assert.equal(rd(r, 0x00), 103);
  assert.equal(rd(r, 0x14), 1);
  assert.equal(rd(r, 0x18), 1);
  assert.equal(r.nextEventNs(), undefined, "the match fires once");
  assert.deepEqual(levels, [true]);
  wr(r, 0x1c, 1);
  assert.equal(rd(r, 0x14), 0);
  assert.deepEqual(levels, [true, false]);
});

Deno.test("pl031: an access after the match time raises the interrupt even without the owner's tick", () => {
  const { r, t, levels } = rtc(10);
  wr(r, 0x10, 1);
  wr(r, 0x04, 12);
  t.ns = 1.9 * S;
  assert.equal(rd(r, 0x14), 0);
  t.ns = 2.1 * S;
  assert.equal(rd(r, 0x00), 12);
  assert.deepEqual(levels, [true]);
  assert.equal(rd(r, 0x18), 1);
  assert.equal(r.nextEventNs(), undefined);
});

Deno.test("pl031: RTCMR equal to the count fires at once; a match behind the count waits for the wrap", () => {
  const { r, t } = rtc(100);
  t.ns = 1.5 * S;
  wr(r, 0x04, 101);
  assert.equal(rd(r, 0x14), 1);
  assert.equal(rd(r, 0x18), 0, "masked");
  assert.equal(r.nextEventNs(), undefined);
  wr(r, 0x1c, 1);
  wr(r, 0x04, 100);
  assert.equal(r.nextEventNs(), (1 + 2 ** 32 - 1) * S);
  // Loading the counter re-arms the match too.
  wr(r, 0x08, 90);
  assert.equal(r.nextEventNs(), 11 * S);
  wr(r, 0x08, 100);
  assert.equal(rd(r, 0x14), 1);
});

Deno.test("pl031: IMSC masks the output; ICR clears only bit 0; read-only and reserved registers are guest errors", () => {
  const { r, levels, errors } = rtc();
  wr(r, 0x04, rd(r, 0x00));
  assert.deepEqual(levels, []);
  wr(r, 0x10, 0xff);
  assert.equal(rd(r, 0x10), 1);
  assert.deepEqual(levels, [true]);
  wr(r, 0x10, 0);
  assert.deepEqual(levels, [true, false]);
  assert.equal(rd(r, 0x14), 1);
  wr(r, 0x00, 5);
  wr(r, 0x14, 0);
  rd(r, 0x1c);
  rd(r, 0x20);
  assert.equal(rd(r, 0x00), 1_000_000);
  assert.equal(rd(r, 0x14), 1);
  assert.equal(errors.length, 4, errors.join("; "));
});

Deno.test("pl031: save/restore keeps the counter, match and interrupt; bad states are refused by field", () => {
  const a = rtc(42);
  a.t.ns = 2 * S;
  wr(a.r, 0x08, 1000);
  wr(a.r, 0x04, 1005);
  wr(a.r, 0x10, 1);
  const saved = a.r.save();
  const b = rtc(0);
  b.t.ns = 2 * S;
  b.r.restore(structuredClone(saved));
  assert.equal(rd(b.r, 0x00), 1000);
  assert.equal(rd(b.r, 0x08), 1000);
  assert.equal(b.r.nextEventNs(), 7 * S);
  b.r.tick(7 * S);
  assert.equal(b.r.irqLevel, true);
  assert.deepEqual(b.levels, [true]);
  assert.throws(() => b.r.restore({ ...saved, mr: -1 }), /field mr is -1/);
  assert.throws(() => b.r.restore({ ...saved, ris: 2 }), /field ris is 2/);
  assert.throws(() => b.r.restore({ ...saved, alarmSecond: 1.5 }), /alarmSecond is 1.5/);
  assert.throws(() => b.r.restore(null as never), /saved state null/);
  assert.equal(rd(b.r, 0x04), 1005, "a refused state leaves the device as it was");
  assert.throws(() => new Pl031("x", { nowNs: () => 0, irq: () => {} }, 2 ** 32), /4294967296/);
});

Deno.test("pl031: the owner hears of each new match deadline", () => {
  let changes = 0;
  const t = { ns: 0 };
  const r = new Pl031("rtc", {
    nowNs: () => t.ns,
    irq: () => {},
    deadlineChanged: () => changes++,
  });
  wr(r, 0x04, 10);
  wr(r, 0x08, 3);
  wr(r, 0x10, 1);
  assert.equal(changes, 2);
  assert.equal(r.nextEventNs(), 7 * S);
});
