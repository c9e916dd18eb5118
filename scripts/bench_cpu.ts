/**
 * CPU benchmark: the integer guest guests/bench.c runs on hvlab's VirtBoard and on
 * qemu-system-aarch64 (TCG) in the same run. Both execute the same deterministic program, so
 * hvlab's retired-instruction count serves as the instruction count of both. QEMU's start-up
 * is measured with a zero-round build of the same guest and subtracted.
 *
 * Usage: deno task bench:cpu [rounds]   (default 1000: about 2.1e9 instructions)
 */
import { compileGuest } from "./build_guests.ts";
import { runOnQemu } from "./qemu_system.ts";
import { VirtBoard } from "../core/machine/virt_board.ts";

const rounds = Number(Deno.args[0] ?? 1000);
if (!Number.isInteger(rounds) || rounds < 1) {
  throw new Error(`rounds must be a positive integer, not ${Deno.args[0]}`);
}

const bench = await compileGuest({
  name: "bench",
  sources: ["bench.c"],
  cflags: ["-fno-tree-vectorize", `-DROUNDS=${rounds}`],
});
const bench0 = await compileGuest({
  name: "bench_empty",
  sources: ["bench.c"],
  cflags: ["-fno-tree-vectorize", "-DROUNDS=0"],
});

const board = new VirtBoard();
board.loadElf(await Deno.readFile(bench));
const t0 = performance.now();
const r = board.run({ maxInstructions: 1e12 });
const hvWall = (performance.now() - t0) / 1000;
const insns = r.instructions;
if (r.reason !== "system-off" || !board.console.includes("bench done")) {
  const undef = [...board.cpu.stats.undefined.keys()].slice(0, 8).join(" ");
  throw new Error(
    `hvlab did not finish the benchmark (${r.reason}); UNDEFINED: ${undef}\n${board.console}`,
  );
}

// Best of three for QEMU, whose start-up time varies from run to run.
let qemuWall = Infinity, baseWall = Infinity, qemuOut = "";
for (let i = 0; i < 3; i++) {
  const q = await runOnQemu(bench, 600_000);
  const b = await runOnQemu(bench0, 60_000);
  qemuWall = Math.min(qemuWall, q.wallMs / 1000);
  baseWall = Math.min(baseWall, b.wallMs / 1000);
  qemuOut = q.output;
}
const qemuNet = Math.max(qemuWall - baseWall, 1e-3);
const checksum = (s: string) => s.split("\n").find((l) => l.startsWith("bench checksum")) ?? "";
if (checksum(qemuOut) !== checksum(board.console)) {
  throw new Error(
    `hvlab and QEMU disagree: hvlab "${checksum(board.console)}" qemu "${checksum(qemuOut)}"`,
  );
}

const mips = insns / hvWall / 1e6;
const qemuMips = insns / qemuNet / 1e6;
console.log(`rounds ${rounds}, guest instructions ${insns} (hvlab retired count)`);
console.log(`${checksum(board.console)} (identical on both)`);
console.log(
  `hvlab: ${hvWall.toFixed(2)} s wall, ${
    mips.toFixed(1)
  } MIPS, ${board.cpu.stats.blocksCompiled} blocks compiled`,
);
console.log(
  `qemu-system-aarch64 TCG: ${qemuWall.toFixed(2)} s wall - ${baseWall.toFixed(2)} s start-up = ${
    qemuNet.toFixed(2)
  } s, ${qemuMips.toFixed(1)} MIPS`,
);
console.log(
  `hvlab-bench cpu mips=${mips.toFixed(1)} qemu_mips=${qemuMips.toFixed(1)} slowdown=${
    (hvWall / qemuNet).toFixed(2)
  }`,
);
