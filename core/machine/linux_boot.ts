/**
 * The arm64 Linux boot protocol (Linux Documentation/arch/arm64/booting.rst) for a board with
 * RAM at one base: parse the Image header, place the Image at a 2 MiB-aligned base plus
 * text_offset, the initrd and the device tree above it, and enter the kernel with X0 = DTB
 * address, X1-X3 = 0, at EL1h with MMU and caches off and DAIF masked.
 *
 * Placement follows QEMU's hw/arm/boot.c so that a run is comparable with qemu-system-aarch64's:
 * the Image at RAM base + 2 MiB + text_offset, the initrd at RAM base + min(RAM/2, 128 MiB) (or
 * above the kernel's image_size if that is higher), the DTB at the next 2 MiB boundary after it.
 */

/** Offset and value of the Image header magic "ARM\x64" (little-endian u32). */
const MAGIC_OFFSET = 0x38;
const MAGIC = 0x644d5241;
const HEADER_SIZE = 0x40;
const MiB = 1 << 20;
const TWO_MiB = 2 * MiB;
/** text_offset assumed for images older than v3.17 (image_size = 0), per booting.rst. */
const LEGACY_TEXT_OFFSET = 0x8_0000;
/** Largest device tree booting.rst allows. */
const MAX_DTB = TWO_MiB;

/** The fields of an arm64 Image header. */
export interface LinuxImageHeader {
  /** Offset of the image from a 2 MiB-aligned base (booting.rst: text_offset). */
  textOffset: number;
  /** Bytes the kernel uses from its load address, including BSS (0 in pre-3.17 images). */
  imageSize: number;
  /** Raw flags: bit 0 big-endian, bits 1-2 page size, bit 3 physical placement anywhere. */
  flags: number;
  /** Kernel page size from the flags: 4096, 16384, 65536, or 0 when unspecified. */
  pageSize: number;
  /** Flags bit 3: the base may be anywhere in RAM (else as low as possible). */
  placeAnywhere: boolean;
}

/** Reads and validates the 64-byte header of an arm64 Linux Image. Throws naming the problem. */
export function parseLinuxImage(image: Uint8Array): LinuxImageHeader {
  if (image.length < HEADER_SIZE) {
    throw new Error(`linux image: ${image.length} bytes, shorter than the 64-byte Image header`);
  }
  if (image[0] === 0x1f && image[1] === 0x8b) {
    throw new Error("linux image: gzip-compressed (vmlinuz); decompress it to the raw Image first");
  }
  const dv = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const magic = dv.getUint32(MAGIC_OFFSET, true);
  if (magic !== MAGIC) {
    throw new Error(
      `linux image: bad magic 0x${
        magic.toString(16).padStart(8, "0")
      } at 0x38 (want 0x644d5241, "ARM\\x64")`,
    );
  }
  const u64 = (off: number, what: string): number => {
    const v = dv.getBigUint64(off, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new Error(`linux image: ${what} 0x${v.toString(16)} too large`);
    }
    return Number(v);
  };
  let textOffset = u64(0x08, "text_offset");
  const imageSize = u64(0x10, "image_size");
  const flags = u64(0x18, "flags");
  // booting.rst: with image_size 0 the header predates the fields; assume text_offset 0x80000.
  if (imageSize === 0) textOffset = LEGACY_TEXT_OFFSET;
  if (textOffset % 4096 !== 0 || textOffset >= TWO_MiB) {
    throw new Error(
      `linux image: text_offset 0x${textOffset.toString(16)} is not a page offset below 2 MiB`,
    );
  }
  if (flags & 1) {
    throw new Error("linux image: big-endian kernel (flags bit 0); hvlab runs little-endian");
  }
  if (imageSize !== 0 && imageSize < image.length) {
    throw new Error(
      `linux image: image_size 0x${
        imageSize.toString(16)
      } smaller than the file (${image.length} bytes)`,
    );
  }
  return {
    textOffset,
    imageSize,
    flags,
    pageSize: [0, 4096, 16384, 65536][(flags >> 1) & 3],
    placeAnywhere: (flags & 8) !== 0,
  };
}

/** Where the pieces of a Linux boot go, in physical addresses. */
export interface LinuxLayout {
  /** Load address of the Image (= entry point): a 2 MiB-aligned base + text_offset. */
  kernel: number;
  /** End of the kernel's memory (load address + image_size). */
  kernelEnd: number;
  /** Device tree address (passed in X0). */
  dtb: number;
  /** [start, end) of the initrd, when there is one. */
  initrd?: { start: number; end: number };
}

const alignUp = (v: number, a: number) => Math.ceil(v / a) * a;

/**
 * Plans the placement of an Image (`header`, `imageLength` bytes), an optional initrd and a DTB of
 * at most `dtbSize` bytes in RAM [ramBase, ramBase + ramSize). Throws when they do not fit.
 */
export function planLinuxLayout(
  ramBase: number,
  ramSize: number,
  header: LinuxImageHeader,
  imageLength: number,
  initrdLength: number | undefined,
  dtbSize: number,
): LinuxLayout {
  if (ramBase % TWO_MiB !== 0) {
    throw new Error(`linux boot: RAM base 0x${ramBase.toString(16)} not 2 MiB aligned`);
  }
  if (dtbSize > MAX_DTB) {
    throw new Error(`linux boot: device tree of ${dtbSize} bytes exceeds 2 MiB`);
  }
  const ramEnd = ramBase + ramSize;
  // QEMU keeps the first 2 MiB for its boot stub; hvlab mirrors it so addresses match.
  const kernel = ramBase + TWO_MiB + header.textOffset;
  const kernelEnd = kernel + Math.max(header.imageSize, imageLength);
  let next = kernelEnd;
  let initrd: LinuxLayout["initrd"];
  if (initrdLength !== undefined) {
    const start = alignUp(Math.max(ramBase + Math.min(ramSize / 2, 128 * MiB), kernelEnd), 4096);
    initrd = { start, end: start + initrdLength };
    next = initrd.end;
  }
  const dtb = alignUp(next, TWO_MiB);
  if (dtb + dtbSize > ramEnd) {
    throw new Error(
      `linux boot: kernel (0x${(kernelEnd - kernel).toString(16)} bytes)` +
        (initrd ? `, initrd (${initrdLength} bytes)` : "") +
        ` and device tree do not fit in ${ramSize >> 20} MiB of RAM`,
    );
  }
  return { kernel, kernelEnd, dtb, ...(initrd ? { initrd } : {}) };
}

/** The parts of a board the loader needs: a way to write RAM and the boot registers. */
export interface LinuxBootTarget {
  writeRam(pa: number, bytes: Uint8Array): void;
  /** Sets the PC and X0-X3 of the boot PE (already at EL1h, MMU off, DAIF masked). */
  enter(pc: number, x: [number, number, number, number]): void;
}

/**
 * Loads the Image (and initrd) as planned by `layout` and the device tree `dtb` (which must carry
 * /chosen initrd properties matching `layout.initrd`), then sets the entry registers.
 */
export function loadLinux(
  target: LinuxBootTarget,
  layout: LinuxLayout,
  image: Uint8Array,
  dtb: Uint8Array,
  initrd?: Uint8Array,
): void {
  target.writeRam(layout.kernel, image);
  if (initrd) {
    if (!layout.initrd) throw new Error("linux boot: an initrd was given but the layout has none");
    target.writeRam(layout.initrd.start, initrd);
  }
  target.writeRam(layout.dtb, dtb);
  target.enter(layout.kernel, [layout.dtb, 0, 0, 0]);
}
