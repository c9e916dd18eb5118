/** Small MMIO helpers for device unit tests. */
import type { MmioAccess, MmioDevice } from "../../core/mem/mmio_bus.ts";

/** Reads `size` bytes at `offset` of `dev`. */
export function rd(dev: MmioDevice, offset: number, size: 1 | 2 | 4 | 8 = 4): number {
  const a: MmioAccess = { offset, size, write: false, value: 0, valueHi: 0 };
  const o = dev.access(a);
  if (o !== "done") throw new Error(`read of 0x${offset.toString(16)}: ${o}`);
  return a.value >>> 0;
}

/** Writes `value` (`size` bytes) at `offset` of `dev`. */
export function wr(dev: MmioDevice, offset: number, value: number, size: 1 | 2 | 4 | 8 = 4): void {
  const a: MmioAccess = { offset, size, write: true, value: value >>> 0, valueHi: 0 };
  const o = dev.access(a);
  if (o !== "done") throw new Error(`write of 0x${offset.toString(16)}: ${o}`);
}
