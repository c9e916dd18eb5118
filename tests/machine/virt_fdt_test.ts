/**
 * VirtBoard's device tree (virt_fdt.ts, through core/fdt's writer) against the one QEMU
 * generates for `-M virt,gic-version=2 -cpu cortex-a57 -m 256M`, both decompiled by dtc: every
 * node VirtBoard has must be identical, minus the parts for devices it lacks.
 */
import assert from "node:assert/strict";
import { virtFdt } from "../../core/machine/virt_fdt.ts";

function have(cmd: string): boolean {
  try {
    return new Deno.Command(cmd, { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync()
      .success;
  } catch {
    return false;
  }
}
const tools = have("dtc") && have("qemu-system-aarch64");
const skip = tools
  ? ""
  : " (SKIPPED: needs dtc and qemu-system-aarch64: apt-get install device-tree-compiler qemu-system-arm)";

function dts(blob: Uint8Array): string {
  const dir = Deno.makeTempDirSync();
  try {
    Deno.writeFileSync(`${dir}/t.dtb`, blob);
    const r = new Deno.Command("dtc", {
      args: ["-I", "dtb", "-O", "dts", `${dir}/t.dtb`],
      stdout: "piped",
      stderr: "piped",
    }).outputSync();
    assert.ok(r.success, new TextDecoder().decode(r.stderr));
    return new TextDecoder().decode(r.stdout);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

/** Top-level nodes of a decompiled tree by name, and the root's own properties. */
function topNodes(src: string): { root: string; nodes: Map<string, string> } {
  const nodes = new Map<string, string>();
  for (const m of src.matchAll(/^\t(\S+) \{\n[\s\S]*?^\t\};\n/gm)) nodes.set(m[1], m[0]);
  const root = src.replace(/^\t(\S+) \{\n[\s\S]*?^\t\};\n/gm, "").replace(/\n\n+/g, "\n");
  return { root, nodes };
}

for (const gic of ["v2", "v3"] as const) {
  Deno.test(`virt fdt: nodes equal QEMU's -M virt,gic-version=${gic[1]} tree (dtc)` + skip, {
    ignore: !tools,
  }, () => compareWithQemu(gic));
}

function compareWithQemu(gic: "v2" | "v3"): void {
  const dir = Deno.makeTempDirSync();
  let qemuBlob: Uint8Array;
  try {
    const r = new Deno.Command("qemu-system-aarch64", {
      args: [
        "-M",
        `virt,gic-version=${gic[1]},its=off,dumpdtb=${dir}/q.dtb`,
        "-cpu",
        "cortex-a57",
        "-m",
        "256M",
        "-nographic",
      ],
      stdout: "null",
      stderr: "null",
    }).outputSync();
    assert.ok(r.success);
    qemuBlob = Deno.readFileSync(`${dir}/q.dtb`);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
  const q = topNodes(dts(qemuBlob));
  const ours = topNodes(dts(virtFdt({ ramSize: 256 << 20, gic })));
  assert.equal(ours.root, q.root);
  // Parts of QEMU's nodes for what VirtBoard does not model: the GICv2m MSI frame (and the
  // "ranges" its child needs; QEMU's GICv3 node has it for an ITS child, absent here), the
  // cpu-map topology node, and the random seeds in /chosen.
  const trimmed: Record<string, (s: string) => string> = {
    "intc@8000000": (s) =>
      s.replace("\t\tranges;\n", "").replace(/\n\t\tv2m@[\s\S]*?\t\t\};\n/, ""),
    cpus: (s) => s.replace(/\t\tcpu-map \{[\s\S]*?\n\t\t\};\n\n/, ""),
    chosen: (s) => s.replace(/\t\t(rng|kaslr)-seed = .*\n/g, ""),
  };
  for (const [name, text] of ours.nodes) {
    const theirs = q.nodes.get(name);
    assert.ok(theirs !== undefined, `QEMU's tree has no node ${name}`);
    assert.equal(text, (trimmed[name] ?? ((s: string) => s))(theirs), name);
  }
  // Everything QEMU has that VirtBoard leaves out, so an addition to either side is noticed.
  const left = [...q.nodes.keys()].filter((n) => !ours.nodes.has(n)).map((n) =>
    n.replace(/@.*/, "")
  );
  assert.deepEqual([...new Set(left)].sort(), [
    "flash",
    "fw-cfg",
    "gpio-keys",
    "pcie",
    "pl031",
    "pl061",
    "platform-bus",
    "pmu",
    "virtio_mmio",
  ]);
}

Deno.test(
  "virt fdt: chosen carries bootargs and 64-bit initrd bounds" + skip,
  { ignore: !tools },
  () => {
    const src = dts(
      virtFdt({
        ramSize: 256 << 20,
        bootargs: "console=ttyAMA0",
        initrd: { start: 0x4800_0000, end: 0x1_0000_0010 },
      }),
    );
    assert.match(src, /bootargs = "console=ttyAMA0";/);
    assert.match(src, /linux,initrd-start = <0x00 0x48000000>;/);
    assert.match(src, /linux,initrd-end = <0x01 0x10>;/);
  },
);
