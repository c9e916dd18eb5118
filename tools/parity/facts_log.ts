/**
 * Reads the facts a domU's /init (domu_init.ts) printed on its console: the oracle's capture
 * (tests/fixtures/xen417/gicN.domu1.txt, Xen's "(XEN) DOM1: " prefixes already removed) and
 * hvlab's console text alike. Sections start with "=== name" lines after the ready marker.
 */
import { DOMU_DONE_MARKER, DOMU_READY_MARKER } from "./domu_init.ts";

/** One row of /proc/interrupts. */
export interface InterruptRow {
  /** The first column without its colon: a Linux IRQ number, or "IPI0", "Err". */
  irq: string;
  /** Per-CPU counts, in CPU order (none for "Err"'s single total, which is here too). */
  counts: number[];
  /** The irq_chip's name ("GIC-0", "xen-dyn"), "" for IPIs and Err. */
  chip: string;
  /** The hardware IRQ number in the chip's domain, "" when the chip shows none. */
  hwirq: string;
  /** "Level" or "Edge", "" for IPIs and Err. */
  type: string;
  /** The rest: the flow name ("-event") and the handlers' names, or an IPI's description. */
  name: string;
}

/** One /proc/iomem line. */
export interface IomemRow {
  /** Nesting depth (two spaces per level). */
  depth: number;
  /** "start-end" in hex as printed. */
  range: string;
  name: string;
}

/** One `dmesg | grep` line, split into its timestamp and text. */
export interface DmesgLine {
  time: string;
  text: string;
}

/** Everything the facts dump printed. */
export interface FactsLog {
  /** Raw lines of every "=== name" section (carriage returns removed), in order. */
  sections: Map<string, string[]>;
  interrupts: InterruptRow[];
  /** /sys/hypervisor file path (as printed) -> value (everything after ": "). */
  sysHypervisor: Map<string, string>;
  /** /proc/device-tree/hypervisor property file -> its bytes (from `hexdump -C`). */
  hypervisorNode: Map<string, Uint8Array>;
  /** Entry names of `ls /proc/device-tree`, sorted. */
  deviceTreeListing: string[];
  iomem: IomemRow[];
  /** "key" -> value of the meminfo and cpuinfo lines ("key\t: value" / "Key:  value kB"). */
  meminfo: Map<string, string>;
  cpuinfo: Map<string, string>;
  dmesg: DmesgLine[];
  /** The /sys/firmware/fdt blob decoded from the base64 between the FDT markers. */
  fdt: Uint8Array;
  /** Whether the done marker was seen (the dump ran to its end). */
  complete: boolean;
}

/** A console log that does not hold a facts dump; the message names what is missing. */
export class FactsLogError extends Error {
  override name = "FactsLogError";
}

/** Splits `text` (a whole console log) into the facts dump's parts. Throws FactsLogError. */
export function parseFactsLog(text: string): FactsLog {
  const lines = text.replaceAll("\r", "").split("\n");
  const ready = lines.findIndex((l) => l.trimEnd() === DOMU_READY_MARKER);
  if (ready < 0) throw new FactsLogError(`no ${DOMU_READY_MARKER} line in the console log`);
  const sections = new Map<string, string[]>();
  let current: string[] | undefined;
  let complete = false;
  for (const line of lines.slice(ready + 1)) {
    if (line.trimEnd() === DOMU_DONE_MARKER) {
      complete = true;
      break;
    }
    if (line.startsWith("=== ")) {
      const name = line.slice(4).trimEnd();
      if (sections.has(name)) throw new FactsLogError(`section "${name}" appears twice`);
      current = [];
      sections.set(name, current);
    } else if (current) {
      current.push(line);
    }
  }
  const section = (name: string): string[] => {
    const s = sections.get(name);
    if (!s) throw new FactsLogError(`no "=== ${name}" section in the console log`);
    return s;
  };
  return {
    sections,
    interrupts: parseInterrupts(section("interrupts")),
    sysHypervisor: parseSysHypervisor(section("/sys/hypervisor")),
    hypervisorNode: parseHexdumps(section("hypervisor node")),
    deviceTreeListing: section("ls /proc/device-tree").flatMap((l) => l.split(/\s+/))
      .filter((n) => n !== "").sort(),
    iomem: parseIomem(section("iomem")),
    meminfo: parseColonPairs(section("meminfo")),
    cpuinfo: parseColonPairs(section("cpuinfo")),
    dmesg: section("dmesg xen").filter((l) => l.trim() !== "").map(parseDmesgLine),
    fdt: decodeBase64(section("FDT-BEGIN")),
    complete,
  };
}

/** /proc/interrupts: a "CPU0 CPU1 ..." header, then one row per IRQ (show_interrupts()). */
export function parseInterrupts(lines: string[]): InterruptRow[] {
  const rows = lines.filter((l) => l.trim() !== "");
  if (rows.length === 0 || !/^\s*CPU\d+/.test(rows[0])) {
    throw new FactsLogError("/proc/interrupts has no CPU header line");
  }
  const ncpu = rows[0].trim().split(/\s+/).length;
  return rows.slice(1).map((row) => {
    const m = /^\s*([^:\s]+):(.*)$/.exec(row);
    if (!m) throw new FactsLogError(`unreadable /proc/interrupts row "${row}"`);
    const words = m[2].trim().split(/\s+/).filter((w) => w !== "");
    const n = m[1] === "Err" ? 1 : ncpu;
    const counts = words.slice(0, n).map(Number);
    if (counts.length !== n || counts.some((c) => !Number.isInteger(c))) {
      throw new FactsLogError(`/proc/interrupts row "${row}" lacks ${n} counts`);
    }
    const rest = words.slice(n);
    if (!/^\d+$/.test(m[1])) {
      return { irq: m[1], counts, chip: "", hwirq: "", type: "", name: rest.join(" ") };
    }
    const chip = rest.shift() ?? "";
    const hwirq = rest.length > 0 && /^\d+$/.test(rest[0]) ? rest.shift()! : "";
    const type = rest.length > 0 && /^(Level|Edge)$/.test(rest[0]) ? rest.shift()! : "";
    return { irq: m[1], counts, chip, hwirq, type, name: rest.join(" ") };
  });
}

/** "/sys/hypervisor/x/y: value" lines; the value keeps its spaces (it may be empty). */
function parseSysHypervisor(lines: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of lines) {
    if (line.trim() === "") continue;
    const at = line.indexOf(": ");
    const key = at < 0 ? line.replace(/:$/, "") : line.slice(0, at);
    if (!key.startsWith("/sys/hypervisor/")) {
      throw new FactsLogError(`unreadable /sys/hypervisor line "${line}"`);
    }
    out.set(key, at < 0 ? "" : line.slice(at + 2));
  }
  return out;
}

/** "-- file" headers each followed by `hexdump -C` output ("*" repeats the previous row). */
export function parseHexdumps(lines: string[]): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  let file: string | undefined;
  let bytes: number[] = [];
  let last: number[] = [];
  let repeat = false;
  const finish = () => {
    if (file !== undefined) out.set(file, Uint8Array.from(bytes));
  };
  for (const line of lines) {
    if (line.startsWith("-- ")) {
      finish();
      file = line.slice(3).trim();
      bytes = [];
      repeat = false;
      continue;
    }
    if (line.trim() === "") continue;
    if (file === undefined) throw new FactsLogError(`hexdump line "${line}" before any file`);
    if (line.trim() === "*") {
      repeat = true;
      continue;
    }
    const m = /^([0-9a-f]{8})((?:\s+[0-9a-f]{2}){0,16})\s*(\|.*\|)?\s*$/.exec(line);
    if (!m) throw new FactsLogError(`unreadable hexdump line "${line}"`);
    const offset = parseInt(m[1], 16);
    if (repeat) {
      while (bytes.length < offset) bytes.push(...last);
      bytes.length = offset;
      repeat = false;
    }
    if (offset !== bytes.length) {
      throw new FactsLogError(`hexdump of ${file} jumps to 0x${m[1]} at ${bytes.length} bytes`);
    }
    const row = m[2].trim() === "" ? [] : m[2].trim().split(/\s+/).map((h) => parseInt(h, 16));
    bytes.push(...row);
    if (row.length > 0) last = row;
  }
  finish();
  return out;
}

/** /proc/iomem: "  start-end : name", two spaces of indent per nesting level. */
function parseIomem(lines: string[]): IomemRow[] {
  return lines.filter((l) => l.trim() !== "").map((line) => {
    const m = /^( *)([0-9a-f]+-[0-9a-f]+) : (.*)$/.exec(line);
    if (!m) throw new FactsLogError(`unreadable /proc/iomem line "${line}"`);
    return { depth: m[1].length / 2, range: m[2], name: m[3].trimEnd() };
  });
}

/** "key : value" lines (cpuinfo's tab-padded keys, meminfo's "Key:   value kB"). */
function parseColonPairs(lines: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of lines) {
    const at = line.indexOf(":");
    if (at < 0) continue;
    out.set(line.slice(0, at).trim(), line.slice(at + 1).trim());
  }
  return out;
}

/** "[    0.073235] text" -> {time, text}; a line without a timestamp keeps time "". */
function parseDmesgLine(line: string): DmesgLine {
  const m = /^\[\s*([0-9.]+)\] ?(.*)$/.exec(line);
  return m ? { time: m[1], text: m[2].trimEnd() } : { time: "", text: line.trimEnd() };
}

/** Base64 lines (as `base64` wraps them) -> bytes. */
function decodeBase64(lines: string[]): Uint8Array {
  const b64 = lines.map((l) => l.trim()).join("");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) {
    throw new FactsLogError("the FDT section is not base64");
  }
  try {
    return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  } catch {
    throw new FactsLogError("the FDT section is not valid base64");
  }
}
