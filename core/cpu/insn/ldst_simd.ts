/** SIMD and FP register loads and stores: single registers, pairs, literal, LD1-LD4/ST1-ST4 structures and replicate forms. */
import type { InsnDef } from "./types.ts";

/** Rows of this group. */
export const LDST_SIMD: InsnDef[] = [];
