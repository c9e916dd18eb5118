/**
 * End to end: a freestanding guest of NEON intrinsics and auto-vectorised loops (GCC -O3),
 * built at test time, prints the same checksums on hvlab's UserProcess as on qemu-aarch64.
 */
import { equal } from "node:assert/strict";
import { UserProcess } from "../../core/machine/user_process.ts";

async function run(cmd: string, args: string[]): Promise<string> {
  const o = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  if (!o.success) throw new Error(`${cmd} failed: ${new TextDecoder().decode(o.stderr)}`);
  return new TextDecoder().decode(o.stdout);
}

Deno.test("simd_int guest: intrinsics and vectorised loops print what qemu prints", async () => {
  const dir = await Deno.makeTempDir({ prefix: "simd_int_guest_" });
  try {
    const src = new URL("./simd_int_guest.c", import.meta.url).pathname;
    await run("aarch64-linux-gnu-gcc", [
      "-O3",
      "-static",
      "-nostdlib",
      "-ffreestanding",
      "-fno-stack-protector",
      "-o",
      `${dir}/g`,
      src,
    ]);
    const want = await run("qemu-aarch64", [`${dir}/g`]);
    const p = new UserProcess(await Deno.readFile(`${dir}/g`));
    const end = p.run(1e7);
    equal(end.kind, "exit", JSON.stringify(end, (_k, v) => typeof v === "bigint" ? `${v}` : v));
    equal(new TextDecoder().decode(new Uint8Array(p.stdout)), want);
    equal(want.split("\n").length, 6);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
