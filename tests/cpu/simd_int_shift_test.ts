/** Shift-by-immediate rows against qemu-aarch64 and objdump. */
import { SIMD_SHIFT } from "../../core/cpu/insn/simd_shift.ts";
import { checkDisasm, checkRows } from "./simd_int_oracle.ts";

Deno.test("simd_int shift: random encodings match qemu", async () => {
  await checkRows(SIMD_SHIFT, 60, 0x5eed03);
});

Deno.test("simd_int shift: disassembly matches objdump", async () => {
  await checkDisasm(SIMD_SHIFT, 8, 79);
});
