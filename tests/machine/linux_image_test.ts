/**
 * arm64 Image header parsing and boot placement (linux_boot.ts): well-formed headers, every
 * malformed case rejected with a message naming the value, and QEMU's placement of kernel,
 * initrd and DTB for `-M virt -m 256M`.
 */
import assert from "node:assert/strict";
import { loadLinux, parseLinuxImage, planLinuxLayout } from "../../core/machine/linux_boot.ts";

/** A synthetic Image: header fields as booting.rst lays them out, then `size - 64` bytes. */
function image(
  { textOffset = 0n, imageSize = 0x1000n, flags = 0xan, magic = 0x644d5241, size = 0x1000 } = {},
): Uint8Array {
  const b = new Uint8Array(size);
  const dv = new DataView(b.buffer);
  b.set([0x4d, 0x5a]); // "MZ": the EFI stub's code0, as Debian's Image has
  dv.setBigUint64(0x08, textOffset, true);
  dv.setBigUint64(0x10, imageSize, true);
  dv.setBigUint64(0x18, flags, true);
  dv.setUint32(0x38, magic, true);
  return b;
}

Deno.test("linux image: header fields of a well-formed Image", () => {
  const h = parseLinuxImage(image({ imageSize: 0x2000n }));
  assert.deepEqual(h, {
    textOffset: 0,
    imageSize: 0x2000,
    flags: 0xa,
    pageSize: 4096,
    placeAnywhere: true,
  });
  assert.equal(parseLinuxImage(image({ flags: 6n })).pageSize, 65536);
  assert.equal(parseLinuxImage(image({ flags: 0n })).pageSize, 0);
});

Deno.test("linux image: image_size 0 means a pre-3.17 image with text_offset 0x80000", () => {
  const h = parseLinuxImage(image({ imageSize: 0n, textOffset: 0n }));
  assert.equal(h.textOffset, 0x80000);
});

Deno.test("linux image: malformed headers are rejected naming the problem", () => {
  const cases: [Uint8Array, RegExp][] = [
    [new Uint8Array(63), /63 bytes, shorter than the 64-byte Image header/],
    [Uint8Array.of(0x1f, 0x8b, ...new Uint8Array(100)), /gzip-compressed/],
    [image({ magic: 0x12345678 }), /bad magic 0x12345678 at 0x38/],
    [image({ textOffset: 0x80010n }), /text_offset 0x80010 is not a page offset/],
    [image({ textOffset: 0x200000n }), /text_offset 0x200000 is not a page offset below 2 MiB/],
    [image({ flags: 1n }), /big-endian kernel/],
    [image({ imageSize: 0x800n }), /image_size 0x800 smaller than the file \(4096 bytes\)/],
    [image({ textOffset: 1n << 60n }), /text_offset 0x1000000000000000 too large/],
  ];
  for (const [bytes, re] of cases) assert.throws(() => parseLinuxImage(bytes), re);
});

Deno.test("linux boot: placement as QEMU's hw/arm/boot.c for -m 256M with an initrd", () => {
  const h = parseLinuxImage(image({ imageSize: 0x2_0000n }));
  const l = planLinuxLayout(0x4000_0000, 256 << 20, h, 0x1000, 0x1000, 0x640);
  // Same addresses as a qemu-system-aarch64 -M virt -m 256M run of Debian's Image.
  assert.deepEqual(l, {
    kernel: 0x4020_0000,
    kernelEnd: 0x4022_0000,
    dtb: 0x4820_0000,
    initrd: { start: 0x4800_0000, end: 0x4800_1000 },
  });
  // Without an initrd the DTB goes to the 2 MiB boundary after the kernel.
  assert.equal(
    planLinuxLayout(0x4000_0000, 256 << 20, h, 0x1000, undefined, 0x640).dtb,
    0x4040_0000,
  );
  // A kernel whose image_size passes RAM/2 pushes the initrd above it.
  const big = parseLinuxImage(image({ imageSize: 0x900_0000n }));
  const lb = planLinuxLayout(0x4000_0000, 256 << 20, big, 0x1000, 0x1000, 0x640);
  assert.equal(lb.initrd!.start, 0x4920_0000);
});

Deno.test("linux boot: pieces that do not fit are rejected", () => {
  const h = parseLinuxImage(image({ imageSize: 0x2_0000n }));
  assert.throws(
    () => planLinuxLayout(0x4000_0000, 8 << 20, h, 0x1000, 16 << 20, 0x640),
    /initrd \(16777216 bytes\) and device tree do not fit in 8 MiB of RAM/,
  );
  assert.throws(
    () => planLinuxLayout(0x4000_0000, 256 << 20, h, 0x1000, undefined, 3 << 20),
    /exceeds 2 MiB/,
  );
  assert.throws(
    () => planLinuxLayout(0x4010_0000, 256 << 20, h, 0x1000, undefined, 64),
    /not 2 MiB aligned/,
  );
});

Deno.test("linux boot: entry registers are X0 = DTB, X1-X3 = 0, PC = kernel", () => {
  const h = parseLinuxImage(image());
  const l = planLinuxLayout(0x4000_0000, 64 << 20, h, 0x1000, 4, 16);
  const writes: [number, number][] = [];
  let entry: [number, number[]] | undefined;
  loadLinux(
    {
      writeRam: (pa, b) => writes.push([pa, b.length]),
      enter: (pc, x) => entry = [pc, x],
    },
    l,
    image(),
    new Uint8Array(16),
    new Uint8Array(4),
  );
  assert.deepEqual(writes, [[0x4020_0000, 0x1000], [l.initrd!.start, 4], [l.dtb, 16]]);
  assert.deepEqual(entry, [0x4020_0000, [l.dtb, 0, 0, 0]]);
  assert.throws(
    () =>
      loadLinux(
        { writeRam: () => {}, enter: () => {} },
        { ...l, initrd: undefined },
        image(),
        new Uint8Array(16),
        new Uint8Array(4),
      ),
    /an initrd was given but the layout has none/,
  );
});
