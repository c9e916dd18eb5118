/** REPL view of a domain's virtual GIC: per-interrupt state and the list registers per vcpu. */
import { XenDomainRuntime } from "../core/hyp/domain_runtime.ts";
import type { Hypervisor } from "../core/hyp/hypervisor.ts";
import type { Vgic } from "../core/hyp/vgic/vgic.ts";
import { formatTable } from "./table.ts";

/** The vGIC of domain `domid`, if it has one. */
export function vgicOf(hv: Hypervisor, domid: number): Vgic | undefined {
  const rt = hv.runtimes.get(domid);
  return rt instanceof XenDomainRuntime ? rt.vgic : undefined;
}

/** Interrupt kind by INTID. */
function kind(intid: number): string {
  return intid < 16 ? "SGI" : intid < 32 ? "PPI" : "SPI";
}

/** Per-IRQ state (interrupts with any state set) and the list registers in use. */
export function formatVgic(vgic: Vgic, title = ""): string {
  const { irqs, lrs } = vgic.irqTable();
  const head = `${title}vGIC ${vgic.version}: ${vgic.numVcpus} vcpu interface(s), ` +
    `${vgic.numIrqs} interrupt IDs`;
  const irqTable = formatTable(
    ["INTID", "Kind", "VCPU", "Enabled", "Pending", "Active", "Trigger", "Level", "Prio", "HW"],
    irqs.map((r) => [
      r.intid,
      kind(r.intid),
      r.vcpu,
      r.enabled,
      r.pending,
      r.active,
      r.edge ? "edge" : "level",
      r.level ? 1 : 0,
      r.priority,
      r.hw < 0 ? "-" : String(r.hw),
    ]),
  );
  const lrTable = formatTable(
    ["VCPU", "LR", "vINTID", "State", "Prio", "HW", "pINTID", "EOI"],
    lrs.map((l) => [
      l.vcpu,
      l.lr,
      l.vintid,
      ["invalid", "pending", "active", "pending+active"][l.state] ?? String(l.state),
      l.priority,
      l.hw,
      l.hw ? l.pintid : null,
      l.eoi,
    ]),
    "list registers in use:",
  );
  return [head, irqTable, "", lrTable].join("\n");
}
