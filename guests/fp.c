/* FP guest: arithmetic, conversions, rounding modes (FPCR.RMode), FPSR flags, own formatting. */
#include "guest.h"

static uint64_t bits(double d) {
	uint64_t u;
	__builtin_memcpy(&u, &d, 8);
	return u;
}

static uint32_t fbits(float f) {
	uint32_t u;
	__builtin_memcpy(&u, &f, 4);
	return u;
}

/* Prints d with `prec` decimals, rounding half up on the decimal digits (guest's own formatter). */
static void print_double(double d, int prec) {
	if (d != d) {
		puts_uart("nan");
		return;
	}
	if (d < 0 || (d == 0 && (bits(d) >> 63))) {
		putc_uart('-');
		d = -d;
	}
	if (d > 1e18) {
		puts_uart(d == __builtin_inf() ? "inf" : "big");
		return;
	}
	double scale = 1;
	for (int i = 0; i < prec; i++) scale *= 10;
	uint64_t ip = (uint64_t)d;
	double frac = d - (double)ip;
	uint64_t fp = (uint64_t)(frac * scale + 0.5);
	if ((double)fp >= scale) {
		ip++;
		fp -= (uint64_t)scale;
	}
	printf("%lu", ip);
	if (prec) {
		char buf[24];
		for (int i = prec - 1; i >= 0; i--) {
			buf[i] = '0' + fp % 10;
			fp /= 10;
		}
		buf[prec] = 0;
		printf(".%s", buf);
	}
}

static void show(const char *what, double d) {
	printf("%-10s %016lx ", what, bits(d));
	print_double(d, 9);
	putc_uart('\n');
}

/* Keeps an FP result's computation before the next FPSR/FPCR access (GCC does not order them). */
#define FORCE(x) __asm__ volatile("" ::"w"(x))

static uint64_t get_fpsr(void) { return READ_SYSREG(fpsr); }
static void set_fpsr(uint64_t v) { WRITE_SYSREG(fpsr, v); }
static void set_rmode(unsigned m) { WRITE_SYSREG(fpcr, (uint64_t)m << 22); }

static volatile double va = 1.0, vb = 3.0, vc = -2.5, vbig = 1e300, vtiny = 1e-310, vzero = 0.0;
static volatile float fa = 1.0f, fb = 3.0f;

static void arithmetic(void) {
	show("a/b", va / vb);
	show("a+b*c", va + vb * vc);
	show("fma", __builtin_fma(va / vb, vb, -va));
	show("sqrt2", __builtin_sqrt(2.0 * va));
	show("sqrtf2", (double)__builtin_sqrtf(2.0f * fa));
	show("neg", -vc);
	show("abs", __builtin_fabs(vc));
	show("min", __builtin_fmin(va, vc));
	show("max", __builtin_fmax(va, vc));
	show("big*big", vbig * vbig);
	show("tiny/big", vtiny / vbig);
	show("0/0", vzero / vzero);
	show("1/0", va / vzero);
	printf("float 1/3 %08x\n", fbits(fa / fb));
	printf("fcmp %d %d %d %d\n", va < vb, va == va, (vzero / vzero) == (vzero / vzero), vc <= vc);
}

static void conversions(void) {
	volatile double vals[] = {0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 1e20, -1e20, 3.99, -3.99, 123456.789};
	for (unsigned i = 0; i < sizeof vals / sizeof vals[0]; i++) {
		double d = vals[i];
		int64_t s;
		uint64_t u;
		int32_t s32;
		__asm__ volatile("fcvtzs %0, %d1" : "=r"(s) : "w"(d));
		__asm__ volatile("fcvtzu %0, %d1" : "=r"(u) : "w"(d));
		__asm__ volatile("fcvtzs %w0, %d1" : "=r"(s32) : "w"(d));
		int64_t n, a, p, m;
		__asm__ volatile("fcvtns %0, %d1" : "=r"(n) : "w"(d));
		__asm__ volatile("fcvtas %0, %d1" : "=r"(a) : "w"(d));
		__asm__ volatile("fcvtps %0, %d1" : "=r"(p) : "w"(d));
		__asm__ volatile("fcvtms %0, %d1" : "=r"(m) : "w"(d));
		printf("cvt %016lx zs=%ld zu=%lu zs32=%d ns=%ld as=%ld ps=%ld ms=%ld\n", bits(d), s, u, s32, n, a, p, m);
	}
	volatile int64_t iv = -123456789012345LL;
	volatile uint64_t uv = 0xfedcba9876543210ULL;
	show("scvtf", (double)iv);
	show("ucvtf", (double)uv);
	printf("f32 %08x %08x\n", fbits((float)iv), fbits((float)uv));
	show("f32->f64", (double)(float)(va / vb));
	double fixed;
	__asm__ volatile("scvtf %d0, %1, #16" : "=w"(fixed) : "r"((int64_t)0x18000));
	show("fixed16", fixed);
}

static void rounding_modes(void) {
	static const char *names[] = {"RN", "RP", "RM", "RZ"};
	volatile double xs[] = {2.5, -2.5, 1.25, -0.75};
	for (unsigned m = 0; m < 4; m++) {
		set_rmode(m);
		double q = va / vb;
		float qf = fa / fb;
		FORCE(q);
		FORCE(qf);
		printf("%s 1/3=%016lx f=%08x", names[m], bits(q), fbits(qf));
		for (unsigned i = 0; i < 4; i++) {
			double r;
			__asm__ volatile("frinti %d0, %d1" : "=w"(r) : "w"(xs[i]));
			printf(" %ld", (int64_t)r);
		}
		double t = va / vb * 10;
		FORCE(t);
		set_rmode(0);
		printf(" t=%016lx\n", bits(t));
	}
	double r[6];
	volatile double x = -2.5;
	__asm__("frintn %d0, %d1" : "=w"(r[0]) : "w"(x));
	__asm__("frinta %d0, %d1" : "=w"(r[1]) : "w"(x));
	__asm__("frintp %d0, %d1" : "=w"(r[2]) : "w"(x));
	__asm__("frintm %d0, %d1" : "=w"(r[3]) : "w"(x));
	__asm__("frintz %d0, %d1" : "=w"(r[4]) : "w"(x));
	__asm__("frintx %d0, %d1" : "=w"(r[5]) : "w"(x));
	for (int i = 0; i < 6; i++) printf("frint%d %016lx\n", i, bits(r[i]));
}

static void flags(void) {
	double t;
	set_fpsr(0);
	t = va / vb;
	FORCE(t);
	uint64_t f0 = get_fpsr();
	set_fpsr(0);
	t = va / vzero;
	FORCE(t);
	uint64_t f1 = get_fpsr();
	set_fpsr(0);
	t = vbig * vbig;
	FORCE(t);
	uint64_t f2 = get_fpsr();
	set_fpsr(0);
	t = vtiny * vtiny;
	FORCE(t);
	uint64_t f3 = get_fpsr();
	set_fpsr(0);
	t = vzero / vzero;
	FORCE(t);
	uint64_t f4 = get_fpsr();
	printf("fpsr div3=%lx div0=%lx ovf=%lx unf=%lx inv=%lx\n", f0, f1, f2, f3, f4);
	/* Flush-to-zero and default NaN through FPCR. */
	WRITE_SYSREG(fpcr, (1UL << 24) | (1UL << 25));
	set_fpsr(0);
	double ftz = vtiny * va;
	FORCE(ftz);
	double nan = vzero / vzero;
	FORCE(nan);
	uint64_t fz = get_fpsr();
	uint64_t nanq = bits(nan);
	WRITE_SYSREG(fpcr, 0);
	printf("ftz %016lx dn %016lx fpsr %lx\n", bits(ftz), nanq, fz);
}

static void series(void) {
	/* Leibniz pi and a Newton sqrt: many dependent operations. */
	double pi = 0, sign = 1;
	for (int k = 0; k < 20000; k++, sign = -sign) pi += sign * 4.0 / (2 * k + 1);
	show("pi", pi);
	double x = 10, s = 10;
	for (int i = 0; i < 30; i++) s = 0.5 * (s + x / s);
	show("sqrt10", s);
	float acc = 0;
	for (int i = 1; i < 1000; i++) acc += 1.0f / (float)i;
	printf("harmonic f32 %08x\n", fbits(acc));
}

static volatile int hint = 5;
static int count_hint(void) { return hint; }
static volatile float f_neg0 = -0.0f, f_one = 1.0f, f_denorm = 1e-40f;

static double from_bits(uint64_t u) {
	double d;
	__builtin_memcpy(&d, &u, 8);
	return d;
}

static void specials(void) {
	/* NaN propagation: quieting of signalling NaNs, payloads, first-operand priority. */
	volatile double qnan = from_bits(0x7ff8000000000123UL), snan = from_bits(0x7ff0000000000456UL);
	double r;
	set_fpsr(0);
	r = qnan + va;
	FORCE(r);
	printf("qnan+1 %016lx fpsr %lx\n", bits(r), get_fpsr());
	set_fpsr(0);
	r = va * snan;
	FORCE(r);
	printf("1*snan %016lx fpsr %lx\n", bits(r), get_fpsr());
	r = snan - qnan;
	FORCE(r);
	printf("snan-qnan %016lx\n", bits(r));
	double mn, mx;
	__asm__ volatile("fminnm %d0, %d1, %d2" : "=w"(mn) : "w"(qnan), "w"(vc));
	__asm__ volatile("fmaxnm %d0, %d1, %d2" : "=w"(mx) : "w"(va), "w"(qnan));
	printf("fminnm(qnan,-2.5) %016lx fmaxnm(1,qnan) %016lx\n", bits(mn), bits(mx));
	__asm__ volatile("fmin %d0, %d1, %d2" : "=w"(mn) : "w"(qnan), "w"(vc));
	printf("fmin(qnan,-2.5) %016lx\n", bits(mn));
	float z0, z1;
	__asm__ volatile("fmin %s0, %s1, %s2" : "=w"(z0) : "w"(f_neg0), "w"(0.0f));
	__asm__ volatile("fmax %s0, %s1, %s2" : "=w"(z1) : "w"(f_neg0), "w"(0.0f));
	printf("fmin(-0,0) %08x fmax(-0,0) %08x\n", fbits(z0), fbits(z1));
	/* Out-of-range conversions saturate and set IOC. */
	set_fpsr(0);
	int32_t w;
	__asm__ volatile("fcvtzs %w0, %d1" : "=r"(w) : "w"(vbig));
	uint64_t f1 = get_fpsr();
	set_fpsr(0);
	int64_t x;
	__asm__ volatile("fcvtzs %0, %d1" : "=r"(x) : "w"(qnan));
	printf("fcvtzs big %d fpsr %lx, nan %ld fpsr %lx\n", w, f1, x, get_fpsr());
	/* Compares: FCMP quiet vs FCMPE signalling on a quiet NaN, flags read through NZCV. */
	uint64_t nzcv;
	set_fpsr(0);
	__asm__ volatile("fcmp %d1, %d2\n mrs %0, nzcv" : "=r"(nzcv) : "w"(qnan), "w"(va) : "cc");
	printf("fcmp nan nzcv %lx fpsr %lx", nzcv >> 28, get_fpsr());
	set_fpsr(0);
	__asm__ volatile("fcmpe %d1, %d2\n mrs %0, nzcv" : "=r"(nzcv) : "w"(qnan), "w"(va) : "cc");
	printf(" fcmpe %lx fpsr %lx", nzcv >> 28, get_fpsr());
	__asm__ volatile("fcmp %d1, #0.0\n mrs %0, nzcv" : "=r"(nzcv) : "w"(vc) : "cc");
	printf(" fcmp -2.5,0 %lx", nzcv >> 28);
	__asm__ volatile("cmp %3, #1\n fccmp %d1, %d2, #0x5, eq\n mrs %0, nzcv" : "=r"(nzcv) : "w"(va), "w"(vb), "r"(0L) : "cc");
	printf(" fccmp(ne) %lx", nzcv >> 28);
	__asm__ volatile("cmp %3, #0\n fccmp %d1, %d2, #0x5, eq\n mrs %0, nzcv" : "=r"(nzcv) : "w"(va), "w"(vb), "r"(0L) : "cc");
	printf(" fccmp(eq) %lx\n", nzcv >> 28);
	double sel;
	__asm__ volatile("cmp %1, #3\n fcsel %d0, %d2, %d3, gt" : "=w"(sel) : "r"((int64_t)count_hint()), "w"(va), "w"(vb) : "cc");
	printf("fcsel %016lx\n", bits(sel));
	/* Half precision conversions, denormals and rounding. */
	uint16_t h[4];
	volatile float hs[4] = {1.0f / 3.0f, 65520.0f, 1e-6f, -2.5f};
	for (int i = 0; i < 4; i++) {
		float in = hs[i];
		__asm__ volatile("fcvt h0, %s1\n umov %w0, v0.h[0]" : "=r"(h[i]) : "w"(in) : "v0");
	}
	float back;
	__asm__ volatile("fmov s0, %w1\n fcvt %s0, h0" : "=w"(back) : "r"((uint32_t)h[0]) : "v0");
	printf("f16 %04x %04x %04x %04x back %08x\n", h[0], h[1], h[2], h[3], fbits(back));
	/* Reciprocal and reciprocal-square-root estimates and steps. */
	float re, rs, st;
	__asm__ volatile("frecpe %s0, %s1" : "=w"(re) : "w"(fb));
	__asm__ volatile("frsqrte %s0, %s1" : "=w"(rs) : "w"(fb));
	__asm__ volatile("frecps %s0, %s1, %s2" : "=w"(st) : "w"(re), "w"(fb));
	double red;
	__asm__ volatile("frecpe %d0, %d1" : "=w"(red) : "w"(vc));
	printf("frecpe %08x frsqrte %08x frecps %08x frecpe.d %016lx\n", fbits(re), fbits(rs), fbits(st), bits(red));
	double fx;
	__asm__ volatile("fmulx %d0, %d1, %d2" : "=w"(fx) : "w"(from_bits(0x7ff0000000000000UL)), "w"(vzero));
	float fab, fnm;
	__asm__ volatile("fabd %s0, %s1, %s2" : "=w"(fab) : "w"(fa), "w"(fb));
	__asm__ volatile("fnmul %s0, %s1, %s2" : "=w"(fnm) : "w"(fa), "w"(fb));
	printf("fmulx(inf,0) %016lx fabd %08x fnmul %08x\n", bits(fx), fbits(fab), fbits(fnm));
	/* Denormal arithmetic without flush-to-zero. */
	set_fpsr(0);
	float dn = f_denorm * f_one;
	FORCE(dn);
	float dn2 = f_denorm / 3.0f;
	FORCE(dn2);
	printf("denormal %08x %08x fpsr %lx\n", fbits(dn), fbits(dn2), get_fpsr());
	double m;
	__asm__ volatile("fmadd %d0, %d1, %d2, %d3" : "=w"(m) : "w"(va / vb), "w"(vb), "w"(-va));
	double nm;
	__asm__ volatile("fnmsub %d0, %d1, %d2, %d3" : "=w"(nm) : "w"(va), "w"(vb), "w"(vc));
	printf("fmadd %016lx fnmsub %016lx\n", bits(m), bits(nm));
}

int main(void) {
	printf("fp guest\n");
	arithmetic();
	conversions();
	rounding_modes();
	flags();
	series();
	specials();
	printf("fp done\n");
	return 0;
}
