// SPDX-License-Identifier: GPL-2.0
/*
 * Message specs (agent/l2tp/ctrl_msg.c): for every message type a minimal and a
 * full valid message pass, each missing mandatory AVP, each duplicate of a
 * once-only AVP and each zero ID gives the expected CDN/StopCCN verdict;
 * unknown message types, decode errors and refused outgoing calls map to
 * the answers RFC 2661 asks for.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>
#include "l2tp/avp.h"
#include "l2tp/ctrl_msg.h"
#include "lib/util.h"


static const uint16_t all_types[] = { 1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 12, 14, 15, 16 };
static const uint8_t secret[] = "s3cret";

static struct lts_ctrl_msg msg;

static int counter_random(void *ctx, void *buf, size_t len)
{
	uint8_t *seed = ctx, *p = buf;

	while (len--)
		*p++ = (*seed)++ * 13 + 1;
	return 0;
}

/* A valid value for any row; u16 rows get `u16` (IDs must not be 0). */
static void add_sample(struct lts_avp_writer *w, enum lts_avp_id id, uint16_t u16)
{
	static const uint8_t octets[] = "0123456789abcdef";
	const struct lts_avp_def *d = lts_avp_def_get(id);
	struct lts_avp_proto_ver pv = { LTS_CTRL_PROTO_VER, LTS_CTRL_PROTO_REV };
	struct lts_avp_result res = { .result = 1 };
	struct lts_avp_q931 q = { .cause = 16 };
	struct lts_avp_call_errors ce = { .crc = 1 };
	struct lts_avp_accm accm = { 0xffffffff, 0 };
	struct lts_avp_ppp_disc pd = { .code = 1, .protocol = 0xc021 };

	switch (d->dtype) {
	case LTS_AVP_DT_EMPTY:
		lts_avpw_add_empty(w, id);
		break;
	case LTS_AVP_DT_U16:
		lts_avpw_add_u16(w, id, u16);
		break;
	case LTS_AVP_DT_U32:
		lts_avpw_add_u32(w, id, 64000);
		break;
	case LTS_AVP_DT_U64:
		lts_avpw_add_u64(w, id, 0x1122334455667788ull);
		break;
	case LTS_AVP_DT_BYTES:
	case LTS_AVP_DT_STRING:
		lts_avpw_add_bytes(w, id, octets, d->min_len > 8 ? d->min_len : 8);
		break;
	case LTS_AVP_DT_PROTO_VER:
		lts_avpw_add_proto_ver(w, &pv);
		break;
	case LTS_AVP_DT_RESULT:
		lts_avpw_add_result(w, &res);
		break;
	case LTS_AVP_DT_Q931:
		lts_avpw_add_q931(w, &q);
		break;
	case LTS_AVP_DT_CALL_ERR:
		lts_avpw_add_call_errors(w, &ce);
		break;
	case LTS_AVP_DT_ACCM:
		lts_avpw_add_accm(w, &accm);
		break;
	case LTS_AVP_DT_PPP_DISC:
		lts_avpw_add_ppp_disc(w, &pd);
		break;
	}
}

struct build {
	bool optional; /* add the MAY rows too */
	int omit;      /* spec row index to leave out, -1: none */
	int dup;       /* spec row index to add twice, -1: none */
	int zero;      /* spec row index whose u16 value is 0, -1: none */
	bool hide;
};

/* A message of `type` built from its spec; returns the body length. */
static int build(uint8_t *body, size_t cap, uint16_t type, const struct build *b)
{
	const struct lts_ctrl_spec *spec = lts_ctrl_spec_get(type);
	uint8_t seed = (uint8_t)type;
	struct lts_avp_opts o = { .secret = secret, .secret_len = sizeof(secret) - 1,
				  .hide = b->hide, .random = counter_random, .random_ctx = &seed };
	struct lts_avp_writer w;
	int i;

	lts_avpw_init(&w, body, cap, &o);
	lts_avpw_add_u16(&w, LTS_AVP_MSG_TYPE, type);
	for (i = 0; i < (int)spec->n_avps; i++) {
		const struct lts_ctrl_spec_avp *row = &spec->avps[i];

		/* The writer adds its own Random Vector when it hides. */
		if (row->id == LTS_AVP_RANDOM_VECTOR || i == b->omit)
			continue;
		if (!(row->flags & LTS_CTRL_AVP_REQUIRED) && !b->optional && i != b->dup)
			continue;
		add_sample(&w, row->id, i == b->zero ? 0 : 0x1234);
		if (i == b->dup)
			add_sample(&w, row->id, 0x1234);
	}
	return lts_avpw_finish(&w);
}

static int parse(const uint8_t *body, size_t len, bool with_secret, struct lts_ctrl_verdict *v)
{
	struct lts_avp_opts o = { .secret = secret, .secret_len = sizeof(secret) - 1 };

	return lts_ctrl_msg_parse(body, len, with_secret ? &o : NULL, &msg, v);
}

static enum lts_ctrl_action clear_action(const struct lts_ctrl_spec *spec)
{
	return spec->scope == LTS_CTRL_SCOPE_SESSION ? LTS_CTRL_CLEAR_SESSION
						     : LTS_CTRL_CLEAR_TUNNEL;
}

/* What a valid message of this type gets: accepted, or refused (OCxx). */
static void assert_valid_verdict(const struct lts_ctrl_spec *spec, int ret,
				 const struct lts_ctrl_verdict *v)
{
	if (!spec->refused) {
		assert_int_equal(ret, 0);
		assert_int_equal(v->action, LTS_CTRL_ACCEPT);
		return;
	}
	assert_int_equal(ret, -EBADMSG);
	assert_int_equal(v->action, LTS_CTRL_CLEAR_SESSION);
	assert_int_equal(v->result, spec->refuse_result);
	assert_int_equal(v->error, spec->refuse_error);
}

static void test_types(void **state)
{
	/* clang-format off */
	static const struct {
		uint16_t type;
		const char *name;
		enum lts_ctrl_scope scope;
	} cases[] = {
		{ 1, "SCCRQ", LTS_CTRL_SCOPE_TUNNEL },	 { 2, "SCCRP", LTS_CTRL_SCOPE_TUNNEL },
		{ 3, "SCCCN", LTS_CTRL_SCOPE_TUNNEL },	 { 4, "StopCCN", LTS_CTRL_SCOPE_TUNNEL },
		{ 6, "HELLO", LTS_CTRL_SCOPE_TUNNEL },	 { 7, "OCRQ", LTS_CTRL_SCOPE_SESSION },
		{ 8, "OCRP", LTS_CTRL_SCOPE_SESSION },	 { 9, "OCCN", LTS_CTRL_SCOPE_SESSION },
		{ 10, "ICRQ", LTS_CTRL_SCOPE_SESSION },	 { 11, "ICRP", LTS_CTRL_SCOPE_SESSION },
		{ 12, "ICCN", LTS_CTRL_SCOPE_SESSION },	 { 14, "CDN", LTS_CTRL_SCOPE_SESSION },
		{ 15, "WEN", LTS_CTRL_SCOPE_SESSION },	 { 16, "SLI", LTS_CTRL_SCOPE_SESSION },
		{ 0, "unknown", LTS_CTRL_SCOPE_TUNNEL }, { 5, "unknown", LTS_CTRL_SCOPE_TUNNEL },
		{ 13, "unknown", LTS_CTRL_SCOPE_TUNNEL }, { 17, "unknown", LTS_CTRL_SCOPE_TUNNEL },
	};
	/* clang-format on */
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		assert_string_equal(lts_ctrl_type_name(cases[i].type), cases[i].name);
		assert_int_equal(lts_ctrl_type_scope(cases[i].type), cases[i].scope);
		assert_int_equal(lts_ctrl_type_known(cases[i].type),
				 strcmp(cases[i].name, "unknown") != 0);
	}
	assert_string_equal(lts_ctrl_spec_get(LTS_CTRL_ICCN)->rfc, "RFC 2661 6.11");
	assert_string_equal(lts_ctrl_action_str(LTS_CTRL_CLEAR_SESSION), "clear session (CDN)");
}

/* Minimal (MUST AVPs only) and full (every MAY AVP too), plain and hidden. */
static void test_valid_messages(void **state)
{
	unsigned int i, optional, hide;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(all_types); i++) {
		const struct lts_ctrl_spec *spec = lts_ctrl_spec_get(all_types[i]);

		for (optional = 0; optional < 2; optional++) {
			for (hide = 0; hide < 2; hide++) {
				struct build b = { optional, -1, -1, -1, hide };
				struct lts_ctrl_verdict v;
				uint8_t body[1024];
				int n, ret;

				print_message("  %s %s %s\n", spec->name,
					      optional ? "full" : "minimal",
					      hide ? "hidden" : "plain");
				n = build(body, sizeof(body), spec->type, &b);
				assert_true(n > 0);
				ret = parse(body, n, true, &v);
				assert_valid_verdict(spec, ret, &v);
				assert_int_equal(msg.type, spec->type);
			}
		}
	}
}

/* RFC 2661 6.x "MUST be present": each one left out in turn. */
static void test_missing_mandatory(void **state)
{
	unsigned int i;
	size_t r;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(all_types); i++) {
		const struct lts_ctrl_spec *spec = lts_ctrl_spec_get(all_types[i]);

		for (r = 0; r < spec->n_avps; r++) {
			const struct lts_avp_def *d = lts_avp_def_get(spec->avps[r].id);
			struct build b = { true, (int)r, -1, -1, false };
			struct lts_ctrl_verdict v;
			uint8_t body[1024];
			int n;

			if (!(spec->avps[r].flags & LTS_CTRL_AVP_REQUIRED))
				continue;
			print_message("  %s without %s\n", spec->name, d->name);
			n = build(body, sizeof(body), spec->type, &b);
			assert_true(n > 0);
			assert_int_equal(parse(body, n, false, &v), -EBADMSG);
			assert_int_equal(v.action, clear_action(spec));
			assert_int_equal(v.result, 2);
			assert_int_equal(v.error, LTS_ERR_VENDOR);
			assert_int_equal(v.avp_type, d->type);
			assert_non_null(strstr(v.message, d->name));
			assert_non_null(strstr(v.message, "missing"));
		}
	}
}

/* A once-only AVP twice is refused; a MULTI one (TSA ID, RV) is not. */
static void test_duplicates(void **state)
{
	unsigned int i;
	size_t r;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(all_types); i++) {
		const struct lts_ctrl_spec *spec = lts_ctrl_spec_get(all_types[i]);

		for (r = 0; r < spec->n_avps; r++) {
			const struct lts_avp_def *d = lts_avp_def_get(spec->avps[r].id);
			struct build b = { false, -1, (int)r, -1, false };
			struct lts_ctrl_verdict v;
			uint8_t body[1024];
			int n, ret;

			if (d->id == LTS_AVP_RANDOM_VECTOR)
				continue;
			print_message("  %s with %s twice\n", spec->name, d->name);
			n = build(body, sizeof(body), spec->type, &b);
			assert_true(n > 0);
			ret = parse(body, n, false, &v);
			if (spec->avps[r].flags & LTS_CTRL_AVP_MULTI) {
				assert_valid_verdict(spec, ret, &v);
				continue;
			}
			assert_int_equal(ret, -EBADMSG);
			assert_int_equal(v.action, clear_action(spec));
			assert_int_equal(v.result, 2);
			assert_int_equal(v.error, LTS_ERR_VENDOR);
			assert_int_equal(v.avp_type, d->type);
			assert_non_null(strstr(v.message, "duplicate"));
		}
	}
}

/* RFC 2661 5.3: 0 is never an Assigned Tunnel ID or Session ID. */
static void test_zero_ids(void **state)
{
	unsigned int i, checked = 0;
	size_t r;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(all_types); i++) {
		const struct lts_ctrl_spec *spec = lts_ctrl_spec_get(all_types[i]);

		for (r = 0; r < spec->n_avps; r++) {
			const struct lts_avp_def *d = lts_avp_def_get(spec->avps[r].id);
			struct build b = { false, -1, -1, (int)r, false };
			struct lts_ctrl_verdict v;
			uint8_t body[1024];
			int n;

			if (!(spec->avps[r].flags & LTS_CTRL_AVP_NONZERO))
				continue;
			print_message("  %s with %s 0\n", spec->name, d->name);
			n = build(body, sizeof(body), spec->type, &b);
			assert_int_equal(parse(body, n, false, &v), -EBADMSG);
			assert_int_equal(v.action, clear_action(spec));
			assert_int_equal(v.result, 2);
			assert_int_equal(v.error, LTS_ERR_VALUE);
			assert_int_equal(v.avp_type, d->type);
			checked++;
		}
	}
	assert_int_equal(checked, 6); /* SCCRQ, SCCRP, OCRQ, OCRP, ICRQ, ICRP */

	/* A CDN or StopCCN is never refused for its ID: it is a teardown. */
	struct build b = { false, -1, -1, 1, false };
	struct lts_ctrl_verdict v;
	uint8_t body[256];
	int n = build(body, sizeof(body), LTS_CTRL_CDN, &b);

	assert_int_equal(lts_ctrl_spec_get(LTS_CTRL_CDN)->avps[1].id, LTS_AVP_ASSIGNED_SESSION_ID);
	assert_int_equal(parse(body, n, false, &v), 0);
}

/* RFC 2661 4.4.2: StopCCN 5, Error Code = highest version supported. */
static void test_protocol_version(void **state)
{
	/* clang-format off */
	static const struct lts_avp_proto_ver bad[] = { { 2, 0 }, { 1, 1 }, { 0, 0 } };
	/* clang-format on */
	/* clang-format off */
	static const uint16_t types[] = { LTS_CTRL_SCCRQ, LTS_CTRL_SCCRP };
	/* clang-format on */
	struct lts_ctrl_verdict v;
	struct lts_avp_writer w;
	uint8_t body[256];
	size_t i, t;

	(void)state;
	for (t = 0; t < ARRAY_SIZE(types); t++) {
		for (i = 0; i < ARRAY_SIZE(bad); i++) {
			lts_avpw_init(&w, body, sizeof(body), NULL);
			lts_avpw_add_u16(&w, LTS_AVP_MSG_TYPE, types[t]);
			lts_avpw_add_proto_ver(&w, &bad[i]);
			lts_avpw_add_string(&w, LTS_AVP_HOST_NAME, "lac");
			lts_avpw_add_u32(&w, LTS_AVP_FRAMING_CAP, 3);
			lts_avpw_add_u16(&w, LTS_AVP_ASSIGNED_TUNNEL_ID, 5);
			assert_int_equal(parse(body, lts_avpw_finish(&w), false, &v), -EBADMSG);
			assert_int_equal(v.action, LTS_CTRL_CLEAR_TUNNEL);
			assert_int_equal(v.result, LTS_STOPCCN_BAD_VERSION);
			assert_int_equal(v.error, 0x0100);
			assert_int_equal(v.avp_type, LTS_AVP_TYPE_PROTOCOL_VERSION);
		}
	}
}

/* RFC 2661 4.4.1: unknown type with M=1 clears the tunnel, M=0 is ignored. */
static void test_unknown_message_type(void **state)
{
	/* clang-format off */
	static const struct {
		uint16_t type;
		bool m;
		bool garbage; /* a malformed AVP after the Message Type */
		enum lts_ctrl_action action;
	} cases[] = {
		{ 5, true, false, LTS_CTRL_CLEAR_TUNNEL },
		{ 5, false, false, LTS_CTRL_IGNORE },
		{ 13, true, false, LTS_CTRL_CLEAR_TUNNEL },
		{ 200, false, false, LTS_CTRL_IGNORE },
		{ 0, true, false, LTS_CTRL_CLEAR_TUNNEL },
		{ 200, false, true, LTS_CTRL_IGNORE },
		{ 200, true, true, LTS_CTRL_CLEAR_TUNNEL },
	};
	/* clang-format on */
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		uint8_t body[] = { cases[i].m ? 0x80 : 0x00, 8, 0, 0, 0, 0,
				   cases[i].type >> 8, cases[i].type & 0xff,
				   /* unknown M=1 AVP, then an AVP with Length 3 */
				   0x80, 7, 0, 0, 0, 200, 'x', 0x00, 3, 0, 0, 0, 0 };
		struct lts_ctrl_verdict v;
		size_t len = cases[i].garbage ? sizeof(body) : 8;

		assert_int_equal(parse(body, len, false, &v), -EBADMSG);
		assert_int_equal(v.action, cases[i].action);
		if (v.action == LTS_CTRL_CLEAR_TUNNEL) {
			assert_int_equal(v.result, LTS_STOPCCN_GENERAL_ERROR);
			assert_int_equal(v.error, LTS_ERR_UNKNOWN_MANDATORY);
		}
	}
}

/* Decode errors become CDN or StopCCN per the message's scope. */
static void test_decode_errors(void **state)
{
	/* clang-format off */
	static const struct {
		const char *name;
		uint8_t body[40];
		size_t len;
		bool permissive;
		enum lts_ctrl_action action;
		uint16_t error;
	} cases[] = {
		{ "empty body", { 0 }, 0, false, LTS_CTRL_CLEAR_TUNNEL, LTS_ERR_VENDOR },
		{ "Host Name first", { 0x80, 9, 0, 0, 0, 7, 'l', 'a', 'c' }, 9, false,
		  LTS_CTRL_CLEAR_TUNNEL, LTS_ERR_VENDOR },
		{ "hidden Message Type", { 0xc0, 8, 0, 0, 0, 0, 0, 10 }, 8, false,
		  LTS_CTRL_CLEAR_TUNNEL, LTS_ERR_VALUE },
		{ "ICRQ, AVP Length 4",
		  { 0x80, 8, 0, 0, 0, 0, 0, 10, 0x80, 4, 0, 0, 0, 14 }, 14, false,
		  LTS_CTRL_CLEAR_SESSION, LTS_ERR_LENGTH },
		{ "SCCRQ, AVP Length 5", { 0x80, 8, 0, 0, 0, 0, 0, 1, 0x80, 5, 0, 0, 0, 7 }, 14,
		  false, LTS_CTRL_CLEAR_TUNNEL, LTS_ERR_LENGTH },
		{ "CDN, Length past the end",
		  { 0x80, 8, 0, 0, 0, 0, 0, 14, 0x80, 10, 0, 0, 0, 1, 0, 1 }, 16, false,
		  LTS_CTRL_CLEAR_SESSION, LTS_ERR_LENGTH },
		{ "HELLO, 3 trailing bytes", { 0x80, 8, 0, 0, 0, 0, 0, 6, 1, 2, 3 }, 11, false,
		  LTS_CTRL_CLEAR_TUNNEL, LTS_ERR_LENGTH },
		{ "ICCN, odd Framing Type",
		  { 0x80, 8, 0, 0, 0, 0, 0, 12, 0x80, 9, 0, 0, 0, 19, 0, 0, 1 }, 17, false,
		  LTS_CTRL_CLEAR_SESSION, LTS_ERR_LENGTH },
		{ "ICRQ, unknown M=1 AVP",
		  { 0x80, 8, 0, 0, 0, 0, 0, 10, 0x80, 7, 0, 0, 0, 250, 1 }, 15, false,
		  LTS_CTRL_CLEAR_SESSION, LTS_ERR_UNKNOWN_MANDATORY },
		{ "SCCCN, unknown M=1 vendor AVP",
		  { 0x80, 8, 0, 0, 0, 0, 0, 3, 0x80, 7, 0x0d, 0xe9, 0, 1, 1 }, 15, false,
		  LTS_CTRL_CLEAR_TUNNEL, LTS_ERR_UNKNOWN_MANDATORY },
		/* Permissive: the unknown AVP passes; the SCCCN itself is fine. */
		{ "SCCCN, unknown M=1 vendor AVP, permissive",
		  { 0x80, 8, 0, 0, 0, 0, 0, 3, 0x80, 7, 0x0d, 0xe9, 0, 1, 1 }, 15, true,
		  LTS_CTRL_ACCEPT, 0 },
		{ "WEN, hidden AVP without secret",
		  { 0x80, 8, 0, 0, 0, 0, 0, 15, 0x80, 8, 0, 0, 0, 36, 1, 2, 0xc0, 8, 0, 0, 0, 34,
		    9, 9 }, 24, false, LTS_CTRL_CLEAR_SESSION, LTS_ERR_VENDOR },
	};
	/* clang-format on */
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct lts_avp_opts o = { .permissive = cases[i].permissive };
		struct lts_ctrl_verdict v;
		int ret;

		print_message("  %s\n", cases[i].name);
		ret = lts_ctrl_msg_parse(cases[i].body, cases[i].len, &o, &msg, &v);
		assert_int_equal(v.action, cases[i].action);
		assert_int_equal(ret, cases[i].action == LTS_CTRL_ACCEPT ? 0 : -EBADMSG);
		if (v.action == LTS_CTRL_ACCEPT)
			continue;
		assert_int_equal(v.result, 2);
		assert_int_equal(v.error, cases[i].error);
		assert_true(strlen(v.message) > 0);
	}
}

/* Known AVPs outside the spec and vendor AVPs with M=0 are tolerated. */
static void test_extra_avps(void **state)
{
	struct lts_ctrl_verdict v;
	struct lts_avp_writer w;
	uint8_t body[256];

	(void)state;
	lts_avpw_init(&w, body, sizeof(body), NULL);
	lts_avpw_add_u16(&w, LTS_AVP_MSG_TYPE, LTS_CTRL_HELLO);
	lts_avpw_add_u64(&w, LTS_AVP_TIE_BREAKER, 42);
	lts_avpw_add_u64(&w, LTS_AVP_TIE_BREAKER, 43);
	lts_avpw_add_avp(&w, 3561, 2, false, "remote-id", 9);
	assert_int_equal(parse(body, lts_avpw_finish(&w), false, &v), 0);
	assert_int_equal(v.action, LTS_CTRL_ACCEPT);

	/* A second Message Type is a duplicate like any other. */
	lts_avpw_init(&w, body, sizeof(body), NULL);
	lts_avpw_add_u16(&w, LTS_AVP_MSG_TYPE, LTS_CTRL_HELLO);
	lts_avpw_add_u16(&w, LTS_AVP_MSG_TYPE, LTS_CTRL_HELLO);
	assert_int_equal(parse(body, lts_avpw_finish(&w), false, &v), -EBADMSG);
	assert_int_equal(v.action, LTS_CTRL_CLEAR_TUNNEL);
	assert_int_equal(v.error, LTS_ERR_VENDOR);
	assert_int_equal(v.avp_type, LTS_AVP_TYPE_MSG_TYPE);

	/* An ICRQ carrying a TSA ID stack. */
	lts_avpw_init(&w, body, sizeof(body), NULL);
	lts_avpw_add_u16(&w, LTS_AVP_MSG_TYPE, LTS_CTRL_ICRQ);
	lts_avpw_add_u16(&w, LTS_AVP_ASSIGNED_SESSION_ID, 3);
	lts_avpw_add_u32(&w, LTS_AVP_CALL_SERIAL, 1);
	lts_avpw_add_string(&w, LTS_AVP_TSA_ID, "tsa-1");
	lts_avpw_add_string(&w, LTS_AVP_TSA_ID, "tsa-2");
	assert_int_equal(parse(body, lts_avpw_finish(&w), false, &v), 0);
	assert_int_equal(lts_avp_count(&msg, LTS_AVP_TSA_ID), 2);
}

/* Outgoing calls: parsed and checked, then refused with a CDN. */
static void test_outgoing_calls_refused(void **state)
{
	/* clang-format off */
	static const struct {
		uint16_t type, result, error;
	} cases[] = {
		{ LTS_CTRL_OCRQ, LTS_CDN_NO_FACILITIES_PERM, LTS_ERR_NONE },
		{ LTS_CTRL_OCRP, LTS_CDN_GENERAL_ERROR, LTS_ERR_SESSION_ID },
		{ LTS_CTRL_OCCN, LTS_CDN_GENERAL_ERROR, LTS_ERR_SESSION_ID },
	};
	/* clang-format on */
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct build b = { false, -1, -1, -1, false };
		struct lts_ctrl_verdict v;
		uint8_t body[512];
		int n = build(body, sizeof(body), cases[i].type, &b);

		assert_true(lts_ctrl_spec_get(cases[i].type)->refused);
		assert_int_equal(parse(body, n, false, &v), -EBADMSG);
		assert_int_equal(v.action, LTS_CTRL_CLEAR_SESSION);
		assert_int_equal(v.result, cases[i].result);
		assert_int_equal(v.error, cases[i].error);
		assert_true(strlen(v.message) > 0);
	}
	for (i = 0; i < ARRAY_SIZE(all_types); i++) {
		uint16_t t = all_types[i];

		assert_int_equal(lts_ctrl_spec_get(t)->refused,
				 t == LTS_CTRL_OCRQ || t == LTS_CTRL_OCRP || t == LTS_CTRL_OCCN);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_valid_messages),
		cmocka_unit_test(test_missing_mandatory),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_zero_ids),
		cmocka_unit_test(test_protocol_version),
		cmocka_unit_test(test_unknown_message_type),
		cmocka_unit_test(test_decode_errors),
		cmocka_unit_test(test_extra_avps),
		cmocka_unit_test(test_outgoing_calls_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
