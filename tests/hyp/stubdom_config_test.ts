/**
 * What `stubdomConfig` tells the C model on its command line: the target, and which of the
 * target's devices to serve with what they need (the RTC's base and the stub domain's counter
 * offset); requests it cannot honour are refused by name.
 */
import assert from "node:assert/strict";
import { RTC_EPOCH } from "../../core/hyp/builder/domain_builder.ts";
import { stubdomConfig, type StubdomDevice } from "../../core/hyp/builder/stubdom.ts";
import { Hypervisor } from "../../core/hyp/hypervisor.ts";
import { addLabDomain } from "../../tools/lab/hyp_lab.ts";

Deno.test("stubdom config: bootargs name the target and the devices to serve", () => {
  const hv = new Hypervisor({ pcpus: 1 });
  const target = addLabDomain(hv, "t").domain;
  const cmdline = (devices?: StubdomDevice[], cntvoff?: number) =>
    stubdomConfig({ target, ...(devices ? { devices } : {}) }, cntvoff).cmdline;
  assert.equal(cmdline(), `target=${target.id}`);
  assert.equal(cmdline(["flash"]), `target=${target.id} uart=0 flash=1`);
  assert.equal(
    cmdline(["pl011", "pl031"], 12345),
    `target=${target.id} rtc=1 rtc_base=${RTC_EPOCH} rtc_cntoff=12345`,
  );
  // The target's own RTC base is the one passed on.
  target.config = { ...target.config, vmDevices: { rtc: { baseSeconds: 77 } } };
  assert.match(cmdline(["pl031"], 0)!, / uart=0 rtc=1 rtc_base=77 rtc_cntoff=0$/);
  assert.throws(() => cmdline(["pl031"]), /needs its CNTVOFF \(got undefined\)/);
  assert.throws(() => cmdline([]), /needs a device to serve/);
  assert.throws(() => cmdline(["gpio" as StubdomDevice]), /"gpio" is not one of/);
});
