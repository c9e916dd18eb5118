/**
 * The runtime helper namespace `H` that generated code calls, assembled from the helper modules,
 * and the scratch array `T` through which they return wide results.
 */
import * as int64 from "./int64.ts";
import * as crc from "./crc32.ts";
import * as simd from "./simd.ts";
import * as ldst from "./ldst.ts";
import * as fp from "./fp.ts";
import * as fpVec from "./fp_vec.ts";
export { T } from "./scratch.ts";

/** Every runtime helper, by name. */
export const H = { ...int64, ...ldst, ...crc, ...simd, ...fp, ...fpVec };
