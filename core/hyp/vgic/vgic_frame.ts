/**
 * A vGIC register frame as Xen's vgic-v2.c / vgic-v3.c answer it: register rows (register_rows.ts)
 * plus Xen's access rules on top. A register accessed with a width it does not accept, an
 * unaligned or out-of-frame access, and the few registers Xen calls "unhandled" (a row calls
 * `abort`) give the guest a data abort ("abort" outcome); reserved and implementation-defined
 * offsets read as zero and ignore writes, logged.
 */
import type { MmioAccess, MmioDevice, MmioOutcome } from "../../mem/mmio_bus.ts";
import { type DeviceLog, RegisterBank, type RegRow } from "../../devices/register_rows.ts";

/** Rows' way of refusing an access: log `msg` and abort it. */
export type AbortAccess = (msg: string) => void;

/** One frame: `rows` is called once with the frame's `abort`. */
export class VgicFrame implements MmioDevice {
  readonly name: string;
  readonly #size: number;
  readonly #log: DeviceLog;
  readonly #bank: RegisterBank;
  // Word index -> accepted sizes as a bit mask (1, 2, 4, 8), 0 where there is no register.
  readonly #sizes: Uint8Array;
  #aborted = false;
  readonly #afterWrite: () => void;

  constructor(
    name: string,
    size: number,
    rows: (abort: AbortAccess) => RegRow[],
    log: DeviceLog,
    afterWrite: () => void,
  ) {
    this.name = name;
    this.#size = size;
    this.#log = log;
    this.#afterWrite = afterWrite;
    const abort: AbortAccess = (msg) => {
      this.#aborted = true;
      log.unimplemented(name, msg);
    };
    const list = rows(abort);
    this.#bank = new RegisterBank(name, size, list, log);
    this.#sizes = new Uint8Array(size >>> 2);
    for (const r of list) {
      let mask = 0;
      for (const s of r.sizes ?? [4]) mask |= s;
      this.#sizes.fill(mask, r.offset >>> 2, (r.offset >>> 2) + (r.count ?? 1));
    }
  }

  /** Performs a guest access (offset within the frame). */
  access(a: MmioAccess): MmioOutcome {
    const off = a.offset;
    if (!Number.isInteger(off) || off < 0 || off + a.size > this.#size || off % a.size !== 0) {
      return this.#refuse(a, `${a.size}-byte access at offset ${off}`);
    }
    const sizes = this.#sizes[off >>> 2];
    if (sizes !== 0 && !(sizes & a.size)) {
      return this.#refuse(a, `bad ${a.size}-byte access at 0x${off.toString(16)}`);
    }
    this.#aborted = false;
    this.#bank.access(a);
    if (this.#aborted) {
      if (!a.write) a.value = a.valueHi = 0;
      return "abort";
    }
    if (a.write) this.#afterWrite();
    return "done";
  }

  #refuse(a: MmioAccess, msg: string): MmioOutcome {
    this.#log.guestError(this.name, msg);
    if (!a.write) a.value = a.valueHi = 0;
    return "abort";
  }
}
