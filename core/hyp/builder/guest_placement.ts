/**
 * Where a dom0less domU's kernel, device tree and initrd go in guest RAM, by Xen 4.17's rules
 * (xen/arch/arm/kernel.c), so the guest sees the addresses real Xen gives it (/chosen
 * linux,initrd-start, /proc/iomem):
 *
 * - an arm64 Image is loaded at the first RAM bank's base + text_offset and entered there;
 *   Xen takes the kernel's end as load address + file length (kernel_zimage_place/_load);
 * - place_modules: the DTB and initrd sizes are each rounded up to 2 MiB; together they go at
 *   RAM base + 128 MiB when they fit below the bank end and the kernel ends below that point,
 *   else at the top of the first bank when that is above the kernel's 2 MiB-rounded end, else
 *   just below the kernel; the initrd follows the DTB's 2 MiB slot.
 *
 * hvlab applies the same rules to an ELF kernel (its lowest and highest segment addresses) and a
 * raw one (loaded at RAM base), and adds checks Xen leaves to luck: the kernel's whole memory
 * (Image image_size, ELF p_memsz) must lie in the first bank and must not meet the modules.
 */
import type { GuestRange } from "./domu_fdt.ts";
import type { GuestInitrd, GuestKernel } from "./guest_image.ts";

/** Xen's buffer for a domU device tree (domain_build.c DOMU_DTB_SIZE). */
export const XEN_DOMU_DTB_SIZE = 4096;
const MiB = 1n << 20n;
const TWO_MiB = 2n * MiB;
/** booting.rst: the device tree must not exceed 2 MiB. */
const MAX_DTB = 2 * 1024 * 1024;

/** Bytes to copy to guest memory at `gpa`; `size` >= bytes.length, the rest zero. */
export interface GuestLoadSegment {
  gpa: bigint;
  bytes: Uint8Array;
  size: bigint;
}

/** The placement of a domU's boot images, as plain data. */
export interface GuestBootPlan {
  /** The kernel's pieces, then the initrd; the caller writes the device tree at dtbGpa. */
  segments: GuestLoadSegment[];
  /** Entry PC (MMU off); X0 = dtbGpa. */
  entry: bigint;
  /** [kernelStart, kernelEnd): the kernel's memory, including BSS. */
  kernelStart: bigint;
  kernelEnd: bigint;
  dtbGpa: bigint;
  /** The initrd's address and exact length (/chosen linux,initrd-start/-end = gpa, gpa+size). */
  initrdGpa?: bigint;
  initrdSize?: number;
}

const roundUp = (v: bigint, a: bigint) => (v + a - 1n) & ~(a - 1n);
const hex = (v: bigint) => `0x${v.toString(16)}`;

/**
 * Places `kernel`, an optional `initrd` and a device tree of `dtbSize` bytes (any size up to
 * 2 MiB gives the same addresses; default Xen's 4 KiB buffer) in `banks` (guest bank order, as
 * xenDomuRamBanks returns). Throws naming the file when something does not fit.
 */
export function planGuestBoot(
  kernel: GuestKernel,
  initrd: GuestInitrd | undefined,
  banks: GuestRange[],
  dtbSize = XEN_DOMU_DTB_SIZE,
): GuestBootPlan {
  if (banks.length === 0) throw new Error("guest boot: no RAM banks");
  if (!Number.isInteger(dtbSize) || dtbSize <= 0 || dtbSize > MAX_DTB) {
    throw new Error(`guest boot: device tree size ${dtbSize} outside 1..${MAX_DTB}`);
  }
  const rambase = banks[0].base, ramsize = banks[0].size, ramend = rambase + ramsize;
  const inBank0 = (start: bigint, end: bigint) => start >= rambase && end <= ramend;
  const bankText = `the first RAM bank [${hex(rambase)}, ${hex(ramend)})`;

  let segments: GuestLoadSegment[], entry: bigint;
  // Xen's kernbase/kernend for place_modules, and the kernel's true memory extent.
  let kernbase: bigint, kernend: bigint, memEnd: bigint;
  if (kernel.elf) {
    segments = kernel.elf.segments.map((s) => ({ gpa: s.gpa, bytes: s.data, size: s.memsz }));
    for (const s of segments) {
      if (!inBank0(s.gpa, s.gpa + s.size)) {
        throw new Error(
          `${kernel.file}: ELF segment [${hex(s.gpa)}, ${hex(s.gpa + s.size)}) is outside ` +
            bankText,
        );
      }
    }
    entry = kernel.elf.entry;
    kernbase = segments[0].gpa;
    kernend = memEnd = segments.reduce((m, s) => (s.gpa + s.size > m ? s.gpa + s.size : m), 0n);
  } else {
    kernbase = entry = rambase + BigInt(kernel.textOffset);
    kernend = kernbase + BigInt(kernel.bytes.length);
    memEnd = kernbase + BigInt(kernel.memSize);
    if (memEnd > ramend) {
      throw new Error(
        `${kernel.file}: kernel needs ${kernel.memSize} bytes from ${hex(kernbase)}, ` +
          `more than ${bankText} holds`,
      );
    }
    segments = [{ gpa: kernbase, bytes: kernel.bytes, size: BigInt(kernel.bytes.length) }];
  }

  const initrdLen = roundUp(BigInt(initrd?.bytes.length ?? 0), TWO_MiB);
  const dtbLen = roundUp(BigInt(dtbSize), TWO_MiB);
  const modsize = initrdLen + dtbLen;
  const kernsize = roundUp(kernend, TWO_MiB) - kernbase;
  const ram128mb = rambase + 128n * MiB;
  const what = initrd
    ? `the device tree and initrd ${initrd.file} (${initrd.bytes.length} bytes)`
    : "the device tree";
  if (modsize + kernsize > ramsize) {
    throw new Error(
      `${kernel.file}: the kernel and ${what} do not fit in ${bankText} (Xen: "Not enough ` +
        `memory in the first bank for the kernel+dtb+initrd")`,
    );
  }
  let modbase: bigint;
  if (ramend >= ram128mb + modsize && kernend < ram128mb) modbase = ram128mb;
  else if (ramend - modsize > roundUp(kernend, TWO_MiB)) modbase = ramend - modsize;
  else if (kernbase - rambase > modsize) modbase = kernbase - modsize;
  else {
    throw new Error(`${kernel.file}: no room for ${what} around the kernel in ${bankText}`);
  }
  if (modbase < memEnd && modbase + modsize > kernbase) {
    throw new Error(
      `${kernel.file}: ${what} at [${hex(modbase)}, ${hex(modbase + modsize)}) would overlap ` +
        `the kernel's memory [${hex(kernbase)}, ${hex(memEnd)}) (its image_size/BSS)`,
    );
  }
  const plan: GuestBootPlan = {
    segments,
    entry,
    kernelStart: kernbase,
    kernelEnd: memEnd,
    dtbGpa: modbase,
  };
  if (initrd) {
    plan.initrdGpa = modbase + dtbLen;
    plan.initrdSize = initrd.bytes.length;
    plan.segments = [
      ...segments,
      { gpa: plan.initrdGpa, bytes: initrd.bytes, size: BigInt(initrd.bytes.length) },
    ];
  }
  return plan;
}
