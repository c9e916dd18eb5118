/**
 * A stub domain is privileged over exactly one domain. The real C stub domain serves domain A;
 * from its vcpu (tools/lab `call()` runs the real dispatcher as its hvc would) every attempt on
 * another domain B fails as on Xen 4.17 — dm_op and XENMEM_acquire_resource with -EPERM (XSM_DM_PRIV
 * names only d->target), foreign page mappings and other-domain ops with -EPERM, a grant B gave
 * someone else with GNTST_general_error (Xen's _set_status: "Bad flags or dom"), a port B offered someone else with -EINVAL (Xen's
 * bind_interdomain only binds ports offered to the caller) — and the hypervisor-console and
 * remote-shutdown privileges are refused. The same calls on A, or from the control domain, get
 * past the check: the refusals are about who calls, not a broken call.
 */
import assert from "node:assert/strict";
import * as D from "../../core/hyp/abi/dm_op.ts";
import { CONSOLEIO_read } from "../../core/hyp/abi/console.ts";
import { XEN_EINVAL, XEN_EPERM } from "../../core/hyp/abi/errno.ts";
import * as E from "../../core/hyp/abi/event_channel.ts";
import * as G from "../../core/hyp/abi/grant_table.ts";
import * as H from "../../core/hyp/abi/hvm.ts";
import {
  __HYPERVISOR_console_io,
  __HYPERVISOR_event_channel_op,
  __HYPERVISOR_grant_table_op,
  __HYPERVISOR_hvm_op,
  __HYPERVISOR_memory_op,
  __HYPERVISOR_sched_op,
} from "../../core/hyp/abi/hypercalls.ts";
import * as M from "../../core/hyp/abi/memory.ts";
import * as S from "../../core/hyp/abi/sched.ts";
import { spawnStubdom } from "../../core/hyp/builder/stubdom.ts";
import { compileGuest, STUBDOM_PL011 } from "../../scripts/build_guests.ts";
import { call, getField, haveCrossGcc, putStruct, rc } from "../../tools/lab/hyp_lab.ts";
import {
  acquire,
  ARGS,
  bindInterdomain,
  createServer,
  dmOp,
  IOREQ_GFN,
  ioreqLab,
  mapRange,
} from "./ioreq_fixture.ts";

Deno.test({
  name: "stubdom: privileged over its target only — another domain's ioreq, pages, grants, ports",
  ignore: !haveCrossGcc(),
  fn: async () => {
    const kernel = await Deno.readFile(await compileGuest(STUBDOM_PL011));
    const { hv, v0, domUs: [a, b] } = ioreqLab(2);
    const stub = spawnStubdom(hv, { target: a, kernel }).domain;
    const sv = stub.vcpus[0];
    // B has an ioreq server of the control domain's (its ports offered to dom0, not the stub).
    const [crc, bServer] = createServer(hv, v0, b.id);
    assert.equal(crc, 0);

    // dm_op: the target yes, B no.
    assert.equal(dmOp(hv, sv, a.id, D.XEN_DMOP_nr_vcpus, D.xen_dm_op_nr_vcpus).rc, 0);
    assert.equal(dmOp(hv, sv, b.id, D.XEN_DMOP_nr_vcpus, D.xen_dm_op_nr_vcpus).rc, -XEN_EPERM);
    assert.equal(createServer(hv, sv, b.id)[0], -XEN_EPERM);
    assert.equal(mapRange(hv, sv, b.id, bServer, 0x1000_0000n, 0x1000_0fffn), -XEN_EPERM);
    const irq = { irq: 32, level: 1 };
    assert.equal(
      dmOp(hv, sv, b.id, D.XEN_DMOP_set_irq_level, D.xen_dm_op_set_irq_level, irq).rc,
      -XEN_EPERM,
    );
    assert.equal(b.ioreq.servers.filter((s) => s !== null).length, 1, "nothing created in B");

    // XENMEM_acquire_resource of B's server: refused; the control domain may.
    assert.equal(acquire(hv, sv, b.id, bServer, 1, [IOREQ_GFN + 8])[0], -XEN_EPERM);
    assert.equal(stub.p2m.get(IOREQ_GFN + 8), undefined, "nothing mapped in the stub domain");
    assert.equal(acquire(hv, v0, b.id, bServer, 1, [IOREQ_GFN])[0], 0);

    // Binding a port B offered to the control domain: not offered to the stub domain.
    const bPort = b.ioreq.servers[bServer]!.vcpuPorts[0];
    assert.equal(bindInterdomain(hv, sv, b.id, bPort)[0], -XEN_EINVAL);
    // Nor may it make B offer one (alloc_unbound names another domain).
    putStruct(sv, ARGS, E.evtchn_alloc_unbound, { dom: b.id, remote_dom: stub.id });
    const alloc = call(hv, sv, __HYPERVISOR_event_channel_op, E.EVTCHNOP_alloc_unbound, ARGS);
    assert.equal(rc(alloc), -XEN_EPERM);

    /** GNTTABOP_map_grant_ref of B's `ref` at IOREQ_GFN + 9 by the stub domain: its status. */
    const mapGrant = (ref: number) => {
      putStruct(sv, ARGS, G.gnttab_map_grant_ref, {
        host_addr: BigInt(IOREQ_GFN + 9) << 12n,
        flags: G.GNTMAP_host_map,
        ref,
        dom: b.id,
      });
      assert.equal(
        rc(call(hv, sv, __HYPERVISOR_grant_table_op, G.GNTTABOP_map_grant_ref, ARGS, 1)),
        0,
      );
      return getField(sv, ARGS, G.gnttab_map_grant_ref, "status");
    };
    // B's grant ref 0 (its console page, granted to the back end): the entry's domid is not ours.
    assert.equal(mapGrant(0), G.GNTST_general_error);
    assert.equal(stub.p2m.get(IOREQ_GFN + 9), undefined);
    // A page B does grant the stub domain maps (grants are the granter's consent, as on Xen).
    b.grants.setEntry(5, G.GTF_permit_access, stub.id, 0x4_0010);
    assert.equal(mapGrant(5), G.GNTST_okay);

    // Foreign pages (add_to_physmap_batch, XENMAPSPACE_gmfn_foreign) and B's HVM params.
    putStruct(sv, ARGS, M.xen_add_to_physmap_batch, {
      domid: stub.id,
      space: M.XENMAPSPACE_gmfn_foreign,
      size: 1,
      "u.foreign_domid": b.id,
    });
    const batch = call(hv, sv, __HYPERVISOR_memory_op, M.XENMEM_add_to_physmap_batch, ARGS);
    assert.equal(rc(batch), -XEN_EPERM);
    putStruct(sv, ARGS, H.xen_hvm_param, { domid: b.id, index: H.HVM_PARAM_CONSOLE_PFN });
    assert.equal(rc(call(hv, sv, __HYPERVISOR_hvm_op, H.HVMOP_get_param, ARGS)), -XEN_EPERM);

    // Privileges of the control domain: shutting B down, reading the hypervisor console.
    putStruct(sv, ARGS, S.sched_remote_shutdown, { domain_id: b.id, reason: 0 });
    const shut = call(hv, sv, __HYPERVISOR_sched_op, S.SCHEDOP_remote_shutdown, ARGS);
    assert.equal(rc(shut), -XEN_EPERM);
    assert.ok(b.alive);
    assert.equal(rc(call(hv, sv, __HYPERVISOR_console_io, CONSOLEIO_read, 16, ARGS)), -XEN_EPERM);
    assert.ok(stub.alive && !stub.privileged, "the stub domain is an ordinary domain");
  },
});
