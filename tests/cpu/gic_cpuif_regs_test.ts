/**
 * The ICC_* system register rows: UNDEFINED without a GICv3 CPU interface (ID_AA64PFR0_EL1.GIC =
 * 0, as on QEMU virt with a GICv2), forwarded to `cpu.gicCpuIf` with one (GIC = 1), access rules
 * (EL0, read-only, write-only) and HCR_EL2.IMO/FMO routing to the hypervisor.
 */
import assert from "node:assert/strict";
import { BarePe, CODE } from "./system_harness.ts";
import { HCR } from "../../core/cpu/el2.ts";
import type { GicCpuInterface, IccRegister } from "../../core/cpu/gic_cpu_interface.ts";

/** A CPU interface that records the accesses it sees. */
function recorder(): GicCpuInterface & { seen: string[] } {
  const seen: string[] = [];
  return {
    seen,
    read: (reg: IccRegister) => {
      seen.push(`r ${reg}`);
      return reg === "IAR1" ? 27n : 0x8c00n;
    },
    write: (reg: IccRegister, v: bigint) => void seen.push(`w ${reg} ${v.toString(16)}`),
  };
}

Deno.test("icc: without a GICv3 CPU interface ICC registers are UNDEFINED and PFR0.GIC = 0", () => {
  const pe = new BarePe(`
    mrs x1, id_aa64pfr0_el1
    mrs x2, icc_sre_el1
    hvc #1`);
  const x = pe.run();
  assert.equal(x.kind, "hvc");
  assert.equal(x.imm, 0x104, "synchronous exception at the current EL");
  assert.equal(pe.el1.ec, 0, "UNDEFINED");
  assert.equal(pe.el1.elr, BigInt(CODE + 4));
  assert.equal((pe.cpu.getX(1) >> 24n) & 0xfn, 0n);
});

Deno.test("icc: rows forward to the CPU interface; PFR0.GIC = 1; RO/WO and EL0 are UNDEFINED", () => {
  const pe = new BarePe(`
    mrs x1, id_aa64pfr0_el1
    mov x0, #0xf0
    msr icc_pmr_el1, x0
    mrs x2, icc_iar1_el1
    msr icc_eoir1_el1, x2
    mov x3, #1
    movk x3, #0x300, lsl #16
    msr icc_sgi1r_el1, x3
    mrs x4, icc_ctlr_el1
    hvc #1
    msr icc_iar1_el1, x0
    mrs x5, icc_eoir1_el1
    hvc #2`);
  const gic = recorder();
  pe.cpu.gicCpuIf = gic;
  let x = pe.run();
  assert.equal(x.kind, "hvc");
  assert.equal(x.imm, 1);
  assert.equal((pe.cpu.getX(1) >> 24n) & 0xfn, 1n);
  assert.equal(pe.cpu.getX(2), 27n);
  assert.equal(pe.cpu.getX(4), 0x8c00n);
  assert.deepEqual(gic.seen, ["w PMR f0", "r IAR1", "w EOIR1 1b", "w SGI1R 3000001", "r CTLR"]);
  for (const what of ["msr to read-only IAR1", "mrs of write-only EOIR1"]) {
    x = pe.run();
    assert.equal(x.imm, 0x104, what);
    assert.equal(pe.el1.ec, 0, what);
    pe.cpu.sysregs.set("ELR_EL1", pe.el1.elr + 4n); // return past the faulting instruction
    pe.cpu.eret();
  }
  assert.equal(pe.run().imm, 2);
  assert.equal(gic.seen.length, 5, "nothing reached the interface");
});

Deno.test("icc: EL0 accesses are UNDEFINED", () => {
  const pe = new BarePe(`
    adr x0, el0
    msr elr_el1, x0
    msr spsr_el1, xzr
    eret
  el0:
    mrs x1, icc_rpr_el1`);
  const gic = recorder();
  pe.cpu.gicCpuIf = gic;
  const x = pe.run();
  assert.equal(x.imm, 0x108, "lower-EL synchronous slot");
  assert.equal(pe.el1.ec, 0);
  assert.deepEqual(gic.seen, []);
});

Deno.test("icc: with HCR_EL2.IMO/FMO, ICC accesses reach the (virtual) interface; SGI writes trap", () => {
  const pe = new BarePe(`
    mrs x1, icc_iar1_el1
    mrs x2, icc_iar0_el1
    msr icc_sgi1r_el1, x3
    mrs x4, icc_sre_el1
    hvc #1`);
  const gic = recorder();
  pe.cpu.gicCpuIf = gic;
  pe.cpu.el2 = {
    hcr: HCR.FMO | HCR.IMO,
    tfp: false,
    cntvoff: 0,
    stage2: null,
    vmpidr: 0x80000000n,
    vpidr: 0x411fd070n,
  };
  // IAR1 and IAR0 go to the interface the hypervisor plugged in (ICV_* on hardware); the SGI
  // generation register exits to EL2 (EC 0x18); SRE never traps.
  let x = pe.run();
  assert.equal(x.kind, "sysreg");
  assert.equal(x.esr >>> 26, 0x18);
  // ISS: Op0 3, Op2 5, Op1 0, CRn 12, Rt 3, CRm 11, write.
  assert.equal(x.esr & 0x1ffffff, (3 << 20) | (5 << 17) | (12 << 10) | (3 << 5) | (11 << 1));
  assert.equal(pe.cpu.pc, BigInt(CODE + 8));
  pe.cpu.pc += 4n;
  x = pe.run();
  assert.equal(x.kind, "hvc");
  assert.deepEqual(gic.seen, ["r IAR1", "r IAR0", "r SRE"]);
});
