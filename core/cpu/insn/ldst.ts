/** General-register loads and stores: all addressing forms, pairs, exclusives, acquire/release, prefetch. */
import type { InsnDef } from "./types.ts";

/** Rows of this group. */
export const LDST: InsnDef[] = [];
