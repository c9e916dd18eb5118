/**
 * The FDT writer and reader against dtc (Debian's device-tree-compiler): dtc accepts our blobs,
 * and a real device tree compiled by dtc (QEMU virt's, as given to Xen: tests/fixtures/xen417)
 * survives reader -> writer unchanged as dtc sees it.
 */
import assert from "node:assert/strict";
import { writeFdt } from "../../core/fdt/fdt_writer.ts";
import { readFdt } from "../../core/fdt/fdt_reader.ts";
import {
  fdtAsU32s,
  fdtChild,
  fdtNode,
  fdtProp,
  fdtRef,
  fdtString,
  fdtStrings,
  fdtU32,
  fdtU64,
} from "../../core/fdt/fdt_types.ts";

import { dtc, dtcRun, dtsOf, haveDtc, NO_DTC } from "../support/dtc.ts";

const FIXTURES = new URL("../fixtures/xen417/", import.meta.url).pathname;

const DTC = haveDtc();
if (!DTC) {
  console.warn(`fdt_dtc_test: ${NO_DTC}`);
}

Deno.test({
  name: "fdt/dtc: dtc accepts our blob without warnings; its recompile reads back the same",
  ignore: !DTC,
  fn: () => {
    const blob = writeFdt({
      root: fdtNode("", [["#address-cells", fdtU32(2)], ["#size-cells", fdtU32(2)]], [
        fdtNode("chosen", [["bootargs", fdtString("console=hvc0")], [
          "linux,initrd-start",
          fdtU64(0x48200000n),
        ]]),
        fdtNode(
          "intc@8000000",
          [
            ["compatible", fdtStrings("arm,gic-400")],
            ["reg", fdtU32(0, 0x8000000, 0, 0x1000)],
            ["#interrupt-cells", fdtU32(3)],
            ["#address-cells", fdtU32(0)],
            ["interrupt-controller", { kind: "empty" }],
          ],
          [],
          "gic",
        ),
        fdtNode("uart@9000000", [
          ["reg", fdtU32(0, 0x9000000, 0, 0x1000)],
          ["interrupt-parent", fdtRef("gic")],
        ]),
      ]),
      reservations: [{ address: 0x48000000n, size: 0x10000n }],
    });
    // dtc must accept it without complaint (no -q: warnings would show in stderr).
    const r = dtcRun(["-I", "dtb", "-O", "dts"], blob);
    assert.equal(r.err, "");
    const dts = new TextDecoder().decode(r.out);
    assert.match(dts, /\/memreserve\/\s+0x0000000048000000 0x0000000000010000;/);
    assert.match(dts, /interrupt-parent = <0x01>;/);
    // dtc's own blob of the same source reads back to a tree dtc renders identically.
    const again = readFdt(dtc(["-I", "dts", "-O", "dtb"], new TextEncoder().encode(dts)));
    assert.equal(dtsOf(writeFdt(again)), dts);
  },
});

Deno.test({
  name: "fdt/dtc: QEMU virt's host device tree (dtc-compiled) round-trips through reader + writer",
  ignore: !DTC,
  fn: () => {
    for (const g of [2, 3]) {
      const src = Deno.readTextFileSync(`${FIXTURES}gic${g}.host.dts`);
      const withRsv = src.replace("/dts-v1/;", "/dts-v1/;\n/memreserve/ 0x48000000 0x100000;");
      const dtb = dtc(["-I", "dts", "-O", "dtb"], new TextEncoder().encode(withRsv));
      const tree = readFdt(dtb);
      assert.deepEqual(tree.reservations, [{ address: 0x48000000n, size: 0x100000n }]);
      const chosen = fdtChild(tree.root, "chosen")!;
      assert.deepEqual(fdtAsU32s(fdtProp(chosen, "#address-cells")!), [2]);
      const ours = writeFdt(tree);
      assert.equal(dtsOf(ours), dtsOf(dtb), `gic${g}: dtc sees the same tree`);
    }
  },
});

Deno.test({
  name:
    "fdt/dtc: real Xen's dom0 device tree (libfdt-built, with NOPs) reads and re-writes losslessly",
  ignore: !DTC,
  fn: () => {
    for (const g of [2, 3]) {
      const xen = Deno.readFileSync(`${FIXTURES}gic${g}.dom0.dtb`);
      const tree = readFdt(xen);
      assert.ok(fdtChild(tree.root, "hypervisor"), "dom0 has /hypervisor");
      const ours = writeFdt(tree);
      // Xen leaves NOP tokens and unused names behind; ours is smaller but means the same.
      assert.ok(ours.length < xen.length, `gic${g}: ${ours.length} vs ${xen.length}`);
      assert.equal(dtsOf(ours), dtsOf(xen), `gic${g}: dtc sees the same tree`);
    }
  },
});
