/**
 * The PE's system registers: storage for the stored rows of the table, MRS/MSR with access
 * checks (EL0 rules, read-only, HCR_EL2 traps to the hypervisor), and typed accessors the rest
 * of the PE uses on its hot paths.
 */
import type { Cpu } from "../cpu.ts";
import { type SysRegDef, sysRegKey } from "./sysreg_types.ts";
import { SYSREG_TABLE } from "./table.ts";
import { ExcClass } from "../exceptions.ts";
import { HCR } from "../el2.ts";
import { sysregIss } from "../syndrome.ts";
import { sysOp } from "./sys_ops.ts";

const TRAP_BITS: Record<string, bigint> = {
  tid1: HCR.TID1,
  tid2: HCR.TID2,
  tid3: HCR.TID3,
  tacr: HCR.TACR,
  imo: HCR.IMO,
  fmo: HCR.FMO,
  imofmo: HCR.IMO | HCR.FMO,
};

/** System register file of one PE. */
export class SysRegs {
  readonly #cpu: Cpu;
  /** The table rows, in table order (MRS/MSR refer to rows by index). */
  readonly rows: readonly SysRegDef[] = SYSREG_TABLE;
  /** 64-bit storage, lo/hi pairs, one per row (computed rows leave theirs unused). */
  readonly sys: Int32Array;
  readonly #byName = new Map<string, number>();
  /** MPIDR_EL1 value of this PE. */
  readonly mpidr: bigint;

  constructor(cpu: Cpu, mpidr: bigint) {
    this.#cpu = cpu;
    this.mpidr = mpidr;
    this.sys = new Int32Array(this.rows.length * 2);
    const keys = new Set<number>();
    this.rows.forEach((r, i) => {
      const k = sysRegKey(r.enc.op0, r.enc.op1, r.enc.crn, r.enc.crm, r.enc.op2);
      if (keys.has(k)) throw new Error(`sysreg table: ${r.name} duplicates an encoding`);
      keys.add(k);
      this.#byName.set(r.name, i);
    });
  }

  /** Resets stored registers to their reset values. */
  reset(): void {
    this.rows.forEach((r, i) => {
      const v = r.reset ?? 0n;
      this.sys[2 * i] = Number(v & 0xffffffffn) | 0;
      this.sys[2 * i + 1] = Number((v >> 32n) & 0xffffffffn) | 0;
    });
  }

  /** Row index by name; throws naming the register when unknown. */
  indexOf(name: string): number {
    const i = this.#byName.get(name);
    if (i === undefined) throw new Error(`unknown system register ${name}`);
    return i;
  }

  /** Stored value of a register as [lo, hi]. */
  getPair(name: string): [number, number] {
    const i = this.indexOf(name);
    return [this.sys[2 * i], this.sys[2 * i + 1]];
  }

  /** Sets the stored value of a register from int32 halves (no side effects). */
  setPair(name: string, lo: number, hi: number): void {
    const i = this.indexOf(name);
    this.sys[2 * i] = lo;
    this.sys[2 * i + 1] = hi;
  }

  /** Value of a register (stored or computed) as a bigint, without access checks. */
  get(name: string): bigint {
    return this.readRow(this.indexOf(name));
  }

  /** Writes a register by name with its side effects, without access checks. */
  set(name: string, v: bigint): void {
    this.writeRow(this.indexOf(name), v);
  }

  /** Reads row `i` (computed or stored). */
  readRow(i: number): bigint {
    const r = this.rows[i];
    if (r.read) return BigInt.asUintN(64, r.read(this.#cpu));
    return (BigInt(this.sys[2 * i + 1] >>> 0) << 32n) | BigInt(this.sys[2 * i] >>> 0);
  }

  /** Writes row `i`: stores the writable bits, then runs the row's side effects. */
  writeRow(i: number, v: bigint): void {
    const r = this.rows[i];
    v = BigInt.asUintN(64, v);
    if (!r.read) {
      const old = (BigInt(this.sys[2 * i + 1] >>> 0) << 32n) | BigInt(this.sys[2 * i] >>> 0);
      const m = r.writeMask ?? 0xffffffffffffffffn;
      const nv = (old & ~m) | (v & m);
      this.sys[2 * i] = Number(nv & 0xffffffffn) | 0;
      this.sys[2 * i + 1] = Number(nv >> 32n) | 0;
    }
    r.write?.(this.#cpu, v);
    if (r.affectsTranslation) this.#cpu.translationContextChanged();
  }

  /**
   * Access checks of MRS/MSR on row `i`, in the architecture's priority order: UNDEFINED, EL0
   * traps to EL1 (EC 0x18), then traps to EL2 (an exit).
   */
  #check(i: number, write: boolean, rt: number, word: number): void {
    const r = this.rows[i];
    const c = this.#cpu;
    if (r.present && !r.present(c)) c.undefinedInsn(word);
    if (write ? r.ro : r.wo) c.undefinedInsn(word);
    if (c.el === 0) {
      const a = r.el0 ?? "none";
      const ok = typeof a === "function"
        ? a(c, write)
        : a === "rw" || (a === "r" && !write) || "undef";
      if (ok === "undef") c.undefinedInsn(word);
      if (!ok) c.raiseSync(ExcClass.SYSREG, sysregIss(word, rt, !write), 0, 0, false);
    }
    const g = r.el2Trap;
    if (g === undefined || c.el2 === null) return;
    let trapped: boolean;
    if (g === "el1pcten" || g === "el1pcen") {
      const bit = g === "el1pcten" ? 1 : 2;
      trapped = ((c.el2.cnthctl ?? 3) & bit) === 0;
    } else {
      // Virtual-memory controls trap writes with TVM and reads with TRVM; the rest by group.
      const bit = g === "tvm" ? (write ? HCR.TVM : HCR.TRVM) : TRAP_BITS[g];
      trapped = bit !== undefined && c.hcrTraps(bit);
    }
    if (trapped) {
      c.exitTrap("sysreg", (ExcClass.SYSREG << 26) | (1 << 25) | sysregIss(word, rt, !write));
    }
  }

  /** MRS Xt, <row i> (generated code): `word` is the encoding, for syndromes. */
  mrs(i: number, rt: number, word: number): void {
    this.#check(i, false, rt, word);
    if (rt !== 31) this.#cpu.setX(rt, this.readRow(i));
  }

  /** MSR <row i>, Xt (generated code). */
  msr(i: number, rt: number, word: number): void {
    this.#check(i, true, rt, word);
    this.writeRow(i, rt === 31 ? 0n : this.#cpu.getX(rt));
  }

  /** MRS Xt, CNTVCT_EL0 without BigInt (generated code's fast path for a hot register). */
  mrsCntvct(i: number, rt: number, word: number): void {
    const c = this.#cpu;
    if (c.el === 0 || c.el2 !== null) this.#check(i, false, rt, word);
    if (rt === 31) return;
    // Counts stay below 2^53, so the difference is exact; floor splits negatives modulo 2^64.
    const v = c.env.counter() - (c.el2?.cntvoff ?? 0);
    const h = Math.floor(v / 4294967296);
    c.x[2 * rt] = (v - h * 4294967296) | 0;
    c.x[2 * rt + 1] = h | 0;
  }

  /** SYS operation `i` of sys_ops.ts (DC, IC, TLBI, AT) with register `rt` (generated code). */
  sysOp(i: number, rt: number, word: number): void {
    sysOp(this.#cpu, i, rt, word);
  }

  /**
   * MSR (immediate) to a PSTATE field (generated code): `field` 0 SPSel, 1 DAIFSet, 2 DAIFClr.
   * SPSel is UNDEFINED at EL0; DAIF at EL0 needs SCTLR_EL1.UMA (else a trap to EL1).
   */
  msrImm(field: number, imm: number, word: number): void {
    const c = this.#cpu;
    if (field === 0) {
      if (c.el === 0) c.undefinedInsn(word);
      c.setMode(c.el, imm & 1);
      return;
    }
    if (c.el === 0 && !this.sctlrBit(9)) {
      c.raiseSync(ExcClass.SYSREG, sysregIss(word, 31, false), 0, 0, false);
    }
    c.daif = field === 1 ? c.daif | imm : c.daif & ~imm;
  }

  // Hot accessors --------------------------------------------------------------------------

  /** SCTLR_EL1 bit `n` (n < 32). */
  sctlrBit(n: number): boolean {
    return ((this.sys[2 * this.#sctlr] >>> n) & 1) === 1;
  }

  /** CPACR_EL1.FPEN. */
  cpacrFpen(): number {
    return (this.sys[2 * this.#cpacr] >>> 20) & 3;
  }

  readonly #sctlr = SYSREG_TABLE.findIndex((r) => r.name === "SCTLR_EL1");
  readonly #cpacr = SYSREG_TABLE.findIndex((r) => r.name === "CPACR_EL1");
}

/**
 * True when MRS/MSR of row `r` may be emitted as a direct load/store of its storage: a stored
 * register without side effects, EL2 traps or write masks, and with a static EL0 rule.
 */
export function isPlainRow(r: SysRegDef): boolean {
  return !r.read && !r.write && !r.ro && !r.wo && r.el2Trap === undefined && !r.present &&
    r.writeMask === undefined && !r.affectsTranslation && typeof (r.el0 ?? "none") === "string";
}
