/**
 * A bounded recorder of what the hypervisor did, when, on which pCPU and for whom: vcpu run
 * slices, idle slices, time in the hypervisor, virtual interrupts, scheduler decisions and user
 * marks. Events are plain data with integer virtual-time nanoseconds, so the recorder saves and
 * restores like every other component and a restored run records the same timeline.
 *
 * It is off by default. The run loop tests `timeline.enabled` before building an event, so a
 * machine that is not being traced pays one property read per recording site.
 *
 * @example
 * ```ts
 * const timeline = new Timeline({ limit: 100_000 });
 * timeline.enabled = true;
 * timeline.record({ kind: "run", pcpu: 0, domid: 1, vcpu: 0, startNs: 0, endNs: 1_000_000 });
 * ```
 *
 * @module
 */
import { GUEST_MAX_VCPUS } from "./abi/arm_memory_map.ts";
import { arr, bool, int, obj, oneOf, show, StateError, str } from "./state_check.ts";

/** A vcpu ran (guest code) on a pCPU over [startNs, endNs). */
export interface RunEvent {
  kind: "run";
  pcpu: number;
  domid: number;
  vcpu: number;
  startNs: number;
  endNs: number;
}

/** A pCPU had nothing to run over [startNs, endNs). */
export interface IdleEvent {
  kind: "idle";
  pcpu: number;
  startNs: number;
  endNs: number;
}

/**
 * Time spent in the hypervisor on behalf of a vcpu. `what` names the work: the exit kind or
 * hypercall ("hvc:event_channel_op/send", "wfi", "dabt:mmio", "irq:27") or hypervisor duties
 * ("sched:credit2", "ctxsw"). It lies inside a run slice of the same vcpu or beside run slices,
 * never across a slice boundary (tools/trace/trace_events.ts checks this on export).
 */
export interface HypEvent {
  kind: "hyp";
  pcpu: number;
  domid: number;
  vcpu: number;
  startNs: number;
  endNs: number;
  what: string;
}

/**
 * A virtual interrupt was made pending (or not): `vcpu` null for an SPI not yet routed to a
 * vcpu; `outcome` says what became of it, e.g. "delivered", "dropped", "delayed".
 */
export interface IrqEvent {
  kind: "irq";
  atNs: number;
  domid: number;
  vcpu: number | null;
  intid: number;
  outcome: string;
}

/** What a scheduler did to a vcpu. */
export type SchedWhat = "wake" | "block" | "yield" | "tickle" | "migrate" | "pick";

/** The scheduler kinds, for validation. */
export const SCHED_WHATS: readonly SchedWhat[] = [
  "wake",
  "block",
  "yield",
  "tickle",
  "migrate",
  "pick",
];

/** A scheduler decision about a vcpu, taken on `pcpu`. */
export interface SchedEvent {
  kind: "sched";
  atNs: number;
  pcpu: number;
  what: SchedWhat;
  domid: number;
  vcpu: number;
}

/** Values a mark may carry (plain data, so marks save and export as they are). */
export type MarkArgs = Record<string, string | number | boolean>;

/** A user mark (scenario scripts: "phase 2 starts"). */
export interface MarkEvent {
  kind: "mark";
  atNs: number;
  name: string;
  args?: MarkArgs;
}

/** Any recorded event. */
export type TimelineEvent = RunEvent | IdleEvent | HypEvent | IrqEvent | SchedEvent | MarkEvent;

/** Every event kind. */
export const EVENT_KINDS: readonly TimelineEvent["kind"][] = [
  "run",
  "idle",
  "hyp",
  "irq",
  "sched",
  "mark",
];

/** The recorder as plain data. */
export interface TimelineState {
  version: 1;
  limit: number;
  enabled: boolean;
  dropped: number;
  events: TimelineEvent[];
}

/** Options of a Timeline. */
export interface TimelineOptions {
  /** Events kept; later ones are counted in `dropped` (default 1,000,000). */
  limit?: number;
  /** Record from the start (default false). */
  enabled?: boolean;
}

/** The largest `limit` accepted: bounds the memory a restored state may ask for. */
export const TIMELINE_MAX_LIMIT = 50_000_000;
const DEFAULT_LIMIT = 1_000_000;
const MAX_PCPU = 1023;
const MAX_DOMID = 0xffff;
/** GICv3 INTIDs are at most 24 bits (LPIs included). */
const MAX_INTID = 0xffffff;
/** Names ("hvc:event_channel_op/send", outcomes, marks) are short labels, not payloads. */
const MAX_NAME = 200;
const MAX_MARK_ARGS = 32;

/** Records timeline events up to a limit. */
export class Timeline {
  /** Whether the hypervisor records; callers test it before building an event. */
  enabled: boolean;
  #limit: number;
  #events: TimelineEvent[] = [];
  #dropped = 0;

  /** A recorder keeping at most `limit` events, off unless `enabled`. */
  constructor(options: TimelineOptions = {}) {
    this.#limit = int(options.limit ?? DEFAULT_LIMIT, "timeline limit", 1, TIMELINE_MAX_LIMIT);
    this.enabled = options.enabled ?? false;
  }

  /** Events kept (the first `limit` recorded since the last clear()). */
  get events(): readonly Readonly<TimelineEvent>[] {
    return this.#events;
  }

  /** Events recorded after the limit was reached, not kept. */
  get dropped(): number {
    return this.#dropped;
  }

  /** The most events kept. */
  get limit(): number {
    return this.#limit;
  }

  /**
   * Records a copy of `e` when enabled (nothing otherwise). A malformed event throws a
   * StateError naming the field: a recording site's bug should not end up in a saved state.
   */
  record(e: TimelineEvent): void {
    if (!this.enabled) return;
    const copy = checkEvent(e, "event");
    if (this.#events.length < this.#limit) this.#events.push(copy);
    else this.#dropped++;
  }

  /** Forgets every event and the dropped count. */
  clear(): void {
    this.#events = [];
    this.#dropped = 0;
  }

  /** The recorder's state (events copied). */
  save(): TimelineState {
    return {
      version: 1,
      limit: this.#limit,
      enabled: this.enabled,
      dropped: this.#dropped,
      events: this.#events.map((e) => checkEvent(e, "event")),
    };
  }

  /**
   * Replaces the recorder's state with `state` (from save()). Throws StateError naming the bad
   * field ("timeline.events[3].endNs"), leaving the recorder unchanged.
   */
  restore(state: TimelineState): void {
    const s = obj(state, "timeline");
    int(s.version, "timeline.version", 1, 1);
    const limit = int(s.limit, "timeline.limit", 1, TIMELINE_MAX_LIMIT);
    const enabled = bool(s.enabled, "timeline.enabled");
    const dropped = int(s.dropped, "timeline.dropped", 0, Number.MAX_SAFE_INTEGER);
    const raw = arr(s.events, "timeline.events", limit);
    if (dropped > 0 && raw.length < limit) {
      throw new StateError(
        `timeline.dropped: ${dropped} events dropped with only ${raw.length} of ${limit} kept`,
      );
    }
    const events = raw.map((e, i) => checkEvent(e, `timeline.events[${i}]`));
    this.#limit = limit;
    this.enabled = enabled;
    this.#dropped = dropped;
    this.#events = events;
  }
}

/**
 * A checked copy of `v` as a TimelineEvent; throws StateError naming the field under `at`
 * (for example "event.endNs: 5 is not an integer in 10..9007199254740991").
 */
export function checkEvent(v: unknown, at: string): TimelineEvent {
  const e = obj(v, at);
  const kind = oneOf(e.kind, `${at}.kind`, EVENT_KINDS);
  switch (kind) {
    case "run":
    case "hyp": {
      const pcpu = int(e.pcpu, `${at}.pcpu`, 0, MAX_PCPU);
      const domid = int(e.domid, `${at}.domid`, 0, MAX_DOMID);
      const vcpu = int(e.vcpu, `${at}.vcpu`, 0, GUEST_MAX_VCPUS - 1);
      const [startNs, endNs] = span(e, at);
      if (kind === "run") return { kind, pcpu, domid, vcpu, startNs, endNs };
      const what = label(e.what, `${at}.what`);
      return { kind, pcpu, domid, vcpu, startNs, endNs, what };
    }
    case "idle": {
      const pcpu = int(e.pcpu, `${at}.pcpu`, 0, MAX_PCPU);
      const [startNs, endNs] = span(e, at);
      return { kind, pcpu, startNs, endNs };
    }
    case "irq": {
      const atNs = time(e.atNs, `${at}.atNs`);
      const domid = int(e.domid, `${at}.domid`, 0, MAX_DOMID);
      const vcpu = e.vcpu === null ? null : int(e.vcpu, `${at}.vcpu`, 0, GUEST_MAX_VCPUS - 1);
      const intid = int(e.intid, `${at}.intid`, 0, MAX_INTID);
      const outcome = label(e.outcome, `${at}.outcome`);
      return { kind, atNs, domid, vcpu, intid, outcome };
    }
    case "sched": {
      const atNs = time(e.atNs, `${at}.atNs`);
      const pcpu = int(e.pcpu, `${at}.pcpu`, 0, MAX_PCPU);
      const what = oneOf(e.what, `${at}.what`, SCHED_WHATS);
      const domid = int(e.domid, `${at}.domid`, 0, MAX_DOMID);
      const vcpu = int(e.vcpu, `${at}.vcpu`, 0, GUEST_MAX_VCPUS - 1);
      return { kind, atNs, pcpu, what, domid, vcpu };
    }
    case "mark": {
      const atNs = time(e.atNs, `${at}.atNs`);
      const name = label(e.name, `${at}.name`);
      if (e.args === undefined) return { kind, atNs, name };
      return { kind, atNs, name, args: markArgs(e.args, `${at}.args`) };
    }
  }
}

function time(v: unknown, field: string): number {
  return int(v, field, 0, Number.MAX_SAFE_INTEGER);
}

function span(e: Record<string, unknown>, at: string): [number, number] {
  const startNs = time(e.startNs, `${at}.startNs`);
  return [startNs, int(e.endNs, `${at}.endNs`, startNs, Number.MAX_SAFE_INTEGER)];
}

function label(v: unknown, field: string): string {
  const s = str(v, field, MAX_NAME);
  if (s === "") throw new StateError(`${field}: "" is not a non-empty string`);
  return s;
}

function markArgs(v: unknown, at: string): MarkArgs {
  const a = obj(v, at);
  const keys = Object.keys(a);
  if (keys.length > MAX_MARK_ARGS) {
    throw new StateError(`${at}: ${keys.length} keys, at most ${MAX_MARK_ARGS}`);
  }
  const out: MarkArgs = {};
  for (const k of keys) {
    // Assigning "__proto__" would replace the copy's prototype instead of adding a key.
    if (k === "__proto__") throw new StateError(`${at}: key "__proto__" is not allowed`);
    const x = a[k];
    if (typeof x === "string") out[k] = str(x, `${at}.${k}`, MAX_NAME);
    else if (typeof x === "number" && Number.isFinite(x)) out[k] = x;
    else if (typeof x === "boolean") out[k] = x;
    else throw new StateError(`${at}.${k}: ${show(x)} is not a string, finite number or boolean`);
  }
  return out;
}
