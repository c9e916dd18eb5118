/**
 * Forwarding a trapped MMIO access to an ioreq server and completing it (Xen 4.17's
 * arch/arm/ioreq.c try_fwd_ioserv / handle_ioserv and common/ioreq.c ioreq_send / wait_for_io):
 * the access is written into the vcpu's slot of the server's ioreq page (state READY), the
 * server is notified on the vcpu's Xen-attached port, and the vcpu waits. When the device model
 * sets IORESP_READY and sends on its end of the port, the access completes (a read's data goes
 * to the register, sign-extended as the syndrome says), the PC moves past the instruction and
 * the vcpu runs again.
 *
 * @module
 */
import {
  ioreq,
  IOREQ_READ,
  IOREQ_TYPE_COPY,
  IOREQ_WRITE,
  STATE_IOREQ_INPROCESS,
  STATE_IOREQ_NONE,
  STATE_IOREQ_READY,
  STATE_IORESP_READY,
} from "../abi/dm_op.ts";
import { abiField, readAbiField, writeAbiField } from "../abi/layout.ts";
import type { Domain } from "../domain.ts";
import type { HostEndpoint } from "../evtchn/host_endpoint.ts";
import type { ForwardedAccess } from "../mmio_emulation.ts";
import { advancePc } from "../guest_exceptions.ts";
import type { HypervisorServices } from "../services.ts";
import type { Vcpu } from "../vcpu.ts";
import { hex } from "../xen_error.ts";
import type { PendingIo } from "./ioreq_server.ts";

const F = (name: string) => abiField(ioreq, name);
const ADDR = F("addr"), DATA = F("data"), COUNT = F("count"), SIZE = F("size");
const VP_EPORT = F("vp_eport"), STATE = F("state"), DATA_IS_PTR = F("data_is_ptr");
const DIR = F("dir"), DF = F("df"), TYPE = F("type");

/** What forwarding did: sent (the vcpu waits) or no server took it. */
export type ForwardResult = "retry" | "unhandled";

/**
 * try_fwd_ioserv + ioreq_send for vcpu `v` of `d`. "unhandled" when no enabled server maps the
 * bytes, or the server's page is missing or its slot is not free or names another port (Xen
 * logs "device model set bad IO state/event channel"): the guest then gets a data abort.
 *
 * A waiting vcpu runs again only once answered — unless the run loop woke it early (an
 * interrupt; see waitingForIoreq). Then the same instruction traps again and completes if the
 * answer is there or waits again; any other access while one is in flight is refused as Xen's
 * "wrong state" (a data abort).
 */
export function forwardMmio(
  hv: HypervisorServices,
  d: Domain,
  v: Vcpu,
  a: ForwardedAccess,
): ForwardResult {
  const io = d.ioreq;
  const inFlight = io.pending[v.id];
  if (inFlight) {
    if (v.cpu.pc !== inFlight.pc) {
      hv.log(d, "guest", `vcpu ${v.id}: MMIO at ${hex(a.ipa)} while an ioreq is in flight`);
      return "unhandled";
    }
    if (!completeIfAnswered(hv, d, v.id)) hv.block(v);
    return "retry";
  }
  const s = io.select(a.ipa, a.size);
  if (s === undefined) return "unhandled";
  if (s.ioreqMfn < 0) {
    hv.log(d, "warn", `ioreq server ${s.id}: no ioreq page acquired, access at ${hex(a.ipa)}`);
    return "unhandled";
  }
  const port = s.vcpuPorts[v.id];
  const page = d.phys.mem.writePage(s.ioreqMfn)!, base = v.id * ioreq.size;
  const state = readAbiField(page, base, STATE);
  const eport = readAbiField(page, base, VP_EPORT);
  if (state !== STATE_IOREQ_NONE || eport !== port) {
    hv.log(
      d,
      "warn",
      `ioreq server ${s.id}: device model set bad IO state ${state} / event channel ${eport}`,
    );
    return "unhandled";
  }
  // Xen sends the register's value as data for reads too (get_user_reg before the direction).
  const data = a.reg === 31 ? 0n : v.cpu.getX(a.reg);
  writeAbiField(page, base, ADDR, a.ipa);
  writeAbiField(page, base, DATA, data);
  writeAbiField(page, base, COUNT, 1);
  writeAbiField(page, base, SIZE, a.size);
  writeAbiField(page, base, DATA_IS_PTR, 0);
  writeAbiField(page, base, DIR, a.write ? IOREQ_WRITE : IOREQ_READ);
  writeAbiField(page, base, DF, 0);
  writeAbiField(page, base, TYPE, IOREQ_TYPE_COPY);
  writeAbiField(page, base, STATE, STATE_IOREQ_READY);
  while (io.pending.length <= v.id) io.pending.push(null);
  io.pending[v.id] = {
    server: s.id,
    addr: a.ipa,
    size: a.size,
    write: a.write,
    data,
    reg: a.reg,
    signExtend: a.signExtend,
    sixtyFour: a.sixtyFour,
    pc: v.cpu.pc,
  };
  d.evtchn.notifyViaXen(port);
  hv.block(v);
  return "retry";
}

/**
 * The event on target port `port` from the device model (Xen's notification wakes the vcpu,
 * which runs wait_for_io). A vcpu still at its access completes it now; one the run loop let
 * run early completes when it traps on the access again.
 */
export function ioreqNotified(hv: HypervisorServices, d: Domain, port: number): void {
  const vid = d.ioreq.vcpuOfPort(port);
  const p = vid < 0 ? null : d.ioreq.pending[vid];
  if (!p || d.vcpus[vid]?.cpu.pc !== p.pc) return;
  completeIfAnswered(hv, d, vid);
}

/**
 * wait_for_io on vcpu `vid`'s slot: IORESP_READY completes the access (true); READY or
 * INPROCESS mean still waiting (false); any other state crashes the domain, as Xen (true).
 */
function completeIfAnswered(hv: HypervisorServices, d: Domain, vid: number): boolean {
  const p = d.ioreq.pending[vid]!;
  const s = d.ioreq.servers[p.server]!;
  const page = d.phys.mem.writePage(s.ioreqMfn)!, base = vid * ioreq.size;
  const state = readAbiField(page, base, STATE);
  if (state === STATE_IOREQ_READY || state === STATE_IOREQ_INPROCESS) return false;
  d.ioreq.pending[vid] = null;
  if (state !== STATE_IORESP_READY) {
    hv.log(d, "warn", `vcpu ${vid}: weird ioreq state ${state} from ioreq server ${s.id}`);
    hv.shutdown(d, "crash");
    return true;
  }
  writeAbiField(page, base, STATE, STATE_IOREQ_NONE);
  finishIo(hv, d.vcpus[vid], p, readAbiField(page, base, DATA) as bigint);
  return true;
}

/**
 * Completes `v`'s access `p` with `data` (handle_ioserv + advance_pc) and lets it run. Also used
 * when the server goes away under a waiting vcpu: Xen's completion then finds no server and
 * finishes the access with the request's own data.
 */
export function finishIo(hv: HypervisorServices, v: Vcpu, p: PendingIo, data: bigint): void {
  if (!p.write && p.reg !== 31) {
    const bits = 8 * p.size;
    let r = BigInt.asUintN(bits, data);
    if (p.signExtend && p.size < 8) r = BigInt.asUintN(64, BigInt.asIntN(bits, r));
    v.cpu.setX(p.reg, p.sixtyFour ? r : BigInt.asUintN(32, r));
  }
  advancePc(v.cpu);
  hv.wake(v);
}

/** The endpoint of a target's ioreq ports (kind IOREQ_PORT_KIND): events complete accesses. */
export function ioreqEndpoint(hv: HypervisorServices, d: Domain): HostEndpoint {
  return { send: (port) => ioreqNotified(hv, d, port) };
}
