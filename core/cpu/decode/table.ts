/**
 * The A64 decode table: every instruction row of every group, in priority order. The executor,
 * the disassembler, the random tester and the coverage report all read this one table.
 */
import type { InsnDef } from "../insn/types.ts";
import { Decoder } from "./decoder.ts";
import { BRANCH } from "../insn/branch.ts";
import { DP_IMM } from "../insn/dp_imm.ts";
import { DP_REG } from "../insn/dp_reg.ts";
import { LDST } from "../insn/ldst.ts";
import { LDST_SIMD } from "../insn/ldst_simd.ts";
import { SYSTEM } from "../insn/system.ts";
import { FP_SCALAR } from "../insn/fp_scalar.ts";
import { SIMD_INT } from "../insn/simd_int.ts";
import { SIMD_FP } from "../insn/simd_fp.ts";

/** All rows. */
export const A64_TABLE: readonly InsnDef[] = [
  ...BRANCH,
  ...DP_IMM,
  ...DP_REG,
  ...LDST,
  ...LDST_SIMD,
  ...SYSTEM,
  ...FP_SCALAR,
  ...SIMD_INT,
  ...SIMD_FP,
];

let shared: Decoder | undefined;

/** The decoder over A64_TABLE, built on first use and shared. */
export function a64Decoder(): Decoder {
  shared ??= new Decoder(A64_TABLE);
  return shared;
}
