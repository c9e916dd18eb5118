/**
 * VirtBoard's optional PL031 (`rtc`) and CFI flash banks (`flash`): the RTC's match interrupt
 * reaches the GIC through the board's event queue (a WFI wakes at the matching virtual second;
 * the same guest is compared with QEMU in tests/devices/devices_oracle_test.ts),
 * board save/restore carries both devices, and the device tree lists them as QEMU's does.
 * Register behaviour is in tests/devices/.
 */
import assert from "node:assert/strict";
import { VirtBoard } from "../../core/machine/virt_board.ts";
import { virtFdt } from "../../core/machine/virt_fdt.ts";
import { VIRT_MAP } from "../../core/machine/virt_memory_map.ts";
import { compileGuest } from "../../scripts/build_guests.ts";
import { dtsOf, haveDtc } from "../support/dtc.ts";

function have(cmd: string): boolean {
  try {
    return new Deno.Command(cmd, { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

Deno.test({
  name: "virt board rtc: guests/devices.c's WFI wakes at the virtual second the PL031 match is due",
  ignore: !have("aarch64-linux-gnu-gcc"),
  async fn() {
    const path = await compileGuest({ name: "devices", sources: ["devices.c"] });
    const board = new VirtBoard({ rtc: { baseSeconds: 5000 }, flash: {} });
    board.loadElf(await Deno.readFile(path));
    const r = board.run({ maxInstructions: 20_000_000 });
    assert.equal(r.reason, "system-off", JSON.stringify(board.log));
    assert.match(board.console, /rtc alarm: ris 1 pend 1 dr-mr in \[0,1\]: yes\n/);
    assert.match(board.console, /rtc alarm cleared: pend 0\n/);
    // The match was set two counts ahead of a count read early in the first second: the PE
    // idled from then until the start of virtual second 2, instead of spinning through it.
    const seconds = board.clock.seconds();
    assert.ok(seconds >= 2 && seconds < 2.01, `ran until ${seconds} s`);
    assert.ok(r.instructions < 10_000_000, `${r.instructions} instructions`);
    assert.equal(board.rtc!.count(), 2_000_002, "the guest loaded 2000000 before the wait");
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

Deno.test({
  name: "virt fdt: the pl031 and flash nodes equal QEMU's -M virt ones (dtc)",
  ignore: !haveDtc() || !have("qemu-system-aarch64"),
  fn() {
    const dir = Deno.makeTempDirSync();
    let qemu: string;
    try {
      const r = new Deno.Command("qemu-system-aarch64", {
        args: ["-M", `virt,dumpdtb=${dir}/q.dtb`, "-cpu", "cortex-a57", "-m", "256M", "-nographic"],
        stdout: "null",
        stderr: "null",
      }).outputSync();
      assert.ok(r.success);
      qemu = dtsOf(Deno.readFileSync(`${dir}/q.dtb`));
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
    const node = (src: string, name: string) =>
      src.match(new RegExp(`^\\t${name} \\{\\n[\\s\\S]*?^\\t\\};\\n`, "m"))?.[0];
    const ours = dtsOf(virtFdt({ ramSize: 256 << 20, rtc: true, flash: true }));
    for (const name of ["pl031@9010000", "flash@0"]) {
      const mine = node(ours, name);
      assert.ok(mine, `no ${name} in hvlab's tree`);
      assert.equal(mine, node(qemu, name));
    }
    const plain = dtsOf(virtFdt({ ramSize: 256 << 20 }));
    assert.equal(node(plain, "pl031@9010000") ?? node(plain, "flash@0"), undefined);
  },
});
