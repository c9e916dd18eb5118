import assert from "node:assert/strict";
import { Decoder } from "../../core/cpu/decode/decoder.ts";
import { A64_TABLE } from "../../core/cpu/decode/table.ts";
import { DP_REG } from "../../core/cpu/insn/dp_reg.ts";
import * as int64 from "../../core/cpu/runtime/int64.ts";
import { T } from "../../core/cpu/runtime/scratch.ts";
import {
  checkDisasmAgainstObjdump,
  checkRowsAgainstQemu,
  Rng,
} from "../support/insn_batch_oracle.ts";

Deno.test("decode table has no unintended overlaps", () => {
  assert.deepEqual(new Decoder(A64_TABLE).overlaps(), []);
});

Deno.test("DP_REG rows agree with qemu-aarch64 on random encodings and states", () => {
  const { reports } = checkRowsAgainstQemu(DP_REG, { perRow: 1000, seed: 0x5eed0001 });
  assert.deepEqual(reports, []);
});

Deno.test("DP_REG disassembly and unallocated encodings agree with objdump", () => {
  assert.deepEqual(checkDisasmAgainstObjdump(DP_REG, 2000, 0x5eed0002), []);
});

Deno.test("int64 helpers match BigInt arithmetic on edge-biased random operands", () => {
  const rng = new Rng(0x5eed0003);
  const s = (v: bigint) => BigInt.asIntN(64, v);
  const got = () => (BigInt(T[1] >>> 0) << 32n) | BigInt(T[0] >>> 0);
  const halves = (
    v: bigint,
  ): [number, number] => [Number(v & 0xffffffffn) | 0, Number(v >> 32n) | 0];
  for (let i = 0; i < 50000; i++) {
    const a = rng.value64(), b = rng.value64();
    const [aL, aH] = halves(a), [bL, bH] = halves(b);
    const m = 0xffffffffffffffffn;
    const check = (name: string, want: bigint) =>
      assert.equal(got(), want & m, `${name}(0x${a.toString(16)}, 0x${b.toString(16)})`);
    int64.mul64(aL, aH, bL, bH);
    check("mul64", a * b);
    int64.umulh(aL, aH, bL, bH);
    check("umulh", (a * b) >> 64n);
    int64.smulh(aL, aH, bL, bH);
    check("smulh", (s(a) * s(b)) >> 64n);
    int64.udiv64(aL, aH, bL, bH);
    check("udiv64", b === 0n ? 0n : a / b);
    int64.sdiv64(aL, aH, bL, bH);
    check("sdiv64", b === 0n ? 0n : BigInt.asUintN(64, s(a) / s(b)));
  }
});
