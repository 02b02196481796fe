// SPDX-License-Identifier: GPL-2.0
/*
 * The restart store kept current (persist hooks) and adopted by the next
 * ltsd (restart.h).
 */
#define LTS_LOG_SUBSYS LTS_TRACE_TUNNEL
#include <stdio.h>
#include <string.h>
#include "lib/log.h"
#include "restart.h"

/* ------------------------------------------------------------ keeping it */

static const char *peer_name(const struct lts_ctrl_plane *cp, const struct lts_tunnel *t)
{
	if (t->lac_idx >= 0)
		return cp->cfg->lac_peers[t->lac_idx].name;
	if (t->lns_idx >= 0)
		return cp->cfg->lns_peers[t->lns_idx].name;
	return "";
}

static void tunnel_sync(void *ctx, struct lts_tunnel *t)
{
	struct lts_restart *r = ctx;
	const struct lts_ctrl_xport *x = &t->xport;
	struct lts_state_tunnel *rec;
	int slot = t->state_slot;

	if (slot < 0) {
		slot = lts_state_tunnel_alloc(r->st);
		if (slot < 0)
			return;
		rec = &r->st->tunnels[slot];
		memset(rec, 0, sizeof(*rec));
		rec->id = t->id;
		rec->peer_id = t->peer_id;
		rec->role = (uint8_t)t->role;
		rec->created_ms = t->created_ms;
		rec->ep = t->ep;
		snprintf(rec->peer_name, sizeof(rec->peer_name), "%s", peer_name(r->cp, t));
		snprintf(rec->peer_hostname, sizeof(rec->peer_hostname), "%s", t->peer_hostname);
	}
	rec = &r->st->tunnels[slot];
	rec->peer_rws = x->peer_rws;
	rec->next_sid = t->next_sid;
	rec->next_serial = t->next_serial;
	/* One aligned store: a process killed here leaves the old or the new value. */
	__atomic_store_n(&rec->seq, lts_state_seq(x->ns_next, x->nr, lts_ctrl_xport_una(x)),
			 __ATOMIC_RELEASE);
	if (t->state_slot < 0) {
		lts_state_publish(&rec->valid);
		t->state_slot = slot;
	}
}

static void tunnel_gone(void *ctx, struct lts_tunnel *t)
{
	struct lts_restart *r = ctx;

	lts_state_retire(&r->st->tunnels[t->state_slot].valid);
	t->state_slot = -1;
}

static void leg_of(const struct lts_session *s, struct lts_state_leg *leg)
{
	leg->tunnel_id = s->t->id;
	leg->session_id = s->id;
	leg->peer_session_id = s->peer_id;
	leg->serial = s->serial;
	leg->created_ms = s->created_ms;
}

static void call_up(void *ctx, const struct lts_call *c)
{
	struct lts_restart *r = ctx;
	struct lts_state_call *rec;

	if (c->stats_idx >= r->st->n_calls)
		return;
	rec = &r->st->calls[c->stats_idx];
	lts_state_retire(&rec->valid);
	rec->stats_idx = c->stats_idx;
	leg_of(c->first, &rec->leg[0]);
	leg_of(c->second, &rec->leg[1]);
	rec->up_ms = c->up_ms;
	memcpy(rec->icrq_avps, c->avps.icrq, sizeof(rec->icrq_avps));
	memcpy(rec->iccn_avps, c->avps.iccn, sizeof(rec->iccn_avps));
	rec->icrq_vendor = c->avps.icrq_vendor;
	rec->iccn_vendor = c->avps.iccn_vendor;
	snprintf(rec->rule, sizeof(rec->rule), "%s", c->pair.name);
	snprintf(rec->user, sizeof(rec->user), "%s", c->user ? c->user : "");
	rec->start_real_ms = c->acct.start_real_ms;
	lts_state_publish(&rec->valid);
}

static void call_down(void *ctx, const struct lts_call *c)
{
	struct lts_restart *r = ctx;

	if (c->stats_idx < r->st->n_calls)
		lts_state_retire(&r->st->calls[c->stats_idx].valid);
}

void lts_restart_attach(struct lts_restart *r, struct lts_state *st, struct lts_ctrl_plane *cp,
			struct lts_switch *sw)
{
	r->st = st;
	r->cp = cp;
	r->sw = sw;
	if (!lts_state_open(st))
		return;
	cp->persist = (struct lts_cp_persist_ops){ .sync = tunnel_sync, .gone = tunnel_gone,
						   .ctx = r };
	sw->persist = (struct lts_switch_persist){ .call_up = call_up, .call_down = call_down,
						   .ctx = r };
}

void lts_restart_detach(struct lts_restart *r)
{
	if (r->cp)
		memset(&r->cp->persist, 0, sizeof(r->cp->persist));
	if (r->sw)
		memset(&r->sw->persist, 0, sizeof(r->sw->persist));
}

/* ------------------------------------------------------------ adopting it */

static struct lts_tunnel *adopt_tunnel(struct lts_restart *r, int slot, bool *peer_gone)
{
	const struct lts_state_tunnel *rec = &r->st->tunnels[slot];
	const struct lts_config *cfg = r->cp->cfg;
	uint64_t seq = __atomic_load_n(&rec->seq, __ATOMIC_ACQUIRE);
	struct lts_tunnel_resume res = {
		.id = rec->id,
		.peer_id = rec->peer_id,
		.role = rec->role == LTS_ROLE_LAC ? LTS_ROLE_LAC : LTS_ROLE_LNS,
		.ep = rec->ep,
		.lac_idx = -1,
		.lns_idx = -1,
		.peer_hostname = rec->peer_hostname,
		.created_ms = rec->created_ms,
		.next_sid = rec->next_sid,
		.next_serial = rec->next_serial,
		.peer_rws = rec->peer_rws,
		.ns_next = (uint16_t)seq,
		.nr = (uint16_t)(seq >> 16),
		.una = (uint16_t)(seq >> 32),
		.state_slot = slot,
	};
	char name[LTS_CFG_NAME_MAX];

	snprintf(name, sizeof(name), "%s", rec->peer_name);
	if (res.role == LTS_ROLE_LNS)
		res.lac_idx = lts_config_lac_index(cfg, name);
	else
		res.lns_idx = lts_config_lns_index(cfg, name);
	*peer_gone = res.lac_idx < 0 && res.lns_idx < 0;
	return lts_tunnel_adopt(r->cp, &res);
}

static struct lts_session *adopt_leg(struct lts_restart *r, const struct lts_state_leg *leg,
				     enum lts_role role)
{
	struct lts_tunnel *t = r->cp->tunnels[leg->tunnel_id];

	if (!t || t->state != LTS_TUN_ESTABLISHED)
		return NULL;
	return lts_session_adopt(t, role, leg->session_id, leg->peer_session_id, leg->serial,
				 leg->created_ms);
}

static bool adopt_call(struct lts_restart *r, struct lts_state_call *rec)
{
	struct lts_session *first = adopt_leg(r, &rec->leg[0], LTS_ROLE_LNS);
	struct lts_session *second = first ? adopt_leg(r, &rec->leg[1], LTS_ROLE_LAC) : NULL;
	struct lts_cdn_info why = { .result = LTS_CDN_GENERAL_ERROR, .local = true,
				    .message = "could not be resumed after a restart" };
	struct lts_call_avps avps = { .icrq_vendor = rec->icrq_vendor,
				      .iccn_vendor = rec->iccn_vendor };
	char rule[LTS_CFG_NAME_MAX];

	if (!second) {
		if (first)
			lts_session_clear(first, &why, NULL);
		return false;
	}
	memcpy(avps.icrq, rec->icrq_avps, sizeof(avps.icrq));
	memcpy(avps.iccn, rec->iccn_avps, sizeof(avps.iccn));
	snprintf(rule, sizeof(rule), "%s", rec->rule);
	if (lts_switch_adopt_call(r->sw, first, second, rule, rec->stats_idx, rec->up_ms, &avps)) {
		lts_session_clear(first, &why, NULL);
		lts_session_clear(second, &why, NULL);
		return false;
	}
	/* Accounting goes on with the same record key and user. */
	lts_switch_adopt_acct(first->user, rec->user[0] ? rec->user : NULL, rec->start_real_ms);
	return true;
}

void lts_restart_adopt(struct lts_restart *r, struct lts_dp *dp, uint64_t now_ms,
		       struct lts_restart_report *out)
{
	struct lts_state *st = r->st;
	struct lts_tunnel *t, *next;
	char msg[LTS_CFG_NAME_MAX + 64];
	bool gone;
	uint32_t i;

	memset(out, 0, sizeof(*out));
	r->cp->now_ms = now_ms;
	for (i = 0; i < st->n_tunnels; i++) {
		if (!lts_state_valid(&st->tunnels[i].valid))
			continue;
		t = adopt_tunnel(r, (int)i, &gone);
		if (!t) {
			lts_state_retire(&st->tunnels[i].valid);
			out->tunnels_lost++;
			continue;
		}
		out->tunnels++;
		pr_info("tun %u/%u resumed: %s %s, Ns %u Nr %u%s", t->id, t->peer_id,
			t->role == LTS_ROLE_LNS ? "lac_peer" : "lns_peer",
			st->tunnels[i].peer_name, t->xport.ns_next, t->xport.nr,
			gone ? " (no longer configured: to be cleared)" : "");
	}
	for (i = 0; i < st->n_calls; i++) {
		if (!lts_state_valid(&st->calls[i].valid))
			continue;
		if (adopt_call(r, &st->calls[i])) {
			out->calls++;
			continue;
		}
		lts_state_retire(&st->calls[i].valid);
		out->calls_lost++;
	}
	out->stale_entries = lts_dp_sweep(dp);
	/* What the configuration no longer allows goes the ordinary way. */
	for (t = r->cp->all; t; t = next) {
		next = t->next;
		if (t->lac_idx >= 0 || t->lns_idx >= 0 || t->state_slot < 0)
			continue;
		snprintf(msg, sizeof(msg), "%s %s removed from the configuration",
			 t->role == LTS_ROLE_LNS ? "lac_peer" : "lns_peer",
			 st->tunnels[t->state_slot].peer_name);
		lts_switch_clear_tunnel(r->sw, t, msg, now_ms);
		out->tunnels_cleared++;
	}
}
