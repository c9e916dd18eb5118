/**
 * Scenario: intercept a guest's grant maps and make one fail. Two bare-metal domUs (hyp_lab):
 * "granter" fills four of its pages with a pattern and grants them to "mapper" (the entries are
 * written host-side with grants.setEntry, as the granting guest's driver would); "mapper" builds
 * an array of four gnttab_map_grant_ref ops, issues ONE GNTTABOP_map_grant_ref hypercall for all
 * of them (as Linux batches them) and reads the first word of every page that mapped. A
 * "hypercall" hook makes the map of one ref fail.
 *   deno run -A scripts/scenario_grant_fail.ts [--mode status|refuse] [--status N]
 *
 * Modes. `status` (the default, the realistic one): Xen reports a failed grant map per element,
 * in the op's status field, while the hypercall itself returns 0; so the hook lets the real map
 * run, then in the after phase takes back that element's mapping through the real unmap path
 * (unpinning the granter's entry and freeing the maptrack handle, so no state leaks) and writes
 * the GNTST_* code (default GNTST_eagain, -12: what paging/sharing produce and what Linux's
 * gnttab_map_refs retries) into the guest's op. `refuse`: the before phase refuses the whole
 * hypercall with an errno (ENOMEM), as Xen does for argument/copy failures: nothing is mapped and
 * no status is written.
 * Ends with `hvlab-scenario grant_fail ok=1 mode=<> mapped=<n> failed=<n> ...`.
 */
import { Hypervisor } from "../core/hyp/hypervisor.ts";
import {
  GNTMAP_host_map,
  GNTST_eagain,
  GTF_permit_access,
  GTF_reading,
  GTF_writing,
} from "../core/hyp/abi/grant_table.ts";
import * as GT from "../core/hyp/abi/grant_table.ts";
import { XEN_ENOMEM } from "../core/hyp/abi/errno.ts";
import { __HYPERVISOR_grant_table_op } from "../core/hyp/abi/hypercalls.ts";
import { addLabDomain, assembleRaw, haveCrossAs, RAM_BASE, SCRATCH } from "../tools/lab/hyp_lab.ts";
import { summaryLine, table } from "../tools/scenario/report.ts";

const arg = (name: string, def: string) => {
  const i = Deno.args.indexOf(name);
  return i >= 0 ? Deno.args[i + 1] : def;
};
const mode = arg("--mode", "status");
if (mode !== "status" && mode !== "refuse") throw new Error(`--mode ${mode}: status or refuse`);
const failStatus = Number(arg("--status", String(GNTST_eagain)));
if (!haveCrossAs()) {
  console.log("aarch64-linux-gnu-as is not installed: the bare-metal guests cannot be built");
  console.log(summaryLine("grant_fail", { skipped: 1 }));
  Deno.exit(0);
}

const N = 4;
const FIRST_REF = 10;
const FAIL_REF = 12;
/** The granter's pages: 2 MiB into its RAM. */
const GRANTED_GFN = (RAM_BASE >> 12) + 0x200;
/** Where the mapper asks for the grants: an unpopulated part of its IPA space. */
const MAP_BASE = 0x4800_0000;
const OPS = SCRATCH, GO = SCRATCH + 0x800, RC = SCRATCH + 0x808, DONE = SCRATCH + 0x810;
const SEEN = SCRATCH + 0x900;
const PATTERN = 0xa11ce000;
/** A status the guest presets, which Xen never writes: "not touched by the hypercall". */
const UNTOUCHED = 0x7777;

const granter = assembleRaw(`
  ldr x1, =${GRANTED_GFN << 12}
  ldr w2, =${PATTERN}
  mov x3, #0
1:str w2, [x1]
  add x1, x1, #4096
  add w2, w2, #1
  add x3, x3, #1
  cmp x3, #${N}
  b.lo 1b
2:wfi
  b 2b
`);

const mapper = (adom: number) =>
  assembleRaw(`
  ldr x19, =${OPS}
  ldr x22, =${GO}
0:ldr w0, [x22]
  cbz w0, 0b
  mov x20, #0
1:add x1, x19, x20, lsl #5
  ldr x2, =${MAP_BASE}
  add x2, x2, x20, lsl #12
  str x2, [x1]
  mov w3, #${GNTMAP_host_map}
  str w3, [x1, #8]
  add w3, w20, #${FIRST_REF}
  str w3, [x1, #12]
  mov w3, #${adom}
  strh w3, [x1, #16]
  mov w3, #${UNTOUCHED}
  strh w3, [x1, #18]
  str wzr, [x1, #20]
  str xzr, [x1, #24]
  add x20, x20, #1
  cmp x20, #${N}
  b.lo 1b
  mov x16, #${__HYPERVISOR_grant_table_op}
  mov x0, #${GT.GNTTABOP_map_grant_ref}
  mov x1, x19
  mov x2, #${N}
  hvc #0xea1
  ldr x1, =${RC}
  str x0, [x1]
  ldr x5, =${SEEN}
  mov x20, #0
2:add x1, x19, x20, lsl #5
  ldrsh w3, [x1, #18]
  cbnz w3, 3f
  ldr x2, [x1]
  ldr w4, [x2]
  str x4, [x5, x20, lsl #3]
3:add x20, x20, #1
  cmp x20, #${N}
  b.lo 2b
  ldr x1, =${DONE}
  mov w0, #1
  str w0, [x1]
4:wfi
  b 4b
`);

const hv = new Hypervisor({ pcpus: 2 });
const a = addLabDomain(hv, "granter", { kernel: granter }).domain;
const b = addLabDomain(hv, "mapper", { kernel: mapper(a.id) }).domain;
console.log(`granter: domain ${a.id}; mapper: domain ${b.id}; mode: ${mode}`);

// Let the granter write its pages, then grant them (writable) to the mapper and let it go.
hv.run({ maxCycles: 200_000 });
for (let i = 0; i < N; i++) {
  a.grants.setEntry(FIRST_REF + i, GTF_permit_access, b.id, GRANTED_GFN + i);
}
b.phys.setU32(GO, 1);

const statusName = (s: number) =>
  Object.entries(GT).find(([k, v]) => k.startsWith("GNTST_") && v === s)?.[0] ??
    (s === UNTOUCHED ? "(untouched)" : String(s));
const events: string[] = [];
hv.on("hypercall", (e) => {
  if (e.domain !== b || e.name !== "grant_table_op/map_grant_ref") return;
  const [, va, count] = e.args;
  if (e.result === undefined) {
    events.push(`before: map_grant_ref x${count} at 0x${va.toString(16)}`);
    if (mode === "refuse") {
      e.refuse = XEN_ENOMEM;
      events.push(`  refused with -ENOMEM (-${XEN_ENOMEM}): the whole batch fails`);
    }
    return;
  }
  events.push(`after: hypercall returned ${BigInt.asIntN(64, e.result)}`);
  if (mode !== "status" || e.result !== 0n) return;
  const size = GT.gnttab_map_grant_ref.size;
  for (let i = 0n; i < count; i++) {
    const at = va + i * BigInt(size);
    const op = e.vcpu.guest.readStruct(at, size);
    if (op.getUint32(12, true) !== FAIL_REF || op.getInt16(18, true) !== GT.GNTST_okay) continue;
    const handle = op.getUint32(20, true), host_addr = op.getBigUint64(0, true);
    const undo = hv.grantOps.unmapGrantRef(b, { host_addr, dev_bus_addr: 0n, handle });
    op.setInt16(18, failStatus, true);
    e.vcpu.guest.writeStruct(at, op);
    events.push(
      `  ref ${FAIL_REF}: mapped as handle ${handle}, taken back (unmap status ${undo}), ` +
        `status rewritten to ${statusName(failStatus)}`,
    );
  }
});

let cycles = 0;
while (b.phys.u32(DONE) === 0 && cycles < 50_000_000) {
  cycles += hv.run({ maxCycles: 1_000_000 }).cycles;
}
if (b.phys.u32(DONE) === 0) throw new Error("the mapper never finished");
for (const ev of events) console.log(ev);

const rc = BigInt.asIntN(64, b.phys.u64(RC));
console.log(`\nthe mapper's hypercall returned ${rc}; each op as the guest saw it:`);
const rows = Array.from({ length: N }, (_, i) => {
  const at = OPS + 32 * i;
  const status = (b.phys.u32(at + 16) >>> 16) << 16 >> 16;
  const ref = b.phys.u32(at + 12);
  const seen = status === 0 ? b.phys.u32(SEEN + 8 * i) : undefined;
  const gfn = Number(b.phys.u64(at) >> 12n);
  const entry = a.grants.entry(ref);
  return {
    ref,
    status,
    handle: status === 0 ? b.phys.u32(at + 20) : undefined,
    seen,
    expected: PATTERN + i,
    p2m: b.p2m.get(gfn) !== undefined,
    inUse: (entry.flags & (GTF_reading | GTF_writing)) !== 0,
  };
});
console.log(table(
  ["ref", "status", "handle", "word read via the map", "granter's GTF in use", "mapper p2m"],
  rows.map((r) => [
    r.ref,
    r.status === UNTOUCHED ? "(untouched)" : `${r.status} ${statusName(r.status)}`,
    r.handle === undefined ? "-" : String(r.handle),
    r.seen === undefined
      ? "-"
      : `0x${r.seen.toString(16)}${r.seen === r.expected ? " ok" : " WRONG"}`,
    r.inUse ? "reading|writing" : "no",
    r.p2m ? "mapped" : "-",
  ]),
));

const mapped = rows.filter((r) => r.status === 0).length;
// Consistent: every op that the guest saw succeed is mapped, pinned and readable; every other is
// neither mapped in the mapper's p2m nor pinned in the granter's table.
const consistent = rows.every((r) =>
  r.status === 0 ? r.p2m && r.inUse && r.seen === r.expected : !r.p2m && !r.inUse
);
const expectOk = mode === "status"
  ? rc === 0n && mapped === N - 1 && rows.find((r) => r.ref === FAIL_REF)?.status === failStatus
  : rc === BigInt(-XEN_ENOMEM) && mapped === 0 && rows.every((r) => r.status === UNTOUCHED);
const ok = consistent && expectOk;
console.log(`\nconsistent host state: ${consistent}`);
console.log(summaryLine("grant_fail", {
  ok: ok ? 1 : 0,
  mode,
  maps: N,
  mapped,
  failed: N - mapped,
  failed_ref: mode === "status" ? FAIL_REF : "all",
  rc: Number(rc),
  status: mode === "status" ? failStatus : "none",
  consistent: consistent ? 1 : 0,
}));
if (!ok) Deno.exit(1);
