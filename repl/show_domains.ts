/** REPL views of domains: the `list()` table and one domain's summary (`dom(n)`). */
import type { Domain } from "../core/hyp/domain.ts";
import type { Hypervisor } from "../core/hyp/hypervisor.ts";
import type { Vcpu } from "../core/hyp/vcpu.ts";
import { fmtBytes, fmtNs, formatTable } from "./table.ts";

const STATES = ["running", "runnable", "blocked", "offline"] as const;

/** Per-runstate ns of `v`, including the time in its current state up to `nowNs`. */
export function runstateTimes(v: Vcpu, nowNs: number): number[] {
  const r = v.runstate;
  return r.timeNs.map((t, i) => t + (STATES[i] === r.state ? Math.max(0, nowNs - r.entryNs) : 0));
}

/** xl list's state letters: r running, b blocked, p paused, s shutdown, d dying. */
export function stateLetters(d: Domain): string {
  const run = d.vcpus.some((v) =>
    v.runstate.state === "running" || v.runstate.state === "runnable"
  );
  const blocked = !run && d.vcpus.some((v) => v.runstate.state === "blocked");
  return [
    run && d.state === "running" ? "r" : "-",
    blocked ? "b" : "-",
    d.state === "paused" ? "p" : "-",
    d.state === "shutdown" ? "s" : "-",
    d.state === "dying" ? "d" : "-",
  ].join("");
}

/** The `list()` table: one row per domain. */
export function formatDomainList(hv: Hypervisor): string {
  const now = hv.nowNs();
  return formatTable(
    ["ID", "Name", "State", "Mem", "VCPUs", "Online", "Running", "Blocked", "Shutdown"],
    [...hv.domains.values()].map((d) => {
      const times = d.vcpus.map((v) => runstateTimes(v, now));
      const sum = (i: number) => times.reduce((a, t) => a + t[i], 0);
      return [
        d.id,
        d.name,
        `${d.state} ${stateLetters(d)}`,
        fmtBytes(d.ramPages * 4096),
        d.vcpus.length,
        d.vcpus.filter((v) => v.online).length,
        fmtNs(sum(0)),
        fmtNs(sum(2)),
        d.shutdownReason ?? "",
      ];
    }),
  );
}

/** One domain: identity, state, memory, per-vcpu runstate times, its subsystems in brief. */
export function formatDomain(hv: Hypervisor, d: Domain): string {
  const now = hv.nowNs();
  const lines = [
    `domain ${d.id} "${d.name}"  state ${d.state}${
      d.shutdownReason ? ` (${d.shutdownReason})` : ""
    }  ${d.privileged ? "privileged" : "unprivileged"}  created at ${fmtNs(d.createdNs)}`,
    `memory ${fmtBytes(d.ramPages * 4096)} of max ${fmtBytes(d.maxPages * 4096)}, ` +
    `p2m ${d.p2m.size} frames mapped, shared_info mfn 0x${d.sharedInfoMfn.toString(16)}`,
  ];
  if (d.evtchn) {
    let bound = 0;
    for (let p = 1; d.evtchn.channel(p) !== undefined; p++) {
      const s = d.evtchn.channel(p)!.state;
      if (s !== "free" && s !== "reserved") bound++;
    }
    lines.push(
      `event channels: ${bound} bound (${d.evtchn.abiKind} ABI); grant table: ` +
        `${d.grants.nrFrames} frame(s), ${d.grants.active.list().length} active entries`,
    );
  }
  lines.push(
    "",
    formatTable(
      ["VCPU", "pCPU", "State", "Paused", "PC", "EL", "Running", "Runnable", "Blocked", "Offline"],
      d.vcpus.map((v) => {
        const t = runstateTimes(v, now);
        return [
          v.id,
          v.pcpu,
          v.runstate.state,
          v.paused,
          "0x" + v.cpu.pc.toString(16),
          v.cpu.el,
          fmtNs(t[0]),
          fmtNs(t[1]),
          fmtNs(t[2]),
          fmtNs(t[3]),
        ];
      }),
    ),
  );
  return lines.join("\n");
}
