/** Advanced SIMD floating point: vector arithmetic, compares, conversions, across-lanes, pairwise. */
import type { InsnDef } from "./types.ts";

/** Rows of this group. */
export const SIMD_FP: InsnDef[] = [];
