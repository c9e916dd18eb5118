/** Advanced SIMD floating point: vector arithmetic, compares, conversions, across-lanes, pairwise. */
import type { InsnDef } from "./types.ts";
import { SIMD_FP_SAME } from "./simd_fp_same.ts";
import { SIMD_FP_MISC } from "./simd_fp_misc.ts";
import { SIMD_FP_FIXED } from "./simd_fp_fixed.ts";
import { SIMD_FP_REDUCE } from "./simd_fp_reduce.ts";
import { SIMD_FP_ELEM } from "./simd_fp_elem.ts";

/** Rows of this group. */
export const SIMD_FP: InsnDef[] = [
  ...SIMD_FP_SAME,
  ...SIMD_FP_MISC,
  ...SIMD_FP_FIXED,
  ...SIMD_FP_REDUCE,
  ...SIMD_FP_ELEM,
];
