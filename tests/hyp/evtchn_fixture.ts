/**
 * Test domains for the event-channel tests: real guest memory (PhysMemory, MachineFrames, P2m,
 * GuestPhys), a shared_info frame mapped like Xen's, vcpu_info registration and a record of the
 * upcalls raised.
 */
import { PhysMemory } from "../../core/mem/phys_memory.ts";
import { abiField } from "../../core/hyp/abi/layout.ts";
import { shared_info, vcpu_info } from "../../core/hyp/abi/shared_info.ts";
import { type EvtchnDomain, type VcpuInfoRef } from "../../core/hyp/evtchn/evtchn_domain.ts";
import { EventChannels, type EventChannelsOptions } from "../../core/hyp/evtchn/event_channels.ts";
import { EvtchnHub } from "../../core/hyp/evtchn/hub.ts";
import { GuestPhys } from "../../core/hyp/guest_phys.ts";
import { MachineFrames } from "../../core/hyp/machine_frames.ts";
import { XenError } from "../../core/hyp/xen_error.ts";
import { P2m, P2M_RO, P2M_RWX, P2M_TYPE } from "../../core/hyp/p2m.ts";

/** Guest RAM starts at this frame (0x4000_0000). */
export const RAM_GFN = 0x40000;
/** Frames of guest RAM per test domain. */
export const RAM_PAGES = 64;
/** Where the shared_info frame is mapped (outside RAM, like XENMAPSPACE_shared_info). */
export const SHINFO_GFN = 0x38000;
/** A read-only RAM frame. */
export const RO_GFN = 0x39000;
/** An MMIO frame. */
export const MMIO_GFN = 0x3a000;

const PENDING = abiField(shared_info, "evtchn_pending").offset;
const MASK = abiField(shared_info, "evtchn_mask").offset;
const SEL = abiField(vcpu_info, "evtchn_pending_sel").offset;
const UPCALL = abiField(vcpu_info, "evtchn_upcall_pending").offset;

/** One test domain. */
export class TestDomain implements EvtchnDomain {
  readonly id: number;
  readonly phys: GuestPhys;
  readonly vcpuCount: number;
  /** vcpu numbers, in the order raiseUpcall was called. */
  readonly upcalls: number[] = [];
  readonly #shinfo: DataView;
  readonly #registered = new Map<number, VcpuInfoRef>();

  constructor(id: number, vcpuCount: number, mem: PhysMemory, frames: MachineFrames) {
    this.id = id;
    this.vcpuCount = vcpuCount;
    const p2m = new P2m(id);
    p2m.map(RAM_GFN, frames.allocRange(RAM_PAGES), RAM_PAGES, P2M_RWX, P2M_TYPE.ram);
    const si = frames.alloc();
    p2m.map(SHINFO_GFN, si, 1, P2M_RWX, P2M_TYPE.xen);
    p2m.map(RO_GFN, frames.alloc(), 1, P2M_RO, P2M_TYPE.ram);
    p2m.map(MMIO_GFN, 0x0800_0, 1, P2M_RWX, P2M_TYPE.mmio);
    this.phys = new GuestPhys(p2m, mem);
    this.#shinfo = mem.page(si)!;
  }

  sharedInfo(): DataView {
    return this.#shinfo;
  }

  vcpuInfo(vcpu: number): VcpuInfoRef | null {
    const r = this.#registered.get(vcpu);
    if (r !== undefined) return r;
    return vcpu === 0 ? { page: this.#shinfo, offset: 0 } : null;
  }

  raiseUpcall(vcpu: number): void {
    this.upcalls.push(vcpu);
  }

  /** Registers `vcpu`'s vcpu_info in guest RAM page `pageIndex` at `offset`. */
  register(vcpu: number, pageIndex: number, offset: number): void {
    this.#registered.set(vcpu, { page: this.phys.page(RAM_GFN + pageIndex, true), offset });
  }

  /** shared_info.evtchn_pending bit of `port`. */
  pendingBit(port: number): boolean {
    return bit(this.#shinfo, PENDING, port);
  }

  /** shared_info.evtchn_mask bit of `port`. */
  maskBit(port: number): boolean {
    return bit(this.#shinfo, MASK, port);
  }

  /** Sets or clears the guest's mask bit of `port` (as the guest would). */
  setMask(port: number, on: boolean): void {
    setBit(this.#shinfo, MASK, port, on);
  }

  /** Clears the pending bit of `port` (as the guest's handler would). */
  clearPending(port: number): void {
    setBit(this.#shinfo, PENDING, port, false);
  }

  /** evtchn_pending_sel of `vcpu` (0n when it has no vcpu_info). */
  sel(vcpu: number): bigint {
    const vi = this.vcpuInfo(vcpu);
    return vi === null ? 0n : vi.page.getBigUint64(vi.offset + SEL, true);
  }

  /** evtchn_upcall_pending of `vcpu`. */
  upcallPending(vcpu: number): number {
    const vi = this.vcpuInfo(vcpu);
    return vi === null ? 0 : vi.page.getUint8(vi.offset + UPCALL);
  }

  /** What the guest's upcall handler does first: clear upcall_pending and the selector. */
  ack(vcpu: number): void {
    const vi = this.vcpuInfo(vcpu)!;
    vi.page.setUint8(vi.offset + UPCALL, 0);
    vi.page.setBigUint64(vi.offset + SEL, 0n, true);
  }
}

function bit(dv: DataView, base: number, n: number): boolean {
  return (dv.getUint8(base + (n >> 3)) >> (n & 7) & 1) === 1;
}

function setBit(dv: DataView, base: number, n: number, on: boolean): void {
  const at = base + (n >> 3), m = 1 << (n & 7);
  dv.setUint8(at, on ? dv.getUint8(at) | m : dv.getUint8(at) & ~m);
}

/** A machine with a hub and `n` domains (ids 1..n, 2 vcpus each unless given). */
export function makeWorld(
  n = 2,
  vcpus = 2,
  options: EventChannelsOptions = {},
): { hub: EvtchnHub; doms: TestDomain[]; ecs: EventChannels[]; mem: PhysMemory } {
  const mem = new PhysMemory();
  mem.addRam("m", 0x4000_0000, 16 << 20);
  const frames = new MachineFrames(mem, 0x4000_0000, 16 << 20);
  const hub = new EvtchnHub();
  const doms: TestDomain[] = [], ecs: EventChannels[] = [];
  for (let i = 1; i <= n; i++) {
    const d = new TestDomain(i, vcpus, mem, frames);
    doms.push(d);
    ecs.push(new EventChannels(d, hub, options));
  }
  return { hub, doms, ecs, mem };
}

/** Asserts that `fn` throws XenError with `errno`. */
export function throwsXen(fn: () => unknown, errno: number): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof XenError)) throw new Error(`expected XenError ${errno}, got ${e}`);
    if (e.errno !== errno) throw new Error(`expected errno ${errno}, got ${e.message}`);
    return;
  }
  throw new Error(`expected XenError ${errno}, nothing thrown`);
}
