/**
 * ARM PrimeCell UART PL011, as the amba-pl011 driver sees it: transmit goes straight to
 * a sink (the line never backs up, so TXFF is never set), receive comes from `input()` through
 * a FIFO (16 entries, or 1 when LCR_H.FEN is clear), and one level-sensitive interrupt output
 * is (RIS & IMSC) != 0. The device knows only offsets, never where it is mapped.
 */
import type { MmioAccess, MmioDevice, MmioOutcome } from "../mem/mmio_bus.ts";
import {
  type DeviceLog,
  mergeLanes,
  NULL_LOG,
  RegisterBank,
  type RegRow,
} from "./register_rows.ts";

/** Interrupt bits of RIS/MIS/IMSC/ICR. */
export const PL011_INT = {
  RX: 1 << 4,
  TX: 1 << 5,
  RT: 1 << 6,
  FE: 1 << 7,
  PE: 1 << 8,
  BE: 1 << 9,
  OE: 1 << 10,
} as const;

/** Flag register bits. */
export const PL011_FR = { BUSY: 1 << 3, RXFE: 1 << 4, TXFF: 1 << 5, RXFF: 1 << 6, TXFE: 1 << 7 };

const LCRH_FEN = 1 << 4;
const CR_UARTEN = 1 << 0;
const CR_TXE = 1 << 8;
const CR_RXE = 1 << 9;
const FIFO_DEPTH = 16;
// Peripheral ID 0x00141011 (part 0x011, ARM, revision 1, the IDs QEMU reports) and PrimeCell
// ID 0xb105f00d, one byte per register.
const ID_BYTES = [0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1];
// IFLS fields select FIFO trigger levels 1/8, 1/4, 1/2, 3/4, 7/8 of 16 entries.
const TRIGGER = [2, 4, 8, 12, 14];

/** Plain-data state of a PL011 (for snapshots). */
export interface Pl011State {
  rxFifo: number[];
  rsr: number;
  ilpr: number;
  ibrd: number;
  fbrd: number;
  lcrh: number;
  cr: number;
  ifls: number;
  imsc: number;
  ris: number;
  dmacr: number;
}

/** A fresh PL011 state after reset. */
export function pl011Reset(): Pl011State {
  return {
    rxFifo: [],
    rsr: 0,
    ilpr: 0,
    ibrd: 0,
    fbrd: 0,
    lcrh: 0,
    cr: CR_TXE | CR_RXE,
    ifls: 0x12,
    imsc: 0,
    ris: 0,
    dmacr: 0,
  };
}

/** Connections of a PL011 to the rest of the board. */
export interface Pl011Ports {
  /** Receives each transmitted byte. */
  tx(byte: number): void;
  /** The interrupt output level. */
  irq(level: boolean): void;
  /** Called when the receive FIFO gained room (a feeder may deliver more, see `rxSpace`). */
  rxReady?(): void;
  log?: DeviceLog;
}

/** A PL011 UART. */
export class Pl011 implements MmioDevice {
  readonly name: string;
  state: Pl011State = pl011Reset();
  readonly #ports: Pl011Ports;
  readonly #bank: RegisterBank;
  #level = false;
  #warnedDisabled = false;

  constructor(name: string, ports: Pl011Ports) {
    this.name = name;
    this.#ports = ports;
    const s = () => this.state;
    const plain = (
      name: string,
      offset: number,
      field: "ilpr" | "ibrd" | "fbrd" | "lcrh" | "cr" | "ifls" | "imsc" | "dmacr",
      bits: number,
      after?: () => void,
    ): RegRow => ({
      name,
      offset,
      sizes: [1, 2, 4],
      read: () => s()[field],
      write: (_i, v, m) => {
        s()[field] = mergeLanes(s()[field], v, m) & bits;
        after?.();
      },
    });
    const rows: RegRow[] = [
      {
        name: "DR",
        offset: 0x000,
        sizes: [1, 2, 4],
        read: () => this.#readData(),
        write: (_i, v, m) => {
          if (m & 0xff) this.#transmit(v & 0xff);
        },
      },
      {
        name: "RSR_ECR",
        offset: 0x004,
        sizes: [1, 2, 4],
        read: () => s().rsr,
        write: () => s().rsr = 0,
      },
      {
        name: "FR",
        offset: 0x018,
        sizes: [1, 2, 4],
        read: () => this.#flags(),
      },
      plain("ILPR", 0x020, "ilpr", 0xff),
      plain("IBRD", 0x024, "ibrd", 0xffff),
      plain("FBRD", 0x028, "fbrd", 0x3f),
      {
        name: "LCR_H",
        offset: 0x02c,
        sizes: [1, 2, 4],
        read: () => s().lcrh,
        write: (_i, v, m) => {
          const old = s().lcrh;
          s().lcrh = mergeLanes(old, v, m) & 0xff;
          // Toggling FEN empties the receive FIFO (as QEMU's PL011 does).
          if ((old ^ s().lcrh) & LCRH_FEN) s().rxFifo.length = 0;
          this.#updateRx();
          this.#ports.rxReady?.();
        },
      },
      plain("CR", 0x030, "cr", 0xff87),
      plain("IFLS", 0x034, "ifls", 0x3f, () => this.#updateRx()),
      plain("IMSC", 0x038, "imsc", 0x7ff, () => this.#update()),
      { name: "RIS", offset: 0x03c, sizes: [1, 2, 4], read: () => s().ris },
      { name: "MIS", offset: 0x040, sizes: [1, 2, 4], read: () => s().ris & s().imsc },
      {
        name: "ICR",
        offset: 0x044,
        sizes: [1, 2, 4],
        write: (_i, v, m) => {
          s().ris &= ~(v & m);
          this.#updateRx();
        },
      },
      plain("DMACR", 0x048, "dmacr", 0x7),
      { name: "ID", offset: 0xfe0, count: 8, sizes: [1, 2, 4], read: (i) => ID_BYTES[i] },
    ];
    this.#bank = new RegisterBank(name, 0x1000, rows, ports.log ?? NULL_LOG);
  }

  /** A copy of the device state (plain data, for snapshots). */
  save(): Pl011State {
    return structuredClone(this.state);
  }

  /** Restores a state made by `save()`; refuses one with missing or mistyped fields. */
  restore(saved: Pl011State): void {
    if (saved === null || typeof saved !== "object") {
      throw new Error(`${this.name}: saved state ${String(saved)} is not an object`);
    }
    const ref = pl011Reset();
    const u32 = (v: unknown) =>
      Number.isInteger(v) && (v as number) >= 0 && (v as number) < 2 ** 32;
    for (const k of Object.keys(ref) as (keyof Pl011State)[]) {
      const v = saved[k];
      // FIFO entries are a data byte with the 4 error bits above it.
      const ok = k === "rxFifo"
        ? Array.isArray(v) && v.length <= FIFO_DEPTH && v.every((b) => u32(b) && b <= 0xfff)
        : u32(v);
      if (!ok) {
        const shown = Array.isArray(v) ? `array(${v.length})` : String(v);
        throw new Error(`${this.name}: saved state field ${k} is ${shown}`);
      }
    }
    this.state = structuredClone(saved);
    this.#update();
  }

  /** MMIO entry point (offsets within the 4 KiB register page). */
  access(a: MmioAccess): MmioOutcome {
    return this.#bank.access(a);
  }

  /** Delivers received bytes; bytes that do not fit in the FIFO set the overrun error. */
  input(bytes: Uint8Array | number[]): void {
    const s = this.state;
    for (const b of bytes) {
      if (s.rxFifo.length >= this.#depth()) {
        s.rsr |= 1 << 3;
        s.ris |= PL011_INT.OE;
        continue;
      }
      s.rxFifo.push(b & 0xff);
    }
    this.#updateRx();
  }

  /** How many more bytes the receive FIFO accepts now (as a chardev's can_receive). */
  rxSpace(): number {
    return Math.max(0, this.#depth() - this.state.rxFifo.length);
  }

  /** The interrupt output level. */
  get irqLevel(): boolean {
    return this.#level;
  }

  #depth(): number {
    return this.state.lcrh & LCRH_FEN ? FIFO_DEPTH : 1;
  }

  #flags(): number {
    const n = this.state.rxFifo.length;
    return PL011_FR.TXFE | (n === 0 ? PL011_FR.RXFE : 0) | (n >= this.#depth() ? PL011_FR.RXFF : 0);
  }

  #transmit(byte: number): void {
    const s = this.state;
    if ((!(s.cr & CR_UARTEN) || !(s.cr & CR_TXE)) && !this.#warnedDisabled) {
      // The hardware would not send; QEMU does, and bare-metal code often skips enabling. Send
      // anyway but say so once, since it is a guest mistake.
      this.#warnedDisabled = true;
      this.#ports.log?.guestError(this.name, "DR write while UART or transmitter disabled");
    }
    this.#ports.tx(byte);
    // The byte left at once, so the transmit FIFO is at or below any trigger level.
    s.ris |= PL011_INT.TX;
    this.#update();
  }

  #readData(): number {
    const s = this.state;
    const v = s.rxFifo.shift();
    this.#updateRx();
    if (v !== undefined) this.#ports.rxReady?.();
    return v ?? 0;
  }

  /** Receive interrupt (FIFO at the trigger level) and receive timeout (data waiting). */
  #updateRx(): void {
    const s = this.state;
    const n = s.rxFifo.length;
    const trigger = s.lcrh & LCRH_FEN ? (TRIGGER[(s.ifls >> 3) & 7] ?? 8) : 1;
    if (n >= trigger) s.ris |= PL011_INT.RX;
    else s.ris &= ~PL011_INT.RX;
    // Time does not pass inside a UART here: waiting data counts as timed out at once.
    if (n > 0) s.ris |= PL011_INT.RT;
    else s.ris &= ~PL011_INT.RT;
    this.#update();
  }

  #update(): void {
    const level = (this.state.ris & this.state.imsc) !== 0;
    if (level !== this.#level) {
      this.#level = level;
      this.#ports.irq(level);
    }
  }
}
