/**
 * Differential harness for the scalar FP rows. Each case loads the V registers it names, one
 * general register, NZCV, FPCR and FPSR, then branches to a stub holding the instruction under
 * test. qemu-aarch64 (-cpu cortex-a57: ARMv8.0, no FP16) logs the full state before the
 * instruction and after it (-d cpu,fpu filtered to the stubs); hvlab runs the instruction from the
 * logged "before" state and must reach the logged "after" state: X0-X30, NZCV, FPSR, Q0-Q31, PC.
 */
import { linkAsm, qemuStepLog } from "../support/qemu_step_log.ts";
import { UserProcess } from "../../core/machine/user_process.ts";

/** One test case. */
export interface FpCase {
  word: number;
  /** 128-bit contents of V registers by number. */
  q: Map<number, bigint>;
  /** One general register to load (number 0..30 except 30), with its value. */
  x?: [number, bigint];
  nzcv: number;
  fpcr: number;
  fpsr: number;
}

/** A mismatch: the case, and what differed. */
export interface FpMismatch {
  index: number;
  word: number;
  text: string;
}

const TMP = await Deno.makeTempDir({ prefix: "hvlab_fp_" });

const hex = (v: bigint | number) => "0x" + BigInt.asUintN(64, BigInt(v)).toString(16);

async function build(cases: FpCase[], tag: string): Promise<[Uint8Array, bigint, bigint]> {
  let code = ".global _start\n.text\n_start:\n";
  let data = ".data\n.p2align 4\n";
  let stubs = ".p2align 4\nstubs:\n";
  cases.forEach((c, i) => {
    code += `  adrp x9, d${i}\n  add x9, x9, :lo12:d${i}\n`;
    data += `d${i}:\n  .quad ${hex(c.fpcr)}, ${hex(c.fpsr)}, ${hex(BigInt(c.nzcv) << 28n)}, ${
      hex(c.x?.[1] ?? 0n)
    }\n`;
    code += "  ldp x10, x11, [x9]\n  msr fpcr, x10\n  msr fpsr, x11\n  ldr x10, [x9, #16]\n" +
      "  msr nzcv, x10\n";
    let off = 32;
    for (const [r, v] of c.q) {
      code += `  ldr q${r}, [x9, #${off}]\n`;
      data += `  .quad ${hex(v)}, ${hex(v >> 64n)}\n`;
      off += 16;
    }
    if (c.x) code += `  ldr x${c.x[0]}, [x9, #24]\n`;
    code += `  b s${i}\nr${i}:\n`;
    stubs += `s${i}: .inst 0x${(c.word >>> 0).toString(16)}\n  b r${i}\n`;
  });
  code += "  mov x0, #0\n  mov x8, #93\n  svc #0\n";
  const base = `${TMP}/${tag}`;
  const { elf, sym } = await linkAsm(base, code + stubs + "stubs_end:\n" + data, [
    "stubs",
    "stubs_end",
  ]);
  return [elf, sym.get("stubs")!, sym.get("stubs_end")!];
}

const q32 = (v: bigint) => v.toString(16).padStart(32, "0");

/** Runs the cases on QEMU and hvlab; returns the mismatches (empty when all agree). */
export async function runFpOracle(cases: FpCase[], tag: string): Promise<FpMismatch[]> {
  const [elf, start, end] = await build(cases, tag);
  const states = await qemuStepLog(`${TMP}/${tag}`, start, end);
  const c = new UserProcess(elf).cpu;
  const out: FpMismatch[] = [];
  for (let i = 0; i < cases.length; i++) {
    const stub = start + 8n * BigInt(i);
    const before = states[2 * i], after = states[2 * i + 1];
    const fail = (text: string) => out.push({ index: i, word: cases[i].word, text });
    if (!before || before.pc !== stub || !after || after.pc !== stub + 4n) {
      fail("QEMU did not execute the instruction (UNDEFINED there?)");
      break;
    }
    for (let r = 0; r < 32; r++) {
      c.setQ(r, before.q[r]);
      c.setX(r, before.x[r]);
    }
    c.nzcv = before.nzcv << 28;
    c.fpcr = before.fpcr;
    c.fpsr = before.fpsr;
    c.pc = stub;
    c.step();
    const d: string[] = [];
    if (c.pc !== stub + 4n) d.push(`pc ${c.pc.toString(16)} (exception?)`);
    for (let r = 0; r < 31; r++) {
      if (c.getX(r) !== after.x[r]) {
        d.push(
          `x${r}: hvlab ${hex(c.getX(r))} qemu ${hex(after.x[r])} (before ${hex(before.x[r])})`,
        );
      }
    }
    for (let r = 0; r < 32; r++) {
      const got = c.getQ(r);
      if (got !== after.q[r]) {
        d.push(`q${r}: hvlab ${q32(got)} qemu ${q32(after.q[r])} (before ${q32(before.q[r])})`);
      }
    }
    if (c.nzcv >>> 28 !== after.nzcv) d.push(`nzcv: hvlab ${c.nzcv >>> 28} qemu ${after.nzcv}`);
    if (c.fpsr >>> 0 !== after.fpsr) {
      d.push(`fpsr: hvlab ${(c.fpsr >>> 0).toString(16)} qemu ${after.fpsr.toString(16)}`);
    }
    if (d.length) fail(`fpcr=${before.fpcr.toString(16)} ${d.join("; ")}`);
  }
  for (const ext of ["", ".s", ".o", ".log"]) await Deno.remove(`${TMP}/${tag}${ext}`);
  return out;
}
