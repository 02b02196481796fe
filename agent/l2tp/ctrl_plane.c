// SPDX-License-Identifier: GPL-2.0
/*
 * The control-plane registry: admits new tunnels (SCCRQ), demultiplexes
 * control packets to tunnels by our Tunnel ID, dials lns_peers, drives the
 * transports' timers and frees dead tunnels at safe points (never inside a
 * tunnel's own callbacks).
 */
#define LTS_LOG_SUBSYS LTS_TRACE_TUNNEL
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/random.h>
#include "ctrl_plane.h"
#include "lib/list.h"
#include "lib/log.h"
#include "lts_match.h"

int lts_cp_init(struct lts_ctrl_plane *cp, const struct lts_config *cfg,
		const struct lts_ctrl_output *out, const struct lts_ctrl_plane_ops *ops, void *ctx,
		uint64_t now_ms)
{
	size_t i;

	memset(cp, 0, sizeof(*cp));
	cp->cfg = cfg;
	cp->out = *out;
	cp->ops = *ops;
	cp->ctx = ctx;
	cp->now_ms = now_ms;
	cp->tunnels = calloc(LTS_TUNNEL_ID_SPACE, sizeof(*cp->tunnels));
	cp->lns = calloc(cfg->n_lns_peers ?: 1, sizeof(*cp->lns));
	cp->lac = calloc(cfg->n_lac_peers ?: 1, sizeof(*cp->lac));
	/* Room beyond the limit: refused calls exist briefly to carry their CDN. */
	if (!cp->tunnels || !cp->lns || !cp->lac ||
	    lts_hashtab_init(&cp->sessions_by_id, sizeof(struct lts_session_ref),
			     sizeof(uint32_t), cfg->limits.max_sessions + 2 * LTS_SESSION_SLACK)) {
		lts_cp_fini(cp);
		return -ENOMEM;
	}
	/* Unpredictable IDs make blind injection into a tunnel harder. */
	if (getrandom(&cp->tid_rng, sizeof(cp->tid_rng), 0) != sizeof(cp->tid_rng))
		cp->tid_rng = now_ms;
	cp->tid_rng |= 1; /* xorshift never leaves 0 */
	cp->ooo_pool.max = LTS_CTRL_OOO_POOL_DEFAULT;
	for (i = 0; i < cfg->n_lns_peers; i++)
		if (cfg->lns_peers[i].tunnel == LTS_TUNNEL_PERSISTENT)
			cp->lns[i].redial_ms = now_ms; /* at the first tick */
	return 0;
}

void lts_cp_fini(struct lts_ctrl_plane *cp)
{
	cp->shutting_down = true; /* hooks must not dial while everything goes */
	while (cp->all)
		lts_tunnel_free(cp->all);
	lts_hashtab_fini(&cp->sessions_by_id);
	free(cp->tunnels);
	free(cp->lns);
	free(cp->lac);
	cp->tunnels = NULL;
	cp->lns = NULL;
	cp->lac = NULL;
}

static struct lts_tunnel *dial_lns(struct lts_ctrl_plane *cp, size_t idx)
{
	const struct lts_lns_peer *p = &cp->cfg->lns_peers[idx];
	struct lts_ctrl_endpoint ep = {
		.peer = p->address,
		.peer_port = p->port,
		.local = p->local,
		.local_port = cp->cfg->l2tp_ports[0],
	};
	struct lts_tunnel *t = lts_tunnel_new(cp, LTS_ROLE_LAC, &ep);

	cp->lns[idx].redial_ms = 0;
	if (!t) {
		lts_log(LTS_LOG_WARN, "lns_peer %s: cannot open a tunnel: no tunnel ID or memory",
			p->name);
		return NULL;
	}
	/* Listed before anything can fail: lts_tunnel_free() unlists it. */
	t->lns_idx = idx;
	LTS_LIST_PUSH(cp->lns[idx].tunnels, t, lns_prev, lns_next);
	cp->lns[idx].n_tunnels++;
	if (lts_tunnel_start(t)) {
		lts_tunnel_free(t);
		return NULL;
	}
	cp->ctr.tunnels_opened++;
	lts_log(LTS_LOG_INFO, "tun %u: dialling lns_peer %s (%s tunnel)", t->id, p->name,
		lts_tunnel_mode_name(p->tunnel));
	lts_tunnel_open(t);
	return t;
}

static bool lns_tunnel_live(const struct lts_tunnel *t)
{
	return t->state != LTS_TUN_CLOSING && t->state != LTS_TUN_DEAD;
}

struct lts_tunnel *lts_cp_lns_tunnel(struct lts_ctrl_plane *cp, size_t idx)
{
	uint32_t room = cp->cfg->lns_peers[idx].max_sessions_per_tunnel;
	struct lts_tunnel *t;

	for (t = cp->lns[idx].tunnels; t; t = t->lns_next)
		if (lns_tunnel_live(t) && t->n_sessions < room &&
		    lts_ctrl_xport_pending(&t->xport) < LTS_LNS_TUNNEL_BUSY_QUEUE)
			return t;
	return cp->shutting_down ? NULL : dial_lns(cp, idx);
}

#define SCCRQ_PROBE 8

/*
 * The token bucket of this source (limits.sccrq_rate, sccrq_burst): a small
 * table probed over a few slots; a new source takes an empty slot or the
 * one idle longest (a full bucket again, which equals a long-idle source's).
 */
static struct lts_sccrq_bucket *sccrq_bucket(struct lts_ctrl_plane *cp, const struct lts_ip *src,
					     uint32_t cap)
{
	struct lts_sccrq_bucket *b, *victim = NULL;
	uint32_t h = lts_fnv1a(src->addr, sizeof(src->addr)) ^ src->family;
	size_t i;

	for (i = 0; i < SCCRQ_PROBE; i++) {
		b = &cp->buckets[(h + i) % LTS_SCCRQ_BUCKETS];
		if (lts_ip_equal(&b->src, src))
			return b;
		if (!victim || !b->src.family || (victim->src.family &&
						  b->updated_ms < victim->updated_ms))
			victim = b;
	}
	victim->src = *src;
	victim->tokens_milli = cap;
	victim->updated_ms = cp->now_ms;
	return victim;
}

static bool sccrq_rate_ok(struct lts_ctrl_plane *cp, const struct lts_ip *src)
{
	const struct lts_limits *lim = &cp->cfg->limits;
	uint32_t cap = lim->sccrq_burst * 1000u;
	struct lts_sccrq_bucket *b = sccrq_bucket(cp, src, cap);
	uint64_t refill;

	refill = (cp->now_ms - b->updated_ms) * lim->sccrq_rate;
	b->tokens_milli = refill >= cap - b->tokens_milli ? cap : b->tokens_milli + refill;
	b->updated_ms = cp->now_ms;
	if (b->tokens_milli < 1000)
		return false;
	b->tokens_milli -= 1000;
	return true;
}

/* Refusals are logged once per interval, not per packet (a flood stays quiet). */
static void log_refusal(struct lts_ctrl_plane *cp, const struct lts_ctrl_endpoint *ep,
			const char *what)
{
	char addr[INET6_ADDRSTRLEN];

	if (cp->refuse_logged_ms && cp->now_ms - cp->refuse_logged_ms < LTS_REFUSE_LOG_INTERVAL_MS) {
		cp->refuse_suppressed++;
		return;
	}
	lts_log(LTS_LOG_WARN, "SCCRQ from %s port %u refused: %s (%llu more refusals not logged)",
		lts_ip_str(&ep->peer, addr, sizeof(addr)), ep->peer_port, what,
		(unsigned long long)cp->refuse_suppressed);
	cp->refuse_logged_ms = cp->now_ms;
	cp->refuse_suppressed = 0;
}

/*
 * The handshake this SCCRQ retransmits, if any: a tunnel of this peer with
 * this Assigned Tunnel ID that is not established (an established one with
 * the same ID means the peer restarted: a new handshake).
 */
static struct lts_tunnel *find_peer_tunnel(struct lts_ctrl_plane *cp,
					   const struct lts_ctrl_endpoint *ep, uint16_t peer_id)
{
	struct lts_tunnel *t;

	for (t = cp->half_open_first; t; t = t->ho_next)
		if (t->peer_id == peer_id && t->ep.peer_port == ep->peer_port &&
		    lts_ip_equal(&t->ep.peer, &ep->peer))
			return t;
	return NULL;
}

/*
 * RFC 2661 4.4.3 Tie Breaker: our SCCRQ and the peer's crossed. The lower
 * value wins; equal values lose both. Returns true when theirs must be dropped.
 */
static bool lose_tie(struct lts_ctrl_plane *cp, const struct lts_ctrl_endpoint *ep,
		     const struct lts_ctrl_msg *m)
{
	struct lts_tunnel *t;
	uint64_t theirs;

	if (lts_avp_get_u64(m, LTS_AVP_TIE_BREAKER, &theirs))
		return false;
	for (t = cp->all; t; t = t->next) {
		if (t->role != LTS_ROLE_LAC || t->state != LTS_TUN_WAIT_CTL_REPLY ||
		    !lts_ip_equal(&t->ep.peer, &ep->peer) || !t->tie_breaker)
			continue;
		if (t->tie_breaker < theirs)
			return true; /* ours wins: the peer drops its SCCRQ */
		lts_tunnel_drop(t, t->tie_breaker == theirs ? "tie breaker: equal values"
							    : "tie breaker: peer wins");
		return t->tie_breaker == theirs;
	}
	return false;
}

/*
 * The switch-wide limit counts every tunnel but the half-open ones; the
 * per-peer limit counts established tunnels (checked again at SCCCN).
 */
static bool over_tunnel_limit(const struct lts_ctrl_plane *cp, int lac_idx)
{
	const struct lts_config *cfg = cp->cfg;
	uint32_t peer_max = lac_idx >= 0 ? cfg->lac_peers[lac_idx].max_tunnels : 0;

	return cp->n_tunnels - cp->n_half_open >= cfg->limits.max_tunnels ||
	       (peer_max && cp->lac[lac_idx].n_tunnels >= peer_max);
}

/*
 * Room for one more half-open tunnel from src: past a limit the oldest one
 * (of that source, else of all) is dropped without a word. A real LAC
 * answers our SCCRP within a round trip; a spoofed source never does.
 */
static void make_half_open_room(struct lts_ctrl_plane *cp, const struct lts_ip *src)
{
	const struct lts_limits *lim = &cp->cfg->limits;
	struct lts_tunnel *t, *oldest = NULL;
	uint32_t n = 0;

	for (t = cp->half_open_first; t; t = t->ho_next) {
		if (!lts_ip_equal(&t->ep.peer, src))
			continue;
		if (!oldest)
			oldest = t;
		n++;
	}
	if (n < lim->max_half_open_per_source)
		oldest = cp->n_half_open >= lim->max_half_open ? cp->half_open_first : NULL;
	if (!oldest)
		return;
	cp->ctr.half_open_evicted++;
	lts_tunnel_drop(oldest, "half-open: evicted for a newer SCCRQ");
}

/*
 * Start an LNS-role tunnel for an accepted SCCRQ and hand it the packet:
 * the FSM answers SCCRP. Until SCCCN it is half-open (its own limits).
 */
static void start_tunnel(struct lts_ctrl_plane *cp, const struct lts_ctrl_endpoint *ep,
			 int lac_idx, uint16_t peer_id, uint16_t rws, const uint8_t *pkt, size_t len)
{
	struct lts_tunnel *t;

	make_half_open_room(cp, &ep->peer);
	t = lts_tunnel_new(cp, LTS_ROLE_LNS, ep);
	if (!t)
		return;
	t->lac_idx = lac_idx;
	if (lts_tunnel_start(t)) {
		lts_tunnel_free(t);
		return;
	}
	lts_tunnel_half_open(t);
	cp->ctr.tunnels_opened++;
	t->peer_id = peer_id;
	lts_ctrl_xport_set_peer(&t->xport, peer_id, rws);
	lts_tunnel_input(t, pkt, len);
}

/* Refuse with one StopCCN and no state; the log line is rate-limited. */
static void refuse(struct lts_ctrl_plane *cp, const struct lts_ctrl_endpoint *ep,
		   uint16_t peer_id, const struct lts_ctrl_verdict *v, const char *why)
{
	cp->ctr.sccrq_refused++;
	log_refusal(cp, ep, why);
	if (peer_id)
		lts_tunnel_refuse(cp, ep, peer_id, v);
}

/*
 * The first pass stops at a hidden AVP (no secret yet), and Host Name may
 * come after it: try the secrets of the lac_peers this address may belong
 * to until one decodes the message, and take its Host Name.
 */
static void hostname_behind_hidden(struct lts_ctrl_plane *cp, const struct lts_ctrl_endpoint *ep,
				   const uint8_t *body, size_t len, struct lts_ctrl_msg *m,
				   char *hostname, size_t cap)
{
	struct lts_avp_error aerr;
	size_t i;

	for (i = 0; i < cp->cfg->n_lac_peers; i++) {
		const struct lts_lac_peer *p = &cp->cfg->lac_peers[i];
		struct lts_avp_opts opts = { .secret = (const uint8_t *)p->secret,
					     .secret_len = p->secret_len,
					     .permissive = p->ctrl.avp_permissive };

		if (!p->secret_len || !lts_prefix_has(&p->match, &ep->peer))
			continue;
		if (!lts_avp_decode(body, len, &opts, m, &aerr) &&
		    !lts_avp_get_string(m, LTS_AVP_HOST_NAME, hostname, cap, NULL))
			return;
	}
	hostname[0] = '\0';
}

/* Trace peer filter (lib/log.h): what is logged while t is handled is its peer's. */
static void log_peer(const struct lts_ctrl_plane *cp, const struct lts_tunnel *t)
{
	lts_log_set_peer(t->lac_idx >= 0 ? cp->cfg->lac_peers[t->lac_idx].name :
			 t->lns_idx >= 0 ? cp->cfg->lns_peers[t->lns_idx].name : NULL);
}

static void admit_sccrq(struct lts_ctrl_plane *cp, const struct lts_ctrl_endpoint *ep,
			const uint8_t *pkt, size_t len)
{
	const uint8_t *body = pkt + LTS_CTRL_HDR_LEN;
	size_t body_len = len - LTS_CTRL_HDR_LEN;
	struct lts_ctrl_verdict v = { .action = LTS_CTRL_CLEAR_TUNNEL };
	const struct lts_lac_peer *peer;
	struct lts_avp_opts opts = { 0 };
	char hostname[LTS_HOSTNAME_MAX] = "";
	struct lts_avp_error aerr;
	struct lts_ctrl_msg *m;
	uint16_t peer_id = 0, rws = 0;
	struct lts_avp_proto_ver pv;
	struct lts_tunnel *t;
	int lac_idx;

	if (!body_len)
		return; /* a ZLB for tunnel 0: nothing to acknowledge */
	m = malloc(sizeof(*m));
	if (!m)
		return;
	/* First pass without a secret: enough for Message Type and Host Name,
	 * which are never hidden (RFC 2661 4.4.1, 4.4.3). */
	lts_avp_decode(body, body_len, &opts, m, &aerr);
	if (m->type != LTS_CTRL_SCCRQ)
		goto out;
	lts_avp_get_u16(m, LTS_AVP_ASSIGNED_TUNNEL_ID, &peer_id);
	t = peer_id ? find_peer_tunnel(cp, ep, peer_id) : NULL;
	if (t) {
		lts_tunnel_input(t, pkt, len); /* a retransmission: the transport re-acks */
		goto out;
	}
	if (!sccrq_rate_ok(cp, &ep->peer)) {
		cp->ctr.sccrq_rate_limited++;
		log_refusal(cp, ep, "rate limit");
		goto out; /* no answer: answering is what a flood wants */
	}
	if (lts_avp_get_string(m, LTS_AVP_HOST_NAME, hostname, sizeof(hostname), NULL) &&
	    aerr.code != LTS_AVP_E_NONE)
		hostname_behind_hidden(cp, ep, body, body_len, m, hostname, sizeof(hostname));
	peer = lts_config_match_lac(cp->cfg, &ep->peer, hostname);
	if (!peer) {
		v.result = LTS_STOPCCN_NOT_AUTHORIZED;
		snprintf(v.message, sizeof(v.message), "not authorized");
		refuse(cp, ep, peer_id, &v, "no lac_peer matches this address and host name");
		goto out;
	}
	lac_idx = peer - cp->cfg->lac_peers;
	lts_log_set_peer(peer->name); /* trace peer filter, until lts_cp_input() returns */
	opts.secret = (const uint8_t *)peer->secret;
	opts.secret_len = peer->secret_len;
	opts.permissive = peer->ctrl.avp_permissive;
	lts_ctrl_msg_parse(body, body_len, &opts, m, &v);
	lts_avp_get_u16(m, LTS_AVP_ASSIGNED_TUNNEL_ID, &peer_id);
	lts_avp_get_u16(m, LTS_AVP_RECV_WINDOW_SIZE, &rws);
	/* A hidden Assigned Tunnel ID shows only now: a retransmission? */
	if (peer_id && (t = find_peer_tunnel(cp, ep, peer_id))) {
		lts_tunnel_input(t, pkt, len);
		goto out;
	}
	if (v.action != LTS_CTRL_ACCEPT) {
		refuse(cp, ep, peer_id, &v, v.message);
		goto out;
	}
	if (lts_avp_get_proto_ver(m, &pv) || pv.ver != LTS_CTRL_PROTO_VER) {
		/* RFC 2661 4.4.2: StopCCN 5 with the highest version we support. */
		v = (struct lts_ctrl_verdict){ .action = LTS_CTRL_CLEAR_TUNNEL,
					       .result = LTS_STOPCCN_BAD_VERSION,
					       .error = LTS_CTRL_PROTO_VER << 8 | LTS_CTRL_PROTO_REV };
		snprintf(v.message, sizeof(v.message), "version 1.0 only");
		refuse(cp, ep, peer_id, &v, v.message);
		goto out;
	}
	if (cp->lac[lac_idx].drained) {
		/* RFC 2661 4.4.2 error 7: the LAC should try another switch. */
		v = (struct lts_ctrl_verdict){ .action = LTS_CTRL_CLEAR_TUNNEL,
					       .result = LTS_STOPCCN_GENERAL_ERROR,
					       .error = LTS_ERR_TRY_ANOTHER };
		snprintf(v.message, sizeof(v.message), "draining: try another");
		cp->ctr.drain_refused++;
		refuse(cp, ep, peer_id, &v, "lac_peer drained");
		goto out;
	}
	if (over_tunnel_limit(cp, lac_idx)) {
		v = (struct lts_ctrl_verdict){ .action = LTS_CTRL_CLEAR_TUNNEL,
					       .result = LTS_STOPCCN_GENERAL_ERROR,
					       .error = LTS_ERR_RESOURCES };
		snprintf(v.message, sizeof(v.message), "tunnel limit reached");
		refuse(cp, ep, peer_id, &v, v.message);
		goto out;
	}
	if (!peer_id || lose_tie(cp, ep, m))
		goto out; /* nobody to answer (the spec check refused it), or the tie is ours */
	/*
	 * An established tunnel with this peer's tunnel ID stays until the new
	 * one has completed its handshake (a restart; see established()).
	 */
	start_tunnel(cp, ep, lac_idx, peer_id, rws, pkt, len);
out:
	free(m);
}
/* Free dead tunnels; a persistent lns_peer is dialled again after a backoff. */
static void reap(struct lts_ctrl_plane *cp)
{
	struct lts_tunnel *t, *next;

	for (t = cp->all; t; t = next) {
		next = t->next;
		if (t->state != LTS_TUN_DEAD)
			continue;
		/* Only the peer's current tunnel: a replaced one must not leave a
		 * redial behind (its deadline would stay in the past: a spin). */
		if (t->lns_idx >= 0 && !cp->shutting_down && cp->lns[t->lns_idx].n_tunnels == 1 &&
		    cp->cfg->lns_peers[t->lns_idx].tunnel == LTS_TUNNEL_PERSISTENT) {
			struct lts_lns_state *ls = &cp->lns[t->lns_idx];

			ls->backoff_ms = ls->backoff_ms ? ls->backoff_ms * 2 : LTS_REDIAL_MIN_MS;
			if (ls->backoff_ms > LTS_REDIAL_MAX_MS)
				ls->backoff_ms = LTS_REDIAL_MAX_MS;
			ls->redial_ms = cp->now_ms + ls->backoff_ms;
			lts_log(LTS_LOG_INFO, "lns_peer %s: dialling again in %u ms",
				cp->cfg->lns_peers[t->lns_idx].name, ls->backoff_ms);
		}
		lts_tunnel_free(t);
	}
}

void lts_cp_input(struct lts_ctrl_plane *cp, const struct lts_ctrl_endpoint *ep,
		  const uint8_t *pkt, size_t len, uint64_t now_ms)
{
	char addr[INET6_ADDRSTRLEN];
	struct lts_ctrl_hdr h;
	struct lts_tunnel *t;

	cp->now_ms = now_ms;
	cp->ctr.rx_packets++;
	if (lts_ctrl_hdr_parse(pkt, len, &h)) {
		cp->ctr.rx_malformed++;
		return;
	}
	len = h.length; /* ignore anything after Length */
	if (!h.tunnel_id) {
		/* A new control connection starts at Ns 0 (RFC 2661 5.8). */
		if (!h.ns)
			admit_sccrq(cp, ep, pkt, len);
	} else if (!(t = cp->tunnels[h.tunnel_id]) || t->state == LTS_TUN_DEAD) {
		cp->ctr.rx_no_tunnel++;
		lts_log(LTS_LOG_DEBUG, "control packet for unknown tunnel %u from %s ignored",
			h.tunnel_id, lts_ip_str(&ep->peer, addr, sizeof(addr)));
	} else if (!lts_ip_equal(&t->ep.peer, &ep->peer)) {
		cp->ctr.rx_wrong_peer++;
	} else {
		/* An LNS may answer from another port (REFERENCE 1.4): follow it. */
		if (t->role == LTS_ROLE_LAC && t->state == LTS_TUN_WAIT_CTL_REPLY) {
			t->ep.peer_port = ep->peer_port;
			if (!t->ep.local.family)
				t->ep.local = ep->local;
		}
		log_peer(cp, t); /* trace peer filter */
		lts_tunnel_input(t, pkt, len);
	}
	reap(cp);
	lts_log_clear_peer();
}

/*
 * When an idle tunnel to an LNS is closed (linger after its last session),
 * or 0: every idle on-demand tunnel, and for a persistent peer every idle
 * tunnel but one (the extra ones were opened for load).
 */
static uint64_t linger_deadline(const struct lts_ctrl_plane *cp, const struct lts_tunnel *t)
{
	const struct lts_lns_peer *p = &cp->cfg->lns_peers[t->lns_idx];

	if (t->state != LTS_TUN_ESTABLISHED || t->n_sessions || !t->idle_since_ms)
		return 0;
	if (p->tunnel == LTS_TUNNEL_PERSISTENT && cp->lns[t->lns_idx].n_tunnels < 2)
		return 0;
	return t->idle_since_ms + p->linger_s * 1000ull;
}

void lts_cp_tick(struct lts_ctrl_plane *cp, uint64_t now_ms)
{
	struct lts_tunnel *t;
	size_t i;

	cp->now_ms = now_ms;
	/* tick() may kill a tunnel but never frees it: iteration stays valid. */
	for (t = cp->all; t; t = t->next) {
		if (t->state != LTS_TUN_DEAD && lts_ctrl_xport_next_deadline(&t->xport) <= now_ms) {
			log_peer(cp, t); /* trace peer filter */
			lts_ctrl_xport_tick(&t->xport, now_ms);
		}
	}
	lts_log_clear_peer();
	reap(cp);
	for (i = 0; i < cp->cfg->n_lns_peers && !cp->shutting_down; i++) {
		lts_log_set_peer(cp->cfg->lns_peers[i].name); /* trace peer filter */
		if (cp->lns[i].tunnels)
			cp->lns[i].redial_ms = 0; /* dialled meanwhile (a call needed it) */
		else if (cp->lns[i].redial_ms && cp->lns[i].redial_ms <= now_ms)
			dial_lns(cp, i);
		/* Closing keeps t in the list (freed at reap): iteration stays valid. */
		for (t = cp->lns[i].tunnels; t; t = t->lns_next) {
			uint64_t linger = linger_deadline(cp, t);

			if (linger && linger <= now_ms) {
				t->idle_since_ms = 0;
				lts_tunnel_close(t, LTS_STOPCCN_CLEAR, 0, "idle");
			}
		}
	}
	lts_log_clear_peer();
	reap(cp);
}

uint64_t lts_cp_next_deadline(const struct lts_ctrl_plane *cp)
{
	uint64_t next = LTS_CTRL_NO_DEADLINE, d;
	const struct lts_tunnel *t;
	size_t i;

	for (t = cp->all; t; t = t->next) {
		d = t->state == LTS_TUN_DEAD ? cp->now_ms : lts_ctrl_xport_next_deadline(&t->xport);
		if (d < next)
			next = d;
	}
	for (i = 0; i < cp->cfg->n_lns_peers && !cp->shutting_down; i++) {
		for (t = cp->lns[i].tunnels; t; t = t->lns_next) {
			d = linger_deadline(cp, t);
			if (d && d < next)
				next = d;
		}
		if (cp->lns[i].redial_ms && !cp->lns[i].tunnels && cp->lns[i].redial_ms < next)
			next = cp->lns[i].redial_ms;
	}
	return next;
}

void lts_cp_shutdown(struct lts_ctrl_plane *cp, uint64_t now_ms)
{
	struct lts_tunnel *t;

	cp->now_ms = now_ms;
	cp->shutting_down = true;
	for (t = cp->all; t; t = t->next) {
		if (t->state == LTS_TUN_IDLE || t->state == LTS_TUN_WAIT_CTL_REPLY)
			lts_tunnel_drop(t, "shutting down");
		else if (t->state != LTS_TUN_CLOSING && t->state != LTS_TUN_DEAD)
			lts_tunnel_close(t, LTS_STOPCCN_SHUTTING_DOWN, 0, "shutting down");
	}
	reap(cp);
}

bool lts_cp_idle(const struct lts_ctrl_plane *cp)
{
	const struct lts_tunnel *t;

	for (t = cp->all; t; t = t->next)
		if (lts_ctrl_xport_pending(&t->xport))
			return false;
	return true;
}

/* ------------------------------------------------------------ operator */

bool lts_cp_drain_lac(struct lts_ctrl_plane *cp, size_t idx, bool drained)
{
	struct lts_lac_state *ls = &cp->lac[idx];

	if (ls->drained == drained)
		return false;
	ls->drained = drained;
	lts_log(LTS_LOG_INFO, "lac_peer %s: %s", cp->cfg->lac_peers[idx].name,
		drained ? "drained: new tunnels and calls get 2/7 \"try another\""
			: "no longer drained");
	return true;
}

bool lts_cp_drain_lns(struct lts_ctrl_plane *cp, size_t idx, bool drained)
{
	struct lts_lns_state *ls = &cp->lns[idx];

	if (ls->drained == drained)
		return false;
	ls->drained = drained;
	lts_log(LTS_LOG_INFO, "lns_peer %s: %s", cp->cfg->lns_peers[idx].name,
		drained ? "drained: no new calls are placed on it" : "no longer drained");
	return true;
}

int lts_cp_clear_tunnel(struct lts_ctrl_plane *cp, struct lts_tunnel *t, const char *msg,
			uint64_t now_ms)
{
	cp->now_ms = now_ms;
	switch (t->state) {
	case LTS_TUN_CLOSING:
	case LTS_TUN_DEAD:
		return -EALREADY;
	case LTS_TUN_IDLE:
	case LTS_TUN_WAIT_CTL_REPLY:
		/* No Tunnel ID of the peer's to address a StopCCN to (as in lts_cp_shutdown). */
		lts_tunnel_drop(t, msg);
		break;
	default:
		lts_tunnel_close(t, LTS_STOPCCN_CLEAR, 0, msg);
		break;
	}
	return 0;
}

static void count_result(struct lts_cp_result_counters *c, uint16_t result, uint16_t error)
{
	c->result[result < LTS_CP_RESULTS ? result : 0]++;
	if (result == LTS_CDN_GENERAL_ERROR) /* 2 in both StopCCN and CDN */
		c->general[error < LTS_CP_ERRORS ? error : LTS_CP_ERRORS - 1]++;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/*
 * Cheap: the Message Type is the first AVP and never hidden (RFC 2661 4.1,
 * 4.4.1); the Result Code of a StopCCN or CDN is never hidden either
 * (4.4.2), so a walk over the AVP headers finds it without decoding.
 */
void lts_cp_count_tx(struct lts_ctrl_plane *cp, const uint8_t *body, size_t len)
{
	struct lts_cp_result_counters *rc;
	size_t off, alen;
	uint16_t type;

	if (len < 8 || get16(body + 2) || get16(body + 4) != LTS_AVP_TYPE_MSG_TYPE)
		return;
	type = get16(body + 6);
	cp->msgs.tx[type < LTS_CP_MSG_TYPES ? type : 0]++;
	if (type != LTS_CTRL_STOPCCN && type != LTS_CTRL_CDN)
		return;
	rc = type == LTS_CTRL_CDN ? &cp->msgs.cdn_tx : &cp->msgs.stopccn_tx;
	for (off = 0; off + 6 <= len; off += alen) {
		alen = get16(body + off) & 0x3ff;
		if (alen < 6 || off + alen > len)
			return;
		if (!get16(body + off + 2) && get16(body + off + 4) == LTS_AVP_TYPE_RESULT_CODE &&
		    !(body[off] & 0x40) && alen >= 8) {
			count_result(rc, get16(body + off + 6),
				     alen >= 10 ? get16(body + off + 8) : 0);
			return;
		}
	}
}

void lts_cp_count_rx(struct lts_ctrl_plane *cp, const struct lts_ctrl_msg *m)
{
	struct lts_avp_result r = { 0 };

	cp->msgs.rx[m->type < LTS_CP_MSG_TYPES ? m->type : 0]++;
	if (m->type != LTS_CTRL_STOPCCN && m->type != LTS_CTRL_CDN)
		return;
	if (lts_avp_get_result(m, &r))
		return;
	count_result(m->type == LTS_CTRL_CDN ? &cp->msgs.cdn_rx : &cp->msgs.stopccn_rx, r.result,
		     r.has_error ? r.error : 0);
}
