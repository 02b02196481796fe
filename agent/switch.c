// SPDX-License-Identifier: GPL-2.0
/*
 * The tunnel switch: binds an incoming call from a LAC to a call placed
 * on an LNS chosen by rule, relays AVPs, installs the pair in the data plane
 * once both legs are up and tears the pair down together (switch.h).
 */
#define LTS_LOG_SUBSYS LTS_TRACE_SWITCH
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include "lib/list.h"
#include "lib/log.h"
#include "lts_match.h"
#include "switch.h"

#define call_log(lvl, c, fmt, ...)                                             \
	lts_log(lvl, "call %u/%u -> %s: " fmt,                                  \
		(c)->first ? (c)->first->t->id : 0, (c)->first ? (c)->first->id : 0, \
		(c)->rule ? (c)->rule->name : "-", ##__VA_ARGS__)

int lts_switch_init(struct lts_switch *sw, const struct lts_config *cfg,
		    const struct lts_dp_ops *dp)
{
	memset(sw, 0, sizeof(*sw));
	sw->cfg = cfg;
	sw->dp = *dp;
	sw->lockout_until = calloc(cfg->n_lns_peers ?: 1, sizeof(*sw->lockout_until));
	sw->idx_used = calloc(cfg->max_sessions, 1);
	sw->rule_ctr = calloc(cfg->n_rules ?: 1, sizeof(*sw->rule_ctr));
	sw->lns_error = calloc(cfg->n_lns_peers ?: 1, sizeof(*sw->lns_error));
	if (!sw->lockout_until || !sw->idx_used || !sw->rule_ctr || !sw->lns_error) {
		lts_switch_fini(sw);
		return -ENOMEM;
	}
	/* Static sessions own the first counter slots. */
	memset(sw->idx_used, 1, cfg->n_static_sessions);
	if (getrandom(&sw->rng, sizeof(sw->rng), 0) != sizeof(sw->rng))
		sw->rng = 0x9e3779b97f4a7c15ull;
	return 0;
}

void lts_switch_attach(struct lts_switch *sw, struct lts_ctrl_plane *cp)
{
	sw->cp = cp;
}

void lts_switch_set_hooks(struct lts_switch *sw, const struct lts_switch_hooks *hooks)
{
	sw->hooks = *hooks;
}

static void call_free(struct lts_switch *sw, struct lts_call *c)
{
	LTS_LIST_UNLINK(sw->calls, c, prev, next);
	sw->n_calls--;
	free(c->icrq);
	free(c->iccn);
	free(c->user);
	free(c);
}

void lts_switch_fini(struct lts_switch *sw)
{
	while (sw->calls)
		call_free(sw, sw->calls);
	free(sw->lockout_until);
	free(sw->idx_used);
	free(sw->rule_ctr);
	free(sw->lns_error);
	sw->lockout_until = NULL;
	sw->idx_used = NULL;
	sw->rule_ctr = NULL;
	sw->lns_error = NULL;
}

/* The counters of c's rule; NULL without a rule (or counters). */
static struct lts_switch_rule_counters *rule_ctr(struct lts_switch *sw, const struct lts_call *c)
{
	return sw->rule_ctr && c->rule ? &sw->rule_ctr[c->rule - sw->cfg->rules] : NULL;
}

/* The operator drained lns_peers[idx] (ltsctl drain lns): no new call goes there. */
static bool lns_drained(const struct lts_switch *sw, size_t idx)
{
	return sw->cp->lns && sw->cp->lns[idx].drained;
}

static uint32_t rand32(struct lts_switch *sw)
{
	/* xorshift64*: weights need spread, not secrecy. */
	sw->rng ^= sw->rng >> 12;
	sw->rng ^= sw->rng << 25;
	sw->rng ^= sw->rng >> 27;
	return (uint32_t)((sw->rng * 0x2545f4914f6cdd1dull) >> 32);
}

/*
 * The next pool member to try: untried members, not drained, not locked out
 * unless every untried one is; the lowest preference among them; weighted
 * random within that preference. Returns -1 when every member was tried.
 */
static int pick_member(struct lts_switch *sw, const struct lts_call *c)
{
	const struct lts_rule *r = c->rule;
	uint64_t now = sw->cp->now_ms;
	uint32_t best_pref = UINT32_MAX, total = 0, pick;
	bool cand[LTS_RULE_POOL_MAX] = { false }, any_unlocked = false;
	size_t i;

	for (i = 0; i < r->n_pool; i++)
		if (!(c->tried & (1u << i)) && !lns_drained(sw, r->pool[i].lns_idx) &&
		    sw->lockout_until[r->pool[i].lns_idx] <= now)
			any_unlocked = true;
	for (i = 0; i < r->n_pool; i++) {
		cand[i] = !(c->tried & (1u << i)) && !lns_drained(sw, r->pool[i].lns_idx) &&
			  (!any_unlocked || sw->lockout_until[r->pool[i].lns_idx] <= now);
		if (cand[i] && r->pool[i].preference < best_pref)
			best_pref = r->pool[i].preference;
	}
	for (i = 0; i < r->n_pool; i++)
		if (cand[i] && r->pool[i].preference == best_pref)
			total += r->pool[i].weight;
	if (!total)
		return -1;
	pick = rand32(sw) % total;
	for (i = 0; i < r->n_pool; i++) {
		if (!cand[i] || r->pool[i].preference != best_pref)
			continue;
		if (pick < r->pool[i].weight)
			return i;
		pick -= r->pool[i].weight;
	}
	return -1;
}

/* Drop the AVPs the rule does not relay (draft-08 3: per-rule override). */
static void apply_policy(struct lts_relay_set *set, const struct lts_rule *r)
{
	size_t i, j = 0;

	for (i = 0; i < set->n; i++) {
		const struct lts_relay_avp *a = &set->avps[i];

		if (a->vendor == LTS_AVP_VENDOR_IETF &&
		    ((a->type == LTS_AVP_TYPE_CALLING_NUMBER &&
		      r->calling_number_policy == LTS_AVP_POLICY_DROP) ||
		     (a->type == LTS_AVP_TYPE_BEARER_TYPE &&
		      r->bearer_type_policy == LTS_AVP_POLICY_DROP)))
			continue;
		set->avps[j++] = *a;
	}
	set->n = j;
}

/* Place the second leg on the next usable pool member. 0 or -EHOSTUNREACH. */
static int dial_next(struct lts_switch *sw, struct lts_call *c)
{
	const struct lts_config *cfg = sw->cfg;
	int i;

	while ((i = pick_member(sw, c)) >= 0) {
		const struct lts_lns_peer *p = &cfg->lns_peers[c->rule->pool[i].lns_idx];
		size_t lns = c->rule->pool[i].lns_idx;
		struct lts_tunnel *t;

		c->tried |= 1u << i;
		if (p->max_sessions && sw->cp->lns[lns].n_sessions >= p->max_sessions) {
			c->busy = true;
			continue;
		}
		t = lts_cp_lns_tunnel(sw->cp, lns);
		if (!t)
			continue;
		c->member = i;
		c->second = lts_session_dial(t, c->icrq);
		if (!c->second)
			continue;
		c->second->user = c;
		call_log(LTS_LOG_INFO, c, "placing the call on lns_peer %s (tun %u, sess %u)",
			 p->name, t->id, c->second->id);
		return 0;
	}
	/* A drained member is there, only not taking calls now: "busy" (2/11). */
	for (i = 0; (size_t)i < c->rule->n_pool; i++)
		c->busy |= lns_drained(sw, c->rule->pool[i].lns_idx);
	return -EHOSTUNREACH;
}

/* The first leg's final CDN when no pool member took the call (draft-08 4). */
static void unreachable(const struct lts_call *c, struct lts_cdn_info *why)
{
	why->result = LTS_CDN_GENERAL_ERROR;
	why->error = c->busy ? LTS_ERR_NEXT_HOP_BUSY : LTS_ERR_NEXT_HOP_UNREACHABLE;
	why->local = true;
	snprintf(why->message, sizeof(why->message), "next hop %s",
		 c->busy ? "busy" : "unreachable");
}

static struct lts_call *call_new(struct lts_switch *sw, struct lts_session *first)
{
	struct lts_call *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->icrq = malloc(sizeof(*c->icrq));
	if (!c->icrq) {
		free(c);
		return NULL;
	}
	c->first = first;
	first->user = c;
	LTS_LIST_PUSH(sw->calls, c, prev, next);
	sw->n_calls++;
	return c;
}

static void call_keys(const struct lts_session *s, const struct lts_ctrl_msg *icrq,
		      struct lts_call_keys *k, char *called, char *calling, size_t cap)
{
	memset(k, 0, sizeof(*k));
	k->lac_peer_idx = s->t->lac_idx;
	k->from_lns = s->t->role == LTS_ROLE_LAC;
	k->lns_peer_idx = s->t->lns_idx;
	k->lac_hostname = s->t->peer_hostname;
	if (!lts_avp_get_string(icrq, LTS_AVP_CALLED_NUMBER, called, cap, NULL))
		k->called_number = called;
	if (!lts_avp_get_string(icrq, LTS_AVP_CALLING_NUMBER, calling, cap, NULL))
		k->calling_number = calling;
}

/* Decide (rule and first pool member) once the keys are known. */
static int route(struct lts_switch *sw, struct lts_call *c, const struct lts_call_keys *k,
		 struct lts_cdn_info *why)
{
	c->rule = lts_config_match_rule(sw->cfg, k, NULL);
	if (!c->rule && k->from_lns) {
		/*
		 * Peer roles: an LNS may not inject calls (into another ISP's
		 * LNS) unless a rule names it. The request is valid and will
		 * never succeed here: "permanent", as for OCRQ (RFC 2661 4.4.2).
		 */
		why->result = LTS_CDN_NO_FACILITIES_PERM;
		why->error = 0;
		snprintf(why->message, sizeof(why->message),
			 "calls from lns_peer %.50s are not allowed",
			 sw->cfg->lns_peers[k->lns_peer_idx].name);
		return -EPERM;
	}
	if (!c->rule) {
		why->result = LTS_CDN_GENERAL_ERROR;
		why->error = LTS_ERR_NEXT_HOP_UNREACHABLE;
		snprintf(why->message, sizeof(why->message), "no rule for this call");
		return -ENOENT;
	}
	apply_policy(c->icrq, c->rule);
	if (rule_ctr(sw, c))
		rule_ctr(sw, c)->hits++;
	if (dial_next(sw, c)) {
		unreachable(c, why);
		if (rule_ctr(sw, c))
			rule_ctr(sw, c)->failures++;
		return -EHOSTUNREACH;
	}
	return 0;
}

/* The ICRQ AVPs to relay; TSA IDs that cannot all be copied are all dropped (draft-08 3). */
static int collect_icrq(struct lts_switch *sw, struct lts_call *c, const struct lts_ctrl_msg *icrq)
{
	struct lts_relay_policy pol = { .tsa_id = sw->cfg->tsa_id };

	if (!lts_relay_collect(c->icrq, icrq, LTS_RELAY_ICRQ, &pol))
		return 0;
	pol.drop_tsa_ids = true;
	call_log(LTS_LOG_WARN, c, "TSA ID stack does not fit: dropping it");
	return lts_relay_collect(c->icrq, icrq, LTS_RELAY_ICRQ, &pol);
}

/* Hook: an ICRQ from a LAC passed the control plane's checks. */
static int on_incoming_call(void *ctx, struct lts_session *s, const struct lts_ctrl_msg *icrq,
			    struct lts_cdn_info *why)
{
	char called[256], calling[256];
	struct lts_switch *sw = ctx;
	struct lts_call_keys k;
	struct lts_call *c;
	bool need_iccn = false;

	why->local = true;
	if (lts_relay_tsa_loop(icrq, sw->cfg->tsa_id)) {
		/* draft-08 4: our own TSA ID in the stack: a switching loop. */
		sw->ctr.loops_detected++;
		why->result = LTS_CDN_LOOP_DETECTED;
		why->error = 0;
		snprintf(why->message, sizeof(why->message), "Loop Detected");
		return -ELOOP;
	}
	c = call_new(sw, s);
	if (!c || collect_icrq(sw, c, icrq)) {
		/* Our own limits: TSA busy (draft-08 4). */
		why->result = LTS_CDN_GENERAL_ERROR;
		why->error = LTS_ERR_TSA_BUSY;
		snprintf(why->message, sizeof(why->message), "switch busy");
		if (c) {
			s->user = NULL;
			call_free(sw, c);
		}
		return -ENOMEM;
	}
	call_keys(s, icrq, &k, called, calling, sizeof(called));
	lts_config_match_rule(sw->cfg, &k, &need_iccn);
	if (need_iccn)
		return 0; /* answer now; the rule needs Proxy Authen Name (ICCN) */
	if (route(sw, c, &k, why)) {
		sw->ctr.calls_refused++;
		s->user = NULL;
		call_free(sw, c);
		return -1;
	}
	return 1; /* hold ICRP until the LNS answers: failures become a plain CDN */
}

/* Hook: the LNS answered our ICRQ (second leg). */
static void on_call_answered(void *ctx, struct lts_session *s, const struct lts_ctrl_msg *icrp)
{
	struct lts_call *c = s->user;

	(void)ctx;
	(void)icrp;
	if (!c || !c->first)
		return;
	if (c->first->state == LTS_SESS_WAIT_ANSWER)
		lts_session_answer(c->first); /* the LAC sends ICCN next */
	else if (c->iccn)
		lts_session_connect(s, c->iccn); /* decided at ICCN: relay it now */
}

/*
 * A failure of the switch itself (no counter slot, table full): both legs
 * get CDN 2/12 "TSA busy" and no pool member is blamed (draft-08 4).
 */
static void abort_call(struct lts_switch *sw, struct lts_call *c, const char *msg)
{
	struct lts_cdn_info why = { .result = LTS_CDN_GENERAL_ERROR, .error = LTS_ERR_TSA_BUSY,
				    .local = true };
	struct lts_session *legs[2] = { c->second, c->first };
	int i;

	snprintf(why.message, sizeof(why.message), "%s", msg);
	call_log(LTS_LOG_WARN, c, "%s: clearing both legs", msg);
	if (rule_ctr(sw, c))
		rule_ctr(sw, c)->failures++;
	c->first = c->second = NULL;
	for (i = 0; i < 2; i++) {
		if (!legs[i])
			continue;
		legs[i]->user = NULL;
		lts_session_clear(legs[i], &why, NULL);
	}
	call_free(sw, c);
}

static int alloc_stats_idx(struct lts_switch *sw, uint32_t *out)
{
	uint32_t i, max = sw->cfg->max_sessions;

	for (i = 0; i < max; i++) {
		uint32_t idx = (sw->idx_cursor + i) % max;

		if (!sw->idx_used[idx]) {
			sw->idx_used[idx] = 1;
			sw->idx_cursor = idx + 1;
			*out = idx;
			return 0;
		}
	}
	return -ENOSPC;
}

static void avps_of(const struct lts_relay_set *set, uint64_t bits[2], uint8_t *vendor)
{
	size_t i;

	for (i = 0; set && i < set->n; i++) {
		const struct lts_relay_avp *a = &set->avps[i];

		if (a->vendor == LTS_AVP_VENDOR_IETF && a->type < 128)
			bits[a->type / 64] |= 1ull << (a->type % 64);
		else if (*vendor < UINT8_MAX)
			(*vendor)++;
	}
}

void lts_switch_call_avps(const struct lts_call *c, struct lts_call_avps *out)
{
	if (c->installed) {
		*out = c->avps;
		return;
	}
	memset(out, 0, sizeof(*out));
	avps_of(c->icrq, out->icrq, &out->icrq_vendor);
	avps_of(c->iccn, out->iccn, &out->iccn_vendor);
}

/* c is installed: what ltsctl keeps of it once its relay sets are freed. */
static void note_setup(struct lts_switch *sw, struct lts_call *c)
{
	uint64_t sec = sw->cp->now_ms / 1000;
	size_t slot = sec % LTS_SWITCH_RATE_SLOTS;

	memset(&c->avps, 0, sizeof(c->avps));
	avps_of(c->icrq, c->avps.icrq, &c->avps.icrq_vendor);
	avps_of(c->iccn, c->avps.iccn, &c->avps.iccn_vendor);
	if (rule_ctr(sw, c))
		rule_ctr(sw, c)->switched++;
	if (sw->rate_sec[slot] != sec) {
		sw->rate_sec[slot] = sec;
		sw->rate_n[slot] = 0;
	}
	sw->rate_n[slot]++;
}

uint64_t lts_switch_setups(const struct lts_switch *sw, uint64_t now_ms, uint32_t window_s)
{
	uint64_t sec = now_ms / 1000, n = 0;
	size_t i;

	if (window_s > LTS_SWITCH_RATE_SLOTS)
		window_s = LTS_SWITCH_RATE_SLOTS;
	for (i = 0; i < LTS_SWITCH_RATE_SLOTS; i++)
		if (sw->rate_sec[i] <= sec && sec - sw->rate_sec[i] < window_s && sw->rate_n[i])
			n += sw->rate_n[i];
	return n;
}

static void fill_pair(struct lts_call *c);

static void install(struct lts_switch *sw, struct lts_call *c)
{
	struct lts_static_session *p = &c->pair;
	int err;

	if (alloc_stats_idx(sw, &c->stats_idx)) {
		abort_call(sw, c, "switch table full");
		return;
	}
	fill_pair(c);
	err = sw->dp.install(sw->dp.ctx, p, c->stats_idx);
	if (err) {
		sw->idx_used[c->stats_idx] = 0;
		abort_call(sw, c, "cannot install the pair in the switch table");
		return;
	}
	c->installed = true;
	c->up_ms = sw->cp->now_ms;
	sw->ctr.calls_switched++;
	note_setup(sw, c);
	free(c->icrq);
	free(c->iccn);
	c->icrq = c->iccn = NULL;
	if (sw->persist.call_up)
		sw->persist.call_up(sw->persist.ctx, c);
	call_log(LTS_LOG_INFO, c, "switched: tun %u/%u sess %u/%u <-> tun %u/%u sess %u/%u "
		 "(counters [%u])", p->a.tunnel_id, p->a.peer_tunnel_id, p->a.session_id,
		 p->a.peer_session_id, p->b.tunnel_id, p->b.peer_tunnel_id, p->b.session_id,
		 p->b.peer_session_id, c->stats_idx);
	if (sw->hooks.call_up)
		sw->hooks.call_up(sw->hooks.ctx, c);
}

/* What the data plane gets for c: both legs' addresses, ports and IDs. */
static void fill_pair(struct lts_call *c)
{
	struct lts_static_session *p = &c->pair;
	const struct lts_session *legs[2] = { c->first, c->second };
	struct lts_static_leg *out[2] = { &p->a, &p->b };
	uint32_t i;

	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", c->rule ? c->rule->name : "");
	for (i = 0; i < 2; i++) {
		const struct lts_tunnel *t = legs[i]->t;

		out[i]->local = t->ep.local;
		out[i]->peer = t->ep.peer;
		out[i]->local_port = t->ep.local_port;
		out[i]->peer_port = t->ep.peer_port;
		out[i]->tunnel_id = t->id;
		out[i]->session_id = legs[i]->id;
		out[i]->peer_tunnel_id = t->peer_id;
		out[i]->peer_session_id = legs[i]->peer_id;
		out[i]->dscp = -1;
		if (c->rule) { /* the rule's marking and policing, both directions */
			out[i]->dscp = c->rule->dscp;
			out[i]->dscp_copy = c->rule->dscp_copy;
			out[i]->police = c->rule->police;
		}
	}
	p->stats_idx = c->stats_idx;
}

/* Hook: a leg is established. */
static void on_session_up(void *ctx, struct lts_session *s, const struct lts_ctrl_msg *m)
{
	struct lts_relay_policy pol = { 0 };
	struct lts_switch *sw = ctx;
	struct lts_call *c = s->user;
	char called[256], calling[256], user[256] = "";
	struct lts_cdn_info why = { 0 };
	struct lts_call_keys k;

	if (!c)
		return;
	if (s == c->second) {
		install(sw, c);
		return;
	}
	/* The LAC's ICCN: carry it to the second leg. Its user name stays with the call. */
	if (lts_relay_user(m, user, sizeof(user)))
		c->user = strdup(user); /* NULL (no memory): the records lack the name */
	else
		user[0] = '\0';
	c->iccn = malloc(sizeof(*c->iccn));
	if (!c->iccn || lts_relay_collect(c->iccn, m, LTS_RELAY_ICCN, &pol)) {
		why = (struct lts_cdn_info){ .result = LTS_CDN_GENERAL_ERROR,
					     .error = LTS_ERR_TSA_BUSY, .local = true,
					     .message = "switch busy" };
		lts_session_clear(s, &why, NULL);
		return;
	}
	if (c->second) {
		if (c->second->state == LTS_SESS_WAIT_RELAY)
			lts_session_connect(c->second, c->iccn);
		return;
	}
	/* Decided at ICCN: the rule needed Proxy Authen Name. */
	memset(&k, 0, sizeof(k));
	k.lac_peer_idx = s->t->lac_idx;
	k.from_lns = s->t->role == LTS_ROLE_LAC;
	k.lns_peer_idx = s->t->lns_idx;
	k.lac_hostname = s->t->peer_hostname;
	called[0] = calling[0] = '\0';
	k.user = user;
	/* Called/Calling Number came in the ICRQ: read them from the relay set. */
	for (size_t i = 0; i < c->icrq->n; i++) {
		const struct lts_relay_avp *a = &c->icrq->avps[i];
		char *dst = a->type == LTS_AVP_TYPE_CALLED_NUMBER ? called :
			    a->type == LTS_AVP_TYPE_CALLING_NUMBER ? calling : NULL;

		if (!dst || a->vendor != LTS_AVP_VENDOR_IETF || a->len >= 256)
			continue;
		memcpy(dst, c->icrq->buf + a->off, a->len);
		dst[a->len] = '\0';
		if (dst == called)
			k.called_number = called;
		else
			k.calling_number = calling;
	}
	if (route(sw, c, &k, &why)) {
		sw->ctr.calls_refused++;
		lts_session_clear(s, &why, NULL);
	}
}

/* Peer CDN codes after which another pool member is worth trying. */
static bool worth_failover(const struct lts_cdn_info *why, bool *busy)
{
	*busy = why->result == LTS_CDN_NO_FACILITIES_TEMP ||
		why->result == LTS_CDN_NO_FACILITIES_PERM ||
		(why->result == LTS_CDN_GENERAL_ERROR && (why->error == LTS_ERR_RESOURCES ||
							  why->error == LTS_ERR_TSA_BUSY));
	if (why->local)
		return true; /* tunnel lost, no answer */
	/* REFERENCE 1.3: "no facilities" means busy; alternates come first. */
	if (why->result == LTS_CDN_NO_FACILITIES_TEMP || why->result == LTS_CDN_NO_FACILITIES_PERM)
		return true;
	return why->result == LTS_CDN_GENERAL_ERROR &&
	       (why->error == LTS_ERR_NO_CONTROL_CONN || why->error == LTS_ERR_RESOURCES ||
		why->error == LTS_ERR_VENDOR || why->error == LTS_ERR_TRY_ANOTHER ||
		why->error == LTS_ERR_TRY_ANOTHER_DIRECTED || why->error == LTS_ERR_TSA_BUSY);
}

/* What locked lns_peers[lns] out, for ltsctl show peers. */
static void note_lns_error(struct lts_switch *sw, size_t lns, const struct lts_cdn_info *why)
{
	struct lts_switch_peer_error *e = sw->lns_error ? &sw->lns_error[lns] : NULL;

	if (!e)
		return;
	e->at_ms = sw->cp->now_ms ?: 1;
	e->result = why->result;
	e->error = why->error;
	snprintf(e->message, sizeof(e->message), "%s", why->message);
}

/* end: why, for the observer (which reads the call's counters before they go). */
static void uninstall(struct lts_switch *sw, struct lts_call *c, const struct lts_call_end *end)
{
	if (!c->installed)
		return;
	if (sw->hooks.call_down)
		sw->hooks.call_down(sw->hooks.ctx, c, end);
	if (sw->persist.call_down)
		sw->persist.call_down(sw->persist.ctx, c);
	/* Entries go before any CDN leaves: no frame follows a dead session. */
	sw->dp.remove(sw->dp.ctx, &c->pair);
	sw->idx_used[c->stats_idx] = 0;
	c->installed = false;
}

/* Hook: a leg went down (CDN either way, or its tunnel). */
static void on_session_down(void *ctx, struct lts_session *s, const struct lts_cdn_info *why,
			    const struct lts_ctrl_msg *m)
{
	struct lts_relay_policy pol = { 0 };
	struct lts_switch *sw = ctx;
	struct lts_call *c = s->user;
	struct lts_relay_set extra = { 0 };
	struct lts_cdn_info out = *why;
	struct lts_session *other;
	struct lts_call_end end;
	bool busy;

	if (!c)
		return;
	end = (struct lts_call_end){ .by = s == c->first ? LTS_CALL_END_LAC : LTS_CALL_END_LNS,
				     .why = why, .lac = c->first, .lns = c->second };
	s->user = NULL;
	if (m)
		lts_relay_collect(&extra, m, LTS_RELAY_CDN, &pol);
	if (s == c->second) {
		c->second = NULL;
		if (!c->installed && c->first && worth_failover(why, &busy)) {
			size_t lns = c->rule->pool[c->member].lns_idx;

			c->busy |= busy;
			sw->lockout_until[lns] = sw->cp->now_ms + sw->cfg->lockout_s * 1000ull;
			call_log(LTS_LOG_INFO, c, "lns_peer %s failed (%u/%u %s): locked out for %u s",
				 sw->cfg->lns_peers[lns].name, why->result, why->error,
				 why->message, sw->cfg->lockout_s);
			note_lns_error(sw, lns, why);
			sw->ctr.failovers++;
			if (rule_ctr(sw, c))
				rule_ctr(sw, c)->failovers++;
			if (!dial_next(sw, c))
				return;
			unreachable(c, &out);
		}
		/* The LNS leg ended before the pair was up: the call failed. */
		if (!c->installed && c->first && rule_ctr(sw, c))
			rule_ctr(sw, c)->failures++;
		other = c->first;
		c->first = NULL;
		/* The LNS tunnel went (StopCCN, no answer): the next hop is gone. */
		if (why->result == LTS_CDN_GENERAL_ERROR && why->error == LTS_ERR_NO_CONTROL_CONN)
			out.error = LTS_ERR_NEXT_HOP_UNREACHABLE;
	} else {
		other = c->second;
		c->second = NULL;
		c->first = NULL;
	}
	uninstall(sw, c, &end);
	if (other) {
		other->user = NULL;
		out.local = true;
		lts_session_clear(other, &out, extra.n ? &extra : NULL);
	}
	call_free(sw, c);
}

/*
 * Token bucket of a call's WEN/SLI relay: true if one more may go. Whole
 * tokens only: the remainder of a partial interval is dropped (the rate
 * errs low, never high).
 */
static bool info_budget(struct lts_switch *sw, struct lts_call *c)
{
	uint64_t now = sw->cp->now_ms;
	uint64_t refill = c->info_ms ? (now - c->info_ms) * LTS_SWITCH_INFO_RATE / 1000
				     : LTS_SWITCH_INFO_BURST;

	if (refill) {
		c->info_tokens = c->info_tokens + refill > LTS_SWITCH_INFO_BURST
					 ? LTS_SWITCH_INFO_BURST
					 : (uint32_t)(c->info_tokens + refill);
		c->info_ms = now;
	}
	if (!c->info_tokens)
		return false;
	c->info_tokens--;
	return true;
}

/* Hook: WEN or SLI on one leg goes to the other (draft-08 3). */
static void on_session_info(void *ctx, struct lts_session *s, const struct lts_ctrl_msg *m)
{
	struct lts_switch *sw = ctx;
	struct lts_relay_policy pol = { 0 };
	struct lts_call *c = s->user;
	struct lts_relay_set set;
	struct lts_session *other;

	if (!c)
		return;
	if (!info_budget(sw, c)) {
		sw->ctr.info_dropped++;
		return;
	}
	other = s == c->first ? c->second : c->first;
	if (!other || lts_relay_collect(&set, m, m->type == LTS_CTRL_WEN ? LTS_RELAY_WEN
									: LTS_RELAY_SLI, &pol))
		return;
	lts_session_send_info(other, m->type, &set);
}

/* Hook: data keeps a tunnel alive as much as control (RFC 2661 5.5). */
static uint64_t on_last_rx_data(void *ctx, struct lts_tunnel *t)
{
	struct lts_switch *sw = ctx;
	const struct lts_session *s;
	uint64_t last = 0, v;

	for (s = t->sessions; s; s = s->next) {
		const struct lts_call *c = s->user;

		if (!c || !c->installed)
			continue;
		v = sw->dp.last_rx_ms(sw->dp.ctx, c->stats_idx);
		if (v > last)
			last = v;
	}
	return last;
}

/*
 * Operator: the pair out of the data plane first, then a CDN on each leg
 * but those on tunnel skip (it is about to get its StopCCN). Nothing here
 * frees a session of skip: a caller may walk its list meanwhile. Returns
 * the number of CDNs due.
 */
static int clear_call(struct lts_switch *sw, struct lts_call *c, const struct lts_cdn_info *why,
		      const struct lts_tunnel *skip)
{
	struct lts_session *legs[2] = { c->first, c->second };
	const struct lts_call_end end = { .by = LTS_CALL_END_OPERATOR, .why = why,
					  .lac = c->first, .lns = c->second };
	int i, n = 0;

	call_log(LTS_LOG_INFO, c, "cleared by the operator (%s)", why->message);
	uninstall(sw, c, &end);
	c->first = c->second = NULL;
	for (i = 0; i < 2; i++) {
		if (!legs[i])
			continue;
		legs[i]->user = NULL;
		if (legs[i]->t == skip)
			continue;
		lts_session_clear(legs[i], why, NULL);
		n++;
	}
	sw->ctr.calls_cleared++;
	call_free(sw, c);
	return n;
}

int lts_switch_clear_session(struct lts_switch *sw, struct lts_session *s, const char *msg,
			     uint64_t now_ms)
{
	struct lts_cdn_info why = { .result = LTS_CDN_ADMIN, .local = true };

	if (s->state == LTS_SESS_DEAD)
		return -EALREADY;
	s->t->cp->now_ms = now_ms; /* an operator request is an event like a packet */
	snprintf(why.message, sizeof(why.message), "%s", msg);
	if (s->user)
		return clear_call(sw, s->user, &why, NULL);
	lts_session_clear(s, &why, NULL);
	return 1;
}

int lts_switch_clear_tunnel(struct lts_switch *sw, struct lts_tunnel *t, const char *msg,
			    uint64_t now_ms)
{
	struct lts_cdn_info why = { .result = LTS_CDN_ADMIN, .local = true };
	struct lts_session *s;
	int n = 0, err;

	if (t->state == LTS_TUN_CLOSING || t->state == LTS_TUN_DEAD)
		return -EALREADY;
	t->cp->now_ms = now_ms;
	snprintf(why.message, sizeof(why.message), "%s", msg);
	/* clear_call() frees no session of t: the walk stays valid. */
	for (s = t->sessions; s; s = s->next) {
		if (!s->user)
			continue;
		clear_call(sw, s->user, &why, t);
		n++;
	}
	err = lts_cp_clear_tunnel(t->cp, t, msg, now_ms);
	return err ? err : n;
}

/* ------------------------------------------------------------ restart */

int lts_switch_adopt_call(struct lts_switch *sw, struct lts_session *first,
			  struct lts_session *second, const char *rule, uint32_t stats_idx,
			  uint64_t up_ms, const struct lts_call_avps *avps)
{
	struct lts_call *c;
	int j, err;

	if (stats_idx >= sw->cfg->max_sessions || sw->idx_used[stats_idx])
		return -EEXIST;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->first = first;
	c->second = second;
	first->user = second->user = c;
	j = lts_config_rule_index(sw->cfg, rule);
	c->rule = j >= 0 ? &sw->cfg->rules[j] : NULL;
	c->stats_idx = stats_idx;
	c->up_ms = up_ms;
	c->avps = *avps;
	fill_pair(c);
	snprintf(c->pair.name, sizeof(c->pair.name), "%s", rule);
	/* Counters go on from where they were: the frames never stopped. */
	err = (sw->dp.adopt ?: sw->dp.install)(sw->dp.ctx, &c->pair, stats_idx);
	if (err) {
		first->user = second->user = NULL;
		free(c);
		return err;
	}
	sw->idx_used[stats_idx] = 1;
	c->installed = true;
	LTS_LIST_PUSH(sw->calls, c, prev, next);
	sw->n_calls++;
	return 0;
}

void lts_switch_adopt_acct(struct lts_call *c, const char *user, uint64_t start_real_ms)
{
	free(c->user);
	c->user = user ? strdup(user) : NULL;
	c->acct.start_real_ms = start_real_ms;
}

/* ------------------------------------------------------------ reload */

#define SWAP_PTR(a, b)                                                         \
	do {                                                                   \
		__typeof__(a) tmp_ = (a);                                      \
		(a) = (b);                                                     \
		(b) = tmp_;                                                    \
	} while (0)

/* The name of t's peer, if new_cfg no longer has it; else NULL. */
static const char *removed_peer(const struct lts_config *old, const struct lts_config *new_cfg,
				const struct lts_tunnel *t, const char **kind)
{
	const char *name = NULL;

	if (t->lac_idx >= 0) {
		*kind = "lac_peer";
		name = old->lac_peers[t->lac_idx].name;
		return lts_config_lac_index(new_cfg, name) < 0 ? name : NULL;
	}
	if (t->lns_idx >= 0) {
		*kind = "lns_peer";
		name = old->lns_peers[t->lns_idx].name;
		return lts_config_lns_index(new_cfg, name) < 0 ? name : NULL;
	}
	return NULL;
}

/* Tunnels of peers that are gone: each call's other leg gets CDN 3, the tunnel StopCCN 1. */
static void clear_removed_peers(struct lts_switch *sw, const struct lts_config *new_cfg,
				uint64_t now_ms)
{
	struct lts_tunnel *t, *next;
	char msg[LTS_CFG_NAME_MAX + 64];
	const char *kind = "", *name;

	for (t = sw->cp->all; t; t = next) {
		next = t->next; /* a cleared tunnel stays listed (CLOSING) until reaped */
		name = removed_peer(sw->cfg, new_cfg, t, &kind);
		if (!name || t->state == LTS_TUN_CLOSING || t->state == LTS_TUN_DEAD)
			continue;
		snprintf(msg, sizeof(msg), "%s %s removed from the configuration", kind, name);
		if (t->state == LTS_TUN_ESTABLISHED)
			lts_switch_clear_tunnel(sw, t, msg, now_ms);
		else
			lts_tunnel_drop(t, msg); /* no handshake completed: nothing to tell */
	}
}

/*
 * Static sessions by name: an unchanged one keeps its entries and counter
 * slot; a removed or changed one leaves the data plane, a new or changed
 * one is installed in a slot of its own.
 */
static void reload_static(struct lts_switch *sw, struct lts_config *new_cfg)
{
	const struct lts_config *old = sw->cfg;
	size_t i;
	int j, err;

	for (i = 0; i < old->n_static_sessions; i++) {
		const struct lts_static_session *o = &old->static_sessions[i];

		j = lts_config_static_index(new_cfg, o->name);
		if (j >= 0 && lts_static_session_equal(o, &new_cfg->static_sessions[j]))
			continue;
		sw->dp.remove(sw->dp.ctx, o);
		sw->idx_used[o->stats_idx] = 0;
		pr_info("static session %s: %s", o->name, j >= 0 ? "changed" : "removed");
	}
	for (i = 0; i < new_cfg->n_static_sessions; i++) {
		struct lts_static_session *n = &new_cfg->static_sessions[i];

		j = lts_config_static_index(old, n->name);
		if (j >= 0 && lts_static_session_equal(n, &old->static_sessions[j])) {
			n->stats_idx = old->static_sessions[j].stats_idx;
			continue;
		}
		err = alloc_stats_idx(sw, &n->stats_idx);
		err = err ?: sw->dp.install(sw->dp.ctx, n, n->stats_idx);
		if (err) {
			pr_err("static session %s: cannot install: %s", n->name, strerror(-err));
			continue;
		}
		pr_info("static session %s: tun %u/%u <-> tun %u/%u installed (counters [%u])",
			n->name, n->a.tunnel_id, n->a.session_id, n->b.tunnel_id, n->b.session_id,
			n->stats_idx);
	}
}

/* Calls follow their rule by name; one still being set up goes if its rule went. */
static void reload_calls(struct lts_switch *sw, const struct lts_config *new_cfg)
{
	struct lts_call *c, *next;
	int j;

	for (c = sw->calls; c; c = next) {
		next = c->next;
		if (!c->rule)
			continue;
		j = lts_config_rule_index(new_cfg, c->rule->name);
		if (j < 0 && !c->installed) {
			abort_call(sw, c, "its rule was removed from the configuration");
			continue;
		}
		if (j >= 0 && !c->installed) {
			const struct lts_rule *r = &new_cfg->rules[j];
			size_t lns = c->rule->pool[c->member].lns_idx, m;

			/* The member being dialled, in the new pool; failover starts over. */
			c->tried = 0;
			for (m = 0; m < r->n_pool; m++)
				if (!strcmp(new_cfg->lns_peers[r->pool[m].lns_idx].name,
					    sw->cfg->lns_peers[lns].name))
					break;
			c->member = m < r->n_pool ? m : 0;
			c->tried = 1u << c->member;
		}
		c->rule = j >= 0 ? &new_cfg->rules[j] : NULL; /* pair.name keeps the old name */
	}
}

int lts_switch_reconfigure(struct lts_switch *sw, struct lts_config *new_cfg, uint64_t now_ms)
{
	const struct lts_config *old = sw->cfg;
	uint64_t *lockout = calloc(new_cfg->n_lns_peers ?: 1, sizeof(*lockout));
	struct lts_switch_rule_counters *rc = calloc(new_cfg->n_rules ?: 1, sizeof(*rc));
	struct lts_switch_peer_error *le = calloc(new_cfg->n_lns_peers ?: 1, sizeof(*le));
	size_t i;
	int j, err = -ENOMEM;

	if (!lockout || !rc || !le)
		goto out;
	sw->cp->now_ms = now_ms;
	clear_removed_peers(sw, new_cfg, now_ms);
	reload_calls(sw, new_cfg);
	reload_static(sw, new_cfg);
	err = lts_cp_reconfigure(sw->cp, new_cfg);
	if (err)
		goto out;
	for (i = 0; i < new_cfg->n_lns_peers; i++) {
		j = lts_config_lns_index(old, new_cfg->lns_peers[i].name);
		if (j >= 0) {
			lockout[i] = sw->lockout_until[j];
			if (sw->lns_error)
				le[i] = sw->lns_error[j];
		}
	}
	for (i = 0; i < new_cfg->n_rules && sw->rule_ctr; i++) {
		j = lts_config_rule_index(old, new_cfg->rules[i].name);
		if (j >= 0)
			rc[i] = sw->rule_ctr[j];
	}
	/* Swapped: the old arrays are freed below. */
	SWAP_PTR(sw->lockout_until, lockout);
	SWAP_PTR(sw->rule_ctr, rc);
	SWAP_PTR(sw->lns_error, le);
	sw->cfg = new_cfg;
out:
	free(lockout);
	free(rc);
	free(le);
	return err;
}

void lts_switch_cp_ops(struct lts_ctrl_plane_ops *ops)
{
	memset(ops, 0, sizeof(*ops));
	ops->incoming_call = on_incoming_call;
	ops->call_answered = on_call_answered;
	ops->session_up = on_session_up;
	ops->session_down = on_session_down;
	ops->session_info = on_session_info;
	ops->last_rx_data_ms = on_last_rx_data;
}
