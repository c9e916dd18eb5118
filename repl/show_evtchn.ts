/** REPL view of a domain's event channels: every bound port with its binding and state. */
import type { Domain } from "../core/hyp/domain.ts";
import { formatTable } from "./table.ts";

/** What a port is bound to, in words. */
function binding(c: { state: string; remoteDom: number; remotePort: number; virq: number }) {
  switch (c.state) {
    case "unbound":
      return `for dom ${c.remoteDom}`;
    case "interdomain":
      return `dom ${c.remoteDom} port ${c.remotePort}`;
    case "virq":
      return `VIRQ ${c.virq}`;
    case "host":
      return `back end (dom ${c.remoteDom})`;
    default:
      return "";
  }
}

/** The bound ports of `d`: state, binding, notified vcpu, priority, pending and masked bits. */
export function formatEvtchn(d: Domain): string {
  const ec = d.evtchn;
  if (!ec) return `domain ${d.id} has no event channels`;
  const rows = [];
  for (let p = 1; ec.channel(p) !== undefined; p++) {
    const c = ec.channel(p)!;
    if (c.state === "free" || c.state === "reserved") continue;
    rows.push([
      p,
      c.state,
      binding(c),
      c.notifyVcpu,
      c.priority,
      ec.isPending(p),
      ec.isMasked(p),
    ]);
  }
  return formatTable(
    ["Port", "State", "Bound to", "VCPU", "Prio", "Pending", "Masked"],
    rows,
    `domain ${d.id} event channels (${ec.abiKind} ABI):`,
  );
}
