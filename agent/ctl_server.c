// SPDX-License-Identifier: GPL-2.0
/*
 * The operator socket: ltsd's state as JSON for ltsctl, and the operator's
 * actions on it (see ctl_server.h).
 *
 * One request per connection; only root can connect (0600 socket in a 0700
 * directory, and SO_PEERCRED). ltsd is one thread: a blocking read or write
 * on a client would stall the control plane and the slow path with it, so
 * nothing here ever waits. Each client is a small state machine (reading
 * the request, writing the answer) in a fixed table, driven by the server's
 * own epoll set, which the daemon's loop polls as a single fd; deadlines are
 * a timerfd in the same set, so the loop needs no timeout of its own.
 */
#define LTS_LOG_SUBSYS LTS_TRACE_CTL
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/param.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include "ctl_server.h"
#include "lib/fsutil.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/util.h"

/* ------------------------------------------------------------ rendering */

static void json_ip(struct lts_json *j, const char *key, const struct lts_ip *ip)
{
	char buf[INET6_ADDRSTRLEN];

	/* An unset address (no family) is null, not "?". */
	if (ip->family != LTS_FAMILY_IPV4 && ip->family != LTS_FAMILY_IPV6)
		lts_json_str(j, key, NULL);
	else
		lts_json_str(j, key, lts_ip_str(ip, buf, sizeof(buf)));
}

static uint64_t secs_since(uint64_t now_ms, uint64_t then_ms)
{
	return now_ms > then_ms ? (now_ms - then_ms) / 1000 : 0;
}

/* Whole seconds until then_ms, rounded up (a lockout of 0.2 s left is 1 s). */
static uint64_t secs_until(uint64_t now_ms, uint64_t then_ms)
{
	return then_ms > now_ms ? (then_ms - now_ms + 999) / 1000 : 0;
}

static const char *role_name(enum lts_role r)
{
	return r == LTS_ROLE_LNS ? "lns" : "lac";
}

static const char *lac_peer_name(const struct lts_config *cfg, int idx)
{
	return idx >= 0 && (size_t)idx < cfg->n_lac_peers ? cfg->lac_peers[idx].name : NULL;
}

static const char *lns_peer_name(const struct lts_config *cfg, int idx)
{
	return idx >= 0 && (size_t)idx < cfg->n_lns_peers ? cfg->lns_peers[idx].name : NULL;
}


/* The control plane's counters: the "control" member of summary and stats. */
static void json_cp_counters(struct lts_json *j, const struct lts_ctrl_plane *cp)
{
	const struct lts_cp_counters *k = &cp->ctr;

	lts_json_obj_begin(j, "control");
	lts_json_u64(j, "rx_packets", k->rx_packets);
	lts_json_u64(j, "rx_malformed", k->rx_malformed);
	lts_json_u64(j, "rx_no_tunnel", k->rx_no_tunnel);
	lts_json_u64(j, "rx_wrong_peer", k->rx_wrong_peer);
	lts_json_u64(j, "sccrq_rate_limited", k->sccrq_rate_limited);
	lts_json_u64(j, "sccrq_refused", k->sccrq_refused);
	lts_json_u64(j, "tunnels_opened", k->tunnels_opened);
	lts_json_u64(j, "sessions_opened", k->sessions_opened);
	lts_json_u64(j, "half_open", cp->n_half_open);
	lts_json_u64(j, "half_open_evicted", k->half_open_evicted);
	lts_json_u64(j, "drain_refused", k->drain_refused);
	lts_json_obj_end(j);
}

static void render_summary(const struct lts_ctl_view *v, uint64_t now_ms, struct lts_json *j)
{
	const struct lts_config *cfg = v->cfg;
	const struct lts_tunnel *t;
	const struct lts_call *c;
	uint64_t n_tun = 0, n_est = 0, n_inst = 0;

	for (t = v->cp ? v->cp->all : NULL; t; t = t->next) {
		n_tun++;
		n_est += t->state == LTS_TUN_ESTABLISHED;
	}
	for (c = v->sw ? v->sw->calls : NULL; c; c = c->next)
		n_inst += c->installed;
	lts_json_obj_begin(j, "summary");
	lts_json_u64(j, "version", LTS_CTL_PROTO_VERSION);
	lts_json_str(j, "hostname", cfg->hostname);
	lts_json_str(j, "mode", lts_dp_mode_name(cfg->mode));
	lts_json_u64(j, "uptime_s", secs_since(now_ms, v->started_ms));
	lts_json_u64(j, "tunnels", n_tun);
	lts_json_u64(j, "tunnels_established", n_est);
	lts_json_u64(j, "sessions", v->cp ? v->cp->n_sessions : 0);
	lts_json_u64(j, "calls", v->sw ? v->sw->n_calls : 0);
	lts_json_u64(j, "calls_switched", n_inst);
	lts_json_u64(j, "static_sessions", cfg->n_static_sessions);
	lts_json_u64(j, "max_sessions", cfg->max_sessions);
	if (v->sw) {
		const struct lts_switch_counters *s = &v->sw->ctr;

		lts_json_obj_begin(j, "switch");
		lts_json_u64(j, "calls_switched", s->calls_switched);
		lts_json_u64(j, "calls_refused", s->calls_refused);
		lts_json_u64(j, "loops_detected", s->loops_detected);
		lts_json_u64(j, "failovers", s->failovers);
		lts_json_u64(j, "info_dropped", s->info_dropped);
		lts_json_obj_end(j);
	}
	if (v->cp)
		json_cp_counters(j, v->cp);
	lts_json_obj_end(j);
}

/* A tunnel's transport counters; with detail (show tunnel ID) all of them and its queue. */
static void render_xport(const struct lts_ctrl_xport *x, struct lts_json *j, bool detail)
{
	const struct lts_ctrl_xport_counters *k = &x->ctr;

	lts_json_obj_begin(j, "control");
	lts_json_u64(j, "tx_msgs", k->tx_msgs);
	lts_json_u64(j, "retransmits", k->retransmits);
	lts_json_u64(j, "zlb_tx", k->zlb_tx);
	lts_json_u64(j, "zlb_rx", k->zlb_rx);
	lts_json_u64(j, "hello_tx", k->hello_tx);
	lts_json_u64(j, "tx_errors", k->tx_errors);
	lts_json_u64(j, "delivered", k->delivered);
	lts_json_u64(j, "duplicates", k->duplicates);
	lts_json_u64(j, "reordered", k->reordered);
	lts_json_u64(j, "out_of_window", k->out_of_window);
	lts_json_u64(j, "bad_nr", k->bad_nr);
	lts_json_u64(j, "malformed", k->malformed);
	lts_json_u64(j, "queue_full", k->queue_full);
	if (detail) {
		lts_json_u64(j, "ooo_dropped", k->ooo_dropped);
		lts_json_u64(j, "ooo_pool_full", k->ooo_pool_full);
		lts_json_u64(j, "ooo_released", k->ooo_released);
		lts_json_u64(j, "pending", lts_ctrl_xport_pending(x));
	}
	lts_json_obj_end(j);
}

static int cmp_tunnel_id(const void *a, const void *b)
{
	const struct lts_tunnel *x = *(const struct lts_tunnel *const *)a;
	const struct lts_tunnel *y = *(const struct lts_tunnel *const *)b;

	return (x->id > y->id) - (x->id < y->id);
}

/* The control plane's tunnels by our tunnel ID (a stable order to show). */
static int sorted_tunnels(const struct lts_ctrl_plane *cp, const struct lts_tunnel ***out,
			  size_t *n)
{
	const struct lts_tunnel *t, **arr;
	size_t i = 0;

	*n = 0;
	*out = NULL;
	for (t = cp ? cp->all : NULL; t; t = t->next)
		(*n)++;
	if (!*n)
		return 0;
	arr = calloc(*n, sizeof(*arr));
	if (!arr)
		return -ENOMEM;
	for (t = cp->all; t; t = t->next)
		arr[i++] = t;
	qsort(arr, *n, sizeof(*arr), cmp_tunnel_id);
	*out = arr;
	return 0;
}

/* The members of a tunnel in "show tunnels"; detail adds the transport's whole state. */
static void tunnel_members(const struct lts_ctl_view *v, uint64_t now_ms, struct lts_json *j,
			   const struct lts_tunnel *t, bool detail)
{
	lts_json_u64(j, "id", t->id);
	lts_json_u64(j, "peer_id", t->peer_id);
	lts_json_str(j, "role", role_name(t->role));
	lts_json_str(j, "state", lts_tun_state_name(t->state));
	json_ip(j, "peer", &t->ep.peer);
	lts_json_u64(j, "peer_port", t->ep.peer_port);
	json_ip(j, "local", &t->ep.local);
	lts_json_u64(j, "local_port", t->ep.local_port);
	lts_json_str(j, "peer_hostname", t->peer_hostname[0] ? t->peer_hostname : NULL);
	/* The configured peer: a LAC when we are its LNS, and the reverse. */
	if (t->role == LTS_ROLE_LNS)
		lts_json_str(j, "lac_peer", lac_peer_name(v->cfg, t->lac_idx));
	else
		lts_json_str(j, "lns_peer", lns_peer_name(v->cfg, t->lns_idx));
	lts_json_u64(j, "sessions", t->n_sessions);
	lts_json_u64(j, "uptime_s", secs_since(now_ms, t->created_ms));
	render_xport(&t->xport, j, detail);
}

static int render_tunnels(const struct lts_ctl_view *v, uint64_t now_ms, struct lts_json *j)
{
	const struct lts_tunnel **arr;
	size_t i, n;
	int err;

	err = sorted_tunnels(v->cp, &arr, &n);
	if (err)
		return err;
	lts_json_arr_begin(j, "tunnels");
	for (i = 0; i < n; i++) {
		lts_json_obj_begin(j, NULL);
		tunnel_members(v, now_ms, j, arr[i], false);
		lts_json_obj_end(j);
	}
	lts_json_arr_end(j);
	free(arr);
	return 0;
}

/* One leg as configured or installed (no live session behind it). */
static void render_static_leg(struct lts_json *j, const char *key, const struct lts_static_leg *l,
			      const char *state, const char *peer_name)
{
	lts_json_obj_begin(j, key);
	json_ip(j, "peer", &l->peer);
	lts_json_u64(j, "peer_port", l->peer_port);
	json_ip(j, "local", &l->local);
	lts_json_u64(j, "local_port", l->local_port);
	lts_json_u64(j, "tunnel_id", l->tunnel_id);
	lts_json_u64(j, "session_id", l->session_id);
	lts_json_u64(j, "peer_tunnel_id", l->peer_tunnel_id);
	lts_json_u64(j, "peer_session_id", l->peer_session_id);
	lts_json_str(j, "state", state);
	lts_json_str(j, "peer_name", peer_name);
	lts_json_obj_end(j);
}

static const char *session_peer_name(const struct lts_config *cfg, const struct lts_session *s)
{
	return s->t->role == LTS_ROLE_LNS ? lac_peer_name(cfg, s->t->lac_idx)
					  : lns_peer_name(cfg, s->t->lns_idx);
}

/* One leg from its live half-session (NULL: null). */
static void render_session_leg(const struct lts_ctl_view *v, struct lts_json *j, const char *key,
			       const struct lts_session *s)
{
	struct lts_static_leg l;

	if (!s) {
		lts_json_null(j, key);
		return;
	}
	memset(&l, 0, sizeof(l));
	l.peer = s->t->ep.peer;
	l.peer_port = s->t->ep.peer_port;
	l.local = s->t->ep.local;
	l.local_port = s->t->ep.local_port;
	l.tunnel_id = s->t->id;
	l.session_id = s->id;
	l.peer_tunnel_id = s->t->peer_id;
	l.peer_session_id = s->peer_id;
	render_static_leg(j, key, &l, lts_sess_state_name(s->state), session_peer_name(v->cfg, s));
}

static void json_dir(struct lts_json *j, const char *key, uint64_t packets, uint64_t bytes)
{
	lts_json_obj_begin(j, key);
	lts_json_u64(j, "packets", packets);
	lts_json_u64(j, "bytes", bytes);
	lts_json_obj_end(j);
}

static void json_dirs(struct lts_json *j, const char *key, const struct lts_session_stats *st)
{
	lts_json_obj_begin(j, key);
	json_dir(j, "lac_to_lns", st->dir[LTS_DIR_A_TO_B].packets, st->dir[LTS_DIR_A_TO_B].bytes);
	json_dir(j, "lns_to_lac", st->dir[LTS_DIR_B_TO_A].packets, st->dir[LTS_DIR_B_TO_A].bytes);
	lts_json_obj_end(j);
}

/*
 * Counters of slot idx: fast path + slow path per direction (a is the LAC
 * side: dir 0 is LAC -> LNS), then each path on its own.
 */
static void render_counters(const struct lts_ctl_view *v, struct lts_json *j, uint32_t idx)
{
	const struct lts_dp_ops *ops = &v->dp;
	struct lts_session_stats fast = { 0 }, slow = { 0 }, sum;
	int d;

	if (ops->fast_stats && ops->fast_stats(ops->ctx, idx, &fast))
		memset(&fast, 0, sizeof(fast));
	if (ops->slow_stats && ops->slow_stats(ops->ctx, idx, &slow))
		memset(&slow, 0, sizeof(slow));
	for (d = 0; d < LTS_DIR_MAX; d++) {
		sum.dir[d].packets = fast.dir[d].packets + slow.dir[d].packets;
		sum.dir[d].bytes = fast.dir[d].bytes + slow.dir[d].bytes;
	}
	lts_json_obj_begin(j, "counters");
	json_dir(j, "lac_to_lns", sum.dir[LTS_DIR_A_TO_B].packets, sum.dir[LTS_DIR_A_TO_B].bytes);
	json_dir(j, "lns_to_lac", sum.dir[LTS_DIR_B_TO_A].packets, sum.dir[LTS_DIR_B_TO_A].bytes);
	json_dirs(j, "fast", &fast);
	json_dirs(j, "slow", &slow);
	/* Frames over the rule's or static session's police rate, dropped (fast path). */
	lts_json_obj_begin(j, "policed");
	lts_json_u64(j, "lac_to_lns", fast.dir[LTS_DIR_A_TO_B].dropped);
	lts_json_u64(j, "lns_to_lac", fast.dir[LTS_DIR_B_TO_A].dropped);
	lts_json_obj_end(j);
	lts_json_obj_end(j);
}

static void render_static(const struct lts_ctl_view *v, uint64_t now_ms, struct lts_json *j,
			  size_t i)
{
	const struct lts_static_session *s = &v->cfg->static_sessions[i];
	char rule[LTS_CFG_NAME_MAX + 8];

	snprintf(rule, sizeof(rule), "static:%s", s->name);
	lts_json_obj_begin(j, NULL);
	lts_json_str(j, "rule", rule);
	lts_json_str(j, "state", "static");
	lts_json_u64(j, "uptime_s", secs_since(now_ms, v->started_ms));
	lts_json_u64(j, "stats_idx", s->stats_idx);
	render_static_leg(j, "lac", &s->a, "static", NULL);
	render_static_leg(j, "lns", &s->b, "static", NULL);
	render_counters(v, j, s->stats_idx);
	lts_json_obj_end(j);
}

/* A call's members in "show sessions" (and first in "show session"). */
static void call_members(const struct lts_ctl_view *v, uint64_t now_ms, struct lts_json *j,
			 const struct lts_call *c)
{
	const struct lts_session *legs[2] = { c->first, c->second };
	uint64_t since = c->up_ms;

	if (!c->installed && c->first)
		since = c->first->created_ms;
	else if (!c->installed)
		since = c->second ? c->second->created_ms : now_ms;
	lts_json_str(j, "rule", c->rule ? c->rule->name : NULL);
	lts_json_str(j, "state", c->installed ? "up" : "setup");
	lts_json_u64(j, "uptime_s", secs_since(now_ms, since));
	if (c->installed) {
		/* What the data plane switches; the half-sessions give the states. */
		lts_json_u64(j, "stats_idx", c->stats_idx);
		render_static_leg(j, "lac", &c->pair.a,
				  legs[0] ? lts_sess_state_name(legs[0]->state) : NULL,
				  legs[0] ? session_peer_name(v->cfg, legs[0]) : NULL);
		render_static_leg(j, "lns", &c->pair.b,
				  legs[1] ? lts_sess_state_name(legs[1]->state) : NULL,
				  legs[1] ? session_peer_name(v->cfg, legs[1]) : NULL);
		render_counters(v, j, c->stats_idx);
	} else {
		lts_json_null(j, "stats_idx");
		render_session_leg(v, j, "lac", legs[0]);
		render_session_leg(v, j, "lns", legs[1]);
		lts_json_null(j, "counters");
	}
}

static void render_call(const struct lts_ctl_view *v, uint64_t now_ms, struct lts_json *j,
			const struct lts_call *c)
{
	lts_json_obj_begin(j, NULL);
	call_members(v, now_ms, j, c);
	lts_json_obj_end(j);
}

/* A half-session the switch holds no call for (refused, or being torn down). */
static void unswitched_members(const struct lts_ctl_view *v, uint64_t now_ms, struct lts_json *j,
			       const struct lts_session *s)
{
	bool toward_lac = s->t->role == LTS_ROLE_LNS;

	lts_json_null(j, "rule");
	lts_json_str(j, "state", "unswitched");
	lts_json_u64(j, "uptime_s", secs_since(now_ms, s->created_ms));
	lts_json_null(j, "stats_idx");
	render_session_leg(v, j, "lac", toward_lac ? s : NULL);
	render_session_leg(v, j, "lns", toward_lac ? NULL : s);
	lts_json_null(j, "counters");
}

static void render_unswitched(const struct lts_ctl_view *v, uint64_t now_ms, struct lts_json *j,
			      const struct lts_session *s)
{
	lts_json_obj_begin(j, NULL);
	unswitched_members(v, now_ms, j, s);
	lts_json_obj_end(j);
}

static int render_sessions(const struct lts_ctl_view *v, uint64_t now_ms, struct lts_json *j)
{
	const struct lts_tunnel **arr;
	const struct lts_session *s;
	const struct lts_call *c;
	size_t i, n;
	int err;

	err = sorted_tunnels(v->cp, &arr, &n);
	if (err)
		return err;
	lts_json_arr_begin(j, "sessions");
	for (i = 0; i < v->cfg->n_static_sessions; i++)
		render_static(v, now_ms, j, i);
	/* Calls are pushed at the head: walk from the tail, oldest first. */
	for (c = v->sw ? v->sw->calls : NULL; c && c->next; c = c->next)
		;
	for (; c; c = c->prev)
		render_call(v, now_ms, j, c);
	for (i = 0; i < n; i++)
		for (s = arr[i]->sessions; s; s = s->next)
			if (!s->user)
				render_unswitched(v, now_ms, j, s);
	lts_json_arr_end(j);
	free(arr);
	return 0;
}

/* ------------------------------------------------------------ peers, rules */

/* Live tunnels of each configured peer, from one walk over the control plane. */
struct peer_count {
	uint32_t tunnels;     /* not closing */
	uint32_t established;
	uint32_t half_open;
};

static int count_peer_tunnels(const struct lts_ctl_view *v, struct peer_count **lac,
			      struct peer_count **lns)
{
	const struct lts_config *cfg = v->cfg;
	const struct lts_tunnel *t;
	struct peer_count *pc;

	*lac = calloc(cfg->n_lac_peers ?: 1, sizeof(**lac));
	*lns = calloc(cfg->n_lns_peers ?: 1, sizeof(**lns));
	if (!*lac || !*lns) {
		free(*lac);
		free(*lns);
		return -ENOMEM;
	}
	for (t = v->cp ? v->cp->all : NULL; t; t = t->next) {
		if (t->state == LTS_TUN_CLOSING || t->state == LTS_TUN_DEAD)
			continue;
		if (t->role == LTS_ROLE_LNS && lac_peer_name(cfg, t->lac_idx))
			pc = &(*lac)[t->lac_idx];
		else if (t->role == LTS_ROLE_LAC && lns_peer_name(cfg, t->lns_idx))
			pc = &(*lns)[t->lns_idx];
		else
			continue;
		pc->tunnels++;
		pc->established += t->state == LTS_TUN_ESTABLISHED;
		pc->half_open += t->half_open;
	}
	return 0;
}

static const char *peer_state(const struct peer_count *pc, bool persistent)
{
	if (pc->established)
		return "up";
	if (pc->tunnels)
		return "connecting";
	return persistent ? "down" : "idle";
}

/* The lockout of lns_peers[idx] left, in s; null without a switch. */
static void json_lockout(const struct lts_ctl_view *v, struct lts_json *j, const char *key,
			 size_t idx, uint64_t now_ms)
{
	if (v->sw && v->sw->lockout_until)
		lts_json_u64(j, key, secs_until(now_ms, v->sw->lockout_until[idx]));
	else
		lts_json_null(j, key);
}

static bool lac_drained(const struct lts_ctl_view *v, size_t idx)
{
	return v->cp && v->cp->lac && v->cp->lac[idx].drained;
}

static bool lns_drained(const struct lts_ctl_view *v, size_t idx)
{
	return v->cp && v->cp->lns && v->cp->lns[idx].drained;
}

static void json_prefix(struct lts_json *j, const char *key, const struct lts_prefix *p)
{
	char ip[INET6_ADDRSTRLEN], buf[INET6_ADDRSTRLEN + 8];
	unsigned int host = p->ip.family == LTS_FAMILY_IPV6 ? 128 : 32;

	lts_ip_str(&p->ip, ip, sizeof(ip));
	if (p->len >= host)
		snprintf(buf, sizeof(buf), "%s", ip);
	else
		snprintf(buf, sizeof(buf), "%s/%u", ip, p->len);
	lts_json_str(j, key, buf);
}

static void render_lac_peer(const struct lts_ctl_view *v, struct lts_json *j, size_t i,
			    const struct peer_count *pc)
{
	const struct lts_lac_peer *p = &v->cfg->lac_peers[i];

	lts_json_obj_begin(j, NULL);
	lts_json_str(j, "name", p->name);
	lts_json_str(j, "kind", "lac");
	json_prefix(j, "address", &p->match);
	lts_json_str(j, "hostname", p->hostname[0] ? p->hostname : NULL);
	lts_json_str(j, "state", peer_state(pc, false));
	lts_json_bool(j, "drained", lac_drained(v, i));
	lts_json_u64(j, "tunnels", pc->tunnels);
	lts_json_u64(j, "tunnels_established", pc->established);
	lts_json_u64(j, "tunnels_half_open", pc->half_open);
	lts_json_u64(j, "sessions", v->cp && v->cp->lac ? v->cp->lac[i].n_sessions : 0);
	lts_json_u64(j, "max_tunnels", p->max_tunnels);
	lts_json_u64(j, "max_sessions", p->max_sessions);
	lts_json_null(j, "lockout_s");
	lts_json_null(j, "last_error");
	lts_json_obj_end(j);
}

static void render_lns_peer(const struct lts_ctl_view *v, uint64_t now_ms, struct lts_json *j,
			    size_t i, const struct peer_count *pc)
{
	const struct lts_lns_peer *p = &v->cfg->lns_peers[i];
	const struct lts_switch_peer_error *e =
		v->sw && v->sw->lns_error && v->sw->lns_error[i].at_ms ? &v->sw->lns_error[i] : NULL;

	lts_json_obj_begin(j, NULL);
	lts_json_str(j, "name", p->name);
	lts_json_str(j, "kind", "lns");
	json_ip(j, "address", &p->address);
	lts_json_u64(j, "port", p->port);
	lts_json_str(j, "tunnel", lts_tunnel_mode_name(p->tunnel));
	lts_json_str(j, "state", peer_state(pc, p->tunnel == LTS_TUNNEL_PERSISTENT));
	lts_json_bool(j, "drained", lns_drained(v, i));
	lts_json_u64(j, "tunnels", pc->tunnels);
	lts_json_u64(j, "tunnels_established", pc->established);
	lts_json_u64(j, "tunnels_half_open", pc->half_open);
	lts_json_u64(j, "sessions", v->cp && v->cp->lns ? v->cp->lns[i].n_sessions : 0);
	lts_json_u64(j, "max_sessions", p->max_sessions);
	json_lockout(v, j, "lockout_s", i, now_ms);
	if (e) {
		lts_json_obj_begin(j, "last_error");
		lts_json_u64(j, "result", e->result);
		lts_json_u64(j, "error", e->error);
		lts_json_str(j, "message", e->message);
		lts_json_u64(j, "age_s", secs_since(now_ms, e->at_ms));
		lts_json_obj_end(j);
	} else {
		lts_json_null(j, "last_error");
	}
	lts_json_obj_end(j);
}

static int render_peers(const struct lts_ctl_view *v, uint64_t now_ms, struct lts_json *j)
{
	struct peer_count *lac, *lns;
	size_t i;

	if (count_peer_tunnels(v, &lac, &lns))
		return -ENOMEM;
	lts_json_arr_begin(j, "peers");
	for (i = 0; i < v->cfg->n_lac_peers; i++)
		render_lac_peer(v, j, i, &lac[i]);
	for (i = 0; i < v->cfg->n_lns_peers; i++)
		render_lns_peer(v, now_ms, j, i, &lns[i]);
	lts_json_arr_end(j);
	free(lac);
	free(lns);
	return 0;
}

/* What a rule matches on: only the keys it sets ({} for a catch-all). */
static void rule_match(const struct lts_ctl_view *v, struct lts_json *j, const struct lts_rule *r)
{
	lts_json_obj_begin(j, "match");
	if (r->realm[0])
		lts_json_str(j, "realm", r->realm);
	if (r->user[0])
		lts_json_str(j, "user", r->user);
	if (r->called_number[0])
		lts_json_str(j, "called_number", r->called_number);
	if (r->calling_number[0])
		lts_json_str(j, "calling_number", r->calling_number);
	if (r->lac_hostname[0])
		lts_json_str(j, "lac_hostname", r->lac_hostname);
	if (r->lac_peer_idx >= 0)
		lts_json_str(j, "lac_peer", lac_peer_name(v->cfg, r->lac_peer_idx));
	if (r->lns_peer_idx >= 0)
		lts_json_str(j, "lns_peer", lns_peer_name(v->cfg, r->lns_peer_idx));
	lts_json_obj_end(j);
}

static int render_rules(const struct lts_ctl_view *v, uint64_t now_ms, struct lts_json *j)
{
	const struct lts_config *cfg = v->cfg;
	const struct lts_switch_rule_counters zero = { 0 };
	uint64_t *active, *up;
	const struct lts_call *c;
	size_t i, k;

	active = calloc(2 * (cfg->n_rules ?: 1), sizeof(*active));
	if (!active)
		return -ENOMEM;
	up = active + (cfg->n_rules ?: 1);
	for (c = v->sw ? v->sw->calls : NULL; c; c = c->next) {
		if (!c->rule)
			continue;
		active[c->rule - cfg->rules]++;
		up[c->rule - cfg->rules] += c->installed;
	}
	lts_json_arr_begin(j, "rules");
	for (i = 0; i < cfg->n_rules; i++) {
		const struct lts_rule *r = &cfg->rules[i];
		const struct lts_switch_rule_counters *rc =
			v->sw && v->sw->rule_ctr ? &v->sw->rule_ctr[i] : &zero;

		lts_json_obj_begin(j, NULL);
		lts_json_str(j, "name", r->name);
		lts_json_str(j, "decided_at", r->at_iccn ? "iccn" : "icrq");
		rule_match(v, j, r);
		lts_json_arr_begin(j, "pool");
		for (k = 0; k < r->n_pool; k++) {
			const struct lts_rule_member *m = &r->pool[k];

			lts_json_obj_begin(j, NULL);
			lts_json_str(j, "lns", lns_peer_name(cfg, m->lns_idx));
			lts_json_u64(j, "preference", m->preference);
			lts_json_u64(j, "weight", m->weight);
			lts_json_bool(j, "drained", lns_drained(v, m->lns_idx));
			json_lockout(v, j, "lockout_s", m->lns_idx, now_ms);
			lts_json_obj_end(j);
		}
		lts_json_arr_end(j);
		lts_json_u64(j, "calls", active[i]);
		lts_json_u64(j, "calls_up", up[i]);
		lts_json_u64(j, "hits", rc->hits);
		lts_json_u64(j, "switched", rc->switched);
		lts_json_u64(j, "failures", rc->failures);
		lts_json_u64(j, "failovers", rc->failovers);
		lts_json_obj_end(j);
	}
	lts_json_arr_end(j);
	free(active);
	return 0;
}

/* ------------------------------------------------------------ stats */

static void json_msg_types(struct lts_json *j, const char *key, const uint64_t *n)
{
	uint16_t type;

	lts_json_obj_begin(j, key);
	for (type = 1; type < LTS_CP_MSG_TYPES; type++)
		if (lts_ctrl_type_known(type))
			lts_json_u64(j, lts_ctrl_type_name(type), n[type]);
	lts_json_u64(j, "other", n[0]);
	lts_json_obj_end(j);
}

/*
 * Result Codes seen, "R" or "2/E" (result 2, general error, by Error
 * Code; the last slot is "2/15+"), only those seen at least once.
 */
static void json_results(struct lts_json *j, const char *key,
			 const struct lts_cp_result_counters *c)
{
	char name[16];
	size_t r, e;

	lts_json_obj_begin(j, key);
	for (r = 1; r <= LTS_CP_RESULTS; r++) {
		size_t slot = r % LTS_CP_RESULTS; /* 0, "other", last */

		if (!c->result[slot])
			continue;
		if (!slot) {
			lts_json_u64(j, "other", c->result[slot]);
			continue;
		}
		if (slot != 2) {
			snprintf(name, sizeof(name), "%zu", slot);
			lts_json_u64(j, name, c->result[slot]);
			continue;
		}
		for (e = 0; e < LTS_CP_ERRORS; e++) {
			if (!c->general[e])
				continue;
			snprintf(name, sizeof(name), "2/%zu%s", e, e == LTS_CP_ERRORS - 1 ? "+" : "");
			lts_json_u64(j, name, c->general[e]);
		}
	}
	lts_json_obj_end(j);
}

static void render_stats(const struct lts_ctl_view *v, uint64_t now_ms, struct lts_json *j)
{
	lts_json_obj_begin(j, "stats");
	lts_json_u64(j, "uptime_s", secs_since(now_ms, v->started_ms));
	if (v->cp) {
		const struct lts_cp_msg_counters *m = &v->cp->msgs;

		lts_json_obj_begin(j, "messages");
		json_msg_types(j, "rx", m->rx);
		json_msg_types(j, "tx", m->tx);
		lts_json_obj_end(j);
		lts_json_obj_begin(j, "results");
		json_results(j, "stopccn_rx", &m->stopccn_rx);
		json_results(j, "stopccn_tx", &m->stopccn_tx);
		json_results(j, "cdn_rx", &m->cdn_rx);
		json_results(j, "cdn_tx", &m->cdn_tx);
		lts_json_obj_end(j);
		json_cp_counters(j, v->cp);
	} else {
		lts_json_null(j, "messages");
		lts_json_null(j, "results");
		lts_json_null(j, "control");
	}
	if (v->sw) {
		const struct lts_switch_counters *s = &v->sw->ctr;

		lts_json_obj_begin(j, "switch");
		lts_json_u64(j, "calls_switched", s->calls_switched);
		lts_json_u64(j, "calls_refused", s->calls_refused);
		lts_json_u64(j, "calls_cleared", s->calls_cleared);
		lts_json_u64(j, "loops_detected", s->loops_detected);
		lts_json_u64(j, "failovers", s->failovers);
		lts_json_u64(j, "info_dropped", s->info_dropped);
		/* setups/s = setups_10s / 10 (or _60s / 60) */
		lts_json_u64(j, "setups_10s", lts_switch_setups(v->sw, now_ms, 10));
		lts_json_u64(j, "setups_60s", lts_switch_setups(v->sw, now_ms, 60));
		lts_json_obj_end(j);
	} else {
		lts_json_null(j, "switch");
	}
	if (v->dp.reason_count) {
		static const char *const names[] = {
#define LTS_CTL_REASON_NAME(sym, name, help) name,
			LTS_REASONS(LTS_CTL_REASON_NAME)
#undef LTS_CTL_REASON_NAME
		};
		int r;

		lts_json_obj_begin(j, "reasons");
		for (r = 0; r < LTS_R_MAX; r++) {
			int64_t n = v->dp.reason_count(v->dp.ctx, (enum lts_reason)r);

			if (n < 0)
				lts_json_null(j, names[r]);
			else
				lts_json_u64(j, names[r], (uint64_t)n);
		}
		lts_json_obj_end(j);
	} else {
		lts_json_null(j, "reasons");
	}
	lts_json_obj_end(j);
}

/* ------------------------------------------------------------ one tunnel, one session */

static struct lts_tunnel *find_tunnel(const struct lts_ctl_view *v, uint16_t id)
{
	struct lts_tunnel *t;

	/* A walk, not cp->tunnels[]: the views are read by hand-built tests too. */
	for (t = v->cp ? v->cp->all : NULL; t; t = t->next)
		if (t->id == id)
			return t;
	return NULL;
}

static void render_tunnel(const struct lts_ctl_view *v, uint64_t now_ms, struct lts_json *j,
			  const struct lts_tunnel *t)
{
	const struct lts_session *s;
	bool drained = t->role == LTS_ROLE_LNS
			       ? t->lac_idx >= 0 && (size_t)t->lac_idx < v->cfg->n_lac_peers &&
					 lac_drained(v, t->lac_idx)
			       : t->lns_idx >= 0 && (size_t)t->lns_idx < v->cfg->n_lns_peers &&
					 lns_drained(v, t->lns_idx);

	lts_json_obj_begin(j, "tunnel");
	tunnel_members(v, now_ms, j, t, true);
	lts_json_bool(j, "half_open", t->half_open);
	lts_json_bool(j, "peer_drained", drained);
	lts_json_arr_begin(j, "session_list");
	for (s = t->sessions; s; s = s->next) {
		const struct lts_call *c = s->user;
		const struct lts_session *other = c ? (s == c->first ? c->second : c->first) : NULL;

		lts_json_obj_begin(j, NULL);
		lts_json_u64(j, "id", s->id);
		lts_json_u64(j, "peer_id", s->peer_id);
		lts_json_str(j, "state", lts_sess_state_name(s->state));
		lts_json_u64(j, "uptime_s", secs_since(now_ms, s->created_ms));
		lts_json_u64(j, "serial", s->serial);
		lts_json_str(j, "call", c ? (c->installed ? "up" : "setup") : NULL);
		lts_json_str(j, "rule", c && c->rule ? c->rule->name : NULL);
		if (other) {
			lts_json_obj_begin(j, "other_leg");
			lts_json_u64(j, "tunnel_id", other->t->id);
			lts_json_u64(j, "session_id", other->id);
			lts_json_obj_end(j);
		} else {
			lts_json_null(j, "other_leg");
		}
		lts_json_obj_end(j);
	}
	lts_json_arr_end(j);
	lts_json_obj_end(j);
}

/*
 * The session a request names: by ID on either leg, in its tunnel if one is
 * given. Session IDs are unique per tunnel only: the same ID in two tunnels
 * is ambiguous, unless both are the legs of one call (then the LAC's leg).
 */
static int find_session(const struct lts_ctl_view *v, const struct lts_ctl_request *r,
			struct lts_session **out, char *err, size_t cap)
{
	struct lts_session *s, *found = NULL;
	uint16_t other_tid = 0;
	struct lts_tunnel *t;
	unsigned int n = 0;

	for (t = v->cp ? v->cp->all : NULL; t; t = t->next) {
		if (r->tunnel_id && t->id != r->tunnel_id)
			continue;
		for (s = t->sessions; s; s = s->next) {
			if (s->id != r->session_id || s->state == LTS_SESS_DEAD)
				continue;
			if (found && s->user && s->user == found->user) {
				if (s->t->role == LTS_ROLE_LNS)
					found = s; /* the other leg of the same call */
				continue;
			}
			if (!found)
				found = s;
			else if (!other_tid)
				other_tid = t->id;
			n++;
		}
	}
	if (!n && r->tunnel_id)
		snprintf(err, cap, "no session %u/%u (tunnel/session, our IDs)", r->tunnel_id,
			 r->session_id);
	else if (!n)
		snprintf(err, cap, "no session %u (our session ID on either leg)", r->session_id);
	else if (n > 1)
		snprintf(err, cap, "session ID %u is in %u tunnels (%u, %u...): say TUNNEL/%u",
			 r->session_id, n, found->t->id, other_tid, r->session_id);
	else
		*out = found;
	return !n ? -ENOENT : n > 1 ? -EINVAL : 0;
}

static void json_avp_names(struct lts_json *j, const char *key, const uint64_t bits[2])
{
	char buf[16];
	unsigned int type;

	lts_json_arr_begin(j, key);
	for (type = 0; type < 128; type++) {
		const struct lts_avp_def *d;

		if (!(bits[type / 64] & 1ull << (type % 64)))
			continue;
		d = lts_avp_def_find(LTS_AVP_VENDOR_IETF, type);
		snprintf(buf, sizeof(buf), "type %u", type);
		lts_json_str(j, NULL, d ? d->name : buf);
	}
	lts_json_arr_end(j);
}

static void render_session(const struct lts_ctl_view *v, uint64_t now_ms, struct lts_json *j,
			   const struct lts_session *s)
{
	const struct lts_call *c = s->user;
	const struct lts_session *lac_leg = c ? c->first : s->t->role == LTS_ROLE_LNS ? s : NULL;
	struct lts_call_avps a;

	lts_json_obj_begin(j, "session");
	if (c)
		call_members(v, now_ms, j, c);
	else
		unswitched_members(v, now_ms, j, s);
	/* The leg the request named, and what only one call at a time is worth showing. */
	lts_json_str(j, "named_leg", s->t->role == LTS_ROLE_LNS ? "lac" : "lns");
	if (lac_leg)
		lts_json_u64(j, "call_serial", lac_leg->serial);
	else
		lts_json_null(j, "call_serial");
	if (c && c->rule && c->second && c->member < c->rule->n_pool)
		lts_json_str(j, "lns_peer",
			     lns_peer_name(v->cfg, c->rule->pool[c->member].lns_idx));
	else
		lts_json_null(j, "lns_peer");
	if (c) {
		lts_switch_call_avps(c, &a);
		lts_json_obj_begin(j, "relayed_avps");
		json_avp_names(j, "icrq", a.icrq);
		json_avp_names(j, "iccn", a.iccn);
		lts_json_u64(j, "icrq_vendor", a.icrq_vendor);
		lts_json_u64(j, "iccn_vendor", a.iccn_vendor);
		lts_json_obj_end(j);
	} else {
		lts_json_null(j, "relayed_avps");
	}
	lts_json_obj_end(j);
}

/* ------------------------------------------------------------ actions */

/* An action's failure: the message for {"error": ...}, and its errno. */
struct act_err {
	char msg[LTS_CFG_ERR_MAX];
};

static int need_switch(const struct lts_ctl_view *v, struct act_err *e)
{
	if (v->cp && v->sw && v->cp->lac && v->cp->lns)
		return 0;
	snprintf(e->msg, sizeof(e->msg), "no control plane: this ltsd switches static sessions only");
	return -ENOTSUP;
}

/* {"cleared": ...}: what went, with the codes sent (RFC 2661 4.4.2). */
struct cleared {
	uint16_t tunnels[64];  /* the first ones, for the answer */
	size_t n_tunnels;
	uint16_t session[2];   /* clear session: tunnel, session */
	bool has_session;
	uint64_t calls;
};

static void render_cleared(struct lts_json *j, const struct cleared *cl)
{
	char buf[16];
	size_t i;

	lts_json_obj_begin(j, "cleared");
	lts_json_arr_begin(j, "tunnels");
	for (i = 0; i < cl->n_tunnels && i < ARRAY_SIZE(cl->tunnels); i++)
		lts_json_u64(j, NULL, cl->tunnels[i]);
	lts_json_arr_end(j);
	lts_json_u64(j, "n_tunnels", cl->n_tunnels);
	lts_json_arr_begin(j, "sessions");
	if (cl->has_session) {
		snprintf(buf, sizeof(buf), "%u/%u", cl->session[0], cl->session[1]);
		lts_json_str(j, NULL, buf);
	}
	lts_json_arr_end(j);
	lts_json_u64(j, "calls", cl->calls);
	lts_json_u64(j, "stopccn_result", LTS_STOPCCN_CLEAR);
	lts_json_u64(j, "cdn_result", LTS_CDN_ADMIN);
	lts_json_str(j, "message", LTS_CTL_CLEAR_MESSAGE);
	lts_json_obj_end(j);
}

static int act_clear_session(const struct lts_ctl_view *v, const struct lts_ctl_request *r,
			     uint64_t now_ms, struct lts_json *j, struct act_err *e)
{
	struct cleared cl = { .has_session = true };
	struct lts_session *s = NULL;
	int err;

	err = need_switch(v, e) ?: find_session(v, r, &s, e->msg, sizeof(e->msg));
	if (err)
		return err;
	cl.session[0] = s->t->id;
	cl.session[1] = s->id;
	cl.calls = s->user != NULL;
	err = lts_switch_clear_session(v->sw, s, LTS_CTL_CLEAR_MESSAGE, now_ms);
	if (err < 0) {
		snprintf(e->msg, sizeof(e->msg), "session %u/%u is going already", cl.session[0],
			 cl.session[1]);
		return err;
	}
	render_cleared(j, &cl);
	return 0;
}

static int clear_one_tunnel(const struct lts_ctl_view *v, struct lts_tunnel *t, uint64_t now_ms,
			    struct cleared *cl)
{
	int n = lts_switch_clear_tunnel(v->sw, t, LTS_CTL_CLEAR_MESSAGE, now_ms);

	if (n < 0)
		return n;
	if (cl->n_tunnels < ARRAY_SIZE(cl->tunnels))
		cl->tunnels[cl->n_tunnels] = t->id;
	cl->n_tunnels++;
	cl->calls += n;
	return 0;
}

static int act_clear_tunnel(const struct lts_ctl_view *v, const struct lts_ctl_request *r,
			    uint64_t now_ms, struct lts_json *j, struct act_err *e)
{
	struct cleared cl = { 0 };
	struct lts_tunnel *t;
	int err;

	err = need_switch(v, e);
	if (err)
		return err;
	t = find_tunnel(v, r->tunnel_id);
	if (!t) {
		snprintf(e->msg, sizeof(e->msg), "no tunnel %u (our tunnel ID)", r->tunnel_id);
		return -ENOENT;
	}
	err = clear_one_tunnel(v, t, now_ms, &cl);
	if (err) {
		snprintf(e->msg, sizeof(e->msg), "tunnel %u is closing already (%s)", t->id,
			 lts_tun_state_name(t->state));
		return err;
	}
	render_cleared(j, &cl);
	return 0;
}

/* The peer a request names: its index and kind; -ENOENT or -EINVAL (in both lists). */
static int find_peer(const struct lts_ctl_view *v, const struct lts_ctl_request *r,
		     enum lts_ctl_peer_kind *kind, size_t *idx, struct act_err *e)
{
	const struct lts_config *cfg = v->cfg;
	bool lac = false, lns = false;
	size_t i, li = 0, ni = 0;

	for (i = 0; i < cfg->n_lac_peers && r->kind != LTS_CTL_PEER_LNS; i++)
		if (!strcmp(cfg->lac_peers[i].name, r->name)) {
			lac = true;
			li = i;
		}
	for (i = 0; i < cfg->n_lns_peers && r->kind != LTS_CTL_PEER_LAC; i++)
		if (!strcmp(cfg->lns_peers[i].name, r->name)) {
			lns = true;
			ni = i;
		}
	if (lac && lns) {
		snprintf(e->msg, sizeof(e->msg),
			 "both a lac_peer and an lns_peer are named %.60s: say lac or lns", r->name);
		return -EINVAL;
	}
	if (!lac && !lns) {
		snprintf(e->msg, sizeof(e->msg), "no %s named %.60s",
			 r->kind == LTS_CTL_PEER_LAC   ? "lac_peer"
			 : r->kind == LTS_CTL_PEER_LNS ? "lns_peer"
						       : "lac_peer or lns_peer",
			 r->name);
		return -ENOENT;
	}
	*kind = lac ? LTS_CTL_PEER_LAC : LTS_CTL_PEER_LNS;
	*idx = lac ? li : ni;
	return 0;
}

static bool tunnel_of_peer(const struct lts_tunnel *t, enum lts_ctl_peer_kind kind, size_t idx)
{
	return kind == LTS_CTL_PEER_LAC ? t->role == LTS_ROLE_LNS && t->lac_idx == (int)idx
					: t->role == LTS_ROLE_LAC && t->lns_idx == (int)idx;
}

static int act_clear_peer(const struct lts_ctl_view *v, const struct lts_ctl_request *r,
			  uint64_t now_ms, struct lts_json *j, struct act_err *e)
{
	enum lts_ctl_peer_kind kind;
	struct cleared cl = { 0 };
	struct lts_tunnel *t;
	size_t idx;
	int err;

	err = need_switch(v, e) ?: find_peer(v, r, &kind, &idx, e);
	if (err)
		return err;
	/* Closed tunnels stay listed until reaped: the walk stays valid. */
	for (t = v->cp->all; t; t = t->next)
		if (tunnel_of_peer(t, kind, idx) && t->state != LTS_TUN_CLOSING &&
		    t->state != LTS_TUN_DEAD)
			clear_one_tunnel(v, t, now_ms, &cl);
	render_cleared(j, &cl);
	return 0;
}

static int act_drain(const struct lts_ctl_view *v, const struct lts_ctl_request *r,
		     struct lts_json *j, struct act_err *e)
{
	bool drained = r->cmd == LTS_CTL_CMD_DRAIN, changed;
	enum lts_ctl_peer_kind kind;
	struct lts_tunnel *t;
	uint64_t n_tun = 0;
	size_t idx;
	int err;

	err = need_switch(v, e) ?: find_peer(v, r, &kind, &idx, e);
	if (err)
		return err;
	if (kind == LTS_CTL_PEER_LAC)
		changed = lts_cp_drain_lac(v->cp, idx, drained);
	else
		changed = lts_cp_drain_lns(v->cp, idx, drained);
	for (t = v->cp->all; t; t = t->next)
		n_tun += tunnel_of_peer(t, kind, idx) && t->state != LTS_TUN_CLOSING &&
			 t->state != LTS_TUN_DEAD;
	lts_json_obj_begin(j, "drain");
	lts_json_str(j, "peer", r->name);
	lts_json_str(j, "kind", kind == LTS_CTL_PEER_LAC ? "lac" : "lns");
	lts_json_bool(j, "drained", drained);
	lts_json_bool(j, "changed", changed);
	/* What stays: drain refuses new work only. */
	lts_json_u64(j, "tunnels", n_tun);
	lts_json_u64(j, "sessions", kind == LTS_CTL_PEER_LAC ? v->cp->lac[idx].n_sessions
							     : v->cp->lns[idx].n_sessions);
	lts_json_obj_end(j);
	return 0;
}

static const char *const level_names[] = {
	[LTS_LOG_ERR] = "err",
	[LTS_LOG_WARN] = "warn",
	[LTS_LOG_INFO] = "info",
	[LTS_LOG_DEBUG] = "debug",
};

static void act_log_level(const struct lts_ctl_request *r, struct lts_json *j)
{
	enum lts_log_level was = lts_log_get_level();

	/* Logged at the more verbose of the two levels, so that it shows. */
	if (r->level < was)
		pr_info("log level %s (was %s)", level_names[r->level], level_names[was]);
	lts_log_set_level(r->level);
	if (r->level >= was)
		pr_info("log level %s (was %s)", level_names[r->level], level_names[was]);
	lts_json_obj_begin(j, "log");
	lts_json_str(j, "level", level_names[r->level]);
	lts_json_str(j, "previous", level_names[was]);
	lts_json_obj_end(j);
}

/* ------------------------------------------------------------ trace */

static void json_trace_flags(struct lts_json *j, const char *key, uint32_t mask)
{
	unsigned int i;

	lts_json_arr_begin(j, key);
	for (i = 0; i < LTS_TRACE_N; i++)
		if (mask & 1u << i)
			lts_json_str(j, NULL, lts_trace_name(i));
	lts_json_arr_end(j);
}

/* One syslog destination: where, and how many lines it took or lost. */
static void json_log_dest(struct lts_json *j, const char *key, const char *addr_key,
			  const char *addr, const struct lts_log_dest_stats *d)
{
	if (!d->configured) {
		lts_json_null(j, key);
		return;
	}
	lts_json_obj_begin(j, key);
	lts_json_str(j, addr_key, addr);
	lts_json_u64(j, "sent", d->sent);
	lts_json_u64(j, "errors", d->errors);
	lts_json_str(j, "last_error", d->last_error ? strerror(d->last_error) : "");
	lts_json_obj_end(j);
}

/*
 * {"trace": {flags, peer[, previous], log}}: what is traced, and where
 * lines go (log level, stderr, syslog with its counters).
 */
static void render_trace(struct lts_json *j, const uint32_t *was, const char *was_peer)
{
	struct lts_log_state st;

	lts_log_get_state(&st);
	lts_json_obj_begin(j, "trace");
	json_trace_flags(j, "flags", st.trace);
	lts_json_str(j, "peer", st.trace_peer);
	if (was) {
		lts_json_obj_begin(j, "previous");
		json_trace_flags(j, "flags", *was);
		lts_json_str(j, "peer", was_peer);
		lts_json_obj_end(j);
	}
	lts_json_obj_begin(j, "log");
	lts_json_str(j, "level", lts_log_level_name(st.level));
	lts_json_bool(j, "verbose", st.verbose);
	lts_json_bool(j, "stderr", st.to_stderr);
	if (st.syslog) {
		lts_json_obj_begin(j, "syslog");
		lts_json_str(j, "facility", st.facility);
		lts_json_str(j, "level", lts_log_level_name(st.syslog_level));
		lts_json_str(j, "prefix", st.prefix);
		json_log_dest(j, "local", "socket", st.socket, &st.local);
		json_log_dest(j, "remote", "address", st.remote, &st.udp);
		lts_json_obj_end(j);
	} else {
		lts_json_null(j, "syslog");
	}
	lts_json_obj_begin(j, "repeats");
	lts_json_u64(j, "limit", st.repeat_limit);
	lts_json_u64(j, "window_s", st.repeat_window_s);
	lts_json_u64(j, "suppressed", st.repeats_suppressed);
	lts_json_obj_end(j);
	lts_json_obj_end(j);
	lts_json_obj_end(j);
}

static const char *trace_text(uint32_t mask, const char *peer, char *buf, size_t cap)
{
	size_t used = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < LTS_TRACE_N && used < cap; i++)
		if (mask & 1u << i)
			used += snprintf(buf + used, cap - used, "%s%s", used ? "," : "",
					 lts_trace_name(i));
	if (!mask)
		snprintf(buf, cap, "off");
	else if (peer[0] && used < cap)
		snprintf(buf + used, cap - used, " peer %s", peer);
	return buf;
}

static int act_trace(const struct lts_ctl_view *v, const struct lts_ctl_request *r,
		     struct lts_json *j, struct act_err *e)
{
	char was_peer[LTS_CFG_NAME_MAX], now_txt[160], was_txt[160];
	enum lts_ctl_peer_kind kind;
	const char *peer;
	uint32_t was;
	size_t idx;
	int err;

	/* The filter is by name: a name both lists have is fine. */
	err = r->name[0] ? find_peer(v, r, &kind, &idx, e) : 0;
	if (err && err != -EINVAL)
		return err;
	was = lts_log_get_trace(&peer);
	snprintf(was_peer, sizeof(was_peer), "%s", peer);
	lts_log_set_trace(r->trace, r->name);
	pr_info("trace %s (was %s)", trace_text(r->trace, r->name, now_txt, sizeof(now_txt)),
		trace_text(was, was_peer, was_txt, sizeof(was_txt)));
	render_trace(j, &was, was_peer);
	return 0;
}

/* ------------------------------------------------------------ reload, restart */

/* {"reload": {"result": ...}} or {"restart": {...}}: the daemon does the work. */
static int act_daemon(const struct lts_ctl_view *v, enum lts_ctl_cmd cmd, struct lts_json *j,
		      struct act_err *e)
{
	bool reload = cmd == LTS_CTL_CMD_RELOAD;
	int (*fn)(void *, char *, size_t) = reload ? v->reload : v->restart;
	char msg[LTS_CFG_ERR_MAX];
	int err;

	if (!fn) {
		snprintf(e->msg, sizeof(e->msg), "%s is not supported here",
			 reload ? "reload" : "restart");
		return -ENOTSUP;
	}
	msg[0] = '\0';
	err = fn(v->daemon, msg, sizeof(msg));
	if (err) {
		snprintf(e->msg, sizeof(e->msg), "%s", msg[0] ? msg : strerror(-err));
		return err;
	}
	lts_json_obj_begin(j, reload ? "reload" : "restart");
	lts_json_str(j, "result", msg);
	lts_json_obj_end(j);
	return 0;
}

/* ------------------------------------------------------------ requests */

bool lts_ctl_cmd_acts(enum lts_ctl_cmd cmd)
{
	return cmd >= LTS_CTL_CMD_CLEAR_SESSION && cmd < LTS_CTL_CMD_MAX;
}

int lts_ctl_execute(const struct lts_ctl_view *v, const struct lts_ctl_request *req,
		    uint64_t now_ms, char **out, size_t *len)
{
	struct act_err e = { .msg = "" };
	struct lts_session *s = NULL;
	struct lts_tunnel *t;
	struct lts_json j;
	int err = 0;

	*out = NULL;
	lts_json_init(&j, true);
	lts_json_obj_begin(&j, NULL);
	switch (req->cmd) {
	case LTS_CTL_CMD_SHOW_SUMMARY:
		render_summary(v, now_ms, &j);
		break;
	case LTS_CTL_CMD_SHOW_TUNNELS:
		err = render_tunnels(v, now_ms, &j);
		break;
	case LTS_CTL_CMD_SHOW_SESSIONS:
		err = render_sessions(v, now_ms, &j);
		break;
	case LTS_CTL_CMD_SHOW_PEERS:
		err = render_peers(v, now_ms, &j);
		break;
	case LTS_CTL_CMD_SHOW_RULES:
		err = render_rules(v, now_ms, &j);
		break;
	case LTS_CTL_CMD_SHOW_STATS:
		render_stats(v, now_ms, &j);
		break;
	case LTS_CTL_CMD_SHOW_TUNNEL:
		t = find_tunnel(v, req->tunnel_id);
		if (t)
			render_tunnel(v, now_ms, &j, t);
		else
			snprintf(e.msg, sizeof(e.msg), "no tunnel %u (our tunnel ID)", req->tunnel_id);
		err = t ? 0 : -ENOENT;
		break;
	case LTS_CTL_CMD_SHOW_SESSION:
		err = find_session(v, req, &s, e.msg, sizeof(e.msg));
		if (!err)
			render_session(v, now_ms, &j, s);
		break;
	case LTS_CTL_CMD_CLEAR_SESSION:
		err = act_clear_session(v, req, now_ms, &j, &e);
		break;
	case LTS_CTL_CMD_CLEAR_TUNNEL:
		err = act_clear_tunnel(v, req, now_ms, &j, &e);
		break;
	case LTS_CTL_CMD_CLEAR_PEER:
		err = act_clear_peer(v, req, now_ms, &j, &e);
		break;
	case LTS_CTL_CMD_DRAIN:
	case LTS_CTL_CMD_UNDRAIN:
		err = act_drain(v, req, &j, &e);
		break;
	case LTS_CTL_CMD_LOG_LEVEL:
		act_log_level(req, &j);
		break;
	case LTS_CTL_CMD_RELOAD:
	case LTS_CTL_CMD_RESTART:
		err = act_daemon(v, req->cmd, &j, &e);
		break;
	case LTS_CTL_CMD_SHOW_TRACE:
		render_trace(&j, NULL, NULL);
		break;
	case LTS_CTL_CMD_TRACE:
		err = act_trace(v, req, &j, &e);
		break;
	default:
		snprintf(e.msg, sizeof(e.msg), "unknown request");
		err = -EINVAL;
	}
	lts_json_obj_end(&j);
	if (err) {
		lts_json_free(&j);
		if (err == -ENOMEM)
			return err;
		if (!e.msg[0])
			snprintf(e.msg, sizeof(e.msg), "%s", strerror(-err));
		return lts_ctl_render_error(e.msg, out, len) ?: err;
	}
	return lts_json_finish(&j, out, len);
}

int lts_ctl_render(const struct lts_ctl_view *v, enum lts_ctl_req req, uint64_t now_ms,
		   char **out, size_t *len)
{
	static const enum lts_ctl_cmd cmd[] = {
		[LTS_CTL_SHOW_SUMMARY] = LTS_CTL_CMD_SHOW_SUMMARY,
		[LTS_CTL_SHOW_TUNNELS] = LTS_CTL_CMD_SHOW_TUNNELS,
		[LTS_CTL_SHOW_SESSIONS] = LTS_CTL_CMD_SHOW_SESSIONS,
	};
	struct lts_ctl_request r = { .cmd = LTS_CTL_CMD_MAX };
	int err;

	if ((unsigned int)req < ARRAY_SIZE(cmd))
		r.cmd = cmd[req];
	err = lts_ctl_execute(v, &r, now_ms, out, len);
	if (err && err != -ENOMEM) {
		free(*out);
		*out = NULL;
	}
	return err;
}

int lts_ctl_render_error(const char *msg, char **out, size_t *len)
{
	struct lts_json j;

	lts_json_init(&j, true);
	lts_json_obj_begin(&j, NULL);
	lts_json_str(&j, "error", msg);
	lts_json_obj_end(&j);
	return lts_json_finish(&j, out, len);
}

/* ------------------------------------------------------------ parsing */

enum arg {
	ARG_NONE,
	ARG_TUNNEL,  /* ID */
	ARG_SESSION, /* [TUNNEL/]SESSION */
	ARG_PEER,    /* [lac|lns] NAME */
	ARG_NAME,    /* NAME, of the kind the row says */
	ARG_LEVEL,   /* err|warn|info|debug */
};

static const struct cmd_row {
	const char *verb, *what;
	enum lts_ctl_cmd cmd;
	enum arg arg;
	enum lts_ctl_peer_kind kind;
	const char *usage; /* the error for a bad argument */
} cmd_table[] = {
	{ "show", "summary", LTS_CTL_CMD_SHOW_SUMMARY, ARG_NONE, 0, "show summary" },
	{ "show", "tunnels", LTS_CTL_CMD_SHOW_TUNNELS, ARG_NONE, 0, "show tunnels" },
	{ "show", "sessions", LTS_CTL_CMD_SHOW_SESSIONS, ARG_NONE, 0, "show sessions" },
	{ "show", "peers", LTS_CTL_CMD_SHOW_PEERS, ARG_NONE, 0, "show peers" },
	{ "show", "rules", LTS_CTL_CMD_SHOW_RULES, ARG_NONE, 0, "show rules" },
	{ "show", "stats", LTS_CTL_CMD_SHOW_STATS, ARG_NONE, 0, "show stats" },
	{ "show", "trace", LTS_CTL_CMD_SHOW_TRACE, ARG_NONE, 0, "show trace" },
	{ "show", "tunnel", LTS_CTL_CMD_SHOW_TUNNEL, ARG_TUNNEL, 0,
	  "usage: show tunnel ID (our tunnel ID, 1-65535)" },
	{ "show", "session", LTS_CTL_CMD_SHOW_SESSION, ARG_SESSION, 0,
	  "usage: show session [TUNNEL/]SESSION (our IDs, 1-65535)" },
	{ "clear", "session", LTS_CTL_CMD_CLEAR_SESSION, ARG_SESSION, 0,
	  "usage: clear session [TUNNEL/]SESSION (our IDs, 1-65535)" },
	{ "clear", "tunnel", LTS_CTL_CMD_CLEAR_TUNNEL, ARG_TUNNEL, 0,
	  "usage: clear tunnel ID (our tunnel ID, 1-65535)" },
	{ "clear", "peer", LTS_CTL_CMD_CLEAR_PEER, ARG_PEER, LTS_CTL_PEER_ANY,
	  "usage: clear peer [lac|lns] NAME" },
	{ "drain", "lac", LTS_CTL_CMD_DRAIN, ARG_NAME, LTS_CTL_PEER_LAC, "usage: drain lac NAME" },
	{ "drain", "lns", LTS_CTL_CMD_DRAIN, ARG_NAME, LTS_CTL_PEER_LNS, "usage: drain lns NAME" },
	{ "undrain", "lac", LTS_CTL_CMD_UNDRAIN, ARG_NAME, LTS_CTL_PEER_LAC,
	  "usage: undrain lac NAME" },
	{ "undrain", "lns", LTS_CTL_CMD_UNDRAIN, ARG_NAME, LTS_CTL_PEER_LNS,
	  "usage: undrain lns NAME" },
	{ "log", "level", LTS_CTL_CMD_LOG_LEVEL, ARG_LEVEL, 0,
	  "usage: log level err|warn|info|debug" },
	/* One word: what is "" */
	{ "reload", "", LTS_CTL_CMD_RELOAD, ARG_NONE, 0, "usage: reload" },
	{ "restart", "", LTS_CTL_CMD_RESTART, ARG_NONE, 0, "usage: restart" },
};

static const char unknown_msg[] =
	"unknown request (expected: show summary|tunnels|sessions|peers|rules|stats, "
	"show tunnel ID, show session [TUNNEL/]SESSION, clear session|tunnel|peer ..., "
	"drain|undrain lac|lns NAME, log level LEVEL, show trace, trace FLAG... [peer NAME], "
	"trace off, reload, restart)";

#define TRACE_WORD(e, word) word ", "
static const char trace_usage[] = "usage: trace FLAG... [peer NAME], or trace off (FLAG: "
	LTS_TRACE_FLAGS(TRACE_WORD) LTS_TRACE_ALL_WORD ")";
#undef TRACE_WORD

/*
 * trace FLAG... [peer NAME] | trace off: flags are words or comma-separated
 * lists (ltsctl sends one list, so that every flag fits the 8 words).
 */
static bool parse_trace(char **w, size_t n, struct lts_ctl_request *r)
{
	char *flag, *save;
	size_t i;

	if (n == 1 && !strcmp(w[0], "off"))
		return true;
	if (n >= 2 && !strcmp(w[n - 2], "peer")) {
		if (strlen(w[n - 1]) >= sizeof(r->name))
			return false;
		snprintf(r->name, sizeof(r->name), "%s", w[n - 1]);
		n -= 2;
	}
	for (i = 0; i < n; i++) {
		for (flag = strtok_r(w[i], ",", &save); flag; flag = strtok_r(NULL, ",", &save)) {
			uint32_t m = lts_trace_parse(flag);

			if (!m)
				return false;
			r->trace |= m;
		}
	}
	return r->trace != 0;
}

static bool parse_arg(const struct cmd_row *row, char **w, size_t n, struct lts_ctl_request *r)
{
	static const struct {
		const char *name;
		enum lts_log_level level;
	} levels[] = {
		{ "err", LTS_LOG_ERR },   { "error", LTS_LOG_ERR }, { "warn", LTS_LOG_WARN },
		{ "warning", LTS_LOG_WARN }, { "info", LTS_LOG_INFO }, { "debug", LTS_LOG_DEBUG },
	};
	const char *slash;
	size_t i;

	switch (row->arg) {
	case ARG_NONE:
		return n == 0;
	case ARG_TUNNEL:
		return n == 1 && lts_parse_id(w[0], strlen(w[0]), &r->tunnel_id);
	case ARG_SESSION:
		if (n != 1)
			return false;
		slash = strchr(w[0], '/');
		if (!slash)
			return lts_parse_id(w[0], strlen(w[0]), &r->session_id);
		return lts_parse_id(w[0], (size_t)(slash - w[0]), &r->tunnel_id) &&
		       lts_parse_id(slash + 1, strlen(slash + 1), &r->session_id);
	case ARG_PEER:
		if (n == 2 && !strcmp(w[0], "lac"))
			r->kind = LTS_CTL_PEER_LAC;
		else if (n == 2 && !strcmp(w[0], "lns"))
			r->kind = LTS_CTL_PEER_LNS;
		else if (n != 1)
			return false;
		w += n - 1;
		/* fall through */
	case ARG_NAME:
		if ((row->arg == ARG_NAME && n != 1) || strlen(w[0]) >= sizeof(r->name))
			return false;
		snprintf(r->name, sizeof(r->name), "%s", w[0]);
		return true;
	case ARG_LEVEL:
		for (i = 0; n == 1 && i < ARRAY_SIZE(levels); i++) {
			if (!strcmp(w[0], levels[i].name)) {
				r->level = levels[i].level;
				return true;
			}
		}
		return false;
	}
	return false;
}

int lts_ctl_parse(const char *line, struct lts_ctl_request *out, const char **why)
{
	char buf[LTS_CTL_REQ_MAX + 1], *w[8], *save; /* a command takes 4 words at most */
	struct lts_ctl_request r;
	size_t i, n = 0;

	if (why)
		*why = unknown_msg;
	if (strlen(line) > LTS_CTL_REQ_MAX)
		return -EINVAL;
	snprintf(buf, sizeof(buf), "%s", line);
	for (w[n] = strtok_r(buf, " \t\r\n", &save); w[n]; w[n] = strtok_r(NULL, " \t\r\n", &save))
		if (++n == ARRAY_SIZE(w))
			return -EINVAL;
	if (n >= 1 && !strcmp(w[0], "trace")) {
		memset(&r, 0, sizeof(r));
		r.cmd = LTS_CTL_CMD_TRACE;
		if (!parse_trace(w + 1, n - 1, &r)) {
			if (why)
				*why = trace_usage;
			return -EINVAL;
		}
		*out = r;
		return 0;
	}
	for (i = 0; n >= 1 && i < ARRAY_SIZE(cmd_table); i++) {
		const struct cmd_row *row = &cmd_table[i];
		size_t words = row->what[0] ? 2 : 1;

		if (n < words || strcmp(w[0], row->verb) || (words == 2 && strcmp(w[1], row->what)))
			continue;
		memset(&r, 0, sizeof(r));
		r.cmd = row->cmd;
		r.kind = row->kind;
		if (!parse_arg(row, w + words, n - words, &r)) {
			if (why)
				*why = row->usage;
			return -EINVAL;
		}
		*out = r;
		return 0;
	}
	return -EINVAL;
}

int lts_ctl_parse_request(const char *line, enum lts_ctl_req *out)
{
	struct lts_ctl_request r;

	if (lts_ctl_parse(line, &r, NULL))
		return -EINVAL;
	switch (r.cmd) {
	case LTS_CTL_CMD_SHOW_SUMMARY:
		*out = LTS_CTL_SHOW_SUMMARY;
		return 0;
	case LTS_CTL_CMD_SHOW_TUNNELS:
		*out = LTS_CTL_SHOW_TUNNELS;
		return 0;
	case LTS_CTL_CMD_SHOW_SESSIONS:
		*out = LTS_CTL_SHOW_SESSIONS;
		return 0;
	default:
		return -EINVAL;
	}
}

/* ------------------------------------------------------------ socket */

/* Tags of the server's own epoll set: a client's slot index, or one of these. */
#define TAG_LISTEN LTS_CTL_MAX_CLIENTS
#define TAG_TIMER (LTS_CTL_MAX_CLIENTS + 1)

/* Bytes written to one client per wakeup: a fast reader of a huge answer shares the loop. */
#define WRITE_SLICE (256u << 10)
/* Input read and thrown away before close (so it does not reset the answer), at most. */
#define DRAIN_MAX (64u << 10)
/* After accept() ran out of fds or memory: try again this much later, not at every wakeup. */
#define ACCEPT_PAUSE_MS 1000

static const char busy_msg[] = "control socket busy: too many clients, try again";
static const char denied_msg[] = "permission denied: only root may use the control socket";

/* An existing path: 0 once it is gone, or why it must stay. */
static int remove_stale(const struct sockaddr_un *sa)
{
	struct stat st;
	int fd, err;

	if (lstat(sa->sun_path, &st))
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	err = connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) ? -errno : 0;
	close(fd);
	if (!err)
		return -EADDRINUSE; /* someone answers: another ltsd */
	if (err != -ECONNREFUSED)
		return err;
	if (unlink(sa->sun_path) && errno != ENOENT)
		return -errno;
	pr_info("control socket: removed stale %s", sa->sun_path);
	return 0;
}

static int poll_ctl(struct lts_ctl_server *srv, int op, int fd, uint32_t events, uint32_t tag)
{
	struct epoll_event ev = { .events = events, .data.u64 = tag };

	return epoll_ctl(srv->epfd, op, fd, &ev) ? -errno : 0;
}

int lts_ctl_server_open(struct lts_ctl_server *srv, const char *path,
			const struct lts_ctl_view *view)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	mode_t old_mask;
	size_t i;
	int err;

	memset(srv, 0, sizeof(*srv));
	srv->fd = srv->epfd = srv->timerfd = -1;
	for (i = 0; i < LTS_CTL_MAX_CLIENTS; i++)
		srv->clients[i].fd = -1;
	srv->armed_ms = LTS_CTL_NO_DEADLINE;
	srv->view = *view;
	if (path[0] != '/' || strlen(path) >= sizeof(sa.sun_path))
		return -EINVAL;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	err = lts_mkdir_parent(path);
	err = err ?: remove_stale(&sa);
	if (err)
		return err;
	srv->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (srv->epfd < 0)
		return -errno;
	srv->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (srv->timerfd < 0) {
		err = -errno;
		goto fail_epoll;
	}
	srv->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (srv->fd < 0) {
		err = -errno;
		goto fail_timer;
	}
	/* Never, even briefly, a socket others may connect to. */
	old_mask = umask(0177);
	err = bind(srv->fd, (const struct sockaddr *)&sa, sizeof(sa)) ? -errno : 0;
	umask(old_mask);
	if (err)
		goto fail_close;
	err = chmod(path, 0600) || listen(srv->fd, 16) || stat(path, &st) ? -errno : 0;
	err = err ?: poll_ctl(srv, EPOLL_CTL_ADD, srv->fd, EPOLLIN, TAG_LISTEN);
	err = err ?: poll_ctl(srv, EPOLL_CTL_ADD, srv->timerfd, EPOLLIN, TAG_TIMER);
	if (err) {
		unlink(path);
		goto fail_close;
	}
	snprintf(srv->path, sizeof(srv->path), "%s", path);
	srv->dev = st.st_dev;
	srv->ino = st.st_ino;
	return 0;

fail_close:
	close(srv->fd);
	srv->fd = -1;
fail_timer:
	close(srv->timerfd);
	srv->timerfd = -1;
fail_epoll:
	close(srv->epfd);
	srv->epfd = -1;
	return err;
}

int lts_ctl_server_poll_fd(const struct lts_ctl_server *srv)
{
	return srv->fd < 0 ? -1 : srv->epfd;
}

/* ------------------------------------------------------------ clients */

/*
 * After a complete answer, unread input is drained first: close() with data
 * in the receive queue would reset the connection under the answer the
 * client has not read yet.
 */
static void sock_close(int fd, bool graceful)
{
	char drain[4096];
	size_t n = 0;
	ssize_t r;

	if (graceful) {
		while (n < DRAIN_MAX && (r = recv(fd, drain, sizeof(drain), MSG_DONTWAIT)) > 0)
			n += r;
		shutdown(fd, SHUT_WR);
	}
	close(fd); /* also leaves the epoll set: the fd was never duplicated */
}

/* Close c's connection and free its slot. */
static void client_close(struct lts_ctl_server *srv, struct lts_ctl_client *c, bool graceful)
{
	sock_close(c->fd, graceful);
	free(c->answer);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	srv->n_clients--;
}

/* c goes away without (the rest of) its answer. */
static void client_drop(struct lts_ctl_server *srv, struct lts_ctl_client *c, int err)
{
	srv->ctr.io_errors++;
	srv->ctr.timeouts += err == -ETIMEDOUT;
	pr_debug("control socket: pid %d dropped %s: %s", (int)c->pid,
		 c->state == LTS_CTL_CLIENT_READING ? "before its request" : "during its answer",
		 strerror(-err));
	client_close(srv, c, false);
}

/* Wait for events on c (level-triggered); 0 or a negative errno. */
static int client_wait(struct lts_ctl_server *srv, struct lts_ctl_client *c, uint32_t events)
{
	int err;

	if (c->events == events)
		return 0;
	err = poll_ctl(srv, c->events ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, c->fd, events,
		       (uint32_t)(c - srv->clients));
	if (!err)
		c->events = events;
	return err;
}

/*
 * Read what is there of the request line: 0 when it is complete (a newline,
 * or the client shut down its side), -EAGAIN to wait for more, -EMSGSIZE or
 * another negative errno.
 */
static int client_read(struct lts_ctl_client *c)
{
	const size_t cap = sizeof(c->req) - 1;
	ssize_t n;

	while (!memchr(c->req, '\n', c->req_len)) {
		if (c->req_len == cap)
			return -EMSGSIZE;
		n = recv(c->fd, c->req + c->req_len, cap - c->req_len, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EWOULDBLOCK ? -EAGAIN : -errno;
		if (n == 0)
			break;
		c->req_len += n;
	}
	c->req[c->req_len] = '\0';
	c->req[strcspn(c->req, "\n")] = '\0';
	return 0;
}

/* Write what the socket takes: 0 when all is sent, -EAGAIN to wait, or a negative errno. */
static int client_write(struct lts_ctl_client *c)
{
	size_t budget = WRITE_SLICE;
	ssize_t n;

	while (c->sent < c->answer_len) {
		/* Still writable: level-triggered epoll brings the loop back at once. */
		if (!budget)
			return -EAGAIN;
		n = send(c->fd, c->answer + c->sent, MIN(c->answer_len - c->sent, budget),
			 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EWOULDBLOCK ? -EAGAIN : -errno;
		c->sent += n;
		budget -= n;
	}
	return 0;
}

/* From now on c owes reading doc (ours now), within LTS_CTL_SEND_TIMEOUT_MS. */
static void client_answer(struct lts_ctl_client *c, char *doc, size_t len, bool is_answer,
			  uint64_t now_ms)
{
	c->state = LTS_CTL_CLIENT_WRITING;
	c->answer = doc;
	c->answer_len = len;
	c->sent = 0;
	c->is_answer = is_answer;
	c->deadline_ms = now_ms + LTS_CTL_SEND_TIMEOUT_MS;
}

/* {"error": msg} for c: 0, or -ENOMEM if even that cannot be rendered. */
static int client_answer_error(struct lts_ctl_client *c, const char *msg, uint64_t now_ms)
{
	size_t len;
	char *doc;
	int err;

	err = lts_ctl_render_error(msg, &doc, &len);
	if (!err)
		client_answer(c, doc, len, false, now_ms);
	return err;
}

/* The request line is in: carry it out. 0, or -ENOMEM: nothing to send. */
static int client_respond(struct lts_ctl_server *srv, struct lts_ctl_client *c, uint64_t now_ms)
{
	char shown[LTS_LOG_PEER_STR_BUF];
	struct lts_ctl_request req;
	const char *why;
	size_t len;
	char *doc;
	int err;

	if (lts_ctl_parse(c->req, &req, &why)) {
		srv->ctr.bad_requests++;
		return client_answer_error(c, why, now_ms);
	}
	/* Who changed what: the operator's actions are in the log with the client's pid. */
	if (lts_ctl_cmd_acts(req.cmd))
		pr_info("control socket: pid %d: %s", (int)c->pid,
			lts_log_peer_str(c->req, shown, sizeof(shown)));
	err = lts_ctl_execute(&srv->view, &req, now_ms, &doc, &len);
	if (err == -ENOMEM) {
		pr_warn("control socket: cannot answer \"%s\": %s",
			lts_log_peer_str(c->req, shown, sizeof(shown)), strerror(-err));
		return client_answer_error(c, strerror(-err), now_ms);
	}
	client_answer(c, doc, len, !err, now_ms);
	return 0;
}

/*
 * Take c as far as it goes without waiting: read the request, answer, close.
 * Where the socket is not ready, register interest in what is missing and
 * return: the server's epoll set brings us back.
 */
static void client_run(struct lts_ctl_server *srv, struct lts_ctl_client *c, uint64_t now_ms)
{
	int err;

	if (c->state == LTS_CTL_CLIENT_READING) {
		err = client_read(c);
		if (err == -EAGAIN) {
			err = client_wait(srv, c, EPOLLIN);
			if (err)
				client_drop(srv, c, err);
			return;
		}
		if (err == -EMSGSIZE) {
			srv->ctr.io_errors++;
			pr_debug("control socket: pid %d: request too long", (int)c->pid);
			if (client_answer_error(c, "request too long", now_ms)) {
				client_close(srv, c, false);
				return;
			}
		} else if (err) {
			client_drop(srv, c, err);
			return;
		} else if (client_respond(srv, c, now_ms)) {
			client_close(srv, c, true);
			return;
		}
	}
	err = client_write(c);
	if (err == -EAGAIN)
		err = client_wait(srv, c, EPOLLOUT);
	else if (!err && c->is_answer) {
		srv->ctr.answered++;
		pr_debug("control socket: pid %d: %s (%zu bytes)", (int)c->pid, c->req, c->answer_len);
	}
	if (err)
		client_drop(srv, c, err);
	else if (c->sent == c->answer_len)
		client_close(srv, c, true);
}

/* Rate-limited: a flood of connections must not become a flood of log lines. */
static void note_busy(struct lts_ctl_server *srv, uint64_t now_ms, const char *what)
{
	if (now_ms < srv->busy_log_ms) {
		srv->busy_quiet++;
		return;
	}
	pr_warn("control socket: %u clients at once (the limit): %s (%" PRIu64
		" more since the last warning; %" PRIu64 " turned away, %" PRIu64
		" evicted in all)", (unsigned int)LTS_CTL_MAX_CLIENTS, what, srv->busy_quiet,
		srv->ctr.busy_refused, srv->ctr.busy_evicted);
	srv->busy_quiet = 0;
	srv->busy_log_ms = now_ms + LTS_CTL_BUSY_LOG_MS;
}

/* Slots held by peer pid (connections SO_PEERCRED gave that pid). */
static unsigned int peer_slots(const struct lts_ctl_server *srv, pid_t pid)
{
	unsigned int i, n = 0;

	for (i = 0; i < LTS_CTL_MAX_CLIENTS; i++)
		n += srv->clients[i].fd >= 0 && srv->clients[i].pid == pid;
	return n;
}

/*
 * A slot for a new connection. When all are taken, a client still owing its
 * request gives up its slot: ltsctl sends its request as it connects, so
 * idle connections never keep a real request out. The victim is the oldest
 * of the peer holding the most slots: a process that floods the socket
 * evicts its own connections, not ltsctl's between its connect() and its
 * send(). NULL: every slot is sending an answer.
 */
static struct lts_ctl_client *client_slot(struct lts_ctl_server *srv, uint64_t now_ms)
{
	struct lts_ctl_client *c, *victim = NULL;
	unsigned int held, victim_held = 0;

	for (c = srv->clients; c < srv->clients + LTS_CTL_MAX_CLIENTS; c++) {
		if (c->fd < 0)
			return c;
		if (c->state != LTS_CTL_CLIENT_READING)
			continue;
		held = peer_slots(srv, c->pid);
		if (held > victim_held || (held == victim_held && c->seq < victim->seq)) {
			victim = c;
			victim_held = held;
		}
	}
	if (!victim)
		return NULL;
	srv->ctr.busy_evicted++;
	pr_debug("control socket: pid %d evicted: no request yet and the slots are full",
		 (int)victim->pid);
	note_busy(srv, now_ms, "evicted a connection without a request");
	client_close(srv, victim, false);
	return victim;
}

/* No slot: say so if the socket takes it at once (it is new: it does), and close. */
static void refuse_busy(struct lts_ctl_server *srv, int fd, uint64_t now_ms)
{
	size_t len;
	char *doc;

	srv->ctr.busy_refused++;
	note_busy(srv, now_ms, "turned a connection away");
	if (!lts_ctl_render_error(busy_msg, &doc, &len)) {
		if (send(fd, doc, len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
			pr_debug("control socket: busy answer: %s", strerror(errno));
		free(doc);
	}
	sock_close(fd, true);
}

/* A new connection in slot c: check who it is, then serve what is already there. */
static void client_start(struct lts_ctl_server *srv, struct lts_ctl_client *c, int fd,
			 uint64_t now_ms)
{
	struct ucred cred = { .pid = 0, .uid = (uid_t)-1 };
	socklen_t cl = sizeof(cred);

	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->state = LTS_CTL_CLIENT_READING;
	c->seq = srv->next_seq++;
	c->deadline_ms = now_ms + LTS_CTL_RECV_TIMEOUT_MS;
	srv->n_clients++;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl))
		cred.uid = (uid_t)-1;
	c->pid = cred.pid;
	if (cred.uid != 0) {
		srv->ctr.refused++;
		pr_warn("control socket: refused pid %d uid %u: only root may use it",
			(int)cred.pid, (unsigned int)cred.uid);
		if (client_answer_error(c, denied_msg, now_ms)) {
			client_close(srv, c, true);
			return;
		}
	}
	/* ltsctl's request is usually in already: no need to wait for epoll to say so. */
	client_run(srv, c, now_ms);
}

static void accept_batch(struct lts_ctl_server *srv, uint64_t now_ms)
{
	struct lts_ctl_client *c;
	int i, fd;

	for (i = 0; i < LTS_CTL_ACCEPT_BATCH; i++) {
		fd = accept4(srv->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			/* Logged once per cause: EMFILE would repeat at every wakeup. */
			if (errno != srv->accept_errno) {
				srv->accept_errno = errno;
				pr_warn("control socket: accept: %s", strerror(errno));
			}
			/*
			 * The connection stays pending and the listening socket readable:
			 * stop polling it for a while, or the loop would spin on it.
			 */
			if (!poll_ctl(srv, EPOLL_CTL_DEL, srv->fd, 0, 0))
				srv->accept_resume_ms = now_ms + ACCEPT_PAUSE_MS;
			return;
		}
		srv->accept_errno = 0;
		c = client_slot(srv, now_ms);
		if (c)
			client_start(srv, c, fd, now_ms);
		else
			refuse_busy(srv, fd, now_ms);
	}
}

void lts_ctl_server_handle(struct lts_ctl_server *srv, uint64_t now_ms)
{
	struct epoll_event evs[LTS_CTL_MAX_CLIENTS + 2];
	bool listen_ready = false;
	uint64_t expirations;
	int i, n;

	if (srv->fd < 0)
		return;
	n = epoll_wait(srv->epfd, evs, ARRAY_SIZE(evs), 0);
	for (i = 0; i < n; i++) {
		uint64_t tag = evs[i].data.u64;
		struct lts_ctl_client *c;

		if (tag == TAG_LISTEN) {
			listen_ready = true;
		} else if (tag == TAG_TIMER) {
			if (read(srv->timerfd, &expirations, sizeof(expirations)) < 0 &&
			    errno != EAGAIN)
				pr_debug("control socket: timer: %s", strerror(errno));
		} else if (tag < LTS_CTL_MAX_CLIENTS) {
			c = &srv->clients[tag];
			if (c->fd >= 0)
				client_run(srv, c, now_ms);
		}
	}
	/*
	 * Accept after the clients' events: a slot freed above and reused here
	 * cannot be handed an event meant for its previous owner.
	 */
	if (listen_ready)
		accept_batch(srv, now_ms);
	lts_ctl_server_tick(srv, now_ms);
}

uint64_t lts_ctl_server_next_deadline(const struct lts_ctl_server *srv)
{
	uint64_t next = srv->accept_resume_ms ?: LTS_CTL_NO_DEADLINE;
	size_t i;

	for (i = 0; i < LTS_CTL_MAX_CLIENTS; i++)
		if (srv->clients[i].fd >= 0)
			next = MIN(next, srv->clients[i].deadline_ms);
	return next;
}

static void arm_timer(struct lts_ctl_server *srv)
{
	uint64_t next = lts_ctl_server_next_deadline(srv);
	struct itimerspec its = { 0 };

	if (next == srv->armed_ms)
		return;
	if (next != LTS_CTL_NO_DEADLINE) {
		next = next ?: 1; /* 0 would disarm */
		its.it_value.tv_sec = next / 1000;
		its.it_value.tv_nsec = (next % 1000) * 1000000;
	}
	if (timerfd_settime(srv->timerfd, TFD_TIMER_ABSTIME, &its, NULL)) {
		pr_warn("control socket: timer: %s", strerror(errno));
		return;
	}
	srv->armed_ms = next;
}

void lts_ctl_server_tick(struct lts_ctl_server *srv, uint64_t now_ms)
{
	struct lts_ctl_client *c;

	if (srv->fd < 0)
		return;
	for (c = srv->clients; c < srv->clients + LTS_CTL_MAX_CLIENTS; c++)
		if (c->fd >= 0 && c->deadline_ms <= now_ms)
			client_drop(srv, c, -ETIMEDOUT);
	if (srv->accept_resume_ms && srv->accept_resume_ms <= now_ms &&
	    !poll_ctl(srv, EPOLL_CTL_ADD, srv->fd, EPOLLIN, TAG_LISTEN))
		srv->accept_resume_ms = 0;
	arm_timer(srv);
}

void lts_ctl_server_close(struct lts_ctl_server *srv)
{
	struct lts_ctl_client *c;
	struct stat st;

	if (!srv || srv->fd < 0)
		return;
	for (c = srv->clients; c < srv->clients + LTS_CTL_MAX_CLIENTS; c++)
		if (c->fd >= 0)
			client_close(srv, c, false);
	close(srv->timerfd);
	close(srv->epfd);
	close(srv->fd);
	srv->fd = srv->epfd = srv->timerfd = -1;
	/* Another ltsd may have replaced a socket it found dead: leave that one. */
	if (!lstat(srv->path, &st) && st.st_dev == srv->dev && st.st_ino == srv->ino)
		unlink(srv->path);
}
