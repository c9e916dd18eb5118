/**
 * Generic timer: counters (CNTVOFF_EL2 offset, the MRS fast path), TVAL/CVAL/CTL with ISTATUS
 * and output levels, CNTKCTL_EL1 rules for EL0, CNTHCTL_EL2 traps of the physical timer.
 */
import assert from "node:assert/strict";
import { BarePe } from "./system_harness.ts";
import { HCR } from "../../core/cpu/el2.ts";

const el2 = (cntvoff: number, cnthctl?: number) => ({
  hcr: HCR.VM & 0n,
  tfp: false,
  cntvoff,
  cnthctl,
  stage2: null,
  vmpidr: 0x80000000n,
  vpidr: 0x411fd070n,
});

Deno.test("timer: CNTVCT = CNTPCT - CNTVOFF, also through the MRS fast path", () => {
  const pe = new BarePe("mrs x0, cntvct_el0\n mrs x1, cntpct_el0\n mrs x2, cntfrq_el0\n hvc #1");
  pe.count = 0x1_2345_6789;
  pe.cpu.el2 = el2(0x89);
  pe.run();
  assert.deepEqual([pe.cpu.getX(0), pe.cpu.getX(1)], [0x1_2345_6700n, 0x1_2345_6789n]);
  assert.equal(pe.cpu.getX(2), 62_500_000n);
  // An offset above the count wraps modulo 2^64.
  pe.cpu.el2 = el2(0x1_2345_678a);
  pe.cpu.pc = 0x40010000n;
  pe.run();
  assert.equal(pe.cpu.getX(0), 0xffffffffffffffffn);
});

Deno.test("timer: TVAL/CVAL/CTL, ISTATUS and the output level with IMASK", () => {
  const pe = new BarePe("nop");
  const s = pe.cpu.sysregs, t = pe.cpu.timer;
  const levels: string[] = [];
  t.onChange = (id, level) => levels.push(`${id}=${level}`);
  pe.count = 1000;
  pe.cpu.el2 = el2(100);
  s.set("CNTV_TVAL_EL0", 50n);
  assert.equal(s.get("CNTV_CVAL_EL0"), 950n);
  s.set("CNTV_CTL_EL0", 1n);
  assert.equal(s.get("CNTV_CTL_EL0"), 1n);
  assert.equal(t.output("virt"), false);
  pe.count = 1060;
  assert.equal(s.get("CNTV_CTL_EL0"), 5n, "ISTATUS once CNTVCT >= CVAL");
  assert.equal(s.get("CNTV_TVAL_EL0"), 0xfffffff6n, "TVAL is the signed 32-bit CVAL - CNTVCT");
  assert.equal(t.output("virt"), true);
  t.update(); // the board re-evaluates the outputs when time advances
  assert.equal(levels.at(-1), "virt=true");
  s.set("CNTV_CTL_EL0", 3n);
  assert.equal(t.output("virt"), false, "IMASK masks the output, not ISTATUS");
  assert.equal(s.get("CNTV_CTL_EL0"), 7n);
  s.set("CNTV_CTL_EL0", 0n);
  assert.equal(s.get("CNTV_CTL_EL0"), 0n, "ISTATUS reads 0 while disabled");
  s.set("CNTP_CVAL_EL0", 2000n);
  s.set("CNTP_CTL_EL0", 1n);
  assert.equal(t.nextDeadline(), 2000n);
  s.set("CNTV_CVAL_EL0", 1500n);
  s.set("CNTV_CTL_EL0", 1n);
  assert.equal(t.nextDeadline(), 1600n, "the virtual deadline in physical counts adds CNTVOFF");
  assert.equal(levels.at(-1), "virt=false");
});

Deno.test("timer: EL0 access follows CNTKCTL_EL1 (EC 0x18 traps), EL1 physical timer by CNTHCTL_EL2", () => {
  const pe = new BarePe(`adr x0, el0\n msr elr_el1, x0\n msr spsr_el1, xzr\n eret
    el0: mrs x1, cntvct_el0\n mrs x2, cntv_ctl_el0\n mrs x3, cntfrq_el0\n svc #0`);
  pe.count = 77;
  pe.cpu.sysregs.set("CNTKCTL_EL1", 0x2n | 0x100n); // EL0VCTEN, EL0VTEN
  pe.run();
  assert.equal(pe.el1.ec, 0x15, "all three allowed");
  assert.equal(pe.cpu.getX(1), 77n);
  const p2 = new BarePe(`adr x0, el0\n msr elr_el1, x0\n msr spsr_el1, xzr\n eret
    el0: mrs x1, cntpct_el0\n svc #0`);
  p2.cpu.sysregs.set("CNTKCTL_EL1", 0x2n);
  p2.run();
  assert.equal(p2.el1.ec, 0x18, "CNTPCT without EL0PCTEN traps");
  const p3 = new BarePe("mrs x0, cntp_ctl_el0\n mrs x1, cntpct_el0\n hvc #1");
  p3.cpu.el2 = el2(0, 1); // EL1PCTEN set, EL1PCEN clear
  const x = p3.run();
  assert.equal(x.kind, "sysreg");
  assert.equal(x.esr >>> 26, 0x18);
  p3.cpu.el2 = el2(0, 2);
  p3.cpu.pc += 4n;
  assert.equal(p3.run().kind, "sysreg", "CNTPCT traps without EL1PCTEN");
});
