/**
 * The SYS instructions of ARMv8.0 EL0/EL1 as data: DC (ZVA, by VA to PoC/PoU, by set/way),
 * IC, TLBI and AT, one row each with its encoding, EL0 rule, EL2 trap (HCR_EL2 bit) and action.
 * No data or instruction cache is modelled; maintenance by VA still translates and faults as the
 * Arm ARM requires, IC invalidates translated code, TLBI drops the PE's soft TLB entries.
 */
import type { Cpu } from "../cpu.ts";
import { HCR } from "../el2.ts";
import { ExcClass } from "../exceptions.ts";
import { ACC_READ, ACC_WRITE } from "../mmu/mmu.ts";
import { PAGE_SIZE } from "../../mem/phys_memory.ts";
import { sysregIss } from "../syndrome.ts";

/** One SYS operation (op0 = 1). */
export interface SysOpDef {
  /** objdump mnemonic and operation, e.g. "dc zva". */
  readonly name: string;
  readonly op1: number;
  readonly crn: number;
  readonly crm: number;
  readonly op2: number;
  /** Takes an address/argument register (printed by the disassembler). */
  readonly rt: boolean;
  /** EL0: undefined = UNDEFINED; else the SCTLR_EL1 bit that allows it (clear: EC 0x18 trap). */
  readonly el0Bit?: number;
  /** HCR_EL2 bit that traps it to EL2. */
  readonly hcr?: bigint;
  /** The operation; (lo, hi) is X[Rt]. */
  run(c: Cpu, lo: number, hi: number): void;
}

const UCI = 26;
const DZE = 14;

/** DC ZVA: zeroes the 64-byte block (DCZID_EL0.BS = 4) as eight stores, faulting like a store. */
function dcZva(c: Cpu, lo: number, hi: number): void {
  const a = lo & ~63;
  for (let k = 0; k < 64; k += 8) c.st64(a + k, hi, 0, 0);
}

/**
 * Maintenance by VA: translation, address size and access flag faults as a read; permission
 * faults only at EL0 (needs read access) and for DC IVAC (needs write access, EL1 only).
 * Reported with ISS.CM = 1 and WnR = 1. Returns the physical address.
 */
function maintainVa(c: Cpu, lo: number, hi: number, needWrite: boolean): number {
  const el0 = c.el === 0;
  const acc = needWrite ? ACC_WRITE : ACC_READ;
  const ipa = c.mmu.stage1(lo, hi, acc, el0, el0 || needWrite);
  if (ipa < 0) c.mmu.stage1Fault(lo, hi, ACC_READ, c.mmu.result.fault, true);
  return c.mmu.stage2(ipa, lo, hi, ACC_READ, false);
}

const nothing = () => {};

/** IC IVAU: the translated code of the page holding the line is dropped. */
function icIvau(c: Cpu, lo: number, hi: number): void {
  const pa = maintainVa(c, lo, hi, false);
  c.code.invalidatePage(Math.floor(pa / PAGE_SIZE));
}

/** AT S1E{0,1}{R,W}: stage-1 translation into PAR_EL1 (faults reported there, not taken). */
function at(el0: boolean, acc: number) {
  return (c: Cpu, lo: number, hi: number) => {
    const m = c.mmu;
    const ipa = m.stage1(lo, hi, acc, el0, true);
    const r = m.result;
    // Bit 11 is RES1 in the 64-bit PAR format (QEMU sets it too).
    let parLo = 1 << 11, parHi = 0;
    if (ipa < 0) parLo |= 1 | ((r.fault & 0x3f) << 1);
    else {
      let attr = 0, sh = 2;
      if (c.sysregs.sctlrBit(0)) {
        const [mLo, mHi] = c.sysregs.getPair("MAIR_EL1");
        const i = r.attrIndx;
        attr = (i < 4 ? mLo >>> (8 * i) : mHi >>> (8 * (i - 4))) & 0xff;
        // Device and Normal Non-cacheable memory report Outer Shareable.
        sh = (attr & 0xf0) === 0 || attr === 0x44 ? 2 : r.sh;
      }
      const h = Math.floor(ipa / 4294967296);
      parLo |= ((ipa - h * 4294967296) & 0xfffff000) | (sh << 7) | (1 << 9);
      parHi = (h & 0xffff) | (attr << 24);
    }
    c.sysregs.setPair("PAR_EL1", parLo | 0, parHi | 0);
  };
}

/**
 * TLBI by VA: X[Rt] holds VA[55:12] in bits [43:0] (and an ASID in [63:48], which a flush of
 * every ASID covers).
 */
function tlbiVa(c: Cpu, lo: number, hi: number): void {
  const [vaLo, vaHi] = tlbiAddress(lo, hi);
  c.mmu.invalidateVa(vaLo, vaHi);
}

/** The VA (int32 halves, bit 55 sign-extended) that a TLBI by VA operand names. */
function tlbiAddress(lo: number, hi: number): [number, number] {
  let vaHi = (lo >>> 20) | ((hi & 0xfff) << 12);
  if ((vaHi >>> 23) & 1) vaHi |= 0xff000000;
  return [lo << 12, vaHi | 0];
}

const allTlb = (c: Cpu) => c.mmu.invalidateAll();

/** The inner-shareable forms also reach the board's other PEs. */
function broadcast(run: (c: Cpu, lo: number, hi: number) => void, all: boolean) {
  return (c: Cpu, lo: number, hi: number) => {
    run(c, lo, hi);
    if (all) c.env.broadcastTlbi?.(true, 0, 0);
    else {
      const [vaLo, vaHi] = tlbiAddress(lo, hi);
      c.env.broadcastTlbi?.(false, vaLo, vaHi);
    }
  };
}

const op = (
  name: string,
  op1: number,
  crn: number,
  crm: number,
  op2: number,
  rest: Omit<SysOpDef, "name" | "op1" | "crn" | "crm" | "op2">,
): SysOpDef => ({ name, op1, crn, crm, op2, ...rest });

const tlbi = (name: string, crm: number, op2: number): SysOpDef => {
  const all = op2 === 0 || op2 === 2;
  const local = all ? allTlb : tlbiVa;
  return op(`tlbi ${name}`, 0, 8, crm, op2, {
    rt: op2 !== 0,
    hcr: HCR.TTLB,
    // CRm 3: the inner-shareable forms.
    run: crm === 3 ? broadcast(local, all) : local,
  });
};

/** Every SYS operation of the PE. */
export const SYS_OPS: readonly SysOpDef[] = [
  op("ic ialluis", 0, 7, 1, 0, {
    rt: false,
    hcr: HCR.TPU,
    run: (c) => c.code.clear(),
  }),
  op("ic iallu", 0, 7, 5, 0, { rt: false, hcr: HCR.TPU, run: (c) => c.code.clear() }),
  op("ic ivau", 3, 7, 5, 1, { rt: true, el0Bit: UCI, hcr: HCR.TPU, run: icIvau }),
  op("dc ivac", 0, 7, 6, 1, {
    rt: true,
    hcr: HCR.TPC,
    run: (c, lo, hi) => void maintainVa(c, lo, hi, true),
  }),
  op("dc isw", 0, 7, 6, 2, { rt: true, hcr: HCR.TSW, run: nothing }),
  op("dc csw", 0, 7, 10, 2, { rt: true, hcr: HCR.TSW, run: nothing }),
  op("dc cisw", 0, 7, 14, 2, { rt: true, hcr: HCR.TSW, run: nothing }),
  op("dc zva", 3, 7, 4, 1, { rt: true, el0Bit: DZE, hcr: HCR.TDZ, run: dcZva }),
  ...([["dc cvac", 10, HCR.TPC], ["dc cvau", 11, HCR.TPU], ["dc civac", 14, HCR.TPC]] as const)
    .map(([name, crm, hcr]) =>
      op(name, 3, 7, crm, 1, {
        rt: true,
        el0Bit: UCI,
        hcr,
        run: (c, lo, hi) => void maintainVa(c, lo, hi, false),
      })
    ),
  op("at s1e1r", 0, 7, 8, 0, { rt: true, run: at(false, ACC_READ) }),
  op("at s1e1w", 0, 7, 8, 1, { rt: true, run: at(false, ACC_WRITE) }),
  op("at s1e0r", 0, 7, 8, 2, { rt: true, run: at(true, ACC_READ) }),
  op("at s1e0w", 0, 7, 8, 3, { rt: true, run: at(true, ACC_WRITE) }),
  tlbi("vmalle1is", 3, 0),
  tlbi("vae1is", 3, 1),
  tlbi("aside1is", 3, 2),
  tlbi("vaae1is", 3, 3),
  tlbi("vale1is", 3, 5),
  tlbi("vaale1is", 3, 7),
  tlbi("vmalle1", 7, 0),
  tlbi("vae1", 7, 1),
  tlbi("aside1", 7, 2),
  tlbi("vaae1", 7, 3),
  tlbi("vale1", 7, 5),
  tlbi("vaale1", 7, 7),
];

/** Index of the SYS operation with these fields, or -1. */
export function sysOpIndex(op1: number, crn: number, crm: number, op2: number): number {
  return SYS_OPS.findIndex((o) => o.op1 === op1 && o.crn === crn && o.crm === crm && o.op2 === op2);
}

/** Executes SYS operation `i` with argument register `rt` (generated code); `word` for syndromes. */
export function sysOp(c: Cpu, i: number, rt: number, word: number): void {
  const o = SYS_OPS[i];
  if (c.el === 0) {
    if (o.el0Bit === undefined) c.undefinedInsn(word);
    if (!c.sysregs.sctlrBit(o.el0Bit)) {
      c.raiseSync(ExcClass.SYSREG, sysregIss(word, rt, false), 0, 0, false);
    }
  }
  if (o.hcr !== undefined && c.hcrTraps(o.hcr)) {
    c.exitTrap("sysreg", (ExcClass.SYSREG << 26) | (1 << 25) | sysregIss(word, rt, false));
  }
  o.run(c, rt === 31 ? 0 : c.x[2 * rt], rt === 31 ? 0 : c.x[2 * rt + 1]);
}
