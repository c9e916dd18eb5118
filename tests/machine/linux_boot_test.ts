/**
 * Debian's unmodified arm64 Linux 6.1 boots bare-metal on VirtBoard to the busybox /init marker
 * (about 0.9 billion instructions), with the GICv2 and with the GICv3 (the device tree QEMU gives
 * -M virt,gic-version=3,its=off: Linux wakes the redistributor through GICR_WAKER, routes SPIs
 * with IROUTER and takes interrupts through the ICC_* registers). `deno task boot:linux [--gic v3]
 * --qemu` boots the same files on QEMU and lists the lines only one side printed. Skips, printing
 * the fetch commands, when the packages are not in the cache directory.
 */
import assert from "node:assert/strict";
import { VirtBoard } from "../../core/machine/virt_board.ts";
import { bootLinuxOnVirt } from "../../core/machine/virt_linux_boot.ts";
import {
  BOOTARGS,
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

/** Boots to the /init marker and checks the kernel's console for `lines` and for no oopses. */
async function bootToInit(gic: "v2" | "v3", lines: string[]): Promise<VirtBoard> {
  const image = await decompressImage(Deno.readFileSync(files!.vmlinuz));
  const initrd = buildInitramfs(Deno.readFileSync(files!.busybox));
  const board = new VirtBoard({ ramSize: 256 << 20, gic });
  const layout = bootLinuxOnVirt(board, { image, initrd, bootargs: BOOTARGS });
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
  for (const line of [...lines, "Run /init as init process"]) {
    assert.ok(board.console.includes(line), `console lacks "${line}"`);
  }
  assert.ok(!/Oops|BUG:|Kernel panic|WARNING:/.test(board.console), tail);
  // Nothing the kernel ran was UNDEFINED. The one expected entry is busybox's C library at EL0
  // reading MIDR_EL1 (HWCAP_CPUID): UNDEFINED at EL0 without FEAT_IDST, and Linux emulates it.
  for (const [enc, u] of board.cpu.stats.undefined) {
    assert.ok(
      enc === "d5380000" && u.pc < 1n << 48n,
      `UNDEFINED ${enc} at pc 0x${u.pc.toString(16)}`,
    );
  }
  return board;
}

Deno.test(
  "linux: Debian's 6.1 kernel boots on VirtBoard to /init" + skip,
  { ignore: !files },
  async () => {
    await bootToInit("v2", [
      "Machine model: linux,dummy-virt",
      "psci: PSCIv1.1 detected in firmware.",
      "arch_timer: cp15 timer(s) running at 62.50MHz (virt).",
      "9000000.pl011: ttyAMA0 at MMIO 0x9000000 (irq = 13, base_baud = 0) is a PL011 rev1",
      "Freeing initrd memory: 1804K",
    ]);
  },
);

Deno.test(
  "linux: Debian's 6.1 kernel boots to /init on a GICv3 VirtBoard" + skip,
  { ignore: !files },
  async () => {
    const board = await bootToInit("v3", [
      "CPU features: detected: GIC system register CPU interface",
      "GICv3: 224 SPIs implemented",
      "GICv3: CPU0: found redistributor 0 region 0:0x00000000080a0000",
      "arch_timer: cp15 timer(s) running at 62.50MHz (virt).",
      "9000000.pl011: ttyAMA0 at MMIO 0x9000000 (irq = 13, base_baud = 0) is a PL011 rev1",
    ]);
    const gicLog = board.log.filter((l) => l.source.startsWith("gicv3"));
    assert.deepEqual(gicLog, [], "Linux made no access the GIC model calls wrong or lacks");
  },
);
