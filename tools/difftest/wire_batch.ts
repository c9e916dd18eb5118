/**
 * A generated batch as structured-clone data (rows by table index), for passing between the
 * generator workers and the main thread.
 */
import type { Decoder } from "../../core/cpu/decode/decoder.ts";
import { type Batch, UNALLOCATED } from "./case_gen.ts";

/** Batch with rows replaced by their table index (-1: UNALLOCATED). */
export type WireBatch = Omit<Batch, "rows" | "errors" | "skipped"> & {
  rowIndex: number[];
  errors: [number, string][];
  skipped: [string, number][];
};

/** Converts a batch for postMessage. */
export function toWire(b: Batch): WireBatch {
  const { rows, errors, skipped, ...rest } = b;
  return {
    ...rest,
    rowIndex: rows.map((r) => r.index),
    errors: [...errors],
    skipped: [...skipped],
  };
}

/** Rebuilds a batch against `dec` (which must hold the same table as the worker's). */
export function fromWire(w: WireBatch, dec: Decoder): Batch {
  const { rowIndex, errors, skipped, ...rest } = w;
  return {
    ...rest,
    rows: rowIndex.map((i) => (i < 0 ? UNALLOCATED : dec.rows[i])),
    errors: new Map(errors),
    skipped: new Map(skipped),
  };
}
