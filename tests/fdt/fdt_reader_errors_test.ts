/** FDT reader: malformed blobs raise FdtError naming the bad value, never another exception. */
import assert from "node:assert/strict";
import { writeFdt } from "../../core/fdt/fdt_writer.ts";
import { readFdt } from "../../core/fdt/fdt_reader.ts";
import { FdtError, fdtNode, fdtString, fdtU32 } from "../../core/fdt/fdt_types.ts";

const good = (): Uint8Array =>
  writeFdt({
    root: fdtNode("", [["#address-cells", fdtU32(2)]], [
      fdtNode("chosen", [["bootargs", fdtString("x")]]),
    ]),
    reservations: [],
  });

/** A copy of the good blob with header word `i` (or the u32 at byte `at`) replaced. */
function patch(at: number, v: number, blob = good()): Uint8Array {
  const b = blob.slice();
  new DataView(b.buffer).setUint32(at, v);
  return b;
}

function rejects(blob: Uint8Array, re: RegExp): void {
  assert.throws(() => readFdt(blob), (e: unknown) => {
    assert.ok(e instanceof FdtError, `not an FdtError: ${e}`);
    assert.match((e as Error).message, re);
    return true;
  });
}

Deno.test("fdt reader: header checks", () => {
  const g = good();
  const h = new DataView(g.buffer);
  const offStruct = h.getUint32(8), offStrings = h.getUint32(12);
  const sizeStrings = h.getUint32(32);
  rejects(g.subarray(0, 39), /39 bytes, shorter than the 40-byte header/);
  rejects(patch(0, 0xdeadbeef), /bad magic 0xdeadbeef/);
  rejects(patch(4, g.length + 1), new RegExp(`totalsize ${g.length + 1} outside 40..${g.length}`));
  rejects(patch(4, 8), /totalsize 8 outside/);
  rejects(patch(20, 15), /version 15 unsupported/);
  rejects(patch(24, 18), /last_comp_version 18/);
  rejects(patch(8, offStruct + 2), /structure offset 0x42 not 4-aligned/);
  rejects(patch(8, 0x10000), /structure block 0x10000\+.* outside/);
  rejects(patch(36, 0x10000), /structure block 0x40\+0x10000 outside/);
  rejects(patch(12, offStrings + 0x1000), /strings block .* outside/);
  rejects(patch(16, 0x2c), /reservation map offset 0x2c not 8-aligned/);
  rejects(patch(32, sizeStrings + 0x1000), /strings block .* outside/);
});

Deno.test("fdt reader: structure-block checks", () => {
  const g = good();
  const h = new DataView(g.buffer);
  const s = h.getUint32(8), sizeStruct = h.getUint32(36);
  // First token is BEGIN_NODE for the root at s; its empty name pads to s+8.
  rejects(patch(s, 0x7), /unknown token 0x7 at 0x40/);
  rejects(patch(s, 2), /FDT_END_NODE at 0x40 with no open node/);
  rejects(patch(s, 3), /property at 0x40 outside any node/);
  rejects(patch(s, 9), /FDT_END at 0x40 before any node/);
  // Root property #address-cells: token at s+8, len at s+12, nameoff at s+16.
  rejects(patch(s + 16, 0x999), /nameoff 0x999 beyond strings size/);
  rejects(patch(s + 12, 0x1000), /property value of 0x1000 bytes at .* runs past/);
  // Root named "x": write 'x' into the first name byte.
  const named = g.slice();
  named[s + 4] = 0x78;
  rejects(named, /root node named "x"/);
  // Drop the final FDT_END by shrinking the structure block.
  rejects(patch(36, sizeStruct - 4), /FDT_END token at .* runs past/);
  // Replace FDT_END with a second root.
  rejects(patch(s + sizeStruct - 4, 1), /second root node|runs past|after the root/);
  // Unterminated string in the strings block: strings run to the end of the blob.
  const unterminated = g.slice();
  unterminated[unterminated.length - 1] = 0x41;
  rejects(unterminated, /unterminated property name/);
  // Unterminated node name: the structure block ends inside "chosen".
  const cut = patch(36, 8 + 12 + 8 + 4 + 4);
  rejects(cut, /unterminated node name|runs past/);
  // Reservation map without terminator.
  const noTerm = g.slice();
  noTerm.fill(0xff, 48, 64);
  rejects(patch(16, g.length - 8, noTerm), /reservation map at .* no terminating entry/);
});

Deno.test("fdt reader: random corruption never escapes as a non-FdtError", () => {
  const g = good();
  let seed = 12345;
  const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  let rejected = 0;
  for (let i = 0; i < 3000; i++) {
    const b = g.slice();
    const n = 1 + Math.floor(rnd() * 4);
    for (let k = 0; k < n; k++) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
    try {
      readFdt(b);
    } catch (e) {
      assert.ok(e instanceof FdtError, `case ${i}: ${e}`);
      rejected++;
    }
  }
  assert.ok(rejected > 100, `only ${rejected} rejected`);
});
