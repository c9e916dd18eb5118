/** Scalar floating point: arithmetic, fused multiply-add, conversions, compares, selects, moves, rounding. */
import type { InsnDef } from "./types.ts";

/** Rows of this group. */
export const FP_SCALAR: InsnDef[] = [];
