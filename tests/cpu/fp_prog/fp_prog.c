/*
 * Freestanding FP workout for the scalar FP differential test: compiled code (GCC -O2, FMA
 * contraction, conversions, FRINT*, FMINNM/FMAXNM, compares and selects) over corner-case operands
 * under every rounding mode and FZ/DN; prints each result and the FPSR as hex via write(2).
 */
typedef unsigned long u64;
typedef unsigned int u32;

/* In .data: the ELF has no bss-only segment. */
static char buf[1 << 16] __attribute__((section(".data")));
static u64 pos __attribute__((section(".data")));

static long sys3(long n, long a, long b, long c) {
  register long x8 __asm__("x8") = n, x0 __asm__("x0") = a, x1 __asm__("x1") = b,
                x2 __asm__("x2") = c;
  __asm__ volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory");
  return x0;
}

static void flush(void) {
  sys3(64, 1, (long)buf, (long)pos);
  pos = 0;
}

static void hex(u64 v) {
  if (pos > sizeof buf - 32) flush();
  for (int i = 60; i >= 0; i -= 4) buf[pos++] = "0123456789abcdef"[(v >> i) & 15];
  buf[pos++] = ' ';
}

static void nl(void) { buf[pos++] = '\n'; }

static u64 dbits(double d) { union { double d; u64 u; } x = {d}; return x.u; }
static u32 fbits(float f) { union { float f; u32 u; } x = {f}; return x.u; }
static double dfrom(u64 u) { union { u64 u; double d; } x = {u}; return x.d; }
static float ffrom(u32 u) { union { u32 u; float f; } x = {u}; return x.f; }

static u64 get_fpsr(void) { u64 v; __asm__ volatile("mrs %0, fpsr" : "=r"(v)); return v; }
static void set_fpsr(u64 v) { __asm__ volatile("msr fpsr, %0" ::"r"(v)); }
static void set_fpcr(u64 v) { __asm__ volatile("msr fpcr, %0" ::"r"(v)); }

static const u64 D[] = {
    0x0000000000000000, 0x8000000000000000, 0x3ff0000000000000, 0xbff8000000000000,
    0x3fb999999999999a, 0x7fefffffffffffff, 0x0010000000000000, 0x000fffffffffffff,
    0x0000000000000001, 0x7ff0000000000000, 0xfff0000000000000, 0x7ff8000000000123,
    0x7ff4000000000456, 0x4340000000000001, 0x41dfffffffc00000, 0xc3e0000000000000,
    0x3ff8000000000000, 0x4004000000000000, 0x3ca0000000000000, 0x4330000000000000,
};
static const u32 F[] = {
    0x00000000, 0x80000000, 0x3f800000, 0xbfc00000, 0x3dcccccd, 0x7f7fffff, 0x00800000,
    0x007fffff, 0x00000001, 0x7f800000, 0xff800000, 0x7fc00123, 0x7fa00456, 0x4b800001,
    0x4effffff, 0xdf000000, 0x3fc00000, 0x40200000, 0x33800000, 0x4b000000,
};
#define ND (sizeof D / sizeof D[0])
#define NF (sizeof F / sizeof F[0])

static volatile double vd[ND] __attribute__((section(".data")));
static volatile float vf[NF] __attribute__((section(".data")));

static void run_mode(u64 fpcr) {
  set_fpcr(fpcr);
  for (u64 i = 0; i < ND; i++) {
    for (u64 j = 0; j < ND; j++) {
      double a = vd[i], b = vd[j], c = vd[(i + j) % ND];
      set_fpsr(0);
      hex(dbits(a + b)), hex(dbits(a - b)), hex(dbits(a * b)), hex(dbits(a / b));
      hex(dbits(__builtin_fma(a, b, c))), hex(dbits(__builtin_fma(-a, b, c)));
      hex(dbits(__builtin_fma(-a, b, -c))), hex(dbits(__builtin_fma(a, b, -c)));
      hex(dbits(-(a * b))), hex(dbits(__builtin_fmin(a, b)));
      hex(dbits(__builtin_fmax(a, b))), hex(a < b ? 1 : a == b ? 2 : a > b ? 3 : 4);
      hex(get_fpsr());
      nl();
      float x = vf[i], y = vf[j], z = vf[(i + j) % NF];
      set_fpsr(0);
      hex(fbits(x + y)), hex(fbits(x - y)), hex(fbits(x * y)), hex(fbits(x / y));
      hex(fbits(__builtin_fmaf(x, y, z))), hex(fbits(__builtin_fmaf(-x, y, -z)));
      hex(fbits(__builtin_fminf(x, y))), hex(fbits(__builtin_fmaxf(x, y))), hex(x <= y);
      hex(get_fpsr());
      nl();
    }
    double a = vd[i];
    float x = vf[i];
    set_fpsr(0);
    hex(dbits(__builtin_sqrt(a))), hex(fbits(__builtin_sqrtf(x))), hex(dbits(__builtin_floor(a)));
    hex(dbits(__builtin_ceil(a))), hex(dbits(__builtin_trunc(a))), hex(dbits(__builtin_round(a)));
    hex(dbits(__builtin_rint(a))), hex(dbits(__builtin_nearbyint(a))), hex(fbits(__builtin_rintf(x)));
    hex(fbits((float)a)), hex(dbits((double)x)), hex((u64)(long)a), hex((u64)(int)a);
    hex((u64)(unsigned long)a), hex((u32)x), hex((u64)(long)x), hex(dbits((double)(long)D[i]));
    hex(fbits((float)(long)D[i])), hex(dbits((double)(unsigned)F[i])), hex(fbits((float)D[i]));
    hex(get_fpsr());
    nl();
  }
}

void _start(void) {
  for (u64 i = 0; i < ND; i++) vd[i] = dfrom(D[i]);
  for (u64 i = 0; i < NF; i++) vf[i] = ffrom(F[i]);
  for (u64 rm = 0; rm < 4; rm++) {
    run_mode(rm << 22);
    run_mode((rm << 22) | (1 << 24) | (1 << 25)); /* FZ and DN */
  }
  flush();
  sys3(93, 0, 0, 0);
  for (;;) {}
}
