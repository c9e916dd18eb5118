/*
 * Freestanding user-mode guest for the Advanced SIMD integer rows: NEON intrinsics and
 * auto-vectorised loops over pseudo-random data, one checksum line per group, written with
 * the write system call. Its output on hvlab must equal its output on qemu-aarch64.
 */
#include <arm_neon.h>
#include <stdint.h>

static long sys_write(const void *buf, unsigned long len) {
  register long x0 __asm__("x0") = 1;
  register const void *x1 __asm__("x1") = buf;
  register unsigned long x2 __asm__("x2") = len;
  register long x8 __asm__("x8") = 64;
  __asm__ volatile("svc #0" : "+r"(x0) : "r"(x1), "r"(x2), "r"(x8) : "memory");
  return x0;
}

static void sys_exit(int code) {
  register long x0 __asm__("x0") = code;
  register long x8 __asm__("x8") = 93;
  __asm__ volatile("svc #0" : : "r"(x0), "r"(x8));
  for (;;) {
  }
}

static void put_line(const char *name, uint64_t v) {
  char buf[64];
  int n = 0;
  while (name[n]) {
    buf[n] = name[n];
    n++;
  }
  buf[n++] = ' ';
  for (int i = 15; i >= 0; i--) buf[n++] = "0123456789abcdef"[(v >> (4 * i)) & 15];
  buf[n++] = '\n';
  sys_write(buf, n);
}

static uint64_t seed = 0x9e3779b97f4a7c15ull;

static uint64_t next(void) {
  seed ^= seed << 13;
  seed ^= seed >> 7;
  seed ^= seed << 17;
  return seed;
}

#define N 256
static uint8_t a8[N], b8[N], c8[N];
static int16_t a16[N], b16[N];
static int32_t a32[N], b32[N];
static int64_t a64[N], b64[N];

static uint64_t fold(uint64_t h, uint8x16_t v) {
  uint64x2_t w = vreinterpretq_u64_u8(v);
  h ^= vgetq_lane_u64(w, 0);
  h = (h << 7 | h >> 57) * 0x100000001b3ull;
  h ^= vgetq_lane_u64(w, 1);
  return (h << 11 | h >> 53) * 0x100000001b3ull;
}

static uint8x16_t ld(const void *p) { return vld1q_u8((const uint8_t *)p); }

__attribute__((noinline)) static uint64_t group_basic(void) {
  uint64_t h = 1;
  for (int i = 0; i + 16 <= N; i += 16) {
    uint8x16_t x = ld(a8 + i), y = ld(b8 + i);
    h = fold(h, vaddq_u8(x, y));
    h = fold(h, vqaddq_u8(x, y));
    h = fold(h, vreinterpretq_u8_s8(vqsubq_s8(vreinterpretq_s8_u8(x), vreinterpretq_s8_u8(y))));
    h = fold(h, vceqq_u8(x, y));
    h = fold(h, vcgtq_u8(x, y));
    h = fold(h, vpmaxq_u8(x, y));
    h = fold(h, vpminq_u8(x, y));
    h = fold(h, vabdq_u8(x, y));
    h = fold(h, vrhaddq_u8(x, y));
    h = fold(h, vbslq_u8(ld(c8 + i), x, y));
    h = fold(h, vcntq_u8(x));
    h = fold(h, vclzq_u8(x));
    h = fold(h, vrev64q_u8(x));
    h = fold(h, vtstq_u8(x, y));
    h = fold(h, vmulq_u8(x, y));
    h = fold(h, vmlaq_u8(ld(c8 + i), x, y));
  }
  return h;
}

__attribute__((noinline)) static uint64_t group_shift(void) {
  uint64_t h = 2;
  for (int i = 0; i + 8 <= N; i += 8) {
    int16x8_t x = vld1q_s16(a16 + i), y = vld1q_s16(b16 + i);
    h = fold(h, vreinterpretq_u8_s16(vshlq_n_s16(x, 3)));
    h = fold(h, vreinterpretq_u8_s16(vshrq_n_s16(x, 5)));
    h = fold(h, vreinterpretq_u8_s16(vrshrq_n_s16(x, 5)));
    h = fold(h, vreinterpretq_u8_s16(vsraq_n_s16(y, x, 2)));
    h = fold(h, vreinterpretq_u8_s16(vqshlq_n_s16(x, 4)));
    h = fold(h, vreinterpretq_u8_s16(vqrshlq_s16(x, y)));
    h = fold(h, vreinterpretq_u8_s16(vsliq_n_s16(x, y, 7)));
    h = fold(h, vreinterpretq_u8_s16(vsriq_n_s16(x, y, 9)));
    h = fold(h, vcombine_u8(vqshrun_n_s16(x, 3), vqrshrun_n_s16(y, 2)));
    h = fold(h, vcombine_u8(vshrn_n_u16(vreinterpretq_u16_s16(x), 4), vmovn_u16(vreinterpretq_u16_s16(y))));
    h = fold(h, vreinterpretq_u8_s32(vmovl_s16(vget_low_s16(x))));
    h = fold(h, vreinterpretq_u8_s32(vshll_n_s16(vget_high_s16(y), 16)));
  }
  return h;
}

__attribute__((noinline)) static uint64_t group_mul(void) {
  uint64_t h = 3;
  for (int i = 0; i + 4 <= N; i += 4) {
    int32x4_t x = vld1q_s32(a32 + i), y = vld1q_s32(b32 + i);
    int16x8_t p = vld1q_s16(a16 + (i & ~7)), q = vld1q_s16(b16 + (i & ~7));
    h = fold(h, vreinterpretq_u8_s32(vmulq_s32(x, y)));
    h = fold(h, vreinterpretq_u8_s32(vqdmulhq_s32(x, y)));
    h = fold(h, vreinterpretq_u8_s32(vqrdmulhq_laneq_s32(x, y, 2)));
    h = fold(h, vreinterpretq_u8_s64(vmull_s32(vget_low_s32(x), vget_low_s32(y))));
    h = fold(h, vreinterpretq_u8_u64(vmlal_high_u32(vreinterpretq_u64_s64(vld1q_s64(a64 + (i & ~1))),
                                                     vreinterpretq_u32_s32(x), vreinterpretq_u32_s32(y))));
    h = fold(h, vreinterpretq_u8_s64(vqdmlal_s32(vld1q_s64(b64 + (i & ~1)), vget_low_s32(x), vget_high_s32(y))));
    h = fold(h, vreinterpretq_u8_s32(vmlal_laneq_s16(x, vget_low_s16(p), q, 5)));
    h = fold(h, vreinterpretq_u8_s32(vqdmull_s16(vget_low_s16(p), vget_high_s16(q))));
    h = fold(h, vreinterpretq_u8_s32(vabal_s16(x, vget_low_s16(p), vget_low_s16(q))));
    h = fold(h, vreinterpretq_u8_s16(vaddhn_high_s32(vget_low_s16(p), x, y)));
    h = fold(h, vreinterpretq_u8_s64(vaddw_s32(vld1q_s64(a64 + (i & ~1)), vget_low_s32(y))));
    h = fold(h, vreinterpretq_u8_p16(vmull_p8(vreinterpret_p8_s16(vget_low_s16(p)),
                                              vreinterpret_p8_s16(vget_high_s16(q)))));
  }
  return h;
}

__attribute__((noinline)) static uint64_t group_perm(void) {
  uint64_t h = 4;
  for (int i = 0; i + 64 <= N; i += 16) {
    uint8x16_t x = ld(a8 + i), y = ld(b8 + i);
    uint8x16x2_t t2 = {{x, y}};
    uint8x16x4_t t4 = {{x, y, ld(c8 + i), ld(a8 + i + 16)}};
    h = fold(h, vzip1q_u8(x, y));
    h = fold(h, vuzp2q_u8(x, y));
    h = fold(h, vtrn1q_u8(x, y));
    h = fold(h, vextq_u8(x, y, 11));
    h = fold(h, vqtbl2q_u8(t2, vandq_u8(ld(c8 + i), vdupq_n_u8(63))));
    h = fold(h, vqtbx4q_u8(y, t4, ld(c8 + i)));
    h = fold(h, vdupq_laneq_u8(x, 9));
    h = fold(h, vsetq_lane_u8(vgetq_lane_u8(y, 3), x, 12));
    h ^= vaddvq_u8(x) + ((uint64_t)vmaxvq_u8(y) << 16) + ((uint64_t)vminvq_s16(vreinterpretq_s16_u8(x)) << 24);
    h ^= (uint64_t)vaddlvq_u16(vreinterpretq_u16_u8(y)) << 40;
    h = fold(h, vreinterpretq_u8_u32(vmvnq_u32(vreinterpretq_u32_u8(x))));
    h = fold(h, vreinterpretq_u8_u16(vpadalq_u8(vreinterpretq_u16_u8(y), x)));
  }
  return h;
}

__attribute__((noinline)) static uint64_t group_auto(void) {
  /* Loops GCC vectorises on its own at -O3. */
  uint64_t h = 5;
  int64_t s = 0;
  for (int i = 0; i < N; i++) s += (int64_t)a32[i] * b16[i];
  h ^= (uint64_t)s;
  uint32_t m = 0;
  for (int i = 0; i < N; i++) m = a8[i] > m ? a8[i] : m;
  h = h * 31 + m;
  for (int i = 0; i < N; i++) c8[i] = (uint8_t)((a8[i] + b8[i] + 1) >> 1);
  for (int i = 0; i < N; i++) a64[i] += b64[i] >> 3;
  for (int i = 0; i < N; i += 16) h = fold(h, ld(c8 + i));
  for (int i = 0; i < N; i += 2) h = fold(h, vreinterpretq_u8_s64(vld1q_s64(a64 + i)));
  return h;
}

void _start(void) {
  for (int i = 0; i < N; i++) {
    uint64_t r = next();
    a8[i] = (uint8_t)r;
    b8[i] = (uint8_t)(r >> 8);
    c8[i] = (uint8_t)(r >> 16);
    a16[i] = (int16_t)(r >> 24);
    b16[i] = (i & 7) == 0 ? -32768 : (int16_t)(r >> 40);
    a32[i] = (int32_t)next();
    b32[i] = (i & 3) == 1 ? (int32_t)0x80000000 : (int32_t)(next() >> 13);
    a64[i] = (int64_t)next();
    b64[i] = (int64_t)next();
  }
  put_line("basic", group_basic());
  put_line("shift", group_shift());
  put_line("mul", group_mul());
  put_line("perm", group_perm());
  put_line("auto", group_auto());
  sys_exit(0);
}
