// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: control message body -> lts_avp_decode() and
 * lts_ctrl_msg_check(), without a secret, with one, and permissive. For
 * every body that decodes, all getters run, and a re-encode through the
 * writer (hiding on with the secret) decodes back to the same AVPs.
 *
 * Built with -DLTS_FUZZ_GEN (`make fuzz-corpus`) this file is instead a small
 * program writing the seed corpus: a real body of every message type with
 * every AVP its spec allows, plain and hidden, plus a few malformed ones.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "l2tp/avp.h"
#include "l2tp/ctrl_msg.h"

static const uint8_t fuzz_secret[] = "fuzz-secret";

/* Deterministic randomness, so a crash reproduces from its input alone. */
static int counter_random(void *ctx, void *buf, size_t len)
{
	uint8_t *seed = ctx, *p = buf;

	while (len--)
		*p++ = (*seed)++ * 29 + 7;
	return 0;
}

#ifndef LTS_FUZZ_GEN

#define CHECK(cond)                                                                        \
	do {                                                                               \
		if (!(cond)) {                                                             \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__,  \
				#cond);                                                    \
			abort();                                                           \
		}                                                                          \
	} while (0)

static struct lts_ctrl_msg msg, again;
static uint8_t out[1 << 17];

static void run_getters(const struct lts_ctrl_msg *m)
{
	struct lts_avp_call_errors ce;
	struct lts_avp_proto_ver pv;
	struct lts_avp_ppp_disc pd;
	struct lts_avp_result res;
	struct lts_avp_accm accm;
	struct lts_avp_q931 q;
	const uint8_t *val;
	const struct lts_avp *a;
	char s[64];
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;
	size_t i, len;

	for (i = 0; i < m->n_avps; i++) {
		a = &m->avps[i];
		CHECK(a->len <= LTS_AVP_VAL_MAX);
		CHECK(!a->def || (a->len >= a->def->min_len && a->len <= a->def->max_len));
		lts_avp_val_u16(a, &u16);
		lts_avp_val_u32(a, &u32);
		lts_avp_val_u64(a, &u64);
		CHECK(lts_avp_val_bytes(a, &val, &len) == 0 && len == a->len);
		if (lts_avp_val_string(a, s, sizeof(s), &len) == 0)
			CHECK(strlen(s) <= len);
		lts_avp_val_proto_ver(a, &pv);
		if (lts_avp_val_result(a, &res) == 0)
			CHECK(res.message_len + (res.has_error ? 4 : 2) == a->len);
		if (lts_avp_val_q931(a, &q) == 0)
			CHECK(q.advisory_len + 3 == a->len);
		lts_avp_val_call_errors(a, &ce);
		lts_avp_val_accm(a, &accm);
		if (lts_avp_val_ppp_disc(a, &pd) == 0)
			CHECK(pd.message_len + 5 == a->len);
	}
	for (i = 0; i < LTS_AVP_N; i++) {
		lts_avp_get_u16(m, i, &u16);
		lts_avp_get_u32(m, i, &u32);
		lts_avp_get_u64(m, i, &u64);
		lts_avp_get_bytes(m, i, &val, &len);
		lts_avp_get_string(m, i, s, sizeof(s), &len);
	}
	lts_avp_get_proto_ver(m, &pv);
	lts_avp_get_result(m, &res);
	lts_avp_get_q931(m, &q);
	lts_avp_get_call_errors(m, &ce);
	lts_avp_get_accm(m, &accm);
	lts_avp_get_ppp_disc(m, &pd);
}

/* Random Vectors differ after a re-encode; everything else must not. */
static const struct lts_avp *next_non_rv(const struct lts_ctrl_msg *m, size_t *i)
{
	for (; *i < m->n_avps; (*i)++)
		if (!m->avps[*i].def || m->avps[*i].def->id != LTS_AVP_RANDOM_VECTOR)
			return &m->avps[(*i)++];
	return NULL;
}

static void roundtrip(const struct lts_avp_opts *o, uint8_t seed)
{
	struct lts_avp_opts wo = *o;
	const struct lts_avp *a, *b;
	struct lts_avp_writer w;
	struct lts_avp_error err;
	size_t i, ia = 0, ib = 0;
	int n;

	/* Reserved bits are sent as 0 (RFC 2661 4.1): such AVPs change meaning. */
	for (i = 0; i < msg.n_avps; i++)
		if (msg.avps[i].flags & LTS_AVP_F_RESERVED)
			return;
	wo.hide = o->secret != NULL;
	/* Hiding adds a Random Vector: one more AVP than a full message holds. */
	if (wo.hide && msg.n_avps == LTS_CTRL_MAX_AVPS)
		return;
	wo.random = counter_random;
	wo.random_ctx = &seed;
	lts_avpw_init(&w, out, sizeof(out), &wo);
	for (i = 0; i < msg.n_avps; i++)
		lts_avpw_add_raw(&w, &msg.avps[i]);
	n = lts_avpw_finish(&w);
	CHECK(n > 0);
	CHECK(lts_avp_decode(out, n, o, &again, &err) == 0);
	CHECK(again.type == msg.type && again.type_mandatory == msg.type_mandatory);
	for (;;) {
		a = next_non_rv(&msg, &ia);
		b = next_non_rv(&again, &ib);
		CHECK(!a == !b);
		if (!a)
			break;
		CHECK(a->vendor == b->vendor && a->type == b->type && a->def == b->def);
		CHECK(a->mandatory == b->mandatory && a->len == b->len);
		CHECK(!a->len || !memcmp(a->val, b->val, a->len));
		if (a->def)
			CHECK(b->hidden == (wo.hide && a->def->may_hide));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lts_avp_opts modes[] = {
		{ 0 },
		{ .secret = fuzz_secret, .secret_len = sizeof(fuzz_secret) - 1 },
		{ .secret = fuzz_secret, .secret_len = sizeof(fuzz_secret) - 1,
		  .permissive = true },
	};
	struct lts_ctrl_verdict v, v2;
	struct lts_avp_error err;
	size_t m;
	int ret;

	for (m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		ret = lts_ctrl_msg_parse(data, size, &modes[m], &msg, &v);
		CHECK(ret == 0 || ret == -EBADMSG);
		CHECK((ret == 0) == (v.action == LTS_CTRL_ACCEPT));
		CHECK(strlen(v.message) < sizeof(v.message));
		CHECK(msg.n_avps <= LTS_CTRL_MAX_AVPS);
		CHECK(msg.plain_len <= LTS_CTRL_PLAIN_MAX);
		if (v.action == LTS_CTRL_CLEAR_SESSION || v.action == LTS_CTRL_CLEAR_TUNNEL)
			CHECK(v.result != 0);

		if (lts_avp_decode(data, size, &modes[m], &msg, &err))
			continue;
		CHECK(msg.n_avps >= 1 && msg.avps[0].type == LTS_AVP_TYPE_MSG_TYPE);
		ret = lts_ctrl_msg_check(&msg, &v2);
		CHECK(v2.action == v.action && v2.result == v.result && v2.error == v.error);
		run_getters(&msg);
		if (size <= sizeof(out) / 4)
			roundtrip(&modes[m], size ? data[0] : 0);
	}
	return 0;
}

#else /* LTS_FUZZ_GEN: write the seed corpus */

static void add_sample(struct lts_avp_writer *w, enum lts_avp_id id)
{
	static const char text[] = "lts-seed-value-0123456789";
	const struct lts_avp_def *d = lts_avp_def_get(id);
	struct lts_avp_proto_ver pv = { LTS_CTRL_PROTO_VER, LTS_CTRL_PROTO_REV };
	struct lts_avp_result res = { 2, true, 6, "seed", 4 };
	struct lts_avp_q931 q = { 16, 1, "normal", 6 };
	struct lts_avp_call_errors ce = { 1, 2, 3, 4, 5, 6 };
	struct lts_avp_accm accm = { 0xffffffff, 0x000a0000 };
	struct lts_avp_ppp_disc pd = { 1, 0xc021, 1, "lcp", 3 };

	switch (d->dtype) {
	case LTS_AVP_DT_EMPTY:
		lts_avpw_add_empty(w, id);
		break;
	case LTS_AVP_DT_U16:
		lts_avpw_add_u16(w, id, 0x0102);
		break;
	case LTS_AVP_DT_U32:
		lts_avpw_add_u32(w, id, 100000000);
		break;
	case LTS_AVP_DT_U64:
		lts_avpw_add_u64(w, id, 0x0123456789abcdefull);
		break;
	case LTS_AVP_DT_BYTES:
	case LTS_AVP_DT_STRING:
		lts_avpw_add_bytes(w, id, text, d->min_len > 12 ? d->min_len : 12);
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

static int write_file(const char *dir, const char *name, const uint8_t *b, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(b, 1, len, f) != len) {
		perror(path);
		if (f)
			fclose(f);
		return -1;
	}
	return fclose(f);
}

int main(int argc, char **argv)
{
	/* clang-format off */
	static const uint16_t types[] = { 1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 12, 14, 15, 16 };
	/* clang-format on */
	/* clang-format off */
	static const struct {
		const char *name;
		uint8_t b[32];
		size_t len;
	} odd[] = {
		{ "bad-avp-len", { 0x80, 8, 0, 0, 0, 0, 0, 10, 0x80, 4, 0, 0, 0, 14 }, 14 },
		{ "overrun", { 0x80, 8, 0, 0, 0, 0, 0, 14, 0x80, 30, 0, 0, 0, 1, 0, 1 }, 16 },
		{ "unknown-type-m0", { 0x00, 8, 0, 0, 0, 0, 0, 99 }, 8 },
		{ "unknown-m1-avp", { 0x80, 8, 0, 0, 0, 0, 0, 10, 0x80, 7, 0, 0, 0, 250, 1 }, 15 },
		{ "vendor-3561-2", { 0x80, 8, 0, 0, 0, 0, 0, 10, 0x00, 8, 0x0d, 0xe9, 0, 2, 1, 0 },
		  16 },
		{ "result-len8", { 0x80, 8, 0, 0, 0, 0, 0, 4, 0x80, 8, 0, 0, 0, 9, 0, 7, 0x80, 8,
				   0, 0, 0, 1, 0, 1 }, 24 },
	};
	/* clang-format on */
	const char *dir = argc > 1 ? argv[1] : "tests/fuzz/corpus/decode";
	uint8_t body[2048];
	size_t t, r, i;
	int hide, n;

	for (t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
		const struct lts_ctrl_spec *spec = lts_ctrl_spec_get(types[t]);

		for (hide = 0; hide < 2; hide++) {
			uint8_t seed = (uint8_t)(types[t] * 2 + hide);
			struct lts_avp_opts o = { .secret = fuzz_secret,
						  .secret_len = sizeof(fuzz_secret) - 1,
						  .hide = hide,
						  .random = counter_random,
						  .random_ctx = &seed };
			struct lts_avp_writer w;
			char name[64];

			lts_avpw_init(&w, body, sizeof(body), &o);
			lts_avpw_add_u16(&w, LTS_AVP_MSG_TYPE, spec->type);
			for (r = 0; r < spec->n_avps; r++)
				if (spec->avps[r].id != LTS_AVP_RANDOM_VECTOR)
					add_sample(&w, spec->avps[r].id);
			if (spec->type == LTS_CTRL_ICRQ) /* a TSA ID stack and a vendor AVP */
				lts_avpw_add_string(&w, LTS_AVP_TSA_ID, "tsa-upstream");
			if (spec->type == LTS_CTRL_ICRQ)
				lts_avpw_add_avp(&w, 3561, 1, false, "circuit-7", 9);
			n = lts_avpw_finish(&w);
			if (n < 0) {
				fprintf(stderr, "%s: encode failed: %d\n", spec->name, n);
				return 1;
			}
			snprintf(name, sizeof(name), "%s-%s.bin", spec->name,
				 hide ? "hidden" : "plain");
			if (write_file(dir, name, body, n))
				return 1;
		}
	}
	for (i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		char name[64];

		snprintf(name, sizeof(name), "%s.bin", odd[i].name);
		if (write_file(dir, name, odd[i].b, odd[i].len))
			return 1;
	}
	return 0;
}

#endif /* LTS_FUZZ_GEN */
