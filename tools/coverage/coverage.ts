/**
 * Decode coverage of a real binary: aarch64-linux-gnu-objdump lists every word of the executable
 * sections (an ELF's SHF_EXECINSTR sections with -d; a raw arm64 Linux Image as a whole) and says
 * which are instructions; hvlab's decoder is asked about each. The report gives the share of
 * instructions hvlab decodes, each mnemonic it would treat as UNDEFINED (with count, example and
 * whether the ID registers declare the feature absent), and the words hvlab accepts although
 * objdump calls them undefined.
 */
import { a64Decoder } from "../../core/cpu/decode/table.ts";
import type { Decoder } from "../../core/cpu/decode/decoder.ts";
import { type FeatureNote, featureOf } from "./features.ts";

/** One mnemonic (with feature) hvlab disagrees on. */
export interface CoverageEntry {
  mnemonic: string;
  count: number;
  /** First occurrence. */
  address: bigint;
  word: number;
  text: string;
  note?: FeatureNote;
}

/** The coverage of one binary. */
export interface CoverageReport {
  file: string;
  kind: "elf" | "image";
  /** Words objdump listed (runs of zero words it elides are not counted). */
  words: number;
  /** Words objdump calls undefined (data in code, padding). */
  data: number;
  /** Words objdump decodes as instructions, and how many of them hvlab decodes. */
  instructions: number;
  decoded: number;
  /** Instructions hvlab treats as UNDEFINED, most frequent first. */
  undefined: CoverageEntry[];
  /** Words hvlab decodes although objdump calls them undefined. */
  overAccepted: CoverageEntry[];
}

/** "elf", "image" (arm64 Linux Image, magic ARM\x64 at 0x38), or undefined. */
export function binaryKind(head: Uint8Array): "elf" | "image" | undefined {
  if (head[0] === 0x7f && head[1] === 0x45 && head[2] === 0x4c && head[3] === 0x46) return "elf";
  if (
    head.length >= 0x3c && head[0x38] === 0x41 && head[0x39] === 0x52 && head[0x3a] === 0x4d &&
    head[0x3b] === 0x64
  ) return "image";
  return undefined;
}

const SYSTEM_MNEMONICS = new Set(["mrs", "msr", "sys", "sysl", "dc", "ic", "at", "tlbi"]);
const LINE = /^\s*([0-9a-f]+):\t([0-9a-f]{8}) \t(.*)$/;

function add(m: Map<string, CoverageEntry>, addr: bigint, word: number, text: string): void {
  // System instructions are told apart by the register or operation they name.
  const [mn, ...ops] = text.split(/[ ,]+/);
  const mnemonic = SYSTEM_MNEMONICS.has(mn)
    ? `${mn} ${ops.find((o) => !/^(x\d+|xzr|#.*)$/.test(o)) ?? ""}`.trim()
    : mn;
  const note = featureOf(text);
  const key = `${mnemonic}|${note?.feature ?? ""}`;
  const e = m.get(key);
  if (e) e.count++;
  else {
    const entry: CoverageEntry = { mnemonic, count: 1, address: addr, word, text };
    if (note) entry.note = note;
    m.set(key, entry);
  }
}

/** Measures the decode coverage of the ELF or Image at `path`. */
export async function measureCoverage(
  path: string,
  decoder: Decoder = a64Decoder(),
): Promise<CoverageReport> {
  const f = await Deno.open(path);
  const head = new Uint8Array(64);
  await f.read(head);
  f.close();
  const kind = binaryKind(head);
  if (!kind) throw new Error(`coverage: ${path} is neither an ELF nor an arm64 Linux Image`);
  const args = kind === "elf" ? ["-d", path] : ["-D", "-b", "binary", "-m", "aarch64", path];
  const child = new Deno.Command("aarch64-linux-gnu-objdump", {
    args,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const r: CoverageReport = {
    file: path,
    kind,
    words: 0,
    data: 0,
    instructions: 0,
    decoded: 0,
    undefined: [],
    overAccepted: [],
  };
  const stderr = new Response(child.stderr).text();
  const undef = new Map<string, CoverageEntry>();
  const over = new Map<string, CoverageEntry>();
  const onLine = (line: string) => {
    const m = LINE.exec(line);
    if (!m) return;
    const word = parseInt(m[2], 16) >>> 0;
    const text = m[3].replace(/\t/g, " ").trim();
    const hv = decoder.decode(word) !== undefined;
    r.words++;
    if (text.startsWith(".inst") || text.startsWith("udf")) {
      r.data++;
      if (hv) add(over, BigInt("0x" + m[1]), word, text);
      return;
    }
    r.instructions++;
    if (hv) r.decoded++;
    else add(undef, BigInt("0x" + m[1]), word, text);
  };
  let rest = "";
  for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
    const lines = (rest + chunk).split("\n");
    rest = lines.pop()!;
    for (const l of lines) onLine(l);
  }
  onLine(rest);
  const status = await child.status;
  if (!status.success) throw new Error(`coverage: objdump failed on ${path}: ${await stderr}`);
  const byCount = (a: CoverageEntry, b: CoverageEntry) => b.count - a.count;
  r.undefined = [...undef.values()].sort(byCount);
  r.overAccepted = [...over.values()].sort(byCount);
  return r;
}

/** The report as printable lines. */
export function formatCoverage(r: CoverageReport): string[] {
  const pct = (a: number, b: number) => (b === 0 ? 0 : (100 * a) / b).toFixed(3) + "%";
  const absent = r.undefined.filter((e) => e.note?.absent).reduce((a, e) => a + e.count, 0);
  const gap = r.instructions - r.decoded - absent;
  const row = (e: CoverageEntry) =>
    `  ${e.mnemonic.padEnd(20)} ${String(e.count).padStart(8)}  0x${e.address.toString(16)}  ` +
    `${(e.word >>> 0).toString(16).padStart(8, "0")}  ${e.text}` +
    (e.note ? `   [${e.note.feature}: ${e.note.declared}${e.note.absent ? ", absent" : ""}]` : "");
  return [
    `${r.file} (${r.kind}): ${r.words} words, ${r.data} not instructions (objdump), ` +
    `${r.instructions} instructions`,
    `hvlab decodes ${r.decoded} of ${r.instructions} instructions (${
      pct(r.decoded, r.instructions)
    }); UNDEFINED: ${absent} of features the ID registers declare absent, ${gap} other`,
    ...(r.undefined.length > 0
      ? ["UNDEFINED in hvlab (mnemonic, count, first address, encoding, objdump):"]
      : []),
    ...r.undefined.map(row),
    ...(r.overAccepted.length > 0
      ? ["decoded by hvlab but undefined for objdump (mnemonic, count, first address):"]
      : []),
    ...r.overAccepted.map(row),
  ];
}
