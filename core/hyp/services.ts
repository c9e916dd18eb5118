/**
 * What hypercall handlers, trap handlers and back ends may ask of the hypervisor: an interface,
 * so that they depend on the services and not on the run loop that implements them.
 */
import type { MachineFrames } from "./machine_frames.ts";
import type { Domain, ShutdownReason } from "./domain.ts";
import type { Vcpu } from "./vcpu.ts";

/** The version a guest is told (XENVER_version / extraversion). */
export interface XenVersionInfo {
  major: number;
  minor: number;
  extra: string;
}

/** One hypervisor log line (the REPL's `dmesg`). */
export interface HvLogEntry {
  /** Virtual ns. */
  t: number;
  domain: number | null;
  level: "info" | "guest" | "warn" | "unimplemented";
  msg: string;
}

/** The hypervisor as its parts see it. */
export interface HypervisorServices {
  readonly frames: MachineFrames;
  readonly version: XenVersionInfo;
  /** A domain by id (DOMID_SELF is resolved by the caller). */
  domain(id: number): Domain | undefined;
  /** Virtual time now, in ns since the machine started. */
  nowNs(): number;
  log(domain: Domain | null, level: HvLogEntry["level"], msg: string): void;
  /** Shuts `domain` down with `reason` (SCHEDOP_shutdown, PSCI SYSTEM_OFF...). */
  shutdown(domain: Domain, reason: ShutdownReason): void;
  /** Blocks `vcpu` until an event or interrupt is pending for it (unless one already is). */
  block(vcpu: Vcpu): void;
  /** Gives up the rest of the vcpu's slice. */
  yieldVcpu(vcpu: Vcpu): void;
  /** Makes a blocked vcpu runnable. */
  wake(vcpu: Vcpu): void;
  /** Bytes a domain wrote with CONSOLEIO_write. */
  consoleWrite(domain: Domain, bytes: Uint8Array): void;
}
