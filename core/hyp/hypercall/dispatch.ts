/**
 * The hypercall dispatcher: resolves the row, checks privilege, runs the handler, turns a
 * XenError into -errno, counts the call per vcpu by name and sub-op, and reports unknown calls
 * (-ENOSYS) to the hypervisor log, where a user sees what a guest wanted and did not get.
 * multicall (hypercall 13) is here too: it runs a batch of calls through the same path.
 */
import { __HYPERVISOR_multicall } from "../abi/hypercalls.ts";
import { XEN_EINVAL, XEN_ENOSYS, XEN_EPERM } from "../abi/errno.ts";
import { Vcpu } from "../vcpu.ts";
import { XenError } from "../xen_error.ts";
import type { HypercallContext, HypercallDef, HypercallTable } from "./table.ts";

/** Size of struct multicall_entry on ARM: op, result, args[6], all 64-bit. */
const MULTICALL_ENTRY = 64;
/** Most entries one multicall runs at once. */
const MAX_MULTICALL = 1 << 16;

/** Runs hypercall `nr` with `args` for the caller in `ctx`; the value for x0. */
export function dispatchHypercall(
  table: HypercallTable,
  ctx: HypercallContext,
  nr: number,
  args: readonly bigint[],
): bigint {
  const r = table.resolve(nr, args[0]);
  Vcpu.bump(ctx.vcpu.hypercalls, r.key);
  try {
    if (r.run === undefined) {
      ctx.hv.log(ctx.domain, "unimplemented", `${r.unknown} (x0=0x${args[0].toString(16)})`);
      throw new XenError(r.errno ?? XEN_ENOSYS, `no ${r.unknown}`);
    }
    if (r.privileged && !ctx.domain.privileged) {
      throw new XenError(XEN_EPERM, `${r.key} needs a privileged domain`);
    }
    return BigInt.asUintN(64, BigInt(r.run(ctx, args)));
  } catch (e) {
    if (!(e instanceof XenError)) throw e;
    return BigInt.asUintN(64, BigInt(-e.errno));
  }
}

/** The multicall row: entries run in order, each result stored in its entry. */
export function multicallHypercall(table: () => HypercallTable): HypercallDef {
  return {
    nr: __HYPERVISOR_multicall,
    name: "multicall",
    doc: "run a batch of hypercalls",
    run: (c: HypercallContext, a: readonly bigint[]) => {
      const n = Number(BigInt.asUintN(32, a[1]));
      if (n > MAX_MULTICALL) throw new XenError(XEN_EINVAL, `multicall of ${n} entries`);
      for (let i = 0; i < n; i++) {
        const va = a[0] + BigInt(i * MULTICALL_ENTRY);
        const dv = c.guest.readStruct(va, MULTICALL_ENTRY);
        const op = dv.getBigUint64(0, true);
        const args = Array.from({ length: 5 }, (_, k) => dv.getBigUint64(16 + 8 * k, true));
        // A multicall inside a multicall is refused, as on Xen.
        const result = op === BigInt(__HYPERVISOR_multicall)
          ? BigInt.asUintN(64, BigInt(-XEN_EINVAL))
          : dispatchHypercall(table(), c, op < 2n ** 32n ? Number(op) : -1, args);
        dv.setBigUint64(8, result, true);
        c.guest.write(va + 8n, new Uint8Array(dv.buffer, 8, 8));
      }
      return 0;
    },
  };
}
