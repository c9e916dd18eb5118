/**
 * The runtime helper namespace `H` that generated code calls, assembled from the helper modules,
 * and the scratch array `T` through which they return wide results.
 */
import * as int64 from "./int64.ts";
export { T } from "./scratch.ts";

/** Every runtime helper, by name. */
export const H = { ...int64 };
