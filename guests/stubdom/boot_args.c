/*
 * A minimal flattened-device-tree walk (devicetree specification v0.4, chapter 5): the
 * structure block is a stream of big-endian tokens; we only need one property of /chosen.
 */
#include "boot_args.h"
#include "guest.h"

#define FDT_MAGIC 0xd00dfeedu
#define FDT_BEGIN_NODE 1
#define FDT_END_NODE 2
#define FDT_PROP 3
#define FDT_NOP 4
#define FDT_END 9

static uint32_t be32(const uint8_t *p) {
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static int str_eq(const char *a, const char *b) {
	while (*a && *a == *b) a++, b++;
	return *a == *b;
}

const char *fdt_bootargs(const void *dtb) {
	const uint8_t *f = dtb;
	if (be32(f) != FDT_MAGIC) return 0;
	const uint8_t *p = f + be32(f + 8), *end = p + be32(f + 36);
	const char *strings = (const char *)f + be32(f + 12);
	int depth = 0, in_chosen = 0;
	while (p < end) {
		uint32_t tok = be32(p);
		p += 4;
		if (tok == FDT_BEGIN_NODE) {
			const char *name = (const char *)p;
			depth++;
			/* /chosen is a child of the root (depth 2, the root's name is empty). */
			in_chosen = depth == 2 && str_eq(name, "chosen");
			p += (strlen(name) + 1 + 3) & ~3ul;
		} else if (tok == FDT_END_NODE) {
			depth--;
			in_chosen = 0;
		} else if (tok == FDT_PROP) {
			uint32_t len = be32(p), nameoff = be32(p + 4);
			const char *value = (const char *)p + 8;
			if (in_chosen && str_eq(strings + nameoff, "bootargs") && len > 0) return value;
			p += 8 + ((len + 3) & ~3u);
		} else if (tok == FDT_END) {
			break;
		} else if (tok != FDT_NOP) {
			return 0; /* not a token: a damaged tree */
		}
	}
	return 0;
}

long arg_value(const char *args, const char *key) {
	size_t klen = strlen(key);
	for (const char *s = args; *s;) {
		while (*s == ' ') s++;
		if (memcmp(s, key, klen) == 0 && s[klen] >= '0' && s[klen] <= '9') {
			long v = 0;
			for (s += klen; *s >= '0' && *s <= '9'; s++) v = v * 10 + (*s - '0');
			if (*s == 0 || *s == ' ') return v;
		}
		while (*s && *s != ' ') s++;
	}
	return -1;
}
