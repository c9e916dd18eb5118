/**
 * The Advanced SIMD FP rows composed into translated blocks: straight-line programs of random
 * SIMD_FP instructions run on hvlab's block engine (UserProcess.run) and on qemu-aarch64, and the
 * final V registers and FPSR must agree. Complements the per-instruction oracle, which steps.
 */
import assert from "node:assert/strict";
import { UserProcess } from "../../core/machine/user_process.ts";
import { randFpcr, randomWords, randReg, Rng } from "./simd_fp_gen.ts";

const PROGRAMS = 24, LENGTH = 48;

async function exec(cmd: string, args: string[]): Promise<string> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  if (!out.success) throw new Error(`${cmd} failed: ${new TextDecoder().decode(out.stderr)}`);
  return new TextDecoder().decode(out.stdout);
}

const hex64 = (v: bigint) => "0x" + BigInt.asUintN(64, v).toString(16);

Deno.test("simd_fp: random instruction blocks match qemu-aarch64", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hvlab_simd_fp_block_" });
  const g = new Rng(0xb10c);
  const pool = randomWords(g, 8).map((w) => w.word);
  const bad: string[] = [];
  for (let p = 0; p < PROGRAMS; p++) {
    const regs = Array.from({ length: 32 }, () => randReg(g, g.pick(["f32", "f64", "i32"])));
    let src = ".global _start\n_start:\n  adrp x9, data\n  add x9, x9, :lo12:data\n";
    for (let r = 0; r < 32; r += 2) src += `  ldp q${r}, q${r + 1}, [x9], #32\n`;
    src += "  ldp x10, x11, [x9]\n  msr fpcr, x10\n  msr fpsr, x11\n";
    for (let i = 0; i < LENGTH; i++) src += `  .inst 0x${g.pick(pool).toString(16)}\n`;
    src += "end:\n  mov x0, #0\n  mov x8, #93\n  svc #0\n.data\n.p2align 4\ndata:\n";
    for (const v of regs) src += `  .quad ${hex64(v)}, ${hex64(v >> 64n)}\n`;
    src += `  .quad ${randFpcr(g)}, 0\n`;
    await Deno.writeTextFile(`${dir}/p.s`, src);
    await exec("aarch64-linux-gnu-as", [`${dir}/p.s`, "-o", `${dir}/p.o`]);
    await exec("aarch64-linux-gnu-ld", ["-static", `${dir}/p.o`, "-o", `${dir}/p`]);
    const end = /^([0-9a-f]+) t end$/m.exec(await exec("aarch64-linux-gnu-nm", [`${dir}/p`]))![1];
    await exec("qemu-aarch64", [
      "-cpu",
      "cortex-a57",
      "-d",
      "cpu,fpu,nochain",
      "-singlestep",
      "-dfilter",
      `0x${end}+4`,
      "-D",
      `${dir}/log`,
      `${dir}/p`,
    ]);
    const log = await Deno.readTextFile(`${dir}/log`);
    const proc = new UserProcess(await Deno.readFile(`${dir}/p`));
    const r = proc.run(10_000);
    assert.equal(r.kind, "exit", `program ${p}: ${JSON.stringify(r, (_, v) => String(v))}`);
    const c = proc.cpu;
    const qs = [...log.matchAll(/Q(\d\d)=([0-9a-f]{16}):([0-9a-f]{16})/g)];
    assert.equal(qs.length, 32, `program ${p}: QEMU logged no state at the end`);
    for (const m of qs) {
      const want = BigInt("0x" + m[2] + m[3]), got = c.getQ(Number(m[1]));
      if (got !== want) {
        bad.push(`program ${p} q${m[1]}: hvlab ${got.toString(16)} qemu ${want.toString(16)}`);
      }
    }
    const fpsr = parseInt(/FPSR=([0-9a-f]+)/.exec(log)![1], 16);
    if ((c.fpsr >>> 0) !== fpsr) {
      bad.push(`program ${p} fpsr: hvlab ${(c.fpsr >>> 0).toString(16)} qemu ${fpsr.toString(16)}`);
    }
  }
  await Deno.remove(dir, { recursive: true });
  assert.deepEqual(bad, []);
});
