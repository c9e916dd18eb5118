/**
 * HVC #0xEA1: a hypercall (number in x16, arguments x0-x4, result in x0) through the table, with
 * the "hypercall" hooks around it when any are registered: before (a handler may refuse with an
 * errno or change the arguments) and after (it may replace the result).
 */
import type { Domain } from "../domain.ts";
import type { HookEvents } from "../hooks.ts";
import { dispatchHypercall } from "../hypercall/dispatch.ts";
import type { HypercallContext } from "../hypercall/table.ts";
import { Vcpu } from "../vcpu.ts";
import type { ExitHost } from "./exit_host.ts";

/** Runs the hypercall in `v`'s registers and writes x0. */
export function hypercallTrap(h: ExitHost, d: Domain, v: Vcpu): void {
  const cpu = v.cpu;
  const nr = cpu.getX(16);
  const args = [cpu.getX(0), cpu.getX(1), cpu.getX(2), cpu.getX(3), cpu.getX(4)];
  const ctx: HypercallContext = { hv: h.services, domain: d, vcpu: v, guest: v.guest };
  const n = nr < 2n ** 32n ? Number(nr) : -1;
  if (!h.hooks.has("hypercall")) {
    cpu.setX(0, dispatchHypercall(h.table, ctx, n, args));
    return;
  }
  const e: HookEvents["hypercall"] = {
    domain: d,
    vcpu: v,
    nr: n,
    name: h.table.resolve(n, args[0]).key,
    args,
  };
  h.hooks.emit("hypercall", e);
  if (e.refuse !== undefined) {
    Vcpu.bump(v.hypercalls, e.name);
    e.result = BigInt.asUintN(64, BigInt(-e.refuse));
  } else e.result = dispatchHypercall(h.table, ctx, n, e.args);
  h.hooks.emit("hypercall", e);
  cpu.setX(0, e.result);
}
