/**
 * XENMEM_acquire_resource (memory_op 28) as Xen 4.17 does it for an auto-translated caller (every
 * ARM guest): the caller names a resource of another domain and passes the gfns of its own
 * physmap where the resource's frames go; Xen maps them there as foreign read-write pages
 * (set_foreign_p2m_entry). A null frame_list asks for the resource's size instead. hvlab has the
 * ioreq-server resource; grant-table and vmtrace resources answer -EOPNOTSUPP (logged).
 */
import { XEN_EINVAL, XEN_EIO, XEN_EOPNOTSUPP } from "../abi/errno.ts";
import { ioreq } from "../abi/dm_op.ts";
import { XEN_PAGE_SIZE } from "../abi/hypercalls.ts";
import { xen_mem_acquire_resource, XENMEM_resource_ioreq_server } from "../abi/memory.ts";
import { abiField, readAbiField } from "../abi/layout.ts";
import type { Domain } from "../domain.ts";
import { P2M_RW, P2M_TYPE } from "../p2m.ts";
import { hex, XenError } from "../xen_error.ts";
import { remoteDomain } from "./remote_domain.ts";
import type { HypercallContext } from "./table.ts";

/** Guest frames stay below the 40-bit IPA space hvlab gives a domain (as memory_op's). */
const MAX_GFN = 2 ** 28;
/** Frames acquired per batch (Xen's on-stack mfn_list[32]). */
const BATCH = 32;
/** MEMOP_EXTENT_SHIFT: nr_frames must fit what a continuation can encode. */
const MAX_NR_FRAMES = 0xffff_ffff >>> 6;

const F = (n: string) => abiField(xen_mem_acquire_resource, n);

/** ioreq_server_max_frames: the buffered page plus one page per 128 vcpus. */
function ioreqMaxFrames(d: Domain): number {
  return 1 + Math.ceil((d.vcpus.length * ioreq.size) / XEN_PAGE_SIZE);
}

/** Runs XENMEM_acquire_resource with the xen_mem_acquire_resource at guest address `va`. */
export function acquireResource(c: HypercallContext, va: bigint): number {
  const dv = c.guest.readStruct(va, xen_mem_acquire_resource.size);
  const get = (n: string) => readAbiField(dv, 0, F(n));
  const type = get("type") as number, id = get("id") as number;
  const nrFrames = get("nr_frames") as number, frame = get("frame") as bigint;
  const list = get("frame_list") as bigint;
  if (get("pad") !== 0) throw new XenError(XEN_EINVAL, `pad ${get("pad")}`);
  if (frame >> 32n || (frame + BigInt(nrFrames)) >> 32n) {
    throw new XenError(XEN_EINVAL, `frames ${hex(frame)} + ${nrFrames} beyond 32 bits`);
  }
  const d = remoteDomain(c, get("domid") as number);
  if (type !== XENMEM_resource_ioreq_server) {
    c.hv.log(c.domain, "unimplemented", `acquire_resource type ${type}`);
    throw new XenError(XEN_EOPNOTSUPP, `resource type ${type} is not implemented`);
  }
  const max = ioreqMaxFrames(d);
  if (list === 0n) {
    if (nrFrames !== 0) throw new XenError(XEN_EINVAL, `${nrFrames} frames with no frame list`);
    dv.setUint32(F("nr_frames").offset, max, true);
    c.guest.write(va + BigInt(F("nr_frames").offset), new Uint8Array(dv.buffer, 8, 4));
    return 0;
  }
  if (nrFrames === 0 || nrFrames > MAX_NR_FRAMES) {
    throw new XenError(XEN_EINVAL, `nr_frames ${nrFrames}`);
  }
  // acquire_ioreq_server: the id is an ioservid_t.
  if (id > 0xffff) throw new XenError(XEN_EINVAL, `ioreq server id ${id}`);
  for (let done = 0; done < nrFrames;) {
    const todo = Math.min(BATCH, nrFrames - done);
    const mfns: number[] = [];
    for (let i = 0; i < todo; i++) {
      mfns.push(d.ioreq.getFrame(id, c.domain.id, Number(frame) + done + i, c.hv.frames));
    }
    const gdv = c.guest.readStruct(list + BigInt(8 * done), 8 * todo);
    for (let i = 0; i < todo; i++) {
      const gfn = gdv.getBigUint64(8 * i, true);
      if (gfn >= BigInt(MAX_GFN)) {
        // Xen reports a failure after the first frame as -EIO (some frames are mapped).
        throw new XenError(i ? XEN_EIO : XEN_EINVAL, `gfn ${hex(gfn)} beyond guest space`);
      }
      c.domain.p2m.map(Number(gfn), mfns[i], 1, P2M_RW, P2M_TYPE.foreign);
    }
    done += todo;
  }
  return 0;
}
