/**
 * Disassembly from the decode table: the same rows that execute an instruction print it, in
 * objdump's syntax. Words no row accepts print as `.inst` (objdump's spelling for them).
 */
import { a64Decoder } from "./decode/table.ts";
import type { Decoder } from "./decode/decoder.ts";

/** Text of the instruction `word` at address `pc`, e.g. "add\tx0, x1, #0x10". */
export function disassemble(word: number, pc: bigint, decoder: Decoder = a64Decoder()): string {
  const d = decoder.decode(word >>> 0);
  if (!d) return `.inst\t0x${(word >>> 0).toString(16).padStart(8, "0")} ; undefined`;
  return d.row.def.disasm(d.fields, pc);
}
