/** Text views of live objects for the REPL: registers, disassembly around PC, board summary. */
import type { Cpu } from "../core/cpu/cpu.ts";
import { disassemble } from "../core/cpu/disasm.ts";
import type { VirtBoard } from "../core/machine/virt_board.ts";

const hex64 = (v: bigint) => v.toString(16).padStart(16, "0");

/** General registers, PC, SP and PSTATE of `cpu`. */
export function formatRegs(cpu: Cpu): string {
  const lines: string[] = [];
  for (let i = 0; i < 31; i += 3) {
    const cols: string[] = [];
    for (let j = i; j < Math.min(i + 3, 31); j++) {
      cols.push(`x${j}`.padStart(3) + ` ${hex64(cpu.getX(j))}`);
    }
    lines.push(cols.join("   "));
  }
  const flags = `${cpu.n ? "N" : "n"}${cpu.z ? "Z" : "z"}${cpu.c ? "C" : "c"}${cpu.v ? "V" : "v"}`;
  const daif = ["D", "A", "I", "F"].map((f, k) => (cpu.daif >> (3 - k)) & 1 ? f : f.toLowerCase())
    .join("");
  lines.push(` sp ${hex64(cpu.getX(31))}    pc ${hex64(cpu.pc)}`);
  lines.push(
    ` EL${cpu.el}${cpu.el === 1 ? (cpu.spsel ? "h" : "t") : "t"}  ${flags}  ${daif}  ` +
      `irq=${cpu.irqLine ? 1 : 0}  retired=${cpu.retired}`,
  );
  return lines.join("\n");
}

/** Disassembly of `before` instructions before PC through `after` after it, PC marked. */
export function formatDisasm(cpu: Cpu, before = 4, after = 8): string {
  const lines: string[] = [];
  const pc = cpu.pc;
  for (let k = -before; k <= after; k++) {
    const at = pc + BigInt(4 * k);
    const word = cpu.peek32(at);
    if (word === undefined) {
      lines.push(`   ${at.toString(16)}:  <unmapped>`);
      continue;
    }
    const mark = k === 0 ? "=>" : "  ";
    lines.push(
      `${mark} ${at.toString(16)}:  ${word.toString(16).padStart(8, "0")}  ${
        disassemble(word, at)
      }`,
    );
  }
  return lines.join("\n");
}

/** One-paragraph summary of a board: time, PE state, devices, logs. */
export function formatBoard(board: VirtBoard): string {
  const c = board.cpu;
  const undef = [...c.stats.undefined.values()].reduce((a, u) => a + u.count, 0);
  return [
    `virtual time ${
      (board.clock.seconds() * 1000).toFixed(3)
    } ms, ${c.retired} instructions retired`,
    `pc ${c.pc.toString(16)}  EL${c.el}  irq line ${c.irqLine ? "high" : "low"}`,
    `blocks compiled ${c.stats.blocksCompiled}, exceptions ${c.stats.exceptions}, UNDEFINED executed ${undef}`,
    `console: ${board.console.length} bytes; log: ${board.log.length} entries`,
  ].join("\n");
}
