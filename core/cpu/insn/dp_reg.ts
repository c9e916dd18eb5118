/** Data processing with registers: add/sub shifted and extended, logical, add/sub with carry, conditional compare and select, 1-, 2- and 3-source. */
import type { InsnDef } from "./types.ts";

/** Rows of this group. */
export const DP_REG: InsnDef[] = [];
