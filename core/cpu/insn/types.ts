/**
 * One row of the decode table: an encoding pattern, a name, an instruction class, and the one
 * definition of its semantics (as JavaScript source emitted for a block) and of its disassembly.
 */
import type { Fields } from "../decode/pattern.ts";

/** What the translator needs to know about the instruction it is emitting. */
export interface EmitCtx {
  /** Address of this instruction, int32 halves. */
  readonly pcLo: number;
  readonly pcHi: number;
  /** The raw encoding. */
  readonly word: number;
  /** Index of the instruction in its block (for faults and retired counts). */
  readonly k: number;
  /** Address of this instruction plus `delta` as int32 halves [lo, hi] (branch targets, ADR). */
  pcPlus(delta: number): [number, number];
}

/** How an instruction affects block formation. */
export type InsnFlow =
  /** Falls through; the block may continue. */
  | "seq"
  /** Writes PC (branches, ERET, exceptions): the block ends after it. */
  | "branch"
  /** Changes state the translator depends on (EL, DAIF, sysregs, barriers): ends the block. */
  | "sync";

/** One row of the decode table. */
export interface InsnDef {
  /** Bit pattern, see decode/pattern.ts. */
  readonly pattern: string;
  /** Unique row name, e.g. "ADD_imm". */
  readonly name: string;
  /** Instruction class for coverage and random testing, e.g. "dp_imm", "ldst", "fp_arith". */
  readonly cls: string;
  /** Rows sharing a group may overlap; the earlier row in the table wins. */
  readonly group?: string;
  /** Block formation; default "seq". */
  readonly flow?: InsnFlow;
  /** True when the emitted code can neither fault nor throw (no memory, no traps). */
  readonly pure?: boolean;
  /** False for encodings in the pattern that are unallocated (they decode as UNDEFINED). */
  valid?(f: Fields): boolean;
  /** JavaScript statements implementing the instruction; see engine/translator.ts for the scope. */
  emit(f: Fields, e: EmitCtx): string;
  /** objdump-style text, e.g. "add x0, x1, #0x10". `pc` is the instruction address. */
  disasm(f: Fields, pc: bigint): string;
}
