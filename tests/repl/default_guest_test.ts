import assert from "node:assert/strict";
import { buildGuest, DEFAULT_GUEST, moduleText } from "../../scripts/gen_default_guest.ts";
import { VirtBoard } from "../../core/machine/virt_board.ts";
import { DEFAULT_GUEST_IMAGE } from "../../repl/default_guest.ts";

Deno.test("embedded default guest is what guests/lab/default_lab.S assembles to", async () => {
  const image = await buildGuest(DEFAULT_GUEST);
  assert.deepEqual(DEFAULT_GUEST_IMAGE, image);
  const committed = await Deno.readTextFile(
    new URL("../../repl/default_guest.ts", import.meta.url),
  );
  assert.equal(committed, moduleText(DEFAULT_GUEST, image));
});

Deno.test("default guest ticks once per virtual second", () => {
  const b = new VirtBoard();
  b.loadRaw(DEFAULT_GUEST_IMAGE);
  const r = b.run({ maxInstructions: 200_000_000, until: (s) => s.includes("tick 300\n") });
  assert.equal(r.reason, "until");
  assert.equal(
    b.console,
    "hvlab default lab: virtual timer every 10 ms, a line per 100 ticks\ntick 100\ntick 200\ntick 300\n",
  );
  // 300 ticks of 10 ms: the virtual clock must say ~3 s.
  assert.ok(Math.abs(b.clock.seconds() - 3) < 0.01, `virtual time ${b.clock.seconds()}`);
  assert.equal(b.log.length, 0, JSON.stringify(b.log));
});
