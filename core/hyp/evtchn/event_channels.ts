/**
 * One domain's event channels (Xen 4.17's event_channel.c): the port table, the EVTCHNOP_*
 * operations on plain values with Xen's error codes, the hypervisor's ways to raise VIRQs, and
 * host channels to back ends inside the hypervisor. The port ABI (2-level until the guest calls
 * init_control, FIFO after, 2-level again after reset) keeps pending/masked state in guest memory.
 *
 * Every method called with guest-supplied values throws only XenError. The caller of the guest
 * operations is always this table's own domain (Xen's current->domain).
 *
 * @module
 */
import {
  XEN_EACCES,
  XEN_EEXIST,
  XEN_EINVAL,
  XEN_ENOENT,
  XEN_ENOSPC,
  XEN_ENOSYS,
  XEN_EOPNOTSUPP,
  XEN_EPERM,
  XEN_ESRCH,
} from "../abi/errno.ts";
import {
  EVTCHN_FIFO_LINK_BITS,
  EVTCHN_FIFO_PRIORITY_DEFAULT,
  EVTCHNSTAT_closed,
  EVTCHNSTAT_interdomain,
  EVTCHNSTAT_ipi,
  EVTCHNSTAT_unbound,
  EVTCHNSTAT_virq,
  NR_VIRQS,
} from "../abi/event_channel.ts";
import { DOMID_SELF } from "../abi/hypercalls.ts";
import { StateError } from "../state_check.ts";
import { check, hex, XenError } from "../xen_error.ts";
import { FIFO_MAX_CONTROL_OFFSET, FifoAbi } from "./abi_fifo.ts";
import { TwoLevelAbi } from "./abi_2l.ts";
import { type Channel, freeChannel, isBound } from "./channel.ts";
import type { EvtchnDomain } from "./evtchn_domain.ts";
import {
  checkEventChannelsState,
  type EventChannelsState,
  EVTCHNS_PER_BUCKET,
} from "./evtchn_state.ts";
import type { HostEndpoint } from "./host_endpoint.ts";
import type { EvtchnHub } from "./hub.ts";
import type { PortAbi } from "./port_abi.ts";
import type { EvtchnStatusInfo } from "./status.ts";
import { isVirq, virqIsGlobal } from "./virq.ts";

export { EVTCHNS_PER_BUCKET };
/** Highest port a domain may use unless configured otherwise (libxl's and dom0less' default). */
export const DEFAULT_MAX_EVTCHN_PORT = 1023;

/** Construction options. */
export interface EventChannelsOptions {
  /** Highest port number the domain may allocate (Xen's max_evtchn_port). */
  maxPort?: number;
  /** The domain may act on other domains' ports (Xen's control domain, XSM_TARGET). */
  privileged?: boolean;
}

/** A host port's back end and the kind its owner bound it with (what a snapshot keeps). */
interface HostBinding {
  endpoint: HostEndpoint;
  kind: string | undefined;
}

/** Finds the back end of a restored host port from its kind (see EventChannels.restore). */
export type HostEndpointResolver = (kind: string, port: number) => HostEndpoint;

/** The event-channel table of one domain. */
export class EventChannels {
  readonly #d: EvtchnDomain;
  readonly #hub: EvtchnHub;
  #maxPort: number;
  #privileged: boolean;
  /** Allocated ports (valid port numbers are 0 .. length - 1, grown a bucket at a time). */
  #ports: Channel[] = [];
  /** Per vcpu, per VIRQ: the bound port, 0 when none (global VIRQs live on vcpu 0). */
  #virqTo: number[][];
  #hosts = new Map<number, HostBinding>();
  /**
   * Xen-attached ports (alloc_unbound_xen_event_channel): unbound or interdomain ports of this
   * domain whose events the hypervisor consumes (an ioreq server's per-vcpu ports), by port.
   */
  #xen = new Map<number, HostBinding>();
  #abi: PortAbi;
  #dying = false;

  /** Creates the table of domain `d` and registers it in `hub`. Port 0 is reserved. */
  constructor(d: EvtchnDomain, hub: EvtchnHub, options: EventChannelsOptions = {}) {
    this.#d = d;
    this.#hub = hub;
    this.#maxPort = options.maxPort ?? DEFAULT_MAX_EVTCHN_PORT;
    this.#privileged = options.privileged ?? false;
    this.#virqTo = Array.from({ length: d.vcpuCount }, () => new Array<number>(NR_VIRQS).fill(0));
    this.#abi = new TwoLevelAbi(d);
    this.#ports[this.#getFreePort()].state = "reserved";
    hub.add(this);
  }

  /** The domain's id. */
  get domid(): number {
    return this.#d.id;
  }

  /** The port ABI in use: "2l" or "fifo". */
  get abiKind(): "2l" | "fifo" {
    return this.#abi.kind;
  }

  /** The FIFO ABI's state when in use (tests, REPL), else null. */
  get fifo(): FifoAbi | null {
    return this.#abi instanceof FifoAbi ? this.#abi : null;
  }

  /** A read-only copy of port `port`, or undefined when the port number is not valid. */
  channel(port: number): Readonly<Channel> | undefined {
    return this.#valid(port) ? { ...this.#ports[port] } : undefined;
  }

  /** True when port `port` is valid, bound and pending under the current ABI. */
  isPending(port: number): boolean {
    return this.#valid(port) && isBound(this.#ports[port]) &&
      this.#abi.isPending(this.#ports[port]);
  }

  /** True unless port `port` is valid, bound and unmasked under the current ABI. */
  isMasked(port: number): boolean {
    return !this.#valid(port) || !isBound(this.#ports[port]) ||
      this.#abi.isMasked(this.#ports[port]);
  }

  // ---- EVTCHNOP_* (the caller is this domain) ----

  /**
   * EVTCHNOP_alloc_unbound: a new port in domain `dom` (DOMID_SELF allowed) that domain
   * `remoteDom` may bind to. ESRCH for no such domain, ENOSPC when its table is full, EPERM for
   * another domain unless privileged.
   */
  allocUnbound(dom: number, remoteDom: number): number {
    const target = this.#domain(dom);
    const port = target.#getFreePort();
    check(
      target === this || this.#privileged,
      XEN_EPERM,
      `domain ${this.domid} may not allocate in ${target.domid}`,
    );
    check(isDomid(remoteDom), XEN_EINVAL, `remote domain ${remoteDom} is not a domid`);
    const ch = target.#ports[port];
    ch.state = "unbound";
    ch.remoteDom = remoteDom === DOMID_SELF ? this.domid : remoteDom;
    target.#abi.init(ch);
    return port;
  }

  /**
   * EVTCHNOP_bind_interdomain: connects a new local port to port `remotePort` of domain
   * `remoteDom`, which must be unbound and offered to this domain (else EINVAL; ESRCH for no such
   * domain). The local port is raised at once, as Xen does, for events lost while unbound.
   */
  bindInterdomain(remoteDom: number, remotePort: number): number {
    const rd = this.#domain(remoteDom);
    const lport = this.#getFreePort();
    check(
      rd.#valid(remotePort),
      XEN_EINVAL,
      `port ${remotePort} of domain ${rd.domid} is not valid`,
    );
    const rch = rd.#ports[remotePort];
    check(
      rch.state === "unbound" && rch.remoteDom === this.domid,
      XEN_EINVAL,
      `port ${remotePort} of domain ${rd.domid} is not unbound for domain ${this.domid}`,
    );
    const lch = this.#ports[lport];
    lch.state = "interdomain";
    lch.remoteDom = rd.domid;
    lch.remotePort = remotePort;
    this.#abi.init(lch);
    rch.state = "interdomain";
    rch.remoteDom = this.domid;
    rch.remotePort = lport;
    this.#setPending(lch.notifyVcpu, lch);
    return lport;
  }

  /**
   * EVTCHNOP_bind_virq: a new port for `virq` on `vcpu`. EINVAL for no such VIRQ or a global VIRQ
   * on a vcpu other than 0, ENOENT for no such vcpu, EEXIST when already bound there.
   */
  bindVirq(virq: number, vcpu: number): number {
    check(isVirq(virq), XEN_EINVAL, `VIRQ ${virq} does not exist`);
    check(
      !virqIsGlobal(virq) || vcpu === 0,
      XEN_EINVAL,
      `global VIRQ ${virq} must be bound on vcpu 0, not ${vcpu}`,
    );
    this.#checkVcpu(vcpu);
    check(this.#virqTo[vcpu][virq] === 0, XEN_EEXIST, `VIRQ ${virq} already bound on vcpu ${vcpu}`);
    const port = this.#getFreePort();
    const ch = this.#ports[port];
    ch.state = "virq";
    ch.notifyVcpu = vcpu;
    ch.virq = virq;
    this.#abi.init(ch);
    this.#virqTo[vcpu][virq] = port;
    return port;
  }

  /** EVTCHNOP_bind_ipi: a new port that notifies `vcpu` (ENOENT for no such vcpu). */
  bindIpi(vcpu: number): number {
    this.#checkVcpu(vcpu);
    const port = this.#getFreePort();
    const ch = this.#ports[port];
    ch.state = "ipi";
    ch.notifyVcpu = vcpu;
    this.#abi.init(ch);
    return port;
  }

  /**
   * EVTCHNOP_bind_vcpu: routes `port`'s events to `vcpu`. Only global VIRQs, unbound,
   * interdomain (and host) ports move; ENOENT for no such vcpu, EINVAL otherwise.
   */
  bindVcpu(port: number, vcpu: number): void {
    this.#checkVcpu(vcpu);
    const ch = this.#port(port);
    this.#notXen(port, "re-bound");
    const movable = ch.state === "unbound" || ch.state === "interdomain" || ch.state === "host" ||
      (ch.state === "virq" && virqIsGlobal(ch.virq));
    check(movable, XEN_EINVAL, `port ${port} (${ch.state}) cannot be moved to another vcpu`);
    ch.notifyVcpu = vcpu;
  }

  /**
   * EVTCHNOP_send: interdomain raises the peer's port, IPI raises this port, unbound drops the
   * event silently, host calls the in-hypervisor back end; EINVAL for anything else.
   */
  send(port: number): void {
    const ch = this.#port(port);
    this.#notXen(port, "sent on");
    switch (ch.state) {
      case "interdomain": {
        const rd = this.#peer(ch);
        const xen = rd.#xen.get(ch.remotePort);
        if (xen !== undefined) {
          xen.endpoint.send(ch.remotePort);
          return;
        }
        const rch = rd.#ports[ch.remotePort];
        rd.#setPending(rch.notifyVcpu, rch);
        return;
      }
      case "ipi":
        this.#setPending(ch.notifyVcpu, ch);
        return;
      case "unbound":
        return;
      case "host":
        this.#hosts.get(port)?.endpoint.send(port);
        return;
      default:
        throw new XenError(XEN_EINVAL, `port ${port} (${ch.state}) cannot send`);
    }
  }

  /**
   * EVTCHNOP_close: frees `port` (EINVAL when not valid or not bound). An interdomain peer becomes
   * unbound (offered to this domain again); a host back end is told.
   */
  close(port: number): void {
    const ch = this.#port(port);
    this.#notXen(port, "closed");
    this.#close(ch);
  }

  /**
   * EVTCHNOP_status of port `port` of domain `dom` (DOMID_SELF allowed). ESRCH for no such
   * domain, EINVAL for a port that is not valid, EPERM for another domain unless privileged.
   * A host port reads as interdomain to its nominal back-end domain, remote port 0.
   */
  status(dom: number, port: number): EvtchnStatusInfo {
    const d = this.#domain(dom);
    const ch = d.#port(port);
    check(!d.#xen.has(port), XEN_EACCES, `port ${port} of domain ${d.domid} is Xen's`);
    check(
      d === this || this.#privileged,
      XEN_EPERM,
      `domain ${this.domid} may not query ${d.domid}`,
    );
    const vcpu = ch.notifyVcpu;
    switch (ch.state) {
      case "free":
      case "reserved":
        return { status: EVTCHNSTAT_closed, vcpu };
      case "unbound":
        return { status: EVTCHNSTAT_unbound, vcpu, dom: ch.remoteDom };
      case "interdomain":
        return { status: EVTCHNSTAT_interdomain, vcpu, dom: ch.remoteDom, port: ch.remotePort };
      case "host":
        return { status: EVTCHNSTAT_interdomain, vcpu, dom: ch.remoteDom, port: 0 };
      case "virq":
        return { status: EVTCHNSTAT_virq, vcpu, virq: ch.virq };
      case "ipi":
        return { status: EVTCHNSTAT_ipi, vcpu };
    }
  }

  /** EVTCHNOP_unmask: unmasks `port`, re-raising it when pending (EINVAL when not valid). */
  unmask(port: number): void {
    const ch = this.#port(port);
    if (isBound(ch)) this.#abi.unmask(ch);
  }

  /**
   * EVTCHNOP_reset of domain `dom` (DOMID_SELF allowed): closes every port and returns to the
   * 2-level ABI. ESRCH for no such domain, EPERM for another domain unless privileged, EINVAL
   * for another domain even then (Xen requires it paused by its controller; hvlab's toolstack
   * path is resetPorts()).
   */
  reset(dom: number): void {
    const d = this.#domain(dom);
    check(
      d === this || this.#privileged,
      XEN_EPERM,
      `domain ${this.domid} may not reset ${d.domid}`,
    );
    check(d === this, XEN_EINVAL, `domain ${d.domid} is not paused for a reset`);
    this.resetPorts();
  }

  /**
   * EVTCHNOP_init_control: registers `vcpu`'s FIFO control block at guest frame `gfn` + `offset`,
   * switching the domain to the FIFO ABI on the first call; returns link_bits. ENOENT for no
   * such vcpu; EINVAL for an offset past the page or not 8-byte aligned, a frame that is not the
   * domain's memory, or a vcpu that already has a control block.
   */
  initControl(gfn: number | bigint, offset: number, vcpu: number): number {
    this.#checkVcpu(vcpu);
    check(
      Number.isInteger(offset) && offset >= 0 && offset <= FIFO_MAX_CONTROL_OFFSET,
      XEN_EINVAL,
      `control block offset ${offset} crosses the page`,
    );
    check(offset % 8 === 0, XEN_EINVAL, `control block offset ${offset} is not 8-byte aligned`);
    const current = this.#abi;
    if (current instanceof FifoAbi) {
      current.mapControlBlock(vcpu, gfn, offset);
      return EVTCHN_FIFO_LINK_BITS;
    }
    const fifo = new FifoAbi(this.#d, (p) => this.#valid(p) ? this.#ports[p] : undefined);
    fifo.mapControlBlock(vcpu, gfn, offset);
    this.#abi = fifo;
    // Ports pending under 2-level stay pending: they are raised once their event words exist.
    const prev = Math.min(current.maxPorts, this.#ports.length);
    for (let port = 1; port < prev; port++) {
      const ch = this.#ports[port];
      if (current.isPending(ch)) ch.pending = true;
      ch.priority = EVTCHN_FIFO_PRIORITY_DEFAULT;
    }
    return EVTCHN_FIFO_LINK_BITS;
  }

  /**
   * EVTCHNOP_expand_array: adds the event-array page at guest frame `gfn`. EOPNOTSUPP before
   * init_control, ENOSPC when all ports are covered, EINVAL for a frame that is not memory.
   */
  expandArray(gfn: number | bigint): void {
    const fifo = this.#abi;
    check(
      fifo instanceof FifoAbi,
      XEN_EOPNOTSUPP,
      "expand_array needs the FIFO ABI (init_control first)",
    );
    fifo.addArrayPage(gfn);
  }

  /**
   * EVTCHNOP_set_priority: EINVAL for a port that is not valid or a priority above 15, ENOSYS
   * under the 2-level ABI, EACCES for a port that is not bound.
   */
  setPriority(port: number, priority: number): void {
    const ch = this.#port(port);
    check(this.#abi.kind === "fifo", XEN_ENOSYS, "the 2-level ABI has no priorities");
    check(isBound(ch), XEN_EACCES, `port ${port} is not bound`);
    this.#abi.setPriority(ch, priority);
  }

  // ---- The hypervisor's side ----

  /**
   * Raises `virq`: a per-vcpu VIRQ on `vcpu`, a global one wherever its port is routed (`vcpu` is
   * ignored). False when the guest has not bound it (or no such VIRQ/vcpu).
   */
  sendVirq(virq: number, vcpu = 0): boolean {
    const port = this.virqPort(virq, vcpu);
    if (port === 0) return false;
    const ch = this.#ports[port];
    this.#setPending(virqIsGlobal(virq) ? ch.notifyVcpu : vcpu, ch);
    return true;
  }

  /** The port bound to `virq` (on `vcpu` for per-vcpu VIRQs), 0 when none. */
  virqPort(virq: number, vcpu = 0): number {
    if (!isVirq(virq)) return 0;
    const v = virqIsGlobal(virq) ? 0 : vcpu;
    if (!Number.isInteger(v) || v < 0 || v >= this.#d.vcpuCount) return 0;
    return this.#virqTo[v][virq];
  }

  /**
   * Opens a host channel: a new port of this domain, notifying `vcpu`, whose other end is the
   * in-hypervisor back end `endpoint`. The guest sees an interdomain port to `remoteDom` (the
   * domain the back end stands for, e.g. 0 for xenstored). `kind` names the back end for
   * snapshots (e.g. "console", "xenstore"): save() records it and restore() hands it to its
   * resolver; a table holding a host port bound without one cannot be saved. ENOSPC when the
   * table is full, ENOENT for no such vcpu.
   */
  bindHost(remoteDom: number, vcpu: number, endpoint: HostEndpoint, kind?: string): number {
    this.#checkVcpu(vcpu);
    const port = this.#getFreePort();
    const ch = this.#ports[port];
    ch.state = "host";
    ch.remoteDom = remoteDom;
    ch.notifyVcpu = vcpu;
    this.#abi.init(ch);
    this.#hosts.set(port, { endpoint, kind });
    return port;
  }

  /** Raises host port `port` in the guest; false (nothing done) when it is not a host port. */
  notifyHost(port: number): boolean {
    if (!this.#valid(port) || this.#ports[port].state !== "host") return false;
    const ch = this.#ports[port];
    this.#setPending(ch.notifyVcpu, ch);
    return true;
  }

  /** Closes host port `port` from the back end's side (no `closed` callback); false if none. */
  closeHost(port: number): boolean {
    if (!this.#valid(port) || this.#ports[port].state !== "host") return false;
    this.#hosts.delete(port);
    this.#free(this.#ports[port]);
    return true;
  }

  /**
   * Closes every port but Xen-attached ones (host back ends are told) and returns to the 2-level
   * ABI, as Xen's evtchn_reset, whose guest-side close leaves Xen's ports alone.
   */
  resetPorts(): void {
    this.#closeAll(false);
    if (this.#abi.kind === "fifo") this.#abi = new TwoLevelAbi(this.#d);
  }

  /** Domain destruction: closes every port, Xen's too, refuses new ones and leaves the hub. */
  destroy(): void {
    this.#dying = true;
    this.#closeAll(true);
    if (this.#abi.kind === "fifo") this.#abi = new TwoLevelAbi(this.#d);
    this.#hub.remove(this.domid);
  }

  /**
   * Xen's alloc_unbound_xen_event_channel: a new unbound port of this domain, notifying `vcpu`,
   * that domain `remoteDom` may bind to; its events go to `endpoint` instead of the guest, and
   * the guest can neither send on it, close it, move it nor query it. `kind` names the endpoint
   * for snapshots as for bindHost. ENOSPC when the table is full, ENOENT for no such vcpu.
   */
  allocUnboundXen(vcpu: number, remoteDom: number, endpoint: HostEndpoint, kind: string): number {
    this.#checkVcpu(vcpu);
    check(isDomid(remoteDom), XEN_EINVAL, `remote domain ${remoteDom} is not a domid`);
    const port = this.#getFreePort();
    const ch = this.#ports[port];
    ch.state = "unbound";
    ch.notifyVcpu = vcpu;
    ch.remoteDom = remoteDom;
    this.#abi.init(ch);
    this.#xen.set(port, { endpoint, kind });
    return port;
  }

  /**
   * Xen's notify_via_xen_event_channel: raises the peer of Xen-attached port `port` when it is
   * bound; nothing while unbound. False when `port` is not Xen-attached.
   */
  notifyViaXen(port: number): boolean {
    if (!this.#xen.has(port)) return false;
    const ch = this.#ports[port];
    if (ch.state !== "interdomain") return true;
    const rd = this.#peer(ch);
    rd.#setPending(rd.#ports[ch.remotePort].notifyVcpu, rd.#ports[ch.remotePort]);
    return true;
  }

  /** Xen's free_xen_event_channel: closes Xen-attached port `port` (a bound peer is unbound). */
  freeXen(port: number): boolean {
    if (!this.#xen.has(port)) return false;
    this.#xen.delete(port);
    this.#close(this.#ports[port]);
    return true;
  }

  /** True when `port` is Xen-attached (allocUnboundXen). */
  isXenPort(port: number): boolean {
    return this.#xen.has(port);
  }

  // ---- Snapshots ----

  /**
   * The table as plain data. Throws when a host port was bound without a kind (its back end
   * could not be found again on restore).
   */
  save(): EventChannelsState {
    const hosts = [...this.#hosts].sort((a, b) => a[0] - b[0]).map(([port, h]) => {
      if (h.kind === undefined) {
        throw new Error(
          `evtchn of domain ${this.domid}: host port ${port} was bound without a kind`,
        );
      }
      return { port, kind: h.kind };
    });
    const xen = [...this.#xen].sort((a, b) => a[0] - b[0]).map(([port, h]) => ({
      port,
      kind: h.kind!,
    }));
    return {
      domid: this.domid,
      maxPort: this.#maxPort,
      privileged: this.#privileged,
      dying: this.#dying,
      ports: this.#ports.map((ch) => ({ ...ch })),
      hosts,
      xen,
      abi: this.#abi.kind,
      fifo: this.#abi instanceof FifoAbi ? this.#abi.save() : null,
    };
  }

  /**
   * Replaces the table with `state` (from save(), possibly of another process). The FIFO pages
   * are looked up again through the domain's p2m, so restore the p2m first; guest memory holds
   * the pending and mask bits. `resolveHost(kind, port)` supplies each host port's back end.
   * Nothing touches guest memory or calls an endpoint. Throws StateError naming the bad field
   * (or what the resolver threw) and then leaves the table unchanged. Interdomain peers are
   * other domains' tables: restore every domain of the hub from one snapshot.
   */
  restore(state: EventChannelsState, resolveHost: HostEndpointResolver): void {
    const { state: s, virqTo } = checkEventChannelsState(state, this.domid, this.#d.vcpuCount);
    const ports = s.ports.map((ch) => ({ ...ch }));
    const abi = s.fifo === null
      ? new TwoLevelAbi(this.#d)
      : FifoAbi.fromState(this.#d, (p) => this.#valid(p) ? this.#ports[p] : undefined, s.fifo);
    const hosts = new Map<number, HostBinding>();
    for (const { port, kind } of s.hosts) {
      const endpoint = resolveHost(kind, port);
      if (typeof endpoint?.send !== "function") {
        throw new StateError(`evtchn.hosts: no endpoint for kind ${kind} (port ${port})`);
      }
      hosts.set(port, { endpoint, kind });
    }
    const xen = new Map<number, HostBinding>();
    for (const { port, kind } of s.xen ?? []) {
      const endpoint = resolveHost(kind, port);
      if (typeof endpoint?.send !== "function") {
        throw new StateError(`evtchn.xen: no endpoint for kind ${kind} (port ${port})`);
      }
      xen.set(port, { endpoint, kind });
    }
    this.#maxPort = s.maxPort;
    this.#privileged = s.privileged;
    this.#dying = s.dying;
    this.#ports = ports;
    this.#virqTo = virqTo;
    this.#hosts = hosts;
    this.#xen = xen;
    this.#abi = abi;
  }

  // ---- internals ----

  #valid(port: number): boolean {
    return Number.isInteger(port) && port >= 0 && port < this.#ports.length;
  }

  /** Port `port`, or EINVAL when the number is not valid. */
  #port(port: number): Channel {
    check(this.#valid(port), XEN_EINVAL, `port ${port} is not valid in domain ${this.domid}`);
    return this.#ports[port];
  }

  #checkVcpu(vcpu: number): void {
    check(
      Number.isInteger(vcpu) && vcpu >= 0 && vcpu < this.#d.vcpuCount,
      XEN_ENOENT,
      `vcpu ${vcpu} does not exist in domain ${this.domid}`,
    );
  }

  /** Domain `dom` (DOMID_SELF is this one), or ESRCH. */
  #domain(dom: number): EventChannels {
    if (dom === DOMID_SELF || dom === this.domid) return this;
    const d = isDomid(dom) ? this.#hub.get(dom) : undefined;
    if (d === undefined) throw new XenError(XEN_ESRCH, `domain ${dom} does not exist`);
    return d;
  }

  /** The table of an interdomain port's peer (closing or destroying keeps both ends in step). */
  #peer(ch: Channel): EventChannels {
    const rd = this.#hub.get(ch.remoteDom);
    if (rd === undefined) throw new Error(`port ${ch.port}: peer domain ${ch.remoteDom} is gone`);
    return rd;
  }

  /** EINVAL when `port` is Xen-attached: the guest may not touch it (`what`: what it tried). */
  #notXen(port: number, what: string): void {
    check(!this.#xen.has(port), XEN_EINVAL, `port ${port} is Xen's and cannot be ${what}`);
  }

  /** Closes every bound port; Xen-attached ones only with `xen` (domain destruction). */
  #closeAll(xen: boolean): void {
    for (let port = 1; port < this.#ports.length; port++) {
      if (!isBound(this.#ports[port])) continue;
      if (this.#xen.has(port)) {
        if (xen) this.freeXen(port);
        continue;
      }
      this.#close(this.#ports[port]);
    }
  }

  /** Xen's get_free_port: the lowest free, non-busy port, growing the table; ENOSPC when full. */
  #getFreePort(): number {
    check(!this.#dying, XEN_EINVAL, `domain ${this.domid} is dying`);
    const limit = Math.min(this.#maxPort, this.#abi.maxPorts - 1);
    for (let port = 0; port <= limit; port++) {
      if (port >= this.#ports.length) {
        while (this.#ports.length <= port) {
          const base = this.#ports.length;
          for (let i = 0; i < EVTCHNS_PER_BUCKET; i++) this.#ports.push(freeChannel(base + i));
        }
        return port;
      }
      const ch = this.#ports[port];
      if (ch.state === "free" && !this.#abi.isBusy(ch)) return port;
    }
    throw new XenError(XEN_ENOSPC, `domain ${this.domid} has no free port up to ${hex(limit)}`);
  }

  #setPending(vcpu: number, ch: Channel): void {
    if (isBound(ch)) this.#abi.setPending(vcpu, ch);
  }

  /** Xen's evtchn_close for a bound or unbound port (EINVAL for free and reserved ones). */
  #close(ch: Channel): void {
    switch (ch.state) {
      case "free":
      case "reserved":
        throw new XenError(XEN_EINVAL, `port ${ch.port} is not in use`);
      case "virq":
        this.#virqTo[virqIsGlobal(ch.virq) ? 0 : ch.notifyVcpu][ch.virq] = 0;
        break;
      case "interdomain": {
        const rd = this.#peer(ch);
        const rch = rd.#ports[ch.remotePort];
        this.#free(ch);
        rch.state = "unbound";
        rch.remoteDom = this.domid;
        return;
      }
      case "host": {
        const endpoint = this.#hosts.get(ch.port)?.endpoint;
        this.#hosts.delete(ch.port);
        this.#free(ch);
        endpoint?.closed?.(ch.port);
        return;
      }
      case "unbound":
      case "ipi":
        break;
    }
    this.#free(ch);
  }

  /** Xen's evtchn_free: clears the pending bit and returns the port to the free pool on vcpu 0. */
  #free(ch: Channel): void {
    if (isBound(ch)) this.#abi.clearPending(ch);
    ch.state = "free";
    ch.notifyVcpu = 0;
    ch.pending = false;
  }
}

function isDomid(dom: number): boolean {
  return Number.isInteger(dom) && dom >= 0 && dom <= 0xffff;
}
