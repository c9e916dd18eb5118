/**
 * The bare-board REPL (`deno task repl --board` or `--elf guest.elf`): a VirtBoard with a guest
 * run in the background, its PE and devices as globals.
 */
import type { VirtBoard } from "../core/machine/virt_board.ts";
import type { Lab } from "./lab.ts";
import { formatBoard, formatDisasm, formatRegs } from "./show.ts";

const HELP = `hvlab REPL (bare board) — live objects:
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

/** The board REPL's globals for `lab`, printing with `print`. */
export function boardSession(lab: Lab, print: (s: string) => void): Record<string, unknown> {
  const board: VirtBoard = lab.board;
  const cpu = board.cpu;
  lab.onDebugStop = (what) => {
    print(`\n${what} at pc ${cpu.pc.toString(16)} (paused; resume() continues)`);
    print(formatDisasm(cpu, 0, 0));
  };
  return {
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
}
