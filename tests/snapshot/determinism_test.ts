/**
 * Snapshot determinism: Debian's Linux boots as a domU to mid-boot, the whole machine is saved to
 * a snapshot file, the run continues for many chunks of virtual time (trace A), and a fresh
 * process restores the file and runs the same chunks (trace B): the trace hashes — every vcpu's
 * registers at every chunk boundary — and the consoles must be identical. Also: a corrupted or
 * truncated snapshot is refused and the live machine keeps running unharmed.
 */
import assert from "node:assert/strict";
import { Hypervisor } from "../../core/hyp/hypervisor.ts";
import { buildLinuxDomu } from "../../tools/linux/linux_domu.ts";
import {
  forkMachine,
  type MachineSnapshot,
  restoreMachine,
  restoreSnapshotFile,
  saveMachine,
  snapshotFile,
} from "../../core/hyp/machine_snapshot.ts";
import {
  decodeSnapshot,
  encodeSnapshot,
  SnapshotError,
} from "../../core/snapshot/snapshot_file.ts";
import { hypLab } from "../../tools/lab/hyp_lab.ts";
import { decompressImage, findLinuxFiles } from "../../tools/linux/guest_files.ts";
import { buildDomuInitramfs } from "../../tools/linux/domu_workload.ts";
import { traceRun } from "../../tools/snapshot/trace_hash.ts";

/** A raw guest that counts in x0 forever: something to snapshot without Linux. */
const TICKER = new Uint8Array(new Uint32Array([0x91000400, 0x17ffffff]).buffer);

const files = findLinuxFiles();
const CHUNKS = 40, CHUNK = 2_500_000;

async function linuxDomu(): Promise<Hypervisor> {
  const image = await decompressImage(Deno.readFileSync(files!.vmlinuz));
  const initrd = buildDomuInitramfs(Deno.readFileSync(files!.busybox));
  const hv = new Hypervisor({ pcpus: 2 });
  await buildLinuxDomu(hv, { image, initrd }, { vcpus: 2, maxvcpus: 2 });
  return hv;
}

Deno.test({
  name: "snapshot: a Linux domU restored in a fresh process continues exactly as the original",
  ignore: !files,
  fn: async () => {
    const hv = await linuxDomu();
    // Mid-boot: past the Xen setup (event channels, xenstore), before /init.
    hv.run({ maxCycles: 250_000_000 });
    const file = encodeSnapshot({ creator: "hvlab", cycles: hv.cycles }, {
      machine: saveMachine(hv),
    });
    const fork = forkMachine(hv);
    const path = await Deno.makeTempFile({ suffix: ".hvsnap" });
    await Deno.writeFile(path, file);
    try {
      const a = traceRun(hv, CHUNKS, CHUNK);
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "scripts/snapshot_continue.ts", path, String(CHUNKS), String(CHUNK)],
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
      const b = JSON.parse(new TextDecoder().decode(out.stdout));
      assert.deepEqual(b.consoles, a.consoles);
      assert.equal(b.hash, a.hash);
      // In-process restore (copying the state) and a fork taken at the start give the same too.
      const c = traceRun(
        restoreMachine(decodeSnapshot(file).components.machine as MachineSnapshot),
        CHUNKS,
        CHUNK,
      );
      assert.equal(c.hash, a.hash);
      assert.equal(traceRun(fork, CHUNKS, CHUNK).hash, a.hash);
    } finally {
      await Deno.remove(path);
    }
  },
});

Deno.test("snapshot: truncated or corrupted files are refused and the live machine is unharmed", () => {
  const { hv } = hypLab({ kernel: TICKER });
  hv.run({ maxCycles: 2_000_000 });
  const file = snapshotFile(hv);
  const reference = traceRun(forkMachine(hv), 10, 500_000).hash;
  const flipped = file.slice();
  flipped[flipped.length >> 1] ^= 1;
  for (const bad of [file.subarray(0, file.length - 7), flipped, file.subarray(0, 40)]) {
    assert.throws(() => restoreSnapshotFile(bad), SnapshotError);
  }
  // A well-formed file whose machine record is wrong is refused too, naming what is wrong.
  const junk = encodeSnapshot({ creator: "x", cycles: 0 }, { machine: { domains: [{}] } });
  assert.throws(() => restoreSnapshotFile(junk), /snapshot: /);
  assert.equal(traceRun(hv, 10, 500_000).hash, reference, "the live machine is unharmed");
});

Deno.test("snapshot: a restored machine can be saved and forked again", () => {
  const { hv } = hypLab({ kernel: TICKER });
  hv.run({ maxCycles: 1_000_000 });
  const restored = restoreSnapshotFile(snapshotFile(hv));
  const again = restoreSnapshotFile(snapshotFile(restored));
  const fork = forkMachine(restored);
  const ref = traceRun(forkMachine(hv), 5, 200_000).hash;
  assert.equal(traceRun(again, 5, 200_000).hash, ref);
  assert.equal(traceRun(fork, 5, 200_000).hash, ref);
});
