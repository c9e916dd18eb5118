/**
 * ARM PrimeCell PL031 real-time clock: a 32-bit seconds counter (RTCDR) loaded through RTCLR, a
 * match register (RTCMR) whose match raises the one interrupt (RTCRIS bit 0), masked by RTCIMSC.
 * Time comes from the owner's virtual-time source, never the host clock: the count is
 * `offset + floor(nowNs / 1e9)` (mod 2^32). The match is a deadline the owner schedules: it asks
 * `nextEventNs()` after each access or restore and calls `tick(nowNs)` when that time comes.
 */
import type { MmioAccess, MmioDevice, MmioOutcome } from "../mem/mmio_bus.ts";
import { type DeviceLog, NULL_LOG, RegisterBank, type RegRow } from "./register_rows.ts";

const NS_PER_S = 1e9;
// Peripheral ID 0x00141031 (part 0x031, ARM, revision 1) and PrimeCell ID 0xb105f00d, one byte
// per register, as QEMU's pl031 reports them.
const ID_BYTES = [0x31, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1];

/** Plain-data state of a PL031 (for snapshots). */
export interface Pl031State {
  /** RTCDR minus the whole virtual seconds elapsed (mod 2^32). */
  offset: number;
  mr: number;
  /** Last value written to RTCLR (what RTCLR reads back). */
  lr: number;
  imsc: number;
  ris: number;
  /** Virtual second at whose start the counter reaches RTCMR, or null when none is pending. */
  alarmSecond: number | null;
}

/** Connections of a PL031 to its owner. */
export interface Pl031Ports {
  /** Virtual nanoseconds since the owner's reset (must not go backwards). */
  nowNs(): number;
  /** The interrupt output level. */
  irq(level: boolean): void;
  /** Called when `nextEventNs()` changed (a running CPU slice may need to end sooner). */
  deadlineChanged?(): void;
  log?: DeviceLog;
}

/** A fresh PL031 state whose counter reads `baseSeconds` at virtual time 0. */
export function pl031Reset(baseSeconds = 0): Pl031State {
  return { offset: baseSeconds >>> 0, mr: 0, lr: 0, imsc: 0, ris: 0, alarmSecond: null };
}

/** A PL031 RTC. */
export class Pl031 implements MmioDevice {
  readonly name: string;
  state: Pl031State;
  readonly #ports: Pl031Ports;
  readonly #bank: RegisterBank;
  #level = false;

  /** `baseSeconds` is what RTCDR reads at virtual time 0 (e.g. a fixed epoch for determinism). */
  constructor(name: string, ports: Pl031Ports, baseSeconds = 0) {
    if (!Number.isInteger(baseSeconds) || baseSeconds < 0 || baseSeconds >= 2 ** 32) {
      throw new Error(`${name}: base seconds ${baseSeconds} is not a 32-bit count`);
    }
    this.name = name;
    this.#ports = ports;
    this.state = pl031Reset(baseSeconds);
    const s = () => this.state;
    const rows: RegRow[] = [
      { name: "RTCDR", offset: 0x00, read: () => this.count() },
      {
        name: "RTCMR",
        offset: 0x04,
        read: () => s().mr,
        write: (_i, v) => {
          s().mr = v >>> 0;
          this.#armAlarm();
        },
      },
      {
        name: "RTCLR",
        offset: 0x08,
        read: () => s().lr,
        write: (_i, v) => {
          s().lr = v >>> 0;
          s().offset = (s().offset + (v >>> 0) - this.count()) >>> 0;
          this.#armAlarm();
        },
      },
      // The counter runs from reset and RTCCR.RTCEN cannot be cleared (the TRM: writing 0 has
      // no effect), so it reads 1 and writes change nothing.
      { name: "RTCCR", offset: 0x0c, read: () => 1, write: () => {} },
      {
        name: "RTCIMSC",
        offset: 0x10,
        read: () => s().imsc,
        write: (_i, v) => {
          s().imsc = v & 1;
          this.#update();
        },
      },
      { name: "RTCRIS", offset: 0x14, read: () => s().ris },
      { name: "RTCMIS", offset: 0x18, read: () => s().ris & s().imsc },
      {
        name: "RTCICR",
        offset: 0x1c,
        write: (_i, v) => {
          s().ris &= ~v & 1;
          this.#update();
        },
      },
      { name: "ID", offset: 0xfe0, count: 8, read: (i) => ID_BYTES[i] },
    ];
    this.#bank = new RegisterBank(name, 0x1000, rows, ports.log ?? NULL_LOG);
  }

  /** RTCDR now. */
  count(): number {
    return (this.state.offset + Math.floor(this.#ports.nowNs() / NS_PER_S)) >>> 0;
  }

  /**
   * MMIO entry point (offsets within the 4 KiB register page). A match that came due since the
   * owner's last `tick()` is raised first, so the guest never sees a count past RTCMR without
   * the interrupt, however coarsely the owner schedules ticks.
   */
  access(a: MmioAccess): MmioOutcome {
    this.tick(this.#ports.nowNs());
    return this.#bank.access(a);
  }

  /**
   * Virtual time (ns) at which the match interrupt is due, or undefined when none is pending.
   * The owner schedules a `tick()` then; it may change after any access or `restore()`.
   */
  nextEventNs(): number | undefined {
    const a = this.state.alarmSecond;
    return a === null ? undefined : a * NS_PER_S;
  }

  /** Advances the device to virtual time `nowNs`: raises the match interrupt if it is due. */
  tick(nowNs: number): void {
    const a = this.state.alarmSecond;
    if (a !== null && Math.floor(nowNs / NS_PER_S) >= a) {
      this.state.alarmSecond = null;
      this.state.ris = 1;
      this.#update();
    }
  }

  /** The interrupt output level. */
  get irqLevel(): boolean {
    return this.#level;
  }

  /** A copy of the device state (plain data, for snapshots). */
  save(): Pl031State {
    return { ...this.state };
  }

  /** Restores a state made by `save()`; refuses one with missing or mistyped fields. */
  restore(saved: Pl031State): void {
    if (saved === null || typeof saved !== "object") {
      throw new Error(`${this.name}: saved state ${String(saved)} is not an object`);
    }
    const u32 = (v: unknown) =>
      Number.isInteger(v) && (v as number) >= 0 && (v as number) < 2 ** 32;
    for (const k of ["offset", "mr", "lr"] as const) {
      if (!u32(saved[k])) throw new Error(`${this.name}: saved state field ${k} is ${saved[k]}`);
    }
    for (const k of ["imsc", "ris"] as const) {
      if (saved[k] !== 0 && saved[k] !== 1) {
        throw new Error(`${this.name}: saved state field ${k} is ${saved[k]} (0 or 1)`);
      }
    }
    const a = saved.alarmSecond;
    if (a !== null && !(Number.isSafeInteger(a) && a >= 0)) {
      throw new Error(`${this.name}: saved state field alarmSecond is ${a}`);
    }
    this.state = {
      offset: saved.offset,
      mr: saved.mr,
      lr: saved.lr,
      imsc: saved.imsc,
      ris: saved.ris,
      alarmSecond: a,
    };
    this.#update();
  }

  /**
   * Re-arms the match after RTCMR or RTCLR changed. A match equal to the count now fires at once
   * (QEMU does the same); otherwise it fires at the start of the second in which the counter,
   * counting up and wrapping at 2^32, reaches RTCMR.
   */
  #armAlarm(): void {
    const ticks = (this.state.mr - this.count()) >>> 0;
    if (ticks === 0) {
      this.state.alarmSecond = null;
      this.state.ris = 1;
      this.#update();
      return;
    }
    this.state.alarmSecond = Math.floor(this.#ports.nowNs() / NS_PER_S) + ticks;
    this.#ports.deadlineChanged?.();
  }

  #update(): void {
    const level = (this.state.ris & this.state.imsc) !== 0;
    if (level !== this.#level) {
      this.#level = level;
      this.#ports.irq(level);
    }
  }
}
