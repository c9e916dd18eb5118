/**
 * What `hvlab create` does with a domain that shut down, from its xl.cfg on_poweroff / on_reboot
 * / on_crash / on_watchdog action. hvlab runs one guest to its end and never restarts it, so the
 * restarting actions fall back to "destroy" (saying so), and coredump-* writes no core.
 */
import type { DomainConfig, ShutdownAction } from "../../core/hyp/builder/domain_config.ts";
import type { ShutdownReason } from "../../core/hyp/domain.ts";

/** What to do with the shut-down domain, and a note for the user when the action was replaced. */
export interface ShutdownDecision {
  /** "destroy": hv.destroyDomain; "preserve": leave it (shut down, memory kept). */
  action: "destroy" | "preserve";
  /** Set when xl would have done something hvlab does not (restart, core dump, soft reset). */
  note?: string;
}

/** The configured action for `reason` (suspend has no on_* key: hvlab cannot save a domain). */
function configured(cfg: DomainConfig, reason: ShutdownReason): ShutdownAction | undefined {
  switch (reason) {
    case "poweroff":
      return cfg.onPoweroff;
    case "reboot":
      return cfg.onReboot;
    case "crash":
      return cfg.onCrash;
    case "watchdog":
      return cfg.onWatchdog;
    case "suspend":
    case "soft_reset":
      return undefined;
  }
}

/** Decides what to do with domain `cfg` after it shut down with `reason`. */
export function decideShutdown(cfg: DomainConfig, reason: ShutdownReason): ShutdownDecision {
  const action = configured(cfg, reason);
  const key = `on_${reason}`;
  switch (action) {
    case "destroy":
    case "preserve":
      return { action };
    case "restart":
    case "rename-restart":
      return {
        action: "destroy",
        note: `${key} = "${action}": hvlab does not restart domains; destroying it`,
      };
    case "coredump-destroy":
    case "coredump-restart":
      return {
        action: "destroy",
        note: `${key} = "${action}": hvlab writes no core dumps and does not restart domains; ` +
          "destroying it",
      };
    case "soft-reset":
      return {
        action: "destroy",
        note: `${key} = "soft-reset": hvlab has no soft reset; destroying it`,
      };
    case undefined:
      return {
        action: "destroy",
        note: `hvlab cannot keep a domain after ${reason}; destroying it`,
      };
  }
}
