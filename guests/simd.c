/* SIMD guest: auto-vectorised loops (-O3) and arm_neon.h intrinsics; results printed as hashes. */
#include <arm_neon.h>
#include "guest.h"

#define N 256
static uint8_t a8[N], b8[N], r8[N];
static int16_t a16[N], b16[N], r16[N];
static int32_t a32[N], b32[N], r32[N];
static uint64_t a64[N], r64[N];
static float af[N], bf[N], rf[N];
static double ad[N], rd[N];

static uint64_t state = 0x9e3779b97f4a7c15ULL;
static uint64_t rnd(void) {
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return state;
}

#define HASH(name, arr) printf("%-10s %08x\n", name, fnv1a(arr, sizeof arr, 2166136261u))

static void __attribute__((noinline)) loops(void) {
	for (int i = 0; i < N; i++) r8[i] = (uint8_t)(a8[i] + b8[i] * 3);
	HASH("u8 madd", r8);
	for (int i = 0; i < N; i++) r8[i] = a8[i] > b8[i] ? a8[i] - b8[i] : b8[i] - a8[i];
	HASH("u8 absd", r8);
	for (int i = 0; i < N; i++) {
		int s = a8[i] + b8[i];
		r8[i] = s > 255 ? 255 : s;
	}
	HASH("u8 qadd", r8);
	for (int i = 0; i < N; i++) r16[i] = (int16_t)((a16[i] * b16[i]) >> 5);
	HASH("s16 mulsh", r16);
	for (int i = 0; i < N; i++) r16[i] = a16[i] < b16[i] ? a16[i] : b16[i];
	HASH("s16 min", r16);
	for (int i = 0; i < N; i++) r32[i] = a32[i] * b32[i] + (a32[i] >> 3) - (b32[i] & 0xff);
	HASH("s32 mix", r32);
	for (int i = 0; i < N; i++) r32[i] = a16[i] * (int32_t)b16[i];
	HASH("s16 widen", r32);
	for (int i = 0; i < N; i++) r16[i] = (int16_t)(a32[i] >> 16);
	HASH("narrow", r16);
	for (int i = 0; i < N; i++) r64[i] = (a64[i] + (a64[i] << 7)) ^ (uint64_t)a32[i];
	HASH("u64 mix", r64);
	for (int i = 0; i < N; i++) rf[i] = af[i] * bf[i] + af[i];
	HASH("f32 madd", rf);
	for (int i = 0; i < N; i++) rf[i] = (float)a32[i] * 0.5f;
	HASH("f32 cvt", rf);
	for (int i = 0; i < N; i++) r32[i] = (int32_t)(af[i] * 100.0f);
	HASH("f32->s32", r32);
	for (int i = 0; i < N; i++) rd[i] = ad[i] * ad[i] - 1.0;
	HASH("f64 msub", rd);
	uint32_t sum = 0;
	for (int i = 0; i < N; i++) sum += a8[i];
	int32_t dot = 0;
	for (int i = 0; i < N; i++) dot += a16[i] * b16[i];
	int16_t mx = -32768;
	for (int i = 0; i < N; i++) mx = a16[i] > mx ? a16[i] : mx;
	printf("reduce sum=%u dot=%d max=%d\n", sum, dot, mx);
	float fs = 0;
	for (int i = 0; i < N; i++) fs = fs > af[i] ? fs : af[i];
	uint32_t fsb;
	__builtin_memcpy(&fsb, &fs, 4);
	printf("fmax %08x\n", fsb);
}

static void print_u8x16(const char *name, uint8x16_t v) {
	uint8_t b[16];
	vst1q_u8(b, v);
	printf("%-8s", name);
	for (int i = 0; i < 16; i++) printf(" %02x", b[i]);
	printf("\n");
}

static void intrinsics(void) {
	uint8x16_t x = vld1q_u8(a8), y = vld1q_u8(b8);
	uint8x16_t idx = vld1q_u8((const uint8_t *)"\x0f\x00\x0e\x01\x20\x02\x1f\x03\x10\x11\xff\x04\x05\x13\x06\x07");
	print_u8x16("x", x);
	print_u8x16("y", y);
	print_u8x16("tbl1", vqtbl1q_u8(x, idx));
	uint8x16x2_t t2 = {{x, y}};
	print_u8x16("tbl2", vqtbl2q_u8(t2, idx));
	print_u8x16("tbx1", vqtbx1q_u8(y, x, idx));
	print_u8x16("zip1", vzip1q_u8(x, y));
	print_u8x16("zip2", vzip2q_u8(x, y));
	print_u8x16("uzp1", vuzp1q_u8(x, y));
	print_u8x16("uzp2", vuzp2q_u8(x, y));
	print_u8x16("trn1", vtrn1q_u8(x, y));
	print_u8x16("trn2", vtrn2q_u8(x, y));
	print_u8x16("ext5", vextq_u8(x, y, 5));
	print_u8x16("rev64", vrev64q_u8(x));
	print_u8x16("cnt", vcntq_u8(x));
	print_u8x16("rbit", vrbitq_u8(x));
	print_u8x16("cmhi", vcgtq_u8(x, y));
	print_u8x16("uqsub", vqsubq_u8(x, y));
	print_u8x16("urhadd", vrhaddq_u8(x, y));
	print_u8x16("bsl", vbslq_u8(vcgtq_u8(x, y), x, y));
	print_u8x16("dup7", vdupq_laneq_u8(x, 7));
	print_u8x16("ins", vsetq_lane_u8(0xab, x, 9));
	printf("addv %u umaxv %u uminv %u saddlv %d\n", vaddvq_u8(x), vmaxvq_u8(x), vminvq_u8(x),
	       vaddlvq_s8(vreinterpretq_s8_u8(x)));
	int16x8_t s = vld1q_s16(a16), t = vld1q_s16(b16);
	int16x8_t q = vqdmulhq_s16(s, t);
	int32x4_t w = vmull_s16(vget_low_s16(s), vget_low_s16(t));
	int32x4_t wh = vmull_high_s16(s, t);
	printf("sqdmulh %d %d %d %d\n", vgetq_lane_s16(q, 0), vgetq_lane_s16(q, 3), vgetq_lane_s16(q, 5),
	       vgetq_lane_s16(q, 7));
	printf("smull %d %d hi %d %d\n", vgetq_lane_s32(w, 0), vgetq_lane_s32(w, 3), vgetq_lane_s32(wh, 0),
	       vgetq_lane_s32(wh, 3));
	int8x8_t n8 = vqmovn_s16(s);
	uint8x8_t un8 = vqmovun_s16(s);
	printf("sqxtn %d %d sqxtun %u %u\n", vget_lane_s8(n8, 0), vget_lane_s8(n8, 7), vget_lane_u8(un8, 1),
	       vget_lane_u8(un8, 6));
	int16x8_t sh = vshlq_s16(s, vdupq_n_s16(-3));
	int16x8_t sra = vrshrq_n_s16(s, 4);
	int16x8_t sli = vsliq_n_s16(s, t, 4);
	printf("shl %d rshr %d sli %d smov %d umov %u\n", vgetq_lane_s16(sh, 2), vgetq_lane_s16(sra, 2),
	       vgetq_lane_s16(sli, 2), (int)vgetq_lane_s16(s, 4), (unsigned)vgetq_lane_u16(vreinterpretq_u16_s16(s), 4));
	uint8x16x3_t l3 = vld3q_u8(a8);
	print_u8x16("ld3.1", l3.val[1]);
	uint8x16x4_t l4 = vld4q_u8(a8);
	print_u8x16("ld4.3", l4.val[3]);
	uint8_t out[64];
	vst2q_u8(out, (uint8x16x2_t){{x, y}});
	printf("st2 %08x\n", fnv1a(out, 32, 2166136261u));
	vst4q_u8(out, l4);
	printf("st4 %08x\n", fnv1a(out, 64, 2166136261u));
	uint8x16_t rep = vld1q_dup_u8(a8 + 3);
	print_u8x16("ld1r", rep);
	float32x4_t f = vld1q_f32(af), g = vld1q_f32(bf);
	float32x4_t fm = vfmaq_f32(f, f, g);
	float32x4_t p = vpaddq_f32(f, g);
	printf("fmla %08x %08x faddp %08x %08x fmaxv %08x\n", vgetq_lane_u32(vreinterpretq_u32_f32(fm), 0),
	       vgetq_lane_u32(vreinterpretq_u32_f32(fm), 3), vgetq_lane_u32(vreinterpretq_u32_f32(p), 0),
	       vgetq_lane_u32(vreinterpretq_u32_f32(p), 2), *(uint32_t *)&(float){vmaxvq_f32(f)});
	int32x4_t cv = vcvtq_s32_f32(vmulq_n_f32(f, 1000.0f));
	uint32x4_t ge = vcgeq_f32(f, g);
	printf("fcvtzs %d %d fcmge %x %x\n", vgetq_lane_s32(cv, 0), vgetq_lane_s32(cv, 1), vgetq_lane_u32(ge, 0),
	       vgetq_lane_u32(ge, 1));
	float64x2_t d = vld1q_f64(ad);
	float64x2_t ds = vsqrtq_f64(vabsq_f64(d));
	printf("fsqrt.2d %016lx %016lx\n", vgetq_lane_u64(vreinterpretq_u64_f64(ds), 0),
	       vgetq_lane_u64(vreinterpretq_u64_f64(ds), 1));
	uint64x2_t u64v = vld1q_u64(a64);
	uint64x2_t addp = vpaddq_u64(u64v, u64v);
	printf("addp.2d %016lx ushr %016lx\n", vgetq_lane_u64(addp, 0), vgetq_lane_u64(vshrq_n_u64(u64v, 17), 1));
}

#define P16(name, v)                                                                              \
	do {                                                                                      \
		int16x8_t t_ = (v);                                                               \
		printf("%-9s %d %d %d %d %d %d %d %d\n", name, vgetq_lane_s16(t_, 0), vgetq_lane_s16(t_, 1),   \
		       vgetq_lane_s16(t_, 2), vgetq_lane_s16(t_, 3), vgetq_lane_s16(t_, 4), vgetq_lane_s16(t_, 5), \
		       vgetq_lane_s16(t_, 6), vgetq_lane_s16(t_, 7));                             \
	} while (0)
#define P32(name, v)                                                                              \
	do {                                                                                      \
		int32x4_t t_ = (v);                                                               \
		printf("%-9s %d %d %d %d\n", name, vgetq_lane_s32(t_, 0), vgetq_lane_s32(t_, 1),            \
		       vgetq_lane_s32(t_, 2), vgetq_lane_s32(t_, 3));                             \
	} while (0)
#define PF32(name, v)                                                                             \
	do {                                                                                      \
		uint32x4_t t_ = vreinterpretq_u32_f32(v);                                         \
		printf("%-9s %08x %08x %08x %08x\n", name, vgetq_lane_u32(t_, 0), vgetq_lane_u32(t_, 1),    \
		       vgetq_lane_u32(t_, 2), vgetq_lane_u32(t_, 3));                             \
	} while (0)

static void more(void) {
	int16x8_t s = vld1q_s16(a16), t = vld1q_s16(b16);
	int32x4_t w = vld1q_s32(a32), x = vld1q_s32(b32);
	P16("sqrdmulh", vqrdmulhq_s16(s, t));
	P16("mul.elem", vmulq_laneq_s16(s, t, 3));
	P16("mla.elem", vmlaq_laneq_s16(s, t, s, 5));
	P16("sqadd", vqaddq_s16(s, t));
	P16("sqsub", vqsubq_s16(s, t));
	P16("sqshl", vqshlq_n_s16(s, 3));
	P16("srshl", vrshlq_s16(s, vdupq_n_s16(-5)));
	P16("abs", vabsq_s16(s));
	P16("sqabs", vqabsq_s16(vdupq_n_s16(-32768)));
	P16("cls", vclsq_s16(s));
	P16("clz", vreinterpretq_s16_u16(vclzq_u16(vreinterpretq_u16_s16(s))));
	P16("saba", vabaq_s16(s, t, s));
	P16("xtn2", vcombine_s16(vmovn_s32(w), vqrshrn_n_s32(x, 9)));
	P16("shrn", vcombine_s16(vshrn_n_s32(w, 16), vrshrn_n_s32(x, 16)));
	P16("uzp.16", vuzp1q_s16(s, t));
	P16("ext.16", vextq_s16(s, t, 3));
	P32("saddl2", vaddl_high_s16(s, t));
	P32("ssubw", vsubw_s16(w, vget_low_s16(t)));
	P32("smlal", vmlal_s16(w, vget_low_s16(s), vget_low_s16(t)));
	P32("sqdmull", vqdmull_s16(vget_low_s16(s), vget_low_s16(t)));
	P32("sshll", vshll_n_s16(vget_low_s16(s), 7));
	P32("mul.4s", vmulq_s32(w, x));
	P32("sra", vsraq_n_s32(w, x, 11));
	P32("cmge", vreinterpretq_s32_u32(vcgeq_s32(w, x)));
	P32("cmtst", vreinterpretq_s32_u32(vtstq_s32(w, x)));
	P32("addp.4s", vpaddq_s32(w, x));
	P32("maxp", vpmaxq_s32(w, x));
	printf("addv.4s %d smaxv %d uminv.8h %u sminv.8h %d\n", vaddvq_s32(w), vmaxvq_s32(w),
	       vminvq_u16(vreinterpretq_u16_s16(s)), vminvq_s16(s));
	uint8x16_t p = vreinterpretq_u8_p8(vmulq_p8(vld1q_p8((const poly8_t *)a8), vld1q_p8((const poly8_t *)b8)));
	printf("pmul %02x %02x %02x\n", vgetq_lane_u8(p, 0), vgetq_lane_u8(p, 7), vgetq_lane_u8(p, 15));
	float32x4_t f = vld1q_f32(af), g = vld1q_f32(bf);
	PF32("fmul.e", vmulq_laneq_f32(f, g, 2));
	PF32("fmla.e", vfmaq_laneq_f32(f, g, f, 1));
	PF32("fdiv", vdivq_f32(f, g));
	PF32("fabd", vabdq_f32(f, g));
	PF32("fminnmp", vpminnmq_f32(f, g));
	PF32("frecpe", vrecpeq_f32(vabsq_f32(g)));
	PF32("frsqrts", vrsqrtsq_f32(f, g));
	PF32("frinta", vrndaq_f32(vmulq_n_f32(f, 0.001f)));
	PF32("scvtf.fx", vcvtq_n_f32_s32(w, 12));
	P32("fcvtzs.fx", vcvtq_n_s32_f32(f, 4));
	P32("fcvtns", vcvtnq_s32_f32(vmulq_n_f32(f, 0.01f)));
	float64x2_t d = vld1q_f64(ad);
	float32x2_t n = vcvt_f32_f64(d);
	float64x2_t l = vcvt_f64_f32(vget_low_f32(f));
	printf("fcvtn %08x %08x fcvtl %016lx %016lx\n", vget_lane_u32(vreinterpret_u32_f32(n), 0),
	       vget_lane_u32(vreinterpret_u32_f32(n), 1), vgetq_lane_u64(vreinterpretq_u64_f64(l), 0),
	       vgetq_lane_u64(vreinterpretq_u64_f64(l), 1));
	uint8x16x4_t tb = vld1q_u8_x4(a8);
	uint8x16_t idx = vandq_u8(vld1q_u8(b8), vdupq_n_u8(0x7f));
	print_u8x16("tbl4", vqtbl4q_u8(tb, idx));
	print_u8x16("tbx4", vqtbx4q_u8(vld1q_u8(a8 + 100), tb, idx));
	uint8_t buf[48];
	vst3q_u8(buf, (uint8x16x3_t){{tb.val[0], tb.val[1], tb.val[2]}});
	uint8x16x2_t l2 = vld2q_u8(buf + 1);
	print_u8x16("ld2.1", l2.val[1]);
	uint16x8x4_t l4r = vld4q_dup_u16((const uint16_t *)(a16 + 8));
	printf("ld4r %04x %04x %04x %04x\n", vgetq_lane_u16(l4r.val[0], 5), vgetq_lane_u16(l4r.val[1], 0),
	       vgetq_lane_u16(l4r.val[2], 7), vgetq_lane_u16(l4r.val[3], 2));
	uint8x16_t lane = vld1q_lane_u8(a8 + 77, vld1q_u8(b8), 11);
	print_u8x16("ld1.lane", lane);
	uint64x2_t u = vld1q_u64(a64);
	printf("ushl.2d %016lx sshr.2d %016lx cmhi.2d %016lx\n", vgetq_lane_u64(vshlq_u64(u, vdupq_n_s64(-3)), 1),
	       (uint64_t)vgetq_lane_s64(vshrq_n_s64(vreinterpretq_s64_u64(u), 63), 0),
	       vgetq_lane_u64(vcgtq_u64(u, vdupq_n_u64(1UL << 63)), 1));
}

int main(void) {
	printf("simd guest\n");
	for (int i = 0; i < N; i++) {
		uint64_t r = rnd();
		a8[i] = (uint8_t)r;
		b8[i] = (uint8_t)(r >> 8);
		a16[i] = (int16_t)(r >> 16);
		b16[i] = (int16_t)(r >> 32);
		a32[i] = (int32_t)rnd();
		b32[i] = (int32_t)(r >> 24);
		a64[i] = rnd();
		af[i] = (float)(int32_t)(r >> 40) / 1024.0f;
		bf[i] = (float)(int16_t)r / 256.0f;
		ad[i] = (double)(int64_t)rnd() / 1e15;
	}
	loops();
	intrinsics();
	more();
	printf("simd done\n");
	return 0;
}
