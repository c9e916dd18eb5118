/**
 * xl-style commands on the REPL's lab: create from an xl.cfg, destroy, shutdown, pause/unpause,
 * vcpu-pin. Each returns a one-line message (the REPL prints it) and throws an Error naming the
 * problem. They act between background slices, when no vcpu is on a pCPU.
 */
import type { Domain } from "../core/hyp/domain.ts";
import type { Vcpu } from "../core/hyp/vcpu.ts";
import { buildXlDomain, loadXlDomain } from "../tools/xl/load_xl_domain.ts";
import type { HvLab } from "./hv_lab.ts";

/** `xl create <file>`: reads, validates and builds the domain; it starts running at once. */
export async function xlCreate(lab: HvLab, file: string): Promise<Domain> {
  const spec = await loadXlDomain(file);
  return buildXlDomain(lab.hv, spec).domain;
}

/**
 * `xl destroy`: the domain goes at once — its vcpus leave the pCPUs, its memory returns, its event
 * channels close (peers see them closed), xenstore forgets it and its /local/domain node goes.
 */
export function xlDestroy(lab: HvLab, d: Domain): string {
  const hv = lab.hv;
  hv.destroyDomain(d);
  return `domain ${d.id} "${d.name}" destroyed`;
}

/**
 * `xl shutdown`: a guest with PV drivers that advertises control/feature-poweroff is asked
 * through xenstore (control/shutdown = "poweroff") and shuts itself down; any other guest
 * (like the built-in one, which has no xenstore client) is shut down by the hypervisor at once,
 * as `xl shutdown -F` would.
 */
export function xlShutdown(
  lab: HvLab,
  d: Domain,
  reason: "poweroff" | "reboot" = "poweroff",
): string {
  if (!d.alive) return `domain ${d.id} is already ${d.state}`;
  const xs = lab.hv.xenstore;
  const base = `/local/domain/${d.id}/control`;
  if (xs.tryRead(`${base}/feature-${reason}`) === "1") {
    xs.write(`${base}/shutdown`, reason);
    return `domain ${d.id}: asked to ${reason} through xenstore (${base}/shutdown)`;
  }
  lab.hv.shutdown(d, reason);
  return `domain ${d.id}: no PV control interface, shut down by the hypervisor (${reason})`;
}

/** `xl pause`: the domain and its vcpus stop being scheduled (their state is kept). */
export function xlPause(lab: HvLab, d: Domain): string {
  if (!d.alive) throw new Error(`domain ${d.id} is ${d.state}: cannot pause it`);
  lab.hv.pauseDomain(d);
  return `domain ${d.id} paused`;
}

/** `xl unpause`. */
export function xlUnpause(lab: HvLab, d: Domain): string {
  if (!d.alive) throw new Error(`domain ${d.id} is ${d.state}: cannot unpause it`);
  lab.hv.unpauseDomain(d);
  return `domain ${d.id} unpaused`;
}

/** `xl vcpu-pin`: pins vcpu `v` to physical CPU `pcpu` (hard affinity of that one CPU). */
export function xlVcpuPin(lab: HvLab, v: Vcpu, pcpu: number): string {
  const n = lab.hv.pcpus.length;
  if (!Number.isInteger(pcpu) || pcpu < 0 || pcpu >= n) {
    throw new Error(`no pCPU ${pcpu} (there are ${n}: 0..${n - 1})`);
  }
  const was = v.unit.hard === null ? "any pCPU" : `pCPU ${v.unit.hard.join(",")}`;
  lab.hv.setAffinity(v, [pcpu]);
  return `vcpu ${v.domainId}.${v.id} pinned to pCPU ${pcpu} (was ${was})`;
}

/** xl's names of each scheduler's per-domain parameters, and the scheduler's own. */
const SCHED_PARAMS: Record<string, Record<string, string>> = {
  credit: { weight: "weight", cap: "cap" },
  credit2: { weight: "weight", cap: "cap" },
  rtds: { period: "periodUs", budget: "budgetUs", extratime: "extratime" },
};

/** A domain's parameters in xl's words ("weight 256, cap 0"; rtds periods in µs). */
function describeParams(lab: HvLab, d: Domain): string {
  const s = lab.hv.schedulerOfDomain(d.id), names = SCHED_PARAMS[s.name] ?? {};
  const p = s.getParams(d.id);
  return Object.entries(names).map(([xl, own]) => {
    if (xl === "extratime") return `extratime ${p[own] ? "yes" : "no"}`;
    return `${xl} ${p[own]}${s.name === "rtds" ? " us" : ""}`;
  }).join(", ");
}

/**
 * `xl sched-credit -d d -w W -c C`, `xl sched-credit2 -d d -w W -c C`,
 * `xl sched-rtds -d d -p P -b B -e E`: sets some of domain `d`'s parameters under the scheduler
 * of its cpupool, by xl's names (weight, cap; period and budget in µs, extratime as a boolean or 0/1).
 * The scheduler validates all of them before changing any; it uses them from its next decision.
 */
export function xlSchedSet(
  lab: HvLab,
  d: Domain,
  params: Record<string, number | boolean>,
): string {
  const s = lab.hv.schedulerOfDomain(d.id), names = SCHED_PARAMS[s.name];
  if (names === undefined) {
    throw new Error(`the ${s.name} scheduler has no per-domain parameters`);
  }
  if (typeof params !== "object" || params === null || Object.keys(params).length === 0) {
    throw new Error(
      `schedSet: give ${s.name} parameters as {${Object.keys(names).join(", ")}}, not ${
        JSON.stringify(params)
      }`,
    );
  }
  const own: Record<string, number> = {};
  for (const [k, v] of Object.entries(params)) {
    const name = names[k];
    if (name === undefined) {
      throw new Error(
        `${s.name} has no parameter "${k}" (it has ${Object.keys(names).join(", ")})`,
      );
    }
    own[name] = typeof v === "boolean" ? Number(v) : v;
  }
  const was = describeParams(lab, d);
  s.setParams(d.id, own);
  return `domain ${d.id} "${d.name}" (${s.name}): ${describeParams(lab, d)} (was ${was})`;
}
