/**
 * A checker for Chrome/Perfetto trace-event JSON (the Trace Event Format): the JSON Array form
 * (`[event, ...]`) and the JSON Object form (`{ traceEvents: [...], displayTimeUnit, ... }`).
 * It returns the problems it finds as "where: what" lines, an empty list for a valid file.
 *
 * Rules checked, per the format's document:
 * - the object form has a `traceEvents` array; `displayTimeUnit`, if present, is "ms" or "ns";
 *   `otherData`, if present, is an object;
 * - every event is an object with a known one-character `ph`, a string `name` (an "E" may omit
 *   it), an integer `pid`, an integer `tid` (process metadata and global or process instants
 *   may omit it) and a finite numeric `ts` in microseconds (metadata may omit it); `cat`,
 *   `cname` are strings and `args` an object where present;
 * - "X": a finite `dur` >= 0 (and `tdur` >= 0 if present);
 * - "i"/"I": scope `s`, if present, is "g", "p" or "t";
 * - "C": `args` holds only numbers (the counter's series);
 * - "M": `name` is process_name, process_labels, process_sort_index, thread_name or
 *   thread_sort_index, with `args.name` / `args.labels` a string or `args.sort_index` an integer;
 * - async (b, n, e, S, T, p, F), flow (s, t, f) and object (N, O, D) events carry an `id` or
 *   `id2`.
 * Not checked: B/E pairing and ordering, stack frames, sample and memory-dump payloads.
 *
 * Usage: deno run --allow-read tools/trace/trace_schema.ts trace.json
 *
 * @module
 */

/** Every phase the Trace Event Format defines, with what each means. */
const PHASES: Record<string, string> = {
  B: "duration begin",
  E: "duration end",
  X: "complete",
  i: "instant",
  I: "instant (deprecated)",
  C: "counter",
  b: "async begin",
  n: "async instant",
  e: "async end",
  S: "async begin (deprecated)",
  T: "async step into (deprecated)",
  p: "async step past (deprecated)",
  F: "async end (deprecated)",
  s: "flow start",
  t: "flow step",
  f: "flow end",
  P: "sample",
  N: "object created",
  O: "object snapshot",
  D: "object destroyed",
  M: "metadata",
  V: "global memory dump",
  v: "process memory dump",
  R: "mark",
  c: "clock sync",
  "(": "context enter",
  ")": "context leave",
};

const NEEDS_ID = new Set(["b", "n", "e", "S", "T", "p", "F", "s", "t", "f", "N", "O", "D"]);

/** Metadata event names and the argument each carries. */
const METADATA_ARGS: Record<string, "name" | "labels" | "sort_index"> = {
  process_name: "name",
  process_labels: "labels",
  process_sort_index: "sort_index",
  thread_name: "name",
  thread_sort_index: "sort_index",
};

/** Options of validateTrace. */
export interface ValidateOptions {
  /** Stop after this many problems, adding a line saying how many more (default 100). */
  maxProblems?: number;
}

/** Problems in the trace-event document `doc` (parsed JSON); empty when it is valid. */
export function validateTrace(doc: unknown, options: ValidateOptions = {}): string[] {
  const max = options.maxProblems ?? 100;
  const problems: string[] = [];
  let extra = 0;
  const report = (where: string, what: string) => {
    if (problems.length < max) problems.push(`${where}: ${what}`);
    else extra++;
  };
  let events: unknown[];
  let at = "traceEvents";
  if (Array.isArray(doc)) {
    events = doc;
    at = "";
  } else if (isObject(doc)) {
    if (!Array.isArray(doc.traceEvents)) {
      report("traceEvents", `${show(doc.traceEvents)} is not an array`);
      return problems;
    }
    events = doc.traceEvents;
    if (
      doc.displayTimeUnit !== undefined && doc.displayTimeUnit !== "ms" &&
      doc.displayTimeUnit !== "ns"
    ) {
      report("displayTimeUnit", `${show(doc.displayTimeUnit)} is not "ms" or "ns"`);
    }
    if (doc.otherData !== undefined && !isObject(doc.otherData)) {
      report("otherData", `${show(doc.otherData)} is not an object`);
    }
  } else {
    report("document", `${show(doc)} is neither an array of events nor an object with traceEvents`);
    return problems;
  }
  events.forEach((e, i) => checkEvent(e, `${at}[${i}]`, report));
  if (extra > 0) problems.push(`... and ${extra} more problems`);
  return problems;
}

/** Problems in the trace-event JSON file at `path` (a parse error is one problem). */
export async function validateTraceFile(
  path: string,
  options?: ValidateOptions,
): Promise<string[]> {
  const text = await Deno.readTextFile(path);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return [`${path}: not JSON: ${(err as Error).message}`];
  }
  return validateTrace(doc, options);
}

function checkEvent(v: unknown, at: string, report: (where: string, what: string) => void): void {
  if (!isObject(v)) {
    report(at, `${show(v)} is not an object`);
    return;
  }
  const ph = v.ph;
  if (typeof ph !== "string" || !Object.hasOwn(PHASES, ph)) {
    report(`${at}.ph`, `${show(ph)} is not a known phase`);
    return;
  }
  if (v.name === undefined ? ph !== "E" : typeof v.name !== "string") {
    report(`${at}.name`, `${show(v.name)} is not a string`);
  }
  for (const k of ["cat", "cname"]) {
    if (v[k] !== undefined && typeof v[k] !== "string") {
      report(`${at}.${k}`, `${show(v[k])} is not a string`);
    }
  }
  if (!isInteger(v.pid)) report(`${at}.pid`, `${show(v.pid)} is not an integer`);
  const processWide = (ph === "M" && typeof v.name === "string" && v.name.startsWith("process_")) ||
    ((ph === "i" || ph === "I") && (v.s === "g" || v.s === "p"));
  if (v.tid === undefined ? !processWide : !isInteger(v.tid)) {
    report(`${at}.tid`, `${show(v.tid)} is not an integer`);
  }
  if (v.ts === undefined ? ph !== "M" : !isFiniteNumber(v.ts)) {
    report(`${at}.ts`, `${show(v.ts)} is not a finite number`);
  }
  if (v.args !== undefined && !isObject(v.args)) {
    report(`${at}.args`, `${show(v.args)} is not an object`);
  }
  if (NEEDS_ID.has(ph) && v.id === undefined && v.id2 === undefined) {
    report(`${at}.id`, `${PHASES[ph]} event ("${ph}") needs an id or id2`);
  }
  switch (ph) {
    case "X":
      for (const k of ["dur", "tdur"]) {
        if (k === "tdur" && v[k] === undefined) continue;
        if (!isFiniteNumber(v[k]) || (v[k] as number) < 0) {
          report(`${at}.${k}`, `${show(v[k])} is not a finite number >= 0`);
        }
      }
      break;
    case "i":
    case "I":
      if (v.s !== undefined && v.s !== "g" && v.s !== "p" && v.s !== "t") {
        report(`${at}.s`, `${show(v.s)} is not a scope "g", "p" or "t"`);
      }
      break;
    case "C":
      if (!isObject(v.args)) {
        report(`${at}.args`, `a counter needs args with its series, got ${show(v.args)}`);
      } else {
        for (const [k, x] of Object.entries(v.args)) {
          if (!isFiniteNumber(x)) report(`${at}.args.${k}`, `${show(x)} is not a finite number`);
        }
      }
      break;
    case "M":
      checkMetadata(v, at, report);
      break;
  }
}

function checkMetadata(
  v: Record<string, unknown>,
  at: string,
  report: (where: string, what: string) => void,
): void {
  if (typeof v.name !== "string") return;
  if (!Object.hasOwn(METADATA_ARGS, v.name)) {
    report(`${at}.name`, `${show(v.name)} is not a metadata name (${Object.keys(METADATA_ARGS)})`);
    return;
  }
  const key = METADATA_ARGS[v.name];
  const args = isObject(v.args) ? v.args : {};
  const x = args[key];
  if (key === "sort_index" ? !isInteger(x) : typeof x !== "string") {
    const want = key === "sort_index" ? "an integer" : "a string";
    report(`${at}.args.${key}`, `${show(x)} is not ${want} (${v.name})`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function isFiniteNumber(v: unknown): v is number {
  return typeof v === "number" && Number.isFinite(v);
}

function isInteger(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v);
}

function show(v: unknown): string {
  if (v === undefined) return "missing";
  if (typeof v === "number") return String(v); // JSON would show NaN and Infinity as null
  if (Array.isArray(v)) return `array(${v.length})`;
  if (v !== null && typeof v === "object") return "object";
  const s = JSON.stringify(v);
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

if (import.meta.main) {
  if (Deno.args.length === 0) {
    console.error("usage: deno run --allow-read tools/trace/trace_schema.ts trace.json...");
    Deno.exit(2);
  }
  let bad = 0;
  for (const path of Deno.args) {
    const problems = await validateTraceFile(path);
    if (problems.length === 0) console.log(`${path}: ok`);
    else {
      bad++;
      console.log(`${path}: ${problems.length} problem(s)\n  ${problems.join("\n  ")}`);
    }
  }
  Deno.exit(bad === 0 ? 0 : 1);
}
