import assert from "node:assert/strict";
import { VgicV2 } from "../../core/hyp/vgic/vgic_v2.ts";
import type { VgicPorts } from "../../core/hyp/vgic/vgic.ts";
import type { MmioAccess, MmioDevice } from "../../core/mem/mmio_bus.ts";
import { XenError } from "../../core/hyp/xen_error.ts";
import { XEN_EINVAL } from "../../core/hyp/abi/errno.ts";
import { LR_ACTIVE, LR_PENDING, MISR_U } from "../../core/devices/gic_virt_cpu_if.ts";
import { rd, wr } from "../devices/mmio_helpers.ts";

const IAR = 0x0c, EOIR = 0x10;

function setup(numVcpus = 1, nrSpis = 1) {
  const ev = {
    irq: new Array<boolean>(numVcpus).fill(false),
    maint: new Array<number>(numVcpus).fill(0),
    kicks: new Array<number>(numVcpus).fill(0),
    deact: [] as [number, number][],
    log: [] as string[],
  };
  const ports: VgicPorts = {
    signal: (v, irq) => ev.irq[v] = irq,
    onMaintenance: (v) => ev.maint[v]++,
    onPhysicalDeactivate: (v, p) => ev.deact.push([v, p]),
    kick: (v) => ev.kicks[v]++,
    log: {
      guestError: (d, m) => ev.log.push(`${d}: ${m}`),
      unimplemented: (d, m) => ev.log.push(`${d}: ${m}`),
    },
  };
  const g = new VgicV2(ports, { numVcpus, nrSpis });
  return { g, ev, d: (v = 0) => g.distributor(v), c: (v = 0) => g.cpuIf(v).gicv };
}

/** Linux's gic_dist_init + gic_cpu_init, as the boot CPU (and gic_cpu_init on the others). */
function linuxInit(g: VgicV2, d: (v?: number) => MmioDevice, c: (v?: number) => MmioDevice) {
  const dist = d(0);
  wr(dist, 0x000, 0);
  const typer = rd(dist, 0x004);
  const irqs = 32 * ((typer & 0x1f) + 1);
  const cpumask = rd(dist, 0x800) & 0xff; // this CPU's bit from ITARGETSR0
  for (let i = 32; i < irqs; i += 16) wr(dist, 0xc00 + i / 4, 0); // all SPIs level
  for (let i = 32; i < irqs; i += 4) wr(dist, 0x800 + i, cpumask * 0x01010101);
  for (let i = 32; i < irqs; i += 4) wr(dist, 0x400 + i, 0xa0a0a0a0);
  for (let i = 32; i < irqs; i += 32) {
    wr(dist, 0x380 + i / 8, 0xffffffff);
    wr(dist, 0x180 + i / 8, 0xffffffff);
  }
  wr(dist, 0x000, 1);
  for (let v = 0; v < g.numVcpus; v++) {
    const dv = d(v);
    wr(dv, 0x380, 0xffffffff);
    wr(dv, 0x180, 0xffff0000);
    wr(dv, 0x100, 0x0000ffff);
    for (let i = 0; i < 32; i += 4) wr(dv, 0x400 + i, 0xa0a0a0a0);
    wr(c(v), 0x04, 0xf0);
    wr(c(v), 0x00, 1);
  }
  return irqs;
}

Deno.test("vGICv2 distributor: Linux's init sequence and the state it leaves", () => {
  const { g, ev, d, c } = setup(2, 1);
  assert.equal(g.numIrqs, 64, "1 SPI asked: Xen rounds up to 32");
  assert.equal(rd(d(), 0x004), 1 << 5 | 1, "CPUNumber 1, ITLinesNumber 1");
  assert.equal(rd(d(), 0x008), 0x43b);
  assert.equal(rd(d(1), 0x800), 0x02020202, "ITARGETSR0 reads the accessing vcpu");
  linuxInit(g, d, c);
  assert.equal(rd(d(), 0x000), 1);
  assert.equal(rd(d(), 0x100), 0xffff, "SGIs enabled");
  assert.equal(rd(d(), 0x104), 0);
  assert.equal(rd(d(), 0x420), 0xa0a0a0a0);
  assert.equal(rd(d(), 0x820), 0x01010101);
  assert.equal(rd(d(), 0x080), 0, "IGROUPR RAZ");
  wr(d(), 0x080, 0xffffffff);
  assert.equal(rd(d(), 0x080), 0, "IGROUPR WI");
  // Byte access to IPRIORITYR and ITARGETSR; SPI retargeted to vcpu 1.
  wr(d(), 0x420, 0x80, 1);
  assert.equal(rd(d(), 0x420, 1), 0x80);
  wr(d(), 0x820, 0x02, 1);
  assert.equal(rd(d(), 0x820), 0x01010102);
  wr(d(), 0x820, 0x00, 1);
  assert.equal(rd(d(), 0x820) & 0xff, 0x02, "empty target list ignored (Xen)");
  // Enable vpl011's SPI 32.
  wr(d(), 0x104, 1);
  assert.equal(rd(d(), 0x104), 1);
  assert.deepEqual(ev.log.filter((l) => !l.includes("ICACTIVER") && !l.includes("ITARGETSR")), []);
});

Deno.test("vGICv2: edge SPI inject -> flush -> IAR -> EOI -> sync", () => {
  const { g, ev, d, c } = setup();
  linuxInit(g, d, c);
  wr(d(), 0xc08, 2); // SPI 32 edge
  wr(d(), 0x104, 1);
  g.inject(null, 32);
  assert.equal(ev.kicks[0], 1);
  assert.equal(g.pending(0), true);
  g.flush(0);
  assert.equal(ev.irq[0], true);
  assert.equal(g.cpuIf(0).lrs[0].state, LR_PENDING);
  assert.equal(g.cpuIf(0).lrs[0].eoi, 0, "edge: no EOI maintenance");
  assert.equal(rd(c(), IAR), 32);
  assert.equal(ev.irq[0], false);
  g.sync(0);
  assert.equal(g.state.irqs.active[g.slot(0, 32)], 1, "active comes back with sync");
  g.flush(0);
  assert.equal(g.cpuIf(0).lrs[0].state, LR_ACTIVE, "active interrupts stay in LRs");
  g.inject(null, 32); // again while active: pending and active
  g.flush(0);
  assert.equal(g.cpuIf(0).lrs[0].state, LR_ACTIVE | LR_PENDING);
  wr(c(), EOIR, 32);
  assert.equal(g.cpuIf(0).lrs[0].state, LR_PENDING);
  assert.equal(rd(c(), IAR), 32);
  wr(c(), EOIR, 32);
  g.sync(0);
  const k = g.slot(0, 32);
  assert.equal(g.state.irqs.active[k] + g.state.irqs.latch[k], 0);
  assert.equal(g.pending(0), false);
  assert.equal(ev.maint[0], 0);
});

Deno.test("vGICv2: level SPI is resampled through the EOI maintenance interrupt", () => {
  const { g, ev, d, c } = setup();
  linuxInit(g, d, c);
  wr(d(), 0x104, 1);
  g.setLevel(null, 32, true);
  g.flush(0);
  const lr = g.cpuIf(0).lrs[0];
  assert.equal(lr.eoi, 1);
  assert.equal(rd(c(), IAR), 32);
  // The guest's handler drains the UART (line stays high: more data), then EOIs.
  wr(c(), EOIR, 32);
  assert.equal(ev.maint[0], 1, "EOI maintenance");
  g.sync(0);
  g.flush(0);
  assert.equal(g.cpuIf(0).lrs[0].state, LR_PENDING, "line still high: delivered again");
  assert.equal(rd(c(), IAR), 32);
  g.setLevel(null, 32, false);
  wr(c(), EOIR, 32);
  assert.equal(ev.maint[0], 2);
  g.sync(0);
  g.flush(0);
  assert.equal(g.cpuIf(0).lrs[0].state, 0, "line low: nothing more");
  assert.equal(g.cpuIf(0).maintenance, false);
  // A level interrupt that drops before the guest takes it disappears.
  g.setLevel(null, 32, true);
  g.flush(0);
  g.setLevel(null, 32, false);
  g.sync(0);
  assert.equal(g.pending(0), false);
});

Deno.test("vGICv2: HW-linked virtual timer PPI 27: physical deactivation, no maintenance", () => {
  const { g, ev, d, c } = setup();
  linuxInit(g, d, c);
  wr(d(), 0x100, 1 << 27);
  g.hwLink(0, 27, 27);
  g.setLevel(0, 27, true);
  g.flush(0);
  const lr = g.cpuIf(0).lrs[0];
  assert.deepEqual([lr.hw, lr.pintid, lr.eoi, lr.vintid], [1, 27, 0, 27]);
  assert.equal(rd(c(), IAR), 27, "HW interrupts report no source CPU");
  g.setLevel(0, 27, false); // the guest masked the timer in its handler
  wr(c(), EOIR, 27);
  assert.deepEqual(ev.deact, [[0, 27]]);
  assert.equal(ev.maint[0], 0);
  g.sync(0);
  assert.equal(g.state.irqs.active[g.slot(0, 27)], 0);
  assert.throws(() => g.hwLink(0, 3, 27), (e) => e instanceof XenError && e.errno === XEN_EINVAL);
  assert.throws(() => g.hwLink(0, 27, 5000), XenError);
});

Deno.test("vGICv2: priority order, PMR and running priority, preemption", () => {
  const { g, d, c } = setup(1, 32);
  linuxInit(g, d, c);
  wr(d(), 0x104, 0b1110);
  wr(d(), 0x420, 0xc08040a0); // 33: 0x40, 34: 0x80, 35: 0xc0
  wr(c(), 0x04, 0xc0); // PMR masks 0xc0 and lower priority
  for (const id of [35, 34, 33]) g.inject(null, id);
  g.flush(0);
  assert.equal(rd(c(), IAR), 33);
  assert.equal(rd(c(), IAR), 1023, "0x80 does not preempt running 0x40");
  wr(c(), EOIR, 33);
  assert.equal(rd(c(), IAR), 34);
  wr(c(), EOIR, 34);
  assert.equal(rd(c(), IAR), 1023, "0xc0 masked by PMR 0xc0");
  assert.equal(g.pending(0), false);
  wr(c(), 0x04, 0xf0);
  assert.equal(g.pending(0), true);
  assert.equal(rd(c(), IAR), 35);
  wr(c(), EOIR, 35);
  assert.equal(rd(c(), IAR), 1023, "spurious when nothing is left");
});

Deno.test("vGICv2: more pending than list registers: underflow maintenance brings the rest", () => {
  const { g, ev, d, c } = setup(1, 32);
  linuxInit(g, d, c);
  for (let i = 32; i < 64; i += 16) wr(d(), 0xc00 + i / 4, 0xaaaaaaaa); // edge
  wr(d(), 0x104, 0x7f);
  for (let id = 38; id >= 32; id--) g.inject(null, id); // 7 interrupts, same priority
  g.flush(0);
  assert.deepEqual(g.cpuIf(0).lrs.map((l) => l.vintid), [32, 33, 34, 35]);
  const got: number[] = [];
  for (let round = 0; round < 4 && got.length < 7; round++) {
    for (;;) {
      const id = rd(c(), IAR);
      if (id === 1023) break;
      got.push(id);
      wr(c(), EOIR, id);
    }
    if (ev.maint[0] > round) {
      assert.equal(g.cpuIf(0).misr() & MISR_U, MISR_U);
      g.sync(0);
      g.flush(0);
    }
  }
  assert.deepEqual(got, [32, 33, 34, 35, 36, 37, 38]);
  assert.equal(g.cpuIf(0).state.hcr & 2, 0, "no underflow request once all fit");
});

Deno.test("vGICv2: a higher-priority interrupt displaces pending ones from the LRs", () => {
  const { g, d, c } = setup(1, 32);
  linuxInit(g, d, c);
  wr(d(), 0x104, 0x3f);
  for (let id = 32; id < 37; id++) g.inject(null, id);
  g.flush(0);
  wr(d(), 0x424, 0x10, 1); // SPI 36 to priority 0x10 while out of the LRs
  g.flush(0);
  assert.equal(rd(c(), IAR), 36);
});

Deno.test("vGICv2: SGIs through GICD_SGIR: list, all-but-self, self; source in IAR", () => {
  const { g, ev, d, c } = setup(3);
  linuxInit(g, d, c);
  wr(d(1), 0xf00, 0b101 << 16 | 5); // vcpu 1 -> vcpus 0 and 2, SGI 5
  assert.deepEqual(ev.kicks, [1, 0, 1]);
  g.flush(0);
  g.flush(2);
  assert.equal(rd(c(0), IAR), 1 << 10 | 5);
  assert.equal(rd(c(2), IAR), 1 << 10 | 5);
  wr(c(0), EOIR, 1 << 10 | 5);
  wr(c(2), EOIR, 1 << 10 | 5);
  wr(d(0), 0xf00, 1 << 24 | 3); // all but self
  g.flush(0);
  g.flush(1);
  g.flush(2);
  assert.equal(rd(c(0), IAR), 1023);
  assert.equal(rd(c(1), IAR), 3);
  assert.equal(rd(c(2), IAR), 3);
  wr(d(2), 0xf00, 2 << 24 | 7); // self
  g.flush(2);
  assert.equal(rd(c(2), IAR), 1023, "running priority 0xa0 blocks another 0xa0");
  wr(c(2), EOIR, 3);
  assert.equal(rd(c(2), IAR), 2 << 10 | 7);
  // Reserved filter: Xen's "unhandled" -> data abort.
  const a: MmioAccess = { offset: 0xf00, size: 4, write: true, value: 3 << 24, valueHi: 0 };
  assert.equal(d(0).access(a), "abort");
});

Deno.test("vGICv2: Xen's unhandled accesses abort; reserved ones read zero", () => {
  const { d } = setup();
  const acc = (offset: number, size: 1 | 2 | 4 | 8, write: boolean, value = 0) => {
    const a: MmioAccess = { offset, size, write, value, valueHi: 0 };
    return [d().access(a), a.value] as const;
  };
  assert.deepEqual(acc(0x000, 1, false), ["abort", 0], "CTLR byte read: bad width");
  assert.deepEqual(acc(0x300, 4, true, 1), ["abort", 1], "ISACTIVER set");
  assert.deepEqual(acc(0x300, 4, true, 0)[0], "done");
  assert.deepEqual(acc(0xf10, 1, true, 1)[0], "abort", "CPENDSGIR");
  assert.deepEqual(acc(0xfe8, 4, false)[0], "abort", "ICPIDR2 read");
  assert.deepEqual(acc(0x800, 1, true, 1)[0], "abort", "ITARGETSR0 byte write");
  assert.deepEqual(acc(0x800, 4, true, 1)[0], "done");
  assert.deepEqual(acc(0x00c, 4, false), ["done", 0], "reserved");
  assert.deepEqual(acc(0xf00, 4, false), ["done", 0xdeadbeef], "SGIR read");
  assert.deepEqual(acc(0x7fc, 2, false)[0], "done");
});

Deno.test("vGICv2: junk accesses and bad hypervisor arguments never throw anything else", () => {
  const { g, d, c } = setup(2, 64);
  for (let off = 0; off < 0x1000; off += 1) {
    for (const size of [1, 2, 4, 8] as const) {
      for (const write of [false, true]) {
        const a = { offset: off, size, write, value: 0xffffffff, valueHi: 0xffffffff };
        const o = d(off & 1).access(a);
        assert.ok(o === "done" || o === "abort");
      }
    }
  }
  for (const off of [-4, 0x1000, 0x12345678, 1.5]) {
    const a = { offset: off, size: 4 as const, write: false, value: 0, valueHi: 0 };
    assert.equal(d().access(a), "abort");
  }
  for (let off = 0; off < 0x2000; off += 4) {
    c(1).access({ offset: off, size: 4, write: true, value: 0xffffffff, valueHi: 0 });
  }
  g.flush(0);
  g.flush(1);
  for (const bad of [() => g.inject(null, 5), () => g.inject(0, 4096), () => g.inject(7, 3)]) {
    assert.throws(bad, (e) => e instanceof XenError && e.errno === XEN_EINVAL);
  }
  assert.throws(() => g.setLevel(0, -1, true), XenError);
  assert.throws(() => g.flush(2), XenError);
  assert.throws(() => new VgicV2({} as VgicPorts, { numVcpus: 9, nrSpis: 0 }), XenError);
});

Deno.test("vGICv2: an injected level-configured PPI (event channel upcall) needs no resample", () => {
  const { g, ev, d, c } = setup();
  linuxInit(g, d, c);
  wr(d(), 0x100, 1 << 31);
  g.inject(0, 31);
  g.flush(0);
  assert.equal(g.cpuIf(0).lrs[0].eoi, 0);
  assert.equal(rd(c(), IAR), 31);
  wr(c(), EOIR, 31);
  assert.equal(ev.maint[0], 0);
  g.sync(0);
  assert.equal(g.pending(0), false);
});

Deno.test("vGICv2: save/restore carries distributor and list registers", () => {
  const a = setup(2);
  linuxInit(a.g, a.d, a.c);
  wr(a.d(), 0x104, 1);
  a.g.inject(null, 32);
  a.g.flush(0);
  const saved = a.g.save();
  const b = setup(2);
  b.g.restore(saved);
  assert.equal(b.ev.irq[0], true, "the restored interface signals again");
  assert.equal(rd(b.c(), IAR), 32);
  assert.equal(rd(b.d(), 0x104), 1);
  assert.throws(() => setup(1).g.restore(saved), /vGIC/);
});
