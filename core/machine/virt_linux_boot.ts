/**
 * Boots an arm64 Linux Image on VirtBoard the way `qemu-system-aarch64 -M virt -kernel Image
 * -initrd file -append args` does: the board's own device tree (virt_fdt.ts) with /chosen filled
 * in, placement and entry registers from linux_boot.ts.
 */
import { type LinuxLayout, loadLinux, parseLinuxImage, planLinuxLayout } from "./linux_boot.ts";
import { virtFdt } from "./virt_fdt.ts";
import { VIRT_MAP } from "./virt_memory_map.ts";
import type { VirtBoard } from "./virt_board.ts";

/** What to boot. */
export interface VirtLinuxBoot {
  /** The raw (decompressed) arm64 Image. */
  image: Uint8Array;
  initrd?: Uint8Array;
  /** Kernel command line (/chosen/bootargs). */
  bootargs?: string;
}

/** Loads Linux into `board` and points its PE at the kernel entry. Returns the layout used. */
export function bootLinuxOnVirt(board: VirtBoard, boot: VirtLinuxBoot): LinuxLayout {
  const header = parseLinuxImage(boot.image);
  const ramBase = VIRT_MAP.ram.base;
  // The DTB size depends on the initrd addresses only through fixed-size u64 cells: size it once.
  const gic = board.gicV3 ? "v3" : "v2";
  const devices = { rtc: board.rtc !== null, flash: board.flash.length > 0 };
  const probe = virtFdt({
    ramSize: board.ramSize,
    gic,
    ...devices,
    bootargs: boot.bootargs,
    initrd: boot.initrd ? { start: 0, end: 0 } : undefined,
  });
  const layout = planLinuxLayout(
    ramBase,
    board.ramSize,
    header,
    boot.image.length,
    boot.initrd?.length,
    probe.length,
  );
  const dtb = virtFdt({
    ramSize: board.ramSize,
    gic,
    ...devices,
    bootargs: boot.bootargs,
    initrd: layout.initrd,
  });
  loadLinux(
    {
      writeRam: (pa, bytes) => board.mem.write(pa, bytes),
      enter: (pc, x) => {
        x.forEach((v, i) => board.cpu.setX(i, BigInt(v)));
        board.cpu.pc = BigInt(pc);
      },
    },
    layout,
    boot.image,
    dtb,
    boot.initrd,
  );
  return layout;
}
