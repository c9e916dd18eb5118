import assert from "node:assert/strict";
import vm from "node:vm";
import { complete, propertyNames } from "../../repl/completer.ts";
import { HvLab } from "../../repl/hv_lab.ts";
import { hvSession } from "../../repl/hv_session.ts";

function context() {
  const lab = HvLab.defaultLab();
  const ctx = vm.createContext({});
  Object.defineProperties(ctx, hvSession(lab, () => {}).globals);
  return { lab, ctx };
}

Deno.test("completion: REPL globals, live object properties, pure lookups only", () => {
  const { lab, ctx } = context();
  assert.deepEqual(complete("vcpuL", ctx), [["vcpuList"], "vcpuL"]);
  assert.deepEqual(complete("x = runU", ctx), [["runUntil"], "runU"]);
  assert.deepEqual(complete("hv.dom", ctx), [["domain", "domains"], "dom"]);
  assert.deepEqual(complete("dom(1).vcp", ctx), [["vcpus"], "vcp"]);
  const [cpu] = complete("vcpu(1, 0).cpu.sysregs.", ctx);
  assert.ok(cpu.includes("get") && cpu.includes("set"), cpu.join(" "));
  // A call that is not a pure lookup is never evaluated for completion.
  const before = lab.hv.domains.size;
  assert.deepEqual(complete("destroy(1).x", ctx), [[], "x"]);
  assert.equal(lab.hv.domains.size, before);
  assert.deepEqual(complete("nosuch.abc", ctx), [[], "abc"]);
  assert.ok(!propertyNames(lab.hv).some((n) => n.startsWith("_") || n === "constructor"));
});
