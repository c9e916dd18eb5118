/**
 * VirtBoard's optional PL031 (`rtc`) and CFI flash banks (`flash`): the RTC's match interrupt
 * reaches the GIC through the board's event queue (a WFI wakes at the matching virtual second),
 * and board save/restore carries both devices. Register behaviour is in tests/devices/.
 */
import assert from "node:assert/strict";
import { VirtBoard } from "../../core/machine/virt_board.ts";
import { VIRT_MAP } from "../../core/machine/virt_memory_map.ts";
import { assembleRaw, haveCrossAs } from "../../tools/lab/hyp_lab.ts";

const RTC_WAIT = `
  // GICv2: distributor and CPU interface on, SPI 34 enabled at priority 0 for CPU 0.
  movz x1, #0x0800, lsl #16
  mov w2, #1
  str w2, [x1]
  mov w2, #(1 << 2)
  str w2, [x1, #0x104]
  add x3, x1, #0x800
  mov w2, #1
  strb w2, [x3, #34]
  movz x4, #0x0801, lsl #16
  mov w2, #1
  str w2, [x4]
  mov w2, #0xff
  str w2, [x4, #4]
  // RTC: match two seconds ahead, interrupt unmasked.
  movz x5, #0x0901, lsl #16
  ldr w6, [x5]
  add w6, w6, #2
  str w6, [x5, #4]
  mov w2, #1
  str w2, [x5, #0x10]
  // IRQs stay masked in PSTATE: a pending interrupt still ends WFI.
1:wfi
  ldr w7, [x5, #0x18]
  cbz w7, 1b
  ldr w8, [x5]
  movz x0, #0x8400, lsl #16
  movk x0, #0x0008
  hvc #0
`;

const ignore = !haveCrossAs();

Deno.test({
  name: "virt board rtc: a WFI wakes at the virtual second the PL031 match comes due",
  ignore,
  fn() {
    const board = new VirtBoard({ rtc: { baseSeconds: 5000 } });
    board.loadRaw(assembleRaw(RTC_WAIT));
    const r = board.run({ maxInstructions: 100_000 });
    assert.equal(r.reason, "system-off", JSON.stringify(board.log));
    assert.ok(r.instructions < 100, `idled instead of spinning: ${r.instructions} instructions`);
    const seconds = board.clock.seconds();
    assert.ok(seconds >= 2 && seconds < 2.001, `woke at ${seconds} s`);
    assert.equal(Number(board.cpu.getX(8)), 5002);
    assert.equal(board.rtc!.irqLevel, true);
    assert.ok(board.gic.pending(0, 34));
  },
});

Deno.test("virt board: the RTC and flash banks are absent unless asked for", () => {
  const board = new VirtBoard();
  assert.equal(board.rtc, null);
  assert.equal(board.flash.length, 0);
  assert.equal(board.bus.find(VIRT_MAP.rtc.base), undefined);
  assert.equal(board.bus.find(VIRT_MAP.flash.base), undefined);
  const s = board.save();
  assert.equal("rtc" in s || "flash" in s, false, "the state of a plain board is unchanged");
});

Deno.test("virt board: save/restore carries the RTC and both flash banks; mismatched boards refuse", () => {
  const config = { rtc: { baseSeconds: 77 }, flash: {} };
  const a = new VirtBoard(config);
  const io = (pa: number, value?: number) =>
    a.bus.access(pa, 4, value !== undefined, value ?? 0, 0).value >>> 0;
  const bank1 = VIRT_MAP.flash.base + VIRT_MAP.flash.size / 2;
  io(bank1 + 0x10, 0x0040_0040);
  io(bank1 + 0x10, 0xcafe_f00d);
  io(VIRT_MAP.flash.base, 0x0090_0090);
  io(VIRT_MAP.rtc.base + 4, 90);
  io(VIRT_MAP.rtc.base + 0x10, 1);
  const saved = a.save();
  const b = new VirtBoard(config);
  b.restore(structuredClone(saved));
  const rd = (pa: number) => b.bus.access(pa, 4, false, 0, 0).value >>> 0;
  assert.equal(rd(VIRT_MAP.flash.base), 0x0089_0089, "bank 0 still in read-identifier mode");
  assert.equal(rd(bank1 + 0x10), 0x0080_0080, "bank 1 in read-status mode");
  assert.equal(b.flash[1].image[0x10], 0x0d);
  assert.equal(rd(VIRT_MAP.rtc.base + 4), 90);
  assert.equal(b.rtc!.nextEventNs(), 13e9);
  assert.throws(() => new VirtBoard().restore(structuredClone(saved)), /board state: rtc present/);
  assert.throws(
    () => new VirtBoard({ rtc: { baseSeconds: 0 } }).restore(structuredClone(saved)),
    /board state: flash is not this board's banks/,
  );
  assert.throws(
    () => b.restore({ ...structuredClone(saved), rtc: { ...saved.rtc!, imsc: 7 } }),
    /pl031: saved state field imsc is 7/,
  );
  assert.equal(rd(VIRT_MAP.rtc.base + 0x10), 1, "a refused state leaves the board as it was");
});
