/* Runtime of the test guests: UART, a small printf (integers and strings), PSCI, libc bits. */
#include "guest.h"

#define UART_DR 0x00
#define UART_FR 0x18
#define FR_TXFF (1u << 5)

void putc_uart(char c) {
	while (mmio_read32(UART_BASE + UART_FR) & FR_TXFF) {
	}
	mmio_write32(UART_BASE + UART_DR, (uint8_t)c);
}

void puts_uart(const char *s) {
	while (*s) putc_uart(*s++);
}

uint64_t psci_call(uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3) {
	register uint64_t x0 __asm__("x0") = fn;
	register uint64_t x1 __asm__("x1") = a1;
	register uint64_t x2 __asm__("x2") = a2;
	register uint64_t x3 __asm__("x3") = a3;
	__asm__ volatile("hvc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)::"memory");
	return x0;
}

void psci_system_off(void) {
	psci_call(0x84000008, 0, 0, 0);
	for (;;) __asm__ volatile("wfi");
}

void unexpected_exception(uint64_t index) {
	printf("UNEXPECTED EXCEPTION vector %lu ESR=%lx ELR=%lx FAR=%lx\n", index, READ_SYSREG(esr_el1),
	       READ_SYSREG(elr_el1), READ_SYSREG(far_el1));
	psci_system_off();
}

uint32_t fnv1a(const void *p, size_t n, uint32_t h) {
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 16777619u;
	return h;
}

void *memset(void *d, int c, size_t n) {
	volatile uint8_t *p = d; /* volatile: keep GCC from turning this back into memset */
	while (n--) *p++ = (uint8_t)c;
	return d;
}

void *memcpy(void *d, const void *s, size_t n) {
	volatile uint8_t *o = d;
	const uint8_t *i = s;
	while (n--) *o++ = *i++;
	return d;
}

void *memmove(void *d, const void *s, size_t n) {
	volatile uint8_t *o = d;
	const uint8_t *i = s;
	if (o < i) {
		while (n--) *o++ = *i++;
	} else {
		while (n--) o[n] = i[n];
	}
	return d;
}

int memcmp(const void *a, const void *b, size_t n) {
	const uint8_t *x = a, *y = b;
	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i]) return x[i] - y[i];
	return 0;
}

size_t strlen(const char *s) {
	size_t n = 0;
	while (s[n]) n++;
	return n;
}

struct out {
	char *buf;
	size_t cap, len;
};

static void emit(struct out *o, char c) {
	if (o->buf) {
		if (o->len + 1 < o->cap) o->buf[o->len] = c;
	} else {
		putc_uart(c);
	}
	o->len++;
}

static void emit_num(struct out *o, uint64_t v, int neg, unsigned base, int upper, int width,
		     char pad, int left, int plus) {
	char tmp[24];
	int n = 0;
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	int sign = neg || plus;
	int total = n + sign;
	if (!left && pad == ' ')
		for (; total < width; total++) emit(o, ' ');
	if (sign) emit(o, neg ? '-' : '+');
	if (!left && pad == '0')
		for (; total < width; total++) emit(o, '0');
	while (n) emit(o, tmp[--n]);
	if (left)
		for (; total < width; total++) emit(o, ' ');
}

static int format(struct out *o, const char *f, va_list ap) {
	for (; *f; f++) {
		if (*f != '%') {
			emit(o, *f);
			continue;
		}
		f++;
		int left = 0, plus = 0, width = 0, lng = 0;
		char pad = ' ';
		for (;; f++) {
			if (*f == '-') left = 1;
			else if (*f == '+') plus = 1;
			else if (*f == '0') pad = '0';
			else break;
		}
		while (*f >= '0' && *f <= '9') width = width * 10 + (*f++ - '0');
		while (*f == 'l' || *f == 'z') {
			lng++;
			f++;
		}
		switch (*f) {
		case 'd':
		case 'i': {
			int64_t v = lng ? va_arg(ap, int64_t) : va_arg(ap, int);
			emit_num(o, v < 0 ? -(uint64_t)v : (uint64_t)v, v < 0, 10, 0, width, pad, left, plus);
			break;
		}
		case 'u':
		case 'x':
		case 'X': {
			uint64_t v = lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned);
			emit_num(o, v, 0, *f == 'u' ? 10 : 16, *f == 'X', width, pad, left, 0);
			break;
		}
		case 'p':
			emit(o, '0');
			emit(o, 'x');
			emit_num(o, (uintptr_t)va_arg(ap, void *), 0, 16, 0, 0, ' ', 0, 0);
			break;
		case 'c':
			emit(o, (char)va_arg(ap, int));
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);
			int n = (int)strlen(s);
			if (!left)
				for (; n < width; n++) emit(o, ' ');
			while (*s) emit(o, *s++);
			if (left)
				for (; n < width; n++) emit(o, ' ');
			break;
		}
		case '%':
			emit(o, '%');
			break;
		default:
			emit(o, '?');
		}
	}
	return (int)o->len;
}

int vsnprintf(char *buf, size_t n, const char *fmt, va_list ap) {
	struct out o = {buf, n, 0};
	int r = format(&o, fmt, ap);
	if (buf && n) buf[o.len < n ? o.len : n - 1] = 0;
	return r;
}

int snprintf(char *buf, size_t n, const char *fmt, ...) {
	va_list ap;
	va_start(ap, fmt);
	int r = vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return r;
}

int printf(const char *fmt, ...) {
	va_list ap;
	va_start(ap, fmt);
	struct out o = {0, 0, 0};
	int r = format(&o, fmt, ap);
	va_end(ap);
	return r;
}
