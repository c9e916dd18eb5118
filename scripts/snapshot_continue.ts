/**
 * Restores a snapshot file in this (fresh) process and continues the run, printing the trace hash
 * (tools/snapshot/trace_hash.ts) and the consoles as JSON on stdout:
 *   deno run -A scripts/snapshot_continue.ts FILE CHUNKS CHUNK_CYCLES
 * The determinism test compares this with the run that continued from the snapshot point.
 */
import { restoreSnapshotFile } from "../core/hyp/machine_snapshot.ts";
import { traceRun } from "../tools/snapshot/trace_hash.ts";

const [file, chunks, chunkCycles] = Deno.args;
if (!file || !chunks || !chunkCycles) {
  console.error("usage: snapshot_continue.ts FILE CHUNKS CHUNK_CYCLES");
  Deno.exit(2);
}
const hv = restoreSnapshotFile(await Deno.readFile(file));
const r = traceRun(hv, Number(chunks), Number(chunkCycles));
console.log(JSON.stringify(r));
