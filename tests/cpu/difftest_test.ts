import assert from "node:assert/strict";
import { A64_TABLE, a64Decoder } from "../../core/cpu/decode/table.ts";
import { Decoder } from "../../core/cpu/decode/decoder.ts";
import { generateBatch, testableRows } from "../../tools/difftest/case_gen.ts";
import { recordsEqual } from "../../core/cpu/testgen/compare.ts";
import type { EmitCtx, InsnDef } from "../../core/cpu/insn/types.ts";
import type { Fields } from "../../core/cpu/decode/pattern.ts";
import { Prng } from "../../core/cpu/testgen/prng.ts";
import { OUT, OUT_SIZE, SIG } from "../../core/cpu/testgen/test_record.ts";
import { formatMismatch, runDifftest } from "../../tools/difftest/difftest.ts";

const PER_CLASS = 800;

Deno.test("difftest: every class agrees with qemu-aarch64 on random instructions", async () => {
  const classes = [...new Set(testableRows(a64Decoder()).map((r) => r.def.cls))].sort();
  assert.ok(classes.length > 0);
  const report: string[] = [];
  for (const cls of classes) {
    const res = await runDifftest({ count: PER_CLASS, seed: 0x5eed, cls, maxReports: 3 });
    assert.equal([...res.perClass.values()].reduce((a, c) => a + c.tests, 0), PER_CLASS);
    for (const m of res.mismatches) report.push(...formatMismatch(m, 0x5eed));
    if (res.mismatchCount > 0) report.push(`${cls}: ${res.mismatchCount} mismatches`);
    // Disassembly must match objdump's, except where objdump refuses an encoding QEMU executes
    // (should-be-one fields of LDAR/STLR that the CPU ignores).
    for (const [row, d] of res.disasmDiffs) {
      if (d.objdump.startsWith(".inst")) continue;
      report.push(`disasm ${row} x${d.count}: hvlab "${d.hvlab}" objdump "${d.objdump}"`);
    }
  }
  assert.equal(report.length, 0, report.join("\n"));
});

Deno.test("difftest: a wrong row is caught and reported with its encoding", async () => {
  // ADD/SUB (immediate) that also flips bit 0 of the result register.
  const broken = A64_TABLE.map((d): InsnDef =>
    d.name !== "ADDSUB_imm" ? d : {
      ...d,
      emit: (f: Fields, e: EmitCtx) => d.emit(f, e) + `r[${2 * f.rd}]^=1;`,
    }
  );
  const res = await runDifftest({
    count: 300,
    seed: 3,
    cls: "dp_imm",
    decoder: new Decoder(broken),
    maxReports: 1000,
  });
  assert.ok((res.perRowMismatches.get("ADDSUB_imm") ?? 0) > 0);
  // Other rows mismatch only when a broken ADD/SUB ran after them in the same test.
  assert.equal(res.mismatches.length, res.mismatchCount);
  for (const m of res.mismatches) {
    const involved = m.row === "ADDSUB_imm" ||
      m.followers.some((f) => /^(add|adds|sub|subs|cmp|cmn|mov) /.test(f.objdump));
    assert.ok(involved, formatMismatch(m, 3).join("\n"));
  }
  const text = formatMismatch(res.mismatches.find((m) => m.row === "ADDSUB_imm")!, 3).join("\n");
  assert.match(text, /MISMATCH ADDSUB_imm \(dp_imm\) 0x[0-9a-f]{8}/);
  assert.match(text, /objdump: (add|sub|mov|cmp|cmn)/);
});

Deno.test("difftest: an encoding hvlab lacks but QEMU executes is caught", async () => {
  const res = await runDifftest({
    count: 400,
    seed: 4,
    cls: "unallocated",
    decoder: new Decoder(A64_TABLE.filter((d) => d.name !== "ADDSUB_imm")),
    maxReports: 50,
  });
  assert.ok(res.mismatchCount > 0);
  for (const m of res.mismatches) {
    assert.match(
      m.objdumpText,
      /^(add|adds|sub|subs|mov|cmp|cmn)\s/,
      formatMismatch(m, 4).join("\n"),
    );
    assert.match(m.diff[0], /^signal: SIG\w+ != SIGILL/);
  }
});

Deno.test("difftest: generation is deterministic per seed", () => {
  const dec = a64Decoder();
  const rows = testableRows(dec, "dp_imm");
  const a = generateBatch(dec, rows, 50, 9), b = generateBatch(dec, rows, 50, 9);
  assert.deepEqual(a.words, b.words);
  assert.deepEqual(a.records, b.records);
  assert.deepEqual(a.hvlab, b.hvlab);
  const c = generateBatch(dec, rows, 50, 10);
  assert.notDeepEqual(a.words, c.words);
  const r1 = new Prng(1), r2 = new Prng(1);
  for (let i = 0; i < 100; i++) assert.equal(r1.u32(), r2.u32());
});

Deno.test("difftest: comparison ignores fault address unless a data abort, and non-NZCV PSTATE", () => {
  const a = new Int32Array(OUT_SIZE / 4), b = new Int32Array(OUT_SIZE / 4);
  a[0] = b[0] = SIG.TRAP;
  a[OUT.fault / 4] = 0x1234;
  const ps = (OUT.state + 264) / 4;
  a[ps] = 0x60000000 | 0x3c0;
  b[ps] = 0x60000000;
  assert.ok(recordsEqual(a, b, 0));
  a[0] = b[0] = SIG.SEGV;
  assert.ok(!recordsEqual(a, b, 0));
  a[OUT.fault / 4] = 0;
  b[ps] = 0x20000000;
  assert.ok(!recordsEqual(a, b, 0));
  b[ps] = 0x60000000;
  b[(OUT.mem + 5) >> 2] = 1;
  assert.ok(!recordsEqual(a, b, 0));
});
