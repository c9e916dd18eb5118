/** REPL views of vcpus: the `vcpuList()` table and one vcpu in detail (`vcpu(d, n)`). */
import type { Hypervisor } from "../core/hyp/hypervisor.ts";
import type { Vcpu } from "../core/hyp/vcpu.ts";
import { runstateTimes } from "./show_domains.ts";
import { vgicOf } from "./show_vgic.ts";
import { formatDisasm, formatRegs } from "./show.ts";
import { formatCpuSet } from "./show_sched.ts";
import { fmtNs, formatTable } from "./table.ts";

/** System registers a vcpu view shows (EL1 context and the virtual timer). */
export const KEY_SYSREGS = [
  "SCTLR_EL1",
  "TCR_EL1",
  "TTBR0_EL1",
  "TTBR1_EL1",
  "MAIR_EL1",
  "VBAR_EL1",
  "ESR_EL1",
  "FAR_EL1",
  "ELR_EL1",
  "SPSR_EL1",
  "SP_EL0",
  "TPIDR_EL1",
  "CNTV_CTL_EL0",
  "CNTV_CVAL_EL0",
  "CNTKCTL_EL1",
] as const;

/**
 * xl vcpu-list: one row per vcpu of every domain — its pCPU ("-" offline), xl's state letters
 * (r on a pCPU, b blocked, p offline), running time in seconds, hard / soft affinity as xl prints
 * CPU sets.
 */
export function formatVcpuList(hv: Hypervisor): string {
  const now = hv.nowNs(), n = hv.pcpus.length;
  const rows = [...hv.domains.values()].flatMap((d) =>
    d.vcpus.map((v) => {
      const st = v.runstate.state, offline = st === "offline";
      // r: on a pCPU (the scheduler's choice there, as Xen's is_running), not merely runnable.
      const on = hv.pcpus.some((p) => p.curr === v);
      return [
        d.name,
        d.id,
        v.id,
        offline ? null : v.pcpu,
        offline ? "--p" : `${on ? "r" : "-"}${st === "blocked" ? "b" : "-"}-`,
        // Seconds as xl shows them, to the µs: a lab's guests run for milliseconds.
        (runstateTimes(v, now)[0] / 1e9).toFixed(6),
        `${formatCpuSet(v.unit.hard, n)} / ${formatCpuSet(v.unit.soft, n)}`,
      ];
    })
  );
  return formatTable(
    ["Name", "ID", "VCPU", "CPU", "State", "Time(s)", "Affinity (Hard / Soft)"],
    rows,
  );
}

/** The key system registers of `v` in two columns. */
export function formatSysregs(v: Vcpu, names: readonly string[] = KEY_SYSREGS): string {
  const cells = names.map((n) => {
    let val: string;
    try {
      val = v.cpu.sysregs.get(n).toString(16).padStart(16, "0");
    } catch {
      val = "(not modelled)";
    }
    return `${n.padStart(13)} ${val}`;
  });
  const out: string[] = [];
  for (let i = 0; i < cells.length; i += 2) out.push(cells.slice(i, i + 2).join("   "));
  return out.join("\n");
}

/** Interrupts pending for `v` in its domain's vGIC, as "27 (edge)" strings. */
export function pendingIrqs(hv: Hypervisor, v: Vcpu): string[] {
  const rows = vgicOf(hv, v.domainId)?.irqTable().irqs ?? [];
  return rows.filter((r) => r.pending && r.vcpu === v.id).map((r) => String(r.intid));
}

/** One vcpu: scheduling state, registers, key system registers, pending IRQs, code at PC. */
export function formatVcpu(hv: Hypervisor, v: Vcpu): string {
  const t = runstateTimes(v, hv.nowNs());
  const c = v.cpu;
  const calls = [...v.hypercalls.values()].reduce((a, n) => a + n, 0);
  return [
    `domain ${v.domainId} vcpu ${v.id} on pCPU ${v.pcpu}: ${v.runstate.state}${
      v.paused ? " (paused)" : ""
    }  running ${fmtNs(t[0])}  blocked ${fmtNs(t[2])}  hypercalls ${calls}  retired ${c.retired}`,
    formatRegs(c),
    "",
    formatSysregs(v),
    "",
    `pending IRQs: ${pendingIrqs(hv, v).join(", ") || "none"}   irq line ${
      c.irqLine ? "high" : "low"
    }   vtimer in flight ${v.vtimerInFlight ? "yes" : "no"}`,
    "",
    formatDisasm(c, 4, 4),
  ].join("\n");
}
