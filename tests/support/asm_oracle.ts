/**
 * Assembly oracle for tests: assembles a snippet with aarch64-linux-gnu-gcc, runs it on
 * qemu-aarch64 and on hvlab's UserProcess from the same initial state, and returns both final
 * states (registers + a data buffer) and their differences.
 *
 * The snippet starts with X0-X30 = 0, NZCV = 0, FPCR = FPSR = 0, V0-V31 = 0 and SP at the top of
 * a 64 KiB stack; a data buffer `buf` (default 256 zero bytes, or `opts.data` assembly) is
 * addressable with `adrp x0, buf; add x0, x0, :lo12:buf`. The run ends at the first signal: the
 * snippet is followed by `brk #0x3e8`, so a snippet that runs through ends in SIGTRAP with the PC
 * on that brk. On QEMU a signal handler (on an alternate stack) dumps the signal frame and the
 * buffer; on hvlab the PE's state is read where the exception was taken. Only the snippet runs on
 * hvlab (the prologue that installs the handler is QEMU-only).
 *
 * @example
 * ```ts
 * const r = runAsm("movz x0, #5\n add x1, x0, #3");
 * assert.deepEqual(r.diff, []);
 * assert.equal(r.hvlab.state.x[1], 8n);
 * ```
 */
import { UserProcess } from "../../core/machine/user_process.ts";
import { parseElf } from "../../core/machine/elf.ts";
import {
  type ArchState,
  diffBytes,
  diffStates,
  SIGCONTEXT,
  stateFromCpu,
  stateFromSigcontext,
  stateFromTrappedCpu,
} from "../../core/cpu/testgen/arch_state.ts";

/** Signal numbers as Linux/arm64 numbers them. */
const SIGNALS: Record<number, string> = {
  4: "SIGILL",
  5: "SIGTRAP",
  7: "SIGBUS",
  8: "SIGFPE",
  11: "SIGSEGV",
};

/** What one engine ended with. */
export interface OracleResult {
  /** "SIGTRAP" when the snippet ran through to the final brk; else the signal that stopped it. */
  signal: string;
  state: ArchState;
  /** The data buffer `buf` at the end. */
  mem: Uint8Array;
}

/** Both engines' results and their differences (empty when they agree). */
export interface OracleRun {
  qemu: OracleResult;
  hvlab: OracleResult;
  diff: string[];
}

/** Options for a run. */
export interface OracleOptions {
  /** Assembly for the data buffer (in .data, after the label `buf`); default `.space 256`. */
  data?: string;
  /** QEMU CPU model; default cortex-a57 (ARMv8.0, no SVE: its signal frame stays FPSIMD-only). */
  qemuCpu?: string;
  /** hvlab instruction budget; default 1e6. */
  maxInstructions?: number;
}

const STACK_SIZE = 65536;

// Prologue (QEMU only): sigaltstack + sigaction(SA_SIGINFO|SA_ONSTACK|SA_RESTORER) for the fatal
// signals, then a clean register state. The handler writes the sigcontext, the signal number
// and the buffer to stdout and exits.
const PROLOGUE = `
  .text
  .globl _start
_start:
  adr x0, __oracle_ss
  mov x1, #0
  mov x8, #132
  svc #0
  .irp sig, 4, 5, 7, 8, 11
  mov x0, #\\sig
  adr x1, __oracle_act
  mov x2, #0
  mov x3, #8
  mov x8, #134
  svc #0
  .endr
  movz x0, #:abs_g3:__oracle_stack_top
  movk x0, #:abs_g2_nc:__oracle_stack_top
  movk x0, #:abs_g1_nc:__oracle_stack_top
  movk x0, #:abs_g0_nc:__oracle_stack_top
  mov sp, x0
  msr nzcv, xzr
  msr fpcr, xzr
  msr fpsr, xzr
  .irp r, 0, 1, 2, 3, 4, 5, 6, 7, 8
  mov x\\r, #0
  .endr
  b __oracle_start
__oracle_handler:
  adr x9, __oracle_sig
  str x0, [x9]
  add x1, x2, #${SIGCONTEXT.inUcontext}
  mov x0, #1
  mov x2, #${SIGCONTEXT.size}
  mov x8, #64
  svc #0
  mov x0, #1
  adr x1, __oracle_sig
  mov x2, #8
  mov x8, #64
  svc #0
  mov x0, #1
  adrp x1, buf
  add x1, x1, :lo12:buf
  adrp x2, __oracle_buf_end
  add x2, x2, :lo12:__oracle_buf_end
  sub x2, x2, x1
  mov x8, #64
  svc #0
  mov x0, #0
  mov x8, #94
  svc #0
__oracle_restorer:
  mov x8, #139
  svc #0
  .data
  .balign 16
__oracle_act: .quad __oracle_handler, 0x0C000004, __oracle_restorer, 0
__oracle_ss: .quad __oracle_altstack, 0, ${STACK_SIZE}
__oracle_sig: .quad 0
  .bss
  .balign 16
__oracle_altstack: .space ${STACK_SIZE}
__oracle_stack: .space ${STACK_SIZE}
__oracle_stack_top:
  .text
  .balign 4
__oracle_start:
`;

/** Assembles `snippet` into a static ELF (bytes). Throws with the assembler's message. */
export function assembleSnippet(snippet: string, opts: OracleOptions = {}): Uint8Array {
  const dir = Deno.makeTempDirSync({ prefix: "hvlab_asm_" });
  try {
    const src = PROLOGUE + snippet + `
  .text
__oracle_end:
  brk #0x3e8
  .data
  .balign 64
buf:
${opts.data ?? "  .space 256"}
__oracle_buf_end:
`;
    Deno.writeTextFileSync(`${dir}/t.S`, src);
    const r = new Deno.Command("aarch64-linux-gnu-gcc", {
      args: ["-nostdlib", "-static", "-no-pie", "-o", `${dir}/t`, `${dir}/t.S`],
      stderr: "piped",
      stdout: "piped",
    }).outputSync();
    if (!r.success) {
      throw new Error(`assembling snippet failed:\n${new TextDecoder().decode(r.stderr)}`);
    }
    return Deno.readFileSync(`${dir}/t`);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

/** Runs an assembled oracle ELF on qemu-aarch64. */
export function runOnQemu(elf: Uint8Array, cpu = "cortex-a57"): OracleResult {
  const dir = Deno.makeTempDirSync({ prefix: "hvlab_qemu_" });
  try {
    Deno.writeFileSync(`${dir}/t`, elf, { mode: 0o755 });
    const r = new Deno.Command("qemu-aarch64", {
      args: ["-cpu", cpu, `${dir}/t`],
      stdout: "piped",
      stderr: "piped",
    }).outputSync();
    const out = r.stdout;
    const n = SIGCONTEXT.size;
    if (!r.success || out.length < n + 8) {
      throw new Error(
        `qemu-aarch64 produced no state (exit ${r.code}, ${out.length} bytes): ` +
          new TextDecoder().decode(r.stderr),
      );
    }
    const sig = new DataView(out.buffer, out.byteOffset + n, 8).getUint32(0, true);
    return {
      signal: SIGNALS[sig] ?? `signal ${sig}`,
      state: stateFromSigcontext(out.subarray(0, n)),
      mem: out.slice(n + 8),
    };
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

/** Runs the snippet part of an oracle ELF on hvlab at EL0, from the same initial state as QEMU. */
export function runOnHvlab(elf: Uint8Array, maxInstructions = 1e6): OracleResult {
  const sym = parseElf(elf).symbols;
  const need = (s: string): bigint => {
    const v = sym.get(s);
    if (v === undefined) throw new Error(`oracle ELF lacks symbol ${s}`);
    return v;
  };
  const p = new UserProcess(elf);
  const c = p.cpu;
  c.setX(31, need("__oracle_stack_top"));
  c.pc = need("__oracle_start");
  // Stop with a breakpoint before the final brk, so the result does not depend on hvlab's BRK.
  c.breakpoints.add(need("__oracle_end"));
  let signal = "SIGTRAP";
  let state: ArchState;
  try {
    const end = p.run(maxInstructions);
    if (end.kind !== "signal") {
      throw new Error(`hvlab: snippet did not stop at a signal (${end.kind})`);
    }
    signal = end.signal;
    state = stateFromTrappedCpu(c);
  } catch (e) {
    // UserProcess does not know breakpoints: it throws on that exit, the PE is stopped before it.
    if (c.exit.kind !== "breakpoint") throw e;
    state = stateFromCpu(c);
  }
  const buf = Number(need("buf"));
  return { signal, state, mem: p.mem.read(buf, Number(need("__oracle_buf_end")) - buf) };
}

/** Assembles `snippet`, runs it on both engines, and compares signal, registers and buffer. */
export function runAsm(snippet: string, opts: OracleOptions = {}): OracleRun {
  const elf = assembleSnippet(snippet, opts);
  const qemu = runOnQemu(elf, opts.qemuCpu);
  const hvlab = runOnHvlab(elf, opts.maxInstructions);
  const diff: string[] = [];
  if (qemu.signal !== hvlab.signal) diff.push(`signal: ${qemu.signal} != ${hvlab.signal}`);
  diff.push(...diffStates(qemu.state, hvlab.state), ...diffBytes(qemu.mem, hvlab.mem));
  return { qemu, hvlab, diff };
}
