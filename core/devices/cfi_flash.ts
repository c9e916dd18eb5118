/**
 * A CFI parallel NOR flash bank with the Intel/Sharp command set (CFI primary command set
 * 0x0001), shaped like the two banks of QEMU's `-M virt` (pflash_cfi01: 64 MiB, 256 KiB sectors,
 * a 32-bit bank of two x16 devices, manufacturer 0x89, device 0x18). The bank is one state
 * machine driven by the low byte of each write, as QEMU's model and as drivers that replicate
 * commands to every device (Linux's cfi_build_cmd, EDK2's VirtNorFlash) expect.
 *
 * Operations finish at once, so status bit 7 (write state machine ready) always reads 1. Where
 * QEMU 7.2 departs from the Intel parts, this model follows the parts: erase happens at the 0xD0
 * confirm (QEMU erases at 0x20); program clears bits only (QEMU overwrites); buffered program
 * writes at the confirm; locked blocks refuse program/erase with status bits 1+4 / 1+5 and report
 * their lock state at ID offset 2 (QEMU has no locks); a bad confirm is a command sequence error
 * (status bits 4+5; QEMU returns to read array); clear status (0x50) leaves bit 7 set (QEMU
 * clears it); any command leaves query mode (QEMU only honours 0xFF there).
 *
 * Reads in read-array mode come straight from `image`, which an owner may map read-only while
 * `arrayMode` is true (QEMU's ROMD mode); `onArrayMode` says when that changes.
 */
import type { MmioAccess, MmioDevice, MmioOutcome } from "../mem/mmio_bus.ts";
import { type DeviceLog, NULL_LOG } from "./register_rows.ts";

/** Status register bits (of one device; a bank read shows them in every device's lanes). */
export const CFI_SR = {
  /** Block lock error (program or erase of a locked block). */
  LOCKED: 1 << 1,
  /** Program error. */
  PROGRAM: 1 << 4,
  /** Erase error (with PROGRAM: command sequence error). */
  ERASE: 1 << 5,
  /** Write state machine ready. */
  READY: 1 << 7,
} as const;

/** Shape of a bank (plain data). Defaults are QEMU virt's. */
export interface CfiFlashConfig {
  /** Bank size in bytes, a power of two (default 64 MiB). */
  size?: number;
  /** Erase block size of the bank in bytes, all devices together (default 256 KiB). */
  sectorSize?: number;
  /** Bytes per bank access: devices side by side (default 4). */
  bankWidth?: 1 | 2 | 4;
  /** Bytes per device (default 2: x16 parts). */
  deviceWidth?: 1 | 2 | 4;
  /** Manufacturer and device codes (default [0x89, 0x18]). */
  ids?: readonly [number, number];
}

/** What reads return when no write cycle is pending. */
export type CfiReadMode = "array" | "status" | "id" | "query";

/** A write cycle the state machine waits for after a setup command. */
export type CfiPending =
  | "program"
  | "erase"
  | "lock"
  | "buffer-count"
  | "buffer-data"
  | "buffer-confirm";

/** One data write of a buffered program, kept until the confirm. */
export interface CfiBufferedWrite {
  offset: number;
  size: number;
  /** Written bytes, lowest address first. */
  bytes: number[];
}

/** Plain-data state of a bank (for snapshots). */
export interface CfiFlashState {
  image: Uint8Array;
  mode: CfiReadMode;
  pending: CfiPending | null;
  /** Status register of one device (bits as CFI_SR). */
  status: number;
  /** One byte per erase block: 1 locked, 0 unlocked. */
  locked: Uint8Array;
  /** Data writes still expected by a buffered program. */
  bufferLeft: number;
  bufferWrites: CfiBufferedWrite[];
}

/** Connections of a bank to its owner. */
export interface CfiFlashPorts {
  log?: DeviceLog;
  /** Called when reads start (true) or stop (false) being plain reads of `image`. */
  onArrayMode?(arrayMode: boolean): void;
}

const MIB = 1024 * 1024;
// Max bytes per device of a buffered program, as 2^N (CFI 0x2A): QEMU's value for banks wider
// than one byte.
const BUFFER_LOG2 = 11;
const PAGE = 0x1000;

/** A CFI flash bank. */
export class CfiFlash implements MmioDevice {
  readonly name: string;
  /** Bank size in bytes. */
  readonly size: number;
  readonly sectorSize: number;
  readonly bankWidth: number;
  readonly deviceWidth: number;
  state: CfiFlashState;
  readonly #ids: readonly [number, number];
  readonly #query: Uint8Array;
  readonly #log: DeviceLog;
  readonly #ports: CfiFlashPorts;
  readonly #bufferBytes: number;

  /**
   * A bank holding `image` (used in place, not copied; its length must be the bank size) or,
   * without one, an erased bank (every byte 0xFF).
   */
  constructor(
    name: string,
    config: CfiFlashConfig = {},
    image?: Uint8Array,
    ports: CfiFlashPorts = {},
  ) {
    this.name = name;
    const size = this.size = config.size ?? 64 * MIB;
    const sector = this.sectorSize = config.sectorSize ?? 256 * 1024;
    const bw = this.bankWidth = config.bankWidth ?? 4;
    const dw = this.deviceWidth = config.deviceWidth ?? 2;
    this.#ids = config.ids ?? [0x89, 0x18];
    const pow2 = (n: number) => Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
    if (![1, 2, 4].includes(bw) || ![1, 2, 4].includes(dw) || dw > bw) {
      throw new Error(`${name}: bank width ${bw} with device width ${dw}`);
    }
    if (!pow2(sector) || sector < PAGE) throw new Error(`${name}: sector size ${sector}`);
    // CFI gives the device size as a power of two.
    if (!pow2(size) || size < sector || size > 2 ** 30) {
      throw new Error(
        `${name}: size ${size} is not a power of two of at least one ${sector}-byte sector`,
      );
    }
    if (this.#ids.some((id) => !Number.isInteger(id) || id < 0 || id > 0xffff)) {
      throw new Error(`${name}: identifier codes ${this.#ids.join(", ")} are not 16-bit`);
    }
    if (image && image.length !== size) {
      throw new Error(`${name}: image of ${image.length} bytes; this flash holds ${size} bytes`);
    }
    this.#log = ports.log ?? NULL_LOG;
    this.#ports = ports;
    const devices = bw / dw;
    this.#bufferBytes = (1 << BUFFER_LOG2) * devices;
    this.#query = cfiQueryTable(size / devices, size / sector, sector / devices);
    this.state = {
      image: image ?? new Uint8Array(size).fill(0xff),
      mode: "array",
      pending: null,
      status: CFI_SR.READY,
      locked: new Uint8Array(size / sector),
      bufferLeft: 0,
      bufferWrites: [],
    };
  }

  /** The bank's contents (read-array view), the array given to the constructor if any. */
  get image(): Uint8Array {
    return this.state.image;
  }

  /** True when reads return `image` (no command mode, no write cycle pending). */
  get arrayMode(): boolean {
    return this.state.mode === "array" && this.state.pending === null;
  }

  /** MMIO entry point (offsets within the bank). 8-byte accesses act as two 4-byte ones. */
  access(a: MmioAccess): MmioOutcome {
    if (a.offset < 0 || a.offset + a.size > this.size) {
      this.#log.guestError(this.name, `${a.size}-byte access at 0x${a.offset.toString(16)}`);
      if (!a.write) a.value = a.valueHi = 0;
      return "done";
    }
    if (!a.write) {
      a.value = this.#read(a.offset, Math.min(a.size, 4));
      a.valueHi = a.size === 8 ? this.#read(a.offset + 4, 4) : 0;
      return "done";
    }
    const wasArray = this.arrayMode;
    this.#write(a.offset, Math.min(a.size, 4), a.value >>> 0);
    if (a.size === 8) this.#write(a.offset + 4, 4, a.valueHi >>> 0);
    if (this.arrayMode !== wasArray) this.#ports.onArrayMode?.(this.arrayMode);
    return "done";
  }

  /** A copy of the bank's state (plain data, for snapshots). */
  save(): CfiFlashState {
    const s = this.state;
    return {
      ...s,
      image: s.image.slice(),
      locked: s.locked.slice(),
      bufferWrites: s.bufferWrites.map((w) => ({ ...w, bytes: [...w.bytes] })),
    };
  }

  /**
   * Restores a state made by `save()` of a bank of the same shape, copying the image into this
   * bank's array (so a mapping of `image` stays valid); refuses a bad state naming the field.
   */
  restore(saved: CfiFlashState): void {
    const bad = (field: string, v: unknown) =>
      new Error(`${this.name}: saved state field ${field} is ${v}`);
    if (saved === null || typeof saved !== "object") {
      throw new Error(`${this.name}: saved state ${String(saved)} is not an object`);
    }
    const img = saved.image;
    if (!(img instanceof Uint8Array) || img.length !== this.size) {
      const got = img instanceof Uint8Array ? `${img.length} bytes` : String(img);
      throw new Error(`${this.name}: saved image is ${got}; this flash holds ${this.size} bytes`);
    }
    if (!["array", "status", "id", "query"].includes(saved.mode)) throw bad("mode", saved.mode);
    const pendings = ["program", "erase", "lock", "buffer-count", "buffer-data", "buffer-confirm"];
    if (saved.pending !== null && !pendings.includes(saved.pending)) {
      throw bad("pending", saved.pending);
    }
    if (!Number.isInteger(saved.status) || saved.status < 0 || saved.status > 0xff) {
      throw bad("status", saved.status);
    }
    const locked = saved.locked;
    if (
      !(locked instanceof Uint8Array) || locked.length !== this.state.locked.length ||
      locked.some((b) => b > 1)
    ) throw bad("locked", locked instanceof Uint8Array ? `${locked.length} bytes` : locked);
    const maxWrites = this.#bufferBytes / this.bankWidth;
    if (
      !Number.isInteger(saved.bufferLeft) || saved.bufferLeft < 0 || saved.bufferLeft > maxWrites
    ) {
      throw bad("bufferLeft", saved.bufferLeft);
    }
    const writes = saved.bufferWrites;
    if (
      !Array.isArray(writes) || writes.length > maxWrites ||
      writes.some((w) =>
        w === null || typeof w !== "object" || !Number.isInteger(w.offset) || w.offset < 0 ||
        ![1, 2, 4].includes(w.size) || w.offset + w.size > this.size ||
        !Array.isArray(w.bytes) || w.bytes.length !== w.size ||
        w.bytes.some((b) => !Number.isInteger(b) || b < 0 || b > 0xff)
      )
    ) throw bad("bufferWrites", Array.isArray(writes) ? `list(${writes.length})` : writes);
    const wasArray = this.arrayMode;
    this.state.image.set(img);
    this.state = {
      image: this.state.image,
      mode: saved.mode,
      pending: saved.pending,
      status: saved.status,
      locked: locked.slice(),
      bufferLeft: saved.bufferLeft,
      bufferWrites: writes.map((w) => ({ offset: w.offset, size: w.size, bytes: [...w.bytes] })),
    };
    if (this.arrayMode !== wasArray) this.#ports.onArrayMode?.(this.arrayMode);
  }

  /** Reads `size` (1, 2 or 4) bytes at `offset`, little-endian, in the current read mode. */
  #read(offset: number, size: number): number {
    let v = 0;
    for (let i = size - 1; i >= 0; i--) v = v * 256 + this.#readByte(offset + i);
    return v >>> 0;
  }

  /** One byte of the bank as the current mode presents it: device responses sit in lanes. */
  #readByte(offset: number): number {
    const s = this.state;
    if (this.arrayMode) return s.image[offset];
    // Each device answers in its own deviceWidth lanes, least significant byte first.
    const k = (offset % this.bankWidth) % this.deviceWidth;
    return (this.#response(offset) >>> (8 * k)) & 0xff;
  }

  /** What one device answers at `offset` outside read-array mode. */
  #response(offset: number): number {
    const s = this.state;
    if (s.pending !== null || s.mode === "status") return s.status;
    const word = Math.floor(offset / this.bankWidth);
    if (s.mode === "query") return word < this.#query.length ? this.#query[word] : 0;
    // Read identifier: codes at device words 0 and 1, the lock state of a block at its word 2.
    switch (word & 0xff) {
      case 0:
        return this.#ids[0];
      case 1:
        return this.#ids[1];
      case 2:
        return s.locked[Math.floor(offset / this.sectorSize)];
      default:
        return 0;
    }
  }

  /** One write cycle: a command, or the data/confirm a pending command waits for. */
  #write(offset: number, size: number, value: number): void {
    const s = this.state;
    const cmd = value & 0xff;
    switch (s.pending) {
      case null:
        this.#command(offset, cmd);
        return;
      case "program":
        s.pending = null;
        s.mode = "status";
        if (this.#refuseLocked(offset, CFI_SR.PROGRAM)) return;
        this.#program(offset, size, value);
        return;
      case "erase":
        s.pending = null;
        s.mode = "status";
        if (cmd !== 0xd0) return this.#sequenceError(`erase confirm 0x${cmd.toString(16)}`);
        if (this.#refuseLocked(offset, CFI_SR.ERASE)) return;
        {
          const base = offset - offset % this.sectorSize;
          s.image.fill(0xff, base, base + this.sectorSize);
        }
        return;
      case "lock":
        s.pending = null;
        s.mode = "status";
        if (cmd === 0x01 || cmd === 0xd0) {
          s.locked[Math.floor(offset / this.sectorSize)] = cmd === 0x01 ? 1 : 0;
        } else if (cmd === 0x2f) {
          this.#log.unimplemented(this.name, "block lock-down (0x60, 0x2F)");
        } else this.#sequenceError(`lock confirm 0x${cmd.toString(16)}`);
        return;
      case "buffer-count": {
        // The count (words per device, minus one) is in the first device's lanes.
        const n = (value % 2 ** (8 * this.deviceWidth)) + 1;
        if (n > this.#bufferBytes / this.bankWidth) {
          s.pending = null;
          s.mode = "status";
          return this.#sequenceError(`buffered program of ${n} words`);
        }
        s.bufferLeft = n;
        s.bufferWrites = [];
        s.pending = "buffer-data";
        return;
      }
      case "buffer-data": {
        const bytes = [];
        for (let i = 0; i < size; i++) bytes.push((value >>> (8 * i)) & 0xff);
        s.bufferWrites.push({ offset, size, bytes });
        if (--s.bufferLeft === 0) s.pending = "buffer-confirm";
        return;
      }
      case "buffer-confirm": {
        s.pending = null;
        s.mode = "status";
        const writes = s.bufferWrites;
        s.bufferWrites = [];
        if (cmd !== 0xd0) return this.#sequenceError(`buffer confirm 0x${cmd.toString(16)}`);
        // All data must fall in the write-buffer-aligned window of the first write.
        const win = writes[0].offset - writes[0].offset % this.#bufferBytes;
        if (writes.some((w) => w.offset < win || w.offset + w.size > win + this.#bufferBytes)) {
          return this.#sequenceError("buffered program across a write-buffer boundary");
        }
        if (this.#refuseLocked(win, CFI_SR.PROGRAM)) return;
        for (const w of writes) {
          w.bytes.forEach((b, i) => s.image[w.offset + i] &= b);
        }
        return;
      }
    }
  }

  /** A first write cycle: selects a read mode or sets up a two-cycle command. */
  #command(offset: number, cmd: number): void {
    const s = this.state;
    switch (cmd) {
      case 0xff: // read array
      case 0x00: // QEMU's model takes 0x00 as read array too; firmware written for it may use it
      case 0xf0: // AMD reset, sent by probes that try both command sets
        s.mode = "array";
        return;
      case 0x70:
        s.mode = "status";
        return;
      case 0x90:
        s.mode = "id";
        return;
      case 0x98:
        s.mode = "query";
        return;
      case 0x50:
        s.status = CFI_SR.READY;
        s.mode = "array";
        return;
      case 0x40:
      case 0x10:
        s.pending = "program";
        return;
      case 0x20:
        s.pending = "erase";
        return;
      case 0x60:
        s.pending = "lock";
        return;
      case 0xe8:
        s.pending = "buffer-count";
        return;
      case 0xb0: // program/erase suspend: nothing is ever in progress to suspend
      case 0xd0: // resume
        s.mode = "status";
        return;
      case 0xc0:
      case 0xb8:
        this.#log.unimplemented(this.name, `command 0x${cmd.toString(16)}`);
        s.mode = "array";
        return;
      default:
        this.#log.guestError(
          this.name,
          `unknown command 0x${cmd.toString(16)} at 0x${offset.toString(16)}`,
        );
        s.mode = "array";
    }
  }

  /** Sets the lock error bits and returns true when the block at `offset` is locked. */
  #refuseLocked(offset: number, opBit: number): boolean {
    if (!this.state.locked[Math.floor(offset / this.sectorSize)]) return false;
    this.state.status |= CFI_SR.LOCKED | opBit;
    return true;
  }

  #sequenceError(what: string): void {
    this.state.status |= CFI_SR.PROGRAM | CFI_SR.ERASE;
    this.#log.guestError(this.name, `command sequence error: ${what}`);
  }

  /** Programs the written bytes: flash cells can only go from 1 to 0. */
  #program(offset: number, size: number, value: number): void {
    for (let i = 0; i < size; i++) this.state.image[offset + i] &= (value >>> (8 * i)) & 0xff;
  }
}

/**
 * The CFI query table of one device (byte i answers query address i), with the values QEMU's
 * pflash_cfi01 gives: Intel command set, primary extended table "PRI" 1.0 at 0x31, one uniform
 * erase region.
 */
function cfiQueryTable(deviceBytes: number, blocks: number, deviceSector: number): Uint8Array {
  const t = new Uint8Array(0x40);
  const put = (at: number, ...bytes: number[]) => bytes.forEach((b, i) => t[at + i] = b & 0xff);
  put(0x10, 0x51, 0x52, 0x59); // "QRY"
  put(0x13, 0x01, 0x00); // primary command set: Intel/Sharp extended
  put(0x15, 0x31, 0x00); // primary extended query table address
  put(0x1b, 0x45, 0x55); // Vcc min/max 4.5 V/5.5 V (BCD); no Vpp (0x1d, 0x1e stay 0)
  // Typical timeouts: word program 2^7 us, buffer program 2^7 us, block erase 2^10 ms, no chip
  // erase; maxima 2^4 times those.
  put(0x1f, 0x07, 0x07, 0x0a, 0x00, 0x04, 0x04, 0x04, 0x00);
  put(0x27, Math.log2(deviceBytes)); // device size 2^N bytes
  put(0x28, 0x02, 0x00); // interface: x8/x16 asynchronous
  put(0x2a, BUFFER_LOG2, 0x00); // buffered program: at most 2^N bytes per device
  put(0x2c, 0x01); // one erase block region
  put(0x2d, blocks - 1, (blocks - 1) >> 8, deviceSector >> 8, deviceSector >> 16);
  put(0x31, 0x50, 0x52, 0x49, 0x31, 0x30); // "PRI" version "1" "0"; no optional features
  put(0x3f, 0x01); // one protection register field
  return t;
}
