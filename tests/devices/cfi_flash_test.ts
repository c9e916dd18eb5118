import assert from "node:assert/strict";
import { CFI_SR, CfiFlash, type CfiFlashConfig } from "../../core/devices/cfi_flash.ts";
import type { DeviceLog } from "../../core/devices/register_rows.ts";
import type { MmioAccess } from "../../core/mem/mmio_bus.ts";
import { rd, wr } from "./mmio_helpers.ts";

const KIB = 1024;
const SECTOR = 256 * KIB;
/** A small bank of QEMU virt's shape (two x16 devices, 256 KiB sectors), 4 sectors long. */
const SMALL: CfiFlashConfig = { size: 4 * SECTOR };

function flash(config: CfiFlashConfig = SMALL, image?: Uint8Array) {
  const errors: string[] = [];
  const unimplemented: string[] = [];
  const modes: boolean[] = [];
  const log: DeviceLog = {
    guestError: (_d, m) => errors.push(m),
    unimplemented: (_d, m) => unimplemented.push(m),
  };
  const f = new CfiFlash("flash", config, image, { log, onArrayMode: (m) => modes.push(m) });
  return { f, errors, unimplemented, modes };
}

/** Status as a 32-bit bank read shows it: the same byte in both devices' lanes. */
const both = (v: number) => (v | (v << 16)) >>> 0;

Deno.test("cfi flash: CFI query table of QEMU virt's bank (64 MiB, two x16 devices, 256 KiB sectors)", () => {
  const { f } = flash({});
  wr(f, 0x55 * 4, both(0x98));
  const q = (i: number) => rd(f, 4 * i);
  assert.equal(q(0x10), both(0x51));
  assert.deepEqual([0x10, 0x11, 0x12].map((i) => q(i) & 0xff), [0x51, 0x52, 0x59]);
  const bytes = Array.from({ length: 0x40 }, (_, i) => q(i));
  for (const v of bytes) assert.equal(v >>> 16, v & 0xffff, "both devices answer alike");
  const t = bytes.map((v) => v & 0xffff);
  assert.deepEqual(t.slice(0x13, 0x17), [0x01, 0x00, 0x31, 0x00], "Intel set, PRI at 0x31");
  assert.equal(t[0x27], 25, "each device holds 32 MiB");
  assert.deepEqual(t.slice(0x28, 0x2b), [0x02, 0x00, 0x0b]);
  assert.deepEqual(t.slice(0x2c, 0x31), [0x01, 0xff, 0x00, 0x00, 0x02], "256 blocks of 128 KiB");
  assert.deepEqual(t.slice(0x31, 0x36), [0x50, 0x52, 0x49, 0x31, 0x30]);
  assert.equal(t[0x3f], 1);
  assert.equal(q(0x100), 0, "past the table");
  // Half-word reads see one device's lanes.
  assert.equal(rd(f, 0x40, 2), 0x51);
  assert.equal(rd(f, 0x42, 2), 0x51);
  assert.equal(rd(f, 0x41, 1), 0, "the high byte of an x16 device's answer");
  wr(f, 0, both(0xff));
  assert.equal(rd(f, 0x40), 0xffff_ffff, "read array again");
});

Deno.test("cfi flash: read identifier gives manufacturer 0x89, device 0x18 and block lock state", () => {
  const { f } = flash();
  wr(f, 0, both(0x90));
  assert.equal(rd(f, 0x0), both(0x89));
  assert.equal(rd(f, 0x4), both(0x18));
  assert.equal(rd(f, SECTOR + 0x8), 0, "block 1 unlocked");
  assert.equal(rd(f, 0x400), both(0x89), "codes repeat every 256 words");
  wr(f, SECTOR, both(0x60));
  wr(f, SECTOR, both(0x01));
  wr(f, 0, both(0x90));
  assert.equal(rd(f, SECTOR + 0x8), both(1), "block 1 locked");
  assert.equal(rd(f, 0x8), 0, "block 0 still unlocked");
});

Deno.test("cfi flash: word program clears bits only and leaves the bank in read-status mode", () => {
  const { f } = flash();
  wr(f, 0x100, both(0x40));
  assert.equal(rd(f, 0x100), both(CFI_SR.READY), "status while the program cycle is pending");
  wr(f, 0x100, 0x1234_5678);
  assert.equal(rd(f, 0x100), both(CFI_SR.READY));
  wr(f, 0, both(0xff));
  assert.equal(rd(f, 0x100), 0x1234_5678);
  assert.equal(rd(f, 0x104), 0xffff_ffff);
  wr(f, 0x100, both(0x10));
  wr(f, 0x100, 0xff00_ff0f);
  wr(f, 0, both(0xff));
  assert.equal(rd(f, 0x100), 0x1200_5608, "a 1 cannot be programmed over a 0");
  wr(f, 0x201, 0x40, 1);
  wr(f, 0x201, 0x5a, 1);
  wr(f, 0, 0xff, 1);
  assert.equal(rd(f, 0x200), 0xffff_5aff, "byte program");
  assert.equal(f.image[0x201], 0x5a);
});

Deno.test("cfi flash: block erase at the 0xD0 confirm, one 256 KiB sector; a bad confirm is a sequence error", () => {
  const { f, errors } = flash();
  for (const at of [SECTOR - 4, SECTOR, 2 * SECTOR - 4, 2 * SECTOR]) {
    wr(f, at, both(0x40));
    wr(f, at, 0);
  }
  wr(f, SECTOR + 0x1000, both(0x20));
  wr(f, SECTOR + 0x1000, both(0x22));
  assert.equal(rd(f, 0), both(CFI_SR.READY | CFI_SR.PROGRAM | CFI_SR.ERASE));
  assert.equal(f.image[SECTOR], 0, "nothing erased");
  assert.match(errors.join(), /sequence error: erase confirm 0x22/);
  wr(f, 0, both(0x50));
  assert.equal(rd(f, SECTOR), 0, "clear status returns to read array");
  wr(f, 0, both(0x70));
  assert.equal(rd(f, 0), both(CFI_SR.READY));
  wr(f, SECTOR + 0x1000, both(0x20));
  assert.equal(f.image[SECTOR], 0, "erase waits for the confirm");
  wr(f, SECTOR + 0x1000, both(0xd0));
  assert.equal(rd(f, 0), both(CFI_SR.READY));
  wr(f, 0, both(0xff));
  assert.deepEqual(
    [SECTOR - 4, SECTOR, 2 * SECTOR - 4, 2 * SECTOR].map((o) => rd(f, o)),
    [0, 0xffff_ffff, 0xffff_ffff, 0],
  );
});

Deno.test("cfi flash: buffered program writes at the confirm; bad count, window or confirm are refused", () => {
  const { f, errors } = flash();
  wr(f, 0x1000, both(0xe8));
  assert.equal(rd(f, 0x1000), both(CFI_SR.READY), "buffer available");
  wr(f, 0x1000, both(3));
  for (let i = 0; i < 4; i++) wr(f, 0x1000 + 4 * i, 0x1111_1111 * (i + 1));
  assert.equal(f.image[0x1000], 0xff, "nothing written before the confirm");
  wr(f, 0x1000, both(0xd0));
  assert.equal(rd(f, 0x1000), both(CFI_SR.READY));
  wr(f, 0, both(0xff));
  assert.deepEqual([0, 1, 2, 3, 4].map((i) => rd(f, 0x1000 + 4 * i)), [
    0x1111_1111,
    0x2222_2222,
    0x3333_3333,
    0x4444_4444,
    0xffff_ffff,
  ]);
  const seqError = both(CFI_SR.READY | CFI_SR.PROGRAM | CFI_SR.ERASE);
  // Aborted: the data is discarded.
  wr(f, 0x2000, both(0xe8));
  wr(f, 0x2000, both(0));
  wr(f, 0x2000, 0);
  wr(f, 0x2000, both(0xff));
  assert.equal(rd(f, 0x2000), seqError);
  assert.equal(f.image[0x2000], 0xff);
  wr(f, 0, both(0x50));
  // Too many words: the buffer holds 2 KiB per device, 1024 bank words.
  wr(f, 0x2000, both(0xe8));
  wr(f, 0x2000, both(1024));
  assert.equal(rd(f, 0x2000), seqError);
  wr(f, 0, both(0x50));
  // Across the 4 KiB window of the first write.
  wr(f, 0x2ffc, both(0xe8));
  wr(f, 0x2ffc, both(1));
  wr(f, 0x2ffc, 0);
  wr(f, 0x3000, 0);
  wr(f, 0x2ffc, both(0xd0));
  assert.equal(rd(f, 0x2ffc), seqError);
  assert.equal(f.image[0x3000], 0xff);
  assert.equal(errors.length, 3, errors.join("; "));
});

Deno.test("cfi flash: a locked block refuses program, erase and buffered program with the status error bits", () => {
  const { f } = flash();
  wr(f, SECTOR, both(0x60));
  wr(f, SECTOR + 0x40, both(0x01));
  wr(f, SECTOR + 0x10, both(0x40));
  wr(f, SECTOR + 0x10, 0);
  assert.equal(rd(f, SECTOR), both(CFI_SR.READY | CFI_SR.LOCKED | CFI_SR.PROGRAM));
  wr(f, 0, both(0x50));
  wr(f, SECTOR, both(0x20));
  wr(f, SECTOR, both(0xd0));
  assert.equal(rd(f, SECTOR), both(CFI_SR.READY | CFI_SR.LOCKED | CFI_SR.ERASE));
  wr(f, 0, both(0x50));
  wr(f, SECTOR, both(0xe8));
  wr(f, SECTOR, both(0));
  wr(f, SECTOR, 0);
  wr(f, SECTOR, both(0xd0));
  assert.equal(rd(f, SECTOR), both(CFI_SR.READY | CFI_SR.LOCKED | CFI_SR.PROGRAM));
  wr(f, 0, both(0x50));
  assert.equal(rd(f, SECTOR + 0x10), 0xffff_ffff, "nothing changed");
  // Other blocks are not locked.
  wr(f, 0x10, both(0x40));
  wr(f, 0x10, 0);
  assert.equal(rd(f, 0x10), both(CFI_SR.READY));
  wr(f, SECTOR, both(0x60));
  wr(f, SECTOR, both(0xd0));
  wr(f, SECTOR + 0x10, both(0x40));
  wr(f, SECTOR + 0x10, 0);
  assert.equal(rd(f, SECTOR), both(CFI_SR.READY), "unlocked again");
  wr(f, 0, both(0xff));
  assert.equal(rd(f, SECTOR + 0x10), 0);
});

Deno.test("cfi flash: array mode is reported to the owner; 8-byte accesses act as two 4-byte ones; unknown commands are guest errors", () => {
  const img = new Uint8Array(SMALL.size!).fill(0xff);
  img.set([1, 2, 3, 4, 5, 6, 7, 8], 0x20);
  const { f, modes, errors, unimplemented } = flash(SMALL, img);
  assert.equal(f.image, img, "the image is used in place");
  assert.equal(f.arrayMode, true);
  const a: MmioAccess = { offset: 0x20, size: 8, write: false, value: 0, valueHi: 0 };
  f.access(a);
  assert.deepEqual([a.value, a.valueHi], [0x0403_0201, 0x0807_0605]);
  wr(f, 0, both(0x98));
  assert.equal(f.arrayMode, false);
  wr(f, 0, both(0x70));
  wr(f, 0, both(0xff));
  assert.deepEqual(modes, [false, true]);
  wr(f, 0, both(0x12));
  assert.equal(rd(f, 0x20), 0x0403_0201);
  assert.match(errors.join(), /unknown command 0x12/);
  wr(f, 0, both(0xc0));
  assert.match(unimplemented.join(), /command 0xc0/);
  // An 8-byte write is a command then a data cycle.
  const w: MmioAccess = { offset: 0x28, size: 8, write: true, value: both(0x40), valueHi: 0 };
  f.access(w);
  wr(f, 0, both(0xff));
  assert.equal(rd(f, 0x2c), 0);
});

Deno.test("cfi flash: images of the wrong size are refused naming the sizes; save/restore mid-command", () => {
  assert.throws(
    () => flash(SMALL, new Uint8Array(100)),
    /image of 100 bytes; .* holds 1048576 bytes/,
  );
  assert.throws(() => new CfiFlash("f", { size: 3 * SECTOR }), /size 786432 is not a power of two/);
  assert.throws(() => new CfiFlash("f", { ids: [0x89, 0x10000] }), /codes 137, 65536/);
  assert.throws(() => new CfiFlash("f", { bankWidth: 2, deviceWidth: 4 }), /bank width 2/);
  const a = flash();
  wr(a.f, SECTOR, both(0x60));
  wr(a.f, SECTOR, both(0x01));
  wr(a.f, 0x40, both(0x40));
  wr(a.f, 0x40, 0xabcd_0123);
  wr(a.f, 0x80, both(0xe8));
  wr(a.f, 0x80, both(1));
  wr(a.f, 0x80, 0x5555_5555);
  const saved = a.f.save();
  const b = flash();
  const img = b.f.image;
  b.f.restore(structuredClone(saved));
  assert.equal(b.f.image, img, "restored into the same array");
  assert.deepEqual(b.modes, [false]);
  wr(b.f, 0x84, 0x6666_6666);
  wr(b.f, 0x80, both(0xd0));
  wr(b.f, 0, both(0xff));
  assert.deepEqual([0x40, 0x80, 0x84].map((o) => rd(b.f, o)), [
    0xabcd_0123,
    0x5555_5555,
    0x6666_6666,
  ]);
  wr(b.f, 0, both(0x90));
  assert.equal(rd(b.f, SECTOR + 8), both(1), "lock bits restored");
  assert.throws(
    () => b.f.restore({ ...saved, image: new Uint8Array(5) }),
    /saved image is 5 bytes; this flash holds 1048576 bytes/,
  );
  assert.throws(() => b.f.restore({ ...saved, mode: "x" as never }), /field mode is x/);
  assert.throws(() => b.f.restore({ ...saved, status: 256 }), /field status is 256/);
  assert.throws(
    () => b.f.restore({ ...saved, locked: new Uint8Array(3) }),
    /field locked is 3 bytes/,
  );
  assert.throws(
    () => b.f.restore({ ...saved, bufferWrites: [{ offset: -1, size: 4, bytes: [0, 0, 0, 0] }] }),
    /field bufferWrites is list\(1\)/,
  );
  assert.equal(rd(b.f, SECTOR + 8), both(1), "a refused state changes nothing");
});
