/**
 * Self-hosted debug: the debug registers Linux touches (OS lock, DCC, claim tags, ID_AA64DFR0),
 * and hardware breakpoints, watchpoints and software step raising the Arm ARM's exceptions.
 */
import assert from "node:assert/strict";
import { BarePe, CODE, DATA } from "./system_harness.ts";

Deno.test("debug registers: OS lock, DCC without a debugger, claim tags, no PMU", () => {
  const pe = new BarePe(`mrs x0, oslsr_el1\n msr oslar_el1, xzr\n mrs x1, oslsr_el1
    mrs x2, mdccsr_el0\n movz x3, #0x41\n msr dbgdtrtx_el0, x3\n mrs x4, mdccsr_el0
    mrs x5, dbgdtrrx_el0\n movz x6, #5\n msr dbgclaimset_el1, x6\n mrs x7, dbgclaimclr_el1
    mrs x8, dbgclaimset_el1\n mrs x9, id_aa64dfr0_el1\n mrs x10, dbgauthstatus_el1\n hvc #1`);
  assert.equal(pe.run().kind, "hvc");
  const x = (n: number) => pe.cpu.getX(n);
  assert.deepEqual([x(0), x(1)], [0xan, 0x8n], "OSLK set at reset, cleared by OSLAR");
  assert.deepEqual([x(2), x(4), x(5)], [0n, 1n << 29n, 0n], "TX stays full, RX never fills");
  assert.deepEqual([x(7), x(8)], [5n, 0xffn]);
  assert.equal((x(9) >> 8n) & 0xfn, 0n, "PMUVer 0");
  assert.equal(x(9) & 0xfn, 6n, "DebugVer v8.0");
});

/** Unlocks the OS lock and enables MDE and KDE with PSTATE.D clear. */
const ENABLE =
  `msr oslar_el1, xzr\n movz x9, #0xa000\n msr mdscr_el1, x9\n msr daifclr, #8\n isb\n`;

Deno.test("debug: a hardware breakpoint at EL1 raises EC 0x31 at its address", () => {
  const pe = new BarePe(`${ENABLE} adr x1, target\n msr dbgbvr0_el1, x1
    movz x2, #((0xf << 5) | (3 << 1) | 1)\n msr dbgbcr0_el1, x2\n isb\n nop
    target: nop\n hvc #1`);
  const x = pe.run();
  assert.equal(x.imm, 0x104);
  const target = BigInt(CODE + 4 * 11);
  assert.deepEqual([pe.el1.ec, pe.el1.iss, pe.el1.elr], [0x31, 0x22, target]);
  // With PSTATE.D set (as on exception entry) the breakpoint does not fire at EL1.
  pe.cpu.pc = target;
  assert.equal(pe.cpu.daif & 8, 8);
  assert.equal(pe.run().imm, 1);
});

Deno.test("debug: an EL0 store watchpoint raises EC 0x34 with WnR and the FAR", () => {
  const buf = DATA + 0x40;
  const pe = new BarePe(`${ENABLE} movz x1, #0x${(buf >>> 16).toString(16)}, lsl #16
    movk x1, #0x${(buf & 0xffff).toString(16)}\n msr dbgwvr0_el1, x1
    movz x2, #((0xf0 << 5) | (2 << 3) | (2 << 1) | 1)\n msr dbgwcr0_el1, x2\n isb
    adr x0, el0\n msr elr_el1, x0\n msr spsr_el1, xzr\n eret
    el0: ldr x3, [x1, #4]\n str x3, [x1]\n str x3, [x1, #2]\n svc #0`);
  const x = pe.run();
  assert.equal(x.imm, 0x108);
  assert.deepEqual([pe.el1.ec, pe.el1.iss, pe.el1.far], [0x34, 0x62, BigInt(buf)]);
});

Deno.test("debug: software step runs one EL0 instruction, then EC 0x32 before the next", () => {
  const pe = new BarePe(`msr oslar_el1, xzr\n movz x9, #1\n msr mdscr_el1, x9\n isb
    adr x0, el0\n msr elr_el1, x0\n movz x1, #0x20, lsl #16\n msr spsr_el1, x1\n eret
    el0: movz x5, #7\n movz x6, #8\n svc #0`);
  const x = pe.run();
  assert.equal(x.imm, 0x108);
  assert.deepEqual([pe.el1.ec, pe.el1.iss], [0x32, (1 << 24) | 0x22]);
  assert.equal(pe.el1.elr, BigInt(CODE + 4 * 10), "ELR: the instruction after the stepped one");
  assert.deepEqual([pe.cpu.getX(5), pe.cpu.getX(6)], [7n, 0n]);
  assert.equal(Number(pe.cpu.sysregs.get("SPSR_EL1")) & (1 << 21), 0, "SPSR.SS = 0");
});
