/** ELF loading: real executables parse; malformed ones are refused naming the bad value. */
import assert from "node:assert/strict";
import { parseElf } from "../../core/machine/elf.ts";

/** A minimal valid AArch64 ELF64 with one PT_LOAD of `code` at 0x400000 (and optional bss). */
function elf(code: Uint8Array, bssOnly = false): Uint8Array {
  const phnum = bssOnly ? 2 : 1;
  const b = new Uint8Array(64 + 56 * phnum + code.length);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, 0x7f454c46);
  b[4] = 2, b[5] = 1, b[6] = 1;
  dv.setUint16(16, 2, true); // ET_EXEC
  dv.setUint16(18, 183, true);
  dv.setBigUint64(24, 0x400000n + BigInt(64 + 56 * phnum), true);
  dv.setBigUint64(32, 64n, true);
  dv.setUint16(54, 56, true);
  dv.setUint16(56, phnum, true);
  const off = 64 + 56 * phnum;
  const ph = (i: number, o: number, va: bigint, filesz: number, memsz: number) => {
    const p = 64 + 56 * i;
    dv.setUint32(p, 1, true);
    dv.setUint32(p + 4, 5, true);
    dv.setBigUint64(p + 8, BigInt(o), true);
    dv.setBigUint64(p + 16, va, true);
    dv.setBigUint64(p + 24, va, true);
    dv.setBigUint64(p + 32, BigInt(filesz), true);
    dv.setBigUint64(p + 40, BigInt(memsz), true);
  };
  ph(0, off, 0x400000n + BigInt(off), code.length, code.length);
  // A NOLOAD-style .bss segment: no file bytes, offset beyond the end of the file.
  if (bssOnly) ph(1, b.length + 4096, 0x500000n, 0, 0x10000);
  b.set(code, off);
  return b;
}

const CODE = new Uint8Array([0x00, 0x00, 0x00, 0x14]); // b .

Deno.test("parses entry and PT_LOAD segments, including a bss-only one", () => {
  const img = parseElf(elf(CODE, true));
  assert.equal(img.entry, 0x400000n + 64n + 112n);
  assert.equal(img.segments.length, 2);
  assert.deepEqual([...img.segments[0].data], [...CODE]);
  assert.equal(img.segments[1].data.length, 0);
  assert.equal(img.segments[1].memsz, 0x10000n);
});

Deno.test("malformed files are refused with the offending value", () => {
  const good = elf(CODE);
  const bad = (mutate: (b: Uint8Array, dv: DataView) => void) => {
    const b = good.slice();
    mutate(b, new DataView(b.buffer));
    return b;
  };
  assert.throws(() => parseElf(good.slice(0, 20)), /too short \(20 bytes\)/);
  assert.throws(() => parseElf(bad((b) => (b[0] = 0))), /bad magic 0x454c46/);
  assert.throws(() => parseElf(bad((b) => (b[4] = 1))), /EI_CLASS 1/);
  assert.throws(() => parseElf(bad((b) => (b[5] = 2))), /EI_DATA 2/);
  assert.throws(() => parseElf(bad((_, dv) => dv.setUint16(18, 62, true))), /e_machine 62/);
  assert.throws(
    () => parseElf(bad((_, dv) => dv.setBigUint64(64 + 32, 1n << 20n, true))),
    /past the file end/,
  );
  assert.throws(
    () => parseElf(bad((_, dv) => dv.setBigUint64(32, 1n << 40n, true))),
    /program headers/,
  );
  assert.throws(
    () => parseElf(bad((_, dv) => dv.setBigUint64(64 + 40, 1n, true))),
    /p_filesz 4 > p_memsz 1/,
  );
});
