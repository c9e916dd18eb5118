/**
 * Random test cases for the differential tester, in the manner of RISU: for a decode-table row,
 * fill its fields and don't-care bits at random and keep the word only when hvlab decodes it to
 * that row. Each case gets a random initial state, constrained so the instruction stays inside
 * the test: branches get small offsets (or register targets) into the marker-filled slot, and
 * memory accesses are steered into the data buffer by a probe run on hvlab (the base register
 * points at unmapped memory, the fault address gives the offset the instruction adds).
 *
 * hvlab runs each case while it is generated (its result is the probe's final run), so a batch
 * comes out with the code, the input records and hvlab's output records; QEMU runs the same
 * code and records independently.
 */
import type { DecodedRow, Decoder } from "../../core/cpu/decode/decoder.ts";
import { Prng } from "../../core/cpu/testgen/prng.ts";
import { randomState } from "../../core/cpu/testgen/random_state.ts";
import { HvlabBench } from "./hvlab_bench.ts";
import {
  BUF_BASE,
  BUF_SIZE,
  IN,
  IN_SIZE,
  insnAddress,
  MARKER,
  OUT,
  OUT_SIZE,
  SIG,
  SIG_HVLAB_ERROR,
  SLOT_INSN,
  SLOT_SIZE,
} from "../../core/cpu/testgen/test_record.ts";

/** Rows whose execution at EL0 would leave the test (a system call). */
const NEVER: ReadonlySet<string> = new Set(["SVC"]);
/** Offset fields of PC-relative rows, given small values so targets stay in the slot. */
const PC_OFFSET_FIELDS = ["imm26", "imm19", "imm14"];
/** Unmapped address used by the memory probe: 0x5000_0000_0000. */
const PROBE_HI = 0x5000;
const BUF_MID = BUF_BASE + (BUF_SIZE >> 1) - 64;
const MAX_WORD_TRIES = 64;
const MAX_CASE_TRIES = 64;

/** One generated batch. */
export interface Batch {
  n: number;
  /** Code image: n slots of markers with the tested instruction (and followers) at SLOT_INSN. */
  code: Uint8Array;
  /** Batch-wide initial data buffer. */
  memInit: Uint8Array;
  /** n input records (initial states). */
  records: Uint8Array;
  /** n output records from hvlab. */
  hvlab: Uint8Array;
  /** Per case: its row and encoding. */
  rows: DecodedRow[];
  words: number[];
  /** Per case: pure instructions run after the tested one (mixing rows in one block). */
  followers: number[][];
  /** Per case: run in block mode (else single-stepped). */
  blockMode: boolean[];
  /** hvlab error messages of cases that ended in SIG_HVLAB_ERROR, by case index. */
  errors: Map<number, string>;
  /** Cases skipped while generating, by reason (e.g. "unpredictable", "escapes slot"). */
  skipped: Map<string, number>;
}

/**
 * A pseudo-row for words hvlab does not decode: QEMU must find them UNDEFINED too (or they are
 * features hvlab's ID registers declare absent, which the comparison sorts out with objdump).
 */
export const UNALLOCATED: DecodedRow = {
  def: {
    pattern: "x".repeat(32),
    name: "UNALLOCATED",
    cls: "unallocated",
    emit: () => "",
    disasm: () => "(undefined in hvlab)",
  },
  pat: { source: "x".repeat(32), mask: 0, value: 0, fields: [] },
  index: -1,
};

/** Rows the tester can exercise, optionally only those of class `cls` ("unallocated" too). */
export function testableRows(dec: Decoder, cls?: string): DecodedRow[] {
  const rows = dec.rows.filter((r) =>
    !NEVER.has(r.def.name) && (cls === undefined ? r.def.flow !== "sync" : r.def.cls === cls)
  );
  if (cls === undefined || cls === UNALLOCATED.def.cls) rows.push(UNALLOCATED);
  return rows;
}

/**
 * A word hvlab does not decode: half the time near a row (its fixed bits, random fields, which
 * its valid() or group rejects), else anywhere.
 */
function unallocatedWord(dec: Decoder, r: Prng): number | undefined {
  for (let t = 0; t < MAX_WORD_TRIES; t++) {
    let w = r.u32();
    if (r.below(2) === 0) {
      const row = dec.rows[r.below(dec.rows.length)];
      w = ((w & ~row.pat.mask) | row.pat.value) >>> 0;
    }
    if (dec.decode(w) === undefined) return w;
  }
  return undefined;
}

/** A random word that `dec` decodes to `row`, or undefined when none was found. */
export function randomWord(dec: Decoder, row: DecodedRow, r: Prng): number | undefined {
  const { mask, value, fields } = row.pat;
  // PC-relative offsets are kept small for branches and literal loads (no base register).
  const branchy = row.def.flow === "branch" || !row.pat.fields.some((f) => f.name === "rn");
  for (let t = 0; t < MAX_WORD_TRIES; t++) {
    let w = ((r.u32() & ~mask) | value) >>> 0;
    for (const f of fields) {
      if (!branchy || !PC_OFFSET_FIELDS.includes(f.name)) continue;
      // A small non-zero offset in words, within the slot's markers.
      let k = r.range(-8, 6);
      if (k >= 0) k++;
      const fm = (2 ** f.width - 1) * 2 ** f.lsb;
      w = ((w & ~fm) | (((k & (2 ** f.width - 1)) << f.lsb) & fm)) >>> 0;
    }
    if (dec.decode(w)?.row === row) return w;
  }
  return undefined;
}

function field(row: DecodedRow, w: number, name: string): number | undefined {
  const f = row.pat.fields.find((x) => x.name === name);
  return f === undefined ? undefined : (w >>> f.lsb) & (2 ** f.width - 1);
}

/** Generates and runs on hvlab a batch of `n` cases cycling over `rows`, from `seed`. */
export function generateBatch(dec: Decoder, rows: DecodedRow[], n: number, seed: number): Batch {
  const r = new Prng(seed);
  const code = new Uint8Array(n * SLOT_SIZE);
  const cv = new DataView(code.buffer);
  for (let o = 0; o < code.length; o += 4) cv.setUint32(o, MARKER, true);
  const memInit = new Uint8Array(BUF_SIZE);
  for (let i = 0; i < BUF_SIZE; i += 4) new DataView(memInit.buffer).setUint32(i, r.u32(), true);
  const records = new Uint8Array(n * IN_SIZE);
  const hvlab = new Uint8Array(n * OUT_SIZE);
  const inW = new Int32Array(records.buffer);
  const inU = new Uint32Array(records.buffer);
  const outW = new Int32Array(hvlab.buffer);
  const bench = new HvlabBench(code, memInit, dec);
  const batch: Batch = {
    n,
    code,
    memInit,
    records,
    hvlab,
    rows: [],
    words: [],
    followers: [],
    blockMode: [],
    errors: new Map(),
    skipped: new Map(),
  };
  const skip = (why: string) => batch.skipped.set(why, (batch.skipped.get(why) ?? 0) + 1);
  const order = rows.map((_, i) => i);
  const pool = rows.filter((x) => x.def.pure && (x.def.flow ?? "seq") === "seq");
  let next = 0;
  for (let i = 0; i < n; i++) {
    const ib = (i * IN_SIZE) / 4;
    const ob = (i * OUT_SIZE) / 4;
    const pc = insnAddress(i);
    let done = false;
    for (let t = 0; t < MAX_CASE_TRIES && !done; t++) {
      // Rows are visited in a shuffled round robin so every row gets its share.
      if (next === 0) shuffle(order, r);
      const row = rows[order[next]];
      next = (next + 1) % order.length;
      const w = row === UNALLOCATED ? unallocatedWord(dec, r) : randomWord(dec, row, r);
      if (w === undefined) {
        skip(`no encoding for ${row.def.name}`);
        continue;
      }
      // A quarter of the non-branch cases get one or two pure followers in the same block.
      const fol: number[] = [];
      if (row.def.flow !== "branch" && pool.length > 0 && r.below(4) === 0) {
        for (let k = r.range(1, 2); k > 0; k--) {
          const fw = randomWord(dec, pool[r.below(pool.length)], r);
          if (fw !== undefined) fol.push(fw);
        }
      }
      bench.setInsns(i, [w, ...fol], code);
      randomState(r, inU, ib);
      inU[ib + IN.pc / 4] = pc;
      inU[ib + IN.pc / 4 + 1] = 0;
      // Half the cases run in block mode (instruction + marker in one translated block).
      const block = r.below(2) === 0;
      const why = prepare(bench, row, w, r, inW, inU, ib, outW, ob, pc, block, 1 + fol.length);
      if (why) {
        skip(why);
        continue;
      }
      batch.rows.push(row);
      batch.words.push(w);
      batch.followers.push(fol);
      batch.blockMode.push(block);
      if (outW[ob] === SIG_HVLAB_ERROR) batch.errors.set(i, bench.lastError);
      done = true;
    }
    if (!done) {
      const why = [...batch.skipped].map(([k, v]) => `${k} ${v}`).join(", ");
      throw new Error(`difftest: could not generate case ${i}; skipped so far: ${why}`);
    }
  }
  return batch;
}

function shuffle(a: number[], r: Prng): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = r.below(i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
}

/**
 * Reasons a case cannot compare the CPUs: system-register reads whose value at EL0 depends on
 * the environment (Linux emulates ID register reads for EL0 and traps debug-register accesses;
 * counters run in host time; cache geometry is a CPU model choice).
 */
function environmentDependent(row: DecodedRow, w: number): string | undefined {
  if (!row.def.name.startsWith("MRS") && !row.def.name.startsWith("MSR_reg")) return undefined;
  // op0 = 2: debug registers; Linux traps EL0's DCC accesses (MDSCR_EL1.TDCC), hvlab's process not.
  if (field(row, w, "o0") === 0) return "debug system register";
  if (!row.def.name.startsWith("MRS")) return undefined;
  const op1 = field(row, w, "op1"), crn = field(row, w, "crn");
  if (crn === 0 && (op1 === 0 || op1 === 3)) return "MRS of an ID register";
  if (crn === 14) return "MRS of a timer register";
  return undefined;
}

/**
 * Constrains case `ib`'s state for its instruction and runs it on hvlab into `outW[ob..]`.
 * Returns a skip reason when the case cannot be a fair comparison.
 */
function prepare(
  bench: HvlabBench,
  row: DecodedRow,
  w: number,
  r: Prng,
  inW: Int32Array,
  inU: Uint32Array,
  ib: number,
  outW: Int32Array,
  ob: number,
  pc: number,
  block: boolean,
  steps: number,
): string | undefined {
  const why = environmentDependent(row, w);
  if (why) return why;
  const rn = field(row, w, "rn");
  const rt = field(row, w, "rt");
  const rt2 = field(row, w, "rt2");
  const rs = field(row, w, "rs");
  const setX = (n: number, lo: number, hi: number) => {
    inU[ib + 2 * n] = lo >>> 0;
    inU[ib + 2 * n + 1] = hi >>> 0;
  };
  if (row.def.flow === "branch" && rn !== undefined && rn !== 31) {
    // Register branch: a target in the slot, now and then misaligned.
    let k = r.range(-8, 6);
    if (k >= 0) k++;
    setX(rn, pc + 4 * k + (r.below(8) === 0 ? r.range(1, 3) : 0), 0);
  }
  if (row.def.name === "SYS" && rt !== undefined && rt !== 31) {
    // DC/IC by address: into the buffer (QEMU skips the translation a wild address would fault).
    setX(rt, BUF_MID + r.range(-4, 4) * 16 + (r.below(4) === 0 ? r.range(1, 15) : 0), 0);
  }
  if (rn !== undefined && !row.def.pure) {
    // Probe: base at an unmapped address; a data abort's address gives the offset.
    const saveLo = inU[ib + 2 * rn], saveHi = inU[ib + 2 * rn + 1];
    setX(rn, 0, PROBE_HI);
    // The probe runs the tested instruction alone: followers may overwrite the base register.
    bench.run(inW, ib, outW, ob, false, 1);
    const sig = outW[ob + OUT.signal / 4];
    if (sig === SIG.SEGV || sig === SIG.BUS) {
      const fLo = outW[ob + OUT.fault / 4] >>> 0, fHi = outW[ob + OUT.fault / 4 + 1] >>> 0;
      // base = BUF_MID + jitter - (fault - PROBE), in 64-bit two's complement.
      let jitter = r.range(-6, 6) * 8 + (r.below(4) === 0 ? r.range(1, 7) : 0);
      if (rn === 31) jitter &= ~15;
      const dLo = fLo, dHi = (fHi - PROBE_HI) >>> 0;
      const lo = BUF_MID + jitter - dLo; // > -2^32: at most one borrow from the high word
      setX(rn, (lo >>> 0) & (rn === 31 ? ~15 : ~0), ((lo < 0 ? -1 : 0) - dHi) >>> 0);
    } else if (sig === SIG.TRAP && outW[ob + OUT.state / 4 + 2 * rn] === 0) {
      // No access (e.g. a store-exclusive without the monitor): aligned, in the buffer anyway,
      // since QEMU skips the alignment check a failing store-exclusive must make.
      setX(rn, BUF_MID + r.range(-3, 3) * 16, 0);
    } else {
      setX(rn, saveLo, saveHi);
    }
  }
  bench.run(inW, ib, outW, ob, block, steps);
  const sig = outW[ob + OUT.signal / 4];
  const s = ob + OUT.state / 4;
  if (sig === SIG.TRAP) {
    const endPc = outW[s + IN.pc / 4] >>> 0;
    const slot = pc - SLOT_INSN;
    if (outW[s + IN.pc / 4 + 1] !== 0 || endPc < slot || endPc >= slot + SLOT_SIZE) {
      return "escapes slot";
    }
    if (endPc === pc) return "loops on itself";
  }
  if (rn !== undefined && !row.def.pure) {
    if (sig === SIG.SEGV) return "memory fault after steering";
    // CONSTRAINED UNPREDICTABLE register overlaps of loads/stores.
    const wrote = rn !== 31 &&
      (outW[s + 2 * rn] !== inW[ib + 2 * rn] || outW[s + 2 * rn + 1] !== inW[ib + 2 * rn + 1]);
    if (wrote && (rn === rt || rn === rt2 || rn === rs)) return "unpredictable";
    if (rt2 !== undefined && rt === rt2) return "unpredictable";
    if (rs !== undefined && (rs === rt || rs === rt2 || rs === rn)) return "unpredictable";
  }
  return undefined;
}
