// SPDX-License-Identifier: GPL-2.0
/*
 * The agent's switch table (agent/dp/swtab.c) and the translation of a static
 * session into its two switch entries (agent/dp/static_sessions.c).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>
#include "dp/static_sessions.h"
#include "dp/swtab.h"

static struct lts_switch_key make_key(uint16_t tid, uint16_t sid, uint16_t port,
				      uint8_t last_octet)
{
	struct lts_switch_key k;

	memset(&k, 0, sizeof(k));
	k.family = LTS_FAMILY_IPV4;
	k.peer_port = port;
	k.tunnel_id = tid;
	k.session_id = sid;
	k.peer_addr[0] = 10;
	k.peer_addr[3] = last_octet;
	k.local_addr[0] = 10;
	k.local_addr[3] = 254;
	return k;
}

/* Two LACs both using tunnel 1 / session 1 must not collide (REFERENCE 2.4). */
static void test_same_ids_different_peers(void **state)
{
	struct lts_switch_key a = make_key(1, 1, 1701, 1), b = make_key(1, 1, 1701, 2);
	struct lts_switch_key c = make_key(1, 1, 1702, 1);
	struct lts_switch_val va = { .peer_tunnel_id = 11 }, vb = { .peer_tunnel_id = 22 },
			      vc = { .peer_tunnel_id = 33 };
	struct lts_swtab t;

	(void)state;
	assert_int_equal(lts_swtab_init(&t, 8), 0);
	assert_int_equal(lts_swtab_insert(&t, &a, &va), 0);
	assert_int_equal(lts_swtab_insert(&t, &b, &vb), 0);
	assert_int_equal(lts_swtab_insert(&t, &c, &vc), 0);
	assert_int_equal(lts_swtab_insert(&t, &a, &vb), -EEXIST);
	assert_int_equal(lts_swtab_lookup(&t, &a)->val.peer_tunnel_id, 11);
	assert_int_equal(lts_swtab_lookup(&t, &b)->val.peer_tunnel_id, 22);
	assert_int_equal(lts_swtab_lookup(&t, &c)->val.peer_tunnel_id, 33);
	lts_swtab_fini(&t);
}

/* Insert many, remove every other one, all survivors still found. */
static void test_insert_remove_many(void **state)
{
	const uint32_t n = 5000;
	struct lts_switch_val v = { 0 };
	struct lts_swtab_entry *e;
	struct lts_switch_key k;
	struct lts_swtab t;
	uint32_t i, seen = 0;

	(void)state;
	assert_int_equal(lts_swtab_init(&t, n), 0);
	for (i = 0; i < n; i++) {
		k = make_key(i / 7 + 1, i % 7 + 1, 1701, i % 3);
		v.stats_idx = i;
		assert_int_equal(lts_swtab_insert(&t, &k, &v), 0);
	}
	k = make_key(60000, 1, 1701, 0);
	assert_int_equal(lts_swtab_insert(&t, &k, &v), -ENOSPC);
	for (i = 0; i < n; i += 2) {
		k = make_key(i / 7 + 1, i % 7 + 1, 1701, i % 3);
		assert_int_equal(lts_swtab_remove(&t, &k), 0);
		assert_int_equal(lts_swtab_remove(&t, &k), -ENOENT);
	}
	assert_int_equal(lts_swtab_count(&t), n / 2);
	for (i = 0; i < n; i++) {
		k = make_key(i / 7 + 1, i % 7 + 1, 1701, i % 3);
		e = lts_swtab_lookup(&t, &k);
		if (i % 2) {
			assert_non_null(e);
			assert_int_equal(e->val.stats_idx, i);
		} else {
			assert_null(e);
		}
	}
	lts_swtab_for_each(&t, e)
		seen++;
	assert_int_equal(seen, n / 2);
	lts_swtab_fini(&t);
}

static void set_ip(struct lts_ip *ip, const char *s)
{
	memset(ip, 0, sizeof(*ip));
	if (inet_pton(AF_INET, s, ip->addr) == 1) {
		ip->family = LTS_FAMILY_IPV4;
	} else {
		assert_int_equal(inet_pton(AF_INET6, s, ip->addr), 1);
		ip->family = LTS_FAMILY_IPV6;
	}
}

/* The example: a's frames leave toward b's peer as 400/4, and back. */
static void test_static_entries(void **state)
{
	struct lts_static_session s = { .name = "s1" };
	struct lts_switch_key key[LTS_DIR_MAX];
	struct lts_switch_val val[LTS_DIR_MAX];
	struct lts_ip ip;

	(void)state;
	set_ip(&s.a.local, "10.0.1.2");
	set_ip(&s.a.peer, "10.0.1.1");
	s.a.local_port = 1701;
	s.a.peer_port = 1701;
	s.a.tunnel_id = 100;
	s.a.session_id = 1;
	s.a.peer_tunnel_id = 200;
	s.a.peer_session_id = 2;
	s.a.dscp = -1;
	set_ip(&s.b.local, "fd00:2::2");
	set_ip(&s.b.peer, "fd00:2::1");
	s.b.local_port = 1702;
	s.b.peer_port = 50000;
	s.b.tunnel_id = 300;
	s.b.session_id = 3;
	s.b.peer_tunnel_id = 400;
	s.b.peer_session_id = 4;
	s.b.dscp = 46;

	lts_static_entries(&s, 7, key, val);

	/* From a's peer to our tunnel 100 / session 1 ... */
	assert_int_equal(key[LTS_DIR_A_TO_B].family, LTS_FAMILY_IPV4);
	assert_int_equal(key[LTS_DIR_A_TO_B].peer_port, 1701);
	assert_int_equal(key[LTS_DIR_A_TO_B].tunnel_id, 100);
	assert_int_equal(key[LTS_DIR_A_TO_B].session_id, 1);
	assert_memory_equal(key[LTS_DIR_A_TO_B].peer_addr, s.a.peer.addr, 16);
	assert_memory_equal(key[LTS_DIR_A_TO_B].local_addr, s.a.local.addr, 16);
	/* ... leaves toward b's peer as 400/4 over IPv6 with DSCP 46. */
	assert_int_equal(val[LTS_DIR_A_TO_B].family, LTS_FAMILY_IPV6);
	assert_int_equal(val[LTS_DIR_A_TO_B].peer_tunnel_id, 400);
	assert_int_equal(val[LTS_DIR_A_TO_B].peer_session_id, 4);
	assert_int_equal(val[LTS_DIR_A_TO_B].local_port, 1702);
	assert_int_equal(val[LTS_DIR_A_TO_B].peer_port, 50000);
	assert_int_equal(val[LTS_DIR_A_TO_B].flags, LTS_SW_F_DSCP_SET);
	assert_int_equal(val[LTS_DIR_A_TO_B].dscp, 46);
	assert_int_equal(val[LTS_DIR_A_TO_B].dir, LTS_DIR_A_TO_B);
	assert_int_equal(val[LTS_DIR_A_TO_B].stats_idx, 7);
	set_ip(&ip, "fd00:2::1");
	assert_memory_equal(val[LTS_DIR_A_TO_B].peer_addr, ip.addr, 16);
	set_ip(&ip, "fd00:2::2");
	assert_memory_equal(val[LTS_DIR_A_TO_B].local_addr, ip.addr, 16);

	/* The reverse: from b's peer (port 50000) to 300/3, out as 200/2, DSCP kept. */
	assert_int_equal(key[LTS_DIR_B_TO_A].family, LTS_FAMILY_IPV6);
	assert_int_equal(key[LTS_DIR_B_TO_A].peer_port, 50000);
	assert_int_equal(key[LTS_DIR_B_TO_A].tunnel_id, 300);
	assert_int_equal(key[LTS_DIR_B_TO_A].session_id, 3);
	assert_int_equal(val[LTS_DIR_B_TO_A].family, LTS_FAMILY_IPV4);
	assert_int_equal(val[LTS_DIR_B_TO_A].peer_tunnel_id, 200);
	assert_int_equal(val[LTS_DIR_B_TO_A].peer_session_id, 2);
	assert_int_equal(val[LTS_DIR_B_TO_A].flags, 0);
	assert_int_equal(val[LTS_DIR_B_TO_A].dir, LTS_DIR_B_TO_A);
	/* Next-hop fields are the resolver's: not valid until resolved. */
	assert_int_equal(val[LTS_DIR_B_TO_A].ifindex, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_ids_different_peers),
		cmocka_unit_test(test_insert_remove_many),
		cmocka_unit_test(test_static_entries),
	};

	return cmocka_run_group_tests_name("switch_entries", tests, NULL, NULL);
}
