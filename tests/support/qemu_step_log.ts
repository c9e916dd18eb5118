/**
 * Oracle plumbing shared by the instruction tests: assemble and link a static AArch64 program,
 * run it under `qemu-aarch64 -cpu cortex-a57 -singlestep -d cpu,fpu,nochain` restricted to an
 * address range, and parse the register state QEMU logs before each instruction there.
 */

/** Register state as QEMU logs it before an instruction. `x[31]` is SP. */
export interface QemuStepState {
  pc: bigint;
  x: bigint[];
  nzcv: number;
  fpcr: number;
  fpsr: number;
  q: bigint[];
}

/** Runs a tool; throws with its stderr when it fails. */
async function exec(cmd: string, args: string[]): Promise<string> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  if (!out.success) throw new Error(`${cmd} failed: ${new TextDecoder().decode(out.stderr)}`);
  return new TextDecoder().decode(out.stdout);
}

/**
 * Assembles `src` into the static executable `base` (with base.s and base.o beside it) and
 * returns its bytes and the addresses of the text symbols `names`.
 */
export async function linkAsm(
  base: string,
  src: string,
  names: string[],
): Promise<{ elf: Uint8Array; sym: Map<string, bigint> }> {
  await Deno.writeTextFile(`${base}.s`, src);
  await exec("aarch64-linux-gnu-as", [`${base}.s`, "-o", `${base}.o`]);
  await exec("aarch64-linux-gnu-ld", ["-static", `${base}.o`, "-o", base]);
  const syms = await exec("aarch64-linux-gnu-nm", [base]);
  const sym = new Map<string, bigint>();
  for (const n of names) {
    const m = new RegExp(`^([0-9a-f]+) t ${n}$`, "m").exec(syms);
    if (!m) throw new Error(`symbol ${n} not found in ${base}`);
    sym.set(n, BigInt("0x" + m[1]));
  }
  return { elf: await Deno.readFile(base), sym };
}

/** Runs `prog` single-stepped under QEMU, logging only PCs in [start, end); returns the states. */
export async function qemuStepLog(
  prog: string,
  start: bigint,
  end: bigint,
): Promise<QemuStepState[]> {
  const log = `${prog}.log`;
  await new Deno.Command("qemu-aarch64", {
    args: [
      "-cpu",
      "cortex-a57",
      "-singlestep",
      "-d",
      "cpu,fpu,nochain",
      "-dfilter",
      `0x${start.toString(16)}..0x${(end - 1n).toString(16)}`,
      "-D",
      log,
      prog,
    ],
  }).output();
  return parseQemuStepLog(await Deno.readTextFile(log));
}

/** Parses a `-d cpu,fpu` log into one state per logged instruction. */
export function parseQemuStepLog(text: string): QemuStepState[] {
  const out: QemuStepState[] = [];
  for (const entry of text.split(/^ PC=/m).slice(1)) {
    const q: bigint[] = new Array(32).fill(0n);
    for (const m of entry.matchAll(/Q(\d\d)=([0-9a-f]{16}):([0-9a-f]{16})/g)) {
      q[Number(m[1])] = BigInt("0x" + m[2] + m[3]);
    }
    const x: bigint[] = new Array(32).fill(0n);
    for (const m of entry.matchAll(/X(\d\d)=([0-9a-f]{16})/g)) {
      x[Number(m[1])] = BigInt("0x" + m[2]);
    }
    x[31] = BigInt("0x" + /SP=([0-9a-f]{16})/.exec(entry)![1]);
    out.push({
      pc: BigInt("0x" + entry.slice(0, 16)),
      x,
      nzcv: parseInt(/PSTATE=([0-9a-f]+)/.exec(entry)![1], 16) >>> 28,
      fpcr: parseInt(/FPCR=([0-9a-f]+)/.exec(entry)![1], 16),
      fpsr: parseInt(/FPSR=([0-9a-f]+)/.exec(entry)![1], 16),
      q,
    });
  }
  return out;
}
