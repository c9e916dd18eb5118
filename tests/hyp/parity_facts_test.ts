/**
 * The parity check's pieces without a Linux boot: the facts-dump /init against the oracle's
 * script, the console parser against real Xen 4.17's captures (tests/fixtures/xen417/), and the
 * comparison with its accepted-differences table.
 */
import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import { readFdt } from "../../core/fdt/fdt_reader.ts";
import { fdtChild, fdtProp, fdtU32, fdtValueBytes } from "../../core/fdt/fdt_types.ts";
import { writeFdt } from "../../core/fdt/fdt_writer.ts";
import { ACCEPTED_DIFFERENCES } from "../../tools/parity/accepted_differences.ts";
import {
  buildFactsInitramfs,
  DOMU_DONE_MARKER,
  DOMU_FACTS_INIT,
  DOMU_READY_MARKER,
} from "../../tools/parity/domu_init.ts";
import {
  compareBlobs,
  compareFactMaps,
  compareFacts,
  flattenFacts,
  formatParity,
  showPropValue,
} from "../../tools/parity/facts_compare.ts";
import { FactsLogError, parseFactsLog, parseHexdumps } from "../../tools/parity/facts_log.ts";
import { oracleDomu, XEN417_FIXTURES } from "../../tools/parity/run_parity.ts";

const ORACLE_SCRIPT = new URL(
  "../../../shared/oracles/xen-on-qemu/xen-qemu-boot.sh",
  import.meta.url,
).pathname;
const haveOracleScript = (() => {
  try {
    return Deno.statSync(ORACLE_SCRIPT).isFile;
  } catch {
    return false;
  }
})();

const txt = (g: number) => Deno.readTextFileSync(`${XEN417_FIXTURES}gic${g}.domu1.txt`);
const dtb = (g: number) => Deno.readFileSync(`${XEN417_FIXTURES}gic${g}.domu1.dtb`);
const bytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

Deno.test({
  name: "parity: the facts /init is the oracle's domU /init, command for command",
  ignore: !haveOracleScript,
  fn: () => {
    const sh = Deno.readTextFileSync(ORACLE_SCRIPT);
    const quoted = (name: string) => {
      const m = new RegExp(`^${name}='([^']*)'$`, "m").exec(sh);
      assert.ok(m, `${name}= in ${ORACLE_SCRIPT}`);
      return m[1];
    };
    // mkrd domu "$COMMON / echo READY / $FACTS / echo DONE / sleep; poweroff"; printf adds \n.
    assert.match(
      sh,
      /mkrd domu "\$COMMON\necho HVLAB-DOMU-READY\n\$FACTS\necho HVLAB-DOMU-DONE\nsleep 3600; poweroff -f"/,
    );
    const expected = `${quoted("COMMON")}\necho ${DOMU_READY_MARKER}\n${quoted("FACTS")}\n` +
      `echo ${DOMU_DONE_MARKER}\nsleep 3600; poweroff -f\n`;
    assert.equal(DOMU_FACTS_INIT, expected);
  },
});

Deno.test("parity: facts initramfs is gzip'd newc with /init and the mount points, padded", () => {
  const busybox = new Uint8Array(5000).map((_, i) => (i * 7) & 0xff);
  const gz = buildFactsInitramfs(busybox);
  assert.deepEqual([...gz.subarray(0, 2)], [0x1f, 0x8b]);
  const cpio = new TextDecoder("latin1").decode(gunzipSync(gz));
  for (const path of ["bin\0", "proc\0", "sys\0", "tmp\0", "init\0", "TRAILER!!!\0"]) {
    assert.ok(cpio.includes(path), path);
  }
  assert.ok(cpio.includes(DOMU_FACTS_INIT));
  const padded = buildFactsInitramfs(busybox, gz.length + 1000);
  assert.equal(padded.length, gz.length + 1000);
  assert.deepEqual(padded.subarray(0, gz.length), gz);
  assert.ok(padded.subarray(gz.length).every((b) => b === 0));
  assert.throws(() => buildFactsInitramfs(busybox, gz.length - 1), /more than the/);
});

Deno.test("parity: the oracle's domU bootargs and initrd size from its blob", () => {
  for (const g of [2, 3]) {
    assert.deepEqual(oracleDomu(dtb(g)), {
      bootargs: "console=ttyAMA0 rdinit=/init",
      initrdSize: 0x482f1062 - 0x48200000,
    });
  }
});

Deno.test("parity: parses real Xen 4.17's GICv2 domU console", () => {
  const log = parseFactsLog(txt(2));
  assert.equal(log.complete, true);
  const irq = (n: string) => log.interrupts.find((r) => r.irq === n);
  assert.deepEqual(irq("0"), {
    irq: "0",
    counts: [0],
    chip: "xen-dyn",
    hwirq: "",
    type: "Edge",
    name: "-event xenstore_late_init",
  });
  assert.deepEqual(irq("11"), {
    irq: "11",
    counts: [408],
    chip: "GIC-0",
    hwirq: "27",
    type: "Level",
    name: "arch_timer",
  });
  assert.deepEqual(
    log.interrupts.map((r) => [r.irq, r.hwirq]),
    [
      ["0", ""],
      ["11", "27"],
      ["12", "31"],
      ["13", "32"],
      ...[0, 1, 2, 3, 4, 5, 6].map((i) => [`IPI${i}`, ""]),
      ["Err", ""],
    ],
  );
  assert.equal(irq("IPI0")?.name, "Rescheduling interrupts");
  assert.equal(
    log.sysHypervisor.get("/sys/hypervisor/properties/capabilities"),
    "xen-3.0-aarch64 xen-3.0-armv7l ",
  );
  assert.equal(log.sysHypervisor.get("/sys/hypervisor/properties/changeset"), "");
  assert.equal(log.sysHypervisor.get("/sys/hypervisor/properties/buildid"), "<denied>");
  assert.equal(log.sysHypervisor.get("/sys/hypervisor/properties/features"), "00016005");
  assert.equal(log.sysHypervisor.get("/sys/hypervisor/version/extra"), ".7");
  assert.equal(log.sysHypervisor.size, 15);
  assert.deepEqual(log.deviceTreeListing, [
    "#address-cells",
    "#size-cells",
    "chosen",
    "cpus",
    "hypervisor",
    "interrupt-controller@3001000",
    "memory@40000000",
    "name",
    "psci",
    "sbsa-uart@22000000",
    "timer",
  ]);
  assert.deepEqual(log.iomem[0], {
    depth: 0,
    range: "22000000-22000fff",
    name: "22000000.sbsa-uart sbsa-uart@22000000",
  });
  assert.deepEqual(log.iomem[2], { depth: 1, range: "40010000-4165ffff", name: "Kernel code" });
  assert.equal(log.iomem.length, 14);
  assert.equal(log.meminfo.get("MemTotal"), "230560 kB");
  assert.equal(log.cpuinfo.get("CPU part"), "0xd07");
  assert.deepEqual(log.dmesg[0], { time: "0.000000", text: "Xen 4.17 support found" });
  assert.equal(log.dmesg.length, 17);
});

for (const g of [2, 3]) {
  Deno.test(`parity: GIC${g} console's FDT and hexdumps are the blob Xen gave the domU`, () => {
    const log = parseFactsLog(txt(g));
    assert.deepEqual(log.fdt, dtb(g));
    // Each hexdumped /proc/device-tree/hypervisor file is that property of the blob.
    const hyp = fdtChild(readFdt(log.fdt).root, "hypervisor")!;
    assert.deepEqual(
      [...log.hypervisorNode.keys()].map((f) => f.replace(/^.*\//, "")),
      ["compatible", "interrupt-parent", "interrupts", "name", "reg"],
    );
    for (const [file, got] of log.hypervisorNode) {
      const prop = file.replace(/^.*\//, "");
      if (prop === "name") assert.deepEqual(got, bytes("hypervisor\0"));
      else assert.deepEqual(got, fdtValueBytes(fdtProp(hyp, prop)!), prop);
    }
  });

  Deno.test(`parity: GIC${g} capture compared with itself has no differences`, () => {
    const log = parseFactsLog(txt(g));
    const r = compareFacts(log, parseFactsLog(txt(g)), dtb(g));
    assert.deepEqual(r, { differences: [], accepted: 0, unaccepted: 0 });
    assert.match(
      formatParity(r, `v${g}`),
      new RegExp(`^hvlab-parity gic=v${g} differences=0 accepted=0$`),
    );
  });
}

Deno.test("parity: a console with CRLF line ends (a tty) parses the same", () => {
  const plain = parseFactsLog(txt(2));
  const crlf = parseFactsLog(txt(2).replaceAll("\n", "\r\n"));
  assert.deepEqual(flattenFacts(crlf), flattenFacts(plain));
  assert.deepEqual(crlf.fdt, plain.fdt);
});

Deno.test("parity: GICv2 against GICv3 differs in the GIC and nothing else unaccepted", () => {
  const r = compareFacts(parseFactsLog(txt(2)), parseFactsLog(txt(3)), dtb(2));
  const failing = r.differences.filter((d) => !d.accepted).map((d) => d.key);
  assert.deepEqual(failing, [
    "interrupts/11/chip",
    "interrupts/12/chip",
    "interrupts/13/chip",
    "fdt/interrupt-controller@3001000:compatible",
    "fdt/interrupt-controller@3001000:reg",
    "fdt-blob",
    "iomem/03001000-03010fff",
    "iomem/03020000-0401ffff",
    "dmesg-xen/line: CPU features: detected: GIC system register CPU interface",
    "dmesg-xen/line: GICv3: 224 SPIs implemented",
    "dmesg-xen/line: GICv3: 0 Extended SPIs implemented",
    "dmesg-xen/line: GICv3: GICv3 features: 16 PPIs",
    "dmesg-xen/line: GICv3: CPU0: found redistributor 0 region 0:0x0000000003020000",
  ]);
  const chip = r.differences.find((d) => d.key === "interrupts/11/chip")!;
  assert.deepEqual([chip.xen, chip.hvlab], ["GIC-0", "GICv3"]);
  assert.match(chip.reason, /^not accepted; decided by .*vgic/);
  // Run-to-run noise on real Xen itself is in the accepted table.
  assert.deepEqual(r.differences.filter((d) => d.accepted).map((d) => d.key), [
    "meminfo/MemFree",
    "meminfo/MemAvailable",
    "interrupts/11/counts",
    "dmesg-xen/timestamps",
  ]);
  assert.equal(r.unaccepted, failing.length);
  assert.match(formatParity(r, "v2"), /\nhvlab-parity gic=v2 differences=17 accepted=4$/);
});

Deno.test("parity: the accepted table accepts only what it declares", () => {
  const xen = new Map([
    ["sys-hypervisor/compilation/compiler", "gcc"],
    ["meminfo/MemFree", "210696 kB"],
    ["cpuinfo/Features", "fp asimd evtstrm aes pmull sha1 sha2 crc32 cpuid"],
    ["interrupts/0/name", "-event xenstore_late_init"],
    ["interrupts/12/name", "events"],
    ["sys-hypervisor/properties/features", "00016005"],
  ]);
  const ok = new Map([
    ["sys-hypervisor/compilation/compiler", "hvlab (TypeScript)"],
    ["meminfo/MemFree", "209984 kB"],
    ["cpuinfo/Features", "fp asimd evtstrm crc32 cpuid"],
    ["interrupts/0/name", "-event xenbus"],
    ["interrupts/12/name", "events"],
    ["sys-hypervisor/properties/features", "00016005"],
    ["dmesg-xen/line: printk: console [hvc0] enabled", "1"],
  ]);
  const r = compareFactMaps(xen, ok);
  assert.equal(r.unaccepted, 0, formatParity(r, "v2"));
  assert.equal(r.accepted, 5);
  const bad = new Map([
    ["sys-hypervisor/compilation/compiler", "hvlab (TypeScript)"],
    ["meminfo/MemFree", "200000 kB"], // beyond the 1 MiB tolerance
    ["cpuinfo/Features", "fp asimd crc32 cpuid"], // more than the crypto features missing
    ["interrupts/0/name", "-event something"],
    ["interrupts/12/name", "evtchn"],
    // features, hvc0 line absent
  ]);
  const r2 = compareFactMaps(xen, bad);
  assert.deepEqual(r2.differences.filter((d) => !d.accepted).map((d) => d.key), [
    "meminfo/MemFree",
    "cpuinfo/Features",
    "interrupts/0/name",
    "interrupts/12/name",
    "sys-hypervisor/properties/features",
  ]);
  const gone = r2.differences.find((d) => d.key === "sys-hypervisor/properties/features")!;
  assert.equal(gone.hvlab, undefined);
  assert.match(gone.reason, /xen_version\.ts/);
  for (const a of ACCEPTED_DIFFERENCES) assert.ok(a.reason.length > 20, a.key.source);
});

Deno.test("parity: hexdump parser handles '*' repeats and the closing length", () => {
  const m = parseHexdumps([
    "-- /proc/device-tree/hypervisor/x",
    "00000000  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|",
    "*",
    "00000030  01 02                                             |..|",
    "00000032",
    "-- /proc/device-tree/hypervisor/empty",
  ]);
  const x = m.get("/proc/device-tree/hypervisor/x")!;
  assert.equal(x.length, 0x32);
  assert.ok(x.subarray(0, 0x30).every((b) => b === 0));
  assert.deepEqual([...x.subarray(0x30)], [1, 2]);
  assert.deepEqual(m.get("/proc/device-tree/hypervisor/empty"), new Uint8Array(0));
  assert.throws(() => parseHexdumps(["00000000  01"]), FactsLogError);
  assert.throws(
    () => parseHexdumps(["-- f", "00000010  01 02"]),
    /jumps to 0x00000010 at 0 bytes/,
  );
  assert.throws(() => parseHexdumps(["-- f", "garbage here"]), /unreadable hexdump line/);
});

Deno.test("parity: consoles without a facts dump are rejected naming what is missing", () => {
  assert.throws(() => parseFactsLog("Linux booted\nno markers"), /no HVLAB-DOMU-READY line/);
  const whole = txt(2);
  assert.throws(
    () => parseFactsLog(whole.replace("=== iomem\n", "=== iomem2\n")),
    /no "=== iomem" section/,
  );
  assert.throws(
    () => parseFactsLog(whole.replace("=== FDT-BEGIN\n", "=== FDT-BEGIN\n!!notbase64\n")),
    /FDT section is not base64/,
  );
  assert.throws(
    () => parseFactsLog(whole.replace(" 11:        408 GIC-0", " 11:        x GIC-0")),
    /lacks 1 counts/,
  );
  assert.throws(
    () => parseFactsLog(whole.replace("=== uname\n", "=== uname\n=== uname\n")),
    /section "uname" appears twice/,
  );
  // Cut before the done marker: parses, but says the dump is incomplete.
  const cut = parseFactsLog(whole.slice(0, whole.indexOf(DOMU_DONE_MARKER)));
  assert.equal(cut.complete, false);
});

Deno.test("parity: blob and property display helpers", () => {
  assert.equal(compareBlobs(bytes("abc"), bytes("abc")), undefined);
  assert.equal(
    compareBlobs(bytes("abc"), bytes("abd")),
    "3 vs 3 bytes, first difference at offset 0x2",
  );
  assert.equal(
    compareBlobs(bytes("ab"), bytes("abc")),
    "2 vs 3 bytes, first difference at offset 0x2",
  );
  assert.equal(showPropValue(bytes("xen,xen-4.17\0xen,xen\0")), '"xen,xen-4.17", "xen,xen"');
  assert.equal(showPropValue(new Uint8Array([0, 0, 0xfd, 0xe8])), "<0xfde8>");
  assert.equal(showPropValue(new Uint8Array(0)), "(empty)");
  assert.equal(showPropValue(new Uint8Array([1, 2, 3])), "[01 02 03]");
});

Deno.test("parity: an initrd of another size is reported with both sizes", () => {
  const xen = parseFactsLog(txt(2));
  const tree = readFdt(dtb(2));
  const chosen = fdtChild(tree.root, "chosen")!;
  chosen.props.find((p) => p.name === "linux,initrd-end")!.value = fdtU32(0, 0x48300000);
  const hvlab = { ...parseFactsLog(txt(2)), fdt: writeFdt(tree) };
  const r = compareFacts(xen, hvlab, dtb(2));
  const end = r.differences.find((d) => d.key === "fdt/chosen:linux,initrd-end")!;
  assert.deepEqual([end.xen, end.hvlab], ["<0x0 0x482f1062>", "<0x0 0x48300000>"]);
  assert.match(end.reason, /initrd sizes differ: Xen's 987234 bytes, hvlab's 1048576\)$/);
  const blob = r.differences.find((d) => d.key === "fdt-blob")!;
  assert.match(blob.hvlab!, /^differs: 1357 vs 1357 bytes, first difference at offset 0x/);
  assert.equal(r.unaccepted, 2);
});
