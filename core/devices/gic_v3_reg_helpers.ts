/**
 * Row builders for the GICv3 register arrays the distributor and the redistributors share
 * (bitmaps, priority bytes, configuration pairs), over a `GicV3IrqState`. Each builder takes a
 * slot mapper: INTID -> state slot, or -1 where the bits are RAZ/WI (IDs a frame does not own,
 * IDs beyond the implemented ones).
 */
import type { RegRow } from "./register_rows.ts";
import type { GicV3IrqState } from "./gic_v3_irq_state.ts";

/** INTID -> slot, or -1 for RAZ/WI. */
export type SlotMap = (id: number) => number;

/**
 * How writes of a bitmap register act: "set" and "clear" call `apply` for each 1 bit (the
 * ISxxx/ICxxx pairs), "plain" for each written bit with its value (IGROUPR).
 */
export type BitWrite = "set" | "clear" | "plain";

/** Registers of one bit per interrupt; register `i` covers INTIDs 32 * i + `firstId`... */
export function bitmapRow(
  name: string,
  offset: number,
  count: number,
  firstId: number,
  slot: SlotMap,
  get: (k: number) => boolean,
  write: { kind: BitWrite; apply: (k: number, on: boolean) => void } | null,
): RegRow {
  return {
    name,
    offset,
    count,
    read: (i) => {
      let v = 0;
      for (let b = 0; b < 32; b++) {
        const k = slot(firstId + 32 * i + b);
        if (k >= 0 && get(k)) v |= 1 << b;
      }
      return v >>> 0;
    },
    write: write === null ? undefined : (i, v, m) => {
      for (let b = 0; b < 32; b++) {
        const bit = 1 << b;
        if (!(m & bit) || (write.kind !== "plain" && !(v & bit))) continue;
        const k = slot(firstId + 32 * i + b);
        if (k >= 0) write.apply(k, write.kind === "plain" ? (v & bit) !== 0 : true);
      }
    },
  };
}

/** Priority bytes (IPRIORITYR): byte and word accesses; 8 bits stored as written. */
export function priorityRow(
  name: string,
  offset: number,
  count: number,
  firstId: number,
  slot: SlotMap,
  s: () => GicV3IrqState,
): RegRow {
  return {
    name,
    offset,
    count,
    sizes: [1, 4],
    read: (i) => {
      let v = 0;
      for (let b = 0; b < 4; b++) {
        const k = slot(firstId + 4 * i + b);
        if (k >= 0) v |= s().priority[k] << (8 * b);
      }
      return v >>> 0;
    },
    write: (i, v, m) => {
      for (let b = 0; b < 4; b++) {
        const k = slot(firstId + 4 * i + b);
        if (k >= 0 && ((m >>> (8 * b)) & 0xff)) s().priority[k] = (v >>> (8 * b)) & 0xff;
      }
    },
  };
}

/**
 * Configuration registers (ICFGR): two bits per interrupt, the odd one 1 for edge-triggered.
 * `writable(id)` is false where the configuration is fixed (SGIs) or RAZ/WI.
 */
export function configRow(
  name: string,
  offset: number,
  count: number,
  firstId: number,
  slot: SlotMap,
  writable: (id: number) => boolean,
  s: () => GicV3IrqState,
): RegRow {
  return {
    name,
    offset,
    count,
    read: (i) => {
      let v = 0;
      for (let f = 0; f < 16; f++) {
        const k = slot(firstId + 16 * i + f);
        if (k >= 0) v |= s().edge[k] << (2 * f + 1);
      }
      return v >>> 0;
    },
    write: (i, v, m) => {
      for (let f = 0; f < 16; f++) {
        const id = firstId + 16 * i + f, k = slot(id);
        if (k >= 0 && writable(id) && (m & (2 << (2 * f)))) s().edge[k] = (v >>> (2 * f + 1)) & 1;
      }
    },
  };
}

/** A register array that reads as zero and ignores writes (architecturally RAZ/WI here). */
export function razWiRow(
  name: string,
  offset: number,
  count = 1,
  sizes?: RegRow["sizes"],
): RegRow {
  return { name, offset, count, ...(sizes ? { sizes } : {}), read: () => 0, write: () => {} };
}

/** CoreSight ID registers PIDR4..7, PIDR0..3, CIDR0..3 of a GICv3 frame (QEMU's values). */
export function idRows(pidr0: number): RegRow {
  // ARM (JEP106 0x43b), GIC architecture revision 3 in PIDR2[7:4].
  const bytes = [0x44, 0, 0, 0, pidr0, 0xb4, 0x3b, 0, 0x0d, 0xf0, 0x05, 0xb1];
  return { name: "ID", offset: 0xffd0, count: 12, read: (i) => bytes[i] };
}
