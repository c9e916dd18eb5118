/** Copies, modified immediates, three-same and bitwise rows against qemu-aarch64 and objdump. */
import { SIMD_COPY } from "../../core/cpu/insn/simd_copy.ts";
import { SIMD_MODIMM } from "../../core/cpu/insn/simd_modimm.ts";
import { SIMD_3SAME } from "../../core/cpu/insn/simd_3same.ts";
import { checkDisasm, checkRows } from "./simd_int_oracle.ts";

const ROWS = [...SIMD_COPY, ...SIMD_MODIMM, ...SIMD_3SAME];

Deno.test("simd_int copy/modimm/3same: random encodings match qemu", async () => {
  await checkRows(ROWS, 40, 0x5eed01);
});

Deno.test("simd_int copy/modimm/3same: disassembly matches objdump", async () => {
  await checkDisasm(ROWS, 6, 77);
});
