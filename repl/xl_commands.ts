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
export function xlPause(d: Domain): string {
  if (!d.alive) throw new Error(`domain ${d.id} is ${d.state}: cannot pause it`);
  d.state = "paused";
  for (const v of d.vcpus) v.paused = true;
  return `domain ${d.id} paused`;
}

/** `xl unpause`. */
export function xlUnpause(d: Domain): string {
  if (!d.alive) throw new Error(`domain ${d.id} is ${d.state}: cannot unpause it`);
  d.state = "running";
  for (const v of d.vcpus) v.paused = false;
  return `domain ${d.id} unpaused`;
}

/** `xl vcpu-pin`: moves vcpu `v` to physical CPU `pcpu` (hard affinity of one CPU). */
export function xlVcpuPin(lab: HvLab, v: Vcpu, pcpu: number): string {
  const pcpus = lab.hv.pcpus;
  if (!Number.isInteger(pcpu) || pcpu < 0 || pcpu >= pcpus.length) {
    throw new Error(`no pCPU ${pcpu} (there are ${pcpus.length}: 0..${pcpus.length - 1})`);
  }
  const from = pcpus[v.pcpu];
  if (from.current === v) throw new Error(`vcpu ${v.domainId}.${v.id} is on pCPU ${v.pcpu} now`);
  if (v.pcpu === pcpu) return `vcpu ${v.domainId}.${v.id} already on pCPU ${pcpu}`;
  const i = from.vcpus.indexOf(v);
  if (i >= 0) from.vcpus.splice(i, 1);
  pcpus[pcpu].vcpus.push(v);
  const old = v.pcpu;
  v.pcpu = pcpu;
  return `vcpu ${v.domainId}.${v.id} moved from pCPU ${old} to pCPU ${pcpu}`;
}
