/**
 * The guest kernel and initrd files of a domU, recognised and validated before anything is
 * placed in guest memory.
 *
 * Kernels: what Xen 4.17's Arm domain builder boots on arm64 (xen/arch/arm/kernel.c
 * kernel_probe) is an arm64 Linux Image, gzip-compressed or not; hvlab accepts that, plus an
 * ELF64 AArch64 executable (loaded by physical address, for bare-metal test guests) and, when the
 * config says kernelFormat "raw", raw bytes entered at their first byte. Xen's other formats are
 * refused by name: U-Boot uImage, 32-bit Arm zImage, and old arm64 Images without the
 * "ARM\x64" magic. hvlab's MMU has only the 4 KiB granule, so 16/64 KiB-page kernels are refused,
 * as are big-endian ones.
 *
 * Initrds: a cpio "newc" archive (magic 070701 or 070702) or a gzip file, as Linux's initramfs
 * unpacker reads first; anything else is refused showing the bytes found.
 *
 * Every error names the file and the problem; malformed bytes never escape as a RangeError.
 */
import { parseElf } from "../../machine/elf.ts";
import { parseLinuxImage } from "../../machine/linux_boot.ts";
import type { KernelFormat } from "./domain_config.ts";

/** A loadable piece of an ELF kernel at its guest-physical address. */
export interface GuestElfSegment {
  gpa: bigint;
  /** File bytes; the rest up to memsz is zero. */
  data: Uint8Array;
  memsz: bigint;
}

/** A validated kernel. */
export interface GuestKernel {
  file: string;
  format: "image" | "elf" | "raw";
  /** The bytes to load (for a gzip file, the decompressed Image). */
  bytes: Uint8Array;
  /** Image: the header's text_offset (0 for raw and ELF). */
  textOffset: number;
  /**
   * Image and raw: bytes the kernel uses from its load address, including BSS (>= bytes.length).
   * 0 for ELF, whose extent is its segments'.
   */
  memSize: number;
  /** ELF only: entry point (guest-physical) and loadable segments, sorted by address. */
  elf?: { entry: bigint; segments: GuestElfSegment[] };
}

/** A validated initrd. */
export interface GuestInitrd {
  file: string;
  format: "cpio-newc" | "gzip";
  bytes: Uint8Array;
}

const GZIP = [0x1f, 0x8b];
const UIMAGE_MAGIC = 0x27051956;
const ZIMAGE32_MAGIC = 0x016f2818;
const ZIMAGE64_MAGIC_V0 = 0x14000008;
const ET_EXEC = 2;
const IMAGE_HEADER_SIZE = 64;

/** "de ad be ef ..." for the first bytes of a file, for error messages. */
function firstBytes(bytes: Uint8Array, n = 8): string {
  const shown = [...bytes.subarray(0, n)].map((b) => b.toString(16).padStart(2, "0")).join(" ");
  return bytes.length > n ? `${shown} ...` : shown;
}

const startsWith = (bytes: Uint8Array, magic: number[]) => magic.every((b, i) => bytes[i] === b);

/** Little/big-endian u32 at `off`, or undefined past the end. */
function u32(bytes: Uint8Array, off: number, le: boolean): number | undefined {
  if (off + 4 > bytes.length) return undefined;
  return new DataView(bytes.buffer, bytes.byteOffset + off, 4).getUint32(0, le);
}

/** Decompresses a gzip file; errors name the file. */
async function gunzip(file: string, bytes: Uint8Array): Promise<Uint8Array> {
  try {
    const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
      new DecompressionStream("gzip"),
    );
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (e) {
    throw new Error(`${file}: gzip data is corrupt (${(e as Error).message})`);
  }
}

/**
 * Reads a kernel file's bytes as `format` says: "auto" recognises gzip (decompressed first, as
 * Xen's kernel_decompress), an arm64 Image or an ELF64 AArch64 executable; "raw" takes the bytes
 * as they are.
 */
export async function loadGuestKernel(
  file: string,
  bytes: Uint8Array,
  format: KernelFormat,
): Promise<GuestKernel> {
  if (format === "auto" && startsWith(bytes, GZIP)) {
    const inner = await gunzip(file, bytes);
    if (startsWith(inner, GZIP)) throw new Error(`${file}: gzip inside gzip is not a kernel`);
    return probeGuestKernel(file, inner, format);
  }
  return probeGuestKernel(file, bytes, format);
}

/** The synchronous part of loadGuestKernel, for bytes that are not gzip-compressed. */
export function probeGuestKernel(
  file: string,
  bytes: Uint8Array,
  format: KernelFormat,
): GuestKernel {
  if (bytes.length === 0) throw new Error(`${file}: empty kernel file`);
  if (format === "raw") {
    return { file, format: "raw", bytes, textOffset: 0, memSize: bytes.length };
  }
  if (startsWith(bytes, GZIP)) {
    throw new Error(`${file}: gzip-compressed; use loadGuestKernel, which decompresses it`);
  }
  if (startsWith(bytes, [0x7f, 0x45, 0x4c, 0x46])) return probeElf(file, bytes);
  if (bytes.length < IMAGE_HEADER_SIZE) {
    throw new Error(
      `${file}: ${bytes.length} bytes, too short for a kernel (an arm64 Image header is 64 ` +
        `bytes; starting ${firstBytes(bytes)})`,
    );
  }
  if (u32(bytes, 0x38, true) === 0x644d5241) return probeImage(file, bytes);
  if (u32(bytes, 0, false) === UIMAGE_MAGIC) {
    throw new Error(`${file}: U-Boot uImage; hvlab boots an arm64 Image, gzip Image or ELF`);
  }
  if (u32(bytes, 0x24, true) === ZIMAGE32_MAGIC) {
    throw new Error(`${file}: 32-bit Arm zImage; hvlab guests are AArch64 only`);
  }
  if (u32(bytes, 0, true) === ZIMAGE64_MAGIC_V0) {
    throw new Error(
      `${file}: arm64 Image header without the "ARM\\x64" magic (a very old kernel); ` +
        "hvlab needs a header with text_offset, image_size and flags",
    );
  }
  throw new Error(
    `${file}: not an arm64 Linux Image, gzip Image or ELF64 file (${bytes.length} bytes, ` +
      `starting ${firstBytes(bytes)}); set kernelFormat "raw" to load raw bytes`,
  );
}

function probeImage(file: string, bytes: Uint8Array): GuestKernel {
  let header;
  try {
    header = parseLinuxImage(bytes);
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message}`);
  }
  if (header.pageSize !== 0 && header.pageSize !== 4096) {
    throw new Error(
      `${file}: kernel built for ${header.pageSize >> 10} KiB pages (Image header flags ` +
        `0x${header.flags.toString(16)}); hvlab's MMU implements the 4 KiB granule only`,
    );
  }
  return {
    file,
    format: "image",
    bytes,
    textOffset: header.textOffset,
    memSize: Math.max(header.imageSize, bytes.length),
  };
}

function probeElf(file: string, bytes: Uint8Array): GuestKernel {
  let img;
  try {
    img = parseElf(bytes);
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message}`);
  }
  // parseElf accepted the 64-byte header, so e_type (offset 16) is readable.
  const type = bytes[16] | (bytes[17] << 8);
  if (type !== ET_EXEC) throw new Error(`${file}: ELF e_type ${type} is not ET_EXEC (2)`);
  const segments = img.segments
    .filter((s) => s.memsz > 0n)
    .map((s) => ({ gpa: s.paddr, vaddr: s.vaddr, data: s.data, memsz: s.memsz }))
    .sort((a, b) => (a.gpa < b.gpa ? -1 : a.gpa > b.gpa ? 1 : 0));
  if (segments.length === 0) throw new Error(`${file}: ELF has no loadable segment`);
  for (let i = 1; i < segments.length; i++) {
    const prev = segments[i - 1], cur = segments[i];
    if (prev.gpa + prev.memsz > cur.gpa) {
      throw new Error(
        `${file}: ELF segments overlap: [0x${hex(prev.gpa)}, 0x${hex(prev.gpa + prev.memsz)}) ` +
          `and [0x${hex(cur.gpa)}, 0x${hex(cur.gpa + cur.memsz)})`,
      );
    }
  }
  // The guest starts with its MMU off, so e_entry (a virtual address) becomes physical.
  const home = segments.find((s) => img.entry >= s.vaddr && img.entry < s.vaddr + s.memsz);
  if (!home) {
    throw new Error(`${file}: ELF entry 0x${hex(img.entry)} is not inside a loadable segment`);
  }
  return {
    file,
    format: "elf",
    bytes,
    textOffset: 0,
    memSize: 0,
    elf: {
      entry: img.entry - home.vaddr + home.gpa,
      segments: segments.map(({ gpa, data, memsz }) => ({ gpa, data, memsz })),
    },
  };
}

/** Validates an initrd: non-empty, a cpio newc archive or gzip. */
export function probeGuestInitrd(file: string, bytes: Uint8Array): GuestInitrd {
  if (bytes.length === 0) throw new Error(`${file}: empty initrd file`);
  const magic = new TextDecoder("latin1").decode(bytes.subarray(0, 6));
  if (magic === "070701" || magic === "070702") return { file, format: "cpio-newc", bytes };
  if (startsWith(bytes, GZIP)) return { file, format: "gzip", bytes };
  if (magic === "070707") {
    throw new Error(`${file}: old-format (odc) cpio; Linux's initramfs needs cpio -H newc`);
  }
  throw new Error(
    `${file}: not a cpio newc archive (070701/070702) or gzip file ` +
      `(${bytes.length} bytes, starting ${firstBytes(bytes)})`,
  );
}

/** The reader the loader uses for a path (Deno.readFile in tools; a map in tests). */
export type GuestFileReader = (path: string) => Uint8Array | Promise<Uint8Array>;

/**
 * Reads and validates a domain's kernel and initrd. Reader failures (missing file, a directory)
 * come back as errors naming the role and the path.
 */
export async function loadGuestImages(
  cfg: { kernel: string; kernelFormat: KernelFormat; ramdisk?: string },
  read: GuestFileReader,
): Promise<{ kernel: GuestKernel; initrd?: GuestInitrd }> {
  const fetch = async (role: string, path: string) => {
    try {
      return await read(path);
    } catch (e) {
      throw new Error(`${role} ${path}: cannot read (${(e as Error).message})`);
    }
  };
  const kernel = await loadGuestKernel(
    cfg.kernel,
    await fetch("kernel", cfg.kernel),
    cfg.kernelFormat,
  );
  if (cfg.ramdisk === undefined) return { kernel };
  return { kernel, initrd: probeGuestInitrd(cfg.ramdisk, await fetch("ramdisk", cfg.ramdisk)) };
}

const hex = (v: bigint) => v.toString(16);
