// SPDX-License-Identifier: GPL-2.0
/*
 * The data-plane module: owns the skeleton, the pinned maps, the attached
 * interfaces, the agent's switch table, egress resolution and the slow path,
 * and offers one install/remove/stats/last-seen interface (lts_dp_ops) that
 * static sessions and switched calls share.
 */
#define LTS_LOG_SUBSYS LTS_TRACE_DATAPLANE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <bpf/libbpf.h>
#include "bpf_loader.h"
#include "dp.h"
#include "entry.h"
#include "lib/fsutil.h"
#include "lib/log.h"
#include "lts_xdp.skel.h"
#include "static_sessions.h"

/*
 * Own the pin directory: it must be on bpffs, only one ltsd may use it (in
 * any network namespace), and pins left by a dead ltsd are removed so this
 * run starts from empty maps.
 */
static int start_empty(struct lts_dp *dp);

static int claim_pin_dir(struct lts_dp *dp)
{
	const char *dir = dp->cfg->bpffs;
	char why[256];
	struct statfs st;
	int err;

	err = lts_mkdir_p(dir);
	if (err || statfs(dir, &st) || st.f_type != BPF_FS_MAGIC) {
		pr_err("%s is not on a bpffs mount (mount -t bpf bpf /sys/fs/bpf)%s%s", dir,
		       err ? ": " : "", err ? strerror(-err) : "");
		return err ? err : -ENOTDIR;
	}
	dp->pin_dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dp->pin_dir_fd < 0)
		return -errno;
	if (flock(dp->pin_dir_fd, LOCK_EX | LOCK_NB)) {
		pr_err("%s is in use by another ltsd", dir);
		return -EBUSY;
	}
	/* What a previous ltsd left to resume: its maps go on as they are. */
	if (lts_state_find(&dp->state, dir, dp->cfg->max_sessions, why, sizeof(why))) {
		dp->adopted = true;
		pr_info("restart store found in %s: adopting the data plane and its sessions", dir);
		return 0;
	}
	if (strcmp(why, LTS_STATE_MAP_HDR ": none"))
		pr_err("restart store in %s not adopted: %s; starting empty (the previous "
		       "ltsd's sessions are lost)", dir, why);
	return start_empty(dp);
}

/* No store to adopt: every pin of a previous ltsd goes, a new empty store is made. */
static int start_empty(struct lts_dp *dp)
{
	static const char *const maps[] = { LTS_MAP_SWITCH,	   LTS_MAP_SWITCH_WIDE,
					    LTS_MAP_NEXTHOPS,	   LTS_MAP_CLOCK,
					    LTS_MAP_POLICERS,	   LTS_MAP_SLOW_STATS,
					    LTS_MAP_REASON_STATS, LTS_MAP_TX_PORTS };
	const char *dir = dp->cfg->bpffs;
	char path[LTS_CFG_PATH_MAX + 32];
	size_t i;
	int err;

	if (lts_state_open(&dp->state))
		lts_state_close(&dp->state, dir, false);
	dp->adopted = false;
	for (i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, maps[i]);
		if (!unlink(path))
			pr_warn("removed stale pin %s", path);
	}
	lts_state_unlink(dir);
	err = lts_state_create(&dp->state, dir, dp->cfg->max_sessions);
	if (err)
		pr_err("cannot create the restart store in %s: %s", dir, strerror(-err));
	return err;
}

static int attach_interfaces(struct lts_dp *dp)
{
	const struct lts_config *cfg = dp->cfg;
	int prog_fd = bpf_program__fd(dp->skel->progs.lts_xdp);
	size_t i;
	int err;

	dp->links = calloc(cfg->n_interfaces, sizeof(*dp->links));
	dp->ifindexes = calloc(cfg->n_interfaces, sizeof(*dp->ifindexes));
	if (!dp->links || !dp->ifindexes)
		return -ENOMEM;
	for (i = 0; i < cfg->n_interfaces; i++) {
		err = lts_xdp_lock(&dp->links[i], cfg->interfaces[i]);
		if (err)
			return err;
		dp->n_links++;
		if (cfg->mode == LTS_DP_OFF) {
			err = lts_xdp_clear_leftover(&dp->links[i]);
			if (err)
				return err;
			continue;
		}
		err = lts_bpf_add_tx_port(dp->skel, dp->links[i].ifindex);
		if (err) {
			pr_err("interface %s: cannot add to the devmap: %s", cfg->interfaces[i],
			       strerror(-err));
			return err;
		}
		/* Adopting: the old program gives way to ours in one step, no frame lost. */
		err = dp->adopted ? lts_xdp_replace(&dp->links[i], prog_fd, cfg->mode) :
				    lts_xdp_attach(&dp->links[i], prog_fd, cfg->mode);
		if (err)
			return err;
		dp->ifindexes[i] = dp->links[i].ifindex;
	}
	return 0;
}

static bool fast_path(const struct lts_dp *dp)
{
	return dp->cfg->mode != LTS_DP_OFF;
}

/*
 * Take an entry out of the fast path, the agent's table and its next hop's
 * list; what it counted stays with its counter slot.
 */
static void drop_entry(struct lts_dp *dp, struct lts_swtab_entry *e)
{
	struct lts_switch_key key = e->key;
	uint32_t idx = lts_swtab_idx(&dp->tab, e), *pair = NULL;
	int dir = e->val.dir & 1;

	if (e->val.stats_idx < dp->n_pairs)
		pair = &dp->pairs[e->val.stats_idx][dir];
	if (pair && *pair == idx) {
		lts_bpf_leg_stats(dp->skel, e->slot, &key, &dp->final[e->val.stats_idx].dir[dir]);
		*pair = LTS_SWTAB_NONE;
	}
	lts_bpf_remove(dp->skel, e->slot, &key);
	if (e->slot != LTS_SLOT_WIDE)
		dp->slot_owner[e->slot] = 0;
	if (fast_path(dp))
		lts_egress_detach(&dp->egress, e);
	lts_swtab_remove(&dp->tab, &key);
}

/*
 * Where a new leg goes: an IPv4 leg to the switch_table slot of its IDs if
 * no other leg holds it (always so for IDs from the sidmap), anything else
 * to the wide table.
 */
static uint32_t place(struct lts_dp *dp, const struct lts_swtab_entry *e)
{
	uint32_t slot;

	if (!lts_entry_is_fast(&e->key, &e->val))
		return LTS_SLOT_WIDE;
	slot = lts_slot(e->key.tunnel_id, e->key.session_id, dp->n_slots);
	if (dp->slot_owner[slot]) {
		pr_debug("tun %u/%u: fast-table slot %u taken: wide table", e->key.tunnel_id,
			 e->key.session_id, slot);
		return LTS_SLOT_WIDE;
	}
	dp->slot_owner[slot] = lts_swtab_idx(&dp->tab, e) + 1;
	return slot;
}

/*
 * One pair: two entries in the agent's table, each filled from its cached
 * next hop (a netlink round trip only for a next hop not seen before), then
 * written once to the fast path with zero counters. Nothing here depends on
 * how many entries are installed.
 */
static int install_pair(struct lts_dp *dp, const struct lts_static_session *pair,
			uint32_t stats_idx, bool keep_counters)
{
	struct lts_swtab_entry *e[LTS_DIR_MAX] = { NULL };
	struct lts_session_stats slow = { 0 };
	struct lts_switch_key key[LTS_DIR_MAX];
	struct lts_switch_val val[LTS_DIR_MAX];
	int dir, err;

	if (stats_idx >= dp->n_pairs)
		return -ERANGE;
	lts_static_entries(pair, stats_idx, key, val);
	if (keep_counters) {
		/* The slow path's share lives on in slow_stats (if it relayed any): take it back. */
		err = lts_bpf_read_slow_stats(dp->skel, stats_idx, &slow);
		if (err == -ENOENT)
			err = 0;
	} else {
		err = lts_bpf_clear_slow_stats(dp->skel, stats_idx);
	}
	if (err)
		return err;
	if (stats_idx < dp->sp.n_stats)
		dp->sp.stats[stats_idx] = slow;
	memset(&dp->final[stats_idx], 0, sizeof(dp->final[stats_idx]));
	for (dir = LTS_DIR_MAX - 1; dir >= 0 && !err; dir--) {
		e[dir] = lts_swtab_add(&dp->tab, &key[dir], &val[dir]);
		if (!e[dir]) {
			err = -errno;
			break;
		}
		e[dir]->slot = place(dp, e[dir]);
		/* A next hop without room stays on the slow path: not fatal. */
		if (fast_path(dp))
			lts_egress_attach(&dp->egress, e[dir]);
		/* Adopting: the entry the old process left goes on counting, rewritten once. */
		err = (keep_counters ? lts_bpf_adopt : lts_bpf_install)(dp->skel, e[dir]->slot,
									 &e[dir]->key, &e[dir]->val,
									 lts_egress_nh_index(e[dir]));
	}
	if (err) {
		/* Only what this call added: a key that existed belongs to another pair. */
		for (dir = 0; dir < LTS_DIR_MAX; dir++)
			if (e[dir])
				drop_entry(dp, e[dir]);
		return err;
	}
	for (dir = 0; dir < LTS_DIR_MAX; dir++)
		dp->pairs[stats_idx][dir] = lts_swtab_idx(&dp->tab, e[dir]);
	return 0;
}

int lts_dp_install(struct lts_dp *dp, const struct lts_static_session *pair, uint32_t stats_idx)
{
	return install_pair(dp, pair, stats_idx, false);
}

int lts_dp_adopt(struct lts_dp *dp, const struct lts_static_session *pair, uint32_t stats_idx)
{
	return install_pair(dp, pair, stats_idx, true);
}

int lts_dp_sweep(struct lts_dp *dp)
{
	struct bpf_map *wide = dp->skel->maps.switch_wide;
	size_t cap = bpf_map__max_entries(wide), n = 0, i;
	struct lts_switch_key *stale, cur, next;
	const struct lts_swtab_entry *e;
	struct lts_switch_key none = { 0 };
	struct lts_dir_stats st;
	bool first = true;
	int swept = 0;
	uint32_t slot;

	stale = calloc(cap ?: 1, sizeof(*stale));
	if (!stale)
		return -ENOMEM;
	/* Collected first: deleting while walking could restart the walk. */
	while (n < cap &&
	       !bpf_map__get_next_key(wide, first ? NULL : &cur, &next, sizeof(next))) {
		first = false;
		e = lts_swtab_lookup(&dp->tab, &next);
		if (!e || e->slot != LTS_SLOT_WIDE) /* gone, or now in its fast slot */
			stale[n++] = next;
		cur = next;
	}
	for (i = 0; i < n; i++)
		swept += !lts_bpf_remove(dp->skel, LTS_SLOT_WIDE, &stale[i]);
	free(stale);
	/* A fast slot nobody owns now but still valid: a leg nobody resumed. */
	for (slot = 0; slot < dp->n_slots; slot++)
		if (!dp->slot_owner[slot] && !lts_bpf_leg_stats(dp->skel, slot, &none, &st))
			swept += !lts_bpf_remove(dp->skel, slot, &none);
	if (fast_path(dp))
		lts_egress_release_held(&dp->egress);
	return swept;
}

void lts_dp_remove(struct lts_dp *dp, const struct lts_static_session *pair)
{
	struct lts_switch_key key[LTS_DIR_MAX];
	struct lts_switch_val val[LTS_DIR_MAX];
	struct lts_swtab_entry *e;
	int dir;

	lts_static_entries(pair, 0, key, val);
	for (dir = 0; dir < LTS_DIR_MAX; dir++) {
		e = lts_swtab_lookup(&dp->tab, &key[dir]);
		if (e)
			drop_entry(dp, e);
	}
}

/* For the log: which IPv4 legs of pair idx found their fast-table slot taken. */
static const char *wide_note(const struct lts_dp *dp, uint32_t idx)
{
	static const char *const notes[] = {
		"", "; leg a in the wide table (its fast-table slot is taken)",
		"; leg b in the wide table (its fast-table slot is taken)",
		"; legs a and b in the wide table (their fast-table slots are taken)",
	};
	const struct lts_swtab_entry *e;
	int dir, which = 0;

	for (dir = 0; dir < LTS_DIR_MAX; dir++) {
		e = lts_swtab_at(&dp->tab, dp->pairs[idx][dir]);
		if (e->slot == LTS_SLOT_WIDE && lts_entry_is_fast(&e->key, &e->val))
			which |= 1 << dir;
	}
	return notes[which];
}

/*
 * Static sessions take the first counter slots, in file order, and their
 * IDs are claimed before the control plane allocates any.
 */
static int install_static_sessions(struct lts_dp *dp)
{
	const struct lts_config *cfg = dp->cfg;
	size_t i;
	int err = 0;

	for (i = 0; i < cfg->n_static_sessions && !err; i++) {
		const struct lts_static_session *s = &cfg->static_sessions[i];

		lts_sidmap_claim(&dp->sidmap, s->a.tunnel_id, s->a.session_id);
		lts_sidmap_claim(&dp->sidmap, s->b.tunnel_id, s->b.session_id);
		err = install_pair(dp, s, s->stats_idx, dp->adopted);
		if (err)
			pr_err("static session %s: cannot install: %s", s->name, strerror(-err));
		else
			pr_info("static session %s: tun %u/%u <-> tun %u/%u installed (counters [%u])%s",
				s->name, s->a.tunnel_id, s->a.session_id, s->b.tunnel_id,
				s->b.session_id, s->stats_idx, wide_note(dp, s->stats_idx));
	}
	return err;
}

static int ops_install(void *ctx, const struct lts_static_session *pair, uint32_t stats_idx)
{
	return lts_dp_install(ctx, pair, stats_idx);
}

static int ops_adopt(void *ctx, const struct lts_static_session *pair, uint32_t stats_idx)
{
	return lts_dp_adopt(ctx, pair, stats_idx);
}

static void ops_remove(void *ctx, const struct lts_static_session *pair)
{
	lts_dp_remove(ctx, pair);
}

/* The fast path's counters of slot idx (of its last pair, once removed). */
static int fast_stats(struct lts_dp *dp, uint32_t idx, struct lts_session_stats *out)
{
	const struct lts_swtab_entry *e;
	int dir, err;

	memset(out, 0, sizeof(*out));
	if (idx >= dp->n_pairs)
		return -ENOENT;
	for (dir = 0; dir < LTS_DIR_MAX; dir++) {
		if (dp->pairs[idx][dir] == LTS_SWTAB_NONE) {
			out->dir[dir] = dp->final[idx].dir[dir];
			continue;
		}
		e = lts_swtab_at(&dp->tab, dp->pairs[idx][dir]);
		err = lts_bpf_leg_stats(dp->skel, e->slot, &e->key, &out->dir[dir]);
		if (err)
			return err;
	}
	return 0;
}

static int ops_fast_stats(void *ctx, uint32_t idx, struct lts_session_stats *out)
{
	return fast_stats(ctx, idx, out);
}

static int ops_slow_stats(void *ctx, uint32_t idx, struct lts_session_stats *out)
{
	struct lts_dp *dp = ctx;

	if (idx >= dp->sp.n_stats)
		return -ENOENT;
	*out = dp->sp.stats[idx];
	return 0;
}

static uint64_t ops_last_rx_ms(void *ctx, uint32_t idx)
{
	struct lts_session_stats fast;
	struct lts_dp *dp = ctx;
	uint64_t last = 0;
	int dir;

	if (!fast_stats(dp, idx, &fast))
		for (dir = 0; dir < LTS_DIR_MAX; dir++)
			if (fast.dir[dir].last_seen_ns > last)
				last = fast.dir[dir].last_seen_ns;
	for (dir = 0; idx < dp->sp.n_stats && dir < LTS_DIR_MAX; dir++)
		if (dp->sp.stats[idx].dir[dir].last_seen_ns > last)
			last = dp->sp.stats[idx].dir[dir].last_seen_ns;
	return last / 1000000;
}

static int64_t ops_reason_count(void *ctx, enum lts_reason r)
{
	struct lts_dp *dp = ctx;

	return lts_bpf_reason_count(dp->skel, r);
}

struct lts_dp_ops lts_dp_ops(struct lts_dp *dp)
{
	return (struct lts_dp_ops){
		.install = ops_install,
		.adopt = ops_adopt,
		.remove = ops_remove,
		.fast_stats = ops_fast_stats,
		.slow_stats = ops_slow_stats,
		.last_rx_ms = ops_last_rx_ms,
		.reason_count = ops_reason_count,
		.ctx = dp,
	};
}

static int send_ctrl(void *ctx, const struct lts_ctrl_endpoint *ep, const uint8_t *pkt,
		     size_t len)
{
	struct lts_dp *dp = ctx;

	return lts_slowpath_send_ctrl(&dp->sp, ep, pkt, len);
}

struct lts_ctrl_output lts_dp_ctrl_output(struct lts_dp *dp)
{
	return (struct lts_ctrl_output){ .send = send_ctrl, .ctx = dp };
}

/* Egress's view of the world: rtnetlink queries and the XDP switch table. */
static int egress_resolve(void *ctx, uint8_t family, const uint8_t *peer, const uint8_t *local,
			  struct lts_nexthop *nh)
{
	struct lts_dp *dp = ctx;

	return lts_nh_resolve(&dp->nl, family, peer, local, nh);
}

static int egress_write_nh(void *ctx, uint32_t idx, const struct lts_nh_entry *nh)
{
	struct lts_dp *dp = ctx;

	return lts_bpf_set_nexthop(dp->skel, idx, nh);
}

/*
 * switch_wide holds the legs with IPv6 on a side and IPv4 legs whose slot
 * was taken. Without any IPv6 peer or static leg in the config, only the
 * latter: static legs whose operator-chosen IDs collide, sessions adopted
 * with IDs whose slot is taken, and the sessions of a tunnel that found no
 * free slot (one with over ~30000 sessions: agent/lib/sidmap.h): room for
 * one leg in sixteen. Its buckets cost memory per entry (16 bytes).
 */
static uint32_t wide_entries(const struct lts_config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->n_lac_peers; i++)
		if (cfg->lac_peers[i].match.ip.family == LTS_FAMILY_IPV6)
			return 0;
	for (i = 0; i < cfg->n_lns_peers; i++)
		if (cfg->lns_peers[i].address.family == LTS_FAMILY_IPV6)
			return 0;
	for (i = 0; i < cfg->n_static_sessions; i++)
		if (cfg->static_sessions[i].a.peer.family == LTS_FAMILY_IPV6 ||
		    cfg->static_sessions[i].b.peer.family == LTS_FAMILY_IPV6)
			return 0;
	return 2 * (uint32_t)cfg->n_static_sessions + cfg->max_sessions / 8 + LTS_DP_WIDE_SLACK;
}

/* Whether any rule or static leg polices: the policers map then has a bucket per leg. */
static int any_police(const struct lts_config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->n_rules; i++)
		if (cfg->rules[i].police.rate_kbps)
			return 1;
	for (i = 0; i < cfg->n_static_sessions; i++)
		if (cfg->static_sessions[i].a.police.rate_kbps ||
		    cfg->static_sessions[i].b.police.rate_kbps)
			return 1;
	return 0;
}

int lts_dp_open(struct lts_dp *dp, const struct lts_config *cfg,
		void (*on_control)(void *ctx, const struct lts_ctrl_endpoint *ep,
				   const uint8_t *pkt, size_t len),
		void *ctl_ctx)
{
	struct lts_bpf_opts opts = {
		.pin_dir = cfg->bpffs,
		.l2tp_ports = cfg->l2tp_ports,
		.n_l2tp_ports = cfg->n_l2tp_ports,
		.max_sessions = cfg->max_sessions,
		.wide_entries = wide_entries(cfg),
		.police = any_police(cfg),
		.spread_cpus = cfg->spread_cpus,
		.n_spread = cfg->n_spread_cpus,
	};
	const struct lts_egress_ops egress_ops = { .resolve = egress_resolve,
						   .write_nh = egress_write_nh, .ctx = dp };
	uint32_t i;
	int err;

	*dp = (struct lts_dp){ .cfg = cfg, .pin_dir_fd = -1, .nl = { .fd = -1 },
			       .nl_mon = { .fd = -1 } };
	err = claim_pin_dir(dp);
	err = err ?: lts_bpf_load(&opts, &dp->skel);
	if (err && dp->adopted) {
		/* E.g. policing turned on in the file: the pinned maps have other sizes. */
		pr_err("restart store in %s not adopted: the pinned maps do not fit this "
		       "configuration (%s); starting empty (the previous ltsd's sessions are lost)",
		       cfg->bpffs, strerror(-err));
		err = start_empty(dp);
		err = err ?: lts_bpf_load(&opts, &dp->skel);
	}
	err = err ?: lts_swtab_init(&dp->tab, 2 * cfg->max_sessions);
	if (!err) {
		dp->pairs = malloc((size_t)cfg->max_sessions * sizeof(*dp->pairs));
		/* calloc: a slot's page is only touched once a pair there is removed. */
		dp->final = calloc(cfg->max_sessions, sizeof(*dp->final));
		err = dp->pairs && dp->final ? 0 : -ENOMEM;
	}
	for (i = 0; !err && i < cfg->max_sessions; i++)
		dp->pairs[i][0] = dp->pairs[i][1] = LTS_SWTAB_NONE;
	dp->n_pairs = err ? 0 : cfg->max_sessions;
	if (!err) {
		dp->n_slots = lts_bpf_n_slots(dp->skel);
		dp->slot_owner = calloc(dp->n_slots, sizeof(*dp->slot_owner));
		err = dp->slot_owner ? 0 : -ENOMEM;
	}
	err = err ?: lts_sidmap_init(&dp->sidmap, dp->n_slots);
	err = err ?: lts_slowpath_open(&dp->sp, cfg->l2tp_ports, cfg->n_l2tp_ports, &dp->tab,
				       cfg->max_sessions);
	if (err)
		return err;
	dp->sp.on_control = on_control;
	dp->sp.ctl_ctx = ctl_ctx;
	/* Interfaces are locked in every mode: mode off still clears leftovers. */
	err = attach_interfaces(dp);
	if (err)
		return err;
	if (cfg->mode != LTS_DP_OFF) {
		err = lts_nl_open(&dp->nl, 0);
		err = err ?: lts_nl_open(&dp->nl_mon, 1);
		if (err)
			return err;
		/* At most one next hop per entry, and as many as the fast path indexes. */
		err = lts_egress_init(&dp->egress, &egress_ops, &dp->tab, dp->ifindexes,
				      dp->n_links, lts_nexthops_size(cfg->max_sessions) - 1);
		/* The old entries point to the old next hops until rewritten or swept. */
		if (!err && dp->adopted)
			err = lts_egress_hold(&dp->egress, lts_bpf_nexthops_top(dp->skel));
		if (err)
			return err;
	} else {
		pr_info("dataplane mode off: every frame goes through the userspace relay");
	}
	return install_static_sessions(dp);
}

static void publish_slow_stats(void *ctx, uint32_t idx, const struct lts_session_stats *st)
{
	struct lts_dp *dp = ctx;

	lts_bpf_write_slow_stats(dp->skel, idx, st);
}

void lts_dp_tick(struct lts_dp *dp)
{
	struct timespec ts;

	/* The fast path's clock for last-seen stamps: seconds matter, not less. */
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	lts_bpf_set_clock(dp->skel, (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec);
	lts_slowpath_flush(&dp->sp, publish_slow_stats, dp);
	if (!fast_path(dp))
		return;
	/* Now and then every next hop; in between only those still unresolved. */
	if (++dp->ticks % LTS_DP_REFRESH_EVERY_TICKS == 0)
		lts_egress_refresh(&dp->egress, true);
	else if (dp->egress.n_unresolved)
		lts_egress_refresh(&dp->egress, false);
}

/* A route, neighbour or link changed: each next hop is asked once. */
void lts_dp_netlink(struct lts_dp *dp)
{
	if (lts_nl_drain(&dp->nl_mon) > 0)
		lts_egress_refresh(&dp->egress, true);
}

void lts_dp_close(struct lts_dp *dp)
{
	const struct lts_slowpath_counters *c = &dp->sp.ctr;
	size_t i;

	if (!dp->cfg)
		return; /* never opened */
	/*
	 * Detach first: no frame may reach a program whose maps are going.
	 * Kept for the next ltsd (a restart): program, maps and store stay.
	 */
	for (i = 0; i < dp->n_links; i++)
		lts_xdp_release(&dp->links[i], !dp->keep);
	if (dp->skel)
		lts_slowpath_flush(&dp->sp, publish_slow_stats, dp);
	if (dp->sp.n_socks)
		pr_info("slow path: %llu relayed, %llu control, %llu unknown session, "
			"%llu malformed, %llu ttl expired, %llu send errors",
			(unsigned long long)c->relayed, (unsigned long long)c->control,
			(unsigned long long)c->no_session, (unsigned long long)c->malformed,
			(unsigned long long)c->ttl_expired, (unsigned long long)c->send_errors);
	lts_slowpath_close(&dp->sp);
	lts_nl_close(&dp->nl_mon);
	lts_nl_close(&dp->nl);
	lts_egress_fini(&dp->egress);
	lts_swtab_fini(&dp->tab);
	free(dp->pairs);
	free(dp->final);
	free(dp->slot_owner);
	lts_sidmap_fini(&dp->sidmap);
	dp->pairs = NULL;
	dp->final = NULL;
	dp->slot_owner = NULL;
	dp->n_pairs = dp->n_slots = 0;
	lts_bpf_destroy(dp->skel, !dp->keep);
	dp->skel = NULL;
	if (lts_state_open(&dp->state))
		lts_state_close(&dp->state, dp->cfg->bpffs, !dp->keep);
	free(dp->links);
	free(dp->ifindexes);
	dp->links = NULL;
	dp->ifindexes = NULL;
	dp->n_links = 0;
	if (dp->pin_dir_fd >= 0)
		close(dp->pin_dir_fd); /* releases the flock */
	dp->pin_dir_fd = -1;
}
