/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small helpers every layer uses, written once: array length, big-endian
 * (network order) loads and stores on byte buffers, reading an ID.
 */
#ifndef LTS_UTIL_H
#define LTS_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

static inline uint16_t lts_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t lts_get32(const uint8_t *p)
{
	return (uint32_t)lts_get16(p) << 16 | lts_get16(p + 2);
}

static inline uint64_t lts_get64(const uint8_t *p)
{
	return (uint64_t)lts_get32(p) << 32 | lts_get32(p + 4);
}

static inline void lts_put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static inline void lts_put32(uint8_t *p, uint32_t v)
{
	lts_put16(p, v >> 16);
	lts_put16(p + 2, v & 0xffff);
}

/*
 * An L2TP tunnel or session ID written in decimal, 1-65535: digits only, no
 * sign, no blanks (the operator socket and ltsctl read IDs the same way).
 */
static inline bool lts_parse_id(const char *s, size_t len, uint16_t *out)
{
	unsigned long v = 0;
	size_t i;

	if (!len || len > 5)
		return false;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (!v || v > UINT16_MAX)
		return false;
	if (out)
		*out = (uint16_t)v;
	return true;
}

#endif /* LTS_UTIL_H */
