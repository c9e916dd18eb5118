/**
 * A vcpu's own fields as plain data for snapshots: placement, local time base, runstate
 * accounting, registered areas, scheduling flags, poll state and counters. The emulated PE
 * inside (registers, system registers, timers) is saved by the CPU's own save(); the vcpu's
 * identity (domain and vcpu id) is fixed at construction and only checked on restore.
 *
 * @module
 */
import { arr, big, bool, int, num, obj, oneOf, show, StateError } from "./state_check.ts";
import type { Runstate, Vcpu, VcpuInfoLocation, VcpuState } from "./vcpu.ts";

/** What saveVcpuOwn returns. */
export interface VcpuOwnState {
  domainId: number;
  id: number;
  pcpu: number;
  timeBase: number;
  runstate: Runstate;
  vcpuInfo: VcpuInfoLocation | null;
  runstateArea: bigint | null;
  paused: boolean;
  yielded: boolean;
  vtimerInFlight: boolean;
  pollPorts: number[] | null;
  pollTimeoutNs: number | null;
  /** Counters as [key, count] in insertion order (the REPL lists them so). */
  hypercalls: [string, number][];
  /** SMCCC calls by function id (absent in snapshots from before it was counted). */
  smccc?: [string, number][];
  exits: [string, number][];
  /** Cycles the hypervisor spent on this vcpu's behalf (absent in older snapshots). */
  hypCycles?: number;
  /** The interrupt that woke it was charged already (absent in older snapshots). */
  irqTaken?: boolean;
}

const STATES: readonly VcpuState[] = ["running", "runnable", "blocked", "offline"];
/** Bytes of a vcpu_info: a registered one must fit in its page. */
const VCPU_INFO_SIZE = 64;
const MAX_POLL_PORTS = 128;

/** `v`'s own fields (not its PE). */
export function saveVcpuOwn(v: Vcpu): VcpuOwnState {
  const r = v.runstate;
  return {
    domainId: v.domainId,
    id: v.id,
    pcpu: v.pcpu,
    timeBase: v.timeBase,
    runstate: { state: r.state, entryNs: r.entryNs, timeNs: [...r.timeNs] },
    vcpuInfo: v.vcpuInfo === null ? null : { ...v.vcpuInfo },
    runstateArea: v.runstateArea,
    paused: v.paused,
    yielded: v.yielded,
    vtimerInFlight: v.vtimerInFlight,
    pollPorts: v.pollPorts === null ? null : [...v.pollPorts],
    pollTimeoutNs: v.pollTimeoutNs,
    hypercalls: [...v.hypercalls],
    smccc: [...v.smccc],
    exits: [...v.exits],
    hypCycles: v.hypCycles,
    irqTaken: v.irqTaken,
  };
}

/**
 * Sets `v`'s own fields from `state` (from saveVcpuOwn of the same vcpu of the same domain).
 * `pcpus`, when given, bounds the physical CPU number. The domain's runtime must re-derive its
 * view of a registered vcpu_info from `v.vcpuInfo` afterwards. Throws StateError naming the bad
 * field, leaving `v` unchanged.
 */
export function restoreVcpuOwn(v: Vcpu, state: VcpuOwnState, pcpus = 0x10000): void {
  const s = obj(state, "vcpu");
  for (const k of ["domainId", "id"] as const) {
    if (s[k] !== v[k]) throw new StateError(`vcpu.${k}: ${show(s[k])} is not ${v[k]}`);
  }
  const pcpu = int(s.pcpu, "vcpu.pcpu", 0, pcpus - 1);
  const timeBase = num(s.timeBase, "vcpu.timeBase", -Number.MAX_VALUE, Number.MAX_VALUE);
  const rs = obj(s.runstate, "vcpu.runstate");
  const rState = oneOf(rs.state, "vcpu.runstate.state", STATES);
  const entryNs = ns(rs.entryNs, "vcpu.runstate.entryNs");
  const times = arr(rs.timeNs, "vcpu.runstate.timeNs", 4);
  if (times.length !== 4) throw new StateError(`vcpu.runstate.timeNs: ${times.length} states`);
  const timeNs = times.map((t, i) => ns(t, `vcpu.runstate.timeNs[${i}]`));
  let info: VcpuInfoLocation | null = null;
  if (s.vcpuInfo !== null) {
    const o = obj(s.vcpuInfo, "vcpu.vcpuInfo");
    info = {
      gfn: int(o.gfn, "vcpu.vcpuInfo.gfn", 0, 2 ** 40 - 1),
      offset: int(o.offset, "vcpu.vcpuInfo.offset", 0, 4096 - VCPU_INFO_SIZE),
    };
  }
  const area = s.runstateArea === null
    ? null
    : big(s.runstateArea, "vcpu.runstateArea", 0n, (1n << 64n) - 1n);
  const paused = bool(s.paused, "vcpu.paused");
  const yielded = bool(s.yielded, "vcpu.yielded");
  const vtimer = bool(s.vtimerInFlight, "vcpu.vtimerInFlight");
  const poll = s.pollPorts === null
    ? null
    : arr(s.pollPorts, "vcpu.pollPorts", MAX_POLL_PORTS).map((p, i) =>
      int(p, `vcpu.pollPorts[${i}]`, 0, 0xffff_ffff)
    );
  const timeout = s.pollTimeoutNs === null ? null : ns(s.pollTimeoutNs, "vcpu.pollTimeoutNs");
  const hypercalls = counters(s.hypercalls, "vcpu.hypercalls");
  const exits = counters(s.exits, "vcpu.exits");
  const smccc = s.smccc === undefined ? new Map<string, number>() : counters(s.smccc, "vcpu.smccc");
  const irqTaken = s.irqTaken === undefined ? false : bool(s.irqTaken, "vcpu.irqTaken");
  const hyp = s.hypCycles === undefined
    ? 0
    : num(s.hypCycles, "vcpu.hypCycles", 0, Number.MAX_VALUE);
  v.pcpu = pcpu;
  v.timeBase = timeBase;
  v.runstate.state = rState;
  v.runstate.entryNs = entryNs;
  v.runstate.timeNs = timeNs as Runstate["timeNs"];
  v.vcpuInfo = info;
  v.runstateArea = area;
  v.paused = paused;
  v.yielded = yielded;
  v.vtimerInFlight = vtimer;
  v.pollPorts = poll;
  v.pollTimeoutNs = timeout;
  refill(v.hypercalls, hypercalls);
  refill(v.exits, exits);
  refill(v.smccc, smccc);
  v.hypCycles = hyp;
  v.irqTaken = irqTaken;
}

function ns(v: unknown, field: string): number {
  return num(v, field, 0, Number.MAX_VALUE);
}

function counters(v: unknown, field: string): Map<string, number> {
  const m = new Map<string, number>();
  arr(v, field, 100_000).forEach((e, i) => {
    const pair = arr(e, `${field}[${i}]`, 2);
    if (typeof pair[0] !== "string" || m.has(pair[0])) {
      throw new StateError(`${field}[${i}][0]: ${show(pair[0])} is not a new key`);
    }
    m.set(pair[0], int(pair[1], `${field}[${i}][1]`, 0, Number.MAX_SAFE_INTEGER));
  });
  return m;
}

function refill(into: Map<string, number>, from: Map<string, number>): void {
  into.clear();
  for (const [k, n] of from) into.set(k, n);
}
