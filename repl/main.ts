/**
 * `deno task repl`: an interactive session on a live lab. The built-in lab runs the default guest
 * (guests/lab/default_lab.S) in the background; the prompt exposes the board and helpers.
 *
 * Usage: deno task repl [--elf guest.elf] [--paused]
 */
import repl from "node:repl";
import { parseArgs } from "node:util";
import { VirtBoard } from "../core/machine/virt_board.ts";
import { Lab } from "./lab.ts";
import { formatBoard, formatDisasm, formatRegs } from "./show.ts";
import { type ReplEval, withTopLevelAwait } from "./tla.ts";

const HELP = `hvlab REPL — live objects:
  board        the virt board (board.cpu, board.gic, board.uart, board.mem, board.clock)
  cpu          the PE: cpu.pc, cpu.getX(n), cpu.sysregs.get("SCTLR_EL1"), cpu.stats
  regs()       general registers and PSTATE        dis(n)   disassembly around PC
  info()       board summary                       con()    guest console output so far
  pause()      stop the background run              resume() continue it
  step(n)      execute n instructions (paused)      run(n)   run n instructions now
  brk(va)      breakpoint at a virtual address      unbrk(va) remove it
  watch(va, len, "read"|"write"|"access")   stop before accesses to [va, va+len)
  help()       this text                            .exit    leave
Top-level await works: const x = await somePromise`;

const { values } = parseArgs({
  args: Deno.args,
  options: { elf: { type: "string" }, paused: { type: "boolean" } },
});

let lab: Lab;
if (values.elf) {
  const board = new VirtBoard();
  board.loadElf(await Deno.readFile(values.elf));
  lab = new Lab(board);
} else {
  lab = Lab.defaultLab();
}
const board = lab.board;
const cpu = board.cpu;
const print = (s: string) => console.log(s);

const api = {
  board,
  cpu,
  lab,
  regs: () => print(formatRegs(cpu)),
  dis: (n = 8) => print(formatDisasm(cpu, Math.min(n, 16), n)),
  info: () => print(formatBoard(board)),
  con: () => print(board.console),
  pause: () => {
    lab.pause();
    print(`paused at pc ${cpu.pc.toString(16)}`);
  },
  resume: () => lab.resume(),
  step: (n = 1) => {
    lab.pause();
    board.run({ maxInstructions: n });
    print(formatDisasm(cpu, 0, 0));
  },
  run: (n: number) => {
    const r = board.run({ maxInstructions: n });
    print(`${r.reason} after ${r.instructions} instructions`);
  },
  brk: (va: bigint | number) => void cpu.breakpoints.add(BigInt(va)),
  unbrk: (va: bigint | number) => void cpu.breakpoints.delete(BigInt(va)),
  watch: (va: bigint | number, len = 8, kind: "read" | "write" | "access" = "write") =>
    cpu.addWatchpoint(BigInt(va), len, kind),
  help: () => print(HELP),
};
lab.onDebugStop = (what) => {
  print(`\n${what} at pc ${cpu.pc.toString(16)} (paused; resume() continues)`);
  print(formatDisasm(cpu, 0, 0));
};

print(`hvlab — ${values.elf ?? "default lab"} on the virt board; type help() for commands`);
if (!values.paused) lab.resume();

const server = repl.start({ prompt: "hvlab> ", useGlobal: false, ignoreUndefined: true });
Object.assign(server.context, api);
const defaultEval = server.eval as unknown as ReplEval;
(server as unknown as { eval: ReplEval }).eval = withTopLevelAwait(defaultEval);
server.on("exit", () => {
  lab.pause();
  Deno.exit(0);
});
