/**
 * Runs a bare-metal guest ELF on qemu-system-aarch64 -M virt (the oracle for the test guests and
 * the CPU benchmark) and returns its console output and wall time.
 */

/** Result of one QEMU run. */
export interface QemuRun {
  output: string;
  /** Wall time in milliseconds, including QEMU's start-up. */
  wallMs: number;
  code: number;
}

/** Runs `elf` with `-kernel` on QEMU virt with a Cortex-A57, console on stdio (fed `input`). */
export async function runOnQemu(
  elf: string,
  timeoutMs = 60_000,
  extra: string[] = [],
  input = "",
): Promise<QemuRun> {
  const args = [
    "-M",
    "virt",
    "-cpu",
    "cortex-a57",
    "-m",
    "128M",
    "-nographic",
    "-monitor",
    "none",
    "-serial",
    "stdio",
    ...extra,
    "-kernel",
    elf,
  ];
  const t0 = performance.now();
  const child = new Deno.Command("qemu-system-aarch64", {
    args,
    stdin: input ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (input) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(input));
    await w.close();
  }
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const r = await child.output();
  clearTimeout(timer);
  const wallMs = performance.now() - t0;
  // Latin-1, as the board's console keeps bytes as characters.
  const output = Array.from(r.stdout, (b) => String.fromCharCode(b)).join("");
  return { output, wallMs, code: r.code };
}
