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

const TRAP_BITS: Record<string, bigint> = {
  tid1: HCR.TID1,
  tid2: HCR.TID2,
  tid3: HCR.TID3,
  tacr: HCR.TACR,
};

/** System register file of one PE. */
export class SysRegs {
  readonly #cpu: Cpu;
  /** The table rows, in table order (MRS/MSR refer to rows by index). */
  readonly rows: readonly SysRegDef[] = SYSREG_TABLE;
  /** 64-bit storage, lo/hi pairs, one per row (computed rows leave theirs unused). */
  readonly sys: Int32Array;
  readonly #byKey = new Map<number, number>();
  readonly #byName = new Map<string, number>();
  /** MPIDR_EL1 value of this PE. */
  readonly mpidr: bigint;
  /** Accesses to encodings hvlab does not implement, by "op0_op1_Cn_Cm_op2" -> count. */
  readonly unimplemented = new Map<string, number>();

  constructor(cpu: Cpu, mpidr: bigint) {
    this.#cpu = cpu;
    this.mpidr = mpidr;
    this.sys = new Int32Array(this.rows.length * 2);
    this.rows.forEach((r, i) => {
      const k = sysRegKey(r.enc.op0, r.enc.op1, r.enc.crn, r.enc.crm, r.enc.op2);
      if (this.#byKey.has(k)) throw new Error(`sysreg table: ${r.name} duplicates an encoding`);
      this.#byKey.set(k, i);
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

  /** Row index for an encoding key, or -1. */
  indexOfKey(key: number): number {
    return this.#byKey.get(key) ?? -1;
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
    if (r.affectsTranslation) {
      this.#cpu.flushTlb();
      this.#cpu.modeChanged();
    }
  }

  #allowed(i: number, write: boolean): boolean {
    const r = this.rows[i];
    if (write ? r.ro : r.wo) return false;
    if (this.#cpu.el >= 1) return true;
    const a = r.el0 ?? "none";
    if (typeof a === "function") return a(this.#cpu, write);
    return a === "rw" || (a === "r" && !write);
  }

  #trap(i: number, write: boolean, rt: number, word: number): void {
    const g = this.rows[i].el2Trap;
    if (g === undefined) return;
    // Virtual-memory controls trap writes with TVM and reads with TRVM; the rest by group.
    const bit = g === "tvm" ? (write ? HCR.TVM : HCR.TRVM) : TRAP_BITS[g];
    if (bit === undefined || !this.#cpu.hcrTraps(bit)) return;
    this.#cpu.exitTrap("sysreg", (ExcClass.SYSREG << 26) | (1 << 25) | sysregIss(word, rt, !write));
  }

  /** MRS Xt, <reg> (generated code): `word` is the encoding for the syndrome. */
  mrs(key: number, rt: number, word: number): void {
    const i = this.indexOfKey(key);
    if (i < 0) {
      this.#countUnimplemented(key);
      this.#cpu.undefinedInsn(word);
    }
    if (!this.#allowed(i, false)) this.#undefOrTrap(word);
    this.#trap(i, false, rt, word);
    if (rt !== 31) this.#cpu.setX(rt, this.readRow(i));
  }

  /** MSR <reg>, Xt (generated code). */
  msr(key: number, rt: number, word: number): void {
    const i = this.indexOfKey(key);
    if (i < 0) {
      this.#countUnimplemented(key);
      this.#cpu.undefinedInsn(word);
    }
    if (!this.#allowed(i, true)) this.#undefOrTrap(word);
    this.#trap(i, true, rt, word);
    this.writeRow(i, rt === 31 ? 0n : this.#cpu.getX(rt));
  }

  #undefOrTrap(word: number): never {
    // EL0 accesses that the EL0 rules forbid are UNDEFINED (EC 0), except the traps reported
    // with EC 0x18 by the rule itself (e.g. CTR_EL0 with SCTLR_EL1.UCT clear).
    this.#cpu.undefinedInsn(word);
  }

  #countUnimplemented(key: number): void {
    const name = `S${key >> 14}_${(key >> 11) & 7}_C${(key >> 7) & 15}_C${(key >> 3) & 15}_${
      key & 7
    }`;
    this.unimplemented.set(name, (this.unimplemented.get(name) ?? 0) + 1);
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

/** ISS of a trapped MRS/MSR (EC 0x18): Op0, Op2, Op1, CRn, Rt, CRm, Direction (1 = read). */
export function sysregIss(word: number, rt: number, read: boolean): number {
  const op0 = (word >>> 19) & 3, op1 = (word >>> 16) & 7, crn = (word >>> 12) & 15;
  const crm = (word >>> 8) & 15, op2 = (word >>> 5) & 7;
  return (op0 << 20) | (op2 << 17) | (op1 << 14) | (crn << 10) | (rt << 5) | (crm << 1) |
    (read ? 1 : 0);
}
