/**
 * Compares the differential tester's output records from QEMU and hvlab, and explains a mismatch
 * field by field (signal, fault address, registers, flags, FP status, vectors, data buffer).
 */
import { diffBytes, diffStates } from "./arch_state.ts";
import { BUF_SIZE, IN, OUT, OUT_SIZE, recordState, SIG, SIG_HVLAB_ERROR } from "./test_record.ts";

const SIG_NAMES: Record<number, string> = {
  [SIG.ILL]: "SIGILL",
  [SIG.TRAP]: "SIGTRAP",
  [SIG.BUS]: "SIGBUS",
  [SIG.FPE]: "SIGFPE",
  [SIG.SEGV]: "SIGSEGV",
  [SIG_HVLAB_ERROR]: "hvlab error",
};

/** Name of a recorded signal number. */
export function signalName(n: number): string {
  return SIG_NAMES[n] ?? `signal ${n}`;
}

// Words of an output record that are compared only under conditions (see recordsEqual).
const W_FAULT = OUT.fault / 4;
const W_PSTATE = (OUT.state + IN.pstate) / 4;

/** True when output record `i` of `a` and of `b` agree. */
export function recordsEqual(a: Int32Array, b: Int32Array, i: number): boolean {
  const o = (i * OUT_SIZE) / 4;
  const sig = a[o];
  if (sig !== b[o]) return false;
  const faults = sig === SIG.SEGV || sig === SIG.BUS;
  for (let k = 2; k < OUT_SIZE / 4; k++) {
    let x = a[o + k], y = b[o + k];
    if (k === W_FAULT || k === W_FAULT + 1) {
      if (!faults) continue;
    } else if (k === W_PSTATE) {
      // Only NZCV of PSTATE is architecturally visible to EL0 here.
      x &= 0xf0000000;
      y &= 0xf0000000;
    } else if (k === W_PSTATE + 1) continue;
    if (x !== y) return false;
  }
  return true;
}

/** Lines describing how record `i` differs: "qemu != hvlab" per field. */
export function explainMismatch(qemu: Uint8Array, hvlab: Uint8Array, i: number): string[] {
  const o = i * OUT_SIZE;
  const dq = new DataView(qemu.buffer, qemu.byteOffset + o);
  const dh = new DataView(hvlab.buffer, hvlab.byteOffset + o);
  const out: string[] = [];
  const sq = dq.getUint32(OUT.signal, true), sh = dh.getUint32(OUT.signal, true);
  if (sq !== sh) out.push(`signal: ${signalName(sq)} != ${signalName(sh)}`);
  if (sq === sh && (sq === SIG.SEGV || sq === SIG.BUS)) {
    const fq = dq.getBigUint64(OUT.fault, true), fh = dh.getBigUint64(OUT.fault, true);
    if (fq !== fh) out.push(`fault address: 0x${fq.toString(16)} != 0x${fh.toString(16)}`);
  }
  out.push(...diffStates(recordState(qemu, o + OUT.state), recordState(hvlab, o + OUT.state)));
  out.push(
    ...diffBytes(
      qemu.subarray(o + OUT.mem, o + OUT.mem + BUF_SIZE),
      hvlab.subarray(o + OUT.mem, o + OUT.mem + BUF_SIZE),
    ),
  );
  return out;
}
