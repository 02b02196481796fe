/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Just enough JSON for the operator socket: a streaming emitter (ltsd's
 * answers) and a small tree parser (ltsctl, tests). Both are strict about
 * what they produce and accept (RFC 8259); neither needs a library.
 */
#ifndef LTS_JSON_H
#define LTS_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LTS_JSON_MAX_DEPTH 32

/*
 * Emitter. Every call appends one value; key is its member name inside an
 * object and must be NULL inside an array or at the top. Errors are sticky:
 * check err once at the end. Strings are escaped; bytes that are not valid
 * UTF-8 (a peer's Host Name is whatever it sent) become \u00XX, so the
 * output is always valid JSON.
 */
struct lts_json {
	char *buf;
	size_t len, cap;
	int err;                  /* 0 or the first negative errno */
	bool pretty;              /* two-space indentation, one member a line */
	unsigned int depth;
	bool has_items[LTS_JSON_MAX_DEPTH + 1];
	bool is_obj[LTS_JSON_MAX_DEPTH + 1];
};

void lts_json_init(struct lts_json *j, bool pretty);
void lts_json_free(struct lts_json *j);
void lts_json_obj_begin(struct lts_json *j, const char *key);
void lts_json_obj_end(struct lts_json *j);
void lts_json_arr_begin(struct lts_json *j, const char *key);
void lts_json_arr_end(struct lts_json *j);
/* s NULL: null. */
void lts_json_str(struct lts_json *j, const char *key, const char *s);
void lts_json_u64(struct lts_json *j, const char *key, uint64_t v);
void lts_json_i64(struct lts_json *j, const char *key, int64_t v);
void lts_json_bool(struct lts_json *j, const char *key, bool v);
void lts_json_null(struct lts_json *j, const char *key);
/*
 * Close the document: a final newline, and *out owns the NUL-terminated
 * text (the emitter is left empty). Returns 0 or the sticky error.
 */
int lts_json_finish(struct lts_json *j, char **out, size_t *len);

/* Parser: a tree of values. */
enum lts_json_type {
	LTS_JSON_NULL,
	LTS_JSON_BOOL,
	LTS_JSON_NUM,
	LTS_JSON_STR,
	LTS_JSON_ARR,
	LTS_JSON_OBJ,
};

struct lts_json_val {
	enum lts_json_type type;
	char *key;                 /* member name inside an object, else NULL */
	char *str;                 /* STR: decoded (UTF-8, NUL-terminated); NUM: as written */
	size_t str_len;            /* STR: bytes (a decoded \u0000 is kept) */
	bool b;
	struct lts_json_val *child; /* ARR, OBJ: first element or member */
	struct lts_json_val *next;  /* next sibling */
	size_t n;                   /* ARR, OBJ: number of children */
};

/*
 * Parse one document (surrounding whitespace allowed, nothing else). On
 * error returns -EINVAL (syntax, with "offset N: why" in err) or -ENOMEM.
 */
int lts_json_parse(const char *text, size_t len, struct lts_json_val **out, char *err,
		   size_t errlen);
void lts_json_val_free(struct lts_json_val *v);

/* Member of an object, or NULL (also when obj is NULL or not an object). */
const struct lts_json_val *lts_json_get(const struct lts_json_val *obj, const char *key);
/* A member's string, or NULL when missing or not a string. */
const char *lts_json_get_str(const struct lts_json_val *obj, const char *key);
/* A non-negative integer member: 0, or -ENOENT (missing) / -EINVAL (not one). */
int lts_json_get_u64(const struct lts_json_val *obj, const char *key, uint64_t *out);
/* A number value that is a non-negative integer: 0 or -EINVAL. */
int lts_json_to_u64(const struct lts_json_val *v, uint64_t *out);

#endif /* LTS_JSON_H */
