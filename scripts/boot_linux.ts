/**
 * Boots Debian's arm64 Linux with a busybox initramfs on VirtBoard (bare metal, no hypervisor)
 * and prints the console, then the figures: instructions to the /init marker, wall time, MIPS.
 *
 *   deno task boot:linux [--max N] [--append "extra args"] [--quiet] [--dump DIR] [--qemu]
 *                        [--gic v2|v3]
 *
 * With --qemu it also boots the same Image, initramfs and DTB on qemu-system-aarch64 and lists
 * the console lines only one of the two printed (timing lines differ; virtual time is not QEMU's).
 *
 * With --dump DIR it writes the Image, initramfs and device tree it would boot and exits; QEMU
 * boots the same files with: qemu-system-aarch64 -M virt,gic-version=2 -cpu cortex-a57 -m 256M
 * -nographic -kernel DIR/Image -initrd DIR/initrd.cpio -dtb DIR/virt.dtb -append "<bootargs>"
 * (with --gic v3: -M virt,gic-version=3,its=off).
 */
import { parseArgs } from "node:util";
import { VirtBoard } from "../core/machine/virt_board.ts";
import { bootLinuxOnVirt } from "../core/machine/virt_linux_boot.ts";
import { virtFdt } from "../core/machine/virt_fdt.ts";
import {
  BOOTARGS,
  buildInitramfs,
  decompressImage,
  DONE_MARKER,
  FETCH_COMMANDS,
  findLinuxFiles,
  INIT_MARKER,
} from "../tools/linux/guest_files.ts";

const { values } = parseArgs({
  options: {
    max: { type: "string", default: "20000000000" },
    append: { type: "string", default: "" },
    quiet: { type: "boolean", default: false },
    /** Writes Image, initrd.cpio and virt.dtb there (to boot the same files on QEMU) and exits. */
    dump: { type: "string" },
    /** Also boots the same files on qemu-system-aarch64 and compares the consoles. */
    qemu: { type: "boolean", default: false },
    /** The board's interrupt controller (QEMU gets the matching gic-version, its=off). */
    gic: { type: "string", default: "v2" },
  },
});
const gic = values.gic;
if (gic !== "v2" && gic !== "v3") {
  console.error(`--gic ${gic}: expected v2 or v3`);
  Deno.exit(2);
}
const files = findLinuxFiles();
if (!files) {
  console.error(
    "Debian's kernel and busybox are not fetched; run:\n  " + FETCH_COMMANDS.join("\n  "),
  );
  Deno.exit(2);
}
const image = await decompressImage(Deno.readFileSync(files.vmlinuz));
const initrd = buildInitramfs(Deno.readFileSync(files.busybox));
const board = new VirtBoard({ ramSize: 256 << 20, gic });
const bootargs = values.append ? `${BOOTARGS} ${values.append}` : BOOTARGS;
const layout = bootLinuxOnVirt(board, { image, initrd, bootargs });
const dumpDir = values.dump ?? (values.qemu ? Deno.makeTempDirSync() : undefined);
if (dumpDir) {
  Deno.mkdirSync(dumpDir, { recursive: true });
  Deno.writeFileSync(`${dumpDir}/Image`, image);
  Deno.writeFileSync(`${dumpDir}/initrd.cpio`, initrd);
  Deno.writeFileSync(
    `${dumpDir}/virt.dtb`,
    virtFdt({ ramSize: board.ramSize, gic, bootargs, initrd: layout.initrd }),
  );
  if (values.dump) {
    console.log(`wrote ${dumpDir}/Image, initrd.cpio, virt.dtb; bootargs: ${bootargs}`);
    Deno.exit(0);
  }
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

if (values.qemu && dumpDir) {
  const t = performance.now();
  const q = new Deno.Command("qemu-system-aarch64", {
    args: [
      ...["-M", `virt,gic-version=${gic[1]},its=off`, "-cpu", "cortex-a57", "-m", "256M"],
      "-nographic",
      ...["-kernel", `${dumpDir}/Image`, "-initrd", `${dumpDir}/initrd.cpio`],
      ...["-dtb", `${dumpDir}/virt.dtb`, "-append", bootargs],
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).outputSync();
  const qms = performance.now() - t;
  Deno.removeSync(dumpDir, { recursive: true });
  const lines = (text: string) => text.replaceAll("\r", "").split("\n").filter((l) => l !== "");
  const theirs = lines(new TextDecoder().decode(q.stdout));
  const ours = lines(board.console);
  // Lines one side printed more often than the other (order ignored: async initcalls race).
  const unmatched = (a: string[], b: string[]) => {
    const left = b.reduce((m, l) => m.set(l, (m.get(l) ?? 0) + 1), new Map<string, number>());
    return a.filter((l) => {
      const n = left.get(l) ?? 0;
      left.set(l, n - 1);
      return n <= 0;
    });
  };
  console.log(
    `\n--- qemu-system-aarch64: ${theirs.length} lines, ${(qms / 1000).toFixed(2)} s wall`,
  );
  for (const l of unmatched(theirs, ours)) console.log(`only qemu:  ${l}`);
  for (const l of unmatched(ours, theirs)) console.log(`only hvlab: ${l}`);
}
