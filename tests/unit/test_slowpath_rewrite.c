// SPDX-License-Identifier: GPL-2.0
/*
 * The slow path's classify-and-rewrite step (lts_slowpath_rewrite): the same
 * decisions as the XDP program for datagrams the kernel hands to the agent,
 * one table row per input: which counter moves, and the exact output bytes.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>
#include "dp/slowpath.h"

enum outcome { RELAYED, CONTROL, NO_SESSION, MALFORMED };

struct rewrite_case {
	const char *name;
	uint8_t in[24];
	size_t len;
	enum outcome outcome;
	uint8_t out[24]; /* RELAYED only */
};

/* Session in the table: our tunnel 100 / session 1 -> peer's 400 / 4. */
static const struct rewrite_case cases[] = {
	{ "plain data", { 0x00, 0x02, 0, 100, 0, 1, 0xff, 0x03, 0xc0, 0x21 }, 10, RELAYED,
	  { 0x00, 0x02, 0x01, 0x90, 0, 4, 0xff, 0x03, 0xc0, 0x21 } },
	{ "L bit: IDs after Length", { 0x40, 0x02, 0, 10, 0, 100, 0, 1, 0xff, 0x03 }, 10, RELAYED,
	  { 0x40, 0x02, 0, 10, 0x01, 0x90, 0, 4, 0xff, 0x03 } },
	{ "L S O P, Ns/Nr and offset pad untouched",
	  { 0x4b, 0x02, 0, 18, 0, 100, 0, 1, 0x12, 0x34, 0x56, 0x78, 0, 2, 0xaa, 0xbb, 0xff, 0x03 },
	  18, RELAYED,
	  { 0x4b, 0x02, 0, 18, 0x01, 0x90, 0, 4, 0x12, 0x34, 0x56, 0x78, 0, 2, 0xaa, 0xbb, 0xff, 0x03 } },
	{ "control message", { 0xc8, 0x02, 0, 12, 0, 100, 0, 0, 0, 0, 0, 0 }, 12, CONTROL, { 0 } },
	{ "unknown session", { 0x00, 0x02, 0, 100, 0, 2, 0xff, 0x03 }, 8, NO_SESSION, { 0 } },
	{ "unknown tunnel", { 0x00, 0x02, 0, 101, 0, 1, 0xff, 0x03 }, 8, NO_SESSION, { 0 } },
	{ "version 3", { 0x00, 0x03, 0, 100, 0, 1 }, 6, MALFORMED, { 0 } },
	{ "version 1 (L2F)", { 0x00, 0x01, 0, 100, 0, 1 }, 6, MALFORMED, { 0 } },
	{ "empty", { 0 }, 0, MALFORMED, { 0 } },
	{ "one byte", { 0x00 }, 1, MALFORMED, { 0 } },
	{ "header cut before session id", { 0x00, 0x02, 0, 100, 0 }, 5, MALFORMED, { 0 } },
	{ "S bit without Ns/Nr", { 0x08, 0x02, 0, 100, 0, 1, 0 }, 7, MALFORMED, { 0 } },
	{ "offset pad beyond datagram", { 0x02, 0x02, 0, 100, 0, 1, 0, 9, 0xaa }, 9, MALFORMED, { 0 } },
};

static struct lts_switch_key table_key(void)
{
	struct lts_switch_key k;

	memset(&k, 0, sizeof(k));
	k.family = LTS_FAMILY_IPV4;
	k.peer_port = 1701;
	k.tunnel_id = 100;
	k.session_id = 1;
	k.peer_addr[0] = 10, k.peer_addr[3] = 1;
	k.local_addr[0] = 10, k.local_addr[3] = 2;
	return k;
}

static void test_rewrite_table(void **state)
{
	struct lts_switch_val v = { .peer_tunnel_id = 400, .peer_session_id = 4 };
	struct lts_switch_key k = table_key();
	struct lts_slowpath sp;
	struct lts_swtab t;
	size_t i;

	(void)state;
	assert_int_equal(lts_swtab_init(&t, 4), 0);
	assert_int_equal(lts_swtab_insert(&t, &k, &v), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct rewrite_case *c = &cases[i];
		struct lts_slowpath_counters before;
		const struct lts_swtab_entry *e;
		uint8_t buf[24];

		memset(&sp, 0, sizeof(sp));
		sp.tab = &t;
		before = sp.ctr;
		memcpy(buf, c->in, sizeof(buf));
		e = lts_slowpath_rewrite(&sp, &k, buf, c->len);
		print_message("  %s\n", c->name);
		switch (c->outcome) {
		case RELAYED:
			assert_non_null(e);
			assert_memory_equal(buf, c->out, c->len);
			break;
		case CONTROL:
			assert_null(e);
			assert_int_equal(sp.ctr.control, before.control + 1);
			break;
		case NO_SESSION:
			assert_null(e);
			assert_int_equal(sp.ctr.no_session, before.no_session + 1);
			break;
		case MALFORMED:
			assert_null(e);
			assert_int_equal(sp.ctr.malformed, before.malformed + 1);
			break;
		}
		if (!e)
			assert_memory_equal(buf, c->in, c->len); /* untouched */
	}
	lts_swtab_fini(&t);
}

/* The source port and address are part of the key, as on the fast path. */
static void test_key_includes_sender(void **state)
{
	struct lts_switch_val v = { .peer_tunnel_id = 400, .peer_session_id = 4 };
	struct lts_switch_key k = table_key(), other_port, other_addr;
	uint8_t buf[] = { 0x00, 0x02, 0, 100, 0, 1, 0xff, 0x03 };
	struct lts_slowpath sp = { 0 };
	struct lts_swtab t;

	(void)state;
	assert_int_equal(lts_swtab_init(&t, 4), 0);
	assert_int_equal(lts_swtab_insert(&t, &k, &v), 0);
	sp.tab = &t;
	other_port = k;
	other_port.peer_port = 1702;
	other_addr = k;
	other_addr.peer_addr[3] = 9;
	assert_null(lts_slowpath_rewrite(&sp, &other_port, buf, sizeof(buf)));
	assert_null(lts_slowpath_rewrite(&sp, &other_addr, buf, sizeof(buf)));
	assert_int_equal(sp.ctr.no_session, 2);
	assert_non_null(lts_slowpath_rewrite(&sp, &k, buf, sizeof(buf)));
	lts_swtab_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rewrite_table),
		cmocka_unit_test(test_key_includes_sender),
	};

	return cmocka_run_group_tests_name("slowpath_rewrite", tests, NULL, NULL);
}
