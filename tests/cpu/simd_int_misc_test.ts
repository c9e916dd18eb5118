/** Two-register miscellaneous integer rows against qemu-aarch64 and objdump. */
import { SIMD_MISC } from "../../core/cpu/insn/simd_misc.ts";
import { checkDisasm, checkRows } from "./simd_int_oracle.ts";

Deno.test("simd_int misc: random encodings match qemu", async () => {
  await checkRows(SIMD_MISC, 60, 0x5eed02);
});

Deno.test("simd_int misc: disassembly matches objdump", async () => {
  await checkDisasm(SIMD_MISC, 8, 78);
});
