import assert from "node:assert/strict";
import { buildGuest, DOMU_GUEST, moduleText } from "../../scripts/gen_default_guest.ts";
import { DOMU_GUEST_IMAGE } from "../../repl/domu_guest.ts";
import { HvLab } from "../../repl/hv_lab.ts";

Deno.test("embedded domU guest is what guests/lab/domu_lab.S assembles to", async () => {
  const image = await buildGuest(DOMU_GUEST);
  assert.deepEqual(DOMU_GUEST_IMAGE, image);
  const committed = await Deno.readTextFile(new URL("../../repl/domu_guest.ts", import.meta.url));
  assert.equal(committed, moduleText(DOMU_GUEST, image));
});

Deno.test("domU lab guest prints the Xen version, ticks every virtual ms and echoes input", () => {
  const lab = HvLab.defaultLab();
  const d = lab.domain(1);
  const sink = lab.hv.console(d.id);
  const r = lab.hv.run({ maxCycles: lab.hv.nsToCycles(5_500_000) });
  assert.equal(r.reason, "limit");
  assert.equal(
    sink.text,
    "hvlab domU lab on Xen 4.17.7: virtual timer every 1 ms, a line per tick\n" +
      "tick 1\ntick 2\ntick 3\ntick 4\ntick 5\n",
  );
  const v = d.vcpus[0];
  assert.equal(v.hypercalls.get("xen_version/version"), 1);
  assert.equal(v.hypercalls.get("xen_version/extraversion"), 1);
  sink.input("ok\r");
  lab.hv.run({ maxCycles: lab.hv.nsToCycles(1_000_000) });
  assert.match(sink.text, /tick 5\nok\r\ntick 6\n$/);
  assert.deepEqual(lab.hv.logEntries.filter((e) => e.level !== "info"), []);
});
