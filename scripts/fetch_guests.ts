/**
 * `deno task fetch:guests`: fetches Debian bookworm's `linux-image-arm64:arm64` (its current
 * 6.1 kernel package) and `busybox-static:arm64` with apt-get into the cache directory
 * (HVLAB_LINUX_DIR, default guests/build/linux), unpacks them, and builds hvlab's own guest
 * files there: the decompressed arm64 Image and the busybox initramfs of the domU workload.
 * Needs arm64 multiarch (`dpkg --add-architecture arm64 && apt-get update`, as .ci/run does).
 * Does nothing for packages already unpacked.
 */
import {
  decompressImage,
  FETCH_COMMANDS,
  findLinuxFiles,
  LINUX_DIR,
} from "../tools/linux/guest_files.ts";
import { buildDomuInitramfs } from "../tools/linux/domu_workload.ts";

if (findLinuxFiles() === undefined) {
  const cmd = FETCH_COMMANDS.join(" && ");
  console.log(`fetching: ${cmd}`);
  const r = await new Deno.Command("bash", { args: ["-euo", "pipefail", "-c", cmd] }).output();
  await Deno.stdout.write(r.stdout);
  await Deno.stderr.write(r.stderr);
  if (!r.success) {
    console.error(
      "fetch failed: is arm64 multiarch enabled (dpkg --add-architecture arm64; apt-get update)?",
    );
    Deno.exit(1);
  }
}
const files = findLinuxFiles();
if (files === undefined) {
  console.error(`the packages were fetched but no vmlinuz-6.1* and bin/busybox under ${LINUX_DIR}`);
  Deno.exit(1);
}
const image = await decompressImage(await Deno.readFile(files.vmlinuz));
await Deno.writeFile(`${LINUX_DIR}/Image`, image);
const initrd = buildDomuInitramfs(await Deno.readFile(files.busybox));
await Deno.writeFile(`${LINUX_DIR}/initramfs-domu.cpio`, initrd);
console.log(`kernel:    ${files.vmlinuz}`);
console.log(`Image:     ${LINUX_DIR}/Image (${image.length} bytes)`);
console.log(
  `initramfs: ${LINUX_DIR}/initramfs-domu.cpio (${initrd.length} bytes, busybox workload)`,
);
