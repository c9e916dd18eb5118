/**
 * Differential harness for load/store rows: random encodings of a row (from the decode table),
 * each run as one "case" from a random register state with its base register pointing into a
 * random data window, on qemu-aarch64 and hvlab (tests/support/asm_oracle.ts). After each case
 * all X/SP/V registers are stored to a per-case record in the buffer, so a mismatch names the
 * case, its encodings and the differing registers or window bytes.
 */
import { runAsm } from "../support/asm_oracle.ts";
import { a64Decoder } from "../../core/cpu/decode/table.ts";
import type { Fields } from "../../core/cpu/decode/pattern.ts";
import { parsePattern } from "../../core/cpu/decode/pattern.ts";
import type { InsnDef } from "../../core/cpu/insn/types.ts";

/** Size of the data window that base registers point into. */
export const WINDOW = 16384;
const RECORD = 768;

/** Small seeded PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0);
  };
}

/** One test case: instruction words, and the register values the generator fixes. */
export interface Case {
  words: number[];
  /** X register (31 = SP) -> value: base/index registers; "win+N" values are window offsets. */
  regs: Map<number, { win: number } | bigint>;
}

const rand64 = (r: () => number) => (BigInt(r()) << 32n) | BigInt(r());

/** A random word that decodes to `row`, with `fix` applied to its fields, or undefined. */
export function randomWord(
  row: InsnDef,
  r: () => number,
  fix?: (w: number) => number,
): { word: number; f: Fields } | undefined {
  const p = parsePattern(row.pattern);
  const dec = a64Decoder();
  for (let i = 0; i < 200; i++) {
    let w = ((r() & ~p.mask) | p.value) >>> 0;
    if (fix) w = fix(w) >>> 0;
    const d = dec.decode(w);
    if (d && d.row.def === row) return { word: w, f: d.fields };
  }
  return undefined;
}

/** Finds a row by name. */
export function rowNamed(name: string): InsnDef {
  const r = a64Decoder().rows.find((x) => x.def.name === name);
  if (!r) throw new Error(`no row ${name}`);
  return r.def;
}

function hex64(v: bigint): string {
  return `0x${BigInt.asUintN(64, v).toString(16)}`;
}

/** Result of a batch: mismatch descriptions (empty when all cases agree). */
export interface BatchResult {
  mismatches: string[];
  signal: string;
}

/**
 * Runs `cases` as one program on both engines. Register values not fixed by the case, the V
 * registers and the window are random (from `seed`).
 */
export function runBatch(cases: Case[], seed: number): BatchResult {
  const r = rng(seed);
  const dec = a64Decoder();
  let text = "  b 1f\n  .fill 1024, 4, 0x9abcdef1\n1:\n";
  let data = "  .balign 16\n";
  cases.forEach((cs, i) => {
    // The record register: one that no instruction of the case names.
    const used = new Set<number>([31]);
    for (const w of cs.words) {
      const d = dec.decode(w);
      if (!d) throw new Error(`case ${i}: 0x${w.toString(16)} does not decode`);
      for (const k of ["rt", "rt2", "rn", "rm", "rs"]) {
        if (d.fields[k] !== undefined) used.add(d.fields[k]);
      }
    }
    for (const k of cs.regs.keys()) used.add(k);
    let xk = 0;
    while (used.has(xk)) xk++;
    const vals: string[] = [];
    for (let n = 0; n < 32; n++) {
      const v = cs.regs.get(n);
      if (n === xk) vals.push(`__rec${i}`);
      else if (v === undefined) vals.push(n === 31 ? `buf+${WINDOW / 2}` : hex64(rand64(r)));
      else if (typeof v === "bigint") vals.push(hex64(v));
      else vals.push(`buf${v.win >= 0 ? "+" : ""}${v.win}`);
    }
    data += `__st${i}:\n  .quad ${vals.join(", ")}\n`;
    for (let q = 0; q < 32; q++) data += `  .quad ${hex64(rand64(r))}, ${hex64(rand64(r))}\n`;
    text += `  adrp x30, __st${i}\n  add x30, x30, :lo12:__st${i}\n`;
    for (let q = 0; q < 32; q += 2) text += `  ldp q${q}, q${q + 1}, [x30, #${256 + 16 * q}]\n`;
    text += "  ldr x0, [x30, #248]\n  mov sp, x0\n";
    for (let x = 0; x < 30; x += 2) text += `  ldp x${x}, x${x + 1}, [x30, #${8 * x}]\n`;
    text += "  ldr x30, [x30, #240]\n";
    for (const w of cs.words) text += `  .inst 0x${w.toString(16)}\n`;
    for (let x = 0; x < 30; x += 2) text += `  stp x${x}, x${x + 1}, [x${xk}, #${8 * x}]\n`;
    const tmp = (xk + 1) % 31;
    text += `  str x30, [x${xk}, #240]\n  mov x${tmp}, sp\n  str x${tmp}, [x${xk}, #248]\n`;
    for (let q = 0; q < 32; q += 2) text += `  stp q${q}, q${q + 1}, [x${xk}, #${256 + 16 * q}]\n`;
    // Close any reservation the case left open (a failing STXR to the record clears it).
    text += `  stxr w${(xk + 1) % 31}, xzr, [x${xk}]\n`;
  });
  text += "  b 2f\n  .fill 1024, 4, 0x13579bdf\n2:\n";
  let win = "";
  for (let i = 0; i < WINDOW / 8; i++) win += `  .quad ${hex64(rand64(r))}\n`;
  const recs = cases.map((_, i) => `__rec${i}: .space ${RECORD}`).join("\n");
  const snippet = `${text}\n  .data\n${data}`;
  const res = runAsm(snippet, { data: `${win}${recs}\n`, maxInstructions: 1e7 });
  const q = res.qemu.mem, h = res.hvlab.mem;
  const out: string[] = [];
  if (res.qemu.signal !== res.hvlab.signal) {
    out.push(
      `signal: qemu ${res.qemu.signal} hvlab ${res.hvlab.signal} at pc 0x${
        res.hvlab.state.pc.toString(16)
      }`,
    );
  }
  const qd = new DataView(q.buffer, q.byteOffset), hd = new DataView(h.buffer, h.byteOffset);
  for (let i = 0; i < cases.length && out.length < 10; i++) {
    const base = WINDOW + i * RECORD;
    const diffs: string[] = [];
    for (let o = 0; o < RECORD; o += 8) {
      const a = qd.getBigUint64(base + o, true), b = hd.getBigUint64(base + o, true);
      if (a !== b) {
        const name = o < 248
          ? `x${o / 8}`
          : o === 248
          ? "sp"
          : `q${(o - 256) >> 4}.${(o >> 3) & 1}`;
        diffs.push(`${name}: qemu ${hex64(a)} hvlab ${hex64(b)}`);
      }
    }
    if (diffs.length) {
      const text = cases[i].words.map((w) => {
        const d = dec.decode(w)!;
        return `0x${w.toString(16).padStart(8, "0")} ${d.row.def.name} ${
          d.row.def.disasm(d.fields, 0n)
        }`;
      });
      out.push(`case ${i} [${text.join("; ")}]: ${diffs.slice(0, 6).join(", ")}`);
      break;
    }
  }
  for (let o = 0; o < WINDOW && out.length < 10; o++) {
    if (q[o] !== h[o]) {
      out.push(`window byte ${o}: qemu ${q[o]} hvlab ${h[o]}`);
      break;
    }
  }
  return { mismatches: out, signal: res.qemu.signal };
}

/** log2 of the access size of a single-register or pair row (for offset scaling). */
function scaleOf(name: string, f: Fields): number {
  if (name.startsWith("PRF")) return 3;
  if (name === "LDSTP") return f.opc === 2 ? 3 : 2;
  if (name === "LDSTP_fp") return 2 + f.opc;
  if (name.startsWith("LDST_fp")) return f.opc >= 2 ? 4 : f.size;
  return f.size;
}

const sext = (v: number, bits: number) => (v << (32 - bits)) >> (32 - bits);

/** Keeps PC-relative literal targets within the code around the case (+-2 KiB). */
function nearLiteral(r: () => number): (w: number) => number {
  return (w) => (w & ~(0x7ffff << 5)) | ((((r() % 1024) - 512) & 0x7ffff) << 5);
}

/**
 * A random case for `row` whose access lands inside the window (undefined when the drawn
 * encoding cannot be placed, e.g. register offset with Rn = Rm).
 */
export function genCase(row: InsnDef, r: () => number): Case | undefined {
  const name = row.name;
  const g = randomWord(row, r, name.includes("_lit") ? nearLiteral(r) : undefined);
  if (!g) return undefined;
  const f = g.f;
  const regs: Case["regs"] = new Map();
  let off = 0, align = 1;
  if (name.endsWith("uimm")) off = f.imm12 << scaleOf(name, f);
  else if (name.endsWith("imm9") || name === "PRFUM") off = f.idx === 1 ? 0 : sext(f.imm9, 9);
  else if (name.startsWith("LDSTP")) off = f.idx === 1 ? 0 : sext(f.imm7, 7) << scaleOf(name, f);
  else if (name.endsWith("_reg")) {
    if (f.rn === f.rm && f.rm !== 31) return undefined;
    const small = (r() % 4096) - 2048;
    let ext: number, v: bigint;
    if (f.option === 2) {
      ext = small & 2047;
      v = (BigInt(r()) << 32n) | BigInt(ext);
    } else if (f.option === 6) {
      ext = small;
      v = (BigInt(r()) << 32n) | BigInt(small >>> 0);
    } else {
      ext = small;
      v = BigInt.asUintN(64, BigInt(small));
    }
    if (f.rm === 31) ext = 0;
    else regs.set(f.rm, v);
    off = ext * (f.S ? 1 << scaleOf(name, f) : 1);
  } else if (name === "LDSTXR" || name === "LDAR_STLR") align = 1 << f.size;
  else if (name === "LDSTXP") align = f.sz ? 16 : 8;
  else if (name.startsWith("LDST_multi") || name.startsWith("LDST_single")) {
    if (f.p && f.rm !== 31) regs.set(f.rm, (BigInt(r()) << 32n) | BigInt(r()));
  }
  let pos = 64 + (r() % (WINDOW - 256));
  pos -= pos % align;
  if (f.rn !== undefined) regs.set(f.rn, { win: pos - off });
  return { words: [g.word], regs };
}

/** Runs `n` random cases of each named row in batches; returns all mismatch descriptions. */
export function fuzzRows(names: string[], n: number, seed: number, batch = 150): string[] {
  const r = rng(seed);
  const all: Case[] = [];
  for (const name of names) {
    const row = rowNamed(name);
    let made = 0;
    for (let tries = 0; made < n && tries < n * 20; tries++) {
      const c = genCase(row, r);
      if (c) {
        all.push(c);
        made++;
      }
    }
    if (made < n) throw new Error(`row ${name}: could only generate ${made} cases`);
  }
  // Shuffle so each batch mixes rows.
  for (let i = all.length - 1; i > 0; i--) {
    const j = r() % (i + 1);
    [all[i], all[j]] = [all[j], all[i]];
  }
  const out: string[] = [];
  for (let i = 0; i < all.length; i += batch) {
    out.push(...runBatch(all.slice(i, i + batch), seed + i).mismatches);
  }
  return out;
}

/**
 * Encodings that objdump prints as undefined although hvlab (as QEMU) executes them: LDAR/STLR
 * with the should-be-one Rs/Rt2 fields not all ones, and the CONSTRAINED UNPREDICTABLE LDPSW
 * forms (Rt = Rt2, or writeback with Rn = Rt/Rt2).
 */
function objdumpRejects(name: string, f: Fields): boolean {
  if (name === "LDAR_STLR") return f.rs !== 31 || f.rt2 !== 31;
  if (name === "LDSTP" && f.opc === 1) {
    return f.rt === f.rt2 || ((f.idx & 1) === 1 && (f.rn === f.rt || f.rn === f.rt2));
  }
  return false;
}

/**
 * Disassembles `n` random encodings of each named row with aarch64-linux-gnu-objdump and returns
 * the lines where hvlab's text differs (symbol suffixes like `<.text+0x94>` are ignored).
 */
export function disasmMismatches(names: string[], n: number, seed: number): string[] {
  const r = rng(seed);
  const words: number[] = [];
  for (const name of names) {
    const row = rowNamed(name);
    for (let i = 0; i < n; i++) {
      const g = randomWord(row, r);
      if (g) words.push(g.word);
    }
  }
  const dir = Deno.makeTempDirSync({ prefix: "hvlab_ldst_dis_" });
  try {
    Deno.writeTextFileSync(`${dir}/d.s`, words.map((w) => `.inst 0x${w.toString(16)}\n`).join(""));
    const as = new Deno.Command("aarch64-linux-gnu-as", {
      args: ["-o", `${dir}/d.o`, `${dir}/d.s`],
      stderr: "piped",
    }).outputSync();
    if (!as.success) throw new Error(new TextDecoder().decode(as.stderr));
    const od = new Deno.Command("aarch64-linux-gnu-objdump", { args: ["-d", `${dir}/d.o`] })
      .outputSync();
    const out: string[] = [];
    const dec = a64Decoder();
    for (const line of new TextDecoder().decode(od.stdout).split("\n")) {
      const m = /^\s*([0-9a-f]+):\t([0-9a-f]{8}) \t(.*)$/.exec(line);
      if (!m) continue;
      const want = m[3].replace(/\s*<[^>]*>$/, "").trimEnd();
      const d = dec.decode(parseInt(m[2], 16))!;
      if (want.endsWith("; undefined") && objdumpRejects(d.row.def.name, d.fields)) continue;
      const got = d.row.def.disasm(d.fields, BigInt(parseInt(m[1], 16)));
      if (got !== want) out.push(`${m[2]} ${d.row.def.name}: objdump "${want}" hvlab "${got}"`);
    }
    if (words.length === 0) throw new Error("no encodings generated");
    return out;
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}
