import assert from "node:assert/strict";
import { VgicV3, vgicV3Affinity } from "../../core/hyp/vgic/vgic_v3.ts";
import { createVgic } from "../../core/hyp/vgic/create_vgic.ts";
import type { VgicPorts } from "../../core/hyp/vgic/vgic.ts";
import type { MmioAccess, MmioDevice } from "../../core/mem/mmio_bus.ts";
import { XenError } from "../../core/hyp/xen_error.ts";
import { XEN_EINVAL } from "../../core/hyp/abi/errno.ts";
import { LR_ACTIVE, LR_PENDING } from "../../core/devices/gic_virt_cpu_if.ts";
import { VgicV2 } from "../../core/hyp/vgic/vgic_v2.ts";
import { rd, wr } from "../devices/mmio_helpers.ts";
import { decodeIccTrap, emulateIccTrap } from "../../core/hyp/vgic/icc_trap.ts";
import { Cpu } from "../../core/cpu/cpu.ts";
import { a64Decoder } from "../../core/cpu/decode/table.ts";
import { PhysMemory } from "../../core/mem/phys_memory.ts";

const SGI = 0x1_0000, STRIDE = 0x2_0000;

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
  const g = new VgicV3(ports, { numVcpus, nrSpis });
  const [dr, rr] = g.regions();
  return { g, ev, d: dr.device, r: rr.device, c: (v = 0) => g.cpuIf(v) };
}

/** Linux's gic_dist_init, gic_populate_rdist/gic_enable_redist and gic_cpu_init per vcpu. */
function linuxInit(g: VgicV3, d: MmioDevice, r: MmioDevice) {
  wr(d, 0x0, 0);
  const typer = rd(d, 0x4);
  const irqs = Math.min(32 * ((typer & 0x1f) + 1), 1020);
  for (let i = 32; i < irqs; i += 32) wr(d, 0x80 + i / 8, 0xffffffff);
  for (let i = 32; i < irqs; i += 16) wr(d, 0xc00 + i / 4, 0);
  for (let i = 32; i < irqs; i += 4) wr(d, 0x400 + i, 0xa0a0a0a0);
  for (let i = 32; i < irqs; i += 32) {
    wr(d, 0x380 + i / 8, 0xffffffff);
    wr(d, 0x180 + i / 8, 0xffffffff);
  }
  wr(d, 0x0, 0x13); // ARE_NS | EnableGrp1A | EnableGrp1
  for (let i = 32; i < irqs; i++) wr(d, 0x6000 + 8 * i, vgicV3Affinity(0), 8);
  for (let v = 0; v < g.numVcpus; v++) {
    // Find this vcpu's frame the way Linux does: PIDR2 arch, then TYPER affinity, until Last.
    let f = 0;
    for (;; f += STRIDE) {
      assert.equal(rd(r, f + 0xffe8) & 0xf0, 0x30);
      const a = { offset: f + 8, size: 8 as const, write: false, value: 0, valueHi: 0 };
      assert.equal(r.access(a), "done");
      if (a.valueHi === vgicV3Affinity(v)) break;
      assert.equal(a.value & 0x10, 0, "Last before the vcpu was found");
    }
    wr(r, f + 0x14, 0);
    assert.equal(rd(r, f + 0x14) & 4, 0, "ChildrenAsleep clear");
    wr(r, f + SGI + 0x80, 0xffffffff);
    wr(r, f + SGI + 0x380, 0xffffffff);
    wr(r, f + SGI + 0x180, 0xffff0000);
    wr(r, f + SGI + 0x100, 0x0000ffff);
    for (let i = 0; i < 32; i += 4) wr(r, f + SGI + 0x400 + i, 0xa0a0a0a0);
    const c = g.cpuIf(v);
    assert.equal(c.read("SRE") & 1n, 1n);
    c.write("PMR", 0xf0n);
    c.write("BPR1", 0n);
    c.write("CTLR", 0n);
    c.write("IGRPEN1", 1n);
  }
}

Deno.test("vGICv3: identification, TYPER, and Linux's init leaves the state Linux wants", () => {
  const { g, ev, d, r } = setup(2, 1);
  assert.equal(rd(d, 0x4), (1 << 5) | 1 | (9 << 19));
  assert.equal(rd(d, 0x8), 0x34c);
  assert.equal(rd(d, 0xffe8), 0x30);
  assert.equal(rd(d, 0xc), 0, "TYPER2 reserved");
  assert.equal(rd(r, 0x8), 0, "vcpu 0: processor 0, not last");
  assert.equal(rd(r, STRIDE + 0x8), 1 << 8 | 1 << 4, "vcpu 1: processor 1, Last");
  assert.equal(rd(r, STRIDE + 0xc), 1, "vcpu 1 affinity");
  linuxInit(g, d, r);
  assert.equal(rd(d, 0x0), 0x12, "ARE_NS | EnableGrp1A");
  assert.equal(rd(d, 0x80 + 4), 0, "IGROUPR RAZ");
  assert.equal(rd(d, 0x100), 0, "private interrupts RAZ in GICD");
  assert.equal(rd(r, SGI + 0x100), 0xffff);
  assert.equal(rd(r, SGI + 0x400), 0xa0a0a0a0);
  assert.equal(rd(r, SGI + 0xc00), 0xaaaaaaaa, "SGIs edge");
  assert.equal(rd(d, 0x6100), 0);
  wr(d, 0x6100, vgicV3Affinity(1));
  assert.equal(g.state.target[32], 1);
  wr(d, 0x6100, 0x8000_0000);
  assert.equal(rd(d, 0x6100), 0, "IRM: vcpu 0 (Xen)");
  wr(d, 0x6100, 7);
  assert.equal(g.state.target[32], 0, "no vcpu 7: ignored");
  assert.deepEqual(ev.log.filter((l) => !l.includes("ICACTIVER") && !l.includes("IROUTER")), []);
});

Deno.test("vGICv3: edge SPI inject -> flush -> ICV_IAR1 -> EOIR1 -> sync", () => {
  const { g, ev, d, r, c } = setup();
  linuxInit(g, d, r);
  wr(d, 0xc08, 2);
  wr(d, 0x104, 1);
  g.inject(null, 32);
  assert.equal(ev.kicks[0], 1);
  g.flush(0);
  assert.equal(ev.irq[0], true);
  assert.equal(c().lrs[0].group, 1);
  assert.equal(c().read("IAR1"), 32n);
  g.sync(0);
  g.flush(0);
  assert.equal(c().lrs[0].state, LR_ACTIVE);
  c().write("EOIR1", 32n);
  g.sync(0);
  assert.equal(g.pending(0), false);
  assert.equal(c().read("IAR1"), 1023n);
  assert.equal(ev.maint[0], 0);
});

Deno.test("vGICv3: level SPI resampled via maintenance; HW-linked timer PPI needs none", () => {
  const { g, ev, d, r, c } = setup();
  linuxInit(g, d, r);
  wr(d, 0x104, 1);
  wr(r, SGI + 0x100, 1 << 27);
  g.hwLink(0, 27, 27);
  g.setLevel(null, 32, true);
  g.setLevel(0, 27, true);
  g.flush(0);
  assert.equal(c().read("IAR1"), 27n, "lowest INTID first at equal priority");
  g.setLevel(0, 27, false);
  c().write("EOIR1", 27n);
  assert.deepEqual(ev.deact, [[0, 27]]);
  assert.equal(ev.maint[0], 0);
  assert.equal(c().read("IAR1"), 32n);
  c().write("EOIR1", 32n);
  assert.equal(ev.maint[0], 1);
  g.sync(0);
  g.flush(0);
  assert.equal(c().lrs[0].vintid, 32);
  assert.equal(c().lrs[0].state, LR_PENDING, "line still high");
  g.setLevel(null, 32, false);
  g.sync(0);
  g.flush(0);
  assert.equal(c().lrs[0].state, 0);
});

Deno.test("vGICv3: priority and PMR masking; more interrupts than LRs", () => {
  const { g, ev, d, r, c } = setup(1, 32);
  linuxInit(g, d, r);
  wr(d, 0x104, 0x3fe);
  wr(d, 0x420, 0xc0804000); // 33: 0x40, 34: 0x80, 35: 0xc0 ... 32 at 0x00 but not enabled
  for (let id = 33; id < 42; id++) g.inject(null, id);
  c().write("PMR", 0xc0n);
  g.flush(0);
  assert.deepEqual(c().lrs.map((l) => l.vintid), [33, 34, 36, 37]);
  assert.equal(c().read("IAR1"), 33n);
  assert.equal(c().read("IAR1"), 1023n, "running priority");
  c().write("EOIR1", 33n);
  const got: number[] = [];
  for (let round = 0; round < 5; round++) {
    for (;;) {
      const id = Number(c().read("IAR1"));
      if (id === 1023) break;
      got.push(id);
      c().write("EOIR1", BigInt(id));
    }
    g.sync(0);
    g.flush(0);
  }
  assert.deepEqual(got, [34, 36, 37, 38, 39, 40, 41]);
  assert.ok(ev.maint[0] >= 1, "underflow maintenance asked for the rest");
  assert.equal(g.pending(0), false, "35 is masked by PMR");
  c().write("PMR", 0xf0n);
  assert.equal(g.pending(0), true);
});

Deno.test("vGICv3: SGIs by ICC_SGI1R with affinity targeting and IRM", () => {
  const { g, ev, d, r, c } = setup(18);
  linuxInit(g, d, r);
  // vcpu 0 -> SGI 1 to Aff1 = 1, Aff0 in {0, 1}: vcpus 16 and 17.
  c(0).write("SGI1R", 1n << 24n | 1n << 16n | 0b11n);
  assert.equal(ev.kicks[16] + ev.kicks[17], 2);
  g.flush(16);
  g.flush(17);
  assert.equal(c(16).read("IAR1"), 1n);
  assert.equal(c(17).read("IAR1"), 1n);
  // vcpu 3 -> SGI 2 to Aff1 = 0 list {3, 5}: itself and vcpu 5.
  c(3).write("SGI1R", 2n << 24n | 0b101000n);
  g.flush(3);
  g.flush(5);
  assert.equal(c(3).read("IAR1"), 2n);
  assert.equal(c(5).read("IAR1"), 2n);
  // IRM: everyone but the sender.
  c(2).write("SGI1R", 1n << 40n | 4n << 24n);
  for (let v = 0; v < 18; v++) g.flush(v);
  assert.equal(c(2).read("IAR1"), 1023n);
  assert.equal(c(0).read("IAR1"), 4n);
  // A non-zero Aff2 names no vcpu; SGI0R is logged and ignored.
  c(0).write("SGI1R", 1n << 32n | 6n << 24n | 1n);
  c(0).write("SGI0R", 6n << 24n | 2n);
  g.flush(0);
  g.flush(1);
  assert.equal(c(1).read("IAR1"), 4n);
  c(1).write("EOIR1", 4n);
  assert.equal(c(1).read("IAR1"), 1023n);
  assert.ok(ev.log.some((l) => l.includes("ICC_SGI0R_EL1")));
});

Deno.test("vGICv3: junk accesses, redistributors past the last vcpu, bad arguments", () => {
  const { g, d, r } = setup(2, 64);
  for (let off = 0; off < 0x10000; off += 1) {
    for (const size of [1, 2, 4, 8] as const) {
      const a: MmioAccess = { offset: off, size, write: off % 3 === 0, value: -1, valueHi: -1 };
      const o = d.access(a);
      assert.ok(o === "done" || o === "abort");
    }
  }
  for (let off = 0; off < 2 * STRIDE + 0x100; off += 4) {
    for (const size of [4, 8] as const) {
      const a: MmioAccess = { offset: off, size, write: true, value: 0xffffffff, valueHi: 1 };
      const o = r.access(a);
      assert.ok(o === "done" || o === "abort");
    }
  }
  const past = { offset: 2 * STRIDE, size: 4 as const, write: false, value: 0, valueHi: 0 };
  assert.equal(r.access(past), "abort");
  assert.equal(rd(d, 0x1000, 4), 0, "reserved");
  g.flush(0);
  g.flush(1);
  assert.throws(() => g.inject(2, 16), (e) => e instanceof XenError && e.errno === XEN_EINVAL);
  assert.throws(() => new VgicV3({} as VgicPorts, { numVcpus: 129, nrSpis: 0 }), XenError);
  assert.throws(() => new VgicV3({} as VgicPorts, { numVcpus: 1, nrSpis: 2000 }), XenError);
});

Deno.test("createVgic picks the implementation by name", () => {
  const ports = {
    signal() {},
    onMaintenance() {},
    onPhysicalDeactivate() {},
    kick() {},
  } as VgicPorts;
  const v2 = createVgic("v2", ports, { numVcpus: 1, nrSpis: 0 });
  const v3 = createVgic("v3", ports, { numVcpus: 2, nrSpis: 0 });
  assert.ok(v2 instanceof VgicV2 && v3 instanceof VgicV3);
  assert.equal(v2.iccInterface(0), null, "GICv2: no ICC system registers");
  assert.equal(v3.iccInterface(1), v3.cpuIf(1));
  assert.deepEqual(v2.regions().map((r) => [r.base, r.size]), [[0x3001000, 0x1000], [
    0x3002000,
    0x2000,
  ]]);
  assert.deepEqual(v3.regions().map((r) => [r.base, r.size]), [[0x3001000, 0x10000], [
    0x3020000,
    0x1000000,
  ]]);
  assert.throws(() => createVgic("v4", ports, { numVcpus: 1, nrSpis: 0 }), XenError);
});

/** ESR of a trapped MRS (read) / MSR of op0=3 op1=0 `crn` `crm` `op2` with Xt = `rt`. */
function sysregEsr(crn: number, crm: number, op2: number, rt: number, read: boolean): number {
  return ((0x18 << 26) | (1 << 25) | (3 << 20) | (op2 << 17) | (crn << 10) | (rt << 5) |
    (crm << 1) | (read ? 1 : 0)) >>> 0;
}

Deno.test("vGICv3: trapped ICC accesses complete on the vcpu's virtual interface", () => {
  const { g, d, r, c } = setup(2);
  linuxInit(g, d, r);
  const mem = new PhysMemory();
  mem.addRam("ram", 0x4000_0000, 1 << 20);
  const io = () => {
    throw new Error("no devices");
  };
  const cpu = new Cpu({ mem, io, counter: () => 0 }, a64Decoder());
  cpu.pc = 0x4000_0000n;
  const iar1 = sysregEsr(12, 12, 0, 5, true), eoir1 = sysregEsr(12, 12, 1, 5, false);
  assert.deepEqual(decodeIccTrap(iar1), { reg: "IAR1", read: true, rt: 5 });
  assert.equal(decodeIccTrap(sysregEsr(1, 0, 1, 0, true)), null, "ACTLR_EL1 is not ICC");
  // vcpu 1 sends SGI 3 to vcpu 0 through a trapped ICC_SGI1R_EL1 write.
  cpu.setX(7, 3n << 24n | 1n);
  assert.ok(emulateIccTrap(cpu, c(1), sysregEsr(12, 11, 5, 7, false)));
  assert.equal(cpu.pc, 0x4000_0004n);
  g.flush(0);
  assert.ok(emulateIccTrap(cpu, c(0), iar1));
  assert.equal(cpu.getX(5), 3n);
  assert.ok(emulateIccTrap(cpu, c(0), eoir1));
  assert.equal(c(0).read("RPR"), 0xffn);
  assert.equal(cpu.pc, 0x4000_000cn);
  assert.equal(emulateIccTrap(cpu, c(0), 0x5600_0000), false, "an HVC syndrome");
});
