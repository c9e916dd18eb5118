/**
 * Schedulers by name, as Xen's `sched=` boot option and `xl cpupool-create sched=` choose them.
 */
import type { Scheduler, SchedulerName, SchedulerOptions } from "./scheduler.ts";
import { SCHEDULER_NAMES } from "./scheduler.ts";
import { Credit2Scheduler } from "./credit2.ts";
import { CreditScheduler } from "./credit.ts";
import { RtdsScheduler } from "./rtds.ts";
import { Arinc653Scheduler } from "./arinc653.ts";
import { NullScheduler } from "./null_sched.ts";

/** Xen's default scheduler. */
export const DEFAULT_SCHEDULER: SchedulerName = "credit2";

const MAKERS: Record<SchedulerName, (o: SchedulerOptions) => Scheduler> = {
  credit2: (o) => new Credit2Scheduler(o),
  credit: (o) => new CreditScheduler(o),
  rtds: (o) => new RtdsScheduler(o),
  arinc653: (o) => new Arinc653Scheduler(o),
  null: (o) => new NullScheduler(o),
};

/** Whether `name` names a scheduler. */
export function isSchedulerName(name: string): name is SchedulerName {
  return (SCHEDULER_NAMES as readonly string[]).includes(name);
}

/**
 * A new scheduler with no pCPUs and no units.
 * @example
 * const s = createScheduler("rtds");
 * s.addPcpu(0);
 */
export function createScheduler(name: string, opts: SchedulerOptions = {}): Scheduler {
  if (!isSchedulerName(name)) {
    throw new Error(`unknown scheduler ${JSON.stringify(name)} (${SCHEDULER_NAMES.join(", ")})`);
  }
  return MAKERS[name](opts);
}
