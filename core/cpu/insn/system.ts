/** System instructions: exception generation, hints, barriers, PSTATE, MRS/MSR, SYS (DC, IC, TLBI, AT). */
import type { InsnDef } from "./types.ts";
import { imm, xreg } from "./disasm_util.ts";
import { SYSREG_TABLE } from "../sysreg/table.ts";
import { isPlainRow } from "../sysreg/sysregs.ts";
import { SYS_OPS, sysOpIndex } from "../sysreg/sys_ops.ts";
import { ExcClass } from "../exceptions.ts";
import { emitMrs, emitMsr, emitMsrPlain, regIndex, regName } from "./sysreg_emit.ts";

/** Names objdump gives hint encodings (CRm:op2); the rest print as `hint #imm`. */
const HINT_NAMES: Record<number, string> = {
  7: "xpaclri",
  8: "pacia1716",
  10: "pacib1716",
  12: "autia1716",
  14: "autib1716",
  16: "esb",
  17: "psb\tcsync",
  18: "tsb\tcsync",
  20: "csdb",
  22: "clearbhb",
  24: "paciaz",
  25: "paciasp",
  26: "pacibz",
  27: "pacibsp",
  28: "autiaz",
  29: "autiasp",
  30: "autibz",
  31: "autibsp",
  32: "bti",
  34: "bti\tc",
  36: "bti\tj",
  38: "bti\tjc",
};

/** Barrier option names by CRm (DMB/DSB); others print as `#0xNN`. */
const BARRIER_OPTS: Record<number, string> = {
  1: "oshld",
  2: "oshst",
  3: "osh",
  5: "nshld",
  6: "nshst",
  7: "nsh",
  9: "ishld",
  10: "ishst",
  11: "ish",
  13: "ld",
  14: "st",
  15: "sy",
};

const barrierText = (crm: number) => BARRIER_OPTS[crm] ?? `#0x${crm.toString(16).padStart(2, "0")}`;

const SYS_MRS_MSR = "1101010100 l:1 1 o0:1 op1:3 crn:4 crm:4 op2:3 rt:5";

/** Rows of this group. */
export const SYSTEM: InsnDef[] = [
  // ------------------------------------------------------------ exception generation
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
  {
    // Breakpoint instruction exception (EC 0x3c, ISS = imm16); ELR is the BRK itself.
    pattern: "11010100 001 imm16:16 000 00",
    name: "BRK",
    cls: "exception",
    flow: "branch",
    emit: (f) => `c.raiseSync(${ExcClass.BRK64},${f.imm16},0,0,false);`,
    disasm: (f) => `brk\t${imm(f.imm16)}`,
  },
  {
    // Halting debug is never enabled (no external debugger), so HLT is UNDEFINED (as QEMU).
    pattern: "11010100 010 imm16:16 000 00",
    name: "HLT",
    cls: "exception",
    flow: "branch",
    emit: (_f, e) => `c.undefinedInsn(${e.word >>> 0});`,
    disasm: (f) => `hlt\t${imm(f.imm16)}`,
  },
  {
    // DCPS1-3 are UNDEFINED outside Debug state, which the PE never enters.
    pattern: "11010100 101 imm16:16 000 ll:2",
    name: "DCPS",
    cls: "exception",
    flow: "branch",
    valid: (f) => f.ll !== 0,
    emit: (_f, e) => `c.undefinedInsn(${e.word >>> 0});`,
    disasm: (f) => `dcps${f.ll}${f.imm16 ? `\t${imm(f.imm16)}` : ""}`,
  },
  // ------------------------------------------------------------ hints
  {
    pattern: "11010101 00000011 0010 0000 000 11111",
    name: "NOP",
    cls: "hint",
    group: "hint",
    pure: true,
    emit: () => "",
    disasm: () => "nop",
  },
  {
    pattern: "11010101 00000011 0010 0000 001 11111",
    name: "YIELD",
    cls: "hint",
    group: "hint",
    pure: true,
    emit: () => "",
    disasm: () => "yield",
  },
  {
    pattern: "11010101 00000011 0010 0000 010 11111",
    name: "WFE",
    cls: "hint",
    group: "hint",
    flow: "sync",
    emit: () => "c.wfe();",
    disasm: () => "wfe",
  },
  {
    pattern: "11010101 00000011 0010 0000 011 11111",
    name: "WFI",
    cls: "hint",
    group: "hint",
    flow: "sync",
    emit: () => "c.wfi();",
    disasm: () => "wfi",
  },
  {
    // One PE: SEV and SEVL both set this PE's event register (SEV also wakes the others).
    pattern: "11010101 00000011 0010 0000 100 11111",
    name: "SEV",
    cls: "hint",
    group: "hint",
    emit: () => "c.sev();",
    disasm: () => "sev",
  },
  {
    pattern: "11010101 00000011 0010 0000 101 11111",
    name: "SEVL",
    cls: "hint",
    group: "hint",
    pure: true,
    emit: () => "c.eventRegister=true;",
    disasm: () => "sevl",
  },
  {
    // Every other hint (PAC, BTI, ESB, PSB, TSB, CSDB, DGH...): the ID registers declare those
    // features absent, so the architecture makes them NOPs.
    pattern: "11010101 00000011 0010 crm:4 op2:3 11111",
    name: "HINT",
    cls: "hint",
    group: "hint",
    pure: true,
    emit: () => "",
    disasm: (f) => HINT_NAMES[(f.crm << 3) | f.op2] ?? `hint\t${imm((f.crm << 3) | f.op2)}`,
  },
  // ------------------------------------------------------------ barriers
  {
    pattern: "11010101 00000011 0011 crm:4 010 11111",
    name: "CLREX",
    cls: "barrier",
    pure: true,
    emit: () => "c.exAddr=-1;",
    disasm: (f) => (f.crm === 15 ? "clrex" : `clrex\t${imm(f.crm)}`),
  },
  {
    // One PE executing in program order: DSB/DMB (and SSBB/PSSBB, DSB #0/#4) have no effect.
    pattern: "11010101 00000011 0011 crm:4 100 11111",
    name: "DSB",
    cls: "barrier",
    pure: true,
    emit: () => "",
    disasm: (f) => (f.crm === 0 ? "ssbb" : f.crm === 4 ? "pssbb" : `dsb\t${barrierText(f.crm)}`),
  },
  {
    pattern: "11010101 00000011 0011 crm:4 101 11111",
    name: "DMB",
    cls: "barrier",
    pure: true,
    emit: () => "",
    disasm: (f) => `dmb\t${barrierText(f.crm)}`,
  },
  {
    // Context synchronization: ends the block so later code sees new translation state.
    pattern: "11010101 00000011 0011 crm:4 110 11111",
    name: "ISB",
    cls: "barrier",
    flow: "sync",
    pure: true,
    emit: () => "",
    disasm: (f) => (f.crm === 15 ? "isb" : `isb\t${imm(f.crm)}`),
  },
  // ------------------------------------------------------------ PSTATE
  {
    pattern: "11010101 00000 op1:3 0100 crm:4 op2:3 11111",
    name: "MSR_imm",
    cls: "system",
    flow: "sync",
    valid: (f) => (f.op1 === 0 && f.op2 === 5) || (f.op1 === 3 && (f.op2 === 6 || f.op2 === 7)),
    emit: (f, e) => `c.sysregs.msrImm(${f.op1 === 0 ? 0 : f.op2 - 5},${f.crm},${e.word >>> 0});`,
    // SPSel takes CRm<0> (as QEMU); objdump names only CRm 0 and 1 as SPSel.
    disasm: (f) =>
      f.op1 === 0 && f.crm > 1
        ? `msr\ts0_0_c4_c${f.crm}_5, xzr`
        : `msr\t${f.op1 === 0 ? "spsel" : f.op2 === 6 ? "daifset" : "daifclr"}, ${imm(f.crm)}`,
  },
  // ------------------------------------------------------------ system registers
  {
    pattern: SYS_MRS_MSR.replace("l:1", "1"),
    name: "MRS",
    cls: "system",
    valid: (f) => regIndex(f) >= 0,
    emit: (f, e) => emitMrs(regIndex(f), f.rt, e.word >>> 0),
    disasm: (f) => `mrs\t${xreg(f.rt)}, ${regName(f, false)}`,
  },
  {
    // Registers without side effects (TPIDR_EL0/EL1, ELR, SPSR...): a store, the block goes on.
    pattern: SYS_MRS_MSR.replace("l:1", "0"),
    name: "MSR_reg_plain",
    cls: "system",
    group: "msr",
    valid: (f) => regIndex(f) >= 0 && isPlainRow(SYSREG_TABLE[regIndex(f)]),
    emit: (f, e) => emitMsrPlain(regIndex(f), f.rt, e.word >>> 0),
    disasm: (f) => `msr\t${regName(f, true)}, ${xreg(f.rt)}`,
  },
  {
    pattern: SYS_MRS_MSR.replace("l:1", "0"),
    name: "MSR_reg",
    cls: "system",
    group: "msr",
    flow: "sync",
    valid: (f) => regIndex(f) >= 0,
    emit: (f, e) => emitMsr(regIndex(f), f.rt, e.word >>> 0),
    disasm: (f) => `msr\t${regName(f, true)}, ${xreg(f.rt)}`,
  },
  // ------------------------------------------------------------ SYS: DC, IC, TLBI, AT
  {
    pattern: "1101010100 0 01 op1:3 crn:4 crm:4 op2:3 rt:5",
    name: "SYS",
    cls: "system",
    flow: "sync",
    valid: (f) => sysOpIndex(f.op1, f.crn, f.crm, f.op2) >= 0,
    emit: (f, e) =>
      `c.sysregs.sysOp(${sysOpIndex(f.op1, f.crn, f.crm, f.op2)},${f.rt},${e.word >>> 0});`,
    disasm: (f) => {
      const o = SYS_OPS[sysOpIndex(f.op1, f.crn, f.crm, f.op2)];
      const [mn, operation] = o.name.split(" ");
      return o.rt ? `${mn}\t${operation}, ${xreg(f.rt)}` : `${mn}\t${operation}`;
    },
  },
];
