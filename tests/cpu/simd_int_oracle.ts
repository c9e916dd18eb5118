/**
 * Differential harness for the Advanced SIMD integer rows: random encodings of a row run from
 * random register state on qemu-aarch64 (one assembled program, state loaded and stored around
 * each instruction, dumped to stdout) and on hvlab (the row's emitted code on a CpuRegs).
 */
import { Decoder } from "../../core/cpu/decode/decoder.ts";
import { SIMD_INT } from "../../core/cpu/insn/simd_int.ts";
import { parsePattern } from "../../core/cpu/decode/pattern.ts";
import type { EmitCtx, InsnDef } from "../../core/cpu/insn/types.ts";
import { CpuRegs } from "../../core/cpu/state.ts";
import { H, T } from "../../core/cpu/runtime/helpers.ts";

/** Bytes of one state block: X0..X30 (248), FPSR (8), Q0..Q31 (512). */
export const STATE = 768;
const FPSR_OFF = 248;
const Q_OFF = 256;

/** A small deterministic PRNG (xorshift32). */
export class Rng {
  #s: number;
  constructor(seed: number) {
    this.#s = seed >>> 0 || 1;
  }
  /** Next unsigned 32-bit value. */
  u32(): number {
    let x = this.#s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#s = x >>> 0;
    return this.#s;
  }
  /** Integer in [0, n). */
  below(n: number): number {
    return this.u32() % n;
  }
}

let shared: Decoder | undefined;
/** A decoder over this group's rows alone (the full table's overlap check is elsewhere). */
function a64Decoder(): Decoder {
  shared ??= new Decoder(SIMD_INT);
  return shared;
}

const SPECIAL = [0, 1, 0x7f, 0x80, 0xff, 0xfe, 0x81, 0x40];

/** A random state block whose vector bytes favour edge values and near-equal registers. */
export function randomState(rng: Rng): Uint8Array {
  const s = new Uint8Array(STATE);
  for (let i = 0; i < FPSR_OFF; i++) s[i] = rng.u32() & 0xff;
  for (let i = 0; i < 248; i += 8) {
    if (rng.below(4) === 0) s.fill(rng.below(2) ? 0 : 0xff, i, i + 8);
  }
  // FPSR: only QC (bit 27) and the cumulative FP flags are writable.
  new DataView(s.buffer).setUint32(FPSR_OFF, rng.below(2) ? 0x0800009f & rng.u32() : 0, true);
  for (let r = 0; r < 32; r++) {
    const o = Q_OFF + 16 * r;
    const mode = rng.below(6);
    for (let i = 0; i < 16; i++) {
      if (mode === 0) s[o + i] = SPECIAL[rng.below(SPECIAL.length)];
      else if (mode === 1 && r > 0) {
        s[o + i] = rng.below(4) ? s[o - 16 + i] : rng.u32() & 0xff;
      } else if (mode === 2) s[o + i] = rng.u32() & 0x83;
      else s[o + i] = rng.u32() & 0xff;
    }
  }
  return s;
}

/** Random encodings of `def` that the shared decoder maps to `def` itself. */
export function randomWords(def: InsnDef, n: number, rng: Rng): number[] {
  const p = parsePattern(def.pattern);
  const dec = a64Decoder();
  const out: number[] = [];
  for (let tries = 0; out.length < n && tries < n * 200; tries++) {
    const w = ((rng.u32() & ~p.mask) | p.value) >>> 0;
    const d = dec.decode(w);
    if (d && d.row.def === def) out.push(w);
  }
  return out;
}

/** One test: an encoding and the state before it. */
export interface Case {
  word: number;
  state: Uint8Array;
}

/**
 * Installs a SIGILL handler that skips the faulting instruction and sets X27 in the
 * interrupted context to the marker 0xdead (arm64 ucontext: regs[] at +184, pc at +440).
 */
const SIGILL_SETUP = [
  "adrp x0, altstack", // the handler runs on its own stack: below SP lie earlier results
  "add x0, x0, :lo12:altstack",
  "adrp x1, altss",
  "add x1, x1, :lo12:altss",
  "str x0, [x1]",
  "mov x0, x1",
  "mov x1, #0",
  "mov x8, #132",
  "svc #0",
  "mov x0, #4",
  "adrp x1, sigact",
  "add x1, x1, :lo12:sigact",
  "mov x2, #0",
  "mov x3, #8",
  "mov x8, #134",
  "svc #0",
  "b 1f",
  "handler:",
  "ldr x9, [x2, #440]",
  "add x9, x9, #4",
  "str x9, [x2, #440]",
  "mov x9, #0xdead",
  "str x9, [x2, #400]",
  "ret",
  "restorer:",
  "mov x8, #139",
  "svc #0",
  "1:",
];

/** The handler's sigaction (SA_SIGINFO | SA_RESTORER | SA_ONSTACK) and alternate stack. */
const SIGILL_DATA = [
  ".balign 16",
  "sigact:",
  ".quad handler, 0x0c000004, restorer, 0",
  "altss:",
  ".quad 0, 0, 65536",
  ".balign 16",
  "altstack:",
  ".skip 65536",
];

function asmFor(cases: Case[], dataPath: string, sigill: boolean): string {
  const l: string[] = [
    ".text",
    ".global _start",
    "_start:",
    ...(sigill ? SIGILL_SETUP : []),
    "adrp x0, data",
    "add x0, x0, :lo12:data",
    "mov sp, x0",
  ];
  for (const c of cases) {
    l.push(`ldr x0, [sp, #${FPSR_OFF}]`, "msr fpsr, x0");
    for (let q = 0; q < 32; q += 2) l.push(`ldp q${q}, q${q + 1}, [sp, #${Q_OFF + 16 * q}]`);
    for (let x = 0; x < 30; x += 2) l.push(`ldp x${x}, x${x + 1}, [sp, #${8 * x}]`);
    l.push("ldr x30, [sp, #240]", `.inst 0x${c.word.toString(16)}`, `add sp, sp, #${STATE}`);
    for (let q = 0; q < 32; q += 2) l.push(`stp q${q}, q${q + 1}, [sp, #${Q_OFF + 16 * q}]`);
    for (let x = 0; x < 30; x += 2) l.push(`stp x${x}, x${x + 1}, [sp, #${8 * x}]`);
    l.push("str x30, [sp, #240]", "mrs x0, fpsr", `str x0, [sp, #${FPSR_OFF}]`);
    l.push(`add sp, sp, #${STATE}`);
  }
  l.push(
    "mov x0, #1",
    "adrp x1, data",
    "add x1, x1, :lo12:data",
    `ldr x2, =${cases.length * 2 * STATE}`,
    "mov x8, #64",
    "svc #0",
    "mov x0, #0",
    "mov x8, #93",
    "svc #0",
    ".ltorg",
    ".data",
    ...(sigill ? SIGILL_DATA : []),
    ".balign 16",
    "data:",
    `.incbin "${dataPath}"`,
  );
  return l.join("\n") + "\n";
}

async function run(cmd: string, args: string[]): Promise<Uint8Array> {
  const o = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  if (!o.success) {
    throw new Error(`${cmd} ${args.join(" ")} failed: ${new TextDecoder().decode(o.stderr)}`);
  }
  return o.stdout;
}

/**
 * Runs every case on qemu-aarch64 (`cpu`: its -cpu model); returns each case's state after the
 * instruction. With `sigill`, an UNDEFINED instruction is skipped and sets X27 to 0xdead.
 */
export async function runQemu(
  cases: Case[],
  opts: { sigill?: boolean; cpu?: string } = {},
): Promise<Uint8Array[]> {
  const dir = await Deno.makeTempDir({ prefix: "simd_int_" });
  try {
    const data = new Uint8Array(cases.length * 2 * STATE);
    cases.forEach((c, i) => data.set(c.state, i * 2 * STATE));
    await Deno.writeFile(`${dir}/in.bin`, data);
    await Deno.writeTextFile(`${dir}/t.s`, asmFor(cases, `${dir}/in.bin`, opts.sigill ?? false));
    await run("aarch64-linux-gnu-as", ["-o", `${dir}/t.o`, `${dir}/t.s`]);
    await run("aarch64-linux-gnu-ld", ["-static", "-o", `${dir}/t`, `${dir}/t.o`]);
    const out = await run("qemu-aarch64", [...(opts.cpu ? ["-cpu", opts.cpu] : []), `${dir}/t`]);
    if (out.length !== data.length) throw new Error(`qemu wrote ${out.length} bytes`);
    return cases.map((_, i) => out.slice((2 * i + 1) * STATE, (2 * i + 2) * STATE));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const ctx: EmitCtx = {
  pcLo: 0x1000,
  pcHi: 0,
  word: 0,
  k: 0,
  pcPlus: (d) => [0x1000 + d, 0],
};
const compiled = new Map<number, (c: CpuRegs) => void>();

/** Runs one case on hvlab's emitted code; returns the state after it. */
export function runHvlab(c: Case): Uint8Array {
  let fn = compiled.get(c.word);
  if (!fn) {
    const d = a64Decoder().decode(c.word);
    if (!d) throw new Error(`0x${c.word.toString(16)} does not decode`);
    const body = `"use strict";return function(c){const r=c.x,vb=c.vb,vh=c.vh,vw=c.vw,` +
      `vs=c.vs,vd=c.vd;\n${d.row.def.emit(d.fields, { ...ctx, word: c.word })}}`;
    fn = new Function("H", "T", body)(H, T) as (c: CpuRegs) => void;
    compiled.set(c.word, fn);
  }
  const r = new CpuRegs();
  const dv = new DataView(c.state.buffer, c.state.byteOffset);
  for (let i = 0; i < 62; i++) r.x[i] = dv.getInt32(4 * i, true);
  r.fpsr = dv.getUint32(FPSR_OFF, true);
  r.vb.set(c.state.subarray(Q_OFF, Q_OFF + 512));
  fn(r);
  const out = new Uint8Array(STATE);
  const ov = new DataView(out.buffer);
  for (let i = 0; i < 62; i++) ov.setInt32(4 * i, r.x[i], true);
  ov.setUint32(FPSR_OFF, r.fpsr >>> 0, true);
  out.set(r.vb, Q_OFF);
  return out;
}

/** Describes the first difference between two states, or undefined when equal. */
export function diffState(want: Uint8Array, got: Uint8Array): string | undefined {
  const hex = (b: Uint8Array, o: number, n: number) =>
    Array.from(b.subarray(o, o + n)).reverse().map((v) => v.toString(16).padStart(2, "0")).join(
      "",
    );
  for (let x = 0; x < 31; x++) {
    if (hex(want, 8 * x, 8) !== hex(got, 8 * x, 8)) {
      return `x${x}: qemu ${hex(want, 8 * x, 8)} hvlab ${hex(got, 8 * x, 8)}`;
    }
  }
  if (hex(want, FPSR_OFF, 4) !== hex(got, FPSR_OFF, 4)) {
    return `fpsr: qemu ${hex(want, FPSR_OFF, 4)} hvlab ${hex(got, FPSR_OFF, 4)}`;
  }
  for (let q = 0; q < 32; q++) {
    const o = Q_OFF + 16 * q;
    if (hex(want, o, 16) !== hex(got, o, 16)) {
      return `q${q}: qemu ${hex(want, o, 16)} hvlab ${hex(got, o, 16)}`;
    }
  }
  return undefined;
}

/** Input vector register `n` of a state as hex (for mismatch reports). */
export function qHex(s: Uint8Array, n: number): string {
  return Array.from(s.subarray(Q_OFF + 16 * n, Q_OFF + 16 * n + 16)).reverse().map((v) =>
    v.toString(16).padStart(2, "0")
  ).join("");
}

/**
 * Runs `perRow` random cases of every row on both engines; returns per-row case counts and a
 * list of mismatch descriptions (encoding, disassembly, difference, inputs).
 */
export async function compareRows(
  rows: InsnDef[],
  perRow: number,
  seed: number,
): Promise<{ counts: Map<string, number>; mismatches: string[] }> {
  const rng = new Rng(seed);
  const cases: Case[] = [];
  const owner: InsnDef[] = [];
  for (const def of rows) {
    for (const word of randomWords(def, perRow, rng)) {
      cases.push({ word, state: randomState(rng) });
      owner.push(def);
    }
  }
  const want = await runQemu(cases);
  const counts = new Map<string, number>();
  const mismatches: string[] = [];
  cases.forEach((c, i) => {
    const name = owner[i].name;
    counts.set(name, (counts.get(name) ?? 0) + 1);
    const d = diffState(want[i], runHvlab(c));
    if (d) {
      const dec = a64Decoder().decode(c.word)!;
      const f = dec.fields;
      mismatches.push(
        `${name} 0x${c.word.toString(16)} ${dec.row.def.disasm(f, 0x1000n)}: ${d}; in ` +
          [f.rd, f.rn, f.rm].filter((v) => v !== undefined).map((v) => `q${v}=${qHex(c.state, v)}`)
            .join(" "),
      );
    }
  });
  return { counts, mismatches };
}

/** Disassembles `words` with objdump (one line of text per word, tab-separated as objdump). */
export async function objdump(words: number[]): Promise<string[]> {
  const dir = await Deno.makeTempDir({ prefix: "simd_int_dis_" });
  try {
    const bin = new Uint8Array(words.length * 4);
    const dv = new DataView(bin.buffer);
    words.forEach((w, i) => dv.setUint32(4 * i, w, true));
    await Deno.writeFile(`${dir}/t.bin`, bin);
    const out = new TextDecoder().decode(
      await run("aarch64-linux-gnu-objdump", [
        "-D",
        "-b",
        "binary",
        "-m",
        "aarch64",
        `${dir}/t.bin`,
      ]),
    );
    const lines: string[] = [];
    for (const line of out.split("\n")) {
      const m = /^\s*[0-9a-f]+:\s+[0-9a-f]{8}\s+(.*)$/.exec(line);
      if (m) lines.push(m[1].replace(/\s*\/\/.*$/, "").trimEnd());
    }
    return lines;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Asserts that every row got cases and none mismatched qemu. */
export async function checkRows(rows: InsnDef[], perRow: number, seed: number): Promise<void> {
  const { counts, mismatches } = await compareRows(rows, perRow, seed);
  const empty = rows.filter((r) => !counts.get(r.name)).map((r) => r.name);
  if (empty.length) throw new Error(`rows without cases: ${empty.join(" ")}`);
  if (mismatches.length) {
    throw new Error(`${mismatches.length} mismatches:\n${mismatches.slice(0, 12).join("\n")}`);
  }
}

/** Asserts that the rows' disassembly of random encodings equals objdump's. */
export async function checkDisasm(rows: InsnDef[], perRow: number, seed: number): Promise<void> {
  const rng = new Rng(seed);
  const words = rows.flatMap((r) => randomWords(r, perRow, rng));
  const want = await objdump(words);
  const bad: string[] = [];
  words.forEach((w, i) => {
    const d = a64Decoder().decode(w)!;
    const got = d.row.def.disasm(d.fields, 0n);
    if (got !== want[i]) bad.push(`${w.toString(16)}: ${got} | objdump: ${want[i]}`);
  });
  if (words.length === 0) throw new Error("no encodings");
  if (bad.length) throw new Error(`${bad.length} differences:\n${bad.slice(0, 20).join("\n")}`);
}

/**
 * Asserts that hvlab and qemu (as a Cortex-A53, an ARMv8.0 CPU without FP16, RDM or dot
 * products) agree on which of `words` are UNDEFINED; returns how many were undefined.
 */
export async function checkUndefined(words: number[], rng: Rng): Promise<number> {
  const cases = words.map((word) => {
    const state = randomState(rng);
    state.fill(0, 8 * 27, 8 * 28);
    return { word, state };
  });
  const out = await runQemu(cases, { sigill: true, cpu: "cortex-a53" });
  const bad: string[] = [];
  let undef = 0;
  cases.forEach((c, i) => {
    const x27 = new DataView(out[i].buffer, out[i].byteOffset + 8 * 27, 8);
    const qemuUndef = x27.getUint32(0, true) === 0xdead && x27.getUint32(4, true) === 0;
    const ours = a64Decoder().decode(c.word) === undefined;
    if (ours) undef++;
    if (qemuUndef !== ours) {
      bad.push(`0x${c.word.toString(16)}: qemu ${qemuUndef ? "UNDEFINED" : "defined"}`);
    }
  });
  if (bad.length) throw new Error(`${bad.length} disagreements:\n${bad.slice(0, 20).join("\n")}`);
  return undef;
}
