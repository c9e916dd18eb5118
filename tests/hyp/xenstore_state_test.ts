/**
 * xenstored snapshots: with watches (guest, relative and host), an open transaction, a request
 * half received and a reply half written to a ring that the guest has not drained, the daemon is
 * saved and restored into a fresh one over copies of the ring pages; both then serve the same
 * guest traffic and must answer identically. Corrupted states are refused with the field named
 * and the daemon left as it was.
 */
import assert from "node:assert/strict";
import {
  XS_READ,
  XS_TRANSACTION_END,
  XS_TRANSACTION_START,
  XS_WATCH,
  XS_WRITE,
} from "../../core/hyp/abi/xenstore.ts";
import { StateError } from "../../core/hyp/state_check.ts";
import { Xenstored } from "../../core/hyp/xenstore/xenstored.ts";
import type { XenstoredState } from "../../core/hyp/xenstore/xs_state.ts";

const REQ_PROD = 2052, RSP_CONS = 2056, RSP_PROD = 2060;

/** The guest side of one ring page. */
class Guest {
  notified = 0;
  /** The guest's next request id. */
  next = 1;
  constructor(readonly xs: Xenstored, readonly domid: number, readonly dv: DataView) {}
  frame(type: number, body: string, txId = 0): Uint8Array {
    const m = new Uint8Array(16 + body.length);
    const h = new DataView(m.buffer);
    h.setUint32(0, type, true);
    h.setUint32(4, this.next++, true);
    h.setUint32(8, txId, true);
    h.setUint32(12, body.length, true);
    m.set([...body].map((c) => c.charCodeAt(0)), 16);
    return m;
  }
  /** Appends `bytes` to req[] and kicks. */
  push(bytes: Uint8Array): void {
    let prod = this.dv.getUint32(REQ_PROD, true);
    for (const b of bytes) this.dv.setUint8(prod++ & 1023, b);
    this.dv.setUint32(REQ_PROD, prod, true);
    this.xs.kick(this.domid);
  }
  /** Drains rsp[] as text (the raw message bytes, Latin-1). */
  drain(): string {
    let cons = this.dv.getUint32(RSP_CONS, true), s = "";
    const prod = this.dv.getUint32(RSP_PROD, true);
    while (cons !== prod) s += String.fromCharCode(this.dv.getUint8(1024 + (cons++ & 1023)));
    this.dv.setUint32(RSP_CONS, cons, true);
    return s;
  }
}

interface World {
  xs: Xenstored;
  g1: Guest;
  g2: Guest;
  hostEvents: string[];
}

function introduce(xs: Xenstored, domid: number): Guest {
  const g = new Guest(xs, domid, new DataView(new ArrayBuffer(4096)));
  xs.introduceDomain(domid, g.dv, () => g.notified++);
  return g;
}

function fresh(): World {
  const xs = new Xenstored();
  const w = { xs, hostEvents: [] } as unknown as World;
  w.g1 = introduce(xs, 1);
  w.g2 = introduce(xs, 2);
  return w;
}

/** Until the snapshot. Returns the open transaction id and the rest of a half-sent request. */
function setup(w: World): { tx: number; rest: Uint8Array } {
  const { xs, g1, g2 } = w;
  xs.mkdir("/local/domain/1", ["n1"]);
  xs.mkdir("/local/domain/2", ["n2"]);
  xs.write("/local/domain/2/big", "B".repeat(3000), ["n2"]);
  xs.watch("/local/domain/1", "host-tok", (p, t) => w.hostEvents.push(`${p} ${t}`));
  g1.push(g1.frame(XS_WATCH, "/local/domain/1/data\0abs\0"));
  g1.push(g1.frame(XS_WATCH, "data\0rel\0"));
  g1.push(g1.frame(XS_TRANSACTION_START, "\0"));
  const reply = g1.drain();
  const tx = Number(/(\d+)\0$/.exec(reply)![1]);
  g1.push(g1.frame(XS_WRITE, "/local/domain/1/data/in-tx\0tx value", tx));
  // Outside the transaction's nodes: it can still commit.
  xs.write("/local/domain/2/outside", "x");
  const half = g1.frame(XS_READ, "/local/domain/1\0");
  g1.push(half.subarray(0, 20));
  // The 3000-byte reply only partly fits the 1 KiB response ring the guest does not drain.
  g2.push(g2.frame(XS_READ, "/local/domain/2/big\0"));
  g1.drain();
  return { tx, rest: half.subarray(20) };
}

/** After it, on both daemons: everything the guests and the host see. */
function after(w: World, p: { tx: number; rest: Uint8Array }): unknown[] {
  const { xs, g1, g2 } = w;
  const seen: unknown[] = [];
  g1.push(p.rest);
  seen.push(g1.drain());
  g1.push(g1.frame(XS_TRANSACTION_END, "T\0", p.tx));
  seen.push(g1.drain());
  for (let i = 0; i < 4; i++) {
    seen.push(g2.drain());
    xs.kick(2);
  }
  xs.write("/local/domain/1/data/host", "h");
  g1.push(g1.frame(XS_READ, "/local/domain/1/data/in-tx\0"));
  seen.push(g1.drain(), g1.notified, g2.notified, w.hostEvents.slice());
  seen.push(xs.tree(), xs.watches(), xs.save());
  return seen;
}

Deno.test("xenstore state: a restored daemon serves the guests exactly like the original", () => {
  const a = fresh();
  const p = setup(a);
  const snap = structuredClone(a.xs.save());
  assert.equal(snap.rings.length, 2);
  assert.equal(snap.rings[0].transactions.length, 1);
  assert.equal(snap.rings[0].header.length, 16);
  assert.ok(snap.rings[0].body !== null && snap.rings[0].bodyUsed === 4);
  assert.equal(snap.rings[1].out.length, 1);
  assert.ok(snap.rings[1].out[0].sent > 0 && snap.rings[1].out[0].sent < 3000);
  assert.equal(snap.host.watches.length, 1);

  const xs = new Xenstored();
  const b = { xs, hostEvents: [] } as unknown as World;
  b.g1 = new Guest(xs, 1, new DataView(a.g1.dv.buffer.slice(0)));
  b.g2 = new Guest(xs, 2, new DataView(a.g2.dv.buffer.slice(0)));
  const guests = new Map([[1, b.g1], [2, b.g2]]);
  xs.restore(
    snap,
    (domid) => {
      const g = guests.get(domid)!;
      return { ring: g.dv, notify: () => g.notified++ };
    },
    (path, token) => {
      assert.equal(`${path} ${token}`, "/local/domain/1 host-tok");
      return (p, t) => b.hostEvents.push(`${p} ${t}`);
    },
  );
  // The guests' own state (not the daemon's) carries over too.
  b.g1.notified = a.g1.notified;
  b.g2.notified = a.g2.notified;
  b.g1.next = a.g1.next;
  b.g2.next = a.g2.next;
  a.hostEvents.length = 0;
  assert.deepEqual(xs.save(), snap);
  assert.equal(xs.tree(), a.xs.tree());
  const ra = after(a, p);
  assert.deepEqual(after(b, p), ra);
  // What happened after the snapshot was real traffic.
  assert.equal(String(ra[0]).charCodeAt(0), XS_READ);
  assert.match(String(ra[1]), /OK\0/);
  assert.match(String(ra[6]), /tx value/);
  assert.ok((ra[9] as string[]).length > 0);
});

Deno.test("xenstore state: corrupted states are refused and change nothing", () => {
  const a = fresh();
  setup(a);
  const good = a.xs.save();
  const b = fresh();
  b.xs.write("/other", "keep me");
  const before = { save: b.xs.save(), tree: b.xs.tree() };
  const wiring = (domid: number) => ({ ring: (domid === 1 ? b.g1 : b.g2).dv, notify: () => {} });
  const hostWatch = () => () => {};
  const cases: [string, (s: XenstoredState) => void, RegExp][] = [
    ["store gen", (s) => s.store.gen = -1, /xenstore\.store\.gen/],
    ["node gen", (s) => s.store.nodes[3].gen = s.store.gen + 1, /nodes\[3\]\.gen/],
    ["path", (s) => s.store.nodes[2].path = "relative", /nodes\[2\]\.path/],
    ["twice", (s) => s.store.nodes[2].path = s.store.nodes[1].path, /appears twice/],
    ["no root", (s) => s.store.nodes.shift(), /no \/|not listed/],
    ["missing child", (s) => s.store.nodes[0].children.push("ghost"), /child ghost of \//],
    ["orphan", (s) => {
      s.store.nodes.push({ ...s.store.nodes[1], path: "/orphan", children: [] });
    }, /\/orphan is not listed/],
    ["perm", (s) => (s.store.nodes[0].perms[0] as { perm: string }).perm = "x", /perms\[0\]\.perm/],
    ["no owner", (s) => s.store.nodes[0].perms = [], /no owner entry/],
    ["value", (s) => (s.store.nodes[0] as { value: unknown }).value = "v", /nodes\[0\]\.value/],
    ["host domid", (s) => s.host.domid = 3, /xenstore\.host\.domid/],
    [
      "watch",
      (s) => (s.rings[0].watches[0] as { token: unknown }).token = 1,
      /watches\[0\]\.token/,
    ],
    ["tx id", (s) => s.rings[0].transactions[0].id = 0, /transactions\[0\]\.id/],
    ["tx twice", (s) => {
      s.rings[0].transactions.push(s.rings[0].transactions[0]);
    }, /transactions\[1\]\.id: \d+ appears twice/],
    ["seen", (s) => s.rings[0].transactions[0].seen[0].gen = -2, /seen\[0\]\.gen/],
    ["ring twice", (s) => s.rings[1].domid = 1, /rings\[1\]\.domid: 1 appears twice/],
    ["error", (s) => s.rings[0].error = 9, /rings\[0\]\.error/],
    ["body size", (s) => s.rings[0].body = new Uint8Array(30), /rings\[0\]\.body: 30 bytes/],
    ["header", (s) => s.rings[0].header = new Uint8Array(17), /rings\[0\]\.header/],
    ["body used", (s) => s.rings[0].bodyUsed = 9999, /rings\[0\]\.bodyUsed/],
    ["out sent", (s) => s.rings[1].out[0].sent = s.rings[1].out[0].bytes.length, /out\[0\]\.sent/],
    ["out short", (s) => s.rings[1].out[0].bytes = new Uint8Array(4), /out\[0\]\.bytes: 4/],
  ];
  for (const [name, mutate, re] of cases) {
    const s = structuredClone(good);
    mutate(s);
    assert.throws(
      () => b.xs.restore(s, wiring, hostWatch),
      (e: Error) => e instanceof StateError && re.test(e.message),
      name,
    );
    assert.deepEqual({ save: b.xs.save(), tree: b.xs.tree() }, before, name);
  }
  // Missing wiring is refused too.
  assert.throws(() => b.xs.restore(structuredClone(good), wiring), /no resolver for host watch/);
  assert.throws(
    () =>
      b.xs.restore(
        structuredClone(good),
        () => ({ ring: new DataView(new ArrayBuffer(8)), notify: () => {} }),
        hostWatch,
      ),
    /no usable ring page for domain 1/,
  );
  assert.deepEqual({ save: b.xs.save(), tree: b.xs.tree() }, before);
  b.xs.restore(structuredClone(good), wiring, hostWatch);
  assert.deepEqual(b.xs.save(), good);
});

Deno.test("xenstore state: saving inside a host watch callback is refused", () => {
  const w = fresh();
  const errors: string[] = [];
  let armed = false;
  const cb = () => {
    if (!armed) return;
    try {
      w.xs.save();
    } catch (e) {
      errors.push(String(e));
    }
  };
  w.xs.watch("/x", "t1", cb);
  w.xs.watch("/x", "t2", cb);
  armed = true;
  // Two events: while the first callback runs, the second is still queued.
  w.xs.write("/x", "go");
  assert.equal(errors.length, 1);
  assert.match(errors[0], /1 host watch events not yet delivered/);
  armed = false;
  assert.equal(w.xs.save().host.watches.length, 2);
});
