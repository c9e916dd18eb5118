/** Three-different and by-element rows against qemu-aarch64 and objdump. */
import { SIMD_3DIFF } from "../../core/cpu/insn/simd_3diff.ts";
import { SIMD_ELEM } from "../../core/cpu/insn/simd_elem.ts";
import { checkDisasm, checkRows } from "./simd_int_oracle.ts";

const ROWS = [...SIMD_3DIFF, ...SIMD_ELEM];

Deno.test("simd_int 3diff/elem: random encodings match qemu", async () => {
  await checkRows(ROWS, 60, 0x5eed05);
});

Deno.test("simd_int 3diff/elem: disassembly matches objdump", async () => {
  await checkDisasm(ROWS, 8, 81);
});
