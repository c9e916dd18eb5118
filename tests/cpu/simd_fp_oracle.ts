/**
 * Differential harness for the Advanced SIMD floating-point rows: each case loads chosen V
 * registers, FPCR and FPSR, then calls a stub holding the instruction under test. qemu-aarch64
 * (-cpu cortex-a57, an ARMv8.0 core without FP16) logs the state before the instruction and
 * before the stub's `ret`; hvlab runs the same instruction from the logged "before" state and its
 * V registers and FPSR must equal the logged "after" state.
 */
import { linkAsm, qemuStepLog, type QemuStepState } from "../support/qemu_step_log.ts";
import { UserProcess } from "../../core/machine/user_process.ts";

/** One test case: an encoding, register contents (128-bit) by number, FPCR and initial FPSR. */
export interface OracleCase {
  word: number;
  regs: Map<number, bigint>;
  fpcr: number;
  fpsr: number;
}

/** Architectural state logged by QEMU that these tests compare. */
export type LoggedState = QemuStepState;

/** Result of running a batch: per case, the mismatch text (empty when equal). */
export interface OracleResult {
  mismatches: { index: number; word: number; text: string }[];
  compared: number;
}

const TMP = await Deno.makeTempDir({ prefix: "hvlab_simd_fp_" });

const hex64 = (v: bigint) => "0x" + BigInt.asUintN(64, v).toString(16);

/** Builds the test program; returns its ELF bytes and the stub region [start, end). */
async function build(cases: OracleCase[], tag: string): Promise<[Uint8Array, bigint, bigint]> {
  let code = ".global _start\n.text\n_start:\n  adrp x9, data\n  add x9, x9, :lo12:data\n";
  let data = ".data\n.p2align 4\ndata:\n";
  let stubs = ".p2align 4\nstubs:\n";
  cases.forEach((c, i) => {
    for (const [r, v] of c.regs) {
      code += `  ldr q${r}, [x9], #16\n`;
      data += `  .quad ${hex64(v)}, ${hex64(v >> 64n)}\n`;
    }
    code += "  ldp x10, x11, [x9], #16\n  msr fpcr, x10\n  msr fpsr, x11\n";
    data += `  .quad ${hex64(BigInt(c.fpcr >>> 0))}, ${hex64(BigInt(c.fpsr >>> 0))}\n`;
    code += `  bl s${i}\n`;
    stubs += `s${i}: .inst 0x${(c.word >>> 0).toString(16)}\n  ret\n`;
  });
  code += "  mov x0, #0\n  mov x8, #93\n  svc #0\n";
  const src = code + stubs + "stubs_end:\n" + data;
  const base = `${TMP}/${tag}`;
  const { elf, sym } = await linkAsm(base, src, ["stubs", "stubs_end"]);
  return [elf, sym.get("stubs")!, sym.get("stubs_end")!];
}

/** Runs `cases` on QEMU and on hvlab and compares V registers and FPSR after each instruction. */
export async function runOracle(cases: OracleCase[], tag: string): Promise<OracleResult> {
  const [elf, start, end] = await build(cases, tag);
  const states = await qemuStepLog(`${TMP}/${tag}`, start, end);
  const proc = new UserProcess(elf);
  const c = proc.cpu;
  const result: OracleResult = { mismatches: [], compared: 0 };
  const fail = (index: number, text: string) =>
    result.mismatches.push({ index, word: cases[index].word, text });
  for (let i = 0; i < cases.length; i++) {
    const stub = start + 8n * BigInt(i);
    const before = states[2 * i], after = states[2 * i + 1];
    if (!before || before.pc !== stub || !after || after.pc !== stub + 4n) {
      fail(i, "QEMU did not execute the instruction (UNDEFINED there?)");
      break;
    }
    for (let r = 0; r < 32; r++) c.setQ(r, before.q[r]);
    c.fpcr = before.fpcr;
    c.fpsr = before.fpsr;
    c.pc = stub;
    c.step();
    result.compared++;
    const diffs: string[] = [];
    if (c.pc !== stub + 4n) diffs.push(`pc ${c.pc.toString(16)} (exception?)`);
    for (let r = 0; r < 32; r++) {
      const got = c.getQ(r);
      if (got !== after.q[r]) {
        diffs.push(
          `q${r}: hvlab ${got.toString(16).padStart(32, "0")} qemu ${
            after.q[r].toString(16).padStart(32, "0")
          } (before ${before.q[r].toString(16).padStart(32, "0")})`,
        );
      }
    }
    if ((c.fpsr >>> 0) !== after.fpsr) {
      diffs.push(`fpsr: hvlab ${(c.fpsr >>> 0).toString(16)} qemu ${after.fpsr.toString(16)}`);
    }
    if (diffs.length) fail(i, `fpcr=${before.fpcr.toString(16)} ${diffs.join("; ")}`);
  }
  return result;
}
