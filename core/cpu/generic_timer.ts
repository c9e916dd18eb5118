/**
 * The PE's generic timer: physical and virtual counters and the EL1 physical and virtual timers
 * (CTL, CVAL, TVAL). Time comes only from the board's counter (virtual ticks); the timer outputs
 * are levels the board wires to the interrupt controller (PPIs 30 and 27).
 */
import type { Cpu } from "./cpu.ts";

const U64 = 0xffffffffffffffffn;

/** One timer's state. */
export interface TimerState {
  ctl: number;
  cval: bigint;
}

/** Which EL1 timer. */
export type TimerId = "phys" | "virt";

/** Plain-data state of a generic timer (for snapshots). */
export interface GenericTimerState {
  frequency: number;
  phys: TimerState;
  virt: TimerState;
}

/** Throws naming the field unless `s` is a GenericTimerState (field names prefixed `at`). */
export function checkGenericTimerState(s: unknown, at: string): asserts s is GenericTimerState {
  const o = s as Record<string, unknown> | null;
  if (o === null || typeof o !== "object") throw new Error(`${at}: ${String(s)} is not an object`);
  const f = o.frequency;
  if (typeof f !== "number" || !Number.isSafeInteger(f) || f <= 0) {
    throw new Error(`${at}.frequency: ${String(f)} is not a positive integer`);
  }
  for (const id of ["phys", "virt"] as const) {
    const t = o[id] as Record<string, unknown> | null;
    if (t === null || typeof t !== "object") {
      throw new Error(`${at}.${id}: ${String(t)} is not an object`);
    }
    if (typeof t.ctl !== "number" || !Number.isInteger(t.ctl) || t.ctl < 0 || t.ctl > 3) {
      throw new Error(`${at}.${id}.ctl: ${String(t.ctl)} is not an integer in 0..3`);
    }
    if (typeof t.cval !== "bigint" || t.cval < 0n || t.cval > U64) {
      throw new Error(`${at}.${id}.cval: ${String(t.cval)} is not a 64-bit bigint`);
    }
  }
}

/** The generic timer of one PE. */
export class GenericTimer {
  readonly #cpu: Cpu;
  /** Counter frequency reported in CNTFRQ_EL0 (QEMU virt's 62.5 MHz by default). */
  frequency = 62_500_000;
  readonly phys: TimerState = { ctl: 0, cval: 0n };
  readonly virt: TimerState = { ctl: 0, cval: 0n };
  /** Called when a timer output level may have changed. */
  onChange: ((id: TimerId, level: boolean) => void) | null = null;

  constructor(cpu: Cpu) {
    this.#cpu = cpu;
  }

  /** A copy of the timer state (plain data). */
  save(): GenericTimerState {
    return { frequency: this.frequency, phys: { ...this.phys }, virt: { ...this.virt } };
  }

  /**
   * Restores a state made by `save()` (checked first; nothing changes on error). Outputs are not
   * re-signalled: the interrupt controller's saved state already holds their levels.
   */
  restore(s: GenericTimerState): void {
    checkGenericTimerState(s, "timer");
    this.frequency = s.frequency;
    Object.assign(this.phys, { ctl: s.phys.ctl, cval: s.phys.cval });
    Object.assign(this.virt, { ctl: s.virt.ctl, cval: s.virt.cval });
  }

  /** CNTPCT_EL0. */
  physCount(): bigint {
    return BigInt(this.#cpu.env.counter());
  }

  /** CNTVCT_EL0 = CNTPCT_EL0 - CNTVOFF_EL2. */
  virtCount(): bigint {
    return (this.physCount() - BigInt(this.#cpu.el2?.cntvoff ?? 0)) & U64;
  }

  #count(id: TimerId): bigint {
    return id === "phys" ? this.physCount() : this.virtCount();
  }

  #state(id: TimerId): TimerState {
    return id === "phys" ? this.phys : this.virt;
  }

  /** CNTx_CTL_EL0 as read: ENABLE, IMASK and the live ISTATUS. */
  readCtl(id: TimerId): number {
    const s = this.#state(id);
    return (s.ctl & 3) | (this.#condition(id) ? 4 : 0);
  }

  /** Writes CNTx_CTL_EL0 (ENABLE, IMASK; ISTATUS is read-only). */
  writeCtl(id: TimerId, v: number): void {
    this.#state(id).ctl = v & 3;
    this.update();
  }

  /** CNTx_CVAL_EL0. */
  readCval(id: TimerId): bigint {
    return this.#state(id).cval;
  }

  /** Writes CNTx_CVAL_EL0. */
  writeCval(id: TimerId, v: bigint): void {
    this.#state(id).cval = v & U64;
    this.update();
  }

  /** CNTx_TVAL_EL0: the signed 32-bit distance CVAL - count. */
  readTval(id: TimerId): bigint {
    return BigInt.asUintN(32, this.#state(id).cval - this.#count(id));
  }

  /** Writes CNTx_TVAL_EL0: CVAL = count + sign-extended value. */
  writeTval(id: TimerId, v: bigint): void {
    this.#state(id).cval = (this.#count(id) + BigInt.asIntN(32, v)) & U64;
    this.update();
  }

  #condition(id: TimerId): boolean {
    const s = this.#state(id);
    return (s.ctl & 1) === 1 && this.#count(id) >= s.cval;
  }

  /** Output level: enabled, condition met, not masked. */
  output(id: TimerId): boolean {
    return this.#condition(id) && (this.#state(id).ctl & 2) === 0;
  }

  /** Re-evaluates both outputs and reports them (call when time advanced or registers changed). */
  update(): void {
    this.onChange?.("phys", this.output("phys"));
    this.onChange?.("virt", this.output("virt"));
  }

  /**
   * The physical count at which the next enabled, unmasked timer fires, or undefined. The board
   * uses it to bound run budgets so a timer fires at its deadline in virtual time.
   */
  nextDeadline(): bigint | undefined {
    let best: bigint | undefined;
    for (const id of ["phys", "virt"] as const) {
      const s = this.#state(id);
      if ((s.ctl & 3) !== 1) continue;
      const at = id === "phys" ? s.cval : s.cval + BigInt(this.#cpu.el2?.cntvoff ?? 0);
      if (best === undefined || at < best) best = at;
    }
    return best;
  }
}
