/**
 * Picks a domain's vGIC implementation by version name (Xen's vgic_ops selection at domain
 * creation from config.arch.gic_version).
 */
import { XenError } from "../xen_error.ts";
import { XEN_EINVAL } from "../abi/errno.ts";
import type { Vgic, VgicConfig, VgicPorts } from "./vgic.ts";
import { VgicV2 } from "./vgic_v2.ts";
import { VgicV3 } from "./vgic_v3.ts";

/** A vGIC of `version` ("v2" or "v3"); anything else is EINVAL. */
export function createVgic(version: string, ports: VgicPorts, config: VgicConfig): Vgic {
  if (version === "v2") return new VgicV2(ports, config);
  if (version === "v3") return new VgicV3(ports, config);
  throw new XenError(XEN_EINVAL, `vGIC version '${version}'`);
}
