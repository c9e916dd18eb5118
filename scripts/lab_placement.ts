/**
 * `deno task lab:placement`: the device-model placement lab (tools/lab/placement_lab.ts). Debian's
 * Linux boots as a domU with its console on ttyAMA0, the PL011 served from each placement in
 * turn, to its workload and poweroff; a ticking guest's device model is made to crash, and to
 * hang, in each placement beside a bystander domain. Prints one row per placement — UART access
 * latency (mean, p99, max), console throughput, CPU time by whom, and what a crash or a hang of
 * the device model takes down — and ends with
 * `hvlab-lab placement placements=<n> linux_ok=<n booted and printed>`.
 */
import { WORK_END } from "../tools/linux/domu_workload.ts";
import { buildLinuxDomu, consoleOn, linuxInputs } from "../tools/linux/linux_domu.ts";
import { compileGuest, STUBDOM_PL011 } from "./build_guests.ts";
import {
  blastRadius,
  bootWithPlacement,
  dom0Setup,
  inlineSetup,
  type PlacementSetup,
  placementTable,
  stubdomSetup,
} from "../tools/lab/placement_lab.ts";

const inputs = await linuxInputs();
if ("missing" in inputs) {
  console.error(`lab:placement: ${inputs.missing}`);
  Deno.exit(2);
}
const dm = await Deno.readFile(await compileGuest(STUBDOM_PL011));
const setups: PlacementSetup[] = [
  inlineSetup("hypervisor", "in the hypervisor"),
  inlineSetup("el0", "EL0 app"),
  stubdomSetup(dm),
  dom0Setup(dm),
];
const boots = [];
const crashes = [];
const hangs = [];
const misbehaviours = [];
for (const s of setups) {
  boots.push(
    await bootWithPlacement(
      s,
      (hv, over) => buildLinuxDomu(hv, inputs, { ...consoleOn("ttyAMA0"), ...over }),
      { marker: WORK_END },
    ),
  );
  crashes.push(blastRadius(s, "crash"));
  hangs.push(blastRadius(s, "hang"));
  misbehaviours.push(blastRadius(s, "misbehave"));
}
console.log("PL011 (Linux amba-pl011 on ttyAMA0) by device-model placement:");
console.log(placementTable(boots, crashes, hangs, misbehaviours));
for (const b of boots) if (!b.ok) console.log(`${b.setup.label}: Linux did not finish:\n${b.tail}`);
console.log(
  `hvlab-lab placement placements=${setups.length} linux_ok=${boots.filter((b) => b.ok).length}`,
);
