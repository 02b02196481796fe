// SPDX-License-Identifier: GPL-2.0
/*
 * AVPs across the switch (agent/l2tp/relay.c): regression for hidden vendor
 * AVPs. One that arrived hidden used to be relayed in clear toward a hop
 * that hides (our writer hid only rows it knows may be hidden).
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
#include "l2tp/relay.h"
#include "lib/util.h"

#define VENDOR_BBF 3561
static const uint8_t secret_in[] = "lac-secret", secret_out[] = "lns-secret";
static const char aci[] = "circuit-id 7/1/2:100";

static int counter_random(void *ctx, void *buf, size_t len)
{
	uint8_t *seed = ctx, *p = buf;

	while (len--)
		*p++ = (*seed)++ * 53 + 7;
	return 0;
}

/* An ICRQ body with the vendor AVP (M=0), hidden or not, from the first hop. */
static int build_icrq(uint8_t *body, size_t cap, bool hidden, uint8_t *seed)
{
	struct lts_avp_opts o = { .secret = secret_in, .secret_len = sizeof(secret_in) - 1,
				  .hide = hidden, .random = counter_random, .random_ctx = seed };
	struct lts_avp_writer w;

	lts_avpw_init(&w, body, cap, &o);
	lts_avpw_add_u16(&w, LTS_AVP_MSG_TYPE, LTS_CTRL_ICRQ);
	lts_avpw_add_u16(&w, LTS_AVP_ASSIGNED_SESSION_ID, 7);
	lts_avpw_add_u32(&w, LTS_AVP_CALL_SERIAL, 1);
	lts_avpw_add_relayed(&w, VENDOR_BBF, 1, false, hidden, aci, sizeof(aci) - 1);
	return lts_avpw_finish(&w);
}

static const struct {
	const char *what;
	bool arrived_hidden;
	bool next_hop_hides;
	bool want_hidden;
} rows[] = {
	{ "hidden in, hiding hop: hidden again", true, true, true },
	{ "hidden in, hop without hiding: as configured (clear)", true, false, false },
	{ "clear in, hiding hop: stays clear (unknown row)", false, true, false },
	{ "clear in, clear hop", false, false, false },
};

static void test_hidden_vendor_avp_relayed(void **state)
{
	static struct lts_ctrl_msg in, out;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		struct lts_avp_opts o_in = { .secret = secret_in,
					     .secret_len = sizeof(secret_in) - 1 };
		uint8_t seed = 1, body[512], body2[512];
		struct lts_avp_opts o_out = { .secret = secret_out,
					      .secret_len = sizeof(secret_out) - 1,
					      .hide = rows[i].next_hop_hides,
					      .random = counter_random, .random_ctx = &seed };
		struct lts_relay_policy pol = { 0 };
		static struct lts_relay_set set;
		struct lts_avp_writer w;
		struct lts_avp_error err;
		const struct lts_avp *a;
		int n;

		print_message("%s\n", rows[i].what);
		n = build_icrq(body, sizeof(body), rows[i].arrived_hidden, &seed);
		assert_true(n > 0);
		assert_int_equal(lts_avp_decode(body, (size_t)n, &o_in, &in, &err), 0);
		a = lts_avp_find(&in, VENDOR_BBF, 1);
		assert_non_null(a);
		assert_int_equal(!!a->hidden, rows[i].arrived_hidden);

		assert_int_equal(lts_relay_collect(&set, &in, LTS_RELAY_ICRQ, &pol), 0);
		lts_avpw_init(&w, body2, sizeof(body2), &o_out);
		lts_avpw_add_u16(&w, LTS_AVP_MSG_TYPE, LTS_CTRL_ICRQ);
		lts_relay_write(&set, &w);
		n = lts_avpw_finish(&w);
		assert_true(n > 0);

		o_out.hide = false; /* decoding needs only the secret */
		assert_int_equal(lts_avp_decode(body2, (size_t)n, &o_out, &out, &err), 0);
		a = lts_avp_find(&out, VENDOR_BBF, 1);
		assert_non_null(a);
		assert_int_equal(!!a->hidden, rows[i].want_hidden);
		assert_false(a->mandatory);
		assert_int_equal(a->len, sizeof(aci) - 1);
		assert_memory_equal(a->val, aci, sizeof(aci) - 1);
		/* Hidden on the wire means the value is nowhere in clear. */
		if (rows[i].want_hidden)
			assert_null(memmem(body2, (size_t)n, aci, sizeof(aci) - 1));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hidden_vendor_avp_relayed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
