// SPDX-License-Identifier: GPL-2.0
/*
 * A JSON emitter and parser (RFC 8259) for the operator socket. See json.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "json.h"

/* ------------------------------------------------------------ emitter */

static void put(struct lts_json *j, const char *s, size_t n)
{
	if (j->err)
		return;
	if (j->len + n + 1 > j->cap) {
		size_t cap = j->cap ? j->cap : 4096;
		char *nb;

		while (j->len + n + 1 > cap)
			cap *= 2;
		nb = realloc(j->buf, cap);
		if (!nb) {
			j->err = -ENOMEM;
			return;
		}
		j->buf = nb;
		j->cap = cap;
	}
	memcpy(j->buf + j->len, s, n);
	j->len += n;
	j->buf[j->len] = '\0';
}

static void puts_(struct lts_json *j, const char *s)
{
	put(j, s, strlen(s));
}

static void indent(struct lts_json *j, unsigned int depth)
{
	static const char spaces[] = "                                ";
	unsigned int n = depth * 2;

	put(j, "\n", 1);
	while (n) {
		unsigned int k = n < sizeof(spaces) - 1 ? n : sizeof(spaces) - 1;

		put(j, spaces, k);
		n -= k;
	}
}

/*
 * Length of the valid UTF-8 sequence at s (at most n bytes), or 0: an
 * overlong form, a surrogate, beyond U+10FFFF, or truncated (RFC 3629 4).
 */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	uint32_t cp;
	size_t len, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

static void put_string(struct lts_json *j, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str), i = 0, run;
	char esc[8];

	put(j, "\"", 1);
	while (i < n) {
		unsigned char c = s[i];

		if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f) {
			/* A printable character, or a whole valid UTF-8 sequence. */
			run = utf8_seq(s + i, n - i);
			if (run) {
				put(j, (const char *)s + i, run);
				i += run;
				continue;
			}
		}
		switch (c) {
		case '"': puts_(j, "\\\""); break;
		case '\\': puts_(j, "\\\\"); break;
		case '\b': puts_(j, "\\b"); break;
		case '\f': puts_(j, "\\f"); break;
		case '\n': puts_(j, "\\n"); break;
		case '\r': puts_(j, "\\r"); break;
		case '\t': puts_(j, "\\t"); break;
		default:
			/* Control characters, DEL, and bytes of invalid UTF-8 (as Latin-1). */
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			puts_(j, esc);
		}
		i++;
	}
	put(j, "\"", 1);
}

/* Separator, indentation and member name before a value. */
static void begin_value(struct lts_json *j, const char *key)
{
	unsigned int d = j->depth;

	if (j->err)
		return;
	if (d == 0 ? j->has_items[0] || key : !key != !j->is_obj[d]) {
		j->err = -EINVAL; /* second top-level value, or key misuse */
		return;
	}
	if (d && j->has_items[d])
		put(j, ",", 1);
	if (d && j->pretty)
		indent(j, d);
	j->has_items[d] = true;
	if (key) {
		put_string(j, key);
		puts_(j, j->pretty ? ": " : ":");
	}
}

static void open_container(struct lts_json *j, const char *key, bool obj)
{
	begin_value(j, key);
	if (j->err)
		return;
	if (j->depth == LTS_JSON_MAX_DEPTH) {
		j->err = -E2BIG;
		return;
	}
	put(j, obj ? "{" : "[", 1);
	j->depth++;
	j->has_items[j->depth] = false;
	j->is_obj[j->depth] = obj;
}

static void close_container(struct lts_json *j, bool obj)
{
	if (j->err)
		return;
	if (!j->depth || j->is_obj[j->depth] != obj) {
		j->err = -EINVAL;
		return;
	}
	if (j->pretty && j->has_items[j->depth])
		indent(j, j->depth - 1);
	put(j, obj ? "}" : "]", 1);
	j->depth--;
}

void lts_json_init(struct lts_json *j, bool pretty)
{
	memset(j, 0, sizeof(*j));
	j->pretty = pretty;
}

void lts_json_free(struct lts_json *j)
{
	if (!j)
		return;
	free(j->buf);
	lts_json_init(j, j->pretty);
}

void lts_json_obj_begin(struct lts_json *j, const char *key)
{
	open_container(j, key, true);
}

void lts_json_obj_end(struct lts_json *j)
{
	close_container(j, true);
}

void lts_json_arr_begin(struct lts_json *j, const char *key)
{
	open_container(j, key, false);
}

void lts_json_arr_end(struct lts_json *j)
{
	close_container(j, false);
}

void lts_json_str(struct lts_json *j, const char *key, const char *s)
{
	begin_value(j, key);
	if (s)
		put_string(j, s);
	else
		puts_(j, "null");
}

void lts_json_u64(struct lts_json *j, const char *key, uint64_t v)
{
	char num[24];

	begin_value(j, key);
	snprintf(num, sizeof(num), "%" PRIu64, v);
	puts_(j, num);
}

void lts_json_i64(struct lts_json *j, const char *key, int64_t v)
{
	char num[24];

	begin_value(j, key);
	snprintf(num, sizeof(num), "%" PRId64, v);
	puts_(j, num);
}

void lts_json_bool(struct lts_json *j, const char *key, bool v)
{
	begin_value(j, key);
	puts_(j, v ? "true" : "false");
}

void lts_json_null(struct lts_json *j, const char *key)
{
	begin_value(j, key);
	puts_(j, "null");
}

int lts_json_finish(struct lts_json *j, char **out, size_t *len)
{
	if (!j->err && (j->depth || !j->has_items[0]))
		j->err = -EINVAL; /* unclosed container or empty document */
	put(j, "\n", 1);
	if (j->err) {
		int err = j->err;

		lts_json_free(j);
		return err;
	}
	*out = j->buf;
	if (len)
		*len = j->len;
	j->buf = NULL;
	lts_json_free(j);
	return 0;
}

/* ------------------------------------------------------------ parser */

struct parser {
	const char *s;
	size_t len, pos;
	unsigned int depth;
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 2, 3)))
static int syntax(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (p->err && p->errlen) {
		n = snprintf(p->err, p->errlen, "offset %zu: ", p->pos);
		if (n >= 0 && (size_t)n < p->errlen) {
			va_start(ap, fmt);
			vsnprintf(p->err + n, p->errlen - n, fmt, ap);
			va_end(ap);
		}
	}
	return -EINVAL;
}

static void skip_ws(struct parser *p)
{
	while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' ||
				   p->s[p->pos] == '\n' || p->s[p->pos] == '\r'))
		p->pos++;
}

static int hex4(struct parser *p, uint32_t *out)
{
	uint32_t v = 0;
	int i;

	if (p->len - p->pos < 4)
		return syntax(p, "truncated \\u escape");
	for (i = 0; i < 4; i++) {
		char c = p->s[p->pos++];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return syntax(p, "bad hex digit in \\u escape");
	}
	*out = v;
	return 0;
}

static size_t utf8_put(char *d, uint32_t cp)
{
	if (cp < 0x80) {
		d[0] = cp;
		return 1;
	}
	if (cp < 0x800) {
		d[0] = 0xc0 | cp >> 6;
		d[1] = 0x80 | (cp & 0x3f);
		return 2;
	}
	if (cp < 0x10000) {
		d[0] = 0xe0 | cp >> 12;
		d[1] = 0x80 | (cp >> 6 & 0x3f);
		d[2] = 0x80 | (cp & 0x3f);
		return 3;
	}
	d[0] = 0xf0 | cp >> 18;
	d[1] = 0x80 | (cp >> 12 & 0x3f);
	d[2] = 0x80 | (cp >> 6 & 0x3f);
	d[3] = 0x80 | (cp & 0x3f);
	return 4;
}

/* At the opening quote: decode into a new buffer (never longer than the source). */
static int parse_string(struct parser *p, char **out, size_t *out_len)
{
	size_t start = ++p->pos, end = start, n = 0, k;
	uint32_t cp, lo;
	char *d;
	int err;

	while (end < p->len && p->s[end] != '"')
		end += p->s[end] == '\\' ? 2 : 1;
	if (end >= p->len)
		return syntax(p, "unterminated string");
	d = malloc(end - start + 1);
	if (!d)
		return -ENOMEM;
	while (p->pos < end) {
		unsigned char c = p->s[p->pos];

		if (c < 0x20) {
			err = syntax(p, "control character in string");
			goto fail;
		}
		if (c != '\\') {
			k = utf8_seq((const unsigned char *)p->s + p->pos, end - p->pos);
			if (!k) {
				err = syntax(p, "invalid UTF-8 in string");
				goto fail;
			}
			memcpy(d + n, p->s + p->pos, k);
			n += k;
			p->pos += k;
			continue;
		}
		p->pos++;
		switch (p->s[p->pos++]) {
		case '"': d[n++] = '"'; break;
		case '\\': d[n++] = '\\'; break;
		case '/': d[n++] = '/'; break;
		case 'b': d[n++] = '\b'; break;
		case 'f': d[n++] = '\f'; break;
		case 'n': d[n++] = '\n'; break;
		case 'r': d[n++] = '\r'; break;
		case 't': d[n++] = '\t'; break;
		case 'u':
			err = hex4(p, &cp);
			if (err)
				goto fail;
			if (cp >= 0xdc00 && cp <= 0xdfff) {
				err = syntax(p, "lone low surrogate");
				goto fail;
			}
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (p->pos + 2 > end || p->s[p->pos] != '\\' || p->s[p->pos + 1] != 'u') {
					err = syntax(p, "lone high surrogate");
					goto fail;
				}
				p->pos += 2;
				err = hex4(p, &lo);
				if (err)
					goto fail;
				if (lo < 0xdc00 || lo > 0xdfff) {
					err = syntax(p, "bad low surrogate");
					goto fail;
				}
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			}
			n += utf8_put(d + n, cp);
			break;
		default:
			p->pos--;
			err = syntax(p, "bad escape");
			goto fail;
		}
	}
	if (p->pos != end) { /* an escape ran into the closing quote */
		err = syntax(p, "bad escape at the end of a string");
		goto fail;
	}
	p->pos = end + 1;
	d[n] = '\0';
	*out = d;
	if (out_len)
		*out_len = n;
	return 0;
fail:
	free(d);
	return err;
}

static size_t digits(struct parser *p)
{
	size_t n = 0;

	while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') {
		p->pos++;
		n++;
	}
	return n;
}

static int parse_number(struct parser *p, struct lts_json_val *v)
{
	size_t start = p->pos;

	if (p->s[p->pos] == '-')
		p->pos++;
	if (p->pos < p->len && p->s[p->pos] == '0')
		p->pos++;
	else if (!digits(p))
		return syntax(p, "bad number");
	if (p->pos < p->len && p->s[p->pos] == '.') {
		p->pos++;
		if (!digits(p))
			return syntax(p, "bad fraction");
	}
	if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
		p->pos++;
		if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-'))
			p->pos++;
		if (!digits(p))
			return syntax(p, "bad exponent");
	}
	v->type = LTS_JSON_NUM;
	v->str = strndup(p->s + start, p->pos - start);
	return v->str ? 0 : -ENOMEM;
}

static int parse_literal(struct parser *p, const char *word)
{
	size_t n = strlen(word);

	if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n))
		return syntax(p, "unexpected character '%c'", p->s[p->pos]);
	p->pos += n;
	return 0;
}

static int parse_value(struct parser *p, struct lts_json_val **out);

/* At '[' or '{'. */
static int parse_container(struct parser *p, struct lts_json_val *v, bool obj)
{
	struct lts_json_val **tail = &v->child, *c;
	char close = obj ? '}' : ']', *key = NULL;
	int err;

	if (++p->depth > LTS_JSON_MAX_DEPTH)
		return syntax(p, "nested deeper than %d", LTS_JSON_MAX_DEPTH);
	v->type = obj ? LTS_JSON_OBJ : LTS_JSON_ARR;
	p->pos++;
	skip_ws(p);
	if (p->pos < p->len && p->s[p->pos] == close) {
		p->pos++;
		p->depth--;
		return 0;
	}
	for (;;) {
		skip_ws(p);
		if (obj) {
			if (p->pos >= p->len || p->s[p->pos] != '"')
				return syntax(p, "expected a member name");
			err = parse_string(p, &key, NULL);
			if (err)
				return err;
			skip_ws(p);
			if (p->pos >= p->len || p->s[p->pos] != ':') {
				free(key);
				return syntax(p, "expected ':'");
			}
			p->pos++;
		}
		err = parse_value(p, &c);
		if (err) {
			free(key);
			return err;
		}
		c->key = key;
		key = NULL;
		*tail = c;
		tail = &c->next;
		v->n++;
		skip_ws(p);
		if (p->pos < p->len && p->s[p->pos] == ',') {
			p->pos++;
			continue;
		}
		if (p->pos < p->len && p->s[p->pos] == close) {
			p->pos++;
			p->depth--;
			return 0;
		}
		return syntax(p, "expected ',' or '%c'", close);
	}
}

static int parse_value(struct parser *p, struct lts_json_val **out)
{
	struct lts_json_val *v;
	int err;

	skip_ws(p);
	if (p->pos >= p->len)
		return syntax(p, "unexpected end of input");
	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	switch (p->s[p->pos]) {
	case '{':
	case '[':
		err = parse_container(p, v, p->s[p->pos] == '{');
		break;
	case '"':
		v->type = LTS_JSON_STR;
		err = parse_string(p, &v->str, &v->str_len);
		break;
	case 't':
	case 'f':
		v->type = LTS_JSON_BOOL;
		v->b = p->s[p->pos] == 't';
		err = parse_literal(p, v->b ? "true" : "false");
		break;
	case 'n':
		v->type = LTS_JSON_NULL;
		err = parse_literal(p, "null");
		break;
	default:
		if (p->s[p->pos] == '-' || (p->s[p->pos] >= '0' && p->s[p->pos] <= '9'))
			err = parse_number(p, v);
		else
			err = syntax(p, "unexpected character '%c'", p->s[p->pos]);
	}
	if (err) {
		lts_json_val_free(v);
		return err;
	}
	*out = v;
	return 0;
}

int lts_json_parse(const char *text, size_t len, struct lts_json_val **out, char *err,
		   size_t errlen)
{
	struct parser p = { .s = text, .len = len, .err = err, .errlen = errlen };
	struct lts_json_val *v;
	int ret;

	if (err && errlen)
		err[0] = '\0';
	ret = parse_value(&p, &v);
	if (ret)
		return ret;
	skip_ws(&p);
	if (p.pos != p.len) {
		lts_json_val_free(v);
		return syntax(&p, "trailing characters after the document");
	}
	*out = v;
	return 0;
}

void lts_json_val_free(struct lts_json_val *v)
{
	struct lts_json_val *next;

	for (; v; v = next) {
		next = v->next;
		lts_json_val_free(v->child);
		free(v->key);
		free(v->str);
		free(v);
	}
}

const struct lts_json_val *lts_json_get(const struct lts_json_val *obj, const char *key)
{
	const struct lts_json_val *c;

	if (!obj || obj->type != LTS_JSON_OBJ)
		return NULL;
	for (c = obj->child; c; c = c->next)
		if (!strcmp(c->key, key))
			return c;
	return NULL;
}

const char *lts_json_get_str(const struct lts_json_val *obj, const char *key)
{
	const struct lts_json_val *v = lts_json_get(obj, key);

	return v && v->type == LTS_JSON_STR ? v->str : NULL;
}

int lts_json_to_u64(const struct lts_json_val *v, uint64_t *out)
{
	unsigned long long x;
	char *end;

	if (!v || v->type != LTS_JSON_NUM || v->str[0] == '-' ||
	    strpbrk(v->str, ".eE"))
		return -EINVAL;
	errno = 0;
	x = strtoull(v->str, &end, 10);
	if (errno || *end)
		return -EINVAL;
	*out = x;
	return 0;
}

int lts_json_get_u64(const struct lts_json_val *obj, const char *key, uint64_t *out)
{
	const struct lts_json_val *v = lts_json_get(obj, key);

	return v ? lts_json_to_u64(v, out) : -ENOENT;
}
