/** System instructions: exception generation, hints, barriers, PSTATE, MRS/MSR, SYS (DC, IC, TLBI, AT). */
import type { InsnDef } from "./types.ts";

/** Rows of this group. */
export const SYSTEM: InsnDef[] = [];
