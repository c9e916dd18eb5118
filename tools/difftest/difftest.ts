/**
 * The random-instruction differential tester: batches of generated cases run on hvlab (while
 * being generated) and on qemu-aarch64 (through the signal-frame driver), then compared record
 * by record. QEMU for batch k runs while hvlab generates batch k+1.
 */
import { a64Decoder } from "../../core/cpu/decode/table.ts";
import type { DecodedRow, Decoder } from "../../core/cpu/decode/decoder.ts";
import { extractFields } from "../../core/cpu/decode/pattern.ts";
import { type Batch, generateBatch, testableRows, UNALLOCATED } from "./case_gen.ts";
import { featureOf } from "../coverage/features.ts";
import { explainMismatch, recordsEqual } from "../../core/cpu/testgen/compare.ts";
import { IN_SIZE, insnAddress, recordState } from "../../core/cpu/testgen/test_record.ts";
import { batchInput, MAX_BATCH, runQemuBatch } from "./qemu_batch.ts";
import { objdumpWords } from "./objdump.ts";
import { fromWire, type WireBatch } from "./wire_batch.ts";

/** Options of a run. */
export interface DifftestOptions {
  count: number;
  seed: number;
  /** Only rows of this class (then rows with flow "sync" are included too). */
  cls?: string;
  /** Cases per QEMU invocation; default 16384. */
  batchSize?: number;
  qemuCpu?: string;
  /** Generator workers (0: generate on this thread); ignored with a custom decoder. */
  workers?: number;
  /** Encodings per batch whose disassembly is compared with objdump; default 1000. */
  disasmSample?: number;
  /** Full reports kept (the rest are only counted); default 20. */
  maxReports?: number;
  /** Start at this batch (earlier ones are not generated): re-runs batch k of a longer run. */
  firstBatch?: number;
  /** Decoder under test; default the shared A64 decoder (tests inject broken rows). */
  decoder?: Decoder;
  /** Progress callback after each batch. */
  progress?: (done: number, total: number) => void;
}

/** One mismatching case, with everything needed to reproduce and read it. */
export interface Mismatch {
  batch: number;
  index: number;
  row: string;
  cls: string;
  word: number;
  pc: bigint;
  /** hvlab ran the case in block mode (else single-stepped). */
  block: boolean;
  hvlabText: string;
  objdumpText: string;
  /** Instructions that ran after it in the same test. */
  followers: { word: number; hvlab: string; objdump: string }[];
  initial: string[];
  diff: string[];
  hvlabError?: string;
}

/** Counts per class and the mismatches found. */
export interface DifftestResult {
  perClass: Map<string, { tests: number; mismatches: number }>;
  perRowMismatches: Map<string, number>;
  mismatches: Mismatch[];
  mismatchCount: number;
  skipped: Map<string, number>;
  /** Encodings whose hvlab disassembly was compared with objdump's, and the differences by row. */
  disasmChecked: number;
  disasmDiffs: Map<string, { count: number; word: number; hvlab: string; objdump: string }>;
  /** Unallocated-in-hvlab words QEMU executes, of features hvlab declares absent (not errors). */
  absentFeatures: Map<string, number>;
  rows: number;
}

const REG_FIELDS = ["rd", "rn", "rm", "ra", "rt", "rt2", "rs"];

function describeInitial(b: Batch, i: number, row: DecodedRow): string[] {
  const s = recordState(b.records, i * IN_SIZE);
  const f = extractFields(row.pat, b.words[i]);
  const hex = (v: bigint) => "0x" + v.toString(16);
  const regs = [...new Set(REG_FIELDS.filter((n) => n in f).map((n) => f[n]))];
  return [
    regs.map((n) => `x${n}=${n === 31 ? `${hex(s.x[30])} sp=${hex(s.sp)}` : hex(s.x[n])}`)
      .join(" "),
    regs.map((n) => `v${n}=${hex(s.v[n])}`).join(" "),
    `nzcv=${(s.nzcv >>> 28).toString(16)} fpcr=${hex(BigInt(s.fpcr))} fpsr=${hex(BigInt(s.fpsr))}`,
  ];
}

const DISASM_VMA = 0x400000;

/** hvlab's text for `w` at `pc`, or why there is none. */
function hvlabDisasm(dec: Decoder, w: number, pc: bigint): string {
  const d = dec.decode(w);
  if (!d) return "(undefined in hvlab)";
  try {
    return d.row.def.disasm(d.fields, pc).replace(/\t/g, " ");
  } catch (e) {
    return `(disasm threw: ${e})`;
  }
}
// objdump's trailing comments ("// #16", alias notes) and symbol names are not compared, and
// addresses are bare hex as `objdump -d` prints them for an ELF (it adds 0x for a raw binary).
const normalize = (t: string) =>
  t.replace(/\s*\/\/.*$/, "").replace(/ <[^>]*>/g, "").replace(/(?<![#\w])0x([0-9a-f]+)/g, "$1")
    .replace(/\s+/g, " ").trim();

/** Compares hvlab's disassembly of the first `max` cases of a batch with objdump's. */
function checkDisasm(b: Batch, res: DifftestResult, max: number): void {
  const idx: number[] = [];
  for (let i = 0; i < b.n && idx.length < max; i++) if (b.rows[i] !== UNALLOCATED) idx.push(i);
  const words = idx.map((i) => b.words[i]);
  const texts = objdumpWords(words, DISASM_VMA);
  idx.forEach((i, j) => {
    const row = b.rows[i];
    let hv: string;
    try {
      hv = row.def.disasm(extractFields(row.pat, words[j]), BigInt(DISASM_VMA + 4 * j));
    } catch (e) {
      hv = `(disasm threw: ${e})`;
    }
    res.disasmChecked++;
    if (normalize(hv) === normalize(texts[j])) return;
    const d = res.disasmDiffs.get(row.def.name);
    if (d) d.count++;
    else {
      res.disasmDiffs.set(row.def.name, {
        count: 1,
        word: words[j],
        hvlab: normalize(hv),
        objdump: normalize(texts[j]),
      });
    }
  });
}

/** Mixes the run seed and batch number into the batch's seed. */
export function batchSeed(seed: number, k: number): number {
  return (Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) + Math.imul(k + 1, 0x85ebca6b)) >>> 0;
}

/** Runs the tester. Throws when no row is testable. */
export async function runDifftest(o: DifftestOptions): Promise<DifftestResult> {
  const dec = o.decoder ?? a64Decoder();
  const rows = testableRows(dec, o.cls);
  if (rows.length === 0) throw new Error(`difftest: no testable rows for class ${o.cls}`);
  const size = Math.min(o.batchSize ?? 16384, MAX_BATCH);
  const maxReports = o.maxReports ?? 20;
  const res: DifftestResult = {
    perClass: new Map(),
    perRowMismatches: new Map(),
    mismatches: [],
    mismatchCount: 0,
    skipped: new Map(),
    absentFeatures: new Map(),
    disasmChecked: 0,
    disasmDiffs: new Map(),
    rows: rows.length,
  };
  const check = (k: number, b: Batch, q: Uint8Array) => {
    const qa = new Int32Array(q.buffer, q.byteOffset, q.length / 4);
    const ha = new Int32Array(b.hvlab.buffer);
    const bad: number[] = [];
    const differ: number[] = [];
    for (let i = 0; i < b.n; i++) if (!recordsEqual(qa, ha, i)) differ.push(i);
    // Words hvlab leaves UNDEFINED that QEMU's CPU model executes are fine when the feature is
    // one hvlab's ID registers declare absent (QEMU's cortex-a57 has AES, SHA1, SHA256, PMULL).
    const unalloc = differ.filter((i) => b.rows[i] === UNALLOCATED);
    const unallocText = new Map(
      objdumpWords(unalloc.map((i) => b.words[i])).map((t, j) => [unalloc[j], t]),
    );
    for (let i = 0; i < b.n; i++) {
      const row = b.rows[i];
      let pc = res.perClass.get(row.def.cls);
      if (!pc) res.perClass.set(row.def.cls, pc = { tests: 0, mismatches: 0 });
      pc.tests++;
      if (recordsEqual(qa, ha, i)) continue;
      const t = unallocText.get(i);
      const feat = t === undefined ? undefined : featureOf(t);
      if (feat?.absent) {
        res.absentFeatures.set(feat.feature, (res.absentFeatures.get(feat.feature) ?? 0) + 1);
        continue;
      }
      pc.mismatches++;
      res.mismatchCount++;
      res.perRowMismatches.set(row.def.name, (res.perRowMismatches.get(row.def.name) ?? 0) + 1);
      if (res.mismatches.length + bad.length < maxReports) bad.push(i);
    }
    bad.forEach((i) => {
      const row = b.rows[i];
      const pc = BigInt(insnAddress(i));
      const seq = [b.words[i], ...b.followers[i]];
      const od = objdumpWords(seq, insnAddress(i));
      const [hvlabText, ...hvFollowers] = seq.map((w, k) =>
        hvlabDisasm(dec, w, pc + BigInt(4 * k))
      );
      const m: Mismatch = {
        batch: k,
        index: i,
        row: row.def.name,
        cls: row.def.cls,
        word: b.words[i],
        pc,
        block: b.blockMode[i],
        hvlabText,
        objdumpText: od[0],
        followers: b.followers[i].map((w, k) => ({
          word: w,
          hvlab: hvFollowers[k],
          objdump: od[k + 1],
        })),
        initial: describeInitial(b, i, row),
        diff: explainMismatch(q, b.hvlab, i),
      };
      const err = b.errors.get(i);
      if (err !== undefined) m.hvlabError = err;
      res.mismatches.push(m);
    });
    for (const [why, n] of b.skipped) res.skipped.set(why, (res.skipped.get(why) ?? 0) + n);
    checkDisasm(b, res, o.disasmSample ?? 1000);
  };
  const first = o.firstBatch ?? 0;
  const last = Math.ceil(o.count / size); // exclusive
  const sizeOf = (k: number) => Math.min(size, o.count - k * size);
  const workers = o.decoder ? 0 : o.workers ?? 0;
  const pool = workers > 0 ? new GenPool(workers, dec) : undefined;
  // Batches are generated ahead (in workers, or here), QEMU runs batch k while k+1 is generated.
  const ahead = new Map<number, Promise<Batch>>();
  let nextGen = first;
  const launch = () => {
    while (nextGen < last && ahead.size < Math.max(1, workers) + 1) {
      const k = nextGen++;
      ahead.set(
        k,
        pool
          ? pool.generate(o.cls, sizeOf(k), batchSeed(o.seed, k))
          : Promise.resolve().then(() => generateBatch(dec, rows, sizeOf(k), batchSeed(o.seed, k))),
      );
    }
  };
  let pending: Promise<void> | undefined;
  try {
    for (let k = first; k < last; k++) {
      launch();
      const b = await ahead.get(k)!;
      ahead.delete(k);
      const q = runQemuBatch(batchInput(b.memInit, b.code, b.records), o.qemuCpu);
      await pending;
      pending = q.then((out) => check(k, b, out));
      launch();
      o.progress?.(k * size + b.n, o.count);
    }
    await pending;
  } finally {
    pool?.close();
  }
  return res;
}

/** Generator workers, used round robin; each answers its requests in order. */
class GenPool {
  readonly #workers: Worker[] = [];
  readonly #queues: ((m: WireBatch | { error: string }) => void)[][] = [];
  readonly #dec: Decoder;
  #next = 0;

  constructor(n: number, dec: Decoder) {
    this.#dec = dec;
    for (let i = 0; i < n; i++) {
      const w = new Worker(new URL("./gen_worker.ts", import.meta.url).href, { type: "module" });
      const q: ((m: WireBatch | { error: string }) => void)[] = [];
      w.onmessage = (e) => q.shift()!(e.data);
      this.#workers.push(w);
      this.#queues.push(q);
    }
  }

  generate(cls: string | undefined, n: number, seed: number): Promise<Batch> {
    const i = this.#next++ % this.#workers.length;
    return new Promise((resolve, reject) => {
      this.#queues[i].push((m) =>
        "error" in m ? reject(new Error(m.error)) : resolve(fromWire(m, this.#dec))
      );
      this.#workers[i].postMessage({ cls, n, seed });
    });
  }

  close(): void {
    for (const w of this.#workers) w.terminate();
  }
}

/** A mismatch as printable lines. */
export function formatMismatch(m: Mismatch, seed: number): string[] {
  const hex = "0x" + (m.word >>> 0).toString(16).padStart(8, "0");
  return [
    `MISMATCH ${m.row} (${m.cls}) ${hex} seed=${seed} batch=${m.batch} case=${m.index} ` +
    `pc=0x${m.pc.toString(16)} hvlab ${m.block ? "block" : "step"} mode`,
    `  hvlab:   ${m.hvlabText}`,
    `  objdump: ${m.objdumpText}`,
    ...m.followers.map((f) =>
      `  then:    0x${(f.word >>> 0).toString(16).padStart(8, "0")} hvlab: ${f.hvlab}` +
      ` | objdump: ${f.objdump}`
    ),
    ...m.initial.map((l) => `  initial: ${l}`),
    ...(m.hvlabError ? [`  hvlab threw: ${m.hvlabError}`] : []),
    `  qemu != hvlab:`,
    ...m.diff.map((l) => `    ${l}`),
  ];
}
