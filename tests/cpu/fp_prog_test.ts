/**
 * Compiled FP code (tests/cpu/fp_prog/fp_prog.c, GCC -O2, freestanding) prints every result and
 * the FPSR under all rounding modes, with and without FZ/DN; hvlab's output must equal
 * qemu-aarch64's byte for byte.
 */
import assert from "node:assert/strict";
import { UserProcess } from "../../core/machine/user_process.ts";

const SRC = new URL("./fp_prog/fp_prog.c", import.meta.url).pathname;

async function run(cmd: string, args: string[]): Promise<Uint8Array> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  assert.ok(out.success, `${cmd} failed: ${new TextDecoder().decode(out.stderr)}`);
  return out.stdout;
}

Deno.test("compiled FP program: hvlab output equals qemu-aarch64", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hvlab_fpprog_" });
  const elf = `${dir}/fp_prog`;
  await run("aarch64-linux-gnu-gcc", [
    "-O2",
    "-ffreestanding",
    "-nostdlib",
    "-static",
    "-fno-math-errno",
    "-o",
    elf,
    SRC,
  ]);
  const want = new TextDecoder().decode(await run("qemu-aarch64", ["-cpu", "cortex-a57", elf]));
  const p = new UserProcess(await Deno.readFile(elf));
  const end = p.run(5e7);
  await Deno.remove(dir, { recursive: true });
  assert.deepEqual(end, { kind: "exit", code: 0 });
  const got = new TextDecoder().decode(p.output());
  assert.ok(want.split("\n").length > 6000, "qemu produced the full output");
  const w = want.split("\n"), g = got.split("\n");
  const first = w.findIndex((line, i) => line !== g[i]);
  assert.equal(
    first,
    -1,
    `first difference at line ${first}:\nqemu  ${w[first]}\nhvlab ${g[first]}`,
  );
  assert.equal(got.length, want.length);
});
