/**
 * Device-model placement commands of the REPL: move an inline model between the hypervisor and
 * an EL0 app, start a stub domain for a domain built to have one, and kill or hang a device model
 * on purpose. Each returns the message the REPL prints and throws an Error naming a bad value.
 */
import { spawnStubdom, type StubdomDevice } from "../core/hyp/builder/stubdom.ts";
import { type InlinePlacement, PLACEMENTS } from "../core/hyp/dm/placement.ts";
import type { Domain } from "../core/hyp/domain.ts";
import type { Hypervisor } from "../core/hyp/hypervisor.ts";
import { compileGuest, STUBDOM_PL011 } from "../scripts/build_guests.ts";
import type { HvLab } from "./hv_lab.ts";
import { type DeviceRow, deviceRows, outsidePlacements } from "./show_devices.ts";

/** The cross compiler the C model needs (scripts/build_guests.ts uses it). */
const CROSS_CC = "aarch64-linux-gnu-gcc";

/** Domain `d`'s device `name`; throws listing the ones it has. */
function deviceOf(hv: Hypervisor, d: Domain, name: string): DeviceRow {
  const rows = deviceRows(hv, d);
  const row = rows.find((r) => r.device === name);
  if (row === undefined) {
    const have = rows.map((r) => r.device).join(", ") || "none";
    throw new Error(`domain ${d.id} has no device model ${JSON.stringify(name)} (it has ${have})`);
  }
  return row;
}

/** "stub domain 3" or "domain 0 (an ioreq server)" for an out-of-hypervisor server. */
function servedBy(r: DeviceRow): string {
  const s = r.server;
  if (s.kind === "ioreq") {
    return s.stub
      ? `stub domain ${s.emulator} (ioreq server ${s.server})`
      : `domain ${s.emulator} (ioreq server ${s.server})`;
  }
  return s.kind === "unserved" ? `no one yet (vuartPlacement "${s.placement}")` : "the hypervisor";
}

const where = (p: InlinePlacement) => p === "el0" ? "EL0 app" : "hypervisor";

/**
 * Moves inline device `name` of `d` to `placement` ("hypervisor" or "el0"); its registers keep
 * their state. Devices served from another domain, and moves out of the hypervisor's trap path
 * ("stubdom", "ioreq"), are refused: the C model cannot take over the TypeScript model's state.
 */
export function placeDevice(lab: HvLab, d: Domain, name: string, placement: string): string {
  if (!(PLACEMENTS as readonly string[]).includes(placement)) {
    throw new Error(
      `no placement ${JSON.stringify(placement)} (there are ${PLACEMENTS.join(", ")})`,
    );
  }
  const row = deviceOf(lab.hv, d, name);
  if (row.server.kind !== "inline") {
    throw new Error(
      `domain ${d.id}'s ${name} is served by ${servedBy(row)}: its registers are in that ` +
        `domain's C model, which the TypeScript model cannot take over; it stays there`,
    );
  }
  if (placement === "stubdom" || placement === "ioreq") {
    throw new Error(
      `domain ${d.id}'s ${name} cannot move to "${placement}" at run time: the C model in ` +
        `another domain cannot take over the TypeScript model's register state (build the ` +
        `domain with vuartPlacement "${placement}" instead)`,
    );
  }
  const placed = row.server.placed, was = placed.placement;
  const to = placement as InlinePlacement;
  if (was === to) return `domain ${d.id}'s ${name} already runs as ${where(to)}`;
  placed.placement = to;
  return `domain ${d.id}'s ${name}: ${where(was)} -> ${where(to)} (registers kept; ` +
    `${placed.state.accesses} accesses so far${placed.state.dead ? "; it is dead" : ""})`;
}

/** What an armed inline fault will do on the device's next access. */
function inlineOutcome(d: Domain, name: string, p: InlinePlacement, fault: "crash" | "hang") {
  const next = `the next access to domain ${d.id}'s ${name}`;
  if (p === "hypervisor") {
    return fault === "crash"
      ? `${next} faults in the hypervisor: expect a hypervisor panic (the whole machine stops)`
      : `${next} never returns, holding a pCPU in EL2: expect a watchdog panic (the whole ` +
        `machine stops)`;
  }
  return fault === "crash"
    ? `${next} faults in its EL0 app: expect domain ${d.id} crashed, other domains running on`
    : `${next} never returns: domain ${d.id}'s vcpu retries it forever on its own time ` +
      `(it waits; other domains run on)`;
}

/**
 * Injects `fault` into device `name` of `d`: an inline model faults on its next access; a model
 * in another domain has that domain crashed ("crash") or paused ("hang") at once.
 */
export function dmFault(lab: HvLab, d: Domain, name: string, fault: string): string {
  if (fault !== "crash" && fault !== "hang") {
    throw new Error(`no fault ${JSON.stringify(fault)} (there are "crash" and "hang")`);
  }
  const hv = lab.hv, row = deviceOf(hv, d, name), s = row.server;
  if (s.kind === "unserved") {
    throw new Error(
      `domain ${d.id}'s ${name} has no device model yet (served by ${servedBy(row)})`,
    );
  }
  if (s.kind === "inline") {
    if (s.placed.state.dead) throw new Error(`domain ${d.id}'s ${name} is already dead`);
    s.placed.state.fault = fault;
    return `armed "${fault}" in domain ${d.id}'s ${name} (${where(s.placed.placement)}): ` +
      inlineOutcome(d, name, s.placed.placement, fault);
  }
  const em = hv.domains.get(s.emulator);
  if (em === undefined || !em.alive) {
    throw new Error(
      `domain ${s.emulator} serving domain ${d.id}'s ${name} is already ` +
        `${em?.state ?? "destroyed"}`,
    );
  }
  const who = s.stub ? `stub domain ${em.id}` : `domain ${em.id}`;
  const others = s.stub ? "" : "; every other domain it serves waits likewise";
  if (fault === "crash") {
    hv.shutdown(em, "crash");
    return `${who} crashed: domain ${d.id}'s next ${name} access waits forever (no one ` +
      `answers its ioreq server)${others}; other domains run on`;
  }
  hv.pauseDomain(em);
  return `${who} paused (a hung device model): domain ${d.id} waits on its next ${name} ` +
    `access until unpause(${em.id})${others}`;
}

/** Builds the C PL011 model (guests/stubdom); a clear error when the cross compiler is missing. */
export async function buildStubdomKernel(): Promise<Uint8Array> {
  try {
    return await Deno.readFile(await compileGuest(STUBDOM_PL011));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new Error(
        `spawnStubdom: building the C PL011 model (guests/stubdom) needs the cross compiler ` +
          `${CROSS_CC}, which is not installed (Debian: apt-get install gcc-aarch64-linux-gnu)`,
      );
    }
    throw e;
  }
}

/** The C model's name of each device it can serve, by the REPL's names (pl011 as an alias). */
const C_MODEL_DEVICES: Record<string, StubdomDevice> = {
  vpl011: "pl011",
  pl011: "pl011",
  pl031: "pl031",
};

/** How device `name` of `d` was placed at creation (its config's words). */
function configuredPlacement(d: Domain, name: string): string {
  const c = d.config;
  if (name === "pl031") {
    return c.vmDevices?.rtc ? c.vmDevices.rtc.placement ?? "hypervisor" : "absent";
  }
  if (c.vuart !== "sbsa_uart") return "absent";
  return c.vuartPlacement ?? "hypervisor";
}

/**
 * Spawns a stub domain serving `devices` of `d` (REPL names: "vpl011", "pl031"; default: every
 * one of them `d` was built to have served by a stub domain, e.g. vuartPlacement "stubdom"), none
 * of them served yet. The background run stops while the model comes up (virtual time runs, `d`
 * paused) and goes on after. Returns the stub domain and the devices it serves.
 */
export async function dmSpawnStubdom(
  lab: HvLab,
  d: Domain,
  devices?: readonly string[],
  kernel: () => Promise<Uint8Array> = buildStubdomKernel,
): Promise<{ stub: Domain; devices: string[] }> {
  const outside = outsidePlacements(d);
  const stubbed = [...outside].filter(([n, p]) =>
    p === "stubdom" && Object.hasOwn(C_MODEL_DEVICES, n)
  );
  const want = devices === undefined ? stubbed.map(([n]) => n) : [...devices];
  if (want.length === 0) {
    const said = devices === undefined
      ? `has no device built to be served by a stub domain (its vpl011: ${
        JSON.stringify(configuredPlacement(d, "vpl011"))
      }, pl031: ${JSON.stringify(configuredPlacement(d, "pl031"))})`
      : "gets no devices to serve (devices: [])";
    throw new Error(
      `domain ${d.id} "${d.name}" ${said}: a stub domain serves a domain built with ` +
        `vuartPlacement "stubdom" and/or vmDevices.rtc.placement "stubdom"`,
    );
  }
  const hv = lab.hv, rows = deviceRows(hv, d);
  for (const name of want) {
    if (!Object.hasOwn(C_MODEL_DEVICES, name)) {
      throw new Error(
        `the stub domain's C model serves vpl011 and pl031, not ${JSON.stringify(name)}`,
      );
    }
    const own = name === "pl011" ? "vpl011" : name;
    const placed = configuredPlacement(d, own);
    if (placed !== "stubdom") {
      throw new Error(
        `domain ${d.id}'s ${own} is placed ${JSON.stringify(placed)}, not "stubdom": a stub ` +
          `domain serves only devices the domain was built to have served by one`,
      );
    }
    const row = rows.find((r) => r.device === own);
    if (row?.server.kind === "ioreq") {
      throw new Error(`domain ${d.id}'s ${own} is already served by ${servedBy(row)}`);
    }
  }
  if (!d.alive) throw new Error(`domain ${d.id} is ${d.state}: no stub domain for it`);
  const image = await kernel();
  if (lab.hv !== hv) throw new Error(`spawnStubdom: the machine changed while building the model`);
  const wasRunning = lab.running;
  lab.pause();
  try {
    const cDevices = [...new Set(want.map((n) => C_MODEL_DEVICES[n]))];
    const stub = spawnStubdom(hv, { target: d, kernel: image, devices: cDevices }).domain;
    return { stub, devices: cDevices.map((c) => c === "pl011" ? "vpl011" : c) };
  } finally {
    if (wasRunning) lab.resume();
  }
}
