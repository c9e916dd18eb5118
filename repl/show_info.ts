/** REPL view of the hypervisor as a whole (`info()`, like xl info). */
import type { Hypervisor } from "../core/hyp/hypervisor.ts";
import { schedulerLine } from "./show_sched.ts";
import { fmtNs, formatTable } from "./table.ts";

/**
 * Version, clocks, virtual time, the scheduler, physical CPUs with their vcpus and idle time.
 */
export function formatInfo(hv: Hypervisor): string {
  const v = hv.version;
  const now = hv.nowNs();
  return [
    `hvlab hypervisor: Xen ${v.major}.${v.minor}${v.extra} ABI, ${hv.pcpus.length} pCPUs, ` +
    `${hv.domains.size} domain(s), vwfi=${hv.vwfi}`,
    `virtual time ${fmtNs(now)} (${hv.cycles} cycles at ${hv.clock.cpuHz / 1e6} MHz, counter ` +
    `${
      hv.clock.counterHz / 1e6
    } MHz); machine frames: ${hv.frames.used} used, ${hv.frames.available} free`,
    schedulerLine(hv),
    `hypervisor log: ${hv.logEntries.length} lines; code cache shared by all vcpus`,
    "",
    formatTable(
      ["pCPU", "Now", "Idle", "VCPUs (dom.vcpu)", "Current"],
      hv.pcpus.map((p) => [
        p.id,
        fmtNs(hv.cyclesToNs(p.now)),
        fmtNs(hv.cyclesToNs(p.idleCycles)),
        p.vcpus.map((x) => `${x.domainId}.${x.id}`).join(" ") || "-",
        p.current ? `${p.current.domainId}.${p.current.id}` : "-",
      ]),
    ),
  ].join("\n");
}
