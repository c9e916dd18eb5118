/**
 * Batched single-instruction oracle: many (instruction, random initial state) cases in ONE static
 * program for qemu-aarch64, and the same cases stepped one by one on hvlab.
 *
 * On QEMU every case loads X0-X30, SP and NZCV from a table (LDP, `mov sp`, `msr nzcv`), runs the
 * instruction under test at label `t_<k>`, and lands in a "sled": slot j (j in [-sled, sled],
 * j != 0, j = 1 being the fall-through) branches to a stub that records j. A dump then saves
 * X0-X30, SP, NZCV and j (X0/X1 parked in D registers while a base address is formed) into a
 * buffer written to stdout at the end. Branch tests keep their offsets inside the
 * sled; the PC after the instruction is t_k + 4j.
 *
 * hvlab loads the same ELF, sets each case's state directly, sets PC = t_k and single-steps.
 */
import { UserProcess } from "../../core/machine/user_process.ts";
import { parseElf } from "../../core/machine/elf.ts";
import { parsePattern, type Pattern } from "../../core/cpu/decode/pattern.ts";
import { a64Decoder } from "../../core/cpu/decode/table.ts";
import type { InsnDef } from "../../core/cpu/insn/types.ts";

/** Register state before or after one instruction. */
export interface RegState {
  /** X0..X30. */
  x: bigint[];
  sp: bigint;
  /** NZCV in bits 31..28. */
  nzcv: number;
  pc: bigint;
}

/** One instruction and the state it starts from. */
export interface BatchCase {
  word: number;
  init: RegState;
  /** Registers set to the address of sled slot `j` (for BR/BLR/RET), after the random values. */
  slotRegs?: [number, number][];
}

/** Small deterministic PRNG (xorshift32), so a failing seed reproduces. */
export class Rng {
  #s: number;
  constructor(seed: number) {
    this.#s = (seed | 0) || 0x9e3779b9;
  }

  /** Uniform uint32. */
  u32(): number {
    let x = this.#s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#s = x;
    return x >>> 0;
  }

  /** Uniform integer in [0, n). */
  below(n: number): number {
    return Math.floor((this.u32() / 4294967296) * n);
  }

  /** A 64-bit value biased towards edge cases (0, ±1, sign boundaries, small numbers). */
  value64(): bigint {
    const full = (BigInt(this.u32()) << 32n) | BigInt(this.u32());
    switch (this.below(10)) {
      case 0:
        return [
          0n,
          1n,
          0xffffffffffffffffn,
          0x8000000000000000n,
          0x7fffffffffffffffn,
        ][this.below(5)];
      case 1:
        return [0x80000000n, 0x7fffffffn, 0xffffffffn, 0xffffffff80000000n, 0x100000000n][
          this.below(5)
        ];
      case 2:
        return BigInt(this.below(70));
      case 3:
        return full & 0xffffffffn;
      case 4:
        return BigInt.asUintN(64, BigInt(this.u32() | 0)); // sign-extended 32-bit
      default:
        return full;
    }
  }

  /** A random initial state. */
  state(): RegState {
    const x: bigint[] = [];
    for (let i = 0; i < 31; i++) x.push(this.value64());
    return { x, sp: this.value64(), nzcv: (this.u32() & 0xf0000000) >>> 0, pc: 0n };
  }
}

/**
 * Biases the register fields (rd, rn, rm, ra, rt...) of a random word: each is 31 (SP/ZR) or a
 * copy of another register field a quarter of the time each, so aliases (MOV, CMP, NEG, CSET,
 * MUL, ...) and SP forms come up often.
 */
export function biasRegisters(p: Pattern, w: number, rng: Rng): number {
  const regs = p.fields.filter((f) => f.width === 5 && /^r[a-z]$/.test(f.name));
  for (const f of regs) {
    const k = rng.below(4);
    let v: number | undefined;
    if (k === 0) v = 31;
    else if (k === 1) {
      const o = regs[rng.below(regs.length)];
      v = (w >>> o.lsb) & 31;
    }
    if (v !== undefined) w = (w & ~(31 << f.lsb)) | (v << f.lsb);
  }
  return w >>> 0;
}

/**
 * A random word matching `def`'s pattern that the decoder maps to `def` (valid), after `tweak`
 * (which may overwrite fields, e.g. branch offsets). Gives up after many tries.
 */
export function randomEncoding(def: InsnDef, rng: Rng, tweak?: (w: number) => number): number {
  const p = parsePattern(def.pattern);
  const dec = a64Decoder();
  for (let i = 0; i < 10000; i++) {
    let w = biasRegisters(p, ((rng.u32() & ~p.mask) | p.value) >>> 0, rng);
    if (tweak) w = tweak(w) >>> 0;
    const d = dec.decode(w);
    if (d && d.row.def === def) return w;
  }
  throw new Error(`no valid random encoding found for ${def.name}`);
}

/** Bytes per case in the init table and in the dump buffer: X0-X30, SP, NZCV, slot. */
const CASE_BYTES = 272;

function movImm(r: string, v: bigint): string {
  let s = `movz ${r}, #${Number(v & 0xffffn)}\n`;
  for (let h = 1; h < 4; h++) {
    const part = Number((v >> BigInt(16 * h)) & 0xffffn);
    if (part !== 0) s += `movk ${r}, #${part}, lsl #${16 * h}\n`;
  }
  return s;
}

/** Setup (loads from the init table), the instruction, its sled and stubs, and the dump. */
function caseAsm(k: number, c: BatchCase, sled: number): string {
  const off = k * CASE_BYTES;
  let a = `case_${k}:\nadrp x0, init+${off}\nadd x0, x0, :lo12:init+${off}\n` +
    "ldr x1, [x0, #256]\nmsr nzcv, x1\nldr x1, [x0, #248]\nmov sp, x1\n";
  for (let i = 2; i < 30; i += 2) a += `ldp x${i}, x${i + 1}, [x0, #${8 * i}]\n`;
  a += "ldr x30, [x0, #240]\nldp x0, x1, [x0]\n";
  for (const [r, j] of c.slotRegs ?? []) a += `adr x${r}, s_${k}_${j < 0 ? `m${-j}` : j}\n`;
  const slot = (j: number) => `s_${k}_${j < 0 ? `m${-j}` : j}: b stub_${k}_${j + sled}\n`;
  if (sled > 0) a += `b t_${k}\n`;
  for (let j = -sled; j < 0; j++) a += slot(j);
  a += `t_${k}: .inst 0x${c.word.toString(16)}\n`;
  for (let j = 1; j <= Math.max(sled, 1); j++) a += slot(j);
  for (let j = -sled; j <= Math.max(sled, 1); j++) {
    if (j === 0) continue;
    a += `stub_${k}_${j + sled}: fmov d0, x0\nmovz x0, #${j + sled}\nb dump_${k}\n`;
  }
  // X0 is in D0 and the slot number in X0: free X0/X1 through D1/D2, then store everything.
  a += `dump_${k}: fmov d1, x1\nfmov d2, x0\nadrp x0, buf+${off}\nadd x0, x0, :lo12:buf+${off}\n`;
  for (let i = 2; i < 30; i += 2) a += `stp x${i}, x${i + 1}, [x0, #${8 * i}]\n`;
  a += "str x30, [x0, #240]\nmov x1, sp\nstr x1, [x0, #248]\nmrs x1, nzcv\nstr x1, [x0, #256]\n" +
    "str d0, [x0]\nstr d1, [x0, #8]\nstr d2, [x0, #264]\n";
  return a;
}

/** The init table entry of one case, as .quad lines. */
function initData(c: BatchCase): string {
  const v = [...c.init.x, c.init.sp, BigInt(c.init.nzcv), 0n];
  return `.quad ${v.map((x) => `0x${x.toString(16)}`).join(",")}\n`;
}

function tool(cmd: string, args: string[]): Uint8Array {
  const r = new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).outputSync();
  if (!r.success) {
    throw new Error(`${cmd} ${args.join(" ")} failed:\n${new TextDecoder().decode(r.stderr)}`);
  }
  return r.stdout;
}

/** Both engines' final states for each case. */
export interface BatchResult {
  qemu: RegState[];
  hvlab: RegState[];
}

/**
 * Runs `cases` on qemu-aarch64 (one process) and hvlab (single steps). `sled` is the half-width
 * in instructions of the landing area around each instruction (0 for non-branches).
 */
export function runBatch(cases: BatchCase[], sled = 0, textAddr = 0x400000): BatchResult {
  const dir = Deno.makeTempDirSync({ prefix: "hvlab_batch_" });
  try {
    let src = ".text\n.globl _start\n_start:\n";
    cases.forEach((c, k) => src += caseAsm(k, c, sled));
    const total = cases.length * CASE_BYTES;
    src += `movz x0, #1\nadrp x1, buf\nadd x1, x1, :lo12:buf\n${movImm("x2", BigInt(total))}` +
      `movz x8, #64\nsvc #0\nmovz x0, #0\nmovz x8, #93\nsvc #0\n`;
    src += `.data\n.balign 16\ninit:\n${cases.map(initData).join("")}`;
    src += `.bss\n.balign 16\nbuf: .skip ${total}\n`;
    Deno.writeTextFileSync(`${dir}/t.s`, src);
    tool("aarch64-linux-gnu-as", ["-o", `${dir}/t.o`, `${dir}/t.s`]);
    tool("aarch64-linux-gnu-ld", [
      "-static",
      `-Ttext=0x${textAddr.toString(16)}`,
      "-o",
      `${dir}/t`,
      `${dir}/t.o`,
    ]);
    const elf = Deno.readFileSync(`${dir}/t`);
    const out = tool("qemu-aarch64", [`${dir}/t`]);
    if (out.length !== total) throw new Error(`qemu wrote ${out.length} bytes, expected ${total}`);
    const syms = parseElf(elf).symbols;
    const addr = (k: number) => {
      const v = syms.get(`t_${k}`);
      if (v === undefined) throw new Error(`symbol t_${k} missing`);
      return v;
    };
    const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
    const qemu = cases.map((_, k): RegState => {
      const o = k * CASE_BYTES;
      const x: bigint[] = [];
      for (let i = 0; i < 31; i++) x.push(dv.getBigUint64(o + 8 * i, true));
      const j = Number(dv.getBigUint64(o + 264, true)) - sled;
      return {
        x,
        sp: dv.getBigUint64(o + 248, true),
        nzcv: Number(dv.getBigUint64(o + 256, true)),
        pc: addr(k) + BigInt(4 * j),
      };
    });
    const p = new UserProcess(elf);
    const cpu = p.cpu;
    const hvlab = cases.map((c, k): RegState => {
      c.init.x.forEach((v, i) => cpu.setX(i, v));
      for (const [r, j] of c.slotRegs ?? []) cpu.setX(r, addr(k) + BigInt(4 * j));
      cpu.setX(31, c.init.sp);
      cpu.nzcv = c.init.nzcv;
      cpu.pc = addr(k);
      cpu.step();
      const x: bigint[] = [];
      for (let i = 0; i < 31; i++) x.push(cpu.getX(i));
      return { x, sp: cpu.getX(31), nzcv: cpu.nzcv, pc: cpu.pc };
    });
    return { qemu, hvlab };
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

const hex = (v: bigint | number) => `0x${v.toString(16)}`;

/** Differences between two states, as text lines (empty when equal). */
export function diffRegs(a: RegState, b: RegState): string[] {
  const d: string[] = [];
  for (let i = 0; i < 31; i++) {
    if (a.x[i] !== b.x[i]) d.push(`x${i}: qemu ${hex(a.x[i])} hvlab ${hex(b.x[i])}`);
  }
  if (a.sp !== b.sp) d.push(`sp: qemu ${hex(a.sp)} hvlab ${hex(b.sp)}`);
  if (a.nzcv !== b.nzcv) d.push(`nzcv: qemu ${hex(a.nzcv)} hvlab ${hex(b.nzcv)}`);
  if (a.pc !== b.pc) d.push(`pc: qemu ${hex(a.pc)} hvlab ${hex(b.pc)}`);
  return d;
}

/**
 * Compares every case; returns mismatch reports (word, disassembly, initial state, differences),
 * at most `max` of them.
 */
export function mismatches(cases: BatchCase[], r: BatchResult, max = 5): string[] {
  const out: string[] = [];
  const dec = a64Decoder();
  cases.forEach((c, k) => {
    const d = diffRegs(r.qemu[k], r.hvlab[k]);
    if (d.length === 0 || out.length >= max) return;
    const dd = dec.decode(c.word);
    const text = dd ? dd.row.def.disasm(dd.fields, r.hvlab[k].pc) : "undefined";
    const init = c.init.x.map((v, i) => `x${i}=${hex(v)}`).join(" ");
    out.push(
      `case ${k}: ${hex(c.word)} (${text})\n  init ${init} sp=${hex(c.init.sp)} nzcv=${
        hex(c.init.nzcv)
      }\n  ${d.join("\n  ")}`,
    );
  });
  return out;
}

/**
 * objdump's text for each word (assembled with `.inst` at address 4*i), with branch-target symbol
 * suffixes like ` <x+0x8>` and trailing comments (`// hi = pmore`, SVE condition names) removed.
 */
export function objdumpWords(words: number[]): string[] {
  const dir = Deno.makeTempDirSync({ prefix: "hvlab_objdump_" });
  try {
    Deno.writeTextFileSync(
      `${dir}/t.s`,
      ".text\n" + words.map((w) => `.inst 0x${w.toString(16)}\n`).join(""),
    );
    tool("aarch64-linux-gnu-as", ["-o", `${dir}/t.o`, `${dir}/t.s`]);
    const text = new TextDecoder().decode(
      tool("aarch64-linux-gnu-objdump", ["-d", "--no-show-raw-insn", `${dir}/t.o`]),
    );
    const out: string[] = [];
    for (const line of text.split("\n")) {
      const m = /^\s*[0-9a-f]+:\t(.*)$/.exec(line);
      if (m) out.push(m[1].replace(/\s+\/\/.*$/, "").replace(/\s+<[^>]*>$/, "").trimEnd());
    }
    if (out.length !== words.length) {
      throw new Error(`objdump gave ${out.length} lines for ${words.length} words`);
    }
    return out;
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

/** Options for checkRowsAgainstQemu. */
export interface RowCheckOptions {
  /** Random instructions per row. */
  perRow: number;
  seed: number;
  /** Sled half-width (branches). */
  sled?: number;
  /** Link address of the code (e.g. just below 4 GiB, so PC arithmetic carries). */
  textAddr?: number;
  /** Adjusts a random word (e.g. keeps branch offsets inside the sled). */
  tweak?: (def: InsnDef, w: number, rng: Rng) => number;
  /** Registers to point at sled slots for a word. */
  slotRegs?: (def: InsnDef, w: number, rng: Rng) => [number, number][];
  /** Adjusts a case's random initial state (e.g. zero the register CBZ tests, half the time). */
  adjust?: (def: InsnDef, w: number, init: RegState, rng: Rng) => void;
}

/**
 * Runs `perRow` random valid encodings of each row from random states on QEMU and hvlab.
 * Returns the mismatch reports (empty when all agree) and the number of cases per row.
 */
export function checkRowsAgainstQemu(
  defs: readonly InsnDef[],
  o: RowCheckOptions,
): { reports: string[]; counts: Map<string, number> } {
  const rng = new Rng(o.seed);
  const cases: BatchCase[] = [];
  const counts = new Map<string, number>();
  for (const def of defs) {
    for (let i = 0; i < o.perRow; i++) {
      const word = randomEncoding(def, rng, o.tweak ? (w) => o.tweak!(def, w, rng) : undefined);
      const init = rng.state();
      o.adjust?.(def, word, init, rng);
      cases.push({ word, init, slotRegs: o.slotRegs?.(def, word, rng) });
    }
    counts.set(def.name, o.perRow);
  }
  const r = runBatch(cases, o.sled ?? 0, o.textAddr);
  return { reports: mismatches(cases, r), counts };
}

/** Mnemonics objdump knows from architecture versions after 8.0 (hvlab treats them as UNDEFINED). */
const POST_V80 = new Set([
  "rmif",
  "setf8",
  "setf16",
  "cfinv",
  "xaflag",
  "axflag",
  "pacia",
  "pacib",
  "pacda",
  "pacdb",
  "autia",
  "autib",
  "autda",
  "autdb",
  "paciza",
  "pacizb",
  "pacdza",
  "pacdzb",
  "autiza",
  "autizb",
  "autdza",
  "autdzb",
  "xpaci",
  "xpacd",
  "pacga",
  "irg",
  "gmi",
  "subp",
  "subps",
  "cmpp",
  "addg",
  "subg",
  "abs",
  "cnt",
  "ctz",
  "smax",
  "smin",
  "umax",
  "umin",
]);

/**
 * Disassembles `n` random words per row (valid or not) with hvlab and objdump. A word hvlab
 * decodes must print exactly as objdump; a word hvlab rejects must be undefined to objdump too
 * (or an instruction of a later architecture version). Returns mismatch reports.
 */
export function checkDisasmAgainstObjdump(
  defs: readonly InsnDef[],
  n: number,
  seed: number,
): string[] {
  const rng = new Rng(seed);
  const dec = a64Decoder();
  const words: number[] = [];
  for (const def of defs) {
    const p = parsePattern(def.pattern);
    for (let i = 0; i < n; i++) {
      words.push(biasRegisters(p, ((rng.u32() & ~p.mask) | p.value) >>> 0, rng));
    }
  }
  const ref = objdumpWords(words);
  const out: string[] = [];
  words.forEach((w, i) => {
    const d = dec.decode(w);
    const theirs = ref[i];
    const undef = theirs.startsWith(".inst") || theirs.includes("undefined");
    if (!d) {
      if (!undef && !POST_V80.has(theirs.split("\t")[0])) {
        out.push(`0x${w.toString(16)}: hvlab UNDEFINED, objdump "${theirs}"`);
      }
      return;
    }
    const ours = d.row.def.disasm(d.fields, BigInt(4 * i));
    if (ours !== theirs) {
      out.push(`0x${w.toString(16)} (${d.row.def.name}): "${ours}" != "${theirs}"`);
    }
  });
  return out;
}

/**
 * Completeness of a whole encoding space (words with `(w & mask) === value`): `n` random words;
 * every word objdump decodes to an ARMv8.0 instruction must decode on hvlab, and every word hvlab
 * decodes must be an instruction to objdump. Returns mismatch reports.
 */
export function checkSpaceAgainstObjdump(
  mask: number,
  value: number,
  n: number,
  seed: number,
): string[] {
  const rng = new Rng(seed);
  const dec = a64Decoder();
  const words: number[] = [];
  for (let i = 0; i < n; i++) words.push(((rng.u32() & ~mask) | value) >>> 0);
  const ref = objdumpWords(words);
  const out: string[] = [];
  words.forEach((w, i) => {
    const d = dec.decode(w);
    const undef = ref[i].startsWith(".inst") || ref[i].includes("undefined");
    if (!d && !undef && !POST_V80.has(ref[i].split("\t")[0])) {
      out.push(`0x${w.toString(16)}: hvlab UNDEFINED, objdump "${ref[i]}"`);
    }
    if (d && undef) out.push(`0x${w.toString(16)}: hvlab ${d.row.def.name}, objdump undefined`);
  });
  return out;
}
