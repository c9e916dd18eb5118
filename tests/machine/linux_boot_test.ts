/**
 * Debian's unmodified arm64 Linux 6.1 boots bare-metal on VirtBoard to the busybox /init marker
 * (about 0.9 billion instructions). Skips, printing the fetch commands, when the packages are
 * not in the cache directory (tools/linux/guest_files.ts).
 */
import assert from "node:assert/strict";
import { VirtBoard } from "../../core/machine/virt_board.ts";
import { bootLinuxOnVirt } from "../../core/machine/virt_linux_boot.ts";
import {
  buildInitramfs,
  decompressImage,
  FETCH_COMMANDS,
  findLinuxFiles,
  INIT_MARKER,
} from "../../tools/linux/guest_files.ts";

const files = findLinuxFiles();
const skip = files
  ? ""
  : ` (SKIPPED: fetch Debian's kernel and busybox with: ${FETCH_COMMANDS.join(" && ")})`;

Deno.test(
  "linux: Debian's 6.1 kernel boots on VirtBoard to /init" + skip,
  { ignore: !files },
  async () => {
    const image = await decompressImage(Deno.readFileSync(files!.vmlinuz));
    const initrd = buildInitramfs(Deno.readFileSync(files!.busybox));
    const board = new VirtBoard({ ramSize: 256 << 20 });
    const layout = bootLinuxOnVirt(board, {
      image,
      initrd,
      bootargs: "console=ttyAMA0 earlycon=pl011,0x9000000 rdinit=/init printk.time=0",
    });
    // The addresses qemu-system-aarch64 -M virt -m 256M uses for the same files (`info roms`).
    assert.equal(layout.kernel, 0x4020_0000);
    assert.equal(layout.initrd?.start, 0x4800_0000);
    assert.equal(layout.dtb, 0x4820_0000);
    const r = board.run({ maxInstructions: 2_000_000_000, until: (c) => c.includes(INIT_MARKER) });
    const tail = board.console.slice(-2000);
    assert.equal(
      r.reason,
      "until",
      `stopped by ${r.reason} at pc 0x${board.cpu.pc.toString(16)}:\n${tail}`,
    );
    for (
      const line of [
        "Machine model: linux,dummy-virt",
        "psci: PSCIv1.1 detected in firmware.",
        "arch_timer: cp15 timer(s) running at 62.50MHz (virt).",
        "9000000.pl011: ttyAMA0 at MMIO 0x9000000 (irq = 13, base_baud = 0) is a PL011 rev1",
        "Freeing initrd memory: 1804K",
        "Run /init as init process",
      ]
    ) assert.ok(board.console.includes(line), `console lacks "${line}"`);
    assert.ok(!/Oops|BUG:|Kernel panic|WARNING:/.test(board.console), tail);
    // Nothing the kernel ran was UNDEFINED. The one expected entry is busybox's C library at EL0
    // reading MIDR_EL1 (HWCAP_CPUID): UNDEFINED at EL0 without FEAT_IDST, and Linux emulates it.
    for (const [enc, u] of board.cpu.stats.undefined) {
      assert.ok(
        enc === "d5380000" && u.pc < 1n << 48n,
        `UNDEFINED ${enc} at pc 0x${u.pc.toString(16)}`,
      );
    }
  },
);
