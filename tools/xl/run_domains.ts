/**
 * Runs built domains to an outcome, the way `xl create` followed by waiting for the domain would:
 * the hypervisor runs in slices of virtual time (bounded in wall time too), and between slices
 * the runner applies each newly shut-down domain's on_* action, looks for a kernel panic on the
 * consoles, checks the wall-clock timeout and lets the caller take console input (or detach).
 */
import type { DomainConfig } from "../../core/hyp/builder/domain_config.ts";
import type { Domain, ShutdownReason } from "../../core/hyp/domain.ts";
import type { Hypervisor } from "../../core/hyp/hypervisor.ts";
import { HVLAB_EXIT, type HvlabOutcomeKind } from "./exit_codes.ts";
import type { PanicWatch } from "./panic_watch.ts";
import { decideShutdown } from "./shutdown_action.ts";

/** One domain being run. */
export interface RunEntry {
  domain: Domain;
  config: DomainConfig;
  /** Fed by the caller from the domain's console. */
  panic: PanicWatch;
}

/** How the run is driven. */
export interface RunDomainsOptions {
  /** Wall-clock limit in milliseconds. */
  timeoutMs?: number;
  /** Virtual cycles per `hv.run` slice (default 10 ms of virtual time). */
  sliceCycles?: number;
  /** Awaited between slices (console input arrives then); true ends the run as detached. */
  between?: () => Promise<boolean> | boolean;
  /** Prints a status line (shutdown-action notes). */
  note?: (line: string) => void;
  /** Wall clock in ms (default performance.now). */
  now?: () => number;
}

/** How the run ended: kind, the process exit status for it, and a one-line message. */
export interface RunOutcome {
  kind: HvlabOutcomeKind;
  exitCode: number;
  message: string;
}

/** Longest wall-clock time of one slice, so that input, detach and --timeout stay prompt. */
const SLICE_WALL_MS = 50;

/** Virtual time Linux gets after the panic marker to finish printing its report. */
const PANIC_GRACE_SECONDS = 1;

const label = (d: Domain) => `domain "${d.name}" (id ${d.id})`;

function outcome(kind: HvlabOutcomeKind, message: string): RunOutcome {
  return { kind, exitCode: HVLAB_EXIT[kind], message };
}

/** Runs `entries` on `hv` until every domain has shut down or another end (see RunOutcome). */
export async function runDomains(
  hv: Hypervisor,
  entries: RunEntry[],
  opts: RunDomainsOptions = {},
): Promise<RunOutcome> {
  const now = opts.now ?? (() => performance.now());
  const note = opts.note ?? (() => {});
  const slice = opts.sliceCycles ?? Math.ceil(hv.clock.cpuHz / 100);
  const grace = PANIC_GRACE_SECONDS * hv.clock.cpuHz;
  const start = now();
  const shutdowns: { entry: RunEntry; reason: ShutdownReason }[] = [];
  const panicAt = new Map<RunEntry, number>();

  /** Applies the on_* decision for `reason` (crash's for a panic) to `e`'s domain. */
  const dispose = (e: RunEntry, reason: ShutdownReason) => {
    const decision = decideShutdown(e.config, reason);
    if (decision.note) note(`${label(e.domain)}: ${decision.note}`);
    if (decision.action === "destroy" && e.domain.state !== "dying") hv.destroyDomain(e.domain);
  };

  for (;;) {
    // A slice also ends after SLICE_WALL_MS of wall time: a guest that traps on every few
    // instructions (polling a UART) runs far slower than its virtual clock.
    const sliceEnd = now() + SLICE_WALL_MS;
    const r = hv.run({ maxCycles: slice, until: () => now() >= sliceEnd });

    for (const e of entries) {
      if (e.domain.state !== "shutdown" || shutdowns.some((s) => s.entry === e)) continue;
      const reason = e.domain.shutdownReason ?? "poweroff";
      shutdowns.push({ entry: e, reason });
      dispose(e, reason);
    }

    for (const e of entries) {
      if (!e.panic.seen) continue;
      if (!panicAt.has(e)) panicAt.set(e, hv.cycles);
      const done = e.panic.ended || !e.domain.alive || hv.cycles - panicAt.get(e)! >= grace;
      if (!done) continue;
      if (e.domain.alive) dispose(e, "crash");
      return outcome(
        "crash",
        `${label(e.domain)}: guest kernel panic: ${e.panic.line ?? "Kernel panic - not syncing"}`,
      );
    }

    if (entries.every((e) => !e.domain.alive)) return shutdownOutcome(shutdowns);

    if (r.reason === "idle-forever") {
      const stuck = entries.filter((e) => e.domain.alive).map((e) => idleText(e.domain));
      return outcome(
        "idleForever",
        `${stuck.join("; ")}: every vcpu is blocked (WFI or poll) with no timer armed and no ` +
          "event or interrupt pending, so nothing can ever wake it; giving up",
      );
    }

    if (opts.timeoutMs !== undefined && now() - start >= opts.timeoutMs) {
      const running = entries.filter((e) => e.domain.alive).map((e) => label(e.domain));
      return outcome(
        "timeout",
        `timeout: ${opts.timeoutMs / 1000} s of wall-clock time passed with ` +
          `${running.join(", ")} still running (virtual time ${virtualSeconds(hv)} s)`,
      );
    }

    if (await opts.between?.()) {
      return outcome(
        "detached",
        `detached from the console at virtual time ${virtualSeconds(hv)} s`,
      );
    }
  }
}

/** The outcome once every domain has shut down: crash wins, then other reasons, then poweroff. */
function shutdownOutcome(shutdowns: { entry: RunEntry; reason: ShutdownReason }[]): RunOutcome {
  const text = (s: { entry: RunEntry; reason: ShutdownReason }) =>
    `${label(s.entry.domain)} shut down with reason ${s.reason}`;
  const crashed = shutdowns.filter((s) => s.reason === "crash");
  if (crashed.length > 0) return outcome("crash", `${crashed.map(text).join("; ")} (guest crash)`);
  const other = shutdowns.filter((s) => s.reason !== "poweroff");
  if (other.length > 0) {
    return outcome(
      "otherShutdown",
      `${other.map(text).join("; ")}; only poweroff counts as success`,
    );
  }
  return outcome(
    "poweroff",
    shutdowns.map((s) => `${label(s.entry.domain)} powered off`).join("; "),
  );
}

/** `domain "x" (id 1) [vcpu0 blocked at pc 0x...]` for the idle-forever message. */
function idleText(d: Domain): string {
  const vcpus = d.vcpus
    .filter((v) => v.runstate.state !== "offline")
    .map((v) => `vcpu${v.id} ${v.runstate.state} at pc 0x${v.cpu.pc.toString(16)}`);
  return `${label(d)} [${vcpus.join(", ")}]`;
}

function virtualSeconds(hv: Hypervisor): string {
  return (hv.cycles / hv.clock.cpuHz).toFixed(3);
}
