/**
 * Parity with real Xen 4.17: Debian's Linux boots as an hvlab domU configured like the oracle's
 * dom0less domU (GICv2 and GICv3) and runs the oracle's facts dump; every difference from
 * tests/fixtures/xen417/gicN.domu1.{txt,dtb} must be in tools/parity/accepted_differences.ts.
 * One Linux boot per GIC (~40 s each); skipped when Debian's kernel and busybox are not fetched.
 */
import assert from "node:assert/strict";
import { findLinuxFiles } from "../../tools/linux/guest_files.ts";
import { formatParity } from "../../tools/parity/facts_compare.ts";
import { runParity } from "../../tools/parity/run_parity.ts";

const files = findLinuxFiles();
if (!files) {
  console.log("parity_test: Debian's vmlinuz/busybox not found (HVLAB_LINUX_DIR); skipped");
}

for (const gic of ["v2", "v3"] as const) {
  Deno.test({
    name:
      `parity: hvlab's GIC${gic} domU sees what Xen 4.17's does, up to the accepted differences`,
    ignore: !files,
    fn: async () => {
      const run = await runParity({ gic, files: files! });
      assert.equal(run.status, "compared");
      if (run.status !== "compared") return;
      const table = formatParity(run.result, gic);
      assert.equal(run.result.unaccepted, 0, table);
      // The blob is byte-identical (the initramfs is padded to the oracle's size).
      assert.ok(!run.result.differences.some((d) => d.key.startsWith("fdt")), table);
      assert.match(table, new RegExp(`\\nhvlab-parity gic=${gic} differences=\\d+ accepted=\\d+$`));
    },
  });
}
