/**
 * A Web Worker that generates difftest batches (hvlab runs inside generation, the costly part),
 * so several batches are produced in parallel. Message in: {cls, n, seed}; out: a WireBatch.
 */
/// <reference lib="deno.worker" />
import { a64Decoder } from "../../core/cpu/decode/table.ts";
import { generateBatch, testableRows } from "./case_gen.ts";
import { toWire } from "./wire_batch.ts";

self.onmessage = (e: MessageEvent<{ cls?: string; n: number; seed: number }>) => {
  const { cls, n, seed } = e.data;
  const dec = a64Decoder();
  try {
    const w = toWire(generateBatch(dec, testableRows(dec, cls), n, seed));
    const transfer = [w.code.buffer, w.records.buffer, w.hvlab.buffer] as ArrayBuffer[];
    self.postMessage(w, transfer);
  } catch (err) {
    self.postMessage({ error: String(err) });
  }
};
