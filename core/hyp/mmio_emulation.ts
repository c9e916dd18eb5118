/**
 * Trap-and-emulate MMIO (Xen's try_handle_mmio): a stage-2 data abort on a guest-physical
 * address the domain has an emulated device at is decoded from the syndrome (ISV, access size,
 * sign extension, register, direction), performed on the device, the result written back to the
 * register and the PC advanced. With no device there, an ioreq server may take it (`forward`, as
 * Xen's try_fwd_ioserv after its own handlers): the vcpu then waits ("retry") for the device
 * model. Without a valid syndrome, or with nobody there, the guest gets a data abort as on Xen.
 */
import type { Cpu } from "../cpu/cpu.ts";
import type { Domain } from "./domain.ts";
import { advancePc, injectAbort } from "./guest_exceptions.ts";

/** What an emulated access did. */
export type MmioResult = "done" | "abort" | "retry";

/** A trapped access with a valid syndrome, as an ioreq server is handed it. */
export interface ForwardedAccess {
  ipa: bigint;
  size: 1 | 2 | 4 | 8;
  write: boolean;
  /** Transfer register (31 = XZR), sign extension (SSE) and 64-bit register (SF). */
  reg: number;
  signExtend: boolean;
  sixtyFour: boolean;
}

/**
 * What a hook sees of a completed access: it may change `value` (what a read returns) or set
 * `abort` to give the guest a data abort instead.
 */
export interface MmioObservation {
  device: string;
  write: boolean;
  size: number;
  value: bigint;
  abort?: boolean;
}

/**
 * Emulates the access described by ESR `esr` at guest-physical `ipa` for `domain`; `observe`
 * (the hypervisor's hooks) sees each completed access before the guest does.
 */
export function emulateMmio(
  cpu: Cpu,
  domain: Domain,
  esr: number,
  far: bigint,
  ipa: bigint,
  observe?: (o: MmioObservation) => void,
  forward?: (a: ForwardedAccess) => "retry" | "unhandled",
): {
  result: MmioResult;
  device?: string;
  write?: boolean;
  size?: number;
} {
  const iss = esr & 0x1ff_ffff;
  const isv = (iss >>> 24) & 1;
  const addr = Number(ipa);
  const m = domain.mmio.find(addr);
  const size = (1 << ((iss >>> 22) & 3)) as 1 | 2 | 4 | 8;
  const sse = (iss >>> 21) & 1, srt = (iss >>> 16) & 31, sf = (iss >>> 15) & 1;
  const write = ((iss >>> 6) & 1) === 1;
  if (isv && m === undefined && forward) {
    const a = { ipa, size, write, reg: srt, signExtend: sse === 1, sixtyFour: sf === 1 };
    if (forward(a) === "retry") return { result: "retry", device: "ioreq", write, size };
  }
  if (!isv || m === undefined) {
    injectAbort(cpu, far, false);
    return { result: "abort" };
  }
  let lo = 0, hi = 0;
  if (write && srt !== 31) {
    const v = cpu.getX(srt);
    lo = Number(v & 0xffffffffn);
    hi = Number(v >> 32n);
  }
  const a = domain.mmio.access(addr, size, write, lo >>> 0, hi >>> 0);
  if (a.outcome === "retry") return { result: "retry", device: m.device.name, write, size };
  const width = (1n << BigInt(8 * size)) - 1n;
  let v = write
    ? (BigInt(hi >>> 0) << 32n | BigInt(lo >>> 0)) & width
    : (size === 8
      ? (BigInt(a.valueHi >>> 0) << 32n) | BigInt(a.value >>> 0)
      : BigInt(a.value >>> 0)) &
      width;
  let abort = a.outcome !== "done";
  if (observe && !abort) {
    const o: MmioObservation = { device: m.device.name, write, size, value: v };
    observe(o);
    abort = o.abort === true;
    v = BigInt.asUintN(8 * size, o.value);
  }
  if (abort) {
    injectAbort(cpu, far, false);
    return { result: "abort", device: m.device.name, write, size };
  }
  if (!write && srt !== 31) {
    if (sse && size < 8) v = BigInt.asIntN(8 * size, v);
    cpu.setX(srt, sf ? BigInt.asUintN(64, v) : BigInt.asUintN(32, v));
  }
  advancePc(cpu);
  return { result: "done", device: m.device.name, write, size };
}
