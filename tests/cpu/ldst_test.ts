/**
 * General-register loads and stores against qemu-aarch64: random encodings of every row, the
 * exclusive monitor (LDXR/STXR sequences), faults (unmapped, page crossing, misaligned
 * exclusives and acquire/release), LDTR/STTR at EL1, and objdump disassembly.
 */
import assert from "node:assert/strict";
import { type Case, disasmMismatches, fuzzRows, rng, runBatch, WINDOW } from "./ldst_harness.ts";
import { runAsm } from "../support/asm_oracle.ts";
import { Cpu } from "../../core/cpu/cpu.ts";
import { a64Decoder } from "../../core/cpu/decode/table.ts";
import { PhysMemory } from "../../core/mem/phys_memory.ts";
import { UserProcess } from "../../core/machine/user_process.ts";

const ROWS = [
  "LDST_uimm",
  "PRFM_uimm",
  "PRFUM",
  "LDST_imm9",
  "PRFM_reg",
  "LDST_reg",
  "LDR_lit",
  "LDRSW_lit",
  "PRFM_lit",
  "LDSTP",
  "LDSTXR",
  "LDSTXP",
  "LDAR_STLR",
];

Deno.test("ldst: random encodings of every GPR row match qemu", () => {
  assert.deepEqual(fuzzRows(ROWS, 100, 0x1d57), []);
});

Deno.test("ldst: objdump disassembly of every GPR row", () => {
  assert.deepEqual(disasmMismatches(ROWS, 150, 0x0b7d), []);
});

/** An exclusive encoding (LDXR/STXR families; `pair` for LDXP/STXP). */
function excl(
  size: number,
  pair: boolean,
  load: boolean,
  ordered: boolean,
  rs: number,
  rt2: number,
  rn: number,
  rt: number,
): number {
  return ((size << 30) | 0x08000000 | (load ? 1 << 22 : 0) | (pair ? 1 << 21 : 0) | (rs << 16) |
    (ordered ? 1 << 15 : 0) | (rt2 << 10) | (rn << 5) | rt) >>> 0;
}

Deno.test("ldst: exclusive monitor sequences match qemu", () => {
  const r = rng(0xe7c1);
  const pick = (avoid: number[]) => {
    for (;;) {
      const v = r() % 31;
      if (!avoid.includes(v)) return v;
    }
  };
  const cases: Case[] = [];
  for (let i = 0; i < 160; i++) {
    // 0 success, 1 other address, 2 neighbouring address, 3 pair, 4 second STXR. (A size
    // mismatch is IMPLEMENTATION DEFINED: hvlab fails it; QEMU 7.2 may store yet report 1.)
    const kind = i % 5;
    const pair = kind === 3;
    const size = pair ? 2 + (r() & 1) : r() & 3;
    const rn = pick([]);
    const rt = pick([rn]);
    const rt2 = pair ? pick([rn, rt]) : 31;
    const ld = excl(size, pair, true, (r() & 1) === 1, 31, rt2, rn, rt);
    let stRn = rn;
    const regs: Case["regs"] = new Map();
    let pos = 64 + (r() % (WINDOW - 256));
    pos -= pos % 16;
    regs.set(rn, { win: pos });
    if (kind === 1 || kind === 2) {
      stRn = pick([rn, rt, rt2]);
      regs.set(stRn, { win: pos + (kind === 1 ? 16 * (1 + (r() % 4)) : 1 << size) });
    }
    const st1 = pick([stRn]);
    const st2 = pair ? pick([stRn]) : 31;
    // Rs = Rt or Rs = Rn is CONSTRAINED UNPREDICTABLE; hvlab does what QEMU does (the status is
    // written after the store and the address). Not before a second STXR that needs Rn.
    const rs = kind !== 4 && r() % 4 === 0 ? pick([]) : pick([stRn, st1, st2]);
    const st = excl(size, pair, false, (r() & 1) === 1, rs, st2, stRn, st1);
    const words = [ld, st];
    if (kind === 4) words.push(excl(size, false, false, false, pick([stRn, st1]), 31, stRn, st1));
    cases.push({ words, regs });
  }
  assert.deepEqual(runBatch(cases, 0x55).mismatches, []);
});

const BUF = "adrp x1, buf\n add x1, x1, :lo12:buf\n";

Deno.test("ldst: faults match qemu and leave registers unchanged", () => {
  const snippets: [string, string][] = [
    ["movz x1, #0x10\n movz x0, #7\n ldr x0, [x1]", "SIGSEGV"],
    ["movz x1, #0x20\n ldp x2, x3, [x1, #-16]!", "SIGSEGV"],
    ["movz x1, #0x20\n str x1, [x1], #8", "SIGSEGV"],
    ["movz x1, #0x40\n movz x2, #0x8\n ldrsw x3, [x1, x2, lsl #2]", "SIGSEGV"],
    // An 8-byte load crossing from the last mapped page into an unmapped one.
    [
      "adrp x1, __oracle_stack_top\n add x1, x1, :lo12:__oracle_stack_top\n" +
      "add x1, x1, #0xfff\n and x1, x1, #0xfffffffffffff000\n sub x1, x1, #4\n ldr x1, [x1]",
      "SIGSEGV",
    ],
    [`${BUF} add x1, x1, #4\n ldxr x0, [x1]`, "SIGBUS"],
    [`${BUF} add x1, x1, #1\n ldaxrh w0, [x1]`, "SIGBUS"],
    [`${BUF} add x1, x1, #8\n ldxp x2, x3, [x1]`, "SIGBUS"],
    [`${BUF} add x1, x1, #4\n ldxp w2, w3, [x1]`, "SIGBUS"],
    [`${BUF} add x1, x1, #4\n ldar x0, [x1]`, "SIGBUS"],
    [`${BUF} add x1, x1, #1\n stlrh w0, [x1]`, "SIGBUS"],
    [`${BUF} add x1, x1, #1\n ldarb w0, [x1]\n ldxrb w2, [x1]`, "SIGTRAP"],
  ];
  for (const [s, sig] of snippets) {
    const r = runAsm(s);
    assert.equal(r.qemu.signal, sig, s);
    assert.deepEqual(r.diff, [], s);
  }
});

Deno.test("ldst: misaligned STXR faults as the Arm ARM requires (QEMU only fails it)", () => {
  // ExclusiveMonitorsPass checks alignment before the monitor; QEMU 7.2 compares the address
  // with its reservation first and reports status 1 without an access.
  const r = runAsm(`${BUF} add x1, x1, #4\n movz w0, #9\n stxr w0, x2, [x1]`);
  assert.equal(r.hvlab.signal, "SIGBUS");
  assert.equal(r.hvlab.state.x[0], 9n);
  assert.equal(r.qemu.signal, "SIGTRAP");
  assert.equal(r.qemu.state.x[0], 1n);
});

Deno.test("ldst: LDTR/STTR at EL1 go through the unprivileged slow path", () => {
  const mem = new PhysMemory();
  mem.addRam("ram", 0, 0x10000);
  const c = new Cpu({
    mem,
    io: () => ({ offset: 0, size: 4, write: false, value: 0, valueHi: 0, outcome: "unhandled" }),
    counter: () => 0,
  }, a64Decoder());
  // sttr x2, [x1, #8]; ldtr x3, [x1, #8]; ldtrsb x4, [x1, #8]; ldtrh w5, [x1, #9]
  const code = [0xf8008822, 0xf8408823, 0x38808824, 0x78409825];
  const bytes = new Uint8Array(16);
  code.forEach((w, i) => new DataView(bytes.buffer).setUint32(4 * i, w, true));
  mem.write(0x1000, bytes);
  c.setX(1, 0x2000n);
  c.setX(2, 0x1122_3344_5566_77f8n);
  c.pc = 0x1000n;
  c.run(4);
  assert.equal(c.el, 1);
  assert.equal(c.pc, 0x1010n);
  assert.equal(c.getX(3), 0x1122_3344_5566_77f8n);
  assert.equal(c.getX(4), 0xffff_ffff_ffff_fff8n);
  assert.equal(c.getX(5), 0x6677n);
});

/** A copy loop of mixed loads/stores, run as whole translated blocks (no single stepping). */
const BLOCK_PROGRAM = `
  .text
  .globl _start
_start:
  adrp x0, src
  add x0, x0, :lo12:src
  adrp x1, dst
  add x1, x1, :lo12:dst
  mov x2, #64
1:
  ldp x3, x4, [x0], #16
  stp x4, x3, [x1], #16
  ldr q0, [x0], #16
  str q0, [x1, #16]
  ld4 {v1.16b-v4.16b}, [x0], #64
  st3 {v2.16b-v4.16b}, [x1], #48
  ldrb w5, [x0, #3]
  strh w5, [x1, #2]
  ldaxr x6, [x0]
  stlxr w7, x6, [x1]
  ldxr x6, [x1]
  stxr w8, x3, [x1]
  strb w7, [x1, #8]
  strb w8, [x1, #9]
  ldrsh x9, [x0, #-5]
  str x9, [x1, #10]
  ld1r {v5.8h}, [x0]
  st1 {v5.d}[1], [x1]
  subs x2, x2, #1
  b.ne 1b
  mov x0, #1
  adrp x1, dst
  add x1, x1, :lo12:dst
  mov x2, #4200
  mov x8, #64
  svc #0
  mov x0, #0
  mov x8, #93
  svc #0
  .data
  .balign 16
src:
`;

Deno.test("ldst: a load/store loop in block mode prints what qemu prints", () => {
  const r = rng(0xb10c);
  const bytes = Array.from({ length: 6400 }, () => r() & 0xff);
  const src = `${BLOCK_PROGRAM}  .byte ${bytes.join(",")}\ndst: .space 4800\n`;
  const dir = Deno.makeTempDirSync({ prefix: "hvlab_ldst_blk_" });
  try {
    Deno.writeTextFileSync(`${dir}/p.S`, src);
    const cc = new Deno.Command("aarch64-linux-gnu-gcc", {
      args: ["-nostdlib", "-static", "-no-pie", "-o", `${dir}/p`, `${dir}/p.S`],
    }).outputSync();
    assert.ok(cc.success, new TextDecoder().decode(cc.stderr));
    const q = new Deno.Command("qemu-aarch64", { args: ["-cpu", "cortex-a57", `${dir}/p`] })
      .outputSync();
    assert.ok(q.success);
    const p = new UserProcess(Deno.readFileSync(`${dir}/p`));
    assert.deepEqual(p.run(1e6), { kind: "exit", code: 0 });
    assert.equal(q.stdout.length, 4200);
    assert.deepEqual(p.output(), q.stdout);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
