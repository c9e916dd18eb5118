/**
 * Scenario: boot Debian's Linux as a domU (hvc0, 1 vcpu, 256 MiB) to poweroff and count every
 * hypercall it makes by number and sub-op, plus its SMCCC/PSCI calls (HVC #0 / SMC).
 *   deno run -A scripts/scenario_hypercalls.ts
 * Xen hypercalls come from the vcpu's counters (every call, including each entry of a multicall;
 * a "hypercall" hook counts the HVC #0xea1 traps themselves). SMCCC calls have no hook and no
 * counter, so the script watches the vcpu's exits: an HVC #0 exit carries the function ID in x0.
 * Ends with `hvlab-scenario hypercalls total=<n> distinct=<n> traps=<n> smccc=<n> ...`.
 */
import { Hypervisor } from "../core/hyp/hypervisor.ts";
import * as PSCI from "../core/hyp/abi/psci.ts";
import { buildLinuxDomu, consoleOn, linuxInputs } from "../tools/linux/linux_domu.ts";
import { seconds, summaryLine, table } from "../tools/scenario/report.ts";
import { WORK_END } from "../tools/linux/domu_workload.ts";

const inputs = await linuxInputs();
if ("missing" in inputs) {
  console.log(inputs.missing);
  console.log(summaryLine("hypercalls", { skipped: 1 }));
  Deno.exit(0);
}

const hv = new Hypervisor({ pcpus: 2 });
const b = await buildLinuxDomu(hv, inputs, consoleOn("hvc0"));
const d = b.domain;

let traps = 0;
hv.on("hypercall", (e) => {
  if (e.result === undefined && e.domain === d) traps++;
});

const t0 = performance.now();
const r = hv.run({ maxCycles: 4_000_000_000 });
const wall = performance.now() - t0;
const text = hv.console(d.id).text;
console.log(`--- console tail ---\n${text.slice(-600).trimEnd()}\n---`);
console.log(
  `run: ${r.reason} after ${r.cycles} cycles (${(hv.nowNs() / 1e6).toFixed(1)} ms virtual, ` +
    `${seconds(wall)} s wall); domain ${d.state} (${d.shutdownReason ?? "-"})`,
);

// Counter keys are "name" or "name/subop" (unknown: "#nr" / "name/#cmd").
const counts = new Map<string, number>();
for (const v of d.vcpus) {
  for (const [k, n] of v.hypercalls) counts.set(k, (counts.get(k) ?? 0) + n);
}
const byName = new Map(hv.table.rows.map((row) => [row.name, row]));
const rows = [...counts].map(([key, n]) => {
  const [name, sub] = key.split("/");
  const row = byName.get(name);
  const nr = row ? String(row.nr) : name.replace("#", "");
  const cmd = sub === undefined
    ? "-"
    : sub.startsWith("#")
    ? sub.slice(1)
    : String(row?.subops?.find((s) => s.name === sub)?.cmd ?? "?");
  return { key, nr, cmd, name, sub: sub ?? "-", n };
}).sort((a, b) => b.n - a.n || a.key.localeCompare(b.key));
const total = rows.reduce((s, x) => s + x.n, 0);
console.log(`\nXen hypercalls (${total} in all, ${rows.length} distinct):`);
console.log(table(
  ["count", "nr", "hypercall", "sub-op", "cmd", "share"],
  rows.map((x) => [x.n, x.nr, x.name, x.sub, x.cmd, `${(100 * x.n / total).toFixed(1)}%`]),
));
console.log(`${traps} HVC #0xea1 traps; ${total - traps} calls ran as multicall entries.`);

// Function IDs hvlab's ABI tables do not name (SMCCC 1.1+ and the Xen vendor range).
const fidNames = new Map<number, string>([
  [0x8400_0050, "TRNG_VERSION (SMCCC TRNG)"],
  [0x8600_ff00, "XEN_CALL_COUNT (vendor hyp)"],
  [0x8600_ff01, "XEN_UID (vendor hyp)"],
  [0x8600_ff03, "XEN_REVISION (vendor hyp)"],
]);
for (const [k, v] of Object.entries(PSCI)) {
  if (typeof v === "number" && /_(FN|FN64|FID)_|_FID$/.test(k) && !fidNames.has(v >>> 0)) {
    fidNames.set(v >>> 0, k);
  }
}
// SMCCC calls (HVC #0 or SMC), as each vcpu counts them by function id.
const smccc = new Map<number, number>();
for (const v of d.vcpus) {
  for (const [fid, n] of v.smccc) smccc.set(Number(fid), (smccc.get(Number(fid)) ?? 0) + n);
}
const smcccRows = [...smccc].sort((a, b) => b[1] - a[1]);
const smcccTotal = smcccRows.reduce((s, [, n]) => s + n, 0);
console.log(`\nSMCCC/PSCI calls (${smcccTotal}):`);
console.log(table(
  ["count", "function id", "name"],
  smcccRows.map(([fid, n]) => [n, `0x${fid.toString(16)}`, fidNames.get(fid) ?? "?"]),
));

const ok = r.reason === "all-shutdown" && d.shutdownReason === "poweroff" &&
  text.includes(WORK_END);
console.log(`\ntotal: ${total} Xen hypercalls + ${smcccTotal} SMCCC calls`);
console.log(summaryLine("hypercalls", {
  ok: ok ? 1 : 0,
  total,
  distinct: rows.length,
  traps,
  smccc: smcccTotal,
  top: rows[0]?.key ?? "-",
  shutdown: d.shutdownReason ?? "none",
  wall_s: seconds(wall),
}));
if (!ok) Deno.exit(1);
