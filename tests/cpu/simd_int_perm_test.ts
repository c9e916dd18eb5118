/** Permute and across-lanes rows against qemu-aarch64 and objdump. */
import { SIMD_PERM } from "../../core/cpu/insn/simd_perm.ts";
import { SIMD_ACROSS } from "../../core/cpu/insn/simd_across.ts";
import { checkDisasm, checkRows } from "./simd_int_oracle.ts";

const ROWS = [...SIMD_PERM, ...SIMD_ACROSS];

Deno.test("simd_int perm/across: random encodings match qemu", async () => {
  await checkRows(ROWS, 80, 0x5eed04);
});

Deno.test("simd_int perm/across: disassembly matches objdump", async () => {
  await checkDisasm(ROWS, 12, 80);
});
