/**
 * Virtual time of a board: CPU cycles (from retired instructions plus idle time) at a configured
 * frequency, and the system counter (CNTPCT) derived from them. Nothing here reads the host
 * clock, so the same inputs always give the same timeline.
 */

/** Frequencies of a virtual clock. */
export interface ClockConfig {
  /** CPU cycles per second (default 1.2 GHz). */
  cpuHz?: number;
  /** System counter ticks per second, CNTFRQ_EL0 (default 62.5 MHz, as QEMU virt). */
  counterHz?: number;
}

/** Plain-data state of a clock (for snapshots). */
export interface ClockState {
  /** Cycles spent idle (WFI) in addition to those counted by the cycle source. */
  idleCycles: number;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/**
 * The board's clock. Busy cycles come from a source (the CPU's retired-instruction count, one
 * cycle per instruction for now); idle cycles are added when the CPU waits for an event.
 */
export class VirtualClock {
  readonly cpuHz: number;
  readonly counterHz: number;
  // counter = floor(cycles * num / den) with num/den = counterHz/cpuHz reduced, so the products
  // stay exact integers far longer than with the raw frequencies.
  readonly #num: number;
  readonly #den: number;
  readonly #busy: () => number;
  state: ClockState = { idleCycles: 0 };

  constructor(busyCycles: () => number, config: ClockConfig = {}) {
    this.cpuHz = config.cpuHz ?? 1_200_000_000;
    this.counterHz = config.counterHz ?? 62_500_000;
    if (!Number.isInteger(this.cpuHz) || this.cpuHz <= 0) {
      throw new Error(`clock: cpuHz ${this.cpuHz} is not a positive integer`);
    }
    if (!Number.isInteger(this.counterHz) || this.counterHz <= 0 || this.counterHz > this.cpuHz) {
      throw new Error(`clock: counterHz ${this.counterHz} must be a positive integer <= cpuHz`);
    }
    const g = gcd(this.counterHz, this.cpuHz);
    this.#num = this.counterHz / g;
    this.#den = this.cpuHz / g;
    this.#busy = busyCycles;
  }

  /** A copy of the clock state (plain data, for snapshots). */
  save(): ClockState {
    return { ...this.state };
  }

  /** Restores a state made by `save()`. */
  restore(saved: ClockState): void {
    if (saved === null || typeof saved !== "object") {
      throw new Error(`clock: saved state ${String(saved)} is not an object`);
    }
    if (!Number.isSafeInteger(saved.idleCycles) || saved.idleCycles < 0) {
      throw new Error(`clock: saved idleCycles ${String(saved.idleCycles)} is not a cycle count`);
    }
    this.state = { ...saved };
  }

  /** Cycles since reset. */
  cycles(): number {
    return this.#busy() + this.state.idleCycles;
  }

  /** The system counter value now. */
  counter(): number {
    return this.counterAt(this.cycles());
  }

  /** The counter value at cycle `cycles`. */
  counterAt(cycles: number): number {
    return Math.floor((cycles * this.#num) / this.#den);
  }

  /** The first cycle at which the counter reaches `count`. */
  cycleOfCount(count: number): number {
    return Math.ceil((count * this.#den) / this.#num);
  }

  /** Lets `n` cycles pass without executing instructions (an idle CPU). */
  idle(n: number): void {
    if (n > 0) this.state.idleCycles += n;
  }

  /** Seconds of virtual time since reset. */
  seconds(): number {
    return this.cycles() / this.cpuHz;
  }
}
