/** System instructions: exception generation, hints, barriers, PSTATE, MRS/MSR, SYS (DC, IC, TLBI, AT). */
import type { InsnDef } from "./types.ts";
import { imm } from "./disasm_util.ts";

/** Rows of this group. */
export const SYSTEM: InsnDef[] = [
  {
    pattern: "11010100 000 imm16:16 000 01",
    name: "SVC",
    cls: "exception",
    flow: "branch",
    emit: (f) => `c.svc(${f.imm16});`,
    disasm: (f) => `svc\t${imm(f.imm16)}`,
  },
  {
    pattern: "11010100 000 imm16:16 000 10",
    name: "HVC",
    cls: "exception",
    flow: "branch",
    emit: (f) => `c.hvc(${f.imm16});`,
    disasm: (f) => `hvc\t${imm(f.imm16)}`,
  },
  {
    pattern: "11010100 000 imm16:16 000 11",
    name: "SMC",
    cls: "exception",
    flow: "branch",
    emit: (f) => `c.smc(${f.imm16});`,
    disasm: (f) => `smc\t${imm(f.imm16)}`,
  },
];
