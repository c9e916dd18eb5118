/**
 * Code generation for MRS/MSR: row lookup by encoding at translation time, and direct code for
 * the registers software touches all the time, falling back to the checked path of SysRegs
 * (EL0 rules, traps to EL1 and EL2) wherever a check could matter.
 */
import type { Fields } from "../decode/pattern.ts";
import { SYSREG_TABLE } from "../sysreg/table.ts";
import { sysRegKey } from "../sysreg/sysreg_types.ts";
import { isPlainRow } from "../sysreg/sysregs.ts";

const REG_INDEX = new Map(
  SYSREG_TABLE.map((r, i) => [sysRegKey(r.enc.op0, r.enc.op1, r.enc.crn, r.enc.crm, r.enc.op2), i]),
);
const CNTVCT = SYSREG_TABLE.findIndex((r) => r.name === "CNTVCT_EL0");
const SP_EL0 = SYSREG_TABLE.findIndex((r) => r.name === "SP_EL0");
const DAIF = SYSREG_TABLE.findIndex((r) => r.name === "DAIF");
const FPCR = SYSREG_TABLE.findIndex((r) => r.name === "FPCR");
const FPSR = SYSREG_TABLE.findIndex((r) => r.name === "FPSR");

/**
 * FPCR/FPSR accesses are FP instructions for CPACR_EL1.FPEN / CPTR_EL2.TFP (EC 0x07 traps). Reads
 * come straight from the PE (glibc's fenv and printf read them often); writes go through the row.
 */
function fpStatusAccess(
  i: number,
  rt: number,
  write: boolean,
  checked: string,
): string | undefined {
  if (i !== FPCR && i !== FPSR) return undefined;
  const trap = "if(!c.fpEnabled())c.fpTrap();";
  if (write) return trap + checked;
  const field = i === FPCR ? "fpcr" : "fpsr";
  return trap + (rt === 31 ? "" : `r[${2 * rt}]=c.${field};r[${2 * rt + 1}]=0;`);
}

/**
 * Direct code for registers Linux reads and writes all the time at EL1 (SP_EL0 holds `current`,
 * DAIF is local_irq_save/restore); EL0 accesses take the checked path. Undefined otherwise.
 */
function hotAccess(i: number, rt: number, write: boolean): string | undefined {
  const lo = rt === 31 ? "0" : `r[${2 * rt}]`, hi = rt === 31 ? "0" : `r[${2 * rt + 1}]`;
  if (i === SP_EL0) {
    // SP_EL0 is banked in spBank[0..1] while SPSel = 1, else it is the live SP (slot 31).
    if (write) {
      return `if(c.spsel){c.spBank[0]=${lo};c.spBank[1]=${hi};}else{r[62]=${lo};r[63]=${hi};}`;
    }
    return rt === 31 ? "" : `if(c.spsel){r[${2 * rt}]=c.spBank[0];r[${2 * rt + 1}]=c.spBank[1];}` +
      `else{r[${2 * rt}]=r[62];r[${2 * rt + 1}]=r[63];}`;
  }
  if (i === DAIF) {
    if (write) return `c.daif=(${lo}>>>6)&15;`;
    return rt === 31 ? "" : `r[${2 * rt}]=c.daif<<6;r[${2 * rt + 1}]=0;`;
  }
  return undefined;
}

/** Row index of the system register an MRS/MSR names, or -1. */
export function regIndex(f: Fields): number {
  return REG_INDEX.get(sysRegKey(2 + f.o0, f.op1, f.crn, f.crm, f.op2)) ?? -1;
}

/** objdump's name of the register (DBGDTRRX_EL0 is DBGDTRTX_EL0 when written). */
export function regName(f: Fields, write: boolean): string {
  const n = SYSREG_TABLE[regIndex(f)].name.toLowerCase();
  return write && n === "dbgdtrrx_el0" ? "dbgdtrtx_el0" : n;
}

/** Loads X[rt] from a row's storage (fast path of MRS). */
const loadRow = (i: number, rt: number) =>
  rt === 31
    ? ""
    : `r[${2 * rt}]=c.sysregs.sys[${2 * i}];r[${2 * rt + 1}]=c.sysregs.sys[${2 * i + 1}];`;

const storeRow = (i: number, rt: number) =>
  `c.sysregs.sys[${2 * i}]=${rt === 31 ? 0 : `r[${2 * rt}]`};c.sysregs.sys[${2 * i + 1}]=${
    rt === 31 ? 0 : `r[${2 * rt + 1}]`
  };`;

/** Wraps a plain register access: direct at EL1 (or EL0 when allowed), else the checked path. */
function plainAccess(i: number, write: boolean, direct: string, checked: string): string {
  const a = SYSREG_TABLE[i].el0 ?? "none";
  const el0Ok = a === "rw" || (a === "r" && !write);
  return el0Ok ? direct : `if(c.el!==0){${direct}}else{${checked}}`;
}

/** MRS Xt, <row i>: direct code where possible, else the checked call. */
export function emitMrs(i: number, rt: number, word: number): string {
  const checked = `c.sysregs.mrs(${i},${rt},${word});`;
  if (i === CNTVCT) return `c.sysregs.mrsCntvct(${i},${rt},${word});`;
  const hot = hotAccess(i, rt, false);
  if (hot !== undefined) return `if(c.el!==0){${hot}}else{${checked}}`;
  const fp = fpStatusAccess(i, rt, false, checked);
  if (fp !== undefined) return fp;
  if (!isPlainRow(SYSREG_TABLE[i])) return checked;
  return plainAccess(i, false, loadRow(i, rt), checked);
}

/** MSR <row i>, Xt for a plain row (see isPlainRow): a store into its storage. */
export function emitMsrPlain(i: number, rt: number, word: number): string {
  return plainAccess(i, true, storeRow(i, rt), `c.sysregs.msr(${i},${rt},${word});`);
}

/** MSR <row i>, Xt for any other row: direct code for the hot ones, else the checked call. */
export function emitMsr(i: number, rt: number, word: number): string {
  const checked = `c.sysregs.msr(${i},${rt},${word});`;
  const hot = hotAccess(i, rt, true);
  if (hot !== undefined) return `if(c.el!==0){${hot}}else{${checked}}`;
  return fpStatusAccess(i, rt, true, checked) ?? checked;
}
