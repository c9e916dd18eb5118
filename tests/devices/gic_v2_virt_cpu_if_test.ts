import assert from "node:assert/strict";
import {
  decodeGichLr,
  encodeGichLr,
  GICH_VTR,
  GicV2VirtCpuIf,
} from "../../core/devices/gic_v2_virt_cpu_if.ts";
import {
  HCR_EN,
  HCR_LRENPIE,
  HCR_NPIE,
  HCR_UIE,
  type ListReg,
  LR_ACTIVE,
  LR_INVALID,
  LR_PENDING,
  LR_PENDING_ACTIVE,
  MISR_EOI,
  MISR_LRENP,
  MISR_NP,
  MISR_U,
} from "../../core/devices/gic_virt_cpu_if.ts";
import type { DeviceLog } from "../../core/devices/register_rows.ts";
import { rd, wr } from "./mmio_helpers.ts";

const IAR = 0x0c, EOIR = 0x10, RPR = 0x14, HPPIR = 0x18, AIAR = 0x20, APR0 = 0xd0, DIR = 0x1000;

function setup() {
  const ev = { lines: [] as [boolean, boolean][], maint: 0, deact: [] as number[], errors: 0 };
  const log: DeviceLog = { guestError: () => ev.errors++, unimplemented: () => ev.errors++ };
  const cif = new GicV2VirtCpuIf({
    signal: (irq, fiq) => ev.lines.push([irq, fiq]),
    onMaintenance: () => ev.maint++,
    onPhysicalDeactivate: (p) => ev.deact.push(p),
    log,
  });
  return { cif, ev, v: cif.gicv };
}

function lr(p: Partial<ListReg>): ListReg {
  return { state: LR_PENDING, vintid: 0, pintid: 0, priority: 0xa0, group: 0, hw: 0, eoi: 0, ...p };
}

/** Guest init as Linux's GICv2 driver does it for the CPU interface: PMR 0xf0, CTLR enable. */
function guestUp(v: ReturnType<typeof setup>["v"]) {
  wr(v, 0x04, 0xf0);
  wr(v, 0x00, 1);
}

Deno.test("GICH_LR encoding round-trips, HW and virtual forms", () => {
  const a = lr({ state: LR_PENDING_ACTIVE, vintid: 27, pintid: 27, hw: 1, priority: 0xa0 });
  const b = lr({ vintid: 3, pintid: 5, eoi: 1, priority: 0x08, group: 1 });
  assert.deepEqual(encodeGichLr(a), (1 << 31 | 3 << 28 | 0x14 << 23 | 27 << 10 | 27) >>> 0);
  assert.deepEqual(encodeGichLr(b), (1 << 30 | 1 << 28 | 1 << 23 | 1 << 19 | 5 << 10 | 3) >>> 0);
  assert.deepEqual(decodeGichLr(encodeGichLr(a)), a);
  assert.deepEqual(decodeGichLr(encodeGichLr(b)), b);
  assert.deepEqual(GICH_VTR & 0x3f, 3);
});

Deno.test("virtual IAR/EOIR: acknowledge the best LR, active priority, EOI deactivates", () => {
  const { cif, ev, v } = setup();
  guestUp(v);
  cif.state.hcr = HCR_EN;
  cif.lrs[0] = lr({ vintid: 40, priority: 0xa0 });
  cif.lrs[1] = lr({ vintid: 41, priority: 0x80 });
  cif.update();
  assert.deepEqual(ev.lines.at(-1), [true, false]);
  assert.deepEqual(rd(v, HPPIR), 41);
  assert.deepEqual(rd(v, IAR), 41);
  assert.deepEqual(cif.lrs[1].state, LR_ACTIVE);
  assert.deepEqual(rd(v, RPR), 0x80);
  assert.deepEqual(rd(v, APR0), 1 << (0x80 >> 3));
  // 0xa0 does not preempt the running 0x80: no signal, IAR spurious.
  assert.deepEqual(ev.lines.at(-1), [false, false]);
  assert.deepEqual(rd(v, IAR), 1023);
  wr(v, EOIR, 41);
  assert.deepEqual(cif.lrs[1].state, LR_INVALID);
  assert.deepEqual(rd(v, RPR), 0xff);
  assert.deepEqual(ev.lines.at(-1), [true, false]);
  assert.deepEqual(rd(v, IAR), 40);
  wr(v, EOIR, 40);
  assert.deepEqual(cif.elrsr(), 0xf);
  assert.deepEqual(rd(v, IAR), 1023);
  assert.deepEqual(ev.maint, 0);
  assert.deepEqual(ev.errors, 0);
});

Deno.test("virtual interface masks: HCR.En, PMR, group enable, AIAR for Group 1", () => {
  const { cif, v } = setup();
  cif.lrs[0] = lr({ vintid: 50, priority: 0xa0 });
  cif.update();
  guestUp(v);
  assert.deepEqual(rd(v, IAR), 1023, "HCR.En clear");
  cif.state.hcr = HCR_EN;
  wr(v, 0x04, 0xa0);
  assert.deepEqual(rd(v, IAR), 1023, "priority not below PMR");
  wr(v, 0x04, 0xa8);
  wr(v, 0x00, 0);
  assert.deepEqual(rd(v, IAR), 1023, "group 0 disabled");
  cif.lrs[0] = lr({ vintid: 50, priority: 0xa0, group: 1 });
  wr(v, 0x00, 2);
  assert.deepEqual(rd(v, IAR), 1022, "Group 1 through IAR without AckCtl");
  assert.deepEqual(rd(v, AIAR), 50);
});

Deno.test("SGI source in IAR; EOImode 1 with DIR; HW deactivation reaches the callback", () => {
  const { cif, ev, v } = setup();
  guestUp(v);
  wr(v, 0x00, 1 | 1 << 9);
  cif.state.hcr = HCR_EN;
  cif.lrs[0] = lr({ vintid: 2, pintid: 3 });
  cif.lrs[1] = lr({ vintid: 27, pintid: 27, hw: 1, priority: 0xc0 });
  cif.update();
  assert.deepEqual(rd(v, IAR), 3 << 10 | 2);
  wr(v, EOIR, 3 << 10 | 2);
  assert.deepEqual(cif.lrs[0].state, LR_ACTIVE, "EOImode 1: EOI only drops priority");
  wr(v, DIR, 3 << 10 | 2);
  assert.deepEqual(cif.lrs[0].state, LR_INVALID);
  assert.deepEqual(rd(v, IAR), 27);
  wr(v, EOIR, 27);
  wr(v, DIR, 27);
  assert.deepEqual(ev.deact, [27]);
  assert.deepEqual(ev.maint, 0);
});

Deno.test("maintenance: EOI bit, underflow, no-pending, EOIcount with LRENPIE", () => {
  const { cif, ev, v } = setup();
  guestUp(v);
  cif.state.hcr = HCR_EN;
  cif.lrs[0] = lr({ vintid: 33, eoi: 1 });
  cif.update();
  assert.deepEqual(rd(v, IAR), 33);
  wr(v, EOIR, 33);
  assert.deepEqual(cif.eisr(), 1);
  assert.deepEqual(cif.elrsr() & 1, 0);
  assert.deepEqual(cif.misr(), MISR_EOI);
  assert.deepEqual(ev.maint, 1);
  cif.lrs[0] = lr({ state: LR_INVALID });
  cif.update();
  assert.equal(cif.maintenance, false);
  cif.state.hcr = HCR_EN | HCR_UIE;
  cif.update();
  assert.deepEqual(cif.misr(), MISR_U);
  assert.deepEqual(ev.maint, 2);
  cif.state.hcr = HCR_EN | HCR_NPIE;
  cif.update();
  assert.deepEqual(cif.misr(), MISR_NP);
  cif.state.hcr = HCR_EN | HCR_LRENPIE;
  cif.update();
  assert.deepEqual(cif.misr(), 0);
  // An EOI with no LR holding the interrupt counts in EOIcount.
  cif.state.vmcr.apr0 = 1 << 4;
  wr(v, EOIR, 60);
  assert.deepEqual(cif.eoiCount, 1);
  assert.deepEqual(cif.misr(), MISR_LRENP);
  assert.deepEqual(ev.maint, 3);
});

Deno.test("GICH_VMCR and GICV registers agree", () => {
  const { cif, v } = setup();
  wr(v, 0x04, 0xf8);
  wr(v, 0x08, 3);
  wr(v, 0x1c, 5);
  wr(v, 0x00, 0x21f);
  assert.deepEqual(cif.vmcr, (0x1f << 27 | 3 << 21 | 5 << 18 | 0x21f) >>> 0);
  cif.vmcr = 0x10 << 27 | 2 << 21 | 3 << 18 | 1;
  assert.deepEqual(rd(v, 0x04), 0x80);
  assert.deepEqual(rd(v, 0x08), 2);
  assert.deepEqual(rd(v, 0x1c), 3);
  assert.deepEqual(rd(v, 0x00), 1);
  assert.deepEqual(rd(v, 0xfc), 0x0002043b);
});

Deno.test("GICV: junk accesses never throw", () => {
  const { v } = setup();
  for (let off = 0; off < 0x2000; off += 3) {
    for (const size of [1, 2, 4, 8] as const) {
      for (const write of [false, true]) {
        const a = { offset: off, size, write, value: 0xffffffff, valueHi: 7 };
        assert(v.access(a) === "done");
      }
    }
  }
});
