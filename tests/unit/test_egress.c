// SPDX-License-Identifier: GPL-2.0
/*
 * The next-hop cache of agent/dp/egress.c, without netlink or BPF: a fake
 * resolver (answers per peer address, counts its calls) and a fake write
 * hook (counts the next hops pushed to the "fast path") are injected through
 * struct lts_egress_ops. What must hold (issue 9, issue 11): installs toward
 * a cached next hop cost no resolve, an event costs one resolve per next
 * hop, a next hop that changed is one write to the fast path however many
 * entries are behind it (and the agent's copies of just those entries
 * follow), the retry while unresolved asks only for the unresolved next
 * hops, and removal frees a next hop nobody uses.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>
#include "dp/egress.h"
#include "lib/log.h"

#define N_PEERS 4
#define IF_LAC 3
#define IF_LNS 4
#define IF_OTHER 9 /* an interface the fast path is not attached to */

/* The fake world: what the resolver answers for peer 10.0.0.<i>. */
struct fake {
	int err[N_PEERS];
	struct lts_nexthop nh[N_PEERS];
	unsigned int resolves[N_PEERS];
	unsigned int writes;
	uint32_t last_idx;
	struct lts_nh_entry last;
};

static int fake_resolve(void *ctx, uint8_t family, const uint8_t *peer, const uint8_t *local,
			struct lts_nexthop *nh)
{
	struct fake *f = ctx;
	uint8_t i = peer[3];

	(void)local;
	assert_int_equal(family, LTS_FAMILY_IPV4);
	assert_true(i < N_PEERS);
	f->resolves[i]++;
	*nh = f->nh[i];
	return f->err[i];
}

static int fake_write_nh(void *ctx, uint32_t idx, const struct lts_nh_entry *nh)
{
	struct fake *f = ctx;

	assert_true(idx >= 1 && idx < LTS_MAX_NEXTHOPS);
	f->writes++;
	f->last_idx = idx;
	f->last = *nh;
	return 0;
}

static unsigned int total_resolves(const struct fake *f)
{
	unsigned int i, n = 0;

	for (i = 0; i < N_PEERS; i++)
		n += f->resolves[i];
	return n;
}

static const uint32_t ifindexes[] = { IF_LAC, IF_LNS };

struct fixture {
	struct fake f;
	struct lts_swtab tab;
	struct lts_egress eg;
};

static int setup(void **state)
{
	static struct fixture fx;
	struct lts_egress_ops ops = { .resolve = fake_resolve, .write_nh = fake_write_nh };
	uint8_t i;

	memset(&fx, 0, sizeof(fx));
	for (i = 0; i < N_PEERS; i++) {
		fx.f.nh[i] = (struct lts_nexthop){ .ifindex = i % 2 ? IF_LNS : IF_LAC, .mtu = 1500,
						   .src_mac = { 2, 0, 0, 0, 0, 0xaa },
						   .dst_mac = { 2, 0, 0, 0, 1, i } };
	}
	ops.ctx = &fx.f;
	if (lts_swtab_init(&fx.tab, 65536))
		return -1;
	if (lts_egress_init(&fx.eg, &ops, &fx.tab, ifindexes, 2, 65536))
		return -1;
	lts_log_set_level(LTS_LOG_WARN); /* quiet: every new next hop logs a line */
	*state = &fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	lts_egress_fini(&fx->eg);
	lts_swtab_fini(&fx->tab);
	return 0;
}

/* Entry for session sid whose frames leave toward peer 10.0.0.<peer>. */
static struct lts_swtab_entry *add(struct fixture *fx, uint16_t sid, uint8_t peer)
{
	struct lts_switch_key k = { .family = LTS_FAMILY_IPV4, .peer_port = 1701,
				    .tunnel_id = 1, .session_id = sid,
				    .peer_addr = { 10, 1, 0, 1 }, .local_addr = { 10, 1, 0, 2 } };
	struct lts_switch_val v = { .family = LTS_FAMILY_IPV4, .peer_port = 1701,
				    .peer_tunnel_id = 2, .peer_session_id = sid,
				    .peer_addr = { 10, 0, 0, peer }, .local_addr = { 10, 0, 0, 100 } };
	struct lts_swtab_entry *e = lts_swtab_add(&fx->tab, &k, &v);

	assert_non_null(e);
	assert_int_equal(lts_egress_attach(&fx->eg, e), 0);
	return e;
}

static void del(struct fixture *fx, struct lts_swtab_entry *e)
{
	struct lts_switch_key k = e->key;

	lts_egress_detach(&fx->eg, e);
	assert_int_equal(lts_swtab_remove(&fx->tab, &k), 0);
}

static struct lts_swtab_entry *find(struct fixture *fx, uint16_t sid)
{
	struct lts_switch_key k = { .family = LTS_FAMILY_IPV4, .peer_port = 1701,
				    .tunnel_id = 1, .session_id = sid,
				    .peer_addr = { 10, 1, 0, 1 }, .local_addr = { 10, 1, 0, 2 } };

	return lts_swtab_lookup(&fx->tab, &k);
}

static bool valid(const struct lts_swtab_entry *e)
{
	return e->val.flags & LTS_SW_F_NH_VALID;
}

/* N installs toward the same next hop: one resolve; every entry filled at attach. */
static void test_installs_share_one_resolve(void **state)
{
	struct fixture *fx = *state;
	struct lts_swtab_entry *e;
	uint16_t sid;

	for (sid = 1; sid <= 1000; sid++) {
		e = add(fx, sid, 1);
		assert_true(valid(e));
		assert_int_equal(e->val.ifindex, IF_LNS);
		assert_int_equal(e->val.mtu, 1500);
		assert_memory_equal(e->val.dst_mac, fx->f.nh[1].dst_mac, 6);
		assert_memory_equal(e->val.src_mac, fx->f.nh[1].src_mac, 6);
	}
	assert_int_equal(fx->f.resolves[1], 1);
	assert_int_equal(total_resolves(&fx->f), 1);
	assert_int_equal(fx->eg.resolves, 1);
	assert_int_equal(fx->eg.n_nhs, 1);
	assert_int_equal(fx->eg.n_unresolved, 0);
	/* the new next hop was written once; each entry is the caller's one write */
	assert_int_equal(fx->f.writes, 1);
	assert_int_equal(fx->f.last_idx, lts_egress_nh_index(e));
	assert_true(fx->f.last.flags & LTS_NH_F_VALID);
	assert_int_equal(fx->f.last.ifindex, IF_LNS);
	assert_memory_equal(fx->f.last.dst_mac, fx->f.nh[1].dst_mac, 6);

	/* a second next hop: one more resolve, however many entries follow */
	for (sid = 1001; sid <= 1100; sid++)
		add(fx, sid, 2);
	assert_int_equal(fx->f.resolves[2], 1);
	assert_int_equal(total_resolves(&fx->f), 2);
	assert_int_equal(fx->eg.n_nhs, 2);
}

/* An event re-resolves each next hop once; nothing changed: nothing rewritten. */
static void test_event_one_resolve_per_next_hop(void **state)
{
	struct fixture *fx = *state;
	uint16_t sid;

	for (sid = 1; sid <= 300; sid++)
		add(fx, sid, sid % 3);
	assert_int_equal(total_resolves(&fx->f), 3);
	memset(fx->f.resolves, 0, sizeof(fx->f.resolves));

	assert_int_equal(lts_egress_refresh(&fx->eg, true), 0);
	assert_int_equal(fx->f.resolves[0], 1);
	assert_int_equal(fx->f.resolves[1], 1);
	assert_int_equal(fx->f.resolves[2], 1);
	assert_int_equal(fx->f.resolves[3], 0);
	assert_int_equal(fx->f.writes, 3); /* only when each was new */

	/* nothing unresolved: the retry asks for nothing */
	assert_int_equal(lts_egress_refresh(&fx->eg, false), 0);
	assert_int_equal(total_resolves(&fx->f), 3);
}

/* A neighbour's MAC changes: one write for its next hop; only its entries' copies follow. */
static void test_only_changed_entries_rewritten(void **state)
{
	struct fixture *fx = *state;
	uint32_t nh2;
	uint16_t sid;

	for (sid = 1; sid <= 200; sid++)
		add(fx, sid, sid <= 50 ? 2 : 1); /* 50 behind peer 2, 150 behind peer 1 */
	nh2 = lts_egress_nh_index(find(fx, 1));
	assert_int_equal(fx->f.writes, 2);
	fx->f.nh[2].dst_mac[5] = 0x77;
	assert_int_equal(lts_egress_refresh(&fx->eg, true), 0);
	assert_int_equal(total_resolves(&fx->f), 2 + 2);
	assert_int_equal(fx->f.writes, 2 + 1);
	assert_int_equal(fx->f.last_idx, nh2);
	assert_int_equal(fx->f.last.dst_mac[5], 0x77);
	for (sid = 1; sid <= 200; sid++) {
		assert_int_equal(find(fx, sid)->val.dst_mac[5], sid <= 50 ? 0x77 : 1);
		assert_int_equal(lts_egress_nh_index(find(fx, sid)) == nh2, sid <= 50);
	}

	/* the same answer again: nothing more */
	assert_int_equal(lts_egress_refresh(&fx->eg, true), 0);
	assert_int_equal(fx->f.writes, 3);

	/* a VLAN on the other next hop: one write, its 150 entries' copies tagged */
	fx->f.nh[1].vlan_id = 42;
	lts_egress_refresh(&fx->eg, true);
	assert_int_equal(fx->f.writes, 4);
	assert_true(fx->f.last.flags & LTS_NH_F_VLAN);
	assert_int_equal(fx->f.last.vlan_tci, 42);
	assert_true(find(fx, 100)->val.flags & LTS_SW_F_VLAN);
	assert_int_equal(find(fx, 100)->val.vlan_tci, 42);
	assert_false(find(fx, 10)->val.flags & LTS_SW_F_VLAN);
}

/* Unresolved next hops: entries stay installed without NH_VALID; retries ask only for them. */
static void test_unresolved_retry(void **state)
{
	struct fixture *fx = *state;
	uint16_t sid;

	fx->f.err[3] = -EAGAIN;
	for (sid = 1; sid <= 20; sid++)
		add(fx, sid, sid % 2 ? 3 : 1);
	assert_int_equal(fx->eg.n_unresolved, 1);
	assert_false(valid(find(fx, 1)));
	assert_true(valid(find(fx, 2)));
	assert_int_equal(total_resolves(&fx->f), 2);

	/* the tick's retry: the unresolved next hop only, nothing changes */
	assert_int_equal(lts_egress_refresh(&fx->eg, false), 1);
	assert_int_equal(lts_egress_refresh(&fx->eg, false), 1);
	assert_int_equal(fx->f.resolves[3], 3);
	assert_int_equal(fx->f.resolves[1], 1);
	assert_int_equal(fx->f.writes, 2); /* each when new, 3's without VALID */

	/* another failure reason changes nothing */
	fx->f.err[3] = -ENETUNREACH;
	assert_int_equal(lts_egress_refresh(&fx->eg, false), 1);
	assert_int_equal(fx->f.writes, 2);

	/* the neighbour answers: one write puts its 10 entries on the fast path */
	fx->f.err[3] = 0;
	assert_int_equal(lts_egress_refresh(&fx->eg, false), 0);
	assert_int_equal(fx->f.writes, 3);
	assert_true(fx->f.last.flags & LTS_NH_F_VALID);
	assert_int_equal(fx->eg.n_unresolved, 0);
	for (sid = 1; sid <= 20; sid++)
		assert_true(valid(find(fx, sid)));
	assert_int_equal(fx->f.resolves[1], 1);

	/* and loses it: NH_VALID cleared, the last MACs kept */
	fx->f.err[3] = -EAGAIN;
	assert_int_equal(lts_egress_refresh(&fx->eg, true), 1);
	assert_int_equal(fx->f.writes, 4);
	assert_false(fx->f.last.flags & LTS_NH_F_VALID);
	assert_false(valid(find(fx, 1)));
	assert_memory_equal(find(fx, 1)->val.dst_mac, fx->f.nh[3].dst_mac, 6);
	assert_true(valid(find(fx, 2)));
}

/* A route over an interface without the fast path is not a usable next hop. */
static void test_not_attached_interface(void **state)
{
	struct fixture *fx = *state;

	fx->f.nh[0].ifindex = IF_OTHER;
	assert_false(valid(add(fx, 1, 0)));
	assert_int_equal(fx->eg.n_unresolved, 1);
	fx->f.nh[0].ifindex = IF_LAC;
	assert_int_equal(lts_egress_refresh(&fx->eg, false), 0);
	assert_true(valid(find(fx, 1)));
	assert_int_equal(fx->f.writes, 2);
	assert_true(fx->f.last.flags & LTS_NH_F_VALID);
}

/* Removal unlinks from any place of the list and frees an unused next hop. */
static void test_remove_frees_next_hop(void **state)
{
	struct fixture *fx = *state;
	uint16_t sid;

	for (sid = 1; sid <= 6; sid++)
		add(fx, sid, 1);
	add(fx, 7, 2);
	/* first, middle and last of peer 1's list (pushed at the front: 6 .. 1) */
	del(fx, find(fx, 6));
	del(fx, find(fx, 3));
	del(fx, find(fx, 1));
	assert_int_equal(fx->eg.n_nhs, 2);
	fx->f.nh[1].dst_mac[5] = 0x55;
	lts_egress_refresh(&fx->eg, true);
	assert_int_equal(fx->f.writes, 2 + 1); /* one write; the copies of 2, 4, 5 follow */
	for (sid = 2; sid <= 5; sid++)
		if (sid != 3)
			assert_int_equal(find(fx, sid)->val.dst_mac[5], 0x55);

	/* the last entry of peer 2 goes: its next hop is forgotten */
	del(fx, find(fx, 7));
	assert_int_equal(fx->eg.n_nhs, 1);
	memset(fx->f.resolves, 0, sizeof(fx->f.resolves));
	lts_egress_refresh(&fx->eg, true);
	assert_int_equal(fx->f.resolves[2], 0);
	assert_int_equal(fx->f.resolves[1], 1);
	/* and asked for again when an entry needs it */
	add(fx, 8, 2);
	assert_int_equal(fx->f.resolves[2], 1);

	/* an unresolved next hop that goes takes its count with it */
	fx->f.err[3] = -EAGAIN;
	add(fx, 9, 3);
	assert_int_equal(fx->eg.n_unresolved, 1);
	del(fx, find(fx, 9));
	assert_int_equal(fx->eg.n_unresolved, 0);
	assert_int_equal(lts_egress_refresh(&fx->eg, false), 0);

	for (sid = 2; sid <= 8; sid++)
		if (find(fx, sid))
			del(fx, find(fx, sid));
	assert_int_equal(fx->eg.n_nhs, 0);
	assert_int_equal(lts_swtab_count(&fx->tab), 0);
}

/* Many calls come and go toward two next hops: two resolves in all, slots reused. */
static void test_churn(void **state)
{
	struct fixture *fx = *state;
	uint32_t round;
	uint16_t sid;

	for (round = 0; round < 5; round++) {
		for (sid = 1; sid <= 20000; sid++)
			add(fx, sid, 1 + sid % 2);
		assert_int_equal(fx->eg.n_nhs, 2);
		for (sid = 1; sid <= 20000; sid += 2)
			del(fx, find(fx, sid));
		for (sid = 2; sid <= 20000; sid += 2)
			del(fx, find(fx, sid));
		assert_int_equal(fx->eg.n_nhs, 0);
	}
	/* every round starts from nothing: one resolve per next hop per round */
	assert_int_equal(total_resolves(&fx->f), 2 * 5);
	assert_true(fx->eg.n_slots <= 2);
	assert_true(fx->tab.top <= 20000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_installs_share_one_resolve, setup, teardown),
		cmocka_unit_test_setup_teardown(test_event_one_resolve_per_next_hop, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_only_changed_entries_rewritten, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unresolved_retry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_attached_interface, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove_frees_next_hop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_churn, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
