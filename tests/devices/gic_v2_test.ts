import assert from "node:assert/strict";
import { GIC_SPURIOUS, GicV2 } from "../../core/devices/gic_v2.ts";
import type { DeviceLog } from "../../core/devices/register_rows.ts";
import { rd, wr } from "./mmio_helpers.ts";

const D = { CTLR: 0, TYPER: 4, IIDR: 8, ISENABLER: 0x100, ICENABLER: 0x180, ISPENDR: 0x200 };
const C = { CTLR: 0, PMR: 4, BPR: 8, IAR: 0xc, EOIR: 0x10, RPR: 0x14, HPPIR: 0x18, DIR: 0x1000 };

function gic(numCpus = 1) {
  const lines: { cpu: number; irq: boolean; fiq: boolean }[] = [];
  const errors: string[] = [];
  const log: DeviceLog = { guestError: (_d, m) => errors.push(m), unimplemented: () => {} };
  const g = new GicV2({ signal: (cpu, irq, fiq) => lines.push({ cpu, irq, fiq }), log }, {
    numCpus,
  });
  const d = g.distributor, c = g.cpuInterface;
  const enable = (id: number, prio: number) => {
    wr(d, 0x400 + id, prio, 1);
    wr(d, D.ISENABLER + 4 * (id >> 5), 1 << (id & 31));
  };
  const on = () => {
    wr(d, D.CTLR, 1);
    wr(c, C.PMR, 0xff);
    wr(c, C.CTLR, 1);
  };
  const irq = () => lines.length > 0 && lines[lines.length - 1].irq;
  return { g, d, c, lines, errors, enable, on, irq };
}

Deno.test("gicv2: TYPER, IIDR and ID registers", () => {
  const { d, c } = gic(2);
  assert.equal(rd(d, D.TYPER), (1 << 5) | (288 / 32 - 1));
  assert.equal(rd(d, D.IIDR), 0x0000043b); // as QEMU (guests/gic.c checks it)
  assert.equal(rd(d, 0xfe8), 0x2b); // PIDR2: architecture version 2
  assert.equal(rd(c, 0xfc), 0x0002043b);
});

Deno.test("gicv2: a level PPI is signalled, acknowledged, stays pending while high, EOI drops", () => {
  const { g, d, c, enable, on, irq } = gic();
  enable(27, 0xa0);
  on();
  assert.equal(irq(), false);
  g.setLevel(27, true);
  assert.equal(irq(), true);
  assert.equal(rd(c, C.HPPIR), 27);
  assert.equal(rd(c, C.IAR), 27);
  assert.equal(irq(), false); // active: no longer signalled
  assert.equal(rd(c, C.RPR), 0xa0);
  assert.equal(rd(d, D.ISPENDR) & (1 << 27), 1 << 27); // active and pending
  assert.equal(rd(c, C.IAR), GIC_SPURIOUS);
  g.setLevel(27, false);
  wr(c, C.EOIR, 27);
  assert.equal(rd(c, C.RPR), 0xff);
  assert.equal(rd(d, 0x300), 0);
  assert.equal(irq(), false);
});

Deno.test("gicv2: edge SPI latches, priorities order delivery, PMR masks", () => {
  const { g, d, c, enable, on, irq } = gic();
  enable(40, 0x80);
  enable(41, 0x40);
  wr(d, 0xc00 + 8, (2 << 16) | (2 << 18)); // SPIs 40, 41 edge-triggered (ICFGR2)
  on();
  g.setLevel(40, true);
  g.setLevel(40, false); // pulse: stays pending
  g.setLevel(41, true);
  g.setLevel(41, false);
  assert.equal(irq(), true);
  wr(c, C.PMR, 0x40); // 0x40 is not strictly higher than the mask
  assert.equal(irq(), false);
  assert.equal(rd(c, C.IAR), GIC_SPURIOUS);
  wr(c, C.PMR, 0xf0);
  assert.equal(rd(c, C.IAR), 41);
  assert.equal(irq(), false); // 40 (0x80) cannot preempt 41 (0x40)
  wr(c, C.EOIR, 41);
  assert.equal(irq(), true);
  assert.equal(rd(c, C.IAR), 40);
  wr(c, C.EOIR, 40);
  assert.equal(rd(c, C.IAR), GIC_SPURIOUS);
});

Deno.test("gicv2: preemption by group priority under the binary point", () => {
  const { g, c, enable, on } = gic();
  enable(33, 0x80);
  enable(34, 0x70);
  on();
  g.setLevel(33, true);
  assert.equal(rd(c, C.IAR), 33);
  wr(c, C.BPR, 4); // group priority = bits [7:5]: 0x70 and 0x80 differ (0x60 < 0x80)
  g.setLevel(34, true);
  assert.equal(rd(c, C.IAR), 34);
  wr(c, C.EOIR, 34);
  wr(c, C.EOIR, 33);
  g.setLevel(34, false);
  g.setLevel(33, false);
  wr(c, C.BPR, 7); // empty group priority field: no preemption at all
  g.setLevel(33, true);
  assert.equal(rd(c, C.IAR), 33);
  assert.equal(rd(c, C.RPR), 0);
  g.setLevel(34, true);
  assert.equal(rd(c, C.IAR), GIC_SPURIOUS);
});

Deno.test("gicv2: EOImode splits priority drop from deactivation (DIR)", () => {
  const { g, d, c, enable, on } = gic();
  enable(30, 0x10);
  on();
  wr(c, C.CTLR, 1 | (1 << 9));
  g.setLevel(30, true);
  assert.equal(rd(c, C.IAR), 30);
  wr(c, C.EOIR, 30);
  assert.equal(rd(c, C.RPR), 0xff);
  assert.equal(rd(d, 0x300), 1 << 30); // still active
  assert.equal(rd(c, C.IAR), GIC_SPURIOUS);
  wr(c, C.DIR, 30);
  assert.equal(rd(d, 0x300), 0);
  assert.equal(rd(c, C.IAR), 30); // line still high: pending again
});

Deno.test("gicv2: SGIs through SGIR carry the source CPU, banked per CPU", () => {
  const { g, d, c, enable, on } = gic(2);
  g.accessCpu = 0;
  enable(3, 0x20);
  on();
  g.accessCpu = 1;
  enable(3, 0x20);
  on();
  g.accessCpu = 0;
  wr(d, 0xf00, (1 << 24) | 3); // to all but self: CPU 1
  assert.equal(rd(c, C.IAR), GIC_SPURIOUS);
  assert.equal(rd(d, 0xf10) & 0xff000000, 0); // CPENDSGIR0 byte 3 for CPU 0
  g.accessCpu = 1;
  assert.equal((rd(d, 0xf10) >>> 24) & 0xff, 1); // pending from CPU 0
  assert.equal(rd(c, C.IAR), 3 | (0 << 10));
  wr(c, C.EOIR, 3);
  g.accessCpu = 0;
  wr(d, 0xf20 + 0, 2 << 8, 4); // SPENDSGIR: SGI 1 from CPU 1 on CPU 0
  enable(1, 0x20);
  assert.equal(rd(c, C.IAR), 1 | (1 << 10));
});

Deno.test("gicv2: uniprocessor ITARGETSR is RAZ/WI; disabled distributor signals nothing", () => {
  const { g, d, c, enable, irq } = gic();
  wr(d, 0x800 + 40, 1, 1);
  assert.equal(rd(d, 0x800 + 40, 1), 0);
  enable(40, 0);
  wr(c, C.PMR, 0xff);
  wr(c, C.CTLR, 1);
  g.setLevel(40, true);
  assert.equal(irq(), false);
  wr(d, D.CTLR, 1);
  assert.equal(irq(), true);
  wr(d, D.ICENABLER + 4, 1 << 8);
  assert.equal(irq(), false);
});

Deno.test("gicv2: bad accesses are guest errors, not crashes", () => {
  const { d, errors } = gic();
  assert.equal(rd(d, 0x0c), 0); // reserved
  wr(d, D.TYPER, 1); // read-only
  assert.equal(rd(d, 0x101, 1), 0); // ISENABLER is word-only
  assert.deepEqual(errors.map((e) => e.split(" ")[0]), ["read", "write", "1-byte"]);
});

Deno.test("gicv2: save/restore round trip keeps pending/active state and the outputs", () => {
  const { g, c, enable, on, irq } = gic();
  enable(40, 0x10);
  on();
  g.setLevel(40, true);
  const snap = g.save();
  assert.equal(rd(c, C.IAR), 40);
  wr(c, C.EOIR, 40);
  g.restore(snap);
  assert.equal(irq(), true);
  assert.equal(rd(c, C.IAR), 40);
  const other = new GicV2({ signal: () => {} }, { numIrqs: 64 });
  assert.throws(() => other.restore(snap), /shape/);
});

Deno.test("gicv2: groups: Group 1 through AIAR (1022 from IAR without AckCtl), Group 0 as FIQ", () => {
  const { g, d, c, lines, enable } = gic();
  enable(50, 0x40);
  enable(51, 0x80);
  wr(d, 0x080 + 4, 1 << (50 - 32)); // 50 is Group 1
  wr(d, D.CTLR, 3);
  wr(c, C.PMR, 0xff);
  wr(c, C.CTLR, 3 | 8); // both groups, FIQEn
  g.setLevel(50, true);
  assert.deepEqual(lines[lines.length - 1], { cpu: 0, irq: true, fiq: false });
  assert.equal(rd(c, C.IAR), 1022);
  assert.equal(rd(c, 0x28), 50); // AHPPIR
  assert.equal(rd(c, 0x20), 50); // AIAR
  wr(c, 0x24, 50); // AEOIR
  g.setLevel(50, false);
  g.setLevel(51, true); // Group 0 with FIQEn: signalled as FIQ
  assert.deepEqual(lines[lines.length - 1], { cpu: 0, irq: false, fiq: true });
  assert.equal(rd(c, 0x20), GIC_SPURIOUS); // AIAR never takes Group 0
  wr(c, C.CTLR, 3 | 8 | 4); // AckCtl: IAR may take Group 1 too
  g.setLevel(51, false);
  g.setLevel(50, true);
  assert.equal(rd(c, C.IAR), 50);
});

Deno.test("gicv2: GICC_APR writes that keep the current value are accepted silently", () => {
  // Linux's gic_cpu_init writes 0 to all four GICC_APRn with nothing active: a no-op, not a gap.
  const unimplemented: string[] = [];
  const log: DeviceLog = { guestError: () => {}, unimplemented: (_d, m) => unimplemented.push(m) };
  const g = new GicV2({ signal: () => {}, log });
  const d = g.distributor, c = g.cpuInterface;
  for (let i = 0; i < 4; i++) wr(c, 0xd0 + 4 * i, 0);
  assert.deepEqual(unimplemented, []);
  wr(d, 0x400 + 27, 0xa0, 1);
  wr(d, D.ISENABLER, 1 << 27);
  wr(d, D.CTLR, 1);
  wr(c, C.PMR, 0xff);
  wr(c, C.CTLR, 1);
  g.setLevel(27, true);
  assert.equal(rd(c, C.IAR), 27);
  // 8 priority bits: 128 preemption levels; 0xa0 is level 80, bit 16 of GICC_APR2.
  const APR2 = 0xd8;
  assert.equal(rd(c, APR2), 1 << 16);
  wr(c, APR2, 1 << 16); // the value it holds
  assert.deepEqual(unimplemented, []);
  wr(c, APR2, 0); // would drop an active priority: not modelled, and said so
  assert.deepEqual(unimplemented, ["GICC_APR writes (active priority restore)"]);
  assert.equal(rd(c, APR2), 1 << 16);
});
