/**
 * Registers as data (Bao's vgic rows, QEMU's MemoryRegionOps): a device describes its
 * registers as rows {name, offset, count, sizes, read, write}; the generic code here finds the
 * row, checks access size and alignment, handles byte lanes and RAZ/WI, and reports guest
 * mistakes separately from hvlab's own gaps.
 */
import type { MmioAccess, MmioOutcome } from "../mem/mmio_bus.ts";

/** One register, or an array of `count` consecutive 32-bit registers. */
export interface RegRow {
  name: string;
  offset: number;
  /** Number of consecutive 32-bit registers (default 1). */
  count?: number;
  /**
   * Access sizes the register accepts (default [4]); smaller sizes address byte lanes. 8 makes
   * pairs of registers 64-bit (GICv3 IROUTER, GICR_TYPER): an 8-byte access at an even index
   * `i` of the row reads or writes register `i` (low half) and `i + 1` (high half).
   */
  sizes?: readonly (1 | 2 | 4 | 8)[];
  /** Value of register `i` of the row (32 bits). Missing: write-only (reads as zero, logged). */
  read?: (i: number) => number;
  /**
   * Writes register `i`: `value` holds the written bytes in their lanes, `mask` says which
   * lanes were written. Missing: read-only (write ignored, logged).
   */
  write?: (i: number, value: number, mask: number) => void;
}

/** Where a device reports what it did not do. */
export interface DeviceLog {
  /** The guest did something the architecture calls wrong (bad offset, size, RO write). */
  guestError(device: string, msg: string): void;
  /** The guest did something valid that hvlab does not implement. */
  unimplemented(device: string, msg: string): void;
}

/** A log that drops everything (for tests that do not care). */
export const NULL_LOG: DeviceLog = { guestError() {}, unimplemented() {} };

/** Merges written byte lanes into an old value. */
export function mergeLanes(old: number, value: number, mask: number): number {
  return ((old & ~mask) | (value & mask)) >>> 0;
}

/** A register bank built from rows, with an offset lookup table. */
export class RegisterBank {
  readonly #device: string;
  readonly #log: DeviceLog;
  // Word index (offset / 4) -> row index, -1 when no register.
  readonly #byWord: Int16Array;
  readonly #rows: readonly RegRow[];

  constructor(device: string, size: number, rows: readonly RegRow[], log: DeviceLog) {
    this.#device = device;
    this.#log = log;
    this.#rows = rows;
    this.#byWord = new Int16Array(size >>> 2).fill(-1);
    rows.forEach((r, ri) => {
      for (let i = 0; i < (r.count ?? 1); i++) {
        const w = (r.offset >>> 2) + i;
        if (w >= this.#byWord.length || this.#byWord[w] !== -1) {
          throw new Error(
            `${device}: register ${r.name}[${i}] at 0x${
              (4 * w).toString(16)
            } overlaps or is out of range`,
          );
        }
        this.#byWord[w] = ri;
      }
    });
  }

  /** Performs an MMIO access on the bank. */
  access(a: MmioAccess): MmioOutcome {
    const hex = `0x${a.offset.toString(16)}`;
    const w = a.offset >>> 2;
    const ri = w < this.#byWord.length ? this.#byWord[w] : -1;
    if (ri < 0) {
      this.#log.guestError(this.#device, `${a.write ? "write" : "read"} of reserved offset ${hex}`);
      if (!a.write) a.value = a.valueHi = 0;
      return "done";
    }
    const r = this.#rows[ri];
    const i = w - (r.offset >>> 2);
    const name = (r.count ?? 1) > 1 ? `${r.name}[${i}]` : r.name;
    const sizes = r.sizes ?? [4];
    const lane = a.offset & 3;
    if (a.size === 8 && sizes.includes(8) && lane === 0 && i % 2 === 0 && i + 1 < (r.count ?? 1)) {
      return this.#access64(r, i, a);
    }
    if (a.size === 8 || !sizes.includes(a.size) || (lane & (a.size - 1)) !== 0) {
      this.#log.guestError(this.#device, `${a.size}-byte access to ${name} at ${hex}`);
      if (!a.write) a.value = a.valueHi = 0;
      return "done";
    }
    const shift = 8 * lane;
    const laneMask = a.size === 4 ? 0xffffffff : (((1 << (8 * a.size)) - 1) << shift) >>> 0;
    if (a.write) {
      if (!r.write) this.#log.guestError(this.#device, `write to read-only ${name}`);
      else r.write(i, ((a.value << shift) & laneMask) >>> 0, laneMask);
    } else {
      a.valueHi = 0;
      if (!r.read) {
        this.#log.guestError(this.#device, `read of write-only ${name}`);
        a.value = 0;
      } else a.value = ((r.read(i) & laneMask) >>> shift) >>> 0;
    }
    return "done";
  }

  /** A 64-bit access to registers `i` (low half) and `i + 1` (high half) of row `r`. */
  #access64(r: RegRow, i: number, a: MmioAccess): MmioOutcome {
    if (a.write) {
      if (!r.write) this.#log.guestError(this.#device, `write to read-only ${r.name}[${i}]`);
      else {
        r.write(i, a.value >>> 0, 0xffffffff);
        r.write(i + 1, a.valueHi >>> 0, 0xffffffff);
      }
    } else if (!r.read) {
      this.#log.guestError(this.#device, `read of write-only ${r.name}[${i}]`);
      a.value = a.valueHi = 0;
    } else {
      a.value = r.read(i) >>> 0;
      a.valueHi = r.read(i + 1) >>> 0;
    }
    return "done";
  }
}
