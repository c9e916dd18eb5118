/**
 * Self-hosted debug of the PE, as the guest programs it (MDSCR_EL1, DBGBCR/BVR, DBGWCR/WVR, the
 * OS lock and double lock): hardware breakpoints (unlinked address match), watchpoints (BAS and
 * MASK ranges) and software step (MDSCR_EL1.SS with PSTATE.SS). While any of them is armed the
 * PE runs one instruction per block and checks before each; armed watchpoints keep every data
 * access on the slow path. Distinct from the REPL's debugger breakpoints, which stop the run.
 */
import type { Cpu } from "./cpu.ts";
import { ExcClass } from "./exceptions.ts";
import { NUM_BRPS, NUM_WRPS } from "./sysreg/debug_regs.ts";

/** Fault status of debug exceptions (IFSC/DFSC). */
const DEBUG_FSC = 0x22;

/** Plain-data state of HwDebug (for snapshots). */
export interface HwDebugState {
  active: boolean;
  watching: boolean;
  /** Retired count when the last stepped instruction started (-2: none). */
  steppedAt: number;
}

/** Throws naming the field unless `s` is a HwDebugState (field names prefixed `at`). */
export function checkHwDebugState(s: unknown, at: string): asserts s is HwDebugState {
  const o = s as Record<string, unknown> | null;
  if (o === null || typeof o !== "object") throw new Error(`${at}: ${String(s)} is not an object`);
  for (const k of ["active", "watching"] as const) {
    if (typeof o[k] !== "boolean") throw new Error(`${at}.${k}: ${String(o[k])} is not a boolean`);
  }
  const n = o.steppedAt;
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < -2) {
    throw new Error(`${at}.steppedAt: ${String(n)} is not an integer >= -2`);
  }
}

/** Architectural debug state derived from the debug registers. */
export class HwDebug {
  /** Something may fire: the run loop single-steps and calls beforeInsn. */
  active = false;
  /** Watchpoints are armed: data accesses must reach checkWatch. */
  watching = false;
  /** Retired count when the last stepped instruction started. */
  #steppedAt = -2;

  /** A copy of the state (plain data). */
  save(): HwDebugState {
    return { active: this.active, watching: this.watching, steppedAt: this.#steppedAt };
  }

  /** Restores a state made by `save()` (checked first; nothing changes on error). */
  restore(s: HwDebugState): void {
    checkHwDebugState(s, "hwDebug");
    this.active = s.active;
    this.watching = s.watching;
    this.#steppedAt = s.steppedAt;
  }

  /** Re-derives the armed state after a write to a debug register. */
  recompute(c: Cpu): void {
    const mdscr = this.#lo(c, "MDSCR_EL1");
    const locked = (this.#lo(c, "OSLSR_EL1") & 2) !== 0 || (this.#lo(c, "OSDLR_EL1") & 1) !== 0;
    const mde = (mdscr >>> 15) & 1;
    let bp = false, wp = false;
    for (let n = 0; n < NUM_BRPS; n++) bp ||= (this.#lo(c, `DBGBCR${n}_EL1`) & 1) === 1;
    for (let n = 0; n < NUM_WRPS; n++) wp ||= (this.#lo(c, `DBGWCR${n}_EL1`) & 1) === 1;
    const wasWatching = this.watching;
    this.watching = !locked && mde === 1 && wp;
    this.active = !locked && ((mde === 1 && (bp || wp)) || (mdscr & 1) === 1);
    if (this.watching && !wasWatching) c.flushTlb();
    // The run loop decides on single-stepping when it starts: end the current run.
    c.requestStop();
  }

  #lo(c: Cpu, name: string): number {
    return c.sysregs.getPair(name)[0];
  }

  /** True when debug exceptions are enabled at the current EL (KDE and PSTATE.D at EL1). */
  #enabledHere(c: Cpu): boolean {
    if (c.el === 0) return true;
    return ((this.#lo(c, "MDSCR_EL1") >>> 13) & 1) === 1 && (c.daif & 8) === 0;
  }

  /** True when a PMC/PAC field (bits 2:1 of a control register) selects the current EL. */
  #elMatches(c: Cpu, ctl: number): boolean {
    return ((ctl >>> 1) & (c.el === 0 ? 2 : 1)) !== 0;
  }

  /**
   * Before each instruction while active: the software step exception (active-pending state),
   * then breakpoints. PSTATE.SS = 1 means a step is active-not-pending: the instruction runs and
   * the state becomes pending.
   */
  beforeInsn(c: Cpu): void {
    if (!this.#enabledHere(c)) return;
    const mdscr = this.#lo(c, "MDSCR_EL1");
    const lower = c.el === 0;
    if ((mdscr & 1) === 1) {
      if (c.ss === 0) {
        // ISS.ISV (EX valid) only when an instruction was stepped, not when the pending state
        // came straight from an exception return; EX = 0, IFSC = debug.
        const isv = c.retired === this.#steppedAt + 1 ? 1 << 24 : 0;
        const ec = lower ? ExcClass.SOFTSTEP_LOWER : ExcClass.SOFTSTEP_SAME;
        c.raiseSync(ec, isv | DEBUG_FSC, 0, 0, false);
      }
      c.ss = 0;
      this.#steppedAt = c.retired;
    }
    if (((mdscr >>> 15) & 1) === 0) return;
    const pc = c.pc;
    for (let n = 0; n < NUM_BRPS; n++) {
      const ctl = this.#lo(c, `DBGBCR${n}_EL1`);
      // Enabled, unlinked address match (BT = 0), for this EL.
      if ((ctl & 1) === 0 || ((ctl >>> 20) & 0xf) !== 0 || !this.#elMatches(c, ctl)) continue;
      const bvr = BigInt.asUintN(64, BigInt.asIntN(49, c.sysregs.get(`DBGBVR${n}_EL1`)));
      if ((bvr & ~3n) === pc) {
        c.raiseSync(
          lower ? ExcClass.BREAKPOINT_LOWER : ExcClass.BREAKPOINT_SAME,
          DEBUG_FSC,
          0,
          0,
          false,
        );
      }
    }
  }

  /** Before a data access of `size` bytes at VA (lo, hi): raises a watchpoint exception on a hit. */
  checkWatch(c: Cpu, lo: number, hi: number, size: number, write: boolean): void {
    if (!this.#enabledHere(c)) return;
    const va = (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
    for (let n = 0; n < NUM_WRPS; n++) {
      const ctl = this.#lo(c, `DBGWCR${n}_EL1`);
      const lsc = (ctl >>> 3) & 3;
      if ((ctl & 1) === 0 || !this.#elMatches(c, ctl) || (lsc & (write ? 2 : 1)) === 0) continue;
      const wvr = BigInt.asUintN(64, BigInt.asIntN(49, c.sysregs.get(`DBGWVR${n}_EL1`)));
      const mask = (ctl >>> 24) & 0x1f;
      let start: bigint, end: bigint;
      if (mask >= 3) {
        // A naturally aligned 2^MASK-byte range (BAS must be all ones then).
        start = wvr & ~((1n << BigInt(mask)) - 1n);
        end = start + (1n << BigInt(mask));
      } else {
        const bas = (ctl >>> 5) & 0xff;
        if (bas === 0) continue;
        const base = wvr & ~7n;
        // Byte lanes from the lowest to the highest selected (BAS is contiguous in practice).
        const first = 31 - Math.clz32(bas & -bas), last = 31 - Math.clz32(bas);
        start = base + BigInt(first);
        end = base + BigInt(last + 1);
      }
      if (va < end && va + BigInt(size) > start) {
        const ec = c.el === 0 ? ExcClass.WATCHPOINT_LOWER : ExcClass.WATCHPOINT_SAME;
        c.raiseSync(ec, (write ? 1 << 6 : 0) | DEBUG_FSC, lo, hi, true);
      }
    }
  }
}
