/**
 * The MMIO bus: devices are mapped at non-overlapping ranges and only ever see offsets into
 * their own range. An access has an explicit outcome (Firecracker/rust-vmm style).
 */

/** What happened to an MMIO access. `retry` means the vcpu must wait for a device model. */
export type MmioOutcome = "done" | "unhandled" | "abort" | "retry";

/** One access, reused by the caller to avoid allocation: `value` is in (write) or out (read). */
export interface MmioAccess {
  offset: number;
  size: 1 | 2 | 4 | 8;
  write: boolean;
  /** Low 32 bits of the value (unsigned). */
  value: number;
  /** High 32 bits for 8-byte accesses. */
  valueHi: number;
}

/** A memory-mapped device. */
export interface MmioDevice {
  readonly name: string;
  access(a: MmioAccess): MmioOutcome;
}

interface Mapping {
  base: number;
  size: number;
  device: MmioDevice;
}

/** A set of device mappings with lookup by physical address. */
export class MmioBus {
  readonly #maps: Mapping[] = [];
  readonly #acc: MmioAccess = { offset: 0, size: 4, write: false, value: 0, valueHi: 0 };

  /** Maps `device` at [base, base+size); rejects empty or overlapping ranges. */
  map(base: number, size: number, device: MmioDevice): void {
    if (size <= 0) throw new Error(`MMIO map of ${device.name}: empty range (size ${size})`);
    for (const m of this.#maps) {
      if (base < m.base + m.size && m.base < base + size) {
        throw new Error(
          `MMIO map of ${device.name} at 0x${base.toString(16)} overlaps ${m.device.name} at 0x${
            m.base.toString(16)
          }`,
        );
      }
    }
    this.#maps.push({ base, size, device });
    this.#maps.sort((a, b) => a.base - b.base);
  }

  /** The mapping containing `pa`, if any. */
  find(pa: number): { base: number; size: number; device: MmioDevice } | undefined {
    for (const m of this.#maps) if (pa >= m.base && pa < m.base + m.size) return m;
    return undefined;
  }

  /** Performs an access at physical address `pa`; `unhandled` when no device is mapped there. */
  access(
    pa: number,
    size: 1 | 2 | 4 | 8,
    write: boolean,
    value: number,
    valueHi: number,
  ): MmioAccess & { outcome: MmioOutcome } {
    const a = this.#acc as MmioAccess & { outcome: MmioOutcome };
    a.size = size;
    a.write = write;
    a.value = value;
    a.valueHi = valueHi;
    const m = this.find(pa);
    if (!m || pa + size > m.base + m.size) {
      a.outcome = "unhandled";
      return a;
    }
    a.offset = pa - m.base;
    a.outcome = m.device.access(a);
    return a;
  }
}
