/**
 * Debian's arm64 Linux 6.1 boots to /init on a VirtBoard with a GICv3 (`gic: "v3"`, the device
 * tree QEMU gives -M virt,gic-version=3,its=off): Linux's GICv3 driver probes the distributor and
 * redistributor, wakes it through GICR_WAKER, routes SPIs with IROUTER and takes the timer and
 * UART interrupts through the ICC_* registers. `deno task boot:linux --gic v3 --qemu` boots the
 * same files on QEMU and lists the lines only one side printed: of the GIC's, only QEMU's "ITS: No
 * ITS available, not enabling LPIs" (QEMU 7.2 reports LPIs; hvlab has none). Skips, printing the
 * fetch commands, when the packages are not in the cache directory.
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
  "linux: Debian's 6.1 kernel boots to /init on a GICv3 VirtBoard" + skip,
  { ignore: !files },
  async () => {
    const image = await decompressImage(Deno.readFileSync(files!.vmlinuz));
    const initrd = buildInitramfs(Deno.readFileSync(files!.busybox));
    const board = new VirtBoard({ ramSize: 256 << 20, gic: "v3" });
    bootLinuxOnVirt(board, {
      image,
      initrd,
      bootargs: "console=ttyAMA0 earlycon=pl011,0x9000000 rdinit=/init printk.time=0",
    });
    const r = board.run({ maxInstructions: 2_000_000_000, until: (c) => c.includes(INIT_MARKER) });
    const tail = board.console.slice(-2000);
    assert.equal(r.reason, "until", `stopped by ${r.reason}:\n${tail}`);
    for (
      const line of [
        "CPU features: detected: GIC system register CPU interface",
        "GICv3: 224 SPIs implemented",
        "GICv3: CPU0: found redistributor 0 region 0:0x00000000080a0000",
        "arch_timer: cp15 timer(s) running at 62.50MHz (virt).",
        "9000000.pl011: ttyAMA0 at MMIO 0x9000000 (irq = 13, base_baud = 0) is a PL011 rev1",
        "Run /init as init process",
      ]
    ) assert.ok(board.console.includes(line), `console lacks "${line}"`);
    assert.ok(!/Oops|BUG:|Kernel panic|WARNING:/.test(board.console), tail);
    const gicLog = board.log.filter((l) => l.source.startsWith("gicv3"));
    assert.deepEqual(gicLog, [], "Linux made no access the GIC model calls wrong or lacks");
  },
);
