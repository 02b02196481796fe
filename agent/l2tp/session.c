// SPDX-License-Identifier: GPL-2.0
/*
 * Session FSM for incoming calls, RFC 2661 7.4, both sides:
 *   LNS side (a LAC calls us): ICRQ -> [switch decides] -> ICRP -> ICCN
 *   LAC side (we call an LNS): [tunnel up] -> ICRQ -> ICRP -> ICCN
 * A table of (state, event) -> action -> target state that reads like the
 * RFC's state diagram, one dispatch that logs transitions; unlisted pairs hit
 * the default row (CDN, result 2). An action returns NEXT when it went the
 * way the row says, or the state it ended in instead (a failed send, a call
 * held by the switch).
 */
#define LTS_LOG_SUBSYS LTS_TRACE_SESSION
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ctrl_plane.h"
#include "lib/list.h"
#include "lib/log.h"
#include "lib/util.h"

#define BODY_MAX 4096
/* ICCN values we send as a LAC without a first leg to relay from. */
#define DEFAULT_TX_SPEED 100000000u
#define DEFAULT_FRAMING 0x1 /* synchronous (RFC 2661 4.4.5) */
#define DEFAULT_BEARER 0x0

#define sess_log(lvl, s, fmt, ...)                                             \
	lts_log(lvl, "tun %u/%u sess %u/%u [%s] " fmt, (s)->t->id, (s)->t->peer_id, \
		(s)->id, (s)->peer_id, lts_sess_state_name((s)->state), ##__VA_ARGS__)

enum sess_event {
	SEV_DIAL,
	SEV_TUNNEL_UP,
	SEV_TUNNEL_DOWN,
	SEV_ANSWER,
	SEV_CONNECT,
	SEV_CLEAR,
	SEV_RX_ICRQ,      /* a new call: ICRQ (or OCRQ, only ever refused) */
	SEV_RX_ICRP,
	SEV_RX_ICCN,
	SEV_RX_CDN,
	SEV_RX_WEN,
	SEV_RX_SLI,
	SEV_RX_OTHER,
	SEV_MAX
};

static const char *const sev_names[SEV_MAX] = {
	[SEV_DIAL] = "dial",
	[SEV_TUNNEL_UP] = "tunnel up",
	[SEV_TUNNEL_DOWN] = "tunnel down",
	[SEV_ANSWER] = "answer",
	[SEV_CONNECT] = "connect",
	[SEV_CLEAR] = "clear",
	[SEV_RX_ICRQ] = "rx ICRQ",
	[SEV_RX_ICRP] = "rx ICRP",
	[SEV_RX_ICCN] = "rx ICCN",
	[SEV_RX_CDN] = "rx CDN",
	[SEV_RX_WEN] = "rx WEN",
	[SEV_RX_SLI] = "rx SLI",
	[SEV_RX_OTHER] = "rx other",
};

struct sess_event_arg {
	const struct lts_ctrl_msg *m;
	const struct lts_ctrl_verdict *v; /* SEV_RX_ICRQ: the message checks' verdict */
	const struct lts_cdn_info *why;
	const struct lts_relay_set *avps; /* ICCN to send, or CDN extras */
};

typedef enum lts_sess_state (*sess_action)(struct lts_session *s, const struct sess_event_arg *a);

#define ANY LTS_SESS_STATE_MAX        /* row state: every state */
#define STAY (LTS_SESS_STATE_MAX + 1) /* row target: where the action left it */
#define NEXT ((enum lts_sess_state)(LTS_SESS_STATE_MAX + 2)) /* action: the row's target */

struct sess_row {
	enum lts_sess_state state; /* ANY: every state */
	enum sess_event event;     /* SEV_MAX: every event */
	sess_action action;
	int next;                  /* target state, or STAY */
};

static const char *const sess_state_names[] = {
#define LTS_SESS_STATE_NAME(x) #x,
	LTS_SESS_STATES(LTS_SESS_STATE_NAME)
#undef LTS_SESS_STATE_NAME
};

const char *lts_sess_state_name(enum lts_sess_state st)
{
	return st < LTS_SESS_STATE_MAX ? sess_state_names[st] : "?";
}

static uint32_t session_key(const struct lts_tunnel *t, uint16_t id)
{
	return (uint32_t)t->id << 16 | id;
}

struct lts_session *lts_session_find(struct lts_tunnel *t, uint16_t id)
{
	uint32_t key = session_key(t, id);
	struct lts_session_ref *r = lts_hashtab_lookup(&t->cp->sessions_by_id, &key);

	return r ? r->s : NULL;
}

/*
 * RFC 2661 7.4.1: a LAC that has not seen our ICRP yet clears its call with
 * header Session ID 0; its Assigned Session ID tells which call it was.
 */
static struct lts_session *find_by_peer_id(struct lts_tunnel *t, const struct lts_ctrl_msg *m)
{
	struct lts_session *s;
	uint16_t peer_id;

	if (lts_avp_get_u16(m, LTS_AVP_ASSIGNED_SESSION_ID, &peer_id) || !peer_id)
		return NULL;
	for (s = t->sessions; s; s = s->next)
		if (s->peer_id == peer_id && s->state != LTS_SESS_DEAD)
			return s;
	return NULL;
}

/*
 * A free session ID in this tunnel, never 0 (RFC 2661 5.3). With a sidmap,
 * preferably one whose fast-table slot is free, taken for it; after
 * LTS_SIDMAP_TRIES IDs whose slot is taken, any free ID (agent/lib/sidmap.h).
 */
static uint16_t alloc_sid(struct lts_tunnel *t)
{
	struct lts_sidmap *m = t->cp->sidmap;
	uint32_t i, taken = 0;

	for (i = 0; i < 65536; i++) {
		uint16_t id = t->next_sid++;

		if (!id || lts_session_find(t, id))
			continue;
		if (!m || lts_sidmap_take(m, t->id, id) || ++taken > LTS_SIDMAP_TRIES)
			return id;
	}
	return 0;
}

static struct lts_session *session_new_id(struct lts_tunnel *t, enum lts_role role, uint16_t id)
{
	struct lts_session *s;

	if (!id)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s || !lts_hashtab_insert(&t->cp->sessions_by_id,
				      &(struct lts_session_ref){ session_key(t, id), s })) {
		free(s);
		if (t->cp->sidmap)
			lts_sidmap_release(t->cp->sidmap, t->id, id);
		return NULL;
	}
	s->t = t;
	s->id = id;
	s->role = role;
	s->state = LTS_SESS_IDLE;
	s->created_ms = t->cp->now_ms;
	LTS_LIST_PUSH(t->sessions, s, prev, next);
	t->n_sessions++;
	t->cp->n_sessions++;
	t->cp->ctr.sessions_opened++;
	if (t->lac_idx >= 0)
		t->cp->lac[t->lac_idx].n_sessions++;
	if (t->lns_idx >= 0) {
		t->cp->lns[t->lns_idx].n_sessions++;
		t->idle_since_ms = 0;
	}
	return s;
}

static struct lts_session *session_new(struct lts_tunnel *t, enum lts_role role)
{
	return session_new_id(t, role, alloc_sid(t));
}

struct lts_session *lts_session_adopt(struct lts_tunnel *t, enum lts_role role, uint16_t id,
				      uint16_t peer_id, uint32_t serial, uint64_t created_ms)
{
	struct lts_session *s;

	if (lts_session_find(t, id))
		return NULL;
	/* Its fast-table slot, if free (else its legs live in the wide table). */
	if (t->cp->sidmap)
		lts_sidmap_claim(t->cp->sidmap, t->id, id);
	s = session_new_id(t, role, id);
	if (!s)
		return NULL;
	s->peer_id = peer_id;
	s->serial = serial;
	s->created_ms = created_ms;
	s->state = LTS_SESS_ESTABLISHED;
	s->announced = true; /* the switch holds it from the start */
	return s;
}

static void session_free(struct lts_session *s)
{
	struct lts_tunnel *t = s->t;
	uint32_t key = session_key(t, s->id);

	if (t->cp->sidmap)
		lts_sidmap_release(t->cp->sidmap, t->id, s->id);
	lts_hashtab_remove(&t->cp->sessions_by_id, &key);
	LTS_LIST_UNLINK(t->sessions, s, prev, next);
	t->n_sessions--;
	t->cp->n_sessions--;
	if (t->lac_idx >= 0)
		t->cp->lac[t->lac_idx].n_sessions--;
	if (t->lns_idx >= 0) {
		t->cp->lns[t->lns_idx].n_sessions--;
		if (!t->n_sessions)
			t->idle_since_ms = t->cp->now_ms;
	}
	free(s);
}

static int send_msg(struct lts_session *s, struct lts_avp_writer *w)
{
	int len = lts_avpw_finish(w);

	if (len < 0) {
		sess_log(LTS_LOG_ERR, s, "cannot encode a control message: %s", strerror(-len));
		return len;
	}
	/* The header carries the recipient's session ID (RFC 2661 3.1). */
	return lts_tunnel_send(s->t, s->peer_id, w->buf, len);
}

static void begin(struct lts_session *s, struct lts_avp_writer *w, uint8_t *body, uint16_t type)
{
	struct lts_avp_opts opts = lts_tunnel_avp_opts(s->t);

	lts_avpw_init(w, body, BODY_MAX, &opts);
	lts_avpw_add_u16(w, LTS_AVP_MSG_TYPE, type);
}

static void send_cdn(struct lts_session *s, const struct lts_cdn_info *why,
		     const struct lts_relay_set *extra)
{
	struct lts_avp_result r = { .result = why->result, .has_error = true, .error = why->error,
				    .message = why->message, .message_len = strlen(why->message) };
	struct lts_avp_writer w;
	uint8_t body[BODY_MAX];

	begin(s, &w, body, LTS_CTRL_CDN);
	lts_avpw_add_result(&w, &r);
	lts_avpw_add_u16(&w, LTS_AVP_ASSIGNED_SESSION_ID, s->id);
	if (extra)
		lts_relay_write(extra, &w);
	send_msg(s, &w);
	sess_log(LTS_LOG_INFO, s, "tx CDN result %u error %u %s", why->result, why->error,
		 why->message);
}

static void notify_down(struct lts_session *s, const struct lts_cdn_info *why,
			const struct lts_ctrl_msg *m)
{
	struct lts_ctrl_plane *cp = s->t->cp;

	s->notified = true;
	if (cp->ops.session_down)
		cp->ops.session_down(cp->ctx, s, why, m);
}

/* LNS side: ICRP for an accepted ICRQ (6.10). 0 or a negative errno. */
static int send_icrp(struct lts_session *s)
{
	struct lts_avp_writer w;
	uint8_t body[BODY_MAX];

	begin(s, &w, body, LTS_CTRL_ICRP);
	lts_avpw_add_u16(&w, LTS_AVP_ASSIGNED_SESSION_ID, s->id);
	return send_msg(s, &w);
}

/* LAC side: ICRQ (6.9). */
static enum lts_sess_state act_send_icrq(struct lts_session *s, const struct sess_event_arg *a)
{
	struct lts_avp_writer w;
	uint8_t body[BODY_MAX];

	(void)a;
	if (s->t->state != LTS_TUN_ESTABLISHED)
		return LTS_SESS_WAIT_TUNNEL; /* sent from tunnel up */
	begin(s, &w, body, LTS_CTRL_ICRQ);
	lts_avpw_add_u16(&w, LTS_AVP_ASSIGNED_SESSION_ID, s->id);
	if (s->icrq_relay) {
		/* Call Serial Number is relayed (draft-08 3): it eases debugging. */
		if (!lts_relay_has(s->icrq_relay, LTS_AVP_TYPE_CALL_SERIAL))
			lts_avpw_add_u32(&w, LTS_AVP_CALL_SERIAL, s->serial);
		lts_relay_write(s->icrq_relay, &w);
		s->icrq_relay = NULL;
	} else {
		lts_avpw_add_u32(&w, LTS_AVP_CALL_SERIAL, s->serial);
		lts_avpw_add_u32(&w, LTS_AVP_BEARER_TYPE, DEFAULT_BEARER);
	}
	return send_msg(s, &w) ? LTS_SESS_DEAD : NEXT;
}

/* LAC side: ICCN (6.11), with the first leg's AVPs when switched. */
static enum lts_sess_state send_iccn(struct lts_session *s, const struct lts_relay_set *relay,
				     const struct lts_ctrl_msg *m)
{
	struct lts_ctrl_plane *cp = s->t->cp;
	struct lts_avp_writer w;
	uint8_t body[BODY_MAX];

	begin(s, &w, body, LTS_CTRL_ICCN);
	if (!relay || !lts_relay_has(relay, LTS_AVP_TYPE_TX_CONNECT_SPEED))
		lts_avpw_add_u32(&w, LTS_AVP_TX_CONNECT_SPEED, DEFAULT_TX_SPEED);
	if (!relay || !lts_relay_has(relay, LTS_AVP_TYPE_FRAMING_TYPE))
		lts_avpw_add_u32(&w, LTS_AVP_FRAMING_TYPE, DEFAULT_FRAMING);
	if (relay)
		lts_relay_write(relay, &w);
	if (send_msg(s, &w))
		return LTS_SESS_DEAD;
	s->state = LTS_SESS_ESTABLISHED; /* before the hook: it may clear the call */
	if (cp->ops.session_up)
		cp->ops.session_up(cp->ctx, s, m);
	return s->state;
}

/* LAC side: ICRP answers our ICRQ (7.4.1). */
static enum lts_sess_state act_icrp(struct lts_session *s, const struct sess_event_arg *a)
{
	struct lts_ctrl_plane *cp = s->t->cp;
	uint16_t peer_id = 0;

	if (lts_avp_get_u16(a->m, LTS_AVP_ASSIGNED_SESSION_ID, &peer_id) || !peer_id) {
		struct lts_cdn_info why = { .result = LTS_CDN_GENERAL_ERROR,
					    .error = LTS_ERR_VALUE, .local = true,
					    .message = "bad Assigned Session ID" };

		send_cdn(s, &why, NULL);
		notify_down(s, &why, NULL);
		return LTS_SESS_DEAD;
	}
	s->peer_id = peer_id;
	if (!s->hold_iccn)
		return send_iccn(s, NULL, a->m);
	/* The switch may connect from inside the hook: report what it left. */
	s->state = LTS_SESS_WAIT_RELAY;
	if (cp->ops.call_answered)
		cp->ops.call_answered(cp->ctx, s, a->m);
	return s->state;
}

static enum lts_sess_state act_connect(struct lts_session *s, const struct sess_event_arg *a)
{
	return send_iccn(s, a->avps, NULL);
}

/* LNS side: the switch released a held ICRP. */
static enum lts_sess_state act_answer(struct lts_session *s, const struct sess_event_arg *a)
{
	(void)a;
	return send_icrp(s) ? LTS_SESS_DEAD : NEXT;
}

/* LNS side: ICCN completes the call (7.4.2). */
static enum lts_sess_state act_connected(struct lts_session *s, const struct sess_event_arg *a)
{
	struct lts_ctrl_plane *cp = s->t->cp;

	s->state = LTS_SESS_ESTABLISHED; /* before the hook: it may clear the call */
	if (cp->ops.session_up)
		cp->ops.session_up(cp->ctx, s, a->m);
	return NEXT;
}

static enum lts_sess_state act_none(struct lts_session *s, const struct sess_event_arg *a)
{
	(void)s;
	(void)a;
	return NEXT;
}

/* WEN and SLI are accepted (REFERENCE quirk 12); the switch relays them. */
static enum lts_sess_state act_info(struct lts_session *s, const struct sess_event_arg *a)
{
	struct lts_ctrl_plane *cp = s->t->cp;

	sess_log(LTS_LOG_DEBUG, s, "%s accepted", lts_ctrl_type_name(a->m->type));
	if (cp->ops.session_info)
		cp->ops.session_info(cp->ctx, s, a->m);
	return NEXT;
}

/* The peer's CDN (6.12): it cleans up; so do we, and the switch is told. */
static enum lts_sess_state act_peer_cdn(struct lts_session *s, const struct sess_event_arg *a)
{
	struct lts_cdn_info why = { 0 };
	struct lts_avp_result r = { 0 };

	if (!lts_avp_get_result(a->m, &r)) {
		why.result = r.result;
		why.error = r.has_error ? r.error : 0;
		snprintf(why.message, sizeof(why.message), "%.*s",
			 (int)(r.message_len > 90 ? 90 : r.message_len), r.message ? r.message : "");
	}
	sess_log(LTS_LOG_INFO, s, "peer CDN result %u error %u %s", why.result, why.error,
		 why.message);
	notify_down(s, &why, a->m);
	return NEXT;
}

static enum lts_sess_state act_clear(struct lts_session *s, const struct sess_event_arg *a)
{
	/* Before our ICRQ left, the peer never heard of the call: nothing to say. */
	if (s->role == LTS_ROLE_LNS ||
	    (s->state != LTS_SESS_IDLE && s->state != LTS_SESS_WAIT_TUNNEL))
		send_cdn(s, a->why, a->avps);
	notify_down(s, a->why, NULL);
	return NEXT;
}

/* The tunnel went: no CDN (it has no control connection to travel on). */
static enum lts_sess_state act_tunnel_down(struct lts_session *s, const struct sess_event_arg *a)
{
	notify_down(s, a->why, NULL);
	return NEXT;
}

static enum lts_sess_state act_unexpected(struct lts_session *s, const struct sess_event_arg *a)
{
	struct lts_cdn_info why = { .result = LTS_CDN_GENERAL_ERROR, .local = true };

	snprintf(why.message, sizeof(why.message), "unexpected %s in %s",
		 a->m ? lts_ctrl_type_name(a->m->type) : "event", lts_sess_state_name(s->state));
	send_cdn(s, &why, NULL);
	notify_down(s, &why, NULL);
	return NEXT;
}

static bool over_limit(const struct lts_tunnel *t)
{
	const struct lts_ctrl_plane *cp = t->cp;
	const struct lts_config *cfg = cp->cfg;

	/* The session being decided on is already counted. */
	if (cp->n_sessions > cfg->limits.max_sessions)
		return true;
	if (t->lac_idx >= 0 && cfg->lac_peers[t->lac_idx].max_sessions &&
	    cp->lac[t->lac_idx].n_sessions > cfg->lac_peers[t->lac_idx].max_sessions)
		return true;
	return false;
}

/* The operator drained the lac_peer of t (ltsctl drain lac): no new calls. */
static bool lac_drained(const struct lts_tunnel *t)
{
	return t->role == LTS_ROLE_LNS && t->lac_idx >= 0 && t->cp->lac[t->lac_idx].drained;
}

/*
 * LNS side: a new incoming call (6.9, 7.4.2). The switch decides through
 * incoming_call(): answer now (ICRP), hold the ICRP while it places the
 * second leg (WAIT_ANSWER), or refuse (CDN).
 */
static enum lts_sess_state act_incoming_call(struct lts_session *s, const struct sess_event_arg *a)
{
	struct lts_tunnel *t = s->t;
	struct lts_ctrl_plane *cp = t->cp;
	const struct lts_ctrl_verdict *v = a->v;
	struct lts_cdn_info why = { .result = LTS_CDN_GENERAL_ERROR, .local = true };
	int verdict = 0;

	lts_avp_get_u16(a->m, LTS_AVP_ASSIGNED_SESSION_ID, &s->peer_id);
	lts_avp_get_u32(a->m, LTS_AVP_CALL_SERIAL, &s->serial);
	/* Refused before the switch saw the call: a CDN, and nobody to tell. */
	if (v->action == LTS_CTRL_CLEAR_SESSION || over_limit(t) || lac_drained(t)) {
		if (v->action == LTS_CTRL_CLEAR_SESSION) {
			why.result = v->result;
			why.error = v->error;
			snprintf(why.message, sizeof(why.message), "%s", v->message);
		} else if (lac_drained(t)) {
			cp->ctr.drain_refused++;
			why.error = LTS_ERR_TRY_ANOTHER; /* RFC 2661 4.4.2 */
			snprintf(why.message, sizeof(why.message), "draining: try another");
		} else {
			why.error = LTS_ERR_RESOURCES; /* RFC 2661 4.4.2 */
			snprintf(why.message, sizeof(why.message), "session limit reached");
		}
		send_cdn(s, &why, NULL);
		return LTS_SESS_DEAD;
	}
	sess_log(LTS_LOG_DEBUG, s, "ICRQ serial %u", s->serial);
	s->announced = true;
	if (cp->ops.incoming_call)
		verdict = cp->ops.incoming_call(cp->ctx, s, a->m, &why);
	if (s->state == LTS_SESS_DEAD)
		return LTS_SESS_DEAD; /* the hook cleared it */
	if (verdict < 0) {
		const struct sess_event_arg clear = { .m = a->m, .why = &why };

		return act_clear(s, &clear) == NEXT ? LTS_SESS_DEAD : s->state;
	}
	if (verdict)
		return LTS_SESS_WAIT_ANSWER;
	if (send_icrp(s)) {
		why.error = LTS_ERR_RESOURCES;
		snprintf(why.message, sizeof(why.message), "cannot send ICRP");
		notify_down(s, &why, NULL); /* the hook accepted: it holds a call */
		return LTS_SESS_DEAD;
	}
	return NEXT;
}

/* RFC 2661 7.4.1 (LAC) and 7.4.2 (LNS) incoming call states; first match wins. */
static const struct sess_row sess_table[] = {
	/* state                    event            action             target */
	{ LTS_SESS_DEAD,            SEV_MAX,         act_none,          STAY },
	/* LNS side (7.4.2): ICRQ -> ICRP (or held) -> ICCN */
	{ LTS_SESS_IDLE,            SEV_RX_ICRQ,     act_incoming_call, LTS_SESS_WAIT_CONNECT },
	{ LTS_SESS_WAIT_ANSWER,     SEV_ANSWER,      act_answer,        LTS_SESS_WAIT_CONNECT },
	{ LTS_SESS_WAIT_CONNECT,    SEV_RX_ICCN,     act_connected,     LTS_SESS_ESTABLISHED },
	/* LAC side (7.4.1): [tunnel up] -> ICRQ -> ICRP -> ICCN (or held for the relay) */
	{ LTS_SESS_IDLE,            SEV_DIAL,        act_send_icrq,     LTS_SESS_WAIT_REPLY },
	{ LTS_SESS_WAIT_TUNNEL,     SEV_TUNNEL_UP,   act_send_icrq,     LTS_SESS_WAIT_REPLY },
	{ LTS_SESS_WAIT_REPLY,      SEV_RX_ICRP,     act_icrp,          LTS_SESS_ESTABLISHED },
	{ LTS_SESS_WAIT_RELAY,      SEV_CONNECT,     act_connect,       LTS_SESS_ESTABLISHED },
	/* Both sides */
	{ LTS_SESS_ESTABLISHED,     SEV_RX_WEN,      act_info,          STAY },
	{ LTS_SESS_ESTABLISHED,     SEV_RX_SLI,      act_info,          STAY },
	{ ANY,                      SEV_TUNNEL_UP,   act_none,          STAY },
	{ ANY,                      SEV_RX_CDN,      act_peer_cdn,      LTS_SESS_DEAD },
	{ ANY,                      SEV_CLEAR,       act_clear,         LTS_SESS_DEAD },
	{ ANY,                      SEV_TUNNEL_DOWN, act_tunnel_down,   LTS_SESS_DEAD },
	{ ANY,                      SEV_MAX,         act_unexpected,    LTS_SESS_DEAD }, /* default */
};

static void dispatch(struct lts_session *s, enum sess_event ev, const struct sess_event_arg *a)
{
	enum lts_sess_state before = s->state, next;
	const struct sess_row *r;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sess_table) - 1; i++) {
		r = &sess_table[i];
		if ((r->state == ANY || r->state == before) &&
		    (r->event == SEV_MAX || r->event == ev))
			break;
	}
	r = &sess_table[i];
	s->depth++;
	next = r->action(s, a);
	if (next == NEXT)
		next = r->next == STAY ? s->state : (enum lts_sess_state)r->next;
	if (s->state == LTS_SESS_DEAD)
		next = LTS_SESS_DEAD; /* a nested dispatch killed it */
	if (next == LTS_SESS_DEAD && s->announced && !s->notified) {
		/*
		 * An action failed to queue its message (a full send queue: a
		 * peer that stops acknowledging): whoever holds this session
		 * must hear of its end before it is freed, or it would write
		 * freed memory at its next event.
		 */
		struct lts_cdn_info why = { .result = LTS_CDN_GENERAL_ERROR,
					    .error = LTS_ERR_RESOURCES, .local = true,
					    .message = "control message could not be queued" };

		notify_down(s, &why, NULL);
	}
	if (next != before)
		lts_log(LTS_LOG_INFO, "tun %u/%u sess %u/%u [%s -> %s] %s", s->t->id,
			s->t->peer_id, s->id, s->peer_id, lts_sess_state_name(before),
			lts_sess_state_name(next), sev_names[ev]);
	s->state = next;
	if (--s->depth == 0 && next == LTS_SESS_DEAD)
		session_free(s);
}

static enum sess_event event_of(uint16_t type)
{
	switch (type) {
	case LTS_CTRL_ICRQ: return SEV_RX_ICRQ;
	case LTS_CTRL_ICRP: return SEV_RX_ICRP;
	case LTS_CTRL_ICCN: return SEV_RX_ICCN;
	case LTS_CTRL_CDN: return SEV_RX_CDN;
	case LTS_CTRL_WEN: return SEV_RX_WEN;
	case LTS_CTRL_SLI: return SEV_RX_SLI;
	default: return SEV_RX_OTHER;
	}
}

/*
 * A new call we cannot even allocate (no session ID or memory): the LAC
 * still gets its CDN (2/4, RFC 2661 4.4.2), addressed by its Assigned
 * Session ID, with ours 0 (there is none), instead of silence and retries.
 */
static void refuse_unallocated(struct lts_tunnel *t, const struct lts_ctrl_msg *m)
{
	static const char why[] = "no session available";
	struct lts_avp_opts opts = lts_tunnel_avp_opts(t);
	struct lts_avp_result r = { .result = LTS_CDN_GENERAL_ERROR, .has_error = true,
				    .error = LTS_ERR_RESOURCES, .message = why,
				    .message_len = sizeof(why) - 1 };
	struct lts_avp_writer w;
	uint8_t body[BODY_MAX];
	uint16_t peer_id = 0;
	int len;

	lts_avp_get_u16(m, LTS_AVP_ASSIGNED_SESSION_ID, &peer_id);
	lts_log(LTS_LOG_WARN, "tun %u/%u: %s refused: %s", t->id, t->peer_id,
		lts_ctrl_type_name(m->type), why);
	if (!peer_id)
		return; /* nowhere to address it */
	lts_avpw_init(&w, body, sizeof(body), &opts);
	lts_avpw_add_u16(&w, LTS_AVP_MSG_TYPE, LTS_CTRL_CDN);
	lts_avpw_add_result(&w, &r);
	lts_avpw_add_u16(&w, LTS_AVP_ASSIGNED_SESSION_ID, 0);
	len = lts_avpw_finish(&w);
	if (len > 0)
		lts_tunnel_send(t, peer_id, body, (size_t)len);
}

void lts_session_input(struct lts_tunnel *t, const struct lts_ctrl_hdr *h,
		       const struct lts_ctrl_msg *m, const struct lts_ctrl_verdict *v)
{
	struct lts_cdn_info why = { .result = v->result, .error = v->error, .local = true };
	struct sess_event_arg a = { .m = m, .why = &why };
	struct lts_session *s;

	/* New calls; an OCRQ only ever gets its refusal (we take no outgoing calls). */
	if (m->type == LTS_CTRL_ICRQ || (m->type == LTS_CTRL_OCRQ && !h->session_id)) {
		s = session_new(t, LTS_ROLE_LNS);
		if (!s) {
			refuse_unallocated(t, m);
			return;
		}
		a.v = v;
		dispatch(s, SEV_RX_ICRQ, &a);
		return;
	}
	s = lts_session_find(t, h->session_id);
	if (!s && !h->session_id && m->type == LTS_CTRL_CDN)
		s = find_by_peer_id(t, m);
	if (!s) {
		lts_log(LTS_LOG_DEBUG, "tun %u/%u: %s for unknown session %u ignored", t->id,
			t->peer_id, lts_ctrl_type_name(m->type), h->session_id);
		return;
	}
	if (v->action == LTS_CTRL_CLEAR_SESSION) {
		snprintf(why.message, sizeof(why.message), "%s", v->message);
		dispatch(s, SEV_CLEAR, &a);
		return;
	}
	dispatch(s, event_of(m->type), &a);
}

struct lts_session *lts_session_dial(struct lts_tunnel *t, const struct lts_relay_set *icrq)
{
	struct sess_event_arg a = { 0 };
	struct lts_session *s;

	/* A tunnel on its way out takes no new call (hooks may still try). */
	if (t->state == LTS_TUN_CLOSING || t->state == LTS_TUN_DEAD)
		return NULL;
	s = session_new(t, LTS_ROLE_LAC);
	if (!s)
		return NULL;
	s->serial = t->next_serial++;
	s->icrq_relay = icrq;
	s->hold_iccn = icrq != NULL;
	s->depth++; /* keep it allocated through dispatch: we look at it after */
	dispatch(s, SEV_DIAL, &a);
	if (--s->depth == 0 && s->state == LTS_SESS_DEAD) {
		session_free(s); /* sending failed: the caller learns it from NULL */
		return NULL;
	}
	s->announced = true; /* from now on the caller holds it */
	return s;
}

int lts_session_answer(struct lts_session *s)
{
	struct sess_event_arg a = { 0 };

	if (s->state != LTS_SESS_WAIT_ANSWER)
		return -EINVAL;
	dispatch(s, SEV_ANSWER, &a);
	return 0;
}

int lts_session_connect(struct lts_session *s, const struct lts_relay_set *iccn)
{
	struct sess_event_arg a = { .avps = iccn };

	if (s->state != LTS_SESS_WAIT_RELAY)
		return -EINVAL;
	dispatch(s, SEV_CONNECT, &a);
	return 0;
}

void lts_session_clear(struct lts_session *s, const struct lts_cdn_info *why,
		       const struct lts_relay_set *extra)
{
	struct sess_event_arg a = { .why = why, .avps = extra };

	dispatch(s, SEV_CLEAR, &a);
}

int lts_session_send_info(struct lts_session *s, uint16_t msg_type,
			  const struct lts_relay_set *avps)
{
	struct lts_avp_writer w;
	uint8_t body[BODY_MAX];

	if (s->state != LTS_SESS_ESTABLISHED)
		return -EINVAL;
	begin(s, &w, body, msg_type);
	lts_relay_write(avps, &w);
	return send_msg(s, &w);
}

void lts_session_tunnel_up(struct lts_tunnel *t)
{
	struct sess_event_arg a = { 0 };
	struct lts_session *s, *next;

	for (s = t->sessions; s; s = next) {
		next = s->next;
		if (s->state == LTS_SESS_WAIT_TUNNEL)
			dispatch(s, SEV_TUNNEL_UP, &a);
	}
}

void lts_session_tunnel_down(struct lts_tunnel *t, const struct lts_cdn_info *why)
{
	struct sess_event_arg a = { .why = why };
	struct lts_session *s, *next;

	for (s = t->sessions; s; s = next) {
		next = s->next;
		if (s->state != LTS_SESS_DEAD)
			dispatch(s, SEV_TUNNEL_DOWN, &a);
	}
}

void lts_session_release_all(struct lts_tunnel *t)
{
	while (t->sessions)
		session_free(t->sessions);
}
