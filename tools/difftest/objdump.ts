/**
 * aarch64-linux-gnu-objdump as a disassembly oracle for single encodings: text per word, as
 * objdump prints it (mnemonic and operands, tabs turned into single spaces).
 */

/** objdump's text for each word of `words` placed at `vma` onwards (4 bytes apart). */
export function objdumpWords(words: readonly number[], vma = 0): string[] {
  if (words.length === 0) return [];
  const dir = Deno.makeTempDirSync({ prefix: "hvlab_objdump_" });
  try {
    const b = new Uint8Array(words.length * 4);
    const dv = new DataView(b.buffer);
    words.forEach((w, i) => dv.setUint32(4 * i, w >>> 0, true));
    Deno.writeFileSync(`${dir}/w.bin`, b);
    const r = new Deno.Command("aarch64-linux-gnu-objdump", {
      args: [
        "-D",
        "-b",
        "binary",
        "-m",
        "aarch64",
        `--adjust-vma=0x${vma.toString(16)}`,
        `${dir}/w.bin`,
      ],
      stdout: "piped",
      stderr: "piped",
    }).outputSync();
    if (!r.success) throw new Error(`objdump failed: ${new TextDecoder().decode(r.stderr)}`);
    const out = words.map(() => "?");
    for (const line of new TextDecoder().decode(r.stdout).split("\n")) {
      const m = /^\s*([0-9a-f]+):\t[0-9a-f]{8}\s+\t?(.*)$/.exec(line);
      if (!m) continue;
      const i = (parseInt(m[1], 16) - vma) / 4;
      if (i >= 0 && i < out.length) out[i] = m[2].replace(/\t/g, " ").trim();
    }
    return out;
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}
