/**
 * guests/devices.c on hvlab's VirtBoard with its PL031 and both CFI flash banks (`rtc`, `flash`)
 * and on qemu-system-aarch64 -M virt (the oracle): the consoles must be identical. Bank 1 holds
 * the same 64 MiB image on both sides; bank 0 has no image, which QEMU presents as zeros.
 */
import assert from "node:assert/strict";
import { compileGuest } from "../../scripts/build_guests.ts";
import { runOnQemu } from "../../scripts/qemu_system.ts";
import { VirtBoard } from "../../core/machine/virt_board.ts";

const FLASH_SIZE = 64 * 1024 * 1024;

function have(cmd: string): boolean {
  try {
    return new Deno.Command(cmd, { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

const missing = ["qemu-system-aarch64", "aarch64-linux-gnu-gcc"].filter((c) => !have(c));

/** Bank 1's image: a byte pattern over the first 4 KiB, erased elsewhere. */
function image(): Uint8Array {
  const img = new Uint8Array(FLASH_SIZE).fill(0xff);
  for (let i = 0; i < 0x1000; i++) img[i] = (i * 7 + 3) & 0xff;
  return img;
}

Deno.test({
  name: "guest devices: PL031 and CFI flash output equals qemu-system-aarch64's",
  ignore: missing.length > 0,
  async fn() {
    const path = await compileGuest({ name: "devices", sources: ["devices.c"] });
    const file = await Deno.makeTempFile({ prefix: "hvlab_pflash1_" });
    try {
      await Deno.writeFile(file, image());
      const qemu = await runOnQemu(path, 30_000, [
        "-drive",
        `if=pflash,format=raw,unit=1,file=${file}`,
      ]);
      assert.equal(qemu.code, 0, `qemu exited with ${qemu.code}:\n${qemu.output}`);
      assert.ok(qemu.output.includes("devices done"), `qemu run did not finish:\n${qemu.output}`);

      const board = new VirtBoard({
        rtc: { baseSeconds: 1_600_000_000 },
        flash: { images: [new Uint8Array(FLASH_SIZE), image()] },
      });
      board.loadElf(await Deno.readFile(path));
      const r = board.run({ maxInstructions: 20_000_000 });
      const detail = `stop: ${r.reason} after ${r.instructions} instructions; log: ${
        board.log.map((l) => `${l.source}: ${l.msg}`).join("; ")
      }`;
      const a = board.console.split("\n"), b = qemu.output.split("\n");
      let i = 0;
      while (i < a.length && i < b.length && a[i] === b[i]) i++;
      assert.equal(
        board.console,
        qemu.output,
        `first difference at line ${i + 1}\n  hvlab: ${JSON.stringify(a[i])}\n  qemu:  ${
          JSON.stringify(b[i])
        }\n${detail}`,
      );
      assert.equal(r.reason, "system-off", detail);
      // What QEMU wrote back to its file is what hvlab's bank holds.
      const written = await Deno.readFile(file);
      assert.ok(
        written.every((v, k) => v === board.flash[1].image[k]),
        "bank 1 contents differ from QEMU's file",
      );
    } finally {
      await Deno.remove(file);
    }
  },
});

if (missing.length > 0) {
  console.log(`devices oracle test skipped: ${missing.join(", ")} not installed`);
}
