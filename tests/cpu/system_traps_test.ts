/**
 * EL0 traps to EL1, traps to EL2 (exits), stage-2 faults on stage-1 walks, walk faults QEMU
 * 7.2 gets wrong, AT with the MMU off, PSTATE writes and interrupt masking — checked on hvlab's
 * PE against the Arm ARM's syndromes (QEMU user mode cannot show these).
 */
import assert from "node:assert/strict";
import { BarePe, CODE, DATA } from "./system_harness.ts";
import { HCR } from "../../core/cpu/el2.ts";
import type { El2Controls } from "../../core/cpu/el2.ts";
import { sysregIss } from "../../core/cpu/syndrome.ts";

/** ISS of a trapped MRS/MSR/SYS: Op0 Op2 Op1 CRn Rt CRm Direction. */
function iss(
  op0: number,
  op1: number,
  crn: number,
  crm: number,
  op2: number,
  rt: number,
  read: boolean,
) {
  return (op0 << 20) | (op2 << 17) | (op1 << 14) | (crn << 10) | (rt << 5) | (crm << 1) |
    (read ? 1 : 0);
}

/** Returns to the instruction after the one that trapped to EL1 (ERET with ELR + 4). */
function skip(pe: BarePe): void {
  pe.cpu.sysregs.set("ELR_EL1", pe.cpu.sysregs.get("ELR_EL1") + 4n);
  pe.cpu.eret();
}

const TO_EL0 = "adr x0, el0\n msr elr_el1, x0\n msr spsr_el1, xzr\n eret\nel0:\n";

Deno.test("traps: EL0 accesses the SCTLR_EL1/CNTKCTL_EL1 controls forbid trap with EC 0x18", () => {
  const pe = new BarePe(
    TO_EL0 + `
    mrs x1, ctr_el0
    msr daifset, #3
    mrs x2, cntvct_el0
    dc zva, x3
    dc civac, x3
    wfi
    mrs x4, dczid_el0
    mrs x5, sctlr_el1
    svc #0`,
  );
  const expect: [string, number, number][] = [
    ["ctr", 0x18, iss(3, 3, 0, 0, 1, 1, true)],
    ["daifset", 0x18, iss(0, 3, 4, 3, 6, 31, false)],
    ["cntvct", 0x18, iss(3, 3, 14, 0, 2, 2, true)],
    ["dc zva", 0x18, iss(1, 3, 7, 4, 1, 3, false)],
    ["dc civac", 0x18, iss(1, 3, 7, 14, 1, 3, false)],
    ["wfi", 0x01, 0x1e00000],
    ["mrs sctlr_el1", 0x00, 0],
    ["svc", 0x15, 0],
  ];
  for (const [what, ec, is] of expect) {
    const x = pe.run();
    assert.equal(x.kind, "hvc", what);
    assert.equal(x.imm, 0x108, `${what}: lower-EL synchronous slot`);
    assert.deepEqual([pe.el1.ec, pe.el1.iss], [ec, is], what);
    if (what !== "svc") skip(pe);
  }
  assert.equal(pe.cpu.getX(4), 0x14n, "DCZID_EL0.DZP set while DC ZVA is prohibited at EL0");
});

function el2(hcr: bigint, extra: Partial<El2Controls> = {}): El2Controls {
  return {
    hcr,
    tfp: false,
    cntvoff: 0,
    stage2: null,
    vmpidr: 0x80000003n,
    vpidr: 0x410fd034n,
    ...extra,
  };
}

Deno.test("traps: HCR_EL2 trap controls exit to the hypervisor with ESR_EL2 syndromes", () => {
  const pe = new BarePe(`
    msr sctlr_el1, x0
    mrs x1, sctlr_el1
    tlbi vmalle1
    smc #5
    mrs x2, id_aa64mmfr0_el1
    wfi
    ic ivau, x3
    dc zva, x3
    dc cisw, x3
    dc cvac, x3
    mrs x4, ctr_el0
    mrs x5, actlr_el1
    mrs x6, midr_el1
    mrs x7, mpidr_el1
    mrs x8, revidr_el1
    hvc #0x42`);
  pe.cpu.setX(3, BigInt(DATA));
  pe.cpu.el2 = el2(
    HCR.TVM | HCR.TTLB | HCR.TSC | HCR.TID3 | HCR.TWI | HCR.TPU | HCR.TDZ | HCR.TSW | HCR.TPC |
      HCR.TID2 | HCR.TACR,
  );
  const expect: [string, string, number][] = [
    ["msr sctlr", "sysreg", (0x18 << 26) | iss(3, 0, 1, 0, 0, 0, false)],
    ["tlbi", "sysreg", (0x18 << 26) | iss(1, 0, 8, 7, 0, 31, false)],
    ["smc", "smc", (0x17 << 26) | 5],
    ["id reg", "sysreg", (0x18 << 26) | iss(3, 0, 0, 7, 0, 2, true)],
    ["wfi", "wfi", (0x01 << 26) | 0x1e00000],
    ["ic ivau", "sysreg", (0x18 << 26) | iss(1, 3, 7, 5, 1, 3, false)],
    ["dc zva", "sysreg", (0x18 << 26) | iss(1, 3, 7, 4, 1, 3, false)],
    ["dc cisw", "sysreg", (0x18 << 26) | iss(1, 0, 7, 14, 2, 3, false)],
    ["dc cvac", "sysreg", (0x18 << 26) | iss(1, 3, 7, 10, 1, 3, false)],
    ["ctr", "sysreg", (0x18 << 26) | iss(3, 3, 0, 0, 1, 4, true)],
    ["actlr", "sysreg", (0x18 << 26) | iss(3, 0, 1, 0, 1, 5, true)],
  ];
  let pc = CODE;
  for (const [what, kind, esr] of expect) {
    const x = pe.run();
    if (what === "tlbi") pc += 4; // the MRS of SCTLR_EL1 ran (TRVM is clear)
    assert.equal(x.kind, kind, what);
    assert.equal(x.esr, (esr | (1 << 25)) >>> 0, what);
    assert.equal(pe.cpu.pc, BigInt(pc), `${what}: PC stays at the trapped instruction`);
    pc += 4;
    pe.cpu.pc = BigInt(pc);
  }
  const x = pe.run();
  assert.equal(x.kind, "hvc");
  assert.equal(x.imm, 0x42);
  assert.equal(pe.cpu.getX(6), 0x410fd034n, "MIDR_EL1 reads VPIDR_EL2");
  assert.equal(pe.cpu.getX(7), 0x80000003n, "MPIDR_EL1 reads VMPIDR_EL2");
  assert.equal(pe.cpu.getX(8), 0n);
});

Deno.test("traps: SMC without HCR_EL2.TSC is UNDEFINED under a hypervisor (no EL3)", () => {
  const pe = new BarePe("smc #1");
  pe.cpu.el2 = el2(0n);
  const x = pe.run();
  assert.equal(x.kind, "hvc");
  assert.equal(x.imm, 0x104);
  assert.equal(pe.el1.ec, 0);
});

/** 39-bit VA tables at DATA: identity 2 MiB block for 0x40000000, an L3 table for 0x40800000. */
function mmuPe(src: string): BarePe {
  const pe = new BarePe(src);
  const L1 = DATA, L2 = DATA + 0x1000, L3 = DATA + 0x2000;
  pe.write64(L1 + 8 * 1, BigInt(L2) | 3n);
  pe.write64(L2 + 8 * 0, 0x40000000n | 1n | (1n << 10n));
  pe.write64(L2 + 8 * 4, BigInt(L3) | 3n);
  pe.write64(L3 + 8 * 0, 0x40300000n | 3n | (1n << 10n));
  const s = pe.cpu.sysregs;
  s.set("TCR_EL1", 25n | (25n << 16n) | (2n << 30n) | (5n << 32n));
  s.set("TTBR0_EL1", BigInt(L1));
  s.set("TTBR1_EL1", BigInt(DATA + 0x3000)); // a level-1 table of 39-bit TTBR1 VAs
  pe.write64(DATA + 0x3000, 0x40000000n | 1n); // a 1 GiB block without AF
  s.set("SCTLR_EL1", s.get("SCTLR_EL1") | 1n);
  return pe;
}

Deno.test("mmu: a stage-2 fault on a stage-1 table walk exits with S1PTW and the table's IPA", () => {
  const pe = mmuPe("movz x1, #0x4080, lsl #16\n str x0, [x1]\n hvc #1");
  const identity = (ipfn: number) => ({ pfn: ipfn, perms: 7 });
  pe.cpu.el2 = el2(HCR.VM, {
    stage2: {
      vmid: 1,
      lookup: (ipfn) => (ipfn === (DATA + 0x2000) / 4096 ? undefined : identity(ipfn)),
    },
  });
  const x = pe.run();
  assert.equal(x.kind, "dabt");
  assert.equal(x.esr >>> 26, 0x24);
  assert.equal(x.esr & (1 << 7), 1 << 7, "S1PTW");
  assert.equal(x.esr & (1 << 6), 0, "WnR = 0: the walk only read a descriptor");
  assert.equal(x.esr & (1 << 24), 0, "no instruction syndrome for S1PTW");
  assert.equal(x.ipa, BigInt(DATA + 0x2000));
  assert.equal(x.far, 0x40800000n);
  pe.cpu.el2 = el2(HCR.VM, { stage2: { vmid: 1, lookup: identity } });
  pe.cpu.flushTlb();
  assert.equal(pe.run().kind, "hvc");
});

Deno.test("mmu: level-0 block, AF at level 1, DC CIVAC faults (CM=1, WnR=1), AT with MMU on", () => {
  const pe = mmuPe(`
    movz x1, #0xff80, lsl #32
    movk x1, #0xffff, lsl #48
    ldr x0, [x1]
    dc civac, x1
    movz x2, #0x4090, lsl #16
    dc civac, x2
    at s1e1r, x2
    movz x3, #0x4080, lsl #16
    at s1e0r, x3
    mrs x4, par_el1
    at s1e1r, x3
    mrs x5, par_el1
    hvc #1`);
  const faults: [string, number, number][] = [
    ["load, AF clear on the level-1 block", 0x25, 0x09],
    ["dc civac on it", 0x25, 0x09 | (1 << 8) | (1 << 6)],
    ["dc civac unmapped (level 3)", 0x25, 0x07 | (1 << 8) | (1 << 6)],
  ];
  for (const [what, ec, is] of faults) {
    const x = pe.run();
    assert.equal(x.imm, 0x104, what);
    assert.deepEqual([pe.el1.ec, pe.el1.iss], [ec, is], what);
    skip(pe);
  }
  assert.equal(pe.run().imm, 1);
  assert.equal(pe.cpu.getX(4), 0x81fn, "S1E0R: permission fault, level 3 (no EL0 access)");
  // MAIR_EL1 is 0: Device-nGnRnE, reported as Outer Shareable.
  assert.equal(pe.cpu.getX(5), 0x40300000n | 0x800n | 0x200n | 0x100n);
  // A level-0 block descriptor is a translation fault with 48-bit VAs (QEMU 7.2 maps it).
  const p2 = mmuPe("movz x1, #0xffff, lsl #48\n ldr x0, [x1]\n hvc #1");
  p2.cpu.sysregs.set("TCR_EL1", 25n | (16n << 16n) | (2n << 30n) | (5n << 32n));
  p2.run();
  assert.deepEqual([p2.el1.ec, p2.el1.iss, p2.el1.far], [0x25, 0x04, 0xffff000000000000n]);
});

Deno.test("mmu: AT with the MMU off reports the flat PA as Device-nGnRnE, outer shareable", () => {
  const pe = new BarePe("movz x1, #0x4012, lsl #16\n add x1, x1, #0x345\n at s1e1w, x1\n hvc #1");
  pe.run();
  assert.equal(pe.cpu.sysregs.get("PAR_EL1"), 0x40120000n | (2n << 7n) | (1n << 9n) | (1n << 11n));
});

Deno.test("pstate: DAIFClr ends the block so a pending IRQ is taken right after it", () => {
  const pe = new BarePe("msr daifset, #0xf\n msr daifclr, #2\n nop\n hvc #1");
  pe.cpu.irqLine = true;
  const x = pe.run();
  assert.equal(x.imm, 0x105, "current EL with SPx, IRQ");
  assert.equal(pe.cpu.sysregs.get("ELR_EL1"), BigInt(CODE + 8));
  assert.equal(Number(pe.cpu.sysregs.get("SPSR_EL1")) & 0x3c0, 0x340, "D, A, F still masked");
});

Deno.test("pstate: SPSel switches between SP_EL0 and SP_EL1", () => {
  const pe = new BarePe(`movz x0, #0x1000\n mov sp, x0\n msr spsel, #0\n movz x1, #0x2000
    mov sp, x1\n msr spsel, #1\n mov x2, sp\n mrs x3, sp_el0\n mrs x4, spsel\n hvc #1`);
  pe.run();
  assert.deepEqual([pe.cpu.getX(2), pe.cpu.getX(3), pe.cpu.getX(4)], [0x1000n, 0x2000n, 1n]);
});

Deno.test("brk at EL1: EC 0x3c with the immediate, ELR at the BRK", () => {
  const pe = new BarePe("nop\n brk #0x1234");
  pe.run();
  assert.deepEqual([pe.el1.ec, pe.el1.iss, pe.el1.elr], [0x3c, 0x1234, BigInt(CODE + 4)]);
});

Deno.test("sysregIss packs the fields as ESR_ELx.ISS for EC 0x18", () => {
  // mrs x5, ctr_el0 = 0xd53b0025
  assert.equal(sysregIss(0xd53b0025, 5, true), iss(3, 3, 0, 0, 1, 5, true));
});

Deno.test("hot registers: SP_EL0 and DAIF direct paths agree with the banked state", () => {
  const pe = new BarePe(`movz x0, #0x1230\n msr sp_el0, x0\n mrs x1, sp_el0\n msr spsel, #0
    mov x2, sp\n movz x3, #0x4560\n msr sp_el0, x3\n mov x4, sp\n mrs x5, sp_el0\n msr spsel, #1
    movz x6, #0x280\n msr daif, x6\n mrs x7, daif\n mrs x8, sp_el0\n hvc #1`);
  pe.run();
  const x = (n: number) => pe.cpu.getX(n);
  assert.deepEqual([x(1), x(2), x(4), x(5), x(8)], [0x1230n, 0x1230n, 0x4560n, 0x4560n, 0x4560n]);
  assert.deepEqual([x(7), BigInt(pe.cpu.daif)], [0x280n, 0xan]);
});

Deno.test("wfe/sev: SEVL sets the event register, WFE consumes it, a second WFE idles", () => {
  const pe = new BarePe("sevl\n wfe\n wfe\n hvc #1");
  const x = pe.run();
  assert.equal(x.kind, "wfe", "the second WFE waits");
  assert.equal(pe.cpu.pc, BigInt(CODE + 12), "PC after the waiting WFE");
  assert.equal(pe.cpu.eventRegister, false);
  const p2 = new BarePe("sev\n wfe\n hvc #1");
  assert.equal(p2.run().kind, "hvc", "SEV also sets this PE's event register");
});

Deno.test("fp status: FPCR/FPSR accesses trap with EC 0x07 while CPACR_EL1.FPEN disables FP", () => {
  const pe = new BarePe(
    "movz x0, #0x40, lsl #16\n msr fpcr, x0\n mrs x1, fpcr\n mrs x2, fpsr\n hvc #1",
  );
  pe.run();
  assert.equal(pe.el1.ec, 0x07, "FPEN = 0 at reset");
  assert.equal(pe.el1.elr, BigInt(CODE + 4));
  const p2 = new BarePe(
    "movz x0, #0x40, lsl #16\n msr fpcr, x0\n mrs x1, fpcr\n mrs x2, fpsr\n hvc #1",
  );
  p2.cpu.sysregs.set("CPACR_EL1", 3n << 20n);
  p2.cpu.fpsr = 0x8000001f;
  assert.equal(p2.run().imm, 1);
  assert.deepEqual([p2.cpu.getX(1), p2.cpu.getX(2)], [0x400000n, 0x8000001fn]);
});

Deno.test("stage-2 data aborts: instruction syndrome for LDR (literal), none with writeback", () => {
  const pe = new BarePe(`ldr x5, lit\n ldrsw x6, lit\n ldr w7, [x1], #4\n hvc #1
    .balign 4096\n lit: .quad 0x1122334455667788`);
  pe.cpu.setX(1, BigInt(CODE + 0x1000));
  const litPage = (CODE + 0x1000) / 4096;
  pe.cpu.el2 = el2(HCR.VM, {
    stage2: { vmid: 1, lookup: (ipfn) => (ipfn === litPage ? undefined : { pfn: ipfn, perms: 7 }) },
  });
  const expect = [
    (1 << 24) | (3 << 22) | (5 << 16) | (1 << 15) | 0x07, // ISV, SAS=3, SRT=5, SF
    (1 << 24) | (2 << 22) | (1 << 21) | (6 << 16) | (1 << 15) | 0x07, // SAS=2, SSE, SF
    0x07, // post-index: no syndrome
  ];
  for (const iss of expect) {
    const x = pe.run();
    assert.equal(x.kind, "dabt");
    assert.equal(x.esr & 0x1ffffff, iss);
    pe.cpu.pc += 4n;
  }
});

Deno.test("tlbi: the inner-shareable forms are broadcast to the board, the local ones are not", () => {
  const pe = new BarePe(`movz x0, #0xffff, lsl #32\n movk x0, #0xf, lsl #48
    tlbi vae1is, x0\n tlbi vae1, x0\n tlbi vmalle1is\n tlbi aside1is, x0\n tlbi vmalle1\n hvc #1`);
  pe.run();
  // X0[43:0] = 0xfff00000000 is VA[55:12]: VA = 0x00fff00000000000, sign-extended from bit 55.
  assert.deepEqual(pe.broadcasts, [`${0xfffff000}:0`, "all", "all"]);
});
