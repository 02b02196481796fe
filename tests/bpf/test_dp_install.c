// SPDX-License-Identifier: GPL-2.0
/*
 * The data-plane module (agent/dp/dp.c) on the real maps: installing a pair
 * whose key collides with another pair's must fail and leave the other pair
 * whole. Regression: the rollback of a failed install removed both keys,
 * deleting a static session's entry when a switched call collided with it.
 * And the restart store (dp/state_store.h) on a real bpffs: what one process
 * wrote is adopted by the next, a store of another version is not, and the
 * sweep removes fast-path entries nobody claimed.
 * Needs root and a bpffs mount; tests/bpf/run_dp.sh runs it in private
 * network and mount namespaces.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>
#include <bpf/libbpf.h>

#include "dp/bpf_loader.h"
#include "dp/dp.h"
#include "dp/static_sessions.h"
#include "lib/log.h"
#include "lts_config.h"
#include "lts_xdp.skel.h"

static char yaml[1024];
static struct lts_config *cfg;
static struct lts_dp dp;

/* Both of a pair's keys are in the agent's table, in the XDP maps and behind counter slot idx. */
static void assert_pair_installed(const struct lts_static_session *s, uint32_t idx)
{
	struct lts_switch_key key[LTS_DIR_MAX];
	struct lts_switch_val val[LTS_DIR_MAX];
	struct lts_swtab_entry *e;
	struct lts_dir_stats st;
	int dir;

	lts_static_entries(s, idx, key, val);
	for (dir = 0; dir < LTS_DIR_MAX; dir++) {
		e = lts_swtab_lookup(&dp.tab, &key[dir]);
		assert_non_null(e);
		assert_int_equal(lts_bpf_leg_stats(dp.skel, e->slot, &key[dir], &st), 0);
		assert_int_equal(e->val.stats_idx, idx);
		assert_int_equal(dp.pairs[idx][dir], lts_swtab_idx(&dp.tab, e));
	}
}

static int setup(void **state)
{
	const char *dir = getenv("LTS_TEST_BPFFS");
	char err[LTS_CFG_ERR_MAX];

	(void)state;
	if (!dir)
		return -1;
	snprintf(yaml, sizeof(yaml),
		 "switch: {hostname: t, bpffs: %s}\n"
		 "dataplane: {mode: off}\n"
		 "static_sessions:\n"
		 "  - name: s1\n"
		 "    a: {local: 10.0.1.2, peer: 10.0.1.1, tunnel_id: 100, session_id: 1,\n"
		 "        peer_tunnel_id: 200, peer_session_id: 2}\n"
		 "    b: {local: 10.0.2.2, peer: 10.0.2.1, tunnel_id: 300, session_id: 3,\n"
		 "        peer_tunnel_id: 400, peer_session_id: 4}\n",
		 dir);
	if (lts_config_load_string("t.yaml", yaml, strlen(yaml), &cfg, err, sizeof(err))) {
		fprintf(stderr, "config: %s\n", err);
		return -1;
	}
	return lts_dp_open(&dp, cfg, NULL, NULL) ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	lts_dp_close(&dp);
	lts_config_free(cfg);
	return 0;
}

/* A call whose LAC leg has the static session's leg a key (same peer, IDs, local). */
static void test_collision_keeps_the_other_pair(void **state)
{
	const struct lts_static_session *s1 = &cfg->static_sessions[0];
	struct lts_static_session call = *s1, call_b = *s1;

	(void)state;
	assert_pair_installed(s1, 0);
	/* Leg b differs (installed first: reverse direction), leg a collides. */
	call.b.tunnel_id = 301;
	call.b.session_id = 31;
	assert_int_equal(lts_dp_install(&dp, &call, 5), -EEXIST);
	assert_pair_installed(s1, 0);
	/* Nothing of the failed call is left behind either. */
	{
		struct lts_switch_key key[LTS_DIR_MAX];
		struct lts_switch_val val[LTS_DIR_MAX];

		lts_static_entries(&call, 5, key, val);
		assert_null(lts_swtab_lookup(&dp.tab, &key[LTS_DIR_B_TO_A]));
	}
	/* Leg b collides (the first insert fails): nothing to roll back. */
	call_b.a.tunnel_id = 101;
	assert_int_equal(lts_dp_install(&dp, &call_b, 6), -EEXIST);
	assert_pair_installed(s1, 0);
	assert_int_equal(lts_swtab_count(&dp.tab), 2);
	/* A pair that collides with nothing installs, and removes cleanly. */
	call.a.tunnel_id = 102;
	assert_int_equal(lts_dp_install(&dp, &call, 5), 0);
	assert_pair_installed(&call, 5);
	lts_dp_remove(&dp, &call);
	assert_int_equal(lts_swtab_count(&dp.tab), 2);
	assert_pair_installed(s1, 0);
}

/* Close as a handover does (program, maps and store left), then open again on the same pins. */
static void reopen(void)
{
	dp.keep = true;
	lts_dp_close(&dp);
	assert_int_equal(lts_dp_open(&dp, cfg, NULL, NULL), 0);
}

static void test_store_survives_the_process(void **state)
{
	const struct lts_static_session *s1 = &cfg->static_sessions[0];
	struct lts_session_stats st = { .dir = { { .packets = 3, .bytes = 300 } } };
	struct lts_state_tunnel *rec;
	struct lts_swtab_entry *e;
	struct lts_fast_entry fe;
	struct lts_dir_stats leg;
	uint32_t fast_slot;
	int slot;

	(void)state;
	assert_true(lts_state_open(&dp.state));
	slot = lts_state_tunnel_alloc(&dp.state);
	assert_true(slot >= 0);
	rec = &dp.state.tunnels[slot];
	rec->id = 4242;
	rec->peer_id = 77;
	snprintf(rec->peer_name, sizeof(rec->peer_name), "lacs");
	rec->seq = lts_state_seq(5, 9, 3);
	lts_state_publish(&rec->valid);
	dp.state.calls[7].stats_idx = 7;
	lts_state_publish(&dp.state.calls[7].valid);
	/* The slow path's share of a session's counters, as the old process published it. */
	assert_int_equal(lts_bpf_write_slow_stats(dp.skel, 0, &st), 0);
	/* And frames the fast path counted in the static session's leg a. */
	e = lts_swtab_at(&dp.tab, dp.pairs[0][LTS_DIR_A_TO_B]);
	assert_int_not_equal(e->slot, LTS_SLOT_WIDE);
	fast_slot = e->slot;
	assert_int_equal(bpf_map__lookup_elem(dp.skel->maps.switch_table, &fast_slot,
					      sizeof(fast_slot), &fe, sizeof(fe), 0),
			 0);
	fe.packets = 5;
	fe.bytes = 500;
	assert_int_equal(bpf_map__update_elem(dp.skel->maps.switch_table, &fast_slot,
					      sizeof(fast_slot), &fe, sizeof(fe), BPF_ANY),
			 0);
	reopen();
	assert_true(dp.adopted);
	rec = &dp.state.tunnels[slot];
	assert_true(lts_state_valid(&rec->valid));
	assert_int_equal(rec->id, 4242);
	assert_int_equal(rec->peer_id, 77);
	assert_string_equal(rec->peer_name, "lacs");
	assert_int_equal(rec->seq, lts_state_seq(5, 9, 3));
	assert_true(lts_state_valid(&dp.state.calls[7].valid));
	/* The static session was adopted with its counters, not zeroed. */
	assert_pair_installed(s1, 0);
	assert_int_equal(dp.sp.stats[0].dir[0].packets, 3);
	assert_int_equal(dp.sp.stats[0].dir[0].bytes, 300);
	e = lts_swtab_at(&dp.tab, dp.pairs[0][LTS_DIR_A_TO_B]);
	assert_int_equal(e->slot, fast_slot);
	assert_int_equal(lts_bpf_leg_stats(dp.skel, e->slot, &e->key, &leg), 0);
	assert_int_equal(leg.packets, 5);
	assert_int_equal(leg.bytes, 500);
}

static void test_store_of_another_version(void **state)
{
	uint32_t i;

	(void)state;
	dp.state.hdr->version = LTS_STATE_VERSION + 1;
	reopen();
	assert_false(dp.adopted);
	/* A new, empty store took its place: nothing of it half-adopted. */
	assert_int_equal(dp.state.hdr->version, LTS_STATE_VERSION);
	for (i = 0; i < dp.state.n_tunnels; i++)
		assert_false(lts_state_valid(&dp.state.tunnels[i].valid));
	for (i = 0; i < dp.state.n_calls; i++)
		assert_false(lts_state_valid(&dp.state.calls[i].valid));
	assert_int_equal(dp.sp.stats[0].dir[0].packets, 0);
}

static void test_sweep_removes_what_nobody_claims(void **state)
{
	const struct lts_static_session *s1 = &cfg->static_sessions[0];
	struct lts_static_session stray = *s1;
	struct lts_switch_key key[LTS_DIR_MAX];
	struct lts_switch_val val[LTS_DIR_MAX];
	struct lts_wide_val w;
	struct lts_dir_stats st;
	uint32_t slot;

	(void)state;
	stray.a.tunnel_id = 900;
	stray.b.tunnel_id = 901;
	lts_static_entries(&stray, 9, key, val);
	/* One leg in the wide table, one in a fast slot nobody owns: a dead ltsd's. */
	for (slot = 0; slot < dp.n_slots && dp.slot_owner[slot]; slot++)
		;
	assert_true(slot < dp.n_slots);
	assert_int_equal(lts_bpf_install(dp.skel, LTS_SLOT_WIDE, &key[0], &val[0], 0), 0);
	assert_int_equal(lts_bpf_install(dp.skel, slot, &key[1], &val[1], 0), 0);
	assert_int_equal(lts_dp_sweep(&dp), 2);
	assert_int_not_equal(bpf_map__lookup_elem(dp.skel->maps.switch_wide, &key[0],
						  sizeof(key[0]), &w, sizeof(w), 0),
			     0);
	assert_int_not_equal(lts_bpf_leg_stats(dp.skel, slot, &key[1], &st), 0);
	assert_pair_installed(s1, 0);
	assert_int_equal(lts_dp_sweep(&dp), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_collision_keeps_the_other_pair),
		cmocka_unit_test(test_store_survives_the_process),
		cmocka_unit_test(test_store_of_another_version),
		cmocka_unit_test(test_sweep_removes_what_nobody_claims),
	};

	if (!getenv("LTS_TEST_LOG"))
		lts_log_set_level(LTS_LOG_ERR);
	return cmocka_run_group_tests(tests, setup, teardown);
}
