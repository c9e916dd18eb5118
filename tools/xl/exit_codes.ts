/**
 * Exit statuses of `hvlab create` (scripts/hvlab.ts), one per way a run can end, so that scripts
 * and CI can tell a guest failure from a broken configuration or a hang.
 */
export const HVLAB_EXIT = {
  /** Every domain shut down with reason poweroff. */
  poweroff: 0,
  /** A domain crashed (SCHEDOP_shutdown crash) or its Linux kernel panicked. */
  crash: 1,
  /** Bad command line or configuration: xl.cfg, kernel, ramdisk, memory size. */
  usage: 2,
  /** A domain shut down for another reason: reboot, watchdog, suspend, soft_reset. */
  otherShutdown: 3,
  /** Every vcpu is blocked and nothing can wake any of them. */
  idleForever: 4,
  /** The wall-clock --timeout ran out with the guest still running. */
  timeout: 5,
  /** The user detached from the console (Ctrl-]) while the guest was running. */
  detached: 6,
} as const;

/** How a run ended (a key of HVLAB_EXIT other than "usage"). */
export type HvlabOutcomeKind = Exclude<keyof typeof HVLAB_EXIT, "usage">;
