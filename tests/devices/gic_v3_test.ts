/**
 * GICv3 model: what the gic_v3 guest cannot show on a one-PE QEMU board (several PEs, SGI
 * routing by affinity and IRM, SPI routing and 1-of-N, the WAKER gate, snapshot) plus the
 * register and priority behaviour the guest compares with QEMU, at the API level.
 */
import assert from "node:assert/strict";
import { affinityOfMpidr, GICR_STRIDE, GicV3 } from "../../core/devices/gic_v3.ts";
import { INTID_SPURIOUS } from "../../core/devices/gic_v3_irq_state.ts";
import type { DeviceLog } from "../../core/devices/register_rows.ts";
import type { MmioAccess } from "../../core/mem/mmio_bus.ts";
import { rd, wr } from "./mmio_helpers.ts";

const SGI = 0x1_0000;
const GICR = {
  CTLR: 0,
  TYPER: 8,
  WAKER: 0x14,
  IGROUPR0: SGI + 0x80,
  ISENABLER0: SGI + 0x100,
  ISPENDR0: SGI + 0x200,
  ICPENDR0: SGI + 0x280,
  ISACTIVER0: SGI + 0x300,
  IPRIORITYR: SGI + 0x400,
  ICFGR1: SGI + 0xc04,
};
const GICD = {
  CTLR: 0,
  TYPER: 4,
  IGROUPR: 0x80,
  ISENABLER: 0x100,
  ISPENDR: 0x200,
  ISACTIVER: 0x300,
  IPRIORITYR: 0x400,
  IROUTER: 0x6000,
};

function gic(numCpus = 1, affinities?: number[]) {
  const lines = new Map<number, { irq: boolean; fiq: boolean }>();
  const errors: string[] = [];
  const log: DeviceLog = { guestError: (_d, m) => errors.push(m), unimplemented: () => {} };
  const g = new GicV3({ signal: (cpu, irq, fiq) => lines.set(cpu, { irq, fiq }), log }, {
    numCpus,
    ...(affinities ? { affinities } : {}),
  });
  const d = g.distributor, r = g.redistributors;
  const cif = (cpu: number) => g.cpuInterfaces[cpu];
  /** Wakes every redistributor, enables Group 1 everywhere, PMR open. */
  const on = () => {
    for (let c = 0; c < numCpus; c++) {
      wr(r, c * GICR_STRIDE + GICR.WAKER, 0);
      wr(r, c * GICR_STRIDE + GICR.IGROUPR0, 0xffffffff);
      cif(c).write("PMR", 0xffn);
      cif(c).write("IGRPEN1", 1n);
    }
    for (let i = 1; i < g.numIrqs / 32; i++) wr(d, GICD.IGROUPR + 4 * i, 0xffffffff);
    wr(d, GICD.CTLR, 2);
  };
  const irq = (cpu = 0) => lines.get(cpu)?.irq ?? false;
  const fiq = (cpu = 0) => lines.get(cpu)?.fiq ?? false;
  const ack = (cpu = 0) => Number(cif(cpu).read("IAR1"));
  return { g, d, r, cif, on, irq, fiq, ack, errors };
}

/** A 64-bit MMIO read. */
function rd64(dev: GicV3["distributor"], offset: number): bigint {
  const a: MmioAccess = { offset, size: 8, write: false, value: 0, valueHi: 0 };
  assert.equal(dev.access(a), "done");
  return (BigInt(a.valueHi >>> 0) << 32n) | BigInt(a.value >>> 0);
}

/** A 64-bit MMIO write. */
function wr64(dev: GicV3["distributor"], offset: number, v: bigint): void {
  const a: MmioAccess = {
    offset,
    size: 8,
    write: true,
    value: Number(v & 0xffffffffn),
    valueHi: Number(v >> 32n),
  };
  assert.equal(dev.access(a), "done");
}

Deno.test("gicv3: identification, TYPER and per-PE redistributor frames", () => {
  const { d, r } = gic(3, [0x000, 0x001, 0x0100]);
  assert.equal(rd(d, GICD.CTLR), 0x50, "ARE and DS set, groups disabled");
  assert.equal(rd(d, GICD.TYPER), 0x01780007, "A3V, 16 ID bits, 256 INTIDs; no LPIs, 1-of-N");
  assert.equal(rd(d, 0x8), 0x43b);
  assert.equal(rd(d, 0xc), 0, "TYPER2 (Linux reads it)");
  assert.equal(rd(d, 0xffe8), 0x3b, "PIDR2: GICv3");
  assert.equal(rd(r, 0xffe0), 0x93, "redistributor PIDR0");
  for (let c = 0; c < 3; c++) {
    const typer = rd64(r, c * GICR_STRIDE + GICR.TYPER);
    assert.equal(Number(typer & 0xffffn) >> 8, c, "Processor_Number");
    assert.equal((typer >> 4n) & 1n, c === 2 ? 1n : 0n, "Last only on the last frame");
    assert.equal(typer >> 32n, BigInt([0, 1, 0x100][c]), "affinity");
    assert.equal(rd(r, c * GICR_STRIDE + GICR.TYPER + 4), [0, 1, 0x100][c]);
    assert.equal(rd(r, c * GICR_STRIDE + GICR.WAKER), 6, "asleep at reset");
  }
  assert.equal(affinityOfMpidr(0x8000_0000n), 0);
  assert.equal(affinityOfMpidr(0x12_8034_0201n), 0x1234_0201);
});

Deno.test("gicv3: WAKER handshake gates forwarding to the CPU interface", () => {
  const { g, d, r, cif, irq, ack } = gic();
  wr(d, GICD.CTLR, 2);
  wr(r, GICR.IGROUPR0, 0xffffffff);
  wr(r, GICR.ISENABLER0, 1 << 27);
  cif(0).write("PMR", 0xf0n);
  cif(0).write("IGRPEN1", 1n);
  g.setLevel(27, true);
  assert.equal(rd(r, GICR.ISPENDR0), 1 << 27, "pending in the redistributor");
  assert.equal(irq(), false, "ProcessorSleep = 1: nothing forwarded");
  assert.equal(ack(), INTID_SPURIOUS);
  wr(r, GICR.WAKER, 0);
  assert.equal(rd(r, GICR.WAKER), 0, "ChildrenAsleep follows at once");
  assert.equal(irq(), true);
  assert.equal(ack(), 27);
});

Deno.test("gicv3: SGIs by target list, affinity and IRM, in the group they are configured in", () => {
  const { r, cif, on, irq } = gic(3, [0x000, 0x001, 0x0100]);
  on();
  const pending = (c: number) => rd(r, c * GICR_STRIDE + GICR.ISPENDR0) & 0xffff;
  const sgi1 = (from: number, v: bigint) => cif(from).write("SGI1R", v);
  sgi1(0, (1n << 24n) | 0b11n); // SGI 1 to Aff1 0, Aff0 {0, 1}
  sgi1(0, (2n << 24n) | (1n << 16n) | 1n); // SGI 2 to Aff1 1, Aff0 0 (PE 2)
  sgi1(1, (3n << 24n) | (1n << 40n)); // SGI 3 to everyone but PE 1
  sgi1(0, (4n << 24n) | 0b100n); // SGI 4 to Aff0 2: nobody
  assert.deepEqual([pending(0), pending(1), pending(2)], [0b1010, 0b0010, 0b1100]);
  // An SGI configured in Group 0 is not generated by SGI1R, only by SGI0R.
  wr(r, GICR_STRIDE + GICR.IGROUPR0, ~(1 << 5));
  sgi1(0, (5n << 24n) | 0b10n);
  assert.equal(pending(1) & (1 << 5), 0);
  cif(0).write("SGI0R", (5n << 24n) | 0b10n);
  assert.equal(pending(1) & (1 << 5), 1 << 5);
  for (let c = 0; c < 3; c++) wr(r, c * GICR_STRIDE + 0x10100, 0xffff); // enable all SGIs
  assert.equal(irq(0), true);
  assert.equal(irq(1), true);
  assert.equal(Number(cif(1).read("IAR1")), 1);
});

Deno.test("gicv3: SPIs routed by affinity, and 1 of N with IRM", () => {
  const { g, d, r, cif, on, irq, ack } = gic(2);
  on();
  wr(d, GICD.ISENABLER + 4, 0xffffffff);
  wr64(d, GICD.IROUTER + 8 * 40, 1n); // PE 1
  assert.equal(rd64(d, GICD.IROUTER + 8 * 40), 1n);
  g.setLevel(40, true);
  assert.deepEqual([irq(0), irq(1)], [false, true]);
  assert.equal(ack(1), 40);
  g.setLevel(40, false);
  cif(1).write("EOIR1", 40n);
  // Routed to an affinity no PE has: stays pending, offered to nobody.
  wr64(d, GICD.IROUTER + 8 * 41, 0xff_0000_0000n);
  wr(d, GICD.ISPENDR + 4, 1 << 9);
  assert.deepEqual([irq(0), irq(1)], [false, false]);
  assert.equal(rd(d, GICD.ISPENDR + 4), 1 << 9);
  // IRM: the first awake PE with Group 1 enabled takes it.
  wr64(d, GICD.IROUTER + 8 * 41, 0x8000_0000n | 0xffn);
  assert.equal(rd64(d, GICD.IROUTER + 8 * 41), 0x8000_00ffn);
  assert.deepEqual([irq(0), irq(1)], [true, false]);
  cif(0).write("IGRPEN1", 0n);
  assert.deepEqual([irq(0), irq(1)], [false, true]);
  cif(0).write("IGRPEN1", 1n);
  wr(r, GICR.WAKER, 2); // PE 0 goes to sleep
  assert.deepEqual([irq(0), irq(1)], [false, true]);
  assert.equal(ack(1), 41);
  // Reserved IROUTER bits are RES0.
  wr64(d, GICD.IROUTER + 8 * 42, 0xffff_ffff_ffff_ffffn);
  assert.equal(rd64(d, GICD.IROUTER + 8 * 42), 0xff_80ff_ffffn);
});

Deno.test("gicv3: priority mask, preemption by group priority, running priority and APR", () => {
  const { g, d, cif, on, irq, ack } = gic();
  on();
  wr(d, GICD.ISENABLER + 4, 0xffffffff);
  const prio = (id: number, p: number) => wr(d, GICD.IPRIORITYR + id, p, 1);
  prio(40, 0x80);
  prio(41, 0x40);
  prio(42, 0x88);
  const c = cif(0);
  c.write("PMR", 0x80n);
  g.setLevel(40, true);
  assert.equal(irq(), false, "0x80 is not above PMR 0x80");
  assert.equal(Number(c.read("HPPIR1")), 40, "HPPIR ignores the mask");
  c.write("PMR", 0xf0n);
  assert.equal(irq(), true);
  assert.equal(ack(), 40);
  assert.equal(c.read("RPR"), 0x80n);
  assert.equal(c.read("AP1R0"), 1n << 16n);
  g.setLevel(42, true);
  assert.equal(irq(), false, "0x88 is lower than the running 0x80");
  g.setLevel(41, true);
  assert.equal(irq(), true, "0x40 preempts");
  assert.equal(ack(), 41);
  g.setLevel(41, false);
  assert.equal(c.read("RPR"), 0x40n);
  assert.equal(c.read("AP1R0"), (1n << 16n) | (1n << 8n));
  c.write("EOIR1", 41n);
  c.write("EOIR1", 40n);
  assert.equal(c.read("RPR"), 0xffn);
  assert.equal(ack(), 40, "level 40 still high");
  c.write("EOIR1", 40n);
  g.setLevel(40, false);
  assert.equal(ack(), 42);
  c.write("EOIR1", 42n);
  // BPR1 = 5: group priority [7:5], so with 0x88 active 0x80 is in the same group (no
  // preemption) while 0x40 still preempts.
  c.write("BPR1", 5n);
  assert.equal(ack(), 42, "level 42 still high");
  assert.equal(c.read("AP1R0"), 1n << 16n, "group priority 0x80 active");
  g.setLevel(40, true);
  assert.equal(irq(), false);
  g.setLevel(41, true);
  assert.equal(irq(), true);
});

Deno.test("gicv3: EOImode 1 splits priority drop and deactivation; Group 0 is FIQ", () => {
  const { d, r, cif, on, fiq, ack, errors } = gic();
  on();
  const c = cif(0);
  wr(d, GICD.ISENABLER + 4, 1);
  c.write("CTLR", 2n);
  assert.equal(c.read("CTLR"), 0x8c02n);
  wr(d, GICD.ISPENDR + 4, 1);
  assert.equal(ack(), 32);
  c.write("EOIR1", 32n);
  assert.equal(c.read("RPR"), 0xffn);
  assert.equal(rd(d, GICD.ISACTIVER + 4), 1, "still active");
  c.write("DIR", 32n);
  assert.equal(rd(d, GICD.ISACTIVER + 4), 0);
  c.write("CTLR", 0n);
  // Group 0 SGI: FIQ, acknowledged through IAR0 only.
  wr(r, GICR.IGROUPR0, ~1);
  wr(r, GICR.ISENABLER0, 1);
  wr(d, GICD.CTLR, 3);
  c.write("SGI0R", 1n);
  assert.equal(fiq(), false, "IGRPEN0 clear");
  c.write("IGRPEN0", 1n);
  assert.equal(fiq(), true);
  assert.equal(ack(), INTID_SPURIOUS);
  assert.equal(c.read("IAR0"), 0n);
  c.write("EOIR1", 0n);
  assert.match(errors.at(-1) ?? "", /highest active priority is Group 0/);
  c.write("EOIR0", 0n);
  assert.equal(rd(r, GICR.ISACTIVER0), 0);
});

Deno.test("gicv3: edge/level PPIs, register masks, bad accesses are logged guest errors", () => {
  const { g, d, r, errors } = gic();
  wr(r, GICR.ICFGR1, 0xffffffff);
  assert.equal(rd(r, GICR.ICFGR1), 0xaaaaaaaa);
  wr(r, GICR.ICFGR1, 2 << 22); // PPI 27 edge
  g.setLevel(27, true);
  g.setLevel(27, false);
  assert.equal(rd(r, GICR.ISPENDR0), 1 << 27, "the edge latched");
  wr(r, GICR.ICPENDR0, 1 << 27);
  assert.equal(rd(r, GICR.ISPENDR0), 0);
  wr(d, GICD.ISENABLER, 0xffffffff);
  assert.equal(rd(d, GICD.ISENABLER), 0, "private IDs are RAZ/WI in the distributor");
  wr(d, 0xf00, 0x02000001);
  assert.match(errors.at(-1) ?? "", /GICD_SGIR/);
  rd(d, 0x40);
  assert.match(errors.at(-1) ?? "", /reserved offset 0x40/);
  assert.throws(() => g.setLevel(5, true), /setLevel of interrupt 5/);
  assert.throws(() => g.setLevel(300, true), /setLevel of interrupt 300/);
  assert.throws(() => new GicV3({ signal() {} }, { numIrqs: 100 }), /numIrqs 100/);
  assert.throws(
    () => new GicV3({ signal() {} }, { numCpus: 2, affinities: [1, 1] }),
    /affinity 0x1 of PE 1/,
  );
});

Deno.test("gicv3: save/restore round trip; a state of another shape is refused", () => {
  const a = gic();
  a.on();
  wr(a.d, GICD.ISENABLER + 4, 1);
  wr(a.d, GICD.ISPENDR + 4, 1);
  assert.equal(a.ack(), 32);
  const saved = a.g.save();
  const b = gic();
  b.g.restore(saved);
  assert.equal(b.cif(0).read("RPR"), 0n);
  assert.equal(rd(b.d, GICD.ISACTIVER + 4), 1);
  b.cif(0).write("EOIR1", 32n);
  assert.equal(rd(b.d, GICD.ISACTIVER + 4), 0);
  assert.equal(rd(a.d, GICD.ISACTIVER + 4), 1, "the original is untouched");
  assert.throws(() => gic(2).g.restore(saved), /does not fit|CPU interfaces/);
});
