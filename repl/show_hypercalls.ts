/** REPL view of hypercall counts per vcpu, by hypercall and sub-op ("name/subop"). */
import type { Hypervisor } from "../core/hyp/hypervisor.ts";
import { formatTable } from "./table.ts";

/** One row per (vcpu, hypercall) with its count, busiest first; optionally one domain only. */
export function formatHypercalls(hv: Hypervisor, domid?: number): string {
  const rows: [number, number, string, number][] = [];
  for (const d of hv.domains.values()) {
    if (domid !== undefined && d.id !== domid) continue;
    for (const v of d.vcpus) {
      for (const [name, n] of v.hypercalls) rows.push([d.id, v.id, name, n]);
    }
  }
  rows.sort((a, b) => a[0] - b[0] || a[1] - b[1] || b[3] - a[3]);
  return formatTable(["Dom", "VCPU", "Hypercall", "Count"], rows);
}

/** One row per (vcpu, exit kind) with its count. */
export function formatExits(hv: Hypervisor, domid?: number): string {
  const rows: [number, number, string, number][] = [];
  for (const d of hv.domains.values()) {
    if (domid !== undefined && d.id !== domid) continue;
    for (const v of d.vcpus) for (const [k, n] of v.exits) rows.push([d.id, v.id, k, n]);
  }
  rows.sort((a, b) => a[0] - b[0] || a[1] - b[1] || b[3] - a[3]);
  return formatTable(["Dom", "VCPU", "Exit", "Count"], rows);
}
