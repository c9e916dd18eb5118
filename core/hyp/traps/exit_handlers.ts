/**
 * The run loop's exit dispatch as a table keyed by exit class (ARCHITECTURE.md practice 3): what
 * the hypervisor does when a vcpu's PE returns, like Xen's do_trap_guest_sync by ESR class.
 */
import type { Exit, ExitKind } from "../../cpu/exit.ts";
import { XEN_HYPERCALL_TAG } from "../abi/hypercalls.ts";
import type { Domain } from "../domain.ts";
import { advancePc, injectAbort, injectUndef } from "../guest_exceptions.ts";
import { forwardMmio } from "../ioreq/ioreq_forward.ts";
import { emulateMmio, type ForwardedAccess, type MmioObservation } from "../mmio_emulation.ts";
import type { Pcpu } from "../pcpu.ts";
import type { Vcpu } from "../vcpu.ts";
import { smcccCall } from "../vsmccc.ts";
import type { ExitHost } from "./exit_host.ts";
import { hypercallTrap } from "./hypercall_trap.ts";
import { sysregTrap } from "./sysreg_trap.ts";

/** One exit to handle: where, whose, what, and the end of the pCPU's round. */
export interface ExitContext {
  p: Pcpu;
  d: Domain;
  v: Vcpu;
  x: Exit;
  end: number;
}

type Handler = (h: ExitHost, c: ExitContext) => void;

/** HVC: #0xEA1 is a hypercall, #0 the SMCCC/PSCI conduit; any other immediate is UNDEFINED. */
const hvc: Handler = (h, { d, v, x }) => {
  if (x.imm === XEN_HYPERCALL_TAG) hypercallTrap(h, d, v);
  else if (x.imm === 0) smcccCall(h, d, v);
  else {
    injectUndef(v.cpu);
    h.fault(d, v, "undef", 0n, x.esr);
  }
};

/** SMC (trapped with HCR_EL2.TSC): the same SMCCC services, then past the instruction. */
const smc: Handler = (h, { d, v }) => {
  smcccCall(h, d, v);
  advancePc(v.cpu);
  h.emulated(v);
};

/**
 * WFI/WFE. Executed natively (vwfi=native, ESR 0): the pCPU sleeps with the vcpu on it. Trapped:
 * WFI blocks the vcpu unless something is pending; WFE yields — and with nothing else to run on
 * the pCPU the vcpu would spin on, waiting for another pCPU whose next slice starts at the round's
 * end: the spin is skipped, still charged to the vcpu as running time.
 */
const wfx: Handler = (h, { p, d, v, x, end }) => {
  const kind = x.kind as "wfi" | "wfe";
  if (h.hooks.has("wfi")) h.hooks.emit("wfi", { domain: d, vcpu: v, kind, trapped: x.esr !== 0 });
  if (x.esr === 0) {
    h.idleOnPcpu(p, v, end);
    return;
  }
  advancePc(v.cpu);
  h.emulated(v);
  if (kind === "wfi") h.services.block(v);
  else if (h.othersRunnable(p, v)) h.services.yieldVcpu(v);
  else h.idleOnPcpu(p, v, end);
};

/**
 * Stage-2 data abort: MMIO emulation (through the "mmio" hooks), else an ioreq server's device
 * model (the vcpu waits for it), else a data abort.
 */
const dabt: Handler = (h, { d, v, x }) => {
  const observe = h.hooks.has("mmio")
    ? (o: MmioObservation) => {
      const e = { domain: d, vcpu: v, ipa: x.ipa, ...o };
      h.hooks.emit("mmio", e);
      o.value = e.value;
      o.abort = e.abort;
    }
    : undefined;
  const forward = d.ioreq.any
    ? (a: ForwardedAccess) => forwardMmio(h.services, d, v, a)
    : undefined;
  const r = emulateMmio(v.cpu, d, x.esr, x.far, x.ipa, observe, forward);
  if (r.result === "abort") {
    h.services.log(d, "guest", `vcpu ${v.id}: data abort at IPA 0x${x.ipa.toString(16)}`);
    h.fault(d, v, "dabt", x.ipa, x.esr);
  } else h.emulated(v);
};

/** Stage-2 instruction abort: the guest gets a prefetch abort. */
const iabt: Handler = (h, { d, v, x }) => {
  h.services.log(d, "guest", `vcpu ${v.id}: instruction abort at IPA 0x${x.ipa.toString(16)}`);
  injectAbort(v.cpu, x.far, true);
  h.fault(d, v, "iabt", x.ipa, x.esr);
};

const debug: Handler = (h, { v }) => h.stopForDebug(v);

/** The handler of every exit class. */
export const EXIT_HANDLERS: Readonly<Record<ExitKind, Handler>> = {
  budget: () => {},
  hvc,
  smc,
  wfi: wfx,
  wfe: wfx,
  dabt,
  iabt,
  sysreg: (h, { d, v, x }) => sysregTrap(h, d, v, x.esr),
  breakpoint: debug,
  watchpoint: debug,
  step: debug,
};
