/**
 * The board's one event queue: a binary min-heap of plain records {deadline, seq, kind, target},
 * ordered by deadline (in cycles) then by insertion sequence, so equal deadlines fire in the
 * order they were scheduled. Being plain data, it snapshots as is.
 */

/** One scheduled event. `kind` says what happens, `target` which component (by stable id). */
export interface TimeEvent {
  deadline: number;
  seq: number;
  kind: string;
  target: string;
}

/** Plain-data state of a queue. */
export interface EventQueueState {
  heap: TimeEvent[];
  nextSeq: number;
}

function before(a: TimeEvent, b: TimeEvent): boolean {
  return a.deadline < b.deadline || (a.deadline === b.deadline && a.seq < b.seq);
}

/** A min-heap of events. */
export class EventQueue {
  state: EventQueueState = { heap: [], nextSeq: 0 };

  /** A copy of the queue (plain data, for snapshots). */
  save(): EventQueueState {
    return structuredClone(this.state);
  }

  /**
   * Restores a queue made by `save()`, checking its shape and that it is a valid heap first
   * (nothing changes on error).
   */
  restore(saved: EventQueueState): void {
    const o = saved as unknown as Record<string, unknown> | null;
    if (o === null || typeof o !== "object" || !Array.isArray(o.heap)) {
      throw new Error(`event queue: saved state ${String(saved)} has no heap array`);
    }
    if (typeof o.nextSeq !== "number" || !Number.isSafeInteger(o.nextSeq) || o.nextSeq < 0) {
      throw new Error(`event queue: saved nextSeq ${String(o.nextSeq)} is not a count`);
    }
    const h = o.heap as TimeEvent[];
    h.forEach((e, i) => {
      if (e === null || typeof e !== "object") {
        throw new Error(`event queue: saved event ${i} is ${String(e)}`);
      }
      const bad = !Number.isFinite(e.deadline)
        ? "deadline"
        : !Number.isSafeInteger(e.seq) || e.seq < 0
        ? "seq"
        : typeof e.kind !== "string"
        ? "kind"
        : typeof e.target !== "string"
        ? "target"
        : undefined;
      if (bad) throw new Error(`event queue: saved event ${i} has ${bad} ${String(e[bad])}`);
    });
    for (let i = 1; i < h.length; i++) {
      if (before(h[i], h[(i - 1) >> 1])) {
        throw new Error(`event queue: saved heap out of order at ${i}`);
      }
    }
    if (h.some((e) => e.seq >= saved.nextSeq)) {
      throw new Error("event queue: saved nextSeq too small");
    }
    this.state = structuredClone(saved);
  }

  /** Number of queued events. */
  get size(): number {
    return this.state.heap.length;
  }

  /** Schedules `kind` for `target` at `deadline` (cycles). */
  schedule(deadline: number, kind: string, target: string): TimeEvent {
    if (!Number.isFinite(deadline)) {
      throw new Error(`event ${kind}/${target}: bad deadline ${deadline}`);
    }
    const e = { deadline, seq: this.state.nextSeq++, kind, target };
    const h = this.state.heap;
    h.push(e);
    this.#up(h.length - 1);
    return e;
  }

  /** Removes every event of `kind` for `target`; returns how many. */
  cancel(kind: string, target: string): number {
    const h = this.state.heap;
    const keep = h.filter((e) => e.kind !== kind || e.target !== target);
    const n = h.length - keep.length;
    if (n > 0) {
      this.state.heap = [];
      for (const e of keep) {
        this.state.heap.push(e);
        this.#up(this.state.heap.length - 1);
      }
    }
    return n;
  }

  /** The earliest event, without removing it. */
  peek(): TimeEvent | undefined {
    return this.state.heap[0];
  }

  /** Removes and returns the earliest event if its deadline is <= `now`. */
  popDue(now: number): TimeEvent | undefined {
    const h = this.state.heap;
    if (h.length === 0 || h[0].deadline > now) return undefined;
    const top = h[0];
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      this.#down(0);
    }
    return top;
  }

  #up(i: number): void {
    const h = this.state.heap;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }

  #down(i: number): void {
    const h = this.state.heap;
    for (;;) {
      const l = 2 * i + 1, r = l + 1;
      let m = i;
      if (l < h.length && before(h[l], h[m])) m = l;
      if (r < h.length && before(h[r], h[m])) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m], h[i]];
      i = m;
    }
  }
}
