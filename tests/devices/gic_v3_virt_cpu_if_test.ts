import assert from "node:assert/strict";
import {
  decodeIchLr,
  encodeIchLr,
  GicV3VirtCpuIf,
  ICH_VTR,
  type SgiRegister,
} from "../../core/devices/gic_v3_virt_cpu_if.ts";
import {
  HCR_EN,
  type ListReg,
  LR_ACTIVE,
  LR_INVALID,
  LR_PENDING,
  MISR_EOI,
} from "../../core/devices/gic_virt_cpu_if.ts";

function setup() {
  const ev = {
    lines: [] as [boolean, boolean][],
    maint: 0,
    deact: [] as number[],
    sgis: [] as [SgiRegister, bigint][],
    errors: [] as string[],
  };
  const cif = new GicV3VirtCpuIf({
    signal: (irq, fiq) => ev.lines.push([irq, fiq]),
    onMaintenance: () => ev.maint++,
    onPhysicalDeactivate: (p) => ev.deact.push(p),
    onSgi: (r, v) => ev.sgis.push([r, v]),
    log: { guestError: (_d, m) => ev.errors.push(m), unimplemented: (_d, m) => ev.errors.push(m) },
  });
  return { cif, ev };
}

function lr(p: Partial<ListReg>): ListReg {
  return { state: LR_PENDING, vintid: 0, pintid: 0, priority: 0xa0, group: 1, hw: 0, eoi: 0, ...p };
}

/** Linux's gic_cpu_sys_reg_init for a Group 1 guest. */
function guestUp(cif: GicV3VirtCpuIf) {
  assert.equal(cif.read("SRE") & 1n, 1n);
  cif.write("PMR", 0xf0n);
  cif.write("BPR1", 0n);
  cif.write("CTLR", 0n);
  cif.write("IGRPEN1", 1n);
}

Deno.test("ICH_LR encoding round-trips; ICH_VTR shape", () => {
  const a = lr({ state: 3, vintid: 27, pintid: 27, hw: 1, priority: 0xa0 });
  const b = lr({ vintid: 8000, eoi: 1, priority: 0x08, group: 0 });
  assert.equal(encodeIchLr(a), 3n << 62n | 1n << 61n | 1n << 60n | 0xa0n << 48n | 27n << 32n | 27n);
  assert.equal(encodeIchLr(b), 1n << 62n | 0x08n << 48n | 1n << 41n | 8000n);
  assert.deepEqual(decodeIchLr(encodeIchLr(a)), a);
  assert.deepEqual(decodeIchLr(encodeIchLr(b)), b);
  assert.equal(ICH_VTR & 0x1f, 3);
  const { cif } = setup();
  cif.writeLr(2, encodeIchLr(b));
  assert.equal(cif.readLr(2), encodeIchLr(b));
});

Deno.test("ICV: IAR1 / EOIR1 / RPR / AP1R0, Group 1 as vIRQ and Group 0 as vFIQ", () => {
  const { cif, ev } = setup();
  guestUp(cif);
  cif.state.hcr = HCR_EN;
  cif.lrs[0] = lr({ vintid: 33, priority: 0x90 });
  cif.lrs[1] = lr({ vintid: 34, priority: 0x80 });
  cif.update();
  assert.deepEqual(ev.lines.at(-1), [true, false]);
  assert.equal(cif.read("HPPIR1"), 34n);
  assert.equal(cif.read("IAR0"), 1023n, "Group 1 interrupt through IAR0");
  assert.equal(cif.read("IAR1"), 34n);
  assert.equal(cif.read("RPR"), 0x80n);
  assert.equal(cif.read("AP1R0"), 1n << 16n);
  assert.equal(cif.read("IAR1"), 1023n, "0x90 cannot preempt 0x80");
  cif.write("EOIR1", 34n);
  assert.equal(cif.lrs[1].state, LR_INVALID);
  assert.equal(cif.read("IAR1"), 33n);
  cif.write("EOIR1", 33n);
  assert.equal(cif.read("IAR1"), 1023n);
  cif.write("IGRPEN0", 1n);
  cif.lrs[0] = lr({ vintid: 5, group: 0 });
  cif.update();
  assert.deepEqual(ev.lines.at(-1), [false, true]);
  assert.equal(cif.read("IAR0"), 5n);
  cif.write("EOIR0", 5n);
  assert.deepEqual(ev.errors, []);
});

Deno.test("ICV: EOImode 1 + DIR, HW deactivation, EOI maintenance, EOIcount", () => {
  const { cif, ev } = setup();
  guestUp(cif);
  cif.write("CTLR", 2n);
  assert.equal(cif.read("CTLR") & 3n, 2n);
  cif.state.hcr = HCR_EN;
  cif.lrs[0] = lr({ vintid: 27, pintid: 27, hw: 1 });
  cif.lrs[1] = lr({ vintid: 40, eoi: 1, priority: 0xc0 });
  cif.update();
  assert.equal(cif.read("IAR1"), 27n);
  cif.write("EOIR1", 27n);
  assert.equal(cif.lrs[0].state, LR_ACTIVE);
  cif.write("DIR", 27n);
  assert.deepEqual(ev.deact, [27]);
  assert.equal(cif.read("IAR1"), 40n);
  cif.write("EOIR1", 40n);
  assert.equal(ev.maint, 0);
  cif.write("DIR", 40n);
  assert.equal(cif.misr(), MISR_EOI);
  assert.equal(ev.maint, 1);
  cif.write("DIR", 99n);
  assert.equal(cif.eoiCount, 1);
});

Deno.test("ICV: SGI registers go to the hypervisor; SRE reads 7 and stays", () => {
  const { cif, ev } = setup();
  cif.write("SGI1R", 0x0100_0000_0001_0003n);
  cif.write("SGI0R", 1n);
  cif.write("ASGI1R", 2n);
  assert.deepEqual(ev.sgis, [["SGI1R", 0x0100_0000_0001_0003n], ["SGI0R", 1n], ["ASGI1R", 2n]]);
  cif.write("SRE", 0n);
  assert.equal(cif.read("SRE"), 7n);
});

Deno.test("ICH_VMCR_EL2 and the ICV registers agree", () => {
  const { cif } = setup();
  cif.write("PMR", 0xf8n);
  cif.write("BPR0", 3n);
  cif.write("BPR1", 5n);
  cif.write("IGRPEN1", 1n);
  cif.write("CTLR", 3n);
  assert.equal(cif.vmcr, BigInt((0xf8 << 24 | 3 << 21 | 5 << 18 | 1 << 9 | 1 << 4 | 2) >>> 0));
  assert.equal(cif.read("BPR1"), 4n, "CBPR: BPR1 reads BPR0 + 1");
  cif.vmcr = BigInt(0x80 << 24 | 2 << 21 | 3 << 18 | 1);
  assert.equal(cif.read("PMR"), 0x80n);
  assert.equal(cif.read("IGRPEN0"), 1n);
  assert.equal(cif.read("IGRPEN1"), 0n);
  assert.equal(cif.read("BPR1"), 3n);
});
