/** Advanced SIMD integer: arithmetic, logic, compare, shifts, narrow/widen, permutes, across-lanes, copies, modified immediates. */
import type { InsnDef } from "./types.ts";

/** Rows of this group. */
export const SIMD_INT: InsnDef[] = [];
