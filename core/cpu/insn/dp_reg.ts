/** Data processing with registers: add/sub shifted and extended, logical, add/sub with carry, conditional compare and select, 1-, 2- and 3-source. */
import type { InsnDef } from "./types.ts";
import { DP_REG_ARITH } from "./dp_reg_arith.ts";
import { DP_REG_MISC } from "./dp_reg_misc.ts";

/** Rows of this group. */
export const DP_REG: InsnDef[] = [...DP_REG_ARITH, ...DP_REG_MISC];
