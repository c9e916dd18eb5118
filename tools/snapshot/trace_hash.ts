/**
 * A fingerprint of a run for determinism checks: the machine runs in fixed chunks of virtual
 * time and after each chunk every vcpu's PC, retired count, general registers and runstate, each
 * domain's state and each console's length are folded into a SHA-256. Two runs with the same hash
 * went through the same states at every chunk boundary.
 */
import { createHash } from "node:crypto";
import type { Hypervisor } from "../../core/hyp/hypervisor.ts";

/** Runs `hv` for `chunks` chunks of `chunkCycles` and returns the hash and the consoles. */
export function traceRun(
  hv: Hypervisor,
  chunks: number,
  chunkCycles: number,
): { hash: string; consoles: Record<number, string>; reason: string } {
  const h = createHash("sha256");
  let reason = "limit";
  for (let i = 0; i < chunks; i++) {
    const r = hv.run({ maxCycles: chunkCycles });
    const parts: (string | number | bigint)[] = [i, hv.cycles, r.reason];
    for (const d of hv.domains.values()) {
      parts.push(d.id, d.state, d.shutdownReason ?? "-");
      for (const v of d.vcpus) {
        const c = v.cpu;
        parts.push(v.id, c.pc, c.retired, v.runstate.state, c.el, c.nzcv);
        for (let n = 0; n < 31; n++) parts.push(c.getX(n));
      }
    }
    for (const [id, c] of hv.consoles) parts.push(id, c.text.length);
    h.update(parts.join(","));
    reason = r.reason;
    if (r.reason !== "limit") break;
  }
  const consoles: Record<number, string> = {};
  for (const [id, c] of hv.consoles) consoles[id] = c.text;
  return { hash: h.digest("hex"), consoles, reason };
}
