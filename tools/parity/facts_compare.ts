/**
 * Compares two facts dumps (facts_log.ts): every fact becomes a "key" -> value string, the two
 * maps are compared key by key, and each difference is either accepted by
 * accepted_differences.ts (with its reason) or a failure (with a hint where it comes from).
 */
import { readFdt } from "../../core/fdt/fdt_reader.ts";
import type { FdtNode } from "../../core/fdt/fdt_types.ts";
import { fdtValueBytes } from "../../core/fdt/fdt_types.ts";
import { acceptedDifference } from "./accepted_differences.ts";
import type { FactsLog } from "./facts_log.ts";

/** One fact that differs; a value is undefined when that side lacks the fact. */
export interface Difference {
  key: string;
  xen: string | undefined;
  hvlab: string | undefined;
  accepted: boolean;
  /** The accepted table's reason, or a hint where an unaccepted difference comes from. */
  reason: string;
}

/** The outcome of one comparison. */
export interface ParityResult {
  differences: Difference[];
  accepted: number;
  unaccepted: number;
}

const hex = (bytes: Uint8Array): string =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ");

/** A property value for people: strings when it is a printable string list, else u32 cells. */
export function showPropValue(bytes: Uint8Array): string {
  if (bytes.length === 0) return "(empty)";
  const printable = bytes[bytes.length - 1] === 0 && bytes[0] !== 0 &&
    bytes.every((b, i) => (b >= 0x20 && b < 0x7f) || (b === 0 && bytes[i - 1] !== 0));
  if (printable) {
    const strs = new TextDecoder().decode(bytes.subarray(0, -1)).split("\0");
    return strs.map((s) => JSON.stringify(s)).join(", ");
  }
  if (bytes.length % 4 === 0) {
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const cells = Array.from({ length: bytes.length / 4 }, (_, i) => dv.getUint32(4 * i));
    return `<${cells.map((c) => "0x" + c.toString(16)).join(" ")}>`;
  }
  return `[${hex(bytes)}]`;
}

/** The facts of a dump, keyed by section and item (the FDT is flattened by `flattenFdt`). */
export function flattenFacts(log: FactsLog): Map<string, string> {
  const out = new Map<string, string>();
  const first = (name: string) => (log.sections.get(name) ?? []).find((l) => l.trim() !== "");
  out.set("uname", first("uname") ?? "");
  out.set("cmdline", first("cmdline") ?? "");
  for (const [k, v] of log.cpuinfo) out.set(`cpuinfo/${k}`, v);
  for (const [k, v] of log.meminfo) out.set(`meminfo/${k}`, v);
  for (const r of log.interrupts) {
    const at = `interrupts/${r.irq}`;
    out.set(`${at}/counts`, r.counts.join(" "));
    if (r.chip !== "") out.set(`${at}/chip`, r.chip);
    if (r.hwirq !== "") out.set(`${at}/hwirq`, r.hwirq);
    if (r.type !== "") out.set(`${at}/type`, r.type);
    out.set(`${at}/name`, r.name);
  }
  for (const r of log.iomem) out.set(`iomem/${r.range}`, `${"  ".repeat(r.depth)}${r.name}`);
  for (const n of log.deviceTreeListing) out.set(`device-tree-ls/${n}`, "present");
  for (const [f, bytes] of log.hypervisorNode) {
    out.set(`hypervisor-node/${f.replace(/^.*\//, "")}`, hex(bytes));
  }
  for (const [f, v] of log.sysHypervisor) {
    out.set(`sys-hypervisor/${f.replace(/^\/sys\/hypervisor\//, "")}`, v);
  }
  // dmesg lines as a multiset of texts: an extra or missing line is one difference, not a shift
  // of every later line; their timestamps are one fact of their own.
  for (const d of log.dmesg) {
    const k = `dmesg-xen/line: ${d.text}`;
    out.set(k, String(Number(out.get(k) ?? 0) + 1));
  }
  out.set("dmesg-xen/timestamps", log.dmesg.map((d) => d.time).join(" "));
  return out;
}

/** The tree of an FDT blob as "fdt/path" (node) and "fdt/path:prop" (value) facts. */
export function flattenFdt(blob: Uint8Array): Map<string, string> {
  const out = new Map<string, string>();
  const tree = readFdt(blob);
  const walk = (node: FdtNode, path: string) => {
    out.set(`fdt${path || "/"}`, "node");
    for (const p of node.props) {
      out.set(`fdt${path || "/"}:${p.name}`, showPropValue(fdtValueBytes(p.value)));
    }
    for (const c of node.children) walk(c, `${path}/${c.name}`);
  };
  walk(tree.root, "");
  tree.reservations.forEach((r, i) => {
    out.set(`fdt-reserve/${i}`, `0x${r.address.toString(16)}+0x${r.size.toString(16)}`);
  });
  return out;
}

/** "identical", or what differs between two blobs (size, first differing offset). */
export function compareBlobs(a: Uint8Array, b: Uint8Array): string | undefined {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  if (i === n && a.length === b.length) return undefined;
  return `${a.length} vs ${b.length} bytes, first difference at offset 0x${i.toString(16)}`;
}

/** Where an unaccepted difference is decided in hvlab, by key. */
const HINTS: [RegExp, string][] = [
  [/^fdt\/chosen:linux,initrd-(start|end)$|^iomem\/48/, "the initrd's placement and size"],
  [/^(fdt|hypervisor-node|device-tree-ls)/, "the domU device tree: core/hyp/builder/domu_fdt.ts"],
  [/^sys-hypervisor\//, "a XENVER_* answer: core/hyp/hypercall/xen_version.ts"],
  [/^interrupts\//, "an IRQ: the device tree's interrupts (domu_fdt.ts) or the vGIC (vgic/)"],
  [/^iomem\//, "guest RAM or MMIO layout: core/hyp/builder/ (banks, placement, domu_fdt.ts)"],
  [/^cpuinfo\//, "the emulated PE's ID registers (core/cpu)"],
  [
    /^dmesg-xen\/line: GICv3: \d+ SPIs/,
    "the vGIC's GICD_TYPER.ITLinesNumber, from the domain's nr_spis (domain_builder.ts)",
  ],
];

/** What is known about a difference at `key` that the accepted table does not cover. */
function hintFor(key: string): string {
  const hint = HINTS.find(([re]) => re.test(key))?.[1];
  return `not accepted${hint ? `; decided by ${hint}` : ""}`;
}

/** Compares two fact maps (Xen's first); keys in first-seen order. */
export function compareFactMaps(
  xen: Map<string, string>,
  hvlab: Map<string, string>,
): ParityResult {
  const differences: Difference[] = [];
  for (const key of new Set([...xen.keys(), ...hvlab.keys()])) {
    const x = xen.get(key), h = hvlab.get(key);
    if (x === h) continue;
    const acc = acceptedDifference(key, x, h);
    differences.push({
      key,
      xen: x,
      hvlab: h,
      accepted: acc !== undefined,
      reason: acc?.reason ?? hintFor(key),
    });
  }
  const accepted = differences.filter((d) => d.accepted).length;
  return { differences, accepted, unaccepted: differences.length - accepted };
}

/**
 * Compares hvlab's facts dump with Xen's: the console facts, the FDT each guest saw as a tree,
 * and hvlab's FDT byte for byte against `xenDtb` (the oracle's .dtb; default: Xen's dump's FDT).
 */
export function compareFacts(xen: FactsLog, hvlab: FactsLog, xenDtb = xen.fdt): ParityResult {
  const xs = flattenFacts(xen), hs = flattenFacts(hvlab);
  for (const [k, v] of flattenFdt(xenDtb)) xs.set(k, v);
  for (const [k, v] of flattenFdt(hvlab.fdt)) hs.set(k, v);
  const blob = compareBlobs(xenDtb, hvlab.fdt);
  xs.set("fdt-blob", `${xenDtb.length} bytes`);
  hs.set("fdt-blob", blob === undefined ? `${xenDtb.length} bytes` : `differs: ${blob}`);
  xs.set("dump-complete", String(xen.complete));
  hs.set("dump-complete", String(hvlab.complete));
  const result = compareFactMaps(xs, hs);
  // The initrd's end (and the blob's bytes with it) follows from the initrd's length: say both.
  const size = (m: Map<string, string>) => {
    const cells = (p: string) =>
      (m.get(`fdt/chosen:linux,initrd-${p}`) ?? "").replace(/[<>]/g, "").split(" ").filter(
        (c) => c !== "",
      ).reduce((a, c) => a * 2 ** 32 + Number(c), 0);
    return cells("end") - cells("start");
  };
  const xSize = size(xs), hSize = size(hs);
  if (xSize !== hSize) {
    for (const d of result.differences) {
      if (!d.accepted && /^(fdt\/chosen:linux,initrd-|fdt-blob$|iomem\/)/.test(d.key)) {
        d.reason += ` (initrd sizes differ: Xen's ${xSize} bytes, hvlab's ${hSize})`;
      }
    }
  }
  return result;
}

/** The differences as a text table, then the summary line. */
export function formatParity(result: ParityResult, gic: string): string {
  const cut = (s: string | undefined, n = 48) =>
    s === undefined ? "(absent)" : s.length > n ? s.slice(0, n - 1) + "…" : s;
  const lines = result.differences.map((d) =>
    [
      d.accepted ? "accepted" : "DIFFERS ",
      d.key,
      `\n           xen:   ${cut(d.xen, 100)}`,
      `\n           hvlab: ${cut(d.hvlab, 100)}`,
      `\n           why:   ${d.reason}`,
    ].join(" ")
  );
  return [
    ...lines,
    `hvlab-parity gic=${gic} differences=${result.differences.length} accepted=${result.accepted}`,
  ].join("\n");
}
