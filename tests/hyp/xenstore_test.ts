/**
 * xenstored: driven from the guest side of a real ring page (requests written into req[], replies
 * read from rsp[]), plus the host API the toolstack and back ends use.
 */
import assert from "node:assert/strict";
import { Xenstored } from "../../core/hyp/xenstore/xenstored.ts";
import {
  XENSTORE_ERROR_PROTO,
  XENSTORE_ERROR_RINGIDX,
  XS_CONTROL,
  XS_DIRECTORY,
  XS_DIRECTORY_PART,
  XS_ERROR,
  XS_GET_DOMAIN_PATH,
  XS_GET_PERMS,
  XS_INTRODUCE,
  XS_IS_DOMAIN_INTRODUCED,
  XS_MKDIR,
  XS_READ,
  XS_RESET_WATCHES,
  XS_RM,
  XS_SET_PERMS,
  XS_TRANSACTION_END,
  XS_TRANSACTION_START,
  XS_UNWATCH,
  XS_WATCH,
  XS_WATCH_EVENT,
  XS_WRITE,
} from "../../core/hyp/abi/xenstore.ts";
import { XEN_EEXIST, XEN_ENOENT } from "../../core/hyp/abi/errno.ts";
import { XenError } from "../../core/hyp/xen_error.ts";

const REQ_CONS = 2048, REQ_PROD = 2052, RSP_CONS = 2056, RSP_PROD = 2060;
const FEATURES = 2064, CONNECTION = 2068, ERROR = 2072;

interface Msg {
  type: number;
  reqId: number;
  txId: number;
  body: string;
}

/** The guest's side of one ring page. */
class Guest {
  readonly dv = new DataView(new ArrayBuffer(4096));
  notified = 0;
  #rx: number[] = [];
  #nextReq = 1;
  constructor(readonly xs: Xenstored, readonly domid: number, start = 0) {
    for (const o of [REQ_CONS, REQ_PROD, RSP_CONS, RSP_PROD]) this.dv.setUint32(o, start, true);
    xs.introduceDomain(domid, this.dv, () => this.notified++);
  }
  u32(o: number): number {
    return this.dv.getUint32(o, true);
  }
  /** Appends raw bytes to req[] (asserting they fit) without kicking. */
  push(bytes: Uint8Array): void {
    let prod = this.u32(REQ_PROD);
    assert.ok(((prod - this.u32(REQ_CONS)) >>> 0) + bytes.length <= 1024, "request ring full");
    for (const b of bytes) {
      this.dv.setUint8(prod & 1023, b);
      prod = (prod + 1) >>> 0;
    }
    this.dv.setUint32(REQ_PROD, prod, true);
  }
  frame(type: number, body: string, txId = 0, reqId = this.#nextReq++): Uint8Array {
    const payload = new Uint8Array([...body].map((c) => c.charCodeAt(0)));
    const m = new Uint8Array(16 + payload.length);
    const h = new DataView(m.buffer);
    h.setUint32(0, type, true);
    h.setUint32(4, reqId, true);
    h.setUint32(8, txId, true);
    h.setUint32(12, payload.length, true);
    m.set(payload, 16);
    return m;
  }
  /** Reads everything in rsp[] and returns the complete messages. */
  recv(): Msg[] {
    let cons = this.u32(RSP_CONS);
    const prod = this.u32(RSP_PROD);
    while (cons !== prod) {
      this.#rx.push(this.dv.getUint8(1024 + (cons & 1023)));
      cons = (cons + 1) >>> 0;
    }
    this.dv.setUint32(RSP_CONS, cons, true);
    const out: Msg[] = [];
    while (this.#rx.length >= 16) {
      const h = new DataView(new Uint8Array(this.#rx.slice(0, 16)).buffer);
      const len = h.getUint32(12, true);
      if (this.#rx.length < 16 + len) break;
      const body = String.fromCharCode(...this.#rx.slice(16, 16 + len));
      out.push({
        type: h.getUint32(0, true),
        reqId: h.getUint32(4, true),
        txId: h.getUint32(8, true),
        body,
      });
      this.#rx.splice(0, 16 + len);
    }
    return out;
  }
  /** Sends `bytes` in ring-sized pieces, kicking after each, as a guest driver does. */
  send(bytes: Uint8Array): void {
    for (let at = 0; at < bytes.length;) {
      const room = 1024 - ((this.u32(REQ_PROD) - this.u32(REQ_CONS)) >>> 0);
      const n = Math.min(room, bytes.length - at);
      this.push(bytes.subarray(at, at + n));
      at += n;
      this.xs.kick(this.domid);
    }
  }
  /** Sends one request, returns every message received. */
  call(type: number, body: string, txId = 0): Msg[] {
    this.send(this.frame(type, body, txId));
    const out = this.recv();
    // A reply longer than the free ring space arrives as the guest consumes and signals.
    for (let i = 0; i < 16 && this.#rx.length > 0; i++) {
      this.xs.kick(this.domid);
      out.push(...this.recv());
    }
    return out;
  }
  /** Sends one request and returns the reply's body, failing on XS_ERROR or events only. */
  ok(type: number, body: string, txId = 0): string {
    const r = this.call(type, body, txId).filter((m) => m.type !== XS_WATCH_EVENT);
    assert.equal(r.length, 1, `one reply to type ${type}`);
    assert.equal(r[0].type, type, `reply to ${type} ${JSON.stringify(body)}: ${r[0].body}`);
    return r[0].body;
  }
  /** Sends one request that must fail with `name`. */
  err(type: number, body: string, name: string, txId = 0): void {
    const r = this.call(type, body, txId).filter((m) => m.type !== XS_WATCH_EVENT);
    assert.equal(r.length, 1);
    assert.deepEqual([r[0].type, r[0].body], [XS_ERROR, `${name}\0`], `${type} ${body}`);
  }
}

function setup(): { xs: Xenstored; g1: Guest; g2: Guest } {
  const xs = new Xenstored();
  xs.populateDomain(1, { name: "guest1", vcpus: 2, memoryKiB: 65536 });
  xs.populateDomain(2, { name: "guest2", vcpus: 1, memoryKiB: 32768 });
  return { xs, g1: new Guest(xs, 1), g2: new Guest(xs, 2) };
}

Deno.test("xenstore: introduce advertises features; replies echo req_id/tx_id", () => {
  const { g1 } = setup();
  assert.equal(g1.u32(FEATURES), 3);
  g1.push(g1.frame(XS_READ, "name\0", 0, 0xdead_beef));
  g1.xs.kick(1);
  assert.deepEqual(g1.recv(), [{ type: XS_READ, reqId: 0xdead_beef, txId: 0, body: "guest1" }]);
  assert.ok(g1.notified > 0);
});

Deno.test("xenstore: read/write/mkdir/directory/rm over the ring", () => {
  const { xs, g1 } = setup();
  assert.equal(g1.ok(XS_WRITE, "data/a/b/c\0hello"), "OK\0");
  assert.equal(xs.read("/local/domain/1/data/a/b/c"), "hello");
  assert.equal(g1.ok(XS_READ, "/local/domain/1/data/a/b/c\0"), "hello");
  assert.equal(g1.ok(XS_READ, "data/a\0"), "");
  assert.equal(g1.ok(XS_MKDIR, "data/a/d\0"), "OK\0");
  assert.equal(g1.ok(XS_MKDIR, "data/a/d\0"), "OK\0", "mkdir of an existing node is fine");
  assert.equal(g1.ok(XS_DIRECTORY, "data/a\0"), "b\0d\0");
  assert.equal(g1.ok(XS_DIRECTORY, "data/a/d\0"), "");
  assert.equal(g1.ok(XS_WRITE, "data/bin\0\x00\xff\x01"), "OK\0");
  assert.deepEqual([...xs.readBytes("/local/domain/1/data/bin")], [0, 255, 1]);
  // Implicitly created parents inherit the parent's permissions, owned by the creator.
  assert.deepEqual(xs.getPerms("/local/domain/1/data/a"), ["n1"]);
  assert.equal(g1.ok(XS_RM, "data/a\0"), "OK\0");
  g1.err(XS_READ, "data/a/b/c\0", "ENOENT");
  g1.err(XS_DIRECTORY, "data/a\0", "ENOENT");
  assert.equal(g1.ok(XS_RM, "data/a\0"), "OK\0", "rm of a missing node with a parent is fine");
  g1.err(XS_RM, "data/x/y\0", "ENOENT");
  assert.equal(g1.ok(XS_GET_DOMAIN_PATH, "7\0"), "/local/domain/7\0");
  assert.equal(g1.ok(XS_GET_DOMAIN_PATH, "x\0"), "/local/domain/0\0");
  assert.equal(g1.ok(XS_GET_DOMAIN_PATH, "-1\0"), "/local/domain/4294967295\0");
  g1.err(XS_GET_DOMAIN_PATH, "1", "EINVAL");
});

Deno.test("xenstore: malformed requests and paths", () => {
  const { g1 } = setup();
  g1.err(XS_READ, "name", "EINVAL"); // no NUL
  g1.err(XS_READ, "", "EINVAL");
  g1.err(XS_READ, "name\0x\0", "EINVAL"); // two arguments
  g1.err(XS_READ, "da ta\0", "EINVAL");
  g1.err(XS_READ, "data/\0", "EINVAL");
  g1.err(XS_READ, "/local//domain\0", "EINVAL");
  g1.err(XS_READ, "@introduceDomain\0", "EINVAL");
  g1.err(XS_WRITE, "data/x", "EINVAL");
  g1.err(XS_WRITE, "@foo\0v", "EINVAL");
  g1.err(XS_READ, `data/${"x".repeat(2048)}\0`, "EINVAL");
  g1.err(XS_WATCH, "data\0", "EINVAL");
  g1.err(XS_SET_PERMS, "data\0", "EINVAL");
  g1.err(XS_SET_PERMS, "data\0q1\0", "EINVAL");
  g1.err(XS_SET_PERMS, "data\0n1x\0", "EINVAL");
  g1.err(99, "", "ENOSYS");
  g1.err(XS_ERROR, "", "ENOSYS");
  g1.err(XS_WATCH_EVENT, "", "ENOSYS");
  g1.err(XS_INTRODUCE, "1\x002\x003\0", "EACCES");
  g1.err(XS_IS_DOMAIN_INTRODUCED, "1\0", "EACCES");
  g1.err(XS_CONTROL, "print\0hi\0", "EACCES");
  g1.err(XS_READ, "name\0", "ENOENT", 77); // unknown transaction
});

Deno.test("xenstore: permissions between two domains", () => {
  const { xs, g1, g2 } = setup();
  g2.err(XS_READ, "/local/domain/1/name\0", "EACCES");
  g2.err(XS_READ, "/local/domain/1/nonexistent\0", "EACCES", 0);
  g1.err(XS_READ, "/local/domain/0/name\0", "EACCES");
  g1.err(XS_WRITE, "newkey\0v", "EACCES"); // home is dom0's, read-only to the guest
  g1.err(XS_WRITE, "memory/target\0" + "1", "EACCES");
  g1.err(XS_RM, "name\0", "EACCES");
  g1.err(XS_WRITE, "/local/domain/2/data/x\0v", "EACCES");
  assert.equal(g1.ok(XS_READ, "memory/target\0"), "65536");
  g1.ok(XS_WRITE, "data/shared\0s");
  g2.err(XS_READ, "/local/domain/1/data/shared\0", "EACCES");
  g1.ok(XS_SET_PERMS, "data/shared\0n1\0r2\0");
  assert.equal(g2.ok(XS_READ, "/local/domain/1/data/shared\0"), "s");
  assert.equal(g2.ok(XS_GET_PERMS, "/local/domain/1/data/shared\0"), "n1\0r2\0");
  g2.err(XS_WRITE, "/local/domain/1/data/shared\0t", "EACCES");
  g2.err(XS_SET_PERMS, "/local/domain/1/data/shared\0n2\0", "EACCES");
  g1.err(XS_SET_PERMS, "data/shared\0n2\0", "EPERM"); // may not give it away
  g1.ok(XS_SET_PERMS, "data/shared\0b1\0");
  assert.equal(g2.ok(XS_WRITE, "/local/domain/1/data/shared\0t"), "OK\0");
  assert.equal(xs.read("/local/domain/1/data/shared"), "t");
  // A child created by dom2 under the b1 node is owned by dom2, default b.
  g1.ok(XS_SET_PERMS, "data/shared\0w1\0");
  g2.ok(XS_WRITE, "/local/domain/1/data/shared/k\0v");
  assert.deepEqual(xs.getPerms("/local/domain/1/data/shared/k"), ["w2"]);
  g1.err(XS_SET_PERMS, "data/shared/k\0n1\0", "EACCES");
  // Missing node: ENOENT only if the nearest ancestor grants the asked access.
  g2.err(XS_READ, "/local/domain/1/data/shared/nope\0", "EACCES"); // w1: no read for dom2
  g1.ok(XS_SET_PERMS, "data/shared\0r1\0");
  g2.err(XS_READ, "/local/domain/1/data/shared/nope\0", "ENOENT");
  // GET_PERMS/SET_PERMS accept special nodes; the guest may not read them by default.
  g1.err(XS_GET_PERMS, "@releaseDomain\0", "EACCES");
  xs.setPerms("@releaseDomain", ["n0", "r1"]);
  assert.equal(g1.ok(XS_GET_PERMS, "@releaseDomain\0"), "n0\0r1\0");
});

Deno.test("xenstore: the toolstack layout", () => {
  const xs = new Xenstored();
  xs.populateDomain(3, {
    name: "d3",
    vcpus: 2,
    memoryKiB: 1000,
    maxMemoryKiB: 2000,
    store: { port: 1, ringRef: 0x39001 },
    console: { port: 2, ringRef: 0x39000n },
  });
  const d = "/local/domain/3";
  assert.equal(xs.read(`${d}/name`), "d3");
  assert.equal(xs.read(`${d}/domid`), "3");
  assert.equal(xs.read(`${d}/memory/target`), "1000");
  assert.equal(xs.read(`${d}/memory/static-max`), "2000");
  assert.equal(xs.read(`${d}/cpu/1/availability`), "online");
  assert.equal(xs.read(`${d}/store/ring-ref`), String(0x39001));
  assert.equal(xs.read(`${d}/console/ring-ref`), String(0x39000));
  assert.equal(xs.read(`${d}/console/type`), "xenconsoled");
  const vm = xs.read(`${d}/vm`);
  assert.equal(xs.read(`${vm}/name`), "d3");
  assert.deepEqual(xs.getPerms(d), ["n0", "r3"]);
  assert.deepEqual(xs.getPerms(`${d}/control/shutdown`), ["n3"]);
  assert.deepEqual(xs.getPerms(`${d}/console`), ["n3", "r0"]);
  assert.deepEqual(xs.getPerms(`${d}/console/port`), ["n0", "r3"]);
  assert.deepEqual(xs.directory(`${d}/control`), [
    "platform-feature-multiprocessor-suspend",
    "platform-feature-xs_reset_watches",
    "shutdown",
    "feature-poweroff",
    "feature-reboot",
    "feature-suspend",
    "feature-s3",
    "feature-s4",
    "sysrq",
  ]);
  assert.equal(xs.read("/local/domain/0/name"), "Domain-0");
  const g = new Guest(xs, 3);
  g.ok(XS_WRITE, "control/feature-poweroff\0" + "1");
  g.err(XS_WRITE, "device/vbd\0", "EACCES"); // device/ is dom0's: the guest only reads it
  g.err(XS_WRITE, "console/port\0" + "9", "EACCES");
  assert.equal(g.ok(XS_READ, "console/port\0"), "2");
  g.ok(XS_WRITE, "console/extra\0x"); // the console directory itself is the guest's
  assert.equal(g.ok(XS_DIRECTORY, "cpu\0"), "0\x001\0");
  assert.equal(g.ok(XS_READ, "control/platform-feature-xs_reset_watches\0"), "1");
});

Deno.test("xenstore: transactions", () => {
  const { xs, g1 } = setup();
  const tx = Number.parseInt(g1.ok(XS_TRANSACTION_START, "\0"));
  assert.ok(tx > 0);
  g1.err(XS_TRANSACTION_START, "\0", "EBUSY", tx);
  g1.ok(XS_WRITE, "data/t/x\0one", tx);
  assert.equal(g1.ok(XS_READ, "data/t/x\0", tx), "one");
  g1.err(XS_READ, "data/t/x\0", "ENOENT"); // not visible outside
  assert.equal(xs.tryRead("/local/domain/1/data/t/x"), undefined);
  g1.err(XS_TRANSACTION_END, "X\0", "EINVAL", tx);
  assert.equal(g1.ok(XS_TRANSACTION_END, "T\0", tx), "OK\0");
  assert.equal(xs.read("/local/domain/1/data/t/x"), "one");
  g1.err(XS_TRANSACTION_END, "T\0", "ENOENT", tx); // gone
  g1.err(XS_TRANSACTION_END, "T\0", "ENOENT", 0);

  // Abort discards.
  const t2 = Number.parseInt(g1.ok(XS_TRANSACTION_START, "\0"));
  g1.ok(XS_WRITE, "data/t/x\0two", t2);
  g1.ok(XS_RM, "data/t\0", t2);
  g1.ok(XS_TRANSACTION_END, "F\0", t2);
  assert.equal(xs.read("/local/domain/1/data/t/x"), "one");

  // Conflict: a node read inside changes outside before commit.
  const t3 = Number.parseInt(g1.ok(XS_TRANSACTION_START, "\0"));
  assert.equal(g1.ok(XS_READ, "data/t/x\0", t3), "one");
  g1.ok(XS_WRITE, "data/t/y\0three", t3);
  xs.write("/local/domain/1/data/t/x", "changed");
  g1.err(XS_TRANSACTION_END, "T\0", "EAGAIN", t3);
  assert.equal(xs.tryRead("/local/domain/1/data/t/y"), undefined);
  g1.err(XS_READ, "data\0", "ENOENT", t3); // the failed transaction is gone

  // Disjoint change elsewhere: commit succeeds.
  const t4 = Number.parseInt(g1.ok(XS_TRANSACTION_START, "\0"));
  g1.ok(XS_WRITE, "data/t/x\0four", t4);
  xs.write("/local/domain/1/attr/other", "z");
  g1.ok(XS_TRANSACTION_END, "T\0", t4);
  assert.equal(xs.read("/local/domain/1/data/t/x"), "four");

  // Quota: ten open transactions, the eleventh is refused; RESET_WATCHES drops them.
  for (let i = 0; i < 10; i++) g1.ok(XS_TRANSACTION_START, "\0");
  g1.err(XS_TRANSACTION_START, "\0", "ENOSPC");
  g1.ok(XS_RESET_WATCHES, "\0");
  g1.ok(XS_TRANSACTION_START, "\0");
});

Deno.test("xenstore: watches deliver events on the ring", () => {
  const { xs, g1, g2 } = setup();
  const r = g1.call(XS_WATCH, "data\0tok\0");
  assert.deepEqual(r.map((m) => [m.type, m.body]), [
    [XS_WATCH, "OK\0"],
    [XS_WATCH_EVENT, "data\0tok\0"],
  ]);
  assert.equal(r[1].reqId, 0);
  g1.err(XS_WATCH, "data\0tok\0", "EEXIST");
  xs.write("/local/domain/1/data/foo", "1");
  assert.deepEqual(g1.recv().map((m) => [m.type, m.body]), [[XS_WATCH_EVENT, "data/foo\0tok\0"]]);
  // A write by the guest itself: the event precedes the reply.
  assert.deepEqual(g1.call(XS_WRITE, "data/bar\0x").map((m) => [m.type, m.body]), [
    [XS_WATCH_EVENT, "data/bar\0tok\0"],
    [XS_WRITE, "OK\0"],
  ]);
  // Unrelated paths and sibling prefixes do not fire.
  xs.write("/local/domain/1/database", "x");
  xs.write("/local/domain/1/attr/x", "x");
  assert.deepEqual(g1.recv(), []);
  // Absolute watch; dom2 may not read dom1's data, so it gets only the initial event.
  g2.call(XS_WATCH, "/local/domain/1/data\0abs\0");
  xs.write("/local/domain/1/data/foo", "2");
  assert.deepEqual(g2.recv(), []);
  g1.recv();
  // rm fires watches at or above the removed node, and watches exactly on a removed child.
  g1.ok(XS_WATCH, "data/bar\0child\0");
  const ev = g1.call(XS_RM, "data\0").filter((m) => m.type === XS_WATCH_EVENT);
  assert.deepEqual(ev.map((m) => m.body), ["data/bar\0child\0", "data\0tok\0"]);
  g1.err(XS_WRITE, "data/q\0v", "EACCES"); // data/ is gone; the home is read-only
  xs.mkdir("/local/domain/1/data", ["n1"]);
  assert.deepEqual(g1.recv().map((m) => m.body), ["data\0tok\0"]);
  // Events of a transaction wait for its commit.
  const tx = Number.parseInt(g1.ok(XS_TRANSACTION_START, "\0"));
  g1.ok(XS_WRITE, "data/q\0v", tx);
  assert.deepEqual(g1.recv(), []);
  const done = g1.call(XS_TRANSACTION_END, "T\0", tx);
  assert.deepEqual(done.map((m) => m.body), ["data/q\0tok\0", "OK\0"]);
  // Unwatch and reset.
  g1.ok(XS_UNWATCH, "data\0tok\0");
  g1.err(XS_UNWATCH, "data\0tok\0", "ENOENT");
  xs.write("/local/domain/1/data/q", "w");
  assert.deepEqual(g1.recv(), []);
  assert.deepEqual(xs.watches().map((w) => [w.domid, w.path, w.token]), [
    [1, "/local/domain/1/data/bar", "child"],
    [2, "/local/domain/1/data", "abs"],
  ]);
  g1.ok(XS_RESET_WATCHES, "\0");
  assert.equal(xs.watches().length, 1);
});

Deno.test("xenstore: special watches and host watches", () => {
  const xs = new Xenstored();
  const seen: string[] = [];
  xs.watch("@introduceDomain", "i", (p, t) => seen.push(`${p}|${t}`));
  xs.watch("@releaseDomain", "r", (p, t) => seen.push(`${p}|${t}`));
  xs.populateDomain(1, { name: "g", vcpus: 1, memoryKiB: 1024 });
  xs.watch("/local/domain/1/control/shutdown", "sd", (p) => seen.push(`${p}=${xs.read(p)}`));
  assert.deepEqual(seen, [
    "@introduceDomain|i",
    "@releaseDomain|r",
    "/local/domain/1/control/shutdown=",
  ]);
  seen.length = 0;
  const g = new Guest(xs, 1);
  assert.deepEqual(seen, ["@introduceDomain|i"]);
  // A guest's watch on a special node fires only if it may read that node.
  g.ok(XS_WATCH, "@releaseDomain\0rel\0"); // initial event only
  g.recv();
  g.ok(XS_WRITE, "control/shutdown\0poweroff");
  assert.deepEqual(seen, ["@introduceDomain|i", "/local/domain/1/control/shutdown=poweroff"]);
  assert.throws(
    () => xs.watch("/local/domain/1/control/shutdown", "sd", () => {}),
    (e) => e instanceof XenError && e.errno === XEN_EEXIST,
  );
  xs.unwatch("/local/domain/1/control/shutdown", "sd");
  assert.throws(
    () => xs.unwatch("/x", "sd"),
    (e) => e instanceof XenError && e.errno === XEN_ENOENT,
  );
  const g2 = new Guest(xs, 2);
  g2.ok(XS_WATCH, "@releaseDomain\0rel\0");
  g2.recv();
  xs.setPerms("@releaseDomain", ["n0", "r2"]);
  seen.length = 0;
  xs.releaseDomain(1);
  assert.deepEqual(seen, ["@releaseDomain|r"]);
  assert.deepEqual(g2.recv().map((m) => m.body), ["@releaseDomain\0rel\0"]);
  assert.equal(xs.isIntroduced(1), false);
  assert.throws(() => xs.kick(1), (e) => e instanceof XenError && e.errno === XEN_ENOENT);
  assert.throws(() => xs.releaseDomain(1), (e) => e instanceof XenError);
  assert.throws(() => xs.introduceDomain(2, new DataView(new ArrayBuffer(4096)), () => {}));
  assert.throws(() => xs.introduceDomain(5, new DataView(new ArrayBuffer(100)), () => {}));
  // Host callbacks may use the store; their events are delivered after the operation.
  xs.watch("/a", "chain", (p) => {
    if (p === "/a/1") xs.write("/a/2", "from-callback");
  });
  xs.write("/a/1", "x");
  assert.equal(xs.read("/a/2"), "from-callback");
  assert.throws(() => xs.read("/nope"), (e) => e instanceof XenError && e.errno === XEN_ENOENT);
  assert.throws(() => xs.setPerms("/a", ["zz"]), XenError);
  assert.ok(xs.tree().includes('  1 = "x"  (n0)'));
  assert.ok(xs.tree("/a").startsWith('/a = ""  (n0)'));
  assert.ok(xs.tree().includes("@releaseDomain"));
});

Deno.test("xenstore: ring wrap-around and messages split across kicks", () => {
  const xs = new Xenstored();
  xs.populateDomain(1, { name: "wrap", vcpus: 1, memoryKiB: 1024 });
  const g = new Guest(xs, 1, 0xffff_ff00); // indices wrap past 2^32 almost at once
  for (let i = 0; i < 40; i++) {
    const v = `value-${i}-${"z".repeat(i * 7)}`;
    assert.equal(g.ok(XS_WRITE, `data/k${i}\0${v}`), "OK\0");
    assert.equal(g.ok(XS_READ, `data/k${i}\0`), v);
  }
  assert.ok(g.u32(REQ_PROD) < 0x1_0000 && g.u32(RSP_PROD) < 0x1_0000, "indices wrapped");
  // Header in three pieces, payload in two, each followed by a kick.
  const m = g.frame(XS_READ, "data/k3\0");
  for (const [a, b] of [[0, 5], [5, 11], [11, 16], [16, 20], [20, m.length]]) {
    g.push(m.subarray(a, b));
    xs.kick(1);
    if (b < m.length) assert.deepEqual(g.recv(), []);
  }
  assert.deepEqual(g.recv().map((r) => r.body), [`value-3-${"z".repeat(21)}`]);
  // Several requests in one kick.
  g.push(g.frame(XS_READ, "data/k1\0"));
  g.push(g.frame(XS_READ, "data/k2\0"));
  g.push(g.frame(XS_READ, "name\0"));
  xs.kick(1);
  assert.deepEqual(g.recv().map((r) => r.body), [
    `value-1-${"z".repeat(7)}`,
    `value-2-${"z".repeat(14)}`,
    "wrap",
  ]);
});

Deno.test("xenstore: replies larger than the ring are written as the guest consumes", () => {
  const xs = new Xenstored();
  xs.populateDomain(1, { name: "big", vcpus: 1, memoryKiB: 1024 });
  const big = "b".repeat(3000);
  xs.write("/local/domain/1/data/big", big);
  const g = new Guest(xs, 1);
  g.push(g.frame(XS_READ, "data/big\0", 0, 9));
  xs.kick(1);
  assert.equal(g.u32(RSP_PROD) - g.u32(RSP_CONS), 1024, "ring filled");
  let got: Msg[] = [];
  for (let i = 0; i < 10 && got.length === 0; i++) {
    got = g.recv(); // consumes rsp[], then the guest signals the server
    xs.kick(1);
  }
  assert.equal(got.length, 1);
  assert.equal(got[0].reqId, 9);
  assert.equal(got[0].body, big);
  // A 4096-byte payload (the maximum) is accepted.
  const val = "v".repeat(4096 - "data/max\0".length);
  assert.equal(g.ok(XS_WRITE, `data/max\0${val}`), "OK\0");
});

Deno.test("xenstore: a guest that does not read replies stops being served", () => {
  const xs = new Xenstored();
  xs.populateDomain(1, { name: "slow", vcpus: 1, memoryKiB: 1024 });
  xs.write("/local/domain/1/data/v", "v".repeat(200));
  const g = new Guest(xs, 1);
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 40; i++) g.push(g.frame(XS_READ, "data/v\0"));
    xs.kick(1);
    assert.ok(g.u32(REQ_PROD) !== g.u32(REQ_CONS), "server stops consuming with replies stuck");
    let replies = 0;
    for (let i = 0; i < 200 && replies < 40; i++) {
      replies += g.recv().length;
      xs.kick(1);
    }
    assert.equal(replies, 40);
    assert.equal(g.u32(REQ_PROD), g.u32(REQ_CONS));
    assert.deepEqual(g.recv(), []);
  }
});

Deno.test("xenstore: bad ring indices or an oversized message stop the connection", () => {
  for (const corrupt of ["req", "rsp", "len"] as const) {
    const xs = new Xenstored();
    xs.populateDomain(1, { name: "bad", vcpus: 1, memoryKiB: 1024 });
    const g = new Guest(xs, 1);
    g.ok(XS_WATCH, "data\0t\0");
    if (corrupt === "req") g.dv.setUint32(REQ_PROD, 2000, true);
    if (corrupt === "rsp") {
      g.dv.setUint32(RSP_CONS, 5000, true);
      xs.write("/local/domain/1/data/x", "fire"); // output must be written now
    }
    if (corrupt === "len") {
      const m = g.frame(XS_READ, "name\0");
      new DataView(m.buffer).setUint32(12, 4097, true);
      g.push(m.subarray(0, 16));
      xs.kick(1);
    }
    xs.kick(1);
    const expect = corrupt === "len" ? XENSTORE_ERROR_PROTO : XENSTORE_ERROR_RINGIDX;
    assert.equal(g.u32(ERROR), expect, corrupt);
    assert.equal(xs.connectionError(1), expect);
    assert.deepEqual(xs.watches(), [], "watches dropped");
    const prod = g.u32(RSP_PROD);
    xs.write("/local/domain/1/data/y", "ignored");
    xs.kick(1);
    assert.equal(g.u32(RSP_PROD), prod, "nothing more is written");
    // The guest asks to reconnect: everything is reset and the ring works again.
    g.dv.setUint32(CONNECTION, 1, true);
    const before = g.notified;
    xs.kick(1);
    assert.equal(g.u32(CONNECTION), 0);
    assert.equal(g.u32(ERROR), 0);
    assert.ok(g.notified > before);
    for (const o of [REQ_CONS, REQ_PROD, RSP_CONS, RSP_PROD]) assert.equal(g.u32(o), 0);
    g.recv();
    assert.equal(g.ok(XS_READ, "name\0"), "bad");
  }
});

Deno.test("xenstore: reconnect drops partial input, watches and transactions", () => {
  const { xs, g1 } = setup();
  g1.ok(XS_WATCH, "data\0t\0");
  const tx = Number.parseInt(g1.ok(XS_TRANSACTION_START, "\0"));
  g1.push(g1.frame(XS_READ, "name\0").subarray(0, 10));
  xs.kick(1);
  g1.dv.setUint32(CONNECTION, 1, true);
  xs.kick(1);
  assert.deepEqual(xs.watches(), []);
  g1.recv();
  g1.err(XS_READ, "name\0", "ENOENT", tx);
  assert.equal(g1.ok(XS_READ, "name\0"), "guest1");
});

Deno.test("xenstore: directory_part, control and privileged requests", () => {
  const xs = new Xenstored();
  for (let i = 0; i < 300; i++) xs.write(`/many/child-with-a-long-name-${i}`, "");
  const g0 = new Guest(xs, 0); // domain 0 is privileged
  const gen = xs.store.get("/many")!.gen;
  let names: string[] = [];
  for (let off = 0;;) {
    const r = g0.ok(XS_DIRECTORY_PART, `/many\0${off}\0`);
    const parts = r.split("\0");
    assert.equal(parts[0], String(gen));
    const chunk = parts.slice(1, -1);
    if (chunk.length === 0 || chunk.at(-1) === "") {
      names = names.concat(chunk.filter((c) => c !== ""));
      break;
    }
    assert.ok(r.length <= 4096);
    names = names.concat(chunk);
    off += chunk.reduce((n, c) => n + c.length + 1, 0);
  }
  assert.deepEqual(names, xs.directory("/many"));
  g0.err(XS_DIRECTORY, "/many\0", "E2BIG"); // the full listing exceeds one message
  assert.equal(g0.ok(XS_DIRECTORY_PART, "/many\x0099999\0"), `${gen}\0\0`);
  g0.err(XS_DIRECTORY_PART, "/many\0", "EINVAL");
  g0.err(XS_DIRECTORY_PART, "/nope\x000\0", "ENOENT");
  assert.equal(g0.ok(XS_READ, "/local/domain/0/name\0"), "Domain-0");
  assert.equal(g0.ok(XS_READ, "name\0"), "Domain-0");
  const logged: string[] = [];
  const xs2 = new Xenstored({ log: (l) => logged.push(l) });
  const d0 = new Guest(xs2, 0);
  assert.equal(d0.ok(XS_CONTROL, "print\0hello\0"), "OK\0");
  assert.deepEqual(logged, ["xenstore control from domain 0: hello"]);
  d0.err(XS_CONTROL, "frobnicate\0", "EINVAL");
  assert.equal(d0.ok(XS_IS_DOMAIN_INTRODUCED, "0\0"), "T\0");
  assert.equal(d0.ok(XS_IS_DOMAIN_INTRODUCED, "4\0"), "F\0");
  d0.err(XS_INTRODUCE, "4\x001\x002\0", "ENOSYS");
  new Guest(xs2, 4);
  assert.equal(d0.ok(9, /* XS_RELEASE */ "4\0"), "OK\0");
  assert.equal(xs2.isIntroduced(4), false);
  d0.err(9, "4\0", "ENOENT");
  // Privileged writes keep the parent's owner.
  d0.ok(XS_WRITE, "/x/y\0v");
  assert.deepEqual(xs2.getPerms("/x/y"), ["n0"]);
});

/** Deterministic PRNG (xorshift32) for the junk loop. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

Deno.test("xenstore: random junk on the ring never throws", () => {
  const xs = new Xenstored();
  xs.populateDomain(1, { name: "junk", vcpus: 1, memoryKiB: 1024 });
  const g = new Guest(xs, 1);
  const r = rng(12345);
  const types = [
    XS_READ,
    XS_WRITE,
    XS_WATCH,
    XS_UNWATCH,
    XS_TRANSACTION_START,
    XS_TRANSACTION_END,
    XS_RM,
    XS_MKDIR,
    XS_SET_PERMS,
    XS_GET_PERMS,
    XS_DIRECTORY,
    XS_DIRECTORY_PART,
    XS_RESET_WATCHES,
  ];
  const alphabet = "data/ab@\0/Tx01rwbn-_\xff";
  for (let iter = 0; iter < 3000; iter++) {
    const mode = r() % 8;
    if (mode === 0) {
      // Raw junk bytes and random indices.
      const n = r() % 64;
      for (let i = 0; i < n; i++) g.dv.setUint8(r() % 2076, r() & 0xff);
      if (r() % 4 === 0) {
        g.dv.setUint32([REQ_CONS, REQ_PROD, RSP_CONS, RSP_PROD][r() % 4], r(), true);
      }
    } else if (mode === 1) {
      g.dv.setUint32(CONNECTION, 1, true); // reconnect
    } else {
      // A plausible request with junk fields.
      let body = "";
      const len = r() % 40;
      for (let i = 0; i < len; i++) body += alphabet[r() % alphabet.length];
      const type = r() % 5 === 0 ? r() % 30 : types[r() % types.length];
      const m = g.frame(type, body, r() % 3 === 0 ? r() % 4 : 0);
      const room = 1024 - ((g.u32(REQ_PROD) - g.u32(REQ_CONS)) >>> 0);
      if (room >= 0 && room <= 1024) g.push(m.subarray(0, Math.min(room, m.length)));
    }
    xs.kick(1);
    if (r() % 2 === 0) {
      const cons = g.u32(RSP_CONS), prod = g.u32(RSP_PROD);
      if (((prod - cons) >>> 0) <= 1024) g.dv.setUint32(RSP_CONS, prod, true);
    }
    if (r() % 50 === 0) xs.write("/local/domain/1/data/ping", String(iter));
  }
  // The connection can always be brought back.
  g.dv.setUint32(CONNECTION, 1, true);
  xs.kick(1);
  g.recv();
  assert.equal(g.ok(XS_READ, "/local/domain/1/name\0"), "junk");
});
