/** System instruction rows: no overlaps, and disassembly identical to aarch64-linux-gnu-objdump. */
import assert from "node:assert/strict";
import { Decoder } from "../../core/cpu/decode/decoder.ts";
import { A64_TABLE } from "../../core/cpu/decode/table.ts";
import { SYSTEM } from "../../core/cpu/insn/system.ts";
import { SYSREG_TABLE } from "../../core/cpu/sysreg/table.ts";
import { SYS_OPS } from "../../core/cpu/sysreg/sys_ops.ts";

/** objdump's text for each word (mnemonic and operands, tab separated as objdump prints). */
async function objdump(words: number[]): Promise<string[]> {
  const dir = await Deno.makeTempDir({ prefix: "hvlab_sys_" });
  const src = words.map((w) => `.inst 0x${(w >>> 0).toString(16)}`).join("\n") + "\n";
  await Deno.writeTextFile(`${dir}/a.s`, src);
  const as = await new Deno.Command("aarch64-linux-gnu-as", {
    args: [`${dir}/a.s`, "-o", `${dir}/a.o`],
  }).output();
  assert.ok(as.success, new TextDecoder().decode(as.stderr));
  const od = await new Deno.Command("aarch64-linux-gnu-objdump", { args: ["-d", `${dir}/a.o`] })
    .output();
  await Deno.remove(dir, { recursive: true });
  return new TextDecoder().decode(od.stdout).split("\n")
    .filter((l) => /^\s+[0-9a-f]+:\t/.test(l))
    .map((l) => l.split("\t").slice(2).join("\t").trim());
}

function sysWords(): number[] {
  const ws: number[] = [];
  // Exception generation.
  for (const imm of [0, 1, 0x10, 0xf000, 0xffff]) {
    ws.push(0xd4200000 | (imm << 5), 0xd4400000 | (imm << 5));
    for (let ll = 1; ll <= 3; ll++) ws.push(0xd4a00000 | (imm << 5) | ll);
  }
  for (let i = 0; i < 128; i++) ws.push(0xd503201f | (i << 5));
  for (let crm = 0; crm < 16; crm++) {
    for (const op2 of [2, 4, 5, 6]) ws.push(0xd503301f | (crm << 8) | (op2 << 5));
  }
  for (let crm = 0; crm < 16; crm++) {
    ws.push(0xd50040bf | (crm << 8), 0xd50340df | (crm << 8), 0xd50340ff | (crm << 8));
  }
  SYSREG_TABLE.forEach((r, k) => {
    const { op0, op1, crn, crm, op2 } = r.enc;
    const enc = ((op0 - 2) << 19) | (op1 << 16) | (crn << 12) | (crm << 8) | (op2 << 5);
    const rt = k % 32;
    if (!r.wo) ws.push((0xd5300000 | enc | rt) >>> 0);
    if (!r.ro) ws.push((0xd5100000 | enc | rt) >>> 0);
  });
  for (const o of SYS_OPS) {
    const enc = (o.op1 << 16) | (o.crn << 12) | (o.crm << 8) | (o.op2 << 5);
    ws.push((0xd5080000 | enc | 31) >>> 0, (0xd5080000 | enc | 3) >>> 0);
  }
  return ws;
}

Deno.test("system: rows do not overlap each other or the table", () => {
  assert.deepEqual(new Decoder(SYSTEM).overlaps(), []);
  const mine = new Set(SYSTEM.map((r) => r.name));
  const withSystem = new Decoder(A64_TABLE).overlaps().filter((p) => p.some((n) => mine.has(n)));
  assert.deepEqual(withSystem, []);
});

Deno.test("system: disassembly matches objdump", async () => {
  const ws = sysWords();
  const ref = await objdump(ws);
  assert.equal(ref.length, ws.length);
  const dec = new Decoder(SYSTEM);
  const bad: string[] = [];
  ws.forEach((w, i) => {
    const d = dec.decode(w);
    if (!d) {
      // Encodings we leave UNDEFINED must be ones v8.0 lacks (objdump may still name them).
      if (
        !/^(sb|tcommit|\.inst|msr\t(s0|uao|pan|dit|ssbs|tco)|cfinv|xaflag|axflag|dsb\t\w+nxs)/.test(
          ref[i],
        )
      ) {
        bad.push(`${w.toString(16)}: undecoded, objdump "${ref[i]}"`);
      }
      return;
    }
    const got = d.row.def.disasm(d.fields, 0n);
    if (got !== ref[i]) bad.push(`${w.toString(16)}: "${got}" != "${ref[i]}"`);
  });
  assert.deepEqual(bad, []);
});
