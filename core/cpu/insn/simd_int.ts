/** Advanced SIMD integer: arithmetic, logic, compare, shifts, narrow/widen, permutes, across-lanes, copies, modified immediates. */
import type { InsnDef } from "./types.ts";
import { SIMD_COPY } from "./simd_copy.ts";
import { SIMD_MODIMM } from "./simd_modimm.ts";
import { SIMD_3SAME } from "./simd_3same.ts";
import { SIMD_MISC } from "./simd_misc.ts";
import { SIMD_SHIFT } from "./simd_shift.ts";
import { SIMD_PERM } from "./simd_perm.ts";
import { SIMD_ACROSS } from "./simd_across.ts";
import { SIMD_3DIFF } from "./simd_3diff.ts";
import { SIMD_ELEM } from "./simd_elem.ts";

/** Rows of this group. */
export const SIMD_INT: InsnDef[] = [
  ...SIMD_COPY,
  ...SIMD_MODIMM,
  ...SIMD_3SAME,
  ...SIMD_MISC,
  ...SIMD_SHIFT,
  ...SIMD_PERM,
  ...SIMD_ACROSS,
  ...SIMD_3DIFF,
  ...SIMD_ELEM,
];
