/**
 * The one table of differences between hvlab's domU and real Xen 4.17's that are known and
 * accepted, each with its reason. A difference not matched here fails the parity check. Keys are
 * those of facts_compare.ts (`flattenFacts`, `flattenFdt`).
 */

/** One accepted difference. */
export interface AcceptedDifference {
  /** The fact keys it covers. */
  key: RegExp;
  /** Why hvlab may differ here. */
  reason: string;
  /**
   * Accept only when the two values pass this check (undefined = the fact is absent on that
   * side); without it any values are accepted.
   */
  when?: (xen: string | undefined, hvlab: string | undefined) => boolean;
}

/** "12345 kB" -> 12345; NaN otherwise. */
const kib = (v: string | undefined): number => Number(/^(\d+) kB$/.exec(v ?? "")?.[1] ?? NaN);

/** Features Xen's CPU lists (QEMU's cortex-a57 has the Crypto extension) and hvlab's PE lacks. */
const CRYPTO_FEATURES = new Set(["aes", "pmull", "sha1", "sha2"]);

/** The accepted differences. */
export const ACCEPTED_DIFFERENCES: readonly AcceptedDifference[] = [
  {
    key: /^interrupts\/[^/]+\/counts$/,
    reason: "interrupt counts depend on timing (timer ticks, console and xenbus traffic)",
  },
  {
    key: /^dmesg-xen\/timestamps$/,
    reason: "printk timestamps: QEMU TCG host speed on the oracle, virtual time on hvlab",
  },
  {
    key: /^sys-hypervisor\/compilation\//,
    reason: "XENVER_compile_info names hvlab's build, not Debian's pkg-xen-devel build of Xen",
  },
  {
    key: /^meminfo\/(MemFree|MemAvailable)$/,
    reason: "free memory when /init reads it depends on what ran before (xenbus connects on " +
      "hvlab, not on the oracle); it varies run to run on Xen too (gic2 vs gic3 fixtures). " +
      "Accepted within 1 MiB; MemTotal must match",
    when: (x, h) => Math.abs(kib(x) - kib(h)) <= 1024,
  },
  {
    key: /^cpuinfo\/Features$/,
    reason: "hvlab's emulated PE does not implement FEAT_AES/PMULL/SHA1/SHA2 " +
      "(ID_AA64ISAR0_EL1), QEMU's cortex-a57 does: a CPU-model difference (core/cpu), not one " +
      "of the hypervisor. Accepted only when exactly those are missing",
    when: (x, h) => {
      const xs = (x ?? "").split(" ").filter((f) => !CRYPTO_FEATURES.has(f));
      return xs.join(" ") === h;
    },
  },
  {
    key: /^interrupts\/0\/name$/,
    reason: "hvlab's xenstored runs in the hypervisor, so the store page and event channel are " +
      "ready at boot as for an xl-created domU and Linux's xenbus binds 'xenbus'; the oracle is " +
      "a Xen 4.17 dom0less domU whose store is left for init-dom0less (never run there), so " +
      "Linux waits on it with 'xenstore_late_init'",
    when: (x, h) => x === "-event xenstore_late_init" && h === "-event xenbus",
  },
  {
    key: /^dmesg-xen\/line: printk: console \[hvc0\] enabled$/,
    reason: "hvlab's builder gives every domU a PV console (HVM_PARAM_CONSOLE_PFN/EVTCHN, as " +
      "xl with xenconsoled does), so Linux's hvc_xen registers hvc0; Xen 4.17's dom0less " +
      "builder sets no console parameters, so hvc_xen finds none there",
    when: (x, h) => x === undefined && h === "1",
  },
];

/** The table entry accepting a difference at `key`, if any. */
export function acceptedDifference(
  key: string,
  xen: string | undefined,
  hvlab: string | undefined,
): AcceptedDifference | undefined {
  return ACCEPTED_DIFFERENCES.find((a) => a.key.test(key) && (a.when?.(xen, hvlab) ?? true));
}
