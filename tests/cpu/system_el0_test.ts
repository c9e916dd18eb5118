/**
 * EL0-visible system instructions against qemu-aarch64 (cortex-a57): hints, barriers, CLREX,
 * PSTATE/EL0 registers, DC ZVA and cache maintenance on user memory, BRK, and the encodings
 * that must be UNDEFINED at EL0 (HLT, TLBI, AT, DC IVAC/ISW, EL1 registers).
 */
import assert from "node:assert/strict";
import { runAsm } from "../support/asm_oracle.ts";

const hints = Array.from({ length: 128 }, (_, i) => `hint #${i}`)
  .filter((_, i) => i !== 2 && i !== 3) // WFE/WFI would idle the process
  .join("\n");

Deno.test("system el0: every hint but WFE/WFI is a NOP on both", () => {
  const r = runAsm(`movz x0, #1\n${hints}\n add x0, x0, #1\n`);
  assert.deepEqual(r.diff, []);
  assert.equal(r.qemu.signal, "SIGTRAP");
  assert.equal(r.hvlab.state.x[0], 2n);
});

Deno.test("system el0: barriers, CLREX and exclusives", () => {
  const r = runAsm(`adrp x0, buf\n add x0, x0, :lo12:buf\n movz x1, #7
    ldxr x2, [x0]\n clrex\n stxr w3, x1, [x0]
    dmb ish\n dsb sy\n isb\n ssbb\n pssbb\n dmb oshld\n dsb nshst
    ldxr x2, [x0]\n stxr w4, x1, [x0]\n ldr x5, [x0]\n`);
  assert.deepEqual(r.diff, []);
  assert.equal(r.hvlab.state.x[3], 1n); // CLREX cleared the monitor
  assert.equal(r.hvlab.state.x[4], 0n);
});

Deno.test("system el0: TPIDR_EL0, NZCV, FPCR, FPSR, DCZID_EL0 round trips", () => {
  const r = runAsm(`movz x0, #0x1234, lsl #16\n movk x0, #0xabcd, lsl #48
    msr tpidr_el0, x0\n mrs x1, tpidr_el0\n msr tpidr_el0, xzr\n mrs x2, tpidr_el0
    movz x3, #0xf000, lsl #16\n msr nzcv, x3\n mrs x4, nzcv
    movz x5, #0x0340, lsl #16\n msr fpcr, x5\n mrs x6, fpcr
    movz x7, #0x9f\n msr fpsr, x7\n mrs x8, fpsr\n mrs x9, dczid_el0\n mrs x10, tpidrro_el0\n`);
  assert.deepEqual(r.diff, []);
  assert.equal(r.hvlab.state.x[1], 0xabcd000012340000n);
  assert.equal(r.hvlab.state.x[9], 4n);
});

Deno.test("system el0: DC ZVA zeroes the aligned 64-byte block; maintenance by VA is allowed", () => {
  const r = runAsm(
    `adrp x0, buf\n add x0, x0, :lo12:buf\n add x1, x0, #0x55\n dc zva, x1
     dc cvau, x0\n dc cvac, x0\n dc civac, x1\n ic ivau, x0\n dsb ish\n isb\n`,
    { data: ".fill 256, 1, 0xa5" },
  );
  assert.deepEqual(r.diff, []);
  assert.deepEqual([...r.hvlab.mem.subarray(60, 132)].map((b) => b !== 0), [
    ...Array(4).fill(true),
    ...Array(64).fill(false),
    ...Array(4).fill(true),
  ]);
});

Deno.test("system el0: BRK is SIGTRAP at the BRK", () => {
  const r = runAsm("movz x0, #3\n brk #0x77\n movz x0, #4\n");
  assert.deepEqual(r.diff, []);
  assert.equal(r.hvlab.signal, "SIGTRAP");
  assert.equal(r.hvlab.state.x[0], 3n);
});

for (
  const [what, insn] of [
    ["HLT", "hlt #0"],
    ["DCPS1", ".inst 0xd4a00001"],
    ["TLBI", "tlbi vmalle1"],
    ["AT", "at s1e1r, x0"],
    ["DC IVAC", "dc ivac, x0"],
    ["DC CISW", "dc cisw, x0"],
    ["IC IALLU", "ic iallu"],
    ["MRS SCTLR_EL1", "mrs x1, sctlr_el1"],
    ["MSR TPIDR_EL1", "msr tpidr_el1, x0"],
    ["MSR SPSel", "msr spsel, #0"],
    ["MRS TPIDRRO write", "msr tpidrro_el0, x0"],
    ["SB (absent in v8.0)", ".inst 0xd50330ff"],
  ]
) {
  Deno.test(`system el0: ${what} is UNDEFINED (SIGILL)`, () => {
    const r = runAsm(`adrp x0, buf\n movz x2, #9\n ${insn}\n movz x2, #10\n`);
    assert.deepEqual(r.diff, []);
    assert.equal(r.hvlab.signal, "SIGILL");
    assert.equal(r.hvlab.state.x[2], 9n);
  });
}
