/**
 * Scratch space through which runtime helpers return wide results to generated code: a helper
 * writes T[0] (low 32 bits) and T[1] (high 32 bits), or T[0..3] for 128-bit values.
 */
export const T: Int32Array = new Int32Array(8);
