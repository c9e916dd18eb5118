/**
 * The domU device-tree builder against real Xen 4.17: tests/fixtures/xen417/gic{2,3}.domu1.dtb
 * are the blobs Debian's Xen 4.17.7 gave a dom0less domU (256 MiB, 1 vcpu, vpl011,
 * xen,enhanced = "enabled") on qemu-system-aarch64 -M virt -cpu cortex-a57, captured by
 * /work/shared/oracles/xen-on-qemu/xen-qemu-boot.sh (see tests/fixtures/xen417/README.md).
 */
import assert from "node:assert/strict";
import { writeFdt } from "../../core/fdt/fdt_writer.ts";
import { readFdt } from "../../core/fdt/fdt_reader.ts";
import {
  fdtAsStrings,
  fdtAsU32s,
  fdtChild,
  type FdtNode,
  fdtProp,
} from "../../core/fdt/fdt_types.ts";
import {
  buildDomuFdt,
  type DomuFdtConfig,
  xenDomuExtendedRegions,
  xenDomuRamBanks,
  xenVcpuAffinity,
} from "../../core/hyp/builder/domu_fdt.ts";
import { dtcRun, dtsOf, haveDtc } from "../support/dtc.ts";

const FIXTURES = new URL("../fixtures/xen417/", import.meta.url).pathname;

/**
 * Intentional differences from real Xen's device tree for the fixture configuration: none. The
 * initrd range is an input here (Xen places the initrd itself; the fixture's values are used).
 */
const INTENTIONAL_DIFFERENCES: string[] = [];

/** The configuration the oracle ran with. */
const oracleConfig = (gic: "v2" | "v3"): DomuFdtConfig => ({
  memory: xenDomuRamBanks(262144n * 1024n),
  vcpus: { count: 1 },
  gic,
  hypervisor: {},
  vpl011: {},
  chosen: {
    bootargs: "console=ttyAMA0 rdinit=/init",
    initrd: { start: 0x48200000n, end: 0x482f1062n },
  },
});

const u32s = (n: FdtNode, p: string) => fdtAsU32s(fdtProp(n, p)!, p);
const strs = (n: FdtNode, p: string) => fdtAsStrings(fdtProp(n, p)!, p);

for (const [g, gic] of [[2, "v2"], [3, "v3"]] as const) {
  Deno.test(`domu fdt: GIC${g} blob is byte-identical to real Xen 4.17's`, () => {
    assert.deepEqual(INTENTIONAL_DIFFERENCES, []);
    const ours = writeFdt(buildDomuFdt(oracleConfig(gic)));
    const xen = Deno.readFileSync(`${FIXTURES}gic${g}.domu1.dtb`);
    assert.equal(ours.length, xen.length);
    const firstDiff = ours.findIndex((b, i) => b !== xen[i]);
    assert.equal(firstDiff, -1, `first differing byte at 0x${firstDiff.toString(16)}`);
  });

  Deno.test(`domu fdt: GIC${g} structure and values as Xen's (read back)`, () => {
    const xen = readFdt(Deno.readFileSync(`${FIXTURES}gic${g}.domu1.dtb`)).root;
    const ours = readFdt(writeFdt(buildDomuFdt(oracleConfig(gic)))).root;
    assert.deepEqual(ours.children.map((c) => c.name), xen.children.map((c) => c.name));
    assert.deepEqual(ours.children.map((c) => c.name), [
      "chosen",
      "psci",
      "cpus",
      "memory@40000000",
      "interrupt-controller@3001000",
      "timer",
      "sbsa-uart@22000000",
      "hypervisor",
    ]);
    const ic = fdtChild(ours, "interrupt-controller@3001000")!;
    assert.deepEqual(strs(ic, "compatible"), [g === 2 ? "arm,gic-400" : "arm,gic-v3"]);
    assert.deepEqual(
      u32s(ic, "reg"),
      g === 2
        ? [0, 0x3001000, 0, 0x1000, 0, 0x3002000, 0, 0x2000]
        : [0, 0x3001000, 0, 0x10000, 0, 0x3020000, 0, 0x1000000],
    );
    const hyp = fdtChild(ours, "hypervisor")!;
    assert.deepEqual(strs(hyp, "compatible"), ["xen,xen-4.17", "xen,xen"]);
    assert.deepEqual(u32s(hyp, "interrupts"), [1, 15, 0xf08]);
    assert.deepEqual(u32s(fdtChild(ours, "timer")!, "interrupts"), [
      1,
      13,
      0xf08,
      1,
      14,
      0xf08,
      1,
      11,
      0xf08,
    ]);
    assert.deepEqual(strs(fdtChild(ours, "psci")!, "method"), ["hvc"]);
    assert.deepEqual(u32s(fdtChild(ours, "sbsa-uart@22000000")!, "interrupts"), [0, 0, 0xf04]);
  });

  Deno.test({
    name: `domu fdt: GIC${g} decompiled by dtc equals real Xen's DTS`,
    ignore: !haveDtc(),
    fn: () => {
      const blob = writeFdt(buildDomuFdt(oracleConfig(gic)));
      // dtc's only remark is the one it makes on Xen's own blob: /hypervisor has reg but no unit
      // address (Linux's xen binding names the node that way).
      const xenBlob = Deno.readFileSync(`${FIXTURES}gic${g}.domu1.dtb`);
      const warnings = dtcRun(["-I", "dtb", "-O", "dts"], blob).err;
      assert.equal(warnings, dtcRun(["-I", "dtb", "-O", "dts"], xenBlob).err);
      assert.match(warnings, /^<stdout>: Warning \(unit_address_vs_reg\): \/hypervisor: [^\n]*\n$/);
      const ours = dtsOf(blob);
      assert.equal(ours, Deno.readTextFileSync(`${FIXTURES}gic${g}.domu1.dts`));
    },
  });
}

Deno.test("domu fdt: vcpu MPIDRs follow Xen's vcpuid_to_vaffinity", () => {
  assert.equal(xenVcpuAffinity(0), 0);
  assert.equal(xenVcpuAffinity(15), 15);
  assert.equal(xenVcpuAffinity(16), 0x100);
  assert.equal(xenVcpuAffinity(127), 0x70f);
  const t = buildDomuFdt({ ...oracleConfig("v3"), vcpus: { count: 18 } });
  const cpus = fdtChild(t.root, "cpus")!;
  assert.deepEqual(cpus.children.map((c) => c.name).slice(14), [
    "cpu@e",
    "cpu@f",
    "cpu@100",
    "cpu@101",
  ]);
  assert.deepEqual(u32s(cpus.children[16], "reg"), [0x100]);
});

Deno.test("domu fdt: memory above 3 GiB uses bank 1 and shrinks the extended regions", () => {
  const banks = xenDomuRamBanks(4n << 30n);
  assert.deepEqual(banks, [
    { base: 0x40000000n, size: 0xc0000000n },
    { base: 0x200000000n, size: 0x40000000n },
  ]);
  // Bank 0 full: no hole there; bank 1 from 0x240000000 to the 40-bit IPA limit.
  assert.deepEqual(xenDomuExtendedRegions(banks), [{
    base: 0x240000000n,
    size: (1n << 40n) - 0x240000000n,
  }]);
  // 256 MiB (the oracle): exactly the regions real Xen reported.
  assert.deepEqual(xenDomuExtendedRegions(xenDomuRamBanks(256n << 20n)), [
    { base: 0x50000000n, size: 0xb0000000n },
    { base: 0x200000000n, size: 0xfe00000000n },
  ]);
  // A hole under 64 MiB is dropped; an IPA limit below bank 1 drops bank 1.
  assert.deepEqual(xenDomuExtendedRegions(xenDomuRamBanks(0xc0000000n - (32n << 20n)), 32), []);
  const mem = fdtChild(
    buildDomuFdt({ ...oracleConfig("v2"), memory: banks }).root,
    "memory@40000000",
  )!;
  assert.deepEqual(u32s(mem, "reg"), [0, 0x40000000, 0, 0xc0000000, 2, 0, 0, 0x40000000]);
});

Deno.test("domu fdt: optional nodes and bad configurations", () => {
  const bare = buildDomuFdt({
    ...oracleConfig("v2"),
    hypervisor: undefined,
    vpl011: undefined,
    chosen: {},
  });
  assert.deepEqual(bare.root.children.map((c) => c.name), [
    "chosen",
    "psci",
    "cpus",
    "memory@40000000",
    "interrupt-controller@3001000",
    "timer",
  ]);
  assert.deepEqual(fdtChild(bare.root, "chosen")!.props, []);
  const bad = (patch: Partial<DomuFdtConfig>, re: RegExp) =>
    assert.throws(() => writeFdt(buildDomuFdt({ ...oracleConfig("v2"), ...patch })), re);
  bad({ vcpus: { count: 0 } }, /vcpu count 0 outside 1..128/);
  bad({ vcpus: { count: 2, mpidrs: [0] } }, /1 MPIDRs given for 2 vcpus/);
  bad({ vcpus: { count: 1, mpidrs: [0x1000000] } }, /MPIDR affinity 16777216/);
  bad({ gic: "v4" as "v2" }, /unknown GIC version 'v4'/);
  bad({ memory: [] }, /no memory banks/);
  bad({ vpl011: { spi: 5 } }, /interrupt 5 is not a PPI or SPI/);
  bad({ chosen: { initrd: { start: 2n, end: 1n } } }, /initrd end 1 below start 2/);
  assert.throws(() => xenDomuRamBanks(0n), /memory size 0/);
});
