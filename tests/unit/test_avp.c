// SPDX-License-Identifier: GPL-2.0
/*
 * AVP codec (agent/l2tp/avp.c): the table, round trips of every row plain and
 * hidden, a hidden-AVP vector computed here with libmd independently of the
 * codec, every malformed length, Message Type placement, unknown and vendor
 * AVPs, permissive mode, the writer's sticky errors and the typed getters.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>
#include <md5.h>
#include "l2tp/avp.h"
#include "l2tp/ctrl_msg.h"
#include "lib/util.h"


static const uint8_t secret[] = "tunnel-secret";
#define SECRET_LEN (sizeof(secret) - 1)

/* Deterministic randomness: a counter, so every run emits the same bytes. */
static int counter_random(void *ctx, void *buf, size_t len)
{
	uint8_t *seed = ctx, *p = buf;

	while (len--)
		*p++ = (*seed)++ * 37 + 11;
	return 0;
}

/* Randomness from a script: the bytes the test expects the writer to use. */
struct script {
	const uint8_t *bytes;
	size_t len, pos;
};

static int script_random(void *ctx, void *buf, size_t len)
{
	struct script *s = ctx;

	if (len > s->len - s->pos)
		return -EIO;
	memcpy(buf, s->bytes + s->pos, len);
	s->pos += len;
	return 0;
}

static int failing_random(void *ctx, void *buf, size_t len)
{
	(void)ctx, (void)buf, (void)len;
	return -EAGAIN;
}

/* Randomness that is one byte value throughout (ctx: that byte). */
static int constant_random(void *ctx, void *buf, size_t len)
{
	memset(buf, *(const uint8_t *)ctx, len);
	return 0;
}

/* Hand-built bodies, so malformed input does not depend on the writer. */
struct raw {
	uint8_t b[1024];
	size_t n;
};

static void raw_hdr(struct raw *r, uint16_t flags, uint16_t len, uint16_t vendor, uint16_t type)
{
	uint16_t w0 = flags | len;

	r->b[r->n++] = w0 >> 8;
	r->b[r->n++] = w0 & 0xff;
	r->b[r->n++] = vendor >> 8;
	r->b[r->n++] = vendor & 0xff;
	r->b[r->n++] = type >> 8;
	r->b[r->n++] = type & 0xff;
}

static void raw_avp(struct raw *r, uint16_t flags, uint16_t vendor, uint16_t type,
		    const void *val, size_t vlen)
{
	raw_hdr(r, flags, (uint16_t)(6 + vlen), vendor, type);
	memcpy(r->b + r->n, val, vlen);
	r->n += vlen;
}

static void raw_msgtype(struct raw *r, uint16_t type)
{
	uint8_t v[2] = { type >> 8, type & 0xff };

	raw_avp(r, LTS_AVP_F_MANDATORY, 0, 0, v, 2);
}

static struct lts_ctrl_msg msg; /* large: keep it off the stack */

static int decode(const void *body, size_t len, const struct lts_avp_opts *o,
		  struct lts_avp_error *err)
{
	return lts_avp_decode(body, len, o, &msg, err);
}

/* The table itself: every RFC 2661 type but 20, plus 46 and 93, each once. */
static void test_table(void **state)
{
	/* clang-format off */
	static const uint16_t never_hidden[] = { 0, 1, 2, 5, 7, 10, 12, 36, 39 };
	/* clang-format on */
	/* clang-format off */
	static const uint16_t m_clear[] = { 5, 6, 8, 25, 26, 27, 28, 29, 30, 31, 32, 33, 37, 38,
					    46, 93 };
	/* clang-format on */
	const struct lts_avp_def *d;
	unsigned int t, i, j;

	(void)state;
	for (t = 0; t <= 39; t++) {
		d = lts_avp_def_find(0, t);
		if (t == 20) {
			assert_null(d);
			continue;
		}
		assert_non_null(d);
		assert_int_equal(d->type, t);
	}
	assert_non_null(lts_avp_def_find(0, 46));
	assert_non_null(lts_avp_def_find(0, 93));
	assert_int_equal(LTS_AVP_N, 39 + 2);
	for (i = 0; i < LTS_AVP_N; i++) {
		d = lts_avp_def_get(i);
		assert_int_equal(d->id, i);
		assert_int_equal(d->vendor, 0);
		assert_true(d->min_len <= d->max_len);
		assert_true(d->max_len <= LTS_AVP_VAL_MAX);
		assert_ptr_equal(lts_avp_def_find(d->vendor, d->type), d);
		for (j = 0; j < ARRAY_SIZE(never_hidden); j++)
			if (d->type == never_hidden[j])
				assert_false(d->may_hide);
		for (j = 0; j < ARRAY_SIZE(m_clear); j++)
			if (d->type == m_clear[j])
				assert_false(d->mandatory);
	}
	assert_null(lts_avp_def_get(LTS_AVP_N));
	assert_null(lts_avp_def_find(3561, 2));
}

/* A valid sample value for a row, as wire bytes. */
static size_t sample(const struct lts_avp_def *d, uint8_t *b)
{
	size_t len, i;

	switch (d->dtype) {
	case LTS_AVP_DT_EMPTY:
		return 0;
	case LTS_AVP_DT_U16:
		b[0] = 0x12, b[1] = 0x34;
		return 2;
	case LTS_AVP_DT_U32:
		memcpy(b, "\x12\x34\x56\x78", 4);
		return 4;
	case LTS_AVP_DT_U64:
		memcpy(b, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
		return 8;
	case LTS_AVP_DT_PROTO_VER:
		b[0] = 1, b[1] = 0;
		return 2;
	case LTS_AVP_DT_RESULT:
		memcpy(b, "\x00\x02\x00\x06oops", 8);
		return 8;
	case LTS_AVP_DT_Q931:
		memcpy(b, "\x00\x10\x05" "busy", 7);
		return 7;
	case LTS_AVP_DT_CALL_ERR:
	case LTS_AVP_DT_ACCM:
		for (i = 0; i < d->min_len; i++)
			b[i] = i < 2 ? 0 : (uint8_t)(i * 7);
		return d->min_len;
	case LTS_AVP_DT_PPP_DISC:
		memcpy(b, "\x00\x03\xc0\x21\x01" "peer", 9);
		return 9;
	case LTS_AVP_DT_BYTES:
	case LTS_AVP_DT_STRING:
		len = d->min_len > 21 ? d->min_len : 21; /* two MD5 blocks when hidden */
		len = len < d->max_len ? len : d->max_len;
		for (i = 0; i < len; i++)
			b[i] = 'a' + i % 26;
		return len;
	}
	return 0;
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)be16(p) << 16 | be16(p + 2);
}

/* Emit a sample through the typed adder of the row's data type. */
static int add_sample(struct lts_avp_writer *w, const struct lts_avp_def *d, const uint8_t *b,
		      size_t len)
{
	struct lts_avp_proto_ver pv;
	struct lts_avp_result res;
	struct lts_avp_q931 q;
	struct lts_avp_call_errors ce;
	struct lts_avp_accm accm;
	struct lts_avp_ppp_disc pd;

	switch (d->dtype) {
	case LTS_AVP_DT_EMPTY:
		return lts_avpw_add_empty(w, d->id);
	case LTS_AVP_DT_U16:
		return lts_avpw_add_u16(w, d->id, be16(b));
	case LTS_AVP_DT_U32:
		return lts_avpw_add_u32(w, d->id, be32(b));
	case LTS_AVP_DT_U64:
		return lts_avpw_add_u64(w, d->id, (uint64_t)be32(b) << 32 | be32(b + 4));
	case LTS_AVP_DT_BYTES:
		return lts_avpw_add_bytes(w, d->id, b, len);
	case LTS_AVP_DT_STRING: {
		char s[64];

		memcpy(s, b, len);
		s[len] = '\0';
		return lts_avpw_add_string(w, d->id, s);
	}
	case LTS_AVP_DT_PROTO_VER:
		pv.ver = b[0], pv.rev = b[1];
		return lts_avpw_add_proto_ver(w, &pv);
	case LTS_AVP_DT_RESULT:
		res = (struct lts_avp_result){ be16(b), true, be16(b + 2), (const char *)b + 4,
					       len - 4 };
		return lts_avpw_add_result(w, &res);
	case LTS_AVP_DT_Q931:
		q = (struct lts_avp_q931){ be16(b), b[2], (const char *)b + 3, len - 3 };
		return lts_avpw_add_q931(w, &q);
	case LTS_AVP_DT_CALL_ERR:
		ce = (struct lts_avp_call_errors){ be32(b + 2),	 be32(b + 6),  be32(b + 10),
						   be32(b + 14), be32(b + 18), be32(b + 22) };
		return lts_avpw_add_call_errors(w, &ce);
	case LTS_AVP_DT_ACCM:
		accm = (struct lts_avp_accm){ be32(b + 2), be32(b + 6) };
		return lts_avpw_add_accm(w, &accm);
	case LTS_AVP_DT_PPP_DISC:
		pd = (struct lts_avp_ppp_disc){ be16(b), be16(b + 2), b[4], (const char *)b + 5,
						len - 5 };
		return lts_avpw_add_ppp_disc(w, &pd);
	}
	return -EINVAL;
}

/* The typed getter of the row's data type gives back the sample. */
static void check_getter(const struct lts_avp *a, const uint8_t *b, size_t len)
{
	struct lts_avp_proto_ver pv;
	struct lts_avp_result res;
	struct lts_avp_q931 q;
	struct lts_avp_call_errors ce;
	struct lts_avp_accm accm;
	struct lts_avp_ppp_disc pd;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;
	char s[64];
	size_t n;

	switch (a->def->dtype) {
	case LTS_AVP_DT_EMPTY:
		assert_int_equal(a->len, 0);
		break;
	case LTS_AVP_DT_U16:
		assert_int_equal(lts_avp_val_u16(a, &u16), 0);
		assert_int_equal(u16, be16(b));
		assert_int_equal(lts_avp_val_u32(a, &u32), -EINVAL);
		break;
	case LTS_AVP_DT_U32:
		assert_int_equal(lts_avp_val_u32(a, &u32), 0);
		assert_int_equal(u32, be32(b));
		assert_int_equal(lts_avp_val_u16(a, &u16), -EINVAL);
		break;
	case LTS_AVP_DT_U64:
		assert_int_equal(lts_avp_val_u64(a, &u64), 0);
		assert_true(u64 == 0x0102030405060708ull);
		break;
	case LTS_AVP_DT_BYTES:
	case LTS_AVP_DT_STRING:
		assert_int_equal(lts_avp_val_string(a, s, sizeof(s), &n), 0);
		assert_int_equal(n, len);
		assert_memory_equal(s, b, len);
		assert_int_equal(s[len], '\0');
		break;
	case LTS_AVP_DT_PROTO_VER:
		assert_int_equal(lts_avp_val_proto_ver(a, &pv), 0);
		assert_int_equal(pv.ver, 1);
		assert_int_equal(pv.rev, 0);
		break;
	case LTS_AVP_DT_RESULT:
		assert_int_equal(lts_avp_val_result(a, &res), 0);
		assert_int_equal(res.result, 2);
		assert_true(res.has_error);
		assert_int_equal(res.error, 6);
		assert_int_equal(res.message_len, 4);
		assert_memory_equal(res.message, "oops", 4);
		break;
	case LTS_AVP_DT_Q931:
		assert_int_equal(lts_avp_val_q931(a, &q), 0);
		assert_int_equal(q.cause, 0x10);
		assert_int_equal(q.msg, 5);
		assert_int_equal(q.advisory_len, 4);
		assert_memory_equal(q.advisory, "busy", 4);
		break;
	case LTS_AVP_DT_CALL_ERR:
		assert_int_equal(lts_avp_val_call_errors(a, &ce), 0);
		assert_int_equal(ce.crc, be32(b + 2));
		assert_int_equal(ce.alignment, be32(b + 22));
		break;
	case LTS_AVP_DT_ACCM:
		assert_int_equal(lts_avp_val_accm(a, &accm), 0);
		assert_int_equal(accm.send, be32(b + 2));
		assert_int_equal(accm.recv, be32(b + 6));
		break;
	case LTS_AVP_DT_PPP_DISC:
		assert_int_equal(lts_avp_val_ppp_disc(a, &pd), 0);
		assert_int_equal(pd.code, 3);
		assert_int_equal(pd.protocol, 0xc021);
		assert_int_equal(pd.direction, 1);
		assert_int_equal(pd.message_len, 4);
		break;
	}
}

/* Every row, encoded by its typed adder and decoded back, plain and hidden. */
static void test_roundtrip_every_avp(void **state)
{
	unsigned int i, hide;

	(void)state;
	for (hide = 0; hide < 2; hide++) {
		for (i = 0; i < LTS_AVP_N; i++) {
			const struct lts_avp_def *d = lts_avp_def_get(i);
			uint8_t seed = (uint8_t)i, val[64], body[256];
			struct lts_avp_opts o = {
				.secret = secret,
				.secret_len = SECRET_LEN,
				.hide = hide,
				.random = counter_random,
				.random_ctx = &seed,
			};
			bool hidden = hide && d->may_hide;
			struct lts_avp_writer w;
			struct lts_avp_error err;
			const struct lts_avp *a;
			size_t len = sample(d, val);
			int n;

			print_message("  %s %s\n", hide ? "hidden" : "plain", d->name);
			lts_avpw_init(&w, body, sizeof(body), &o);
			assert_int_equal(lts_avpw_add_u16(&w, LTS_AVP_MSG_TYPE, LTS_CTRL_HELLO), 0);
			assert_int_equal(add_sample(&w, d, val, len), 0);
			n = lts_avpw_finish(&w);
			assert_true(n > 0);
			assert_int_equal(decode(body, n, &o, &err), 0);
			assert_int_equal(msg.type, LTS_CTRL_HELLO);
			assert_true(msg.type_mandatory);
			/* Hiding puts one Random Vector right after Message Type. */
			assert_int_equal(msg.n_avps, hidden ? 3 : 2);
			if (hidden) {
				assert_int_equal(msg.avps[1].type, LTS_AVP_TYPE_RANDOM_VECTOR);
				assert_int_equal(msg.avps[1].len, LTS_AVP_RV_LEN);
				assert_false(msg.avps[1].hidden);
			}
			a = &msg.avps[msg.n_avps - 1];
			assert_ptr_equal(a->def, d);
			assert_int_equal(a->hidden, hidden);
			assert_int_equal(a->mandatory, d->mandatory);
			assert_int_equal(!!(a->flags & LTS_AVP_F_HIDDEN), hidden);
			assert_int_equal(!!(a->flags & LTS_AVP_F_MANDATORY), d->mandatory);
			assert_int_equal(a->len, len);
			if (len)
				assert_memory_equal(a->val, val, len);
			if (hidden) /* ciphertext on the wire, not the value */
				assert_true(len < 4 || !memmem(body, n, val, len));
			check_getter(a, val, len);
		}
	}
}

/*
 * A hidden AVP computed here from RFC 2661 4.3 with libmd, byte for byte:
 * Called Number "0123456789abcdefXYZ" (19 octets), pad 3, so the subformat
 * (2 + 19 + 3 = 24 octets) takes one full block and a short one.
 */
static void test_hidden_vector(void **state)
{
	static const char value[] = "0123456789abcdefXYZ";
	const size_t vlen = sizeof(value) - 1, pad = 3, sublen = 2 + vlen + pad;
	uint8_t rnd[16 + 1 + 3], sub[32], b1[16], b2[16], type_be[2] = { 0, 21 };
	uint8_t expect[256], body[256];
	struct script s = { rnd, sizeof(rnd), 0 };
	struct lts_avp_opts o = { .secret = secret, .secret_len = SECRET_LEN, .hide = true,
				  .random = script_random, .random_ctx = &s };
	struct lts_avp_writer w;
	struct lts_avp_error err;
	size_t i, e = 0;
	MD5_CTX ctx;
	char got[32];
	int n;

	(void)state;
	for (i = 0; i < 16; i++)
		rnd[i] = 0xa0 + i;	/* Random Vector */
	rnd[16] = (uint8_t)pad;	/* pad count: 3 % 16 */
	rnd[17] = 0xee, rnd[18] = 0xdd, rnd[19] = 0xcc; /* pad bytes */

	/* Subformat: original length, value, padding. */
	sub[0] = 0, sub[1] = (uint8_t)vlen;
	memcpy(sub + 2, value, vlen);
	memcpy(sub + 2 + vlen, rnd + 17, pad);
	/* b1 = MD5(type + secret + RV); c1 = p1 ^ b1 */
	MD5Init(&ctx);
	MD5Update(&ctx, type_be, 2);
	MD5Update(&ctx, secret, SECRET_LEN);
	MD5Update(&ctx, rnd, 16);
	MD5Final(b1, &ctx);
	for (i = 0; i < 16; i++)
		sub[i] ^= b1[i];
	/* b2 = MD5(secret + c1); c2 = p2 ^ b2 over the short last block */
	MD5Init(&ctx);
	MD5Update(&ctx, secret, SECRET_LEN);
	MD5Update(&ctx, sub, 16);
	MD5Final(b2, &ctx);
	for (i = 16; i < sublen; i++)
		sub[i] ^= b2[i - 16];

	/* Expected body: Message Type, Random Vector, hidden Called Number. */
	memcpy(expect + e, "\x80\x08\x00\x00\x00\x00\x00\x0a", 8), e += 8;
	memcpy(expect + e, "\x80\x16\x00\x00\x00\x24", 6), e += 6;
	memcpy(expect + e, rnd, 16), e += 16;
	expect[e++] = 0xc0; /* M and H */
	expect[e++] = (uint8_t)(6 + sublen);
	memcpy(expect + e, "\x00\x00\x00\x15", 4), e += 4;
	memcpy(expect + e, sub, sublen), e += sublen;

	lts_avpw_init(&w, body, sizeof(body), &o);
	lts_avpw_add_u16(&w, LTS_AVP_MSG_TYPE, LTS_CTRL_ICRQ);
	lts_avpw_add_string(&w, LTS_AVP_CALLED_NUMBER, value);
	n = lts_avpw_finish(&w);
	assert_int_equal(n, e);
	assert_memory_equal(body, expect, e);
	assert_int_equal(s.pos, sizeof(rnd));

	/* And the decoder reveals the hand-made vector. */
	assert_int_equal(decode(expect, e, &o, &err), 0);
	assert_int_equal(lts_avp_get_string(&msg, LTS_AVP_CALLED_NUMBER, got, sizeof(got), NULL),
			 0);
	assert_string_equal(got, value);
	assert_true(msg.avps[2].hidden);
}

/* AVP Length 0..5, as the first AVP and after a valid Message Type. */
static void test_header_len_below_6(void **state)
{
	struct lts_avp_error err;
	unsigned int len, first;

	(void)state;
	for (first = 0; first < 2; first++) {
		for (len = 0; len < 6; len++) {
			struct raw r = { .n = 0 };

			if (!first)
				raw_msgtype(&r, LTS_CTRL_HELLO);
			raw_hdr(&r, LTS_AVP_F_MANDATORY, len, 0, 0);
			memset(r.b + r.n, 0, 8), r.n += 8; /* bytes after: not an excuse */
			assert_int_equal(decode(r.b, r.n, NULL, &err), -EBADMSG);
			assert_int_equal(err.code, LTS_AVP_E_AVP_LEN);
			assert_int_equal(err.offset, first ? 0 : 8);
			assert_int_equal(err.scope, LTS_CTRL_SCOPE_TUNNEL);
		}
	}
}

/* 1..5 trailing bytes: too short for an AVP header. */
static void test_truncated_header(void **state)
{
	struct lts_avp_error err;
	unsigned int extra;

	(void)state;
	for (extra = 1; extra < 6; extra++) {
		struct raw r = { .n = 0 };

		raw_msgtype(&r, LTS_CTRL_ICRQ);
		memset(r.b + r.n, 0x80, extra), r.n += extra;
		assert_int_equal(decode(r.b, r.n, NULL, &err), -EBADMSG);
		assert_int_equal(err.code, LTS_AVP_E_TRUNCATED);
		assert_int_equal(err.offset, 8);
		assert_int_equal(err.scope, LTS_CTRL_SCOPE_SESSION);
	}
}

static void test_length_beyond_message(void **state)
{
	struct lts_avp_error err;
	struct raw r = { .n = 0 };

	(void)state;
	raw_msgtype(&r, LTS_CTRL_SCCRQ);
	raw_hdr(&r, LTS_AVP_F_MANDATORY, 6 + 5, 0, LTS_AVP_TYPE_HOST_NAME);
	memcpy(r.b + r.n, "abcd", 4), r.n += 4; /* one byte short */
	assert_int_equal(decode(r.b, r.n, NULL, &err), -EBADMSG);
	assert_int_equal(err.code, LTS_AVP_E_OVERRUN);
	assert_int_equal(err.type, LTS_AVP_TYPE_HOST_NAME);

	/* A Message Type claiming more than the whole body. */
	r.n = 0;
	raw_hdr(&r, LTS_AVP_F_MANDATORY, 1023, 0, 0);
	r.b[r.n++] = 0, r.b[r.n++] = 1;
	assert_int_equal(decode(r.b, r.n, NULL, &err), -EBADMSG);
	assert_int_equal(err.code, LTS_AVP_E_OVERRUN);
}

/* Value lengths the rows forbid: odd sizes for integers and friends. */
static void test_value_lengths(void **state)
{
	/* clang-format off */
	static const struct {
		enum lts_avp_id id;
		uint16_t vlen;
		bool ok;
	} cases[] = {
		{ LTS_AVP_ASSIGNED_TUNNEL_ID, 0, false },
		{ LTS_AVP_ASSIGNED_TUNNEL_ID, 1, false },
		{ LTS_AVP_ASSIGNED_TUNNEL_ID, 2, true },
		{ LTS_AVP_ASSIGNED_TUNNEL_ID, 3, false },
		{ LTS_AVP_ASSIGNED_TUNNEL_ID, 4, false },
		{ LTS_AVP_RECV_WINDOW_SIZE, 1, false },
		{ LTS_AVP_FRAMING_CAP, 2, false },
		{ LTS_AVP_FRAMING_CAP, 3, false },
		{ LTS_AVP_FRAMING_CAP, 4, true },
		{ LTS_AVP_FRAMING_CAP, 5, false },
		{ LTS_AVP_CALL_SERIAL, 8, false },
		{ LTS_AVP_TIE_BREAKER, 4, false },
		{ LTS_AVP_TIE_BREAKER, 7, false },
		{ LTS_AVP_TIE_BREAKER, 8, true },
		{ LTS_AVP_TIE_BREAKER, 9, false },
		{ LTS_AVP_PROTOCOL_VERSION, 1, false },
		{ LTS_AVP_PROTOCOL_VERSION, 3, false },
		{ LTS_AVP_RESULT_CODE, 0, false },
		{ LTS_AVP_RESULT_CODE, 1, false },
		{ LTS_AVP_RESULT_CODE, 2, true }, /* quirk 1: no Error Code */
		{ LTS_AVP_RESULT_CODE, 3, false },
		{ LTS_AVP_RESULT_CODE, 4, true },
		{ LTS_AVP_RESULT_CODE, 9, true },
		{ LTS_AVP_Q931_CAUSE, 2, false },
		{ LTS_AVP_Q931_CAUSE, 3, true },
		{ LTS_AVP_CHALLENGE_RESPONSE, 15, false },
		{ LTS_AVP_CHALLENGE_RESPONSE, 17, false },
		{ LTS_AVP_CHALLENGE, 0, false },
		{ LTS_AVP_HOST_NAME, 0, false },
		{ LTS_AVP_CALLED_NUMBER, 0, true },
		{ LTS_AVP_CALL_ERRORS, 25, false },
		{ LTS_AVP_CALL_ERRORS, 27, false },
		{ LTS_AVP_ACCM, 9, false },
		{ LTS_AVP_ACCM, 11, false },
		{ LTS_AVP_SEQUENCING_REQUIRED, 1, false },
		{ LTS_AVP_SEQUENCING_REQUIRED, 0, true },
		{ LTS_AVP_PPP_DISCONNECT_CAUSE, 4, false },
		{ LTS_AVP_PPP_DISCONNECT_CAUSE, 5, true },
		{ LTS_AVP_RANDOM_VECTOR, 0, false },
		{ LTS_AVP_TSA_ID, 0, false },
		{ LTS_AVP_MSG_TYPE, 3, false },
	};
	/* clang-format on */
	struct lts_avp_error err;
	uint8_t zeros[64] = { 0 };
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct lts_avp_def *d = lts_avp_def_get(cases[i].id);
		struct raw r = { .n = 0 };

		print_message("  %s, value length %u\n", d->name, cases[i].vlen);
		raw_msgtype(&r, LTS_CTRL_HELLO);
		raw_avp(&r, d->mandatory ? LTS_AVP_F_MANDATORY : 0, 0, d->type, zeros,
			cases[i].vlen);
		if (cases[i].ok) {
			assert_int_equal(decode(r.b, r.n, NULL, &err), 0);
			assert_ptr_equal(msg.avps[1].def, d);
		} else {
			assert_int_equal(decode(r.b, r.n, NULL, &err), -EBADMSG);
			assert_int_equal(err.code, LTS_AVP_E_VALUE_LEN);
			assert_int_equal(err.type, d->type);
			assert_int_equal(err.offset, 8);
		}
	}
}

/* RFC 2661 4.1, 4.4.1: Message Type first and never hidden. */
static void test_message_type_first(void **state)
{
	struct lts_avp_error err;
	struct raw r = { .n = 0 };
	uint8_t v[2] = { 0, 6 };

	(void)state;
	assert_int_equal(decode(r.b, 0, NULL, &err), -EBADMSG);
	assert_int_equal(err.code, LTS_AVP_E_NO_MSG_TYPE);

	raw_avp(&r, LTS_AVP_F_MANDATORY, 0, LTS_AVP_TYPE_HOST_NAME, "lac", 3);
	raw_msgtype(&r, LTS_CTRL_SCCRQ);
	assert_int_equal(decode(r.b, r.n, NULL, &err), -EBADMSG);
	assert_int_equal(err.code, LTS_AVP_E_NO_MSG_TYPE);
	assert_int_equal(err.offset, 0);
	assert_int_equal(err.scope, LTS_CTRL_SCOPE_TUNNEL);

	/* A vendor's type 0 is not the Message Type. */
	r.n = 0;
	raw_avp(&r, LTS_AVP_F_MANDATORY, 9, 0, v, 2);
	assert_int_equal(decode(r.b, r.n, NULL, &err), -EBADMSG);
	assert_int_equal(err.code, LTS_AVP_E_NO_MSG_TYPE);

	/* Reserved bit set: "treated as an unrecognized AVP" (4.1). */
	r.n = 0;
	raw_avp(&r, LTS_AVP_F_MANDATORY | 0x0400, 0, 0, v, 2);
	assert_int_equal(decode(r.b, r.n, NULL, &err), -EBADMSG);
	assert_int_equal(err.code, LTS_AVP_E_NO_MSG_TYPE);

	/* Hidden Message Type, even with a secret and a prior... nothing. */
	r.n = 0;
	raw_avp(&r, LTS_AVP_F_MANDATORY | LTS_AVP_F_HIDDEN, 0, 0, "\x00\x02\x00\x06", 4);
	struct lts_avp_opts o = { .secret = secret, .secret_len = SECRET_LEN };
	assert_int_equal(decode(r.b, r.n, &o, &err), -EBADMSG);
	assert_int_equal(err.code, LTS_AVP_E_MSG_TYPE_HIDDEN);
}

/* Build [Message Type][RV][hidden Host-like AVP] with the writer. */
static int hidden_body(uint8_t *body, size_t cap, const uint8_t *sec, size_t sec_len,
		       uint8_t seed)
{
	struct lts_avp_opts o = { .secret = sec, .secret_len = sec_len, .hide = true,
				  .random = counter_random, .random_ctx = &seed };
	struct lts_avp_writer w;

	lts_avpw_init(&w, body, cap, &o);
	lts_avpw_add_u16(&w, LTS_AVP_MSG_TYPE, LTS_CTRL_ICRQ);
	lts_avpw_add_u16(&w, LTS_AVP_ASSIGNED_SESSION_ID, 77);
	lts_avpw_add_string(&w, LTS_AVP_CALLING_NUMBER, "5551234");
	return lts_avpw_finish(&w);
}

static void test_hidden_errors(void **state)
{
	static const uint8_t wrong[] = "not-the-secret";
	struct lts_avp_opts good = { .secret = secret, .secret_len = SECRET_LEN };
	struct lts_avp_opts bad = { .secret = wrong, .secret_len = sizeof(wrong) - 1 };
	struct lts_avp_error err;
	uint8_t body[256];
	struct raw r = { .n = 0 };
	uint16_t sid;
	int n;

	(void)state;
	n = hidden_body(body, sizeof(body), secret, SECRET_LEN, 1);
	assert_true(n > 0);
	assert_int_equal(decode(body, n, &good, &err), 0);
	assert_int_equal(lts_avp_get_u16(&msg, LTS_AVP_ASSIGNED_SESSION_ID, &sid), 0);
	assert_int_equal(sid, 77);

	/* No secret configured. */
	assert_int_equal(decode(body, n, NULL, &err), -EBADMSG);
	assert_int_equal(err.code, LTS_AVP_E_HIDDEN_NO_SECRET);
	assert_int_equal(err.type, LTS_AVP_TYPE_ASSIGNED_SESSION_ID);
	assert_int_equal(err.scope, LTS_CTRL_SCOPE_SESSION);

	/* Wrong secret: the revealed original length does not fit. */
	assert_int_equal(decode(body, n, &bad, &err), -EBADMSG);
	assert_int_equal(err.code, LTS_AVP_E_HIDDEN_BAD_LEN);

	/* No Random Vector before the hidden AVP: drop the RV from the body. */
	memcpy(r.b, body, 8), r.n = 8;
	memcpy(r.b + r.n, body + 8 + 22, n - 8 - 22), r.n += n - 8 - 22;
	assert_int_equal(body[8 + 5], LTS_AVP_TYPE_RANDOM_VECTOR);
	assert_int_equal(decode(r.b, r.n, &good, &err), -EBADMSG);
	assert_int_equal(err.code, LTS_AVP_E_HIDDEN_NO_RV);

	/* A Random Vector *after* the hidden AVP does not count. */
	memcpy(r.b + r.n, body + 8, 22), r.n += 22;
	assert_int_equal(decode(r.b, r.n, &good, &err), -EBADMSG);
	assert_int_equal(err.code, LTS_AVP_E_HIDDEN_NO_RV);

	/* Hidden value shorter than the 2-octet original length. */
	r.n = 0;
	raw_msgtype(&r, LTS_CTRL_HELLO);
	raw_avp(&r, LTS_AVP_F_MANDATORY, 0, LTS_AVP_TYPE_RANDOM_VECTOR, "0123456789abcdef", 16);
	raw_avp(&r, LTS_AVP_F_MANDATORY | LTS_AVP_F_HIDDEN, 0, LTS_AVP_TYPE_CHALLENGE, "x", 1);
	assert_int_equal(decode(r.b, r.n, &good, &err), -EBADMSG);
	assert_int_equal(err.code, LTS_AVP_E_HIDDEN_BAD_LEN);

	/* An unknown M=0 hidden AVP we cannot reveal is ignored (4.1)... */
	r.n = 0;
	raw_msgtype(&r, LTS_CTRL_HELLO);
	raw_avp(&r, LTS_AVP_F_HIDDEN, 9, 77, "secretstuff", 11);
	assert_int_equal(decode(r.b, r.n, NULL, &err), 0);
	assert_int_equal(msg.n_avps, 1);
	/* ...but not an M=1 one. */
	r.n = 0;
	raw_msgtype(&r, LTS_CTRL_HELLO);
	raw_avp(&r, LTS_AVP_F_HIDDEN | LTS_AVP_F_MANDATORY, 9, 77, "secretstuff", 11);
	assert_int_equal(decode(r.b, r.n, NULL, &err), -EBADMSG);
	assert_int_equal(err.code, LTS_AVP_E_HIDDEN_NO_SECRET);
}

/* Each hidden AVP uses the most recent preceding Random Vector (4.3). */
static void test_second_random_vector(void **state)
{
	struct lts_avp_opts o = { .secret = secret, .secret_len = SECRET_LEN };
	uint8_t a[256], b[256], body[512];
	struct lts_avp_error err;
	char s[32];
	int na, nb;
	size_t n;

	(void)state;
	na = hidden_body(a, sizeof(a), secret, SECRET_LEN, 10);
	nb = hidden_body(b, sizeof(b), secret, SECRET_LEN, 99);
	assert_true(na > 0 && nb > 0);
	assert_memory_not_equal(a + 8 + 6, b + 8 + 6, LTS_AVP_RV_LEN);
	/* a's AVPs, then b's RV and hidden AVPs (without b's Message Type). */
	memcpy(body, a, na), n = na;
	memcpy(body + n, b + 8, nb - 8), n += nb - 8;
	assert_int_equal(decode(body, n, &o, &err), 0);
	assert_int_equal(msg.n_avps, 7);
	assert_int_equal(lts_avp_count(&msg, LTS_AVP_RANDOM_VECTOR), 2);
	assert_int_equal(lts_avp_val_string(&msg.avps[6], s, sizeof(s), NULL), 0);
	assert_string_equal(s, "5551234");

	/* The writer hides with a Random Vector its caller added, too. */
	uint8_t seed = 3, rv2[20];
	struct lts_avp_opts wo = { .secret = secret, .secret_len = SECRET_LEN, .hide = true,
				   .random = counter_random, .random_ctx = &seed };
	struct lts_avp_writer w;
	int nw;

	memset(rv2, 0x5a, sizeof(rv2));
	lts_avpw_init(&w, body, sizeof(body), &wo);
	lts_avpw_add_u16(&w, LTS_AVP_MSG_TYPE, LTS_CTRL_ICRQ);
	lts_avpw_add_u16(&w, LTS_AVP_ASSIGNED_SESSION_ID, 9);
	lts_avpw_add_bytes(&w, LTS_AVP_RANDOM_VECTOR, rv2, sizeof(rv2));
	lts_avpw_add_string(&w, LTS_AVP_CALLING_NUMBER, "5550000");
	nw = lts_avpw_finish(&w);
	assert_true(nw > 0);
	assert_int_equal(decode(body, nw, &o, &err), 0);
	assert_int_equal(msg.n_avps, 5);
	assert_int_equal(msg.avps[3].len, sizeof(rv2));
	assert_true(msg.avps[4].hidden);
	assert_int_equal(lts_avp_val_string(&msg.avps[4], s, sizeof(s), NULL), 0);
	assert_string_equal(s, "5550000");
}

/* Unknown M=0 and vendor AVPs are kept and relayed byte for byte. */
static void test_unknown_kept_byte_exact(void **state)
{
	struct lts_avp_error err;
	struct lts_avp_writer w;
	struct raw r = { .n = 0 };
	uint8_t out[256];
	size_t i;

	(void)state;
	raw_msgtype(&r, LTS_CTRL_ICRQ);
	raw_avp(&r, LTS_AVP_F_MANDATORY, 0, LTS_AVP_TYPE_ASSIGNED_SESSION_ID, "\x00\x05", 2);
	raw_avp(&r, 0, 9, 100, "\x01\x02\x03\xff", 4);		/* Cisco NAS-Port-Info */
	raw_avp(&r, 0, 3561, 1, "circuit-1/2/3", 13);		/* BBF Agent-Circuit-Id */
	raw_avp(&r, 0, 0, 200, "", 0);				/* unknown IETF, empty */
	raw_avp(&r, 0, 0, LTS_AVP_TYPE_CALL_SERIAL, "\x00\x00\x00\x2a", 4);
	assert_int_equal(decode(r.b, r.n, NULL, &err), 0);
	assert_int_equal(msg.n_avps, 6);
	assert_null(msg.avps[2].def);
	assert_int_equal(msg.avps[2].vendor, 9);
	assert_int_equal(msg.avps[2].type, 100);
	assert_false(msg.avps[2].mandatory);
	assert_null(msg.avps[4].def);

	lts_avpw_init(&w, out, sizeof(out), NULL);
	for (i = 0; i < msg.n_avps; i++)
		lts_avpw_add_raw(&w, &msg.avps[i]);
	assert_int_equal(lts_avpw_finish(&w), r.n);
	assert_memory_equal(out, r.b, r.n);
}

/* RFC 2661 4.1: an unknown M=1 AVP fails the message, in its scope. */
static void test_unknown_mandatory(void **state)
{
	/* clang-format off */
	static const struct {
		uint16_t msg_type, vendor, type, flags;
		enum lts_ctrl_scope scope;
	} cases[] = {
		{ LTS_CTRL_ICRQ, 0, 200, LTS_AVP_F_MANDATORY, LTS_CTRL_SCOPE_SESSION },
		{ LTS_CTRL_CDN, 0, 200, LTS_AVP_F_MANDATORY, LTS_CTRL_SCOPE_SESSION },
		{ LTS_CTRL_SLI, 0, 20, LTS_AVP_F_MANDATORY, LTS_CTRL_SCOPE_SESSION },
		{ LTS_CTRL_SCCRQ, 0, 200, LTS_AVP_F_MANDATORY, LTS_CTRL_SCOPE_TUNNEL },
		{ LTS_CTRL_HELLO, 3561, 2, LTS_AVP_F_MANDATORY, LTS_CTRL_SCOPE_TUNNEL },
		{ 99, 0, 200, LTS_AVP_F_MANDATORY, LTS_CTRL_SCOPE_TUNNEL },
		/* Known type, reserved bit set: unrecognized (4.1). */
		{ LTS_CTRL_SCCRP, 0, LTS_AVP_TYPE_HOST_NAME, LTS_AVP_F_MANDATORY | 0x0800,
		  LTS_CTRL_SCOPE_TUNNEL },
	};
	/* clang-format on */
	struct lts_avp_opts permissive = { .permissive = true };
	struct lts_avp_error err;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct raw r = { .n = 0 };

		raw_msgtype(&r, cases[i].msg_type);
		raw_avp(&r, cases[i].flags, cases[i].vendor, cases[i].type, "abc", 3);
		assert_int_equal(decode(r.b, r.n, NULL, &err), -EBADMSG);
		assert_int_equal(err.code, LTS_AVP_E_UNKNOWN_MANDATORY);
		assert_int_equal(err.scope, cases[i].scope);
		assert_int_equal(err.vendor, cases[i].vendor);
		assert_int_equal(err.type, cases[i].type);
		assert_int_equal(msg.n_avps, 1); /* the type is known to the caller */
		assert_int_equal(msg.type, cases[i].msg_type);

		/* Permissive (REFERENCE quirk 3): kept opaque, as if M were 0. */
		assert_int_equal(decode(r.b, r.n, &permissive, &err), 0);
		assert_int_equal(msg.n_avps, 2);
		assert_null(msg.avps[1].def);
		assert_true(msg.avps[1].mandatory);
		assert_memory_equal(msg.avps[1].val, "abc", 3);
	}

	/* Reserved bit with M=0 on a known type: opaque, not the known AVP. */
	struct raw r = { .n = 0 };
	raw_msgtype(&r, LTS_CTRL_SCCRQ);
	raw_avp(&r, 0x0400, 0, LTS_AVP_TYPE_VENDOR_NAME, "acme", 4);
	assert_int_equal(decode(r.b, r.n, NULL, &err), 0);
	assert_null(msg.avps[1].def);
	assert_int_equal(lts_avp_count(&msg, LTS_AVP_VENDOR_NAME), 0);
}

/* xl2tpd #163: BBF Agent-Remote-Id (3561, 2) is not Protocol Version. */
static void test_vendor_not_confused(void **state)
{
	struct lts_avp_proto_ver pv;
	struct lts_avp_error err;
	struct raw r = { .n = 0 };
	const struct lts_avp *a;

	(void)state;
	raw_msgtype(&r, LTS_CTRL_ICRQ);
	raw_avp(&r, 0, 3561, 2, "remote-id-xyz", 13); /* 13: illegal for type 2 */
	raw_avp(&r, 0, 3561, 2, "\x01\x00", 2);	      /* looks like 1.0 */
	assert_int_equal(decode(r.b, r.n, NULL, &err), 0);
	assert_null(lts_avp_find(&msg, 0, LTS_AVP_TYPE_PROTOCOL_VERSION));
	assert_int_equal(lts_avp_get_proto_ver(&msg, &pv), -ENOENT);
	a = lts_avp_find(&msg, 3561, 2);
	assert_non_null(a);
	assert_null(a->def);
	assert_int_equal(a->len, 13);
	assert_memory_equal(a->val, "remote-id-xyz", 13);
	a = lts_avp_next(&msg, a, 3561, 2);
	assert_non_null(a);
	assert_int_equal(a->len, 2);
	assert_int_equal(lts_avp_val_proto_ver(a, &pv), -EINVAL);
	assert_null(lts_avp_next(&msg, a, 3561, 2));
}

/* REFERENCE quirk 1: Result Code without Error Code, AVP length 8. */
static void test_result_code_len8(void **state)
{
	struct lts_avp_result res;
	struct lts_avp_error err;
	struct raw r = { .n = 0 };

	(void)state;
	raw_msgtype(&r, LTS_CTRL_STOPCCN);
	raw_avp(&r, LTS_AVP_F_MANDATORY, 0, LTS_AVP_TYPE_RESULT_CODE, "\x00\x01", 2);
	assert_int_equal(r.b[8 + 1], 8);
	assert_int_equal(decode(r.b, r.n, NULL, &err), 0);
	assert_int_equal(lts_avp_get_result(&msg, &res), 0);
	assert_int_equal(res.result, 1);
	assert_false(res.has_error);
	assert_int_equal(res.message_len, 0);

	/* The writer emits the same 8-byte form. */
	uint8_t out[32];
	struct lts_avp_writer w;
	struct lts_avp_result only = { .result = 1 };

	lts_avpw_init(&w, out, sizeof(out), NULL);
	lts_avpw_add_u16(&w, LTS_AVP_MSG_TYPE, LTS_CTRL_STOPCCN);
	lts_avpw_add_result(&w, &only);
	assert_int_equal(lts_avpw_finish(&w), r.n);
	assert_memory_equal(out, r.b, r.n);
}

static void test_writer_errors(void **state)
{
	struct lts_avp_opts hide_no_secret = { .hide = true };
	struct lts_avp_opts broken = { .secret = secret, .secret_len = SECRET_LEN, .hide = true,
				       .random = failing_random };
	struct lts_avp_result msg_no_error = { .result = 2, .message = "x", .message_len = 1 };
	uint8_t buf[64], big[LTS_AVP_VAL_MAX + 1];
	struct lts_avp_writer w;

	(void)state;
	/* Overflow sticks; nothing after it is written. */
	lts_avpw_init(&w, buf, 20, NULL);
	assert_int_equal(lts_avpw_add_u16(&w, LTS_AVP_MSG_TYPE, LTS_CTRL_SCCRQ), 0);
	assert_int_equal(lts_avpw_add_string(&w, LTS_AVP_HOST_NAME, "a-long-host-name"),
			 -ENOSPC);
	assert_int_equal(w.len, 8);
	assert_int_equal(lts_avpw_add_u16(&w, LTS_AVP_ASSIGNED_TUNNEL_ID, 1), -ENOSPC);
	assert_int_equal(w.len, 8);
	assert_int_equal(lts_avpw_finish(&w), -ENOSPC);

	/* Exactly full is fine. */
	lts_avpw_init(&w, buf, 16, NULL);
	lts_avpw_add_u16(&w, LTS_AVP_MSG_TYPE, LTS_CTRL_SCCRQ);
	lts_avpw_add_u16(&w, LTS_AVP_ASSIGNED_TUNNEL_ID, 1);
	assert_int_equal(lts_avpw_finish(&w), 16);

	/* Message Type must come first. */
	lts_avpw_init(&w, buf, sizeof(buf), NULL);
	assert_int_equal(lts_avpw_add_u16(&w, LTS_AVP_ASSIGNED_TUNNEL_ID, 1), -EINVAL);
	assert_int_equal(lts_avpw_finish(&w), -EINVAL);

	/* Typed adders check the row's data type and length. */
	/* clang-format off */
	static const struct {
		int which;
		enum lts_avp_id id;
		size_t len;
	} bad[] = {
		{ 0, LTS_AVP_FRAMING_CAP, 0 },	  /* u16 on a u32 row */
		{ 1, LTS_AVP_ASSIGNED_TUNNEL_ID, 0 }, /* u32 on a u16 row */
		{ 2, LTS_AVP_CALL_SERIAL, 0 },	  /* u64 on a u32 row */
		{ 3, LTS_AVP_CHALLENGE_RESPONSE, 15 },
		{ 3, LTS_AVP_CHALLENGE, 0 },
		{ 3, LTS_AVP_ACCM, 10 },	  /* bytes on a structured row */
		{ 3, LTS_AVP_N, 1 },
		{ 4, LTS_AVP_HOST_NAME, 0 },	  /* empty host name */
		{ 5, LTS_AVP_HOST_NAME, 0 },	  /* empty on a string row */
		{ 3, LTS_AVP_HOST_NAME, LTS_AVP_VAL_MAX + 1 },
	};
	/* clang-format on */
	size_t i;

	memset(big, 'x', sizeof(big));
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		int ret = -1;

		lts_avpw_init(&w, buf, sizeof(buf), NULL);
		lts_avpw_add_u16(&w, LTS_AVP_MSG_TYPE, LTS_CTRL_SCCRQ);
		switch (bad[i].which) {
		case 0:
			ret = lts_avpw_add_u16(&w, bad[i].id, 1);
			break;
		case 1:
			ret = lts_avpw_add_u32(&w, bad[i].id, 1);
			break;
		case 2:
			ret = lts_avpw_add_u64(&w, bad[i].id, 1);
			break;
		case 3:
			ret = lts_avpw_add_bytes(&w, bad[i].id, big, bad[i].len);
			break;
		case 4:
			ret = lts_avpw_add_string(&w, bad[i].id, "");
			break;
		case 5:
			ret = lts_avpw_add_empty(&w, bad[i].id);
			break;
		}
		assert_int_equal(ret, -EINVAL);
		assert_int_equal(w.len, 8);
	}

	/* An Error Message needs an Error Code. */
	lts_avpw_init(&w, buf, sizeof(buf), NULL);
	lts_avpw_add_u16(&w, LTS_AVP_MSG_TYPE, LTS_CTRL_CDN);
	assert_int_equal(lts_avpw_add_result(&w, &msg_no_error), -EINVAL);

	/* Hiding needs a secret; a failing random source is reported. */
	lts_avpw_init(&w, buf, sizeof(buf), &hide_no_secret);
	assert_int_equal(lts_avpw_finish(&w), -EINVAL);
	lts_avpw_init(&w, buf, sizeof(buf), &broken);
	lts_avpw_add_u16(&w, LTS_AVP_MSG_TYPE, LTS_CTRL_ICRQ);
	assert_int_equal(lts_avpw_add_u16(&w, LTS_AVP_ASSIGNED_SESSION_ID, 1), -EAGAIN);
	assert_int_equal(lts_avpw_finish(&w), -EAGAIN);

	/* Too long to hide even when it would fit plain. */
	uint8_t seed = 0, huge[1100];
	struct lts_avp_opts o = { .secret = secret, .secret_len = SECRET_LEN, .hide = true,
				  .random = counter_random, .random_ctx = &seed };
	lts_avpw_init(&w, huge, sizeof(huge), &o);
	lts_avpw_add_u16(&w, LTS_AVP_MSG_TYPE, LTS_CTRL_ICCN);
	assert_int_equal(lts_avpw_add_bytes(&w, LTS_AVP_PRIVATE_GROUP_ID, big, LTS_AVP_VAL_MAX),
			 -EINVAL);
	/* One octet less than the hidden limit fits, padding trimmed. */
	lts_avpw_init(&w, huge, sizeof(huge), &o);
	lts_avpw_add_u16(&w, LTS_AVP_MSG_TYPE, LTS_CTRL_ICCN);
	assert_int_equal(
		lts_avpw_add_bytes(&w, LTS_AVP_PRIVATE_GROUP_ID, big, LTS_AVP_VAL_MAX - 2), 0);
	struct lts_avp_error err;
	int n = lts_avpw_finish(&w);
	assert_true(n > 0);
	assert_int_equal(decode(huge, n, &o, &err), 0);
	assert_int_equal(msg.avps[2].len, LTS_AVP_VAL_MAX - 2);
}

/* One Random Vector for many hidden AVPs; plain rows stay plain. */
static void test_writer_hiding_policy(void **state)
{
	uint8_t seed = 5, body[512];
	struct lts_avp_opts o = { .secret = secret, .secret_len = SECRET_LEN, .hide = true,
				  .random = counter_random, .random_ctx = &seed };
	struct lts_avp_proto_ver pv = { 1, 0 };
	struct lts_avp_writer w;
	struct lts_avp_error err;
	size_t i;
	int n;

	(void)state;
	lts_avpw_init(&w, body, sizeof(body), &o);
	lts_avpw_add_u16(&w, LTS_AVP_MSG_TYPE, LTS_CTRL_SCCRQ);
	lts_avpw_add_proto_ver(&w, &pv);
	lts_avpw_add_string(&w, LTS_AVP_HOST_NAME, "lts");
	lts_avpw_add_u32(&w, LTS_AVP_FRAMING_CAP, 3);
	lts_avpw_add_u16(&w, LTS_AVP_ASSIGNED_TUNNEL_ID, 9);
	lts_avpw_add_u16(&w, LTS_AVP_RECV_WINDOW_SIZE, 4);
	lts_avpw_add_string(&w, LTS_AVP_VENDOR_NAME, "acme");
	n = lts_avpw_finish(&w);
	assert_true(n > 0);
	assert_int_equal(decode(body, n, &o, &err), 0);
	assert_int_equal(lts_avp_count(&msg, LTS_AVP_RANDOM_VECTOR), 1);
	for (i = 0; i < msg.n_avps; i++) {
		const struct lts_avp *a = &msg.avps[i];

		if (a->def->id == LTS_AVP_RANDOM_VECTOR) {
			/* right before the first hidden AVP */
			assert_true(msg.avps[i + 1].hidden);
			assert_false(msg.avps[i - 1].hidden);
		}
		assert_int_equal(a->hidden, a->def->may_hide);
	}
	assert_int_equal(msg.avps[3].def->id, LTS_AVP_RANDOM_VECTOR);
}

static void test_getters(void **state)
{
	static const char *const tsa[] = { "lts-a", "lts-b", "lts-c" };
	struct lts_avp_error err;
	struct lts_avp_writer w;
	const struct lts_avp *a;
	uint8_t body[256];
	const uint8_t *val;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;
	char s[8];
	size_t i, len;
	int n;

	(void)state;
	lts_avpw_init(&w, body, sizeof(body), NULL);
	lts_avpw_add_u16(&w, LTS_AVP_MSG_TYPE, LTS_CTRL_ICRQ);
	lts_avpw_add_u16(&w, LTS_AVP_ASSIGNED_SESSION_ID, 0x4242);
	lts_avpw_add_u32(&w, LTS_AVP_CALL_SERIAL, 0xdeadbeef);
	for (i = 0; i < ARRAY_SIZE(tsa); i++)
		lts_avpw_add_string(&w, LTS_AVP_TSA_ID, tsa[i]);
	lts_avpw_add_string(&w, LTS_AVP_CALLED_NUMBER, "0123456789");
	n = lts_avpw_finish(&w);
	assert_true(n > 0);
	assert_int_equal(decode(body, n, NULL, &err), 0);

	assert_int_equal(lts_avp_get_u16(&msg, LTS_AVP_ASSIGNED_SESSION_ID, &u16), 0);
	assert_int_equal(u16, 0x4242);
	assert_int_equal(lts_avp_get_u32(&msg, LTS_AVP_CALL_SERIAL, &u32), 0);
	assert_int_equal(u32, 0xdeadbeef);
	assert_int_equal(lts_avp_get_u16(&msg, LTS_AVP_ASSIGNED_TUNNEL_ID, &u16), -ENOENT);
	assert_int_equal(lts_avp_get_u64(&msg, LTS_AVP_TIE_BREAKER, &u64), -ENOENT);
	assert_int_equal(lts_avp_get_u16(&msg, LTS_AVP_CALL_SERIAL, &u16), -EINVAL);
	assert_int_equal(lts_avp_get_u16(&msg, LTS_AVP_N, &u16), -EINVAL);
	assert_int_equal(lts_avp_get_bytes(&msg, LTS_AVP_CALLED_NUMBER, &val, &len), 0);
	assert_int_equal(len, 10);
	assert_int_equal(lts_avp_get_string(&msg, LTS_AVP_CALLED_NUMBER, s, sizeof(s), &len),
			 -ENOSPC);
	assert_int_equal(len, 10);
	assert_int_equal(lts_avp_get_string(&msg, LTS_AVP_ASSIGNED_SESSION_ID, s, sizeof(s),
					    &len),
			 -EINVAL);
	assert_int_equal(lts_avp_get_string(&msg, LTS_AVP_HOST_NAME, s, sizeof(s), &len),
			 -ENOENT);

	/* Every TSA ID, in order. */
	i = 0;
	lts_avp_for_each(&msg, a, LTS_AVP_VENDOR_IETF, LTS_AVP_TYPE_TSA_ID) {
		assert_true(i < ARRAY_SIZE(tsa));
		assert_int_equal(lts_avp_val_string(a, s, sizeof(s), NULL), 0);
		assert_string_equal(s, tsa[i]);
		i++;
	}
	assert_int_equal(i, 3);
	assert_int_equal(lts_avp_count(&msg, LTS_AVP_TSA_ID), 3);
	assert_int_equal(lts_avp_count(&msg, LTS_AVP_HOST_NAME), 0);
	assert_string_equal(lts_avp_err_str(LTS_AVP_E_OVERRUN),
			    "AVP Length runs past the end of the message");
	assert_string_equal(lts_avp_err_str(LTS_AVP_E_MAX), "?");
}

static void test_limits(void **state)
{
	static struct raw r;
	struct lts_avp_error err;
	size_t i;

	(void)state;
	/* More AVPs than the message can hold: reported, not overrun. */
	r.n = 0;
	raw_msgtype(&r, LTS_CTRL_HELLO);
	for (i = 0; i < LTS_CTRL_MAX_AVPS + 1 && r.n + 6 <= sizeof(r.b); i++)
		raw_avp(&r, 0, 0, 200, "", 0);
	assert_true(i > LTS_CTRL_MAX_AVPS - 1);
	assert_int_equal(decode(r.b, r.n, NULL, &err), -EBADMSG);
	assert_int_equal(err.code, LTS_AVP_E_TOO_MANY);

	assert_int_equal(lts_avp_decode(NULL, 4, NULL, &msg, &err), -EINVAL);
	assert_int_equal(lts_avp_decode(r.b, r.n, NULL, NULL, &err), -EINVAL);
}

/*
 * Regression (REFERENCE quirk 13): some LNSes refuse a hidden field (original
 * length + value + padding) shorter than 8 bytes and close the tunnel. Every
 * hidden field we write is at least LTS_AVP_HIDE_MIN (16) bytes, for every
 * value length and both ends of the random padding, and still decodes.
 */
static void test_hidden_min_length(void **state)
{
	static const uint8_t rnd_bytes[] = { 0, 15, 16, 255 };
	static const char digits[] = "01234567890123456789";
	size_t vlen, k;

	(void)state;
	for (k = 0; k < ARRAY_SIZE(rnd_bytes); k++) {
		for (vlen = 0; vlen <= 20; vlen++) {
			uint8_t r = rnd_bytes[k], body[256];
			struct lts_avp_opts o = { .secret = secret, .secret_len = SECRET_LEN,
						  .hide = true, .random = constant_random,
						  .random_ctx = &r };
			size_t min_pad = vlen + 2 < 16 ? 16 - (vlen + 2) : 0;
			struct lts_avp_writer w;
			struct lts_avp_error err;
			const uint8_t *hidden;
			char got[32];
			int n;

			lts_avpw_init(&w, body, sizeof(body), &o);
			assert_int_equal(lts_avpw_add_u16(&w, LTS_AVP_MSG_TYPE, LTS_CTRL_ICRQ), 0);
			assert_int_equal(lts_avpw_add_bytes(&w, LTS_AVP_CALLED_NUMBER, digits, vlen), 0);
			n = lts_avpw_finish(&w);
			assert_true(n > 8 + 22);
			/* Message Type (8), Random Vector (6 + 16), then the hidden AVP. */
			hidden = body + 8 + 22;
			assert_true(hidden[0] & 0x40); /* H bit */
			assert_int_equal((size_t)((hidden[0] & 0x03) << 8 | hidden[1]) - 6,
					 2 + vlen + min_pad + r % 16);
			assert_true((size_t)((hidden[0] & 0x03) << 8 | hidden[1]) - 6 >= 16);
			assert_int_equal(decode(body, (size_t)n, &o, &err), 0);
			assert_int_equal(lts_avp_get_string(&msg, LTS_AVP_CALLED_NUMBER, got,
							    sizeof(got), NULL), 0);
			assert_int_equal(strlen(got), vlen);
			assert_memory_equal(got, digits, vlen);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_roundtrip_every_avp),
		cmocka_unit_test(test_hidden_vector),
		cmocka_unit_test(test_hidden_min_length),
		cmocka_unit_test(test_header_len_below_6),
		cmocka_unit_test(test_truncated_header),
		cmocka_unit_test(test_length_beyond_message),
		cmocka_unit_test(test_value_lengths),
		cmocka_unit_test(test_message_type_first),
		cmocka_unit_test(test_hidden_errors),
		cmocka_unit_test(test_second_random_vector),
		cmocka_unit_test(test_unknown_kept_byte_exact),
		cmocka_unit_test(test_unknown_mandatory),
		cmocka_unit_test(test_vendor_not_confused),
		cmocka_unit_test(test_result_code_len8),
		cmocka_unit_test(test_writer_errors),
		cmocka_unit_test(test_writer_hiding_policy),
		cmocka_unit_test(test_getters),
		cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
