import assert from "node:assert/strict";
import { Pl011, PL011_FR, PL011_INT } from "../../core/devices/pl011.ts";
import type { DeviceLog } from "../../core/devices/register_rows.ts";
import { rd, wr } from "./mmio_helpers.ts";

function uart() {
  const out: number[] = [];
  const levels: boolean[] = [];
  const errors: string[] = [];
  const log: DeviceLog = { guestError: (_d, m) => errors.push(m), unimplemented: () => {} };
  const u = new Pl011("uart", { tx: (b) => out.push(b), irq: (l) => levels.push(l), log });
  return { u, out, levels, errors };
}

Deno.test("pl011: identification registers read as QEMU's PL011 (part 0x011) and PrimeCell IDs", () => {
  const { u } = uart();
  const ids = [0xfe0, 0xfe4, 0xfe8, 0xfec, 0xff0, 0xff4, 0xff8, 0xffc].map((o) => rd(u, o));
  assert.deepEqual(ids, [0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1]);
});

Deno.test("pl011: reset values of FR, CR, IFLS", () => {
  const { u } = uart();
  assert.equal(rd(u, 0x18), PL011_FR.TXFE | PL011_FR.RXFE);
  assert.equal(rd(u, 0x30), 0x300);
  assert.equal(rd(u, 0x34), 0x12);
});

Deno.test("pl011: transmit goes to the sink and raises TXRIS; ICR clears it", () => {
  const { u, out, levels } = uart();
  wr(u, 0x30, 0x301);
  wr(u, 0x38, PL011_INT.TX);
  wr(u, 0x00, 0x41);
  wr(u, 0x00, 0x142); // only the low 8 bits are data
  assert.deepEqual(out, [0x41, 0x42]);
  assert.equal(rd(u, 0x3c) & PL011_INT.TX, PL011_INT.TX);
  assert.equal(rd(u, 0x40), PL011_INT.TX);
  assert.deepEqual(levels, [true]);
  wr(u, 0x44, PL011_INT.TX);
  assert.equal(rd(u, 0x40), 0);
  assert.deepEqual(levels, [true, false]);
});

Deno.test("pl011: receive FIFO, flags, RX/RT interrupts and overrun", () => {
  const { u } = uart();
  wr(u, 0x2c, 0x70); // 8 bits, FIFO enabled
  wr(u, 0x38, PL011_INT.RX | PL011_INT.RT);
  u.input([1, 2, 3]);
  assert.equal(rd(u, 0x18) & PL011_FR.RXFE, 0);
  // Default IFLS selects the 1/2 trigger (8 entries): 3 bytes give only the timeout interrupt.
  assert.equal(rd(u, 0x3c) & (PL011_INT.RX | PL011_INT.RT), PL011_INT.RT);
  assert.equal(u.irqLevel, true);
  u.input([4, 5, 6, 7, 8]);
  assert.equal(rd(u, 0x3c) & PL011_INT.RX, PL011_INT.RX);
  const got = [];
  while (!(rd(u, 0x18) & PL011_FR.RXFE)) got.push(rd(u, 0x00));
  assert.deepEqual(got, [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.equal(rd(u, 0x3c) & (PL011_INT.RX | PL011_INT.RT), 0);
  assert.equal(u.irqLevel, false);
  u.input(Array.from({ length: 17 }, (_, i) => i));
  assert.equal(rd(u, 0x18) & PL011_FR.RXFF, PL011_FR.RXFF);
  assert.equal(rd(u, 0x3c) & PL011_INT.OE, PL011_INT.OE);
  assert.equal(rd(u, 0x04), 8); // RSR.OE
  wr(u, 0x04, 0);
  assert.equal(rd(u, 0x04), 0);
});

Deno.test("pl011: without FEN the receive FIFO holds one character", () => {
  const { u } = uart();
  u.input([9, 10]);
  assert.equal(rd(u, 0x18) & PL011_FR.RXFF, PL011_FR.RXFF);
  assert.equal(rd(u, 0x00), 9);
  assert.equal(rd(u, 0x18) & PL011_FR.RXFE, PL011_FR.RXFE);
});

Deno.test("pl011: register widths, byte access, reserved offsets logged as guest errors", () => {
  const { u, errors } = uart();
  wr(u, 0x24, 0x12345);
  assert.equal(rd(u, 0x24), 0x2345);
  wr(u, 0x28, 0xff);
  assert.equal(rd(u, 0x28), 0x3f);
  wr(u, 0x31, 0x00, 1); // clear TXE/RXE through the high byte
  assert.equal(rd(u, 0x30), 0);
  assert.equal(rd(u, 0x100), 0);
  wr(u, 0x18, 0xff); // FR is read-only
  assert.equal(errors.length, 2);
  assert.match(errors[0], /reserved offset 0x100/);
  assert.match(errors[1], /read-only FR/);
});

Deno.test("pl011: rxSpace follows the FIFO depth; reading DR signals room for more", () => {
  let ready = 0;
  const u = new Pl011("uart", { tx: () => {}, irq: () => {}, rxReady: () => ready++ });
  assert.equal(u.rxSpace(), 1);
  wr(u, 0x2c, 0x70);
  assert.equal(u.rxSpace(), 16);
  u.input([1, 2, 3]);
  assert.equal(u.rxSpace(), 13);
  assert.equal(rd(u, 0x00), 1);
  assert.equal(ready, 2); // the LCR_H write and the read
  assert.equal(u.rxSpace(), 14);
});

Deno.test("pl011: save/restore keeps the FIFO and interrupt state; bad state is refused", () => {
  const { u } = uart();
  wr(u, 0x2c, 0x70);
  wr(u, 0x38, PL011_INT.RT);
  u.input([7, 8]);
  const snap = u.save();
  assert.equal(rd(u, 0x00), 7);
  u.restore(snap);
  assert.equal(u.irqLevel, true);
  assert.equal(rd(u, 0x00), 7);
  assert.equal(rd(u, 0x00), 8);
  assert.throws(() => u.restore({ ...snap, rxFifo: 3 as unknown as number[] }), /rxFifo/);
});

Deno.test("pl011: toggling LCR_H.FEN empties the receive FIFO (as QEMU)", () => {
  const { u } = uart();
  wr(u, 0x2c, 0x70);
  u.input([1, 2, 3]);
  wr(u, 0x2c, 0x70); // FEN unchanged: data stays
  assert.equal(u.rxSpace(), 13);
  wr(u, 0x2c, 0x60);
  assert.equal(rd(u, 0x18) & PL011_FR.RXFE, PL011_FR.RXFE);
});
