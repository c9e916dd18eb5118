/**
 * A domain's own fields as plain data for snapshots: lifecycle, accounting, shared_info's frame,
 * HVM parameters and flags. Its parts (p2m, vcpus, event channels, grant table, vGIC, devices)
 * are saved by their own save(); its identity (id, name, privilege) is given at construction
 * and only checked on restore.
 *
 * @module
 */
import { type Domain, type DomainState, SHUTDOWN_REASONS, type ShutdownReason } from "./domain.ts";
import { arr, big, bool, int, num, obj, oneOf, show, StateError } from "./state_check.ts";

/** What saveDomainOwn returns. */
export interface DomainOwnState {
  id: number;
  name: string;
  privileged: boolean;
  createdNs: number;
  state: DomainState;
  shutdownReason: ShutdownReason | null;
  shutdownCode: number | null;
  ramPages: number;
  unplacedPages: number;
  maxPages: number;
  sharedInfoMfn: number;
  /** HVM_PARAM_* values as [index, value] in insertion order (the REPL lists them so). */
  hvmParams: [number, bigint][];
  consoleIo: boolean;
  runstateUpdateFlag: boolean;
  evtchnPpi: number;
}

const STATES: readonly DomainState[] = ["running", "paused", "shutdown", "dying"];
const MAX_FRAME = 2 ** 40 - 1;

/** `d`'s own fields. */
export function saveDomainOwn(d: Domain): DomainOwnState {
  return {
    id: d.id,
    name: d.name,
    privileged: d.privileged,
    createdNs: d.createdNs,
    state: d.state,
    shutdownReason: d.shutdownReason,
    shutdownCode: d.shutdownCode,
    ramPages: d.ramPages,
    unplacedPages: d.unplacedPages,
    maxPages: d.maxPages,
    sharedInfoMfn: d.sharedInfoMfn,
    hvmParams: [...d.hvmParams],
    consoleIo: d.consoleIo,
    runstateUpdateFlag: d.runstateUpdateFlag,
    evtchnPpi: d.evtchnPpi,
  };
}

/**
 * Sets `d`'s own fields from `state` (from saveDomainOwn of the same domain: id, name and
 * privilege must match). Throws StateError naming the bad field, leaving `d`
 * unchanged.
 */
export function restoreDomainOwn(d: Domain, state: DomainOwnState): void {
  const s = obj(state, "domain");
  for (const k of ["id", "name", "privileged"] as const) {
    if (s[k] !== d[k]) throw new StateError(`domain.${k}: ${show(s[k])} is not ${show(d[k])}`);
  }
  const createdNs = num(s.createdNs, "domain.createdNs", 0, Number.MAX_VALUE);
  const st = oneOf(s.state, "domain.state", STATES);
  const reason = s.shutdownReason === null
    ? null
    : oneOf(s.shutdownReason, "domain.shutdownReason", SHUTDOWN_REASONS);
  const code = s.shutdownCode === null ? null : int(s.shutdownCode, "domain.shutdownCode", 0, 0xff);
  const ramPages = int(s.ramPages, "domain.ramPages", 0, MAX_FRAME);
  const unplaced = int(s.unplacedPages, "domain.unplacedPages", 0, MAX_FRAME);
  const maxPages = int(s.maxPages, "domain.maxPages", 0, MAX_FRAME);
  const shinfo = int(s.sharedInfoMfn, "domain.sharedInfoMfn", -1, MAX_FRAME);
  const params = new Map<number, bigint>();
  arr(s.hvmParams, "domain.hvmParams", 1024).forEach((e, i) => {
    const f = `domain.hvmParams[${i}]`;
    const pair = arr(e, f, 2);
    const k = int(pair[0], `${f}[0]`, 0, 0xffff_ffff);
    if (params.has(k)) throw new StateError(`${f}: parameter ${k} appears twice`);
    params.set(k, big(pair[1], `${f}[1]`, 0n, (1n << 64n) - 1n));
  });
  const consoleIo = bool(s.consoleIo, "domain.consoleIo");
  const flag = bool(s.runstateUpdateFlag, "domain.runstateUpdateFlag");
  const ppi = int(s.evtchnPpi, "domain.evtchnPpi", 16, 31);
  d.createdNs = createdNs;
  d.state = st;
  d.shutdownReason = reason;
  d.shutdownCode = code;
  d.ramPages = ramPages;
  d.unplacedPages = unplaced;
  d.maxPages = maxPages;
  d.sharedInfoMfn = shinfo;
  d.hvmParams.clear();
  for (const [k, v] of params) d.hvmParams.set(k, v);
  d.consoleIo = consoleIo;
  d.runstateUpdateFlag = flag;
  d.evtchnPpi = ppi;
}
