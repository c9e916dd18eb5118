/**
 * Boots Debian's arm64 Linux with a busybox initramfs on VirtBoard (bare metal, no hypervisor)
 * and prints the console, then the figures: instructions to the /init marker, wall time, MIPS.
 *
 *   deno task boot:linux [--max N] [--append "extra args"] [--quiet] [--dump DIR]
 *
 * With --dump DIR it writes the Image, initramfs and device tree it would boot and exits; QEMU
 * boots the same files with: qemu-system-aarch64 -M virt,gic-version=2 -cpu cortex-a57 -m 256M
 * -nographic -kernel DIR/Image -initrd DIR/initrd.cpio -dtb DIR/virt.dtb -append "<bootargs>"
 */
import { parseArgs } from "node:util";
import { VirtBoard } from "../core/machine/virt_board.ts";
import { bootLinuxOnVirt } from "../core/machine/virt_linux_boot.ts";
import { virtFdt } from "../core/machine/virt_fdt.ts";
import {
  buildInitramfs,
  decompressImage,
  DONE_MARKER,
  FETCH_COMMANDS,
  findLinuxFiles,
  INIT_MARKER,
} from "../tools/linux/guest_files.ts";

/** Kernel command line used by the script and the test (QEMU is given the same). */
export const BOOTARGS = "console=ttyAMA0 earlycon=pl011,0x9000000 rdinit=/init printk.time=0";

const { values } = parseArgs({
  options: {
    max: { type: "string", default: "20000000000" },
    append: { type: "string", default: "" },
    quiet: { type: "boolean", default: false },
    /** Writes Image, initrd.cpio and virt.dtb there (to boot the same files on QEMU) and exits. */
    dump: { type: "string" },
  },
});
const files = findLinuxFiles();
if (!files) {
  console.error(
    "Debian's kernel and busybox are not fetched; run:\n  " + FETCH_COMMANDS.join("\n  "),
  );
  Deno.exit(2);
}
const image = await decompressImage(Deno.readFileSync(files.vmlinuz));
const initrd = buildInitramfs(Deno.readFileSync(files.busybox));
const board = new VirtBoard({ ramSize: 256 << 20 });
const bootargs = values.append ? `${BOOTARGS} ${values.append}` : BOOTARGS;
const layout = bootLinuxOnVirt(board, { image, initrd, bootargs });
if (values.dump) {
  Deno.mkdirSync(values.dump, { recursive: true });
  Deno.writeFileSync(`${values.dump}/Image`, image);
  Deno.writeFileSync(`${values.dump}/initrd.cpio`, initrd);
  Deno.writeFileSync(
    `${values.dump}/virt.dtb`,
    virtFdt({ ramSize: board.ramSize, bootargs, initrd: layout.initrd }),
  );
  console.log(`wrote ${values.dump}/Image, initrd.cpio, virt.dtb; bootargs: ${bootargs}`);
  Deno.exit(0);
}
const hex = (n: number | bigint) => "0x" + n.toString(16);
console.error(
  `kernel ${hex(layout.kernel)} dtb ${hex(layout.dtb)} initrd ${hex(layout.initrd!.start)}` +
    `-${hex(layout.initrd!.end)} bootargs "${bootargs}"`,
);
let printed = 0;
const flush = () => {
  if (values.quiet) return;
  Deno.stdout.writeSync(new TextEncoder().encode(board.console.slice(printed)));
  printed = board.console.length;
};
const max = Number(values.max);
const t0 = performance.now();
let atInit: { insns: number; ms: number } | undefined;
let reason = "";
for (;;) {
  const r = board.run({
    maxInstructions: Math.min(50_000_000, max - board.cpu.retired),
    until: atInit ? undefined : (c) => c.includes(INIT_MARKER),
  });
  flush();
  if (r.reason === "until") {
    atInit = { insns: board.cpu.retired, ms: performance.now() - t0 };
    continue;
  }
  if (r.reason === "limit" && board.cpu.retired < max) continue;
  reason = r.reason + (r.exit ? ` (${r.exit})` : "");
  break;
}
const ms = performance.now() - t0;
const s = board.cpu.stats;
console.log(`\n--- stop: ${reason} at pc ${hex(board.cpu.pc)} el ${board.cpu.el}`);
if (atInit) {
  console.log(
    `reached /init: ${atInit.insns} instructions, ${(atInit.ms / 1000).toFixed(2)} s wall, ` +
      `${(atInit.insns / atInit.ms / 1000).toFixed(1)} MIPS`,
  );
} else console.log(`/init not reached`);
console.log(
  `total: ${board.cpu.retired} instructions, ${(ms / 1000).toFixed(2)} s wall, ` +
    `${(board.cpu.retired / ms / 1000).toFixed(1)} MIPS; exceptions ${s.exceptions}; ` +
    `blocks compiled ${s.blocksCompiled}; TLB misses ${s.tlbMisses}; ` +
    `virtual time ${(board.clock.cycles() / board.clock.cpuHz).toFixed(3)} s; ` +
    `done marker ${board.console.includes(DONE_MARKER) ? "seen" : "not seen"}`,
);
for (const [k, u] of s.undefined) {
  console.log(`undefined ${k}: ${u.count}x, last pc ${hex(u.pc)} ${u.cls}`);
}
for (const l of board.log.slice(0, 20)) console.log(`log ${l.kind} ${l.source}: ${l.msg}`);
