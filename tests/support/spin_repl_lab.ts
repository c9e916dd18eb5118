/**
 * A REPL session on a machine of spinning domUs, for the scheduler and cpupool command tests:
 * `cmd(name, ...args)` calls a (synchronous) REPL command and returns what it printed; `ctx` is
 * the session's globals, as the completer and `fork`/`use` see them.
 */
import vm from "node:vm";
import { Hypervisor } from "../../core/hyp/hypervisor.ts";
import type { SchedulerName } from "../../core/hyp/sched/scheduler.ts";
import { HvLab } from "../../repl/hv_lab.ts";
import { hvSession } from "../../repl/hv_session.ts";
import { addLabDomain } from "../../tools/lab/hyp_lab.ts";

/** `b .`: a CPU-bound guest. */
const SPIN = new Uint8Array(new Uint32Array([0x14000000]).buffer);

/** The machine, its lab, the session's globals and a command runner. */
export interface SpinReplLab {
  hv: Hypervisor;
  lab: HvLab;
  ctx: vm.Context;
  cmd(name: string, ...args: unknown[]): string;
}

/**
 * `pcpus` pCPUs under `scheduler`, with spinning domUs `names` of `vcpus` vcpus each (only vcpu 0
 * started, as the domain builder does); the lab does not run in the background.
 */
export function spinReplLab(
  opts: { scheduler: SchedulerName; pcpus: number; names: string[]; vcpus?: number },
): SpinReplLab {
  const hv = new Hypervisor({ scheduler: opts.scheduler, pcpus: opts.pcpus });
  for (const n of opts.names) addLabDomain(hv, n, { kernel: SPIN, vcpus: opts.vcpus });
  const lab = new HvLab(hv);
  lab.progress = () => {};
  const out: string[] = [];
  const ctx = vm.createContext({});
  Object.defineProperties(ctx, hvSession(lab, (s) => out.push(s)).globals);
  const cmd = (name: string, ...args: unknown[]): string => {
    out.length = 0;
    (ctx[name] as (...a: unknown[]) => unknown)(...args);
    return out.splice(0).join("\n");
  };
  return { hv, lab, ctx, cmd };
}
