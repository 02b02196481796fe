// SPDX-License-Identifier: GPL-2.0
/*
 * Tunnel (control connection) FSM, RFC 2661 7.2, both roles: a table of
 * (state, event) -> action -> target state over enums that reads like the
 * RFC's state diagram, one dispatch function, and one set_state() choke point
 * that logs "old -> new (event)". An action returns NEXT when it went the way
 * its row says, or the state it ended in instead (a StopCCN on failure).
 * Unlisted pairs hit the explicit default row: StopCCN "FSM error" (result 7,
 * RFC 2661 4.4.2).
 */
#define LTS_LOG_SUBSYS LTS_TRACE_TUNNEL
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <md5.h>
#include <sys/random.h>
#include "ctrl_plane.h"
#include "lib/list.h"
#include "lib/log.h"
#include "lib/util.h"

#define LTS_FRAMING_CAPS 0x3 /* sync and async (RFC 2661 4.4.3) */
#define LTS_FIRMWARE_REV 0x0100
#define LTS_VENDOR_NAME "lts"
#define BODY_MAX 4096

#define tun_log(lvl, t, fmt, ...)                                              \
	lts_log(lvl, "tun %u/%u [%s] " fmt, (t)->id, (t)->peer_id,              \
		lts_tun_state_name((t)->state), ##__VA_ARGS__)

enum tun_event {
	TEV_OPEN,
	TEV_CLOSE,
	TEV_RX_SCCRQ,
	TEV_RX_SCCRP,
	TEV_RX_SCCCN,
	TEV_RX_STOPCCN,
	TEV_RX_HELLO,
	TEV_RX_SESSION,
	TEV_XPORT_FAILED,
	TEV_XPORT_CLOSED,
	TEV_MAX
};

static const char *const tev_names[TEV_MAX] = {
	[TEV_OPEN] = "open",
	[TEV_CLOSE] = "close",
	[TEV_RX_SCCRQ] = "rx SCCRQ",
	[TEV_RX_SCCRP] = "rx SCCRP",
	[TEV_RX_SCCCN] = "rx SCCCN",
	[TEV_RX_STOPCCN] = "rx StopCCN",
	[TEV_RX_HELLO] = "rx HELLO",
	[TEV_RX_SESSION] = "rx session message",
	[TEV_XPORT_FAILED] = "retransmissions exhausted",
	[TEV_XPORT_CLOSED] = "retention over",
};

/* What an event carries: a received message, or a local close request. */
struct tun_event_arg {
	const struct lts_ctrl_hdr *h;
	const struct lts_ctrl_msg *m;
	const struct lts_ctrl_verdict *v;
	uint16_t result, error;
	const char *message;
};

typedef enum lts_tun_state (*tun_action)(struct lts_tunnel *t, const struct tun_event_arg *a);

#define ANY LTS_TUN_STATE_MAX        /* row state: every state */
#define ANY_EVENT TEV_MAX            /* row event: every event */
#define STAY (LTS_TUN_STATE_MAX + 1) /* row target: where the action left it */
#define NEXT ((enum lts_tun_state)(LTS_TUN_STATE_MAX + 2)) /* action: the row's target */

struct tun_row {
	enum lts_tun_state state; /* ANY: every state */
	enum tun_event event;     /* ANY_EVENT: every event */
	tun_action action;
	int next;                 /* target state, or STAY */
};

static const char *const tun_state_names[] = {
#define LTS_TUN_STATE_NAME(s) #s,
	LTS_TUN_STATES(LTS_TUN_STATE_NAME)
#undef LTS_TUN_STATE_NAME
};

const char *lts_tun_state_name(enum lts_tun_state s)
{
	return s < LTS_TUN_STATE_MAX ? tun_state_names[s] : "?";
}

/*
 * SCCRQ and SCCRP go out unhidden even with hide_avps: a peer picks the
 * secret by the Host Name in that very message, and some (xl2tpd 1.3) look
 * it up only after parsing the message, failing on any hidden AVP in it.
 * Everything from SCCCN on is hidden (RFC 2661 4.3 allows either).
 */
static struct lts_avp_opts first_message_opts(const struct lts_tunnel *t)
{
	struct lts_avp_opts opts = lts_tunnel_avp_opts(t);

	opts.hide = false;
	return opts;
}

struct lts_avp_opts lts_tunnel_avp_opts(const struct lts_tunnel *t)
{
	return (struct lts_avp_opts){
		.secret = t->secret,
		.secret_len = t->secret_len,
		.permissive = t->ctrl->avp_permissive,
		.hide = t->hide && t->secret,
	};
}

/* The restart store's hooks (lts_cp_persist_ops): only established tunnels are kept. */
static void persist_sync(struct lts_tunnel *t)
{
	struct lts_ctrl_plane *cp = t->cp;

	if (t->state == LTS_TUN_ESTABLISHED && cp->persist.sync)
		cp->persist.sync(cp->persist.ctx, t);
}

static void persist_gone(struct lts_tunnel *t)
{
	struct lts_ctrl_plane *cp = t->cp;

	if (t->state_slot >= 0 && cp->persist.gone)
		cp->persist.gone(cp->persist.ctx, t);
}

int lts_tunnel_send(struct lts_tunnel *t, uint16_t session_id, const uint8_t *body, size_t len)
{
	int err = lts_ctrl_xport_send(&t->xport, session_id, body, len, t->cp->now_ms);

	if (err)
		tun_log(LTS_LOG_WARN, t, "cannot queue a control message: %s", strerror(-err));
	else
		lts_cp_count_tx(t->cp, body, len);
	return err;
}

/* RFC 2661 4.2 / 5.1.1: MD5 over the response's message type, secret, challenge. */
static void challenge_response(const struct lts_tunnel *t, uint8_t msg_type, const uint8_t *chal,
			       size_t chal_len, uint8_t out[16])
{
	MD5_CTX ctx;

	MD5Init(&ctx);
	MD5Update(&ctx, &msg_type, 1);
	MD5Update(&ctx, t->secret, t->secret_len);
	MD5Update(&ctx, chal, chal_len);
	MD5Final(out, &ctx);
}

/* The tunnel-scoped AVPs SCCRQ and SCCRP share (RFC 2661 6.1, 6.2). */
static void add_hello_avps(struct lts_avp_writer *w, const struct lts_tunnel *t)
{
	struct lts_avp_proto_ver ver = { LTS_CTRL_PROTO_VER, LTS_CTRL_PROTO_REV };

	lts_avpw_add_proto_ver(w, &ver);
	lts_avpw_add_string(w, LTS_AVP_HOST_NAME, t->hostname);
	lts_avpw_add_u32(w, LTS_AVP_FRAMING_CAP, LTS_FRAMING_CAPS);
	lts_avpw_add_u16(w, LTS_AVP_ASSIGNED_TUNNEL_ID, t->id);
	lts_avpw_add_u16(w, LTS_AVP_RECV_WINDOW_SIZE, t->ctrl->receive_window);
	lts_avpw_add_u16(w, LTS_AVP_FIRMWARE_REV, LTS_FIRMWARE_REV);
	lts_avpw_add_string(w, LTS_AVP_VENDOR_NAME, LTS_VENDOR_NAME);
}

/* Our Challenge, when a secret is configured (RFC 2661 5.1.1). */
static void add_challenge(struct lts_avp_writer *w, struct lts_tunnel *t)
{
	if (!t->secret)
		return;
	if (getrandom(t->challenge, sizeof(t->challenge), 0) != sizeof(t->challenge))
		memset(t->challenge, 0x5a, sizeof(t->challenge)); /* never: getrandom blocks */
	t->challenged = true;
	lts_avpw_add_bytes(w, LTS_AVP_CHALLENGE, t->challenge, sizeof(t->challenge));
}

/* Answer the peer's Challenge, if it sent one. Returns 0 or -EACCES. */
static int add_challenge_response(struct lts_avp_writer *w, const struct lts_tunnel *t,
				  const struct lts_ctrl_msg *m, uint8_t our_msg_type)
{
	const uint8_t *chal;
	uint8_t resp[16];
	size_t len;

	if (lts_avp_get_bytes(m, LTS_AVP_CHALLENGE, &chal, &len))
		return 0;
	if (!t->secret)
		return -EACCES;
	challenge_response(t, our_msg_type, chal, len, resp);
	lts_avpw_add_bytes(w, LTS_AVP_CHALLENGE_RESPONSE, resp, sizeof(resp));
	return 0;
}

/* Check the peer's answer to our Challenge. Returns 0 or -EACCES. */
static int check_challenge_response(const struct lts_tunnel *t, const struct lts_ctrl_msg *m,
				    uint8_t their_msg_type)
{
	const uint8_t *got;
	uint8_t want[16];
	size_t len;

	if (!t->challenged)
		return 0;
	if (lts_avp_get_bytes(m, LTS_AVP_CHALLENGE_RESPONSE, &got, &len) || len != sizeof(want))
		return -EACCES;
	challenge_response(t, their_msg_type, t->challenge, sizeof(t->challenge), want);
	return memcmp(got, want, sizeof(want)) ? -EACCES : 0;
}

static int send_built(struct lts_tunnel *t, uint16_t session_id, struct lts_avp_writer *w)
{
	int len = lts_avpw_finish(w);

	if (len < 0) {
		tun_log(LTS_LOG_ERR, t, "cannot encode a control message: %s", strerror(-len));
		return len;
	}
	return lts_tunnel_send(t, session_id, w->buf, len);
}

static void send_stopccn(struct lts_tunnel *t, uint16_t result, uint16_t error, const char *msg)
{
	struct lts_avp_opts opts = lts_tunnel_avp_opts(t);
	struct lts_avp_result r = { .result = result, .has_error = true, .error = error,
				    .message = msg, .message_len = msg ? strlen(msg) : 0 };
	struct lts_avp_writer w;
	uint8_t body[BODY_MAX];

	lts_avpw_init(&w, body, sizeof(body), &opts);
	lts_avpw_add_u16(&w, LTS_AVP_MSG_TYPE, LTS_CTRL_STOPCCN);
	lts_avpw_add_u16(&w, LTS_AVP_ASSIGNED_TUNNEL_ID, t->id);
	lts_avpw_add_result(&w, &r);
	send_built(t, 0, &w);
	tun_log(LTS_LOG_INFO, t, "tx StopCCN result %u error %u%s%s", result, error,
		msg ? ": " : "", msg ? msg : "");
}

void lts_tunnel_refuse(struct lts_ctrl_plane *cp, const struct lts_ctrl_endpoint *ep,
		       uint16_t peer_tunnel_id, const struct lts_ctrl_verdict *v)
{
	struct lts_avp_opts opts = { 0 }; /* no secret: the peer is not known to us */
	struct lts_avp_result r = { .result = v->result, .has_error = true, .error = v->error,
				    .message = v->message, .message_len = strlen(v->message) };
	/* Ns 0, Nr 1: it acknowledges the SCCRQ (Ns 0), so it is not resent. */
	struct lts_ctrl_hdr h = { .tunnel_id = peer_tunnel_id, .ns = 0, .nr = 1 };
	uint8_t pkt[LTS_CTRL_HDR_LEN + 256];
	struct lts_avp_writer w;
	uint16_t id = (uint16_t)(peer_tunnel_id * 40503u) | 1;
	uint32_t i;
	int len;

	/*
	 * Assigned Tunnel ID is mandatory in StopCCN (RFC 2661 6.4) and some
	 * LACs reject 0: name an ID that is free now. It is never allocated
	 * for this peer; whatever comes back to it is "unknown tunnel".
	 */
	for (i = 0; i < LTS_TUNNEL_ID_SPACE && (!id || cp->tunnels[id]); i++)
		id++;
	lts_avpw_init(&w, pkt + LTS_CTRL_HDR_LEN, sizeof(pkt) - LTS_CTRL_HDR_LEN, &opts);
	lts_avpw_add_u16(&w, LTS_AVP_MSG_TYPE, LTS_CTRL_STOPCCN);
	lts_avpw_add_u16(&w, LTS_AVP_ASSIGNED_TUNNEL_ID, id);
	lts_avpw_add_result(&w, &r);
	len = lts_avpw_finish(&w);
	if (len < 0 || !cp->out.send)
		return;
	h.length = (uint16_t)(LTS_CTRL_HDR_LEN + len);
	lts_ctrl_hdr_build(pkt, &h);
	lts_cp_count_tx(cp, pkt + LTS_CTRL_HDR_LEN, (size_t)len);
	cp->out.send(cp->out.ctx, ep, pkt, h.length);
}

/* Stop: StopCCN, every session down, keep state for the retention (5.8). */
static enum lts_tun_state stop(struct lts_tunnel *t, uint16_t result, uint16_t error,
			       const char *msg)
{
	struct lts_cdn_info why = { .result = LTS_CDN_GENERAL_ERROR,
				    .error = LTS_ERR_NO_CONTROL_CONN, .local = true };

	snprintf(why.message, sizeof(why.message), "tunnel closed: %s", msg ? msg : "");
	/* CLOSING before the hooks run: a switch failing a call over from
	 * inside them must not be handed this tunnel again. */
	t->state = LTS_TUN_CLOSING;
	/* Sessions next: the switch removes their data-plane entries before
	 * anything tells the peer the tunnel is gone. */
	lts_session_tunnel_down(t, &why);
	send_stopccn(t, result, error, msg);
	lts_ctrl_xport_close(&t->xport, t->cp->now_ms);
	return LTS_TUN_CLOSING;
}

static bool version_ok(struct lts_tunnel *t, const struct lts_ctrl_msg *m)
{
	struct lts_avp_proto_ver v;

	if (!lts_avp_get_proto_ver(m, &v) && v.ver == LTS_CTRL_PROTO_VER)
		return true;
	tun_log(LTS_LOG_WARN, t, "protocol version %u.%u not supported", v.ver, v.rev);
	return false;
}

static void learn_peer(struct lts_tunnel *t, const struct lts_ctrl_msg *m)
{
	size_t len = 0;

	if (lts_avp_get_string(m, LTS_AVP_HOST_NAME, t->peer_hostname,
			       sizeof(t->peer_hostname), &len))
		t->peer_hostname[0] = '\0';
}

/* LAC role, RFC 2661 7.2.1 "Local Open request": send SCCRQ. */
static enum lts_tun_state act_send_sccrq(struct lts_tunnel *t, const struct tun_event_arg *a)
{
	struct lts_avp_opts opts = first_message_opts(t);
	struct lts_avp_writer w;
	uint8_t body[BODY_MAX];

	(void)a;
	lts_avpw_init(&w, body, sizeof(body), &opts);
	lts_avpw_add_u16(&w, LTS_AVP_MSG_TYPE, LTS_CTRL_SCCRQ);
	add_hello_avps(&w, t);
	add_challenge(&w, t);
	/* Tie Breaker (4.4.3): settles SCCRQs crossing with the same peer. */
	if (getrandom(&t->tie_breaker, sizeof(t->tie_breaker), 0) == sizeof(t->tie_breaker))
		lts_avpw_add_u64(&w, LTS_AVP_TIE_BREAKER, t->tie_breaker);
	return send_built(t, 0, &w) ? LTS_TUN_IDLE : NEXT;
}

/* LNS role: answer an acceptable SCCRQ with SCCRP (7.2.1). */
static enum lts_tun_state act_answer_sccrq(struct lts_tunnel *t, const struct tun_event_arg *a)
{
	struct lts_avp_opts opts = first_message_opts(t);
	char host[LTS_LOG_PEER_STR_BUF];
	struct lts_avp_writer w;
	uint8_t body[BODY_MAX];

	learn_peer(t, a->m);
	if (!version_ok(t, a->m))
		return stop(t, LTS_STOPCCN_BAD_VERSION, LTS_CTRL_PROTO_VER << 8, "version 1.0 only");
	lts_avpw_init(&w, body, sizeof(body), &opts);
	lts_avpw_add_u16(&w, LTS_AVP_MSG_TYPE, LTS_CTRL_SCCRP);
	add_hello_avps(&w, t);
	if (add_challenge_response(&w, t, a->m, LTS_CTRL_SCCRP))
		return stop(t, LTS_STOPCCN_NOT_AUTHORIZED, 0, "challenge but no secret configured");
	add_challenge(&w, t);
	tun_log(LTS_LOG_DEBUG, t, "SCCRQ from \"%s\"%s",
		lts_log_peer_str(t->peer_hostname, host, sizeof(host)),
		t->secret ? ", authenticating" : "");
	return send_built(t, 0, &w) ? LTS_TUN_CLOSING : NEXT;
}

/*
 * A LAC that restarted opens a new tunnel with the same Assigned Tunnel ID
 * (REFERENCE 2.3). Its old tunnel goes only now that the new one has
 * completed its handshake (and authenticated, with a secret): a spoofed
 * SCCRQ never gets here, so it can never tear down a live tunnel.
 */
static void replace_restarted(struct lts_tunnel *t)
{
	struct lts_tunnel *o;

	for (o = t->cp->all; o; o = o->next)
		if (o != t && o->role == LTS_ROLE_LNS && o->state == LTS_TUN_ESTABLISHED &&
		    o->peer_id == t->peer_id && o->ep.peer_port == t->ep.peer_port &&
		    lts_ip_equal(&o->ep.peer, &t->ep.peer))
			lts_tunnel_drop(o, "peer restarted: a new tunnel with the same tunnel ID");
}

/* LNS role: the per-lac_peer limit counts established tunnels only. */
static bool over_peer_limit(struct lts_tunnel *t)
{
	const struct lts_config *cfg = t->cp->cfg;
	uint32_t max;

	if (t->role != LTS_ROLE_LNS || t->lac_idx < 0)
		return false;
	max = cfg->lac_peers[t->lac_idx].max_tunnels;
	return max && t->cp->lac[t->lac_idx].n_tunnels >= max;
}

static enum lts_tun_state established(struct lts_tunnel *t)
{
	struct lts_ctrl_plane *cp = t->cp;

	if (t->role == LTS_ROLE_LNS) {
		replace_restarted(t);
		/* Two handshakes of one peer may race to its last slot. */
		if (over_peer_limit(t))
			return stop(t, LTS_STOPCCN_GENERAL_ERROR, LTS_ERR_RESOURCES,
				    "tunnel limit reached");
		if (t->lac_idx >= 0) {
			cp->lac[t->lac_idx].n_tunnels++;
			t->counted = true;
		}
	}
	t->state = LTS_TUN_ESTABLISHED; /* before the hooks: they may place calls */
	lts_ctrl_xport_set_ooo_budget(&t->xport, LTS_CTRL_OOO_BUDGET_DEFAULT);
	t->was_established = true;
	persist_sync(t);
	if (t->lns_idx >= 0)
		cp->lns[t->lns_idx].backoff_ms = 0;
	if (cp->ops.tunnel_up)
		cp->ops.tunnel_up(cp->ctx, t);
	lts_session_tunnel_up(t);
	return NEXT;
}

/* LAC role: SCCRP answers our SCCRQ; confirm with SCCCN (7.2.1). */
static enum lts_tun_state act_answer_sccrp(struct lts_tunnel *t, const struct tun_event_arg *a)
{
	struct lts_avp_opts opts = lts_tunnel_avp_opts(t);
	char host[LTS_LOG_PEER_STR_BUF];
	uint16_t peer_id = 0, rws = 0;
	struct lts_avp_writer w;
	uint8_t body[BODY_MAX];

	learn_peer(t, a->m);
	if (!version_ok(t, a->m))
		return stop(t, LTS_STOPCCN_BAD_VERSION, LTS_CTRL_PROTO_VER << 8, "version 1.0 only");
	if (lts_avp_get_u16(a->m, LTS_AVP_ASSIGNED_TUNNEL_ID, &peer_id) || !peer_id)
		return stop(t, LTS_STOPCCN_GENERAL_ERROR, LTS_ERR_VALUE, "bad Assigned Tunnel ID");
	lts_avp_get_u16(a->m, LTS_AVP_RECV_WINDOW_SIZE, &rws);
	t->peer_id = peer_id;
	lts_ctrl_xport_set_peer(&t->xport, peer_id, rws);
	if (check_challenge_response(t, a->m, LTS_CTRL_SCCRP))
		return stop(t, LTS_STOPCCN_NOT_AUTHORIZED, 0, "bad challenge response");

	lts_avpw_init(&w, body, sizeof(body), &opts);
	lts_avpw_add_u16(&w, LTS_AVP_MSG_TYPE, LTS_CTRL_SCCCN);
	if (add_challenge_response(&w, t, a->m, LTS_CTRL_SCCCN))
		return stop(t, LTS_STOPCCN_NOT_AUTHORIZED, 0, "challenge but no secret configured");
	if (send_built(t, 0, &w))
		return stop(t, LTS_STOPCCN_GENERAL_ERROR, LTS_ERR_RESOURCES, "cannot send SCCCN");
	tun_log(LTS_LOG_INFO, t, "SCCRP from \"%s\"",
		lts_log_peer_str(t->peer_hostname, host, sizeof(host)));
	return established(t);
}

/* LNS role: SCCCN completes the handshake (7.2.1). */
static enum lts_tun_state act_check_scccn(struct lts_tunnel *t, const struct tun_event_arg *a)
{
	char host[LTS_LOG_PEER_STR_BUF];

	if (check_challenge_response(t, a->m, LTS_CTRL_SCCCN))
		return stop(t, LTS_STOPCCN_NOT_AUTHORIZED, 0, "bad challenge response");
	tun_log(LTS_LOG_INFO, t, "SCCCN from \"%s\"%s",
		lts_log_peer_str(t->peer_hostname, host, sizeof(host)),
		t->secret ? ", authenticated" : "");
	return established(t);
}

static enum lts_tun_state act_session(struct lts_tunnel *t, const struct tun_event_arg *a)
{
	lts_session_input(t, a->h, a->m, a->v);
	return NEXT;
}

static enum lts_tun_state act_none(struct lts_tunnel *t, const struct tun_event_arg *a)
{
	(void)t;
	(void)a;
	return NEXT;
}

/* The peer's StopCCN: every session goes, the transport acks and lingers. */
static enum lts_tun_state act_peer_stop(struct lts_tunnel *t, const struct tun_event_arg *a)
{
	struct lts_cdn_info why = { .result = LTS_CDN_GENERAL_ERROR,
				    .error = LTS_ERR_NO_CONTROL_CONN };
	struct lts_avp_result r = { 0 };

	lts_avp_get_result(a->m, &r);
	/* "General error: insufficient resources" means busy to the switch. */
	if (r.result == LTS_STOPCCN_GENERAL_ERROR && r.has_error && r.error == LTS_ERR_RESOURCES)
		why.error = LTS_ERR_RESOURCES;
	snprintf(why.message, sizeof(why.message), "peer StopCCN %u/%u %.*s", r.result, r.error,
		 (int)(r.message_len > 60 ? 60 : r.message_len), r.message ? r.message : "");
	tun_log(LTS_LOG_INFO, t, "%s", why.message);
	t->state = LTS_TUN_CLOSING; /* before the hooks, as in stop() */
	lts_session_tunnel_down(t, &why);
	lts_ctrl_xport_close(&t->xport, t->cp->now_ms);
	return NEXT;
}

static enum lts_tun_state act_close(struct lts_tunnel *t, const struct tun_event_arg *a)
{
	return stop(t, a->result, a->error, a->message);
}

/* Retransmissions exhausted (5.8): clear the tunnel and all its sessions. */
static enum lts_tun_state act_failed(struct lts_tunnel *t, const struct tun_event_arg *a)
{
	struct lts_cdn_info why = { .result = LTS_CDN_GENERAL_ERROR,
				    .error = LTS_ERR_NO_CONTROL_CONN, .local = true };

	(void)a;
	snprintf(why.message, sizeof(why.message), "tunnel lost: peer not answering");
	t->state = LTS_TUN_DEAD; /* before the hooks, as in stop() */
	lts_session_tunnel_down(t, &why);
	return NEXT;
}

/* The explicit default row: an unexpected message clears the tunnel. */
static enum lts_tun_state act_fsm_error(struct lts_tunnel *t, const struct tun_event_arg *a)
{
	(void)a;
	return stop(t, LTS_STOPCCN_FSM_ERROR, 0, "unexpected message");
}

/* RFC 2661 7.2.1 (control connection states), first match wins. */
static const struct tun_row tun_table[] = {
	/* state                  event             action             target */
	/* LAC role: SCCRQ -> SCCRP -> SCCCN */
	{ LTS_TUN_IDLE,           TEV_OPEN,         act_send_sccrq,    LTS_TUN_WAIT_CTL_REPLY },
	{ LTS_TUN_WAIT_CTL_REPLY, TEV_RX_SCCRP,     act_answer_sccrp,  LTS_TUN_ESTABLISHED },
	/* LNS role: SCCRQ -> SCCRP -> SCCCN */
	{ LTS_TUN_IDLE,           TEV_RX_SCCRQ,     act_answer_sccrq,  LTS_TUN_WAIT_CTL_CONN },
	{ LTS_TUN_WAIT_CTL_CONN,  TEV_RX_SCCCN,     act_check_scccn,   LTS_TUN_ESTABLISHED },
	/* A retransmitted SCCRQ reaches us only as a duplicate: the transport acks it. */
	{ LTS_TUN_WAIT_CTL_CONN,  TEV_RX_SCCRQ,     act_none,          STAY },
	/* Calls; a session may close the tunnel, so it stays where that left it. */
	{ LTS_TUN_ESTABLISHED,    TEV_RX_SESSION,   act_session,       STAY },
	/* Everything in CLOSING is acknowledged by the transport and ignored. */
	{ LTS_TUN_CLOSING,        TEV_XPORT_CLOSED, act_none,          LTS_TUN_DEAD },
	{ LTS_TUN_CLOSING,        TEV_XPORT_FAILED, act_none,          LTS_TUN_DEAD },
	{ LTS_TUN_CLOSING,        ANY_EVENT,        act_none,          STAY },
	{ LTS_TUN_DEAD,           ANY_EVENT,        act_none,          STAY },
	/* Any other state */
	{ ANY,                    TEV_RX_HELLO,     act_none,          STAY },
	{ ANY,                    TEV_RX_STOPCCN,   act_peer_stop,     LTS_TUN_CLOSING },
	{ ANY,                    TEV_CLOSE,        act_close,         LTS_TUN_CLOSING },
	{ ANY,                    TEV_XPORT_FAILED, act_failed,        LTS_TUN_DEAD },
	{ ANY,                    ANY_EVENT,        act_fsm_error,     LTS_TUN_CLOSING }, /* default */
};

static void half_open_unlink(struct lts_tunnel *t)
{
	struct lts_ctrl_plane *cp = t->cp;

	if (!t->half_open)
		return;
	LTS_LIST_UNLINK_TAIL(cp->half_open_first, cp->half_open_last, t, ho_prev, ho_next);
	t->half_open = false;
	cp->n_half_open--;
	lts_ctrl_xport_set_passive(&t->xport, false);
}

void lts_tunnel_half_open(struct lts_tunnel *t)
{
	struct lts_ctrl_plane *cp = t->cp;

	if (t->half_open)
		return;
	t->half_open = true;
	lts_ctrl_xport_set_passive(&t->xport, true);
	LTS_LIST_APPEND(cp->half_open_first, cp->half_open_last, t, ho_prev, ho_next);
	cp->n_half_open++;
}

static void set_state(struct lts_tunnel *t, enum lts_tun_state new, enum tun_event ev)
{
	struct lts_ctrl_plane *cp = t->cp;
	bool was_up = t->state == LTS_TUN_ESTABLISHED;

	if (new == t->state)
		return;
	/*
	 * Until a LAC completes its handshake it may be a spoofed source: its
	 * lines are debug, so a flood of SCCRQs cannot flood the log. Its
	 * tunnel is logged at INFO from SCCCN on.
	 */
	lts_log(t->role == LTS_ROLE_LNS && !t->was_established && new != LTS_TUN_ESTABLISHED &&
				new != LTS_TUN_CLOSING
			? LTS_LOG_DEBUG
			: LTS_LOG_INFO,
		"tun %u/%u [%s -> %s] %s", t->id, t->peer_id, lts_tun_state_name(t->state),
		lts_tun_state_name(new), tev_names[ev]);
	t->state = new;
	if (was_up && new != LTS_TUN_ESTABLISHED)
		persist_gone(t);
	if (new != LTS_TUN_IDLE && new != LTS_TUN_WAIT_CTL_CONN)
		half_open_unlink(t);
	if (was_up && new != LTS_TUN_ESTABLISHED && cp->ops.tunnel_down)
		cp->ops.tunnel_down(cp->ctx, t);
}

static void dispatch(struct lts_tunnel *t, enum tun_event ev, const struct tun_event_arg *a)
{
	enum lts_tun_state before = t->state, next;
	const struct tun_row *r;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(tun_table) - 1; i++) {
		r = &tun_table[i];
		if ((r->state == ANY || r->state == t->state) &&
		    (r->event == ANY_EVENT || r->event == ev))
			break;
	}
	r = &tun_table[i];
	/* established() may have moved the state already; log from `before`. */
	next = r->action(t, a);
	if (next == NEXT)
		next = r->next == STAY ? t->state : (enum lts_tun_state)r->next;
	if (t->state != before) {
		enum lts_tun_state moved = t->state;

		t->state = before;
		set_state(t, moved, ev);
	}
	set_state(t, next, ev);
}

static enum tun_event event_of(uint16_t msg_type)
{
	switch (msg_type) {
	case LTS_CTRL_SCCRQ: return TEV_RX_SCCRQ;
	case LTS_CTRL_SCCRP: return TEV_RX_SCCRP;
	case LTS_CTRL_SCCCN: return TEV_RX_SCCCN;
	case LTS_CTRL_STOPCCN: return TEV_RX_STOPCCN;
	case LTS_CTRL_HELLO: return TEV_RX_HELLO;
	default: return TEV_RX_SESSION;
	}
}

/* Transport callback: one message, in order, exactly once. */
static void on_deliver(void *ctx, const struct lts_ctrl_hdr *h, const uint8_t *body, size_t len)
{
	struct lts_tunnel *t = ctx;
	struct lts_avp_opts opts = lts_tunnel_avp_opts(t);
	struct lts_ctrl_verdict v;
	struct lts_ctrl_msg *m;
	struct tun_event_arg a = { .h = h, .v = &v };

	m = malloc(sizeof(*m)); /* ~68 KiB (decoded AVPs + plain copy): off the stack */
	if (!m)
		return;
	a.m = m;
	lts_ctrl_msg_parse(body, len, &opts, m, &v);
	lts_cp_count_rx(t->cp, m);
	switch (v.action) {
	case LTS_CTRL_IGNORE:
		tun_log(LTS_LOG_DEBUG, t, "ignored message type %u: %s", m->type, v.message);
		break;
	case LTS_CTRL_CLEAR_TUNNEL:
		tun_log(LTS_LOG_WARN, t, "bad %s: %s", lts_ctrl_type_name(m->type), v.message);
		a.result = v.result;
		a.error = v.error;
		a.message = v.message;
		dispatch(t, TEV_CLOSE, &a);
		break;
	case LTS_CTRL_CLEAR_SESSION:
	case LTS_CTRL_ACCEPT:
		if (v.action == LTS_CTRL_CLEAR_SESSION &&
		    lts_ctrl_type_scope(m->type) != LTS_CTRL_SCOPE_SESSION) {
			a.result = v.result;
			a.error = v.error;
			a.message = v.message;
			dispatch(t, TEV_CLOSE, &a);
			break;
		}
		dispatch(t, event_of(m->type), &a);
		break;
	}
	free(m);
}

static int on_send(void *ctx, const uint8_t *pkt, size_t len)
{
	struct lts_tunnel *t = ctx;
	struct lts_ctrl_plane *cp = t->cp;

	persist_sync(t); /* what a restart resumes from, before the packet leaves */
	return cp->out.send ? cp->out.send(cp->out.ctx, &t->ep, pkt, len) : 0;
}

static void on_failed(void *ctx)
{
	struct lts_tunnel *t = ctx;
	struct tun_event_arg a = { 0 };

	tun_log(LTS_LOG_WARN, t, "peer not answering after %u retransmissions",
		t->ctrl->retries);
	dispatch(t, TEV_XPORT_FAILED, &a);
}

static void on_closed(void *ctx)
{
	struct lts_tunnel *t = ctx;
	struct tun_event_arg a = { 0 };

	dispatch(t, TEV_XPORT_CLOSED, &a);
}

static uint64_t on_last_rx_data(void *ctx)
{
	struct lts_tunnel *t = ctx;
	struct lts_ctrl_plane *cp = t->cp;

	return cp->ops.last_rx_data_ms ? cp->ops.last_rx_data_ms(cp->ctx, t) : 0;
}

static const struct lts_ctrl_xport_ops xport_ops = {
	.send = on_send,
	.deliver = on_deliver,
	.failed = on_failed,
	.closed = on_closed,
	.last_rx_data_ms = on_last_rx_data,
};

/* A free tunnel ID, never 0 (RFC 2661 5.3). */
/*
 * A free tunnel ID, drawn at random: a spoofer who cannot see our SCCRP
 * cannot guess the ID its SCCCN would have to name (nor one to inject into).
 */
static int alloc_tid(struct lts_ctrl_plane *cp)
{
	uint64_t x = cp->tid_rng;
	uint32_t i;
	uint16_t id;

	/* xorshift64: cheap, seeded from getrandom() in lts_cp_init() */
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	cp->tid_rng = x;
	id = (uint16_t)(x >> 40);
	for (i = 0; i < LTS_TUNNEL_ID_SPACE; i++, id++)
		if (id && !cp->tunnels[id])
			return id;
	return -ENOSPC;
}

/*
 * Peer-specific settings, from the lac_peer or lns_peer the tunnel belongs
 * to. The control timers are read where they are (a reload re-points them);
 * what the peer knows us by — host name, secret, hiding — is copied once,
 * so that a reload never changes it under a running tunnel.
 */
static void apply_peer(struct lts_tunnel *t, bool identity)
{
	const struct lts_config *cfg = t->cp->cfg;
	const char *host = cfg->hostname, *secret = "";
	size_t secret_len = 0;
	bool hide = false;

	t->ctrl = &cfg->control;
	if (t->lac_idx >= 0) {
		const struct lts_lac_peer *p = &cfg->lac_peers[t->lac_idx];

		t->ctrl = &p->ctrl;
		secret = p->secret;
		secret_len = p->secret_len;
		hide = p->hide_avps;
	} else if (t->lns_idx >= 0) {
		const struct lts_lns_peer *p = &cfg->lns_peers[t->lns_idx];

		t->ctrl = &p->ctrl;
		host = p->hostname;
		secret = p->secret;
		secret_len = p->secret_len;
		hide = p->hide_avps;
	}
	if (!identity)
		return;
	snprintf(t->own_hostname, sizeof(t->own_hostname), "%s", host);
	memcpy(t->own_secret, secret, secret_len);
	t->hostname = t->own_hostname;
	t->secret = secret_len ? t->own_secret : NULL;
	t->secret_len = secret_len;
	t->hide = hide;
}

/* The settings of the transport that a reload may change. */
static void xport_timers(const struct lts_ctrl_cfg *c, struct lts_ctrl_xport_cfg *xc)
{
	xc->rto_initial_ms = c->retransmit_initial_ms;
	xc->rto_max_ms = c->retransmit_max_ms;
	xc->max_retries = c->retries;
	xc->hello_interval_ms = c->hello_interval_s * 1000;
}

static int init_xport(struct lts_tunnel *t)
{
	struct lts_avp_opts opts = { 0 };
	struct lts_ctrl_xport_cfg xc;
	struct lts_avp_writer w;
	uint8_t hello[LTS_CTRL_HELLO_MAX];
	int len;

	lts_avpw_init(&w, hello, sizeof(hello), &opts);
	lts_avpw_add_u16(&w, LTS_AVP_MSG_TYPE, LTS_CTRL_HELLO);
	len = lts_avpw_finish(&w);
	if (len < 0)
		return len;
	lts_ctrl_xport_cfg_default(&xc);
	xc.rws = t->ctrl->receive_window;
	xport_timers(t->ctrl, &xc);
	xc.hello_body = hello;
	xc.hello_len = len;
	/* Nothing held out of order until the peer has completed its handshake. */
	xc.ooo_budget = 0;
	xc.ooo_pool = &t->cp->ooo_pool;
	/* A tunnel going down may owe a CDN for every call it switched. */
	if (t->cp->cfg->limits.max_sessions + LTS_SESSION_SLACK > xc.max_queue)
		xc.max_queue = t->cp->cfg->limits.max_sessions + LTS_SESSION_SLACK;
	return lts_ctrl_xport_init(&t->xport, &xc, &xport_ops, t, t->id, t->cp->now_ms);
}

/* Sets lac_idx/lns_idx from the caller before use: see lts_cp_*. */
static struct lts_tunnel *tunnel_new_id(struct lts_ctrl_plane *cp, enum lts_role role,
					 const struct lts_ctrl_endpoint *ep, int id)
{
	struct lts_tunnel *t;

	if (id <= 0 || cp->tunnels[id])
		return NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->cp = cp;
	t->state_slot = -1;
	t->id = id;
	t->role = role;
	t->state = LTS_TUN_IDLE;
	t->ep = *ep;
	t->lac_idx = -1;
	t->lns_idx = -1;
	t->created_ms = cp->now_ms;
	t->next_sid = (uint16_t)(cp->now_ms * 2654435761u) | 1;
	t->next_serial = 1;
	cp->tunnels[id] = t;
	cp->n_tunnels++;
	LTS_LIST_PUSH(cp->all, t, prev, next);
	return t;
}

struct lts_tunnel *lts_tunnel_new(struct lts_ctrl_plane *cp, enum lts_role role,
				  const struct lts_ctrl_endpoint *ep)
{
	return tunnel_new_id(cp, role, ep, alloc_tid(cp));
}

struct lts_tunnel *lts_tunnel_adopt(struct lts_ctrl_plane *cp, const struct lts_tunnel_resume *r)
{
	struct lts_tunnel *t = tunnel_new_id(cp, r->role, &r->ep, r->id);

	if (!t)
		return NULL;
	t->peer_id = r->peer_id;
	t->lac_idx = r->lac_idx;
	t->lns_idx = r->lns_idx;
	t->created_ms = r->created_ms;
	t->next_sid = r->next_sid;
	t->next_serial = r->next_serial;
	t->state_slot = r->state_slot;
	snprintf(t->peer_hostname, sizeof(t->peer_hostname), "%s", r->peer_hostname);
	if (t->lns_idx >= 0) {
		struct lts_lns_state *ls = &cp->lns[t->lns_idx];

		/* Listed before anything can fail: lts_tunnel_free() unlists it. */
		LTS_LIST_PUSH(ls->tunnels, t, lns_prev, lns_next);
		ls->n_tunnels++;
		ls->redial_ms = 0;
	}
	if (lts_tunnel_start(t) ||
	    lts_ctrl_xport_resume(&t->xport, r->peer_id, r->peer_rws, r->una, r->ns_next, r->nr,
				  cp->now_ms)) {
		lts_tunnel_free(t);
		return NULL;
	}
	if (t->lac_idx >= 0) {
		cp->lac[t->lac_idx].n_tunnels++;
		t->counted = true;
	}
	t->state = LTS_TUN_ESTABLISHED;
	t->was_established = true;
	lts_ctrl_xport_set_ooo_budget(&t->xport, LTS_CTRL_OOO_BUDGET_DEFAULT);
	persist_sync(t);
	return t;
}

/* Second half of construction, once the owner set lac_idx/lns_idx. */
int lts_tunnel_start(struct lts_tunnel *t)
{
	apply_peer(t, true);
	return init_xport(t);
}

void lts_tunnel_reconfigure(struct lts_tunnel *t)
{
	struct lts_ctrl_xport_cfg xc;

	apply_peer(t, false);
	xc = t->xport.cfg;
	xport_timers(t->ctrl, &xc);
	if (lts_ctrl_xport_retune(&t->xport, &xc))
		tun_log(LTS_LOG_WARN, t, "new control timers refused: old ones kept");
}

void lts_tunnel_free(struct lts_tunnel *t)
{
	struct lts_ctrl_plane *cp;

	if (!t)
		return;
	cp = t->cp;
	persist_gone(t);
	t->state = LTS_TUN_DEAD; /* hooks run from here must not pick it */
	if (t->sessions) {
		struct lts_cdn_info why = { .result = LTS_CDN_ADMIN, .local = true };

		lts_session_tunnel_down(t, &why);
		lts_session_release_all(t);
	}
	half_open_unlink(t);
	if (t->counted)
		cp->lac[t->lac_idx].n_tunnels--;
	if (t->lns_idx >= 0) {
		struct lts_lns_state *ls = &cp->lns[t->lns_idx];

		LTS_LIST_UNLINK(ls->tunnels, t, lns_prev, lns_next);
		ls->n_tunnels--;
	}
	lts_ctrl_xport_fini(&t->xport);
	cp->tunnels[t->id] = NULL;
	cp->n_tunnels--;
	LTS_LIST_UNLINK(cp->all, t, prev, next);
	free(t);
}

void lts_tunnel_open(struct lts_tunnel *t)
{
	struct tun_event_arg a = { 0 };

	dispatch(t, TEV_OPEN, &a);
}

void lts_tunnel_close(struct lts_tunnel *t, uint16_t result, uint16_t error, const char *msg)
{
	struct tun_event_arg a = { .result = result, .error = error, .message = msg };

	dispatch(t, TEV_CLOSE, &a);
}

void lts_tunnel_drop(struct lts_tunnel *t, const char *why)
{
	struct lts_cdn_info cdn = { .result = LTS_CDN_GENERAL_ERROR,
				    .error = LTS_ERR_NO_CONTROL_CONN, .local = true };

	/* An evicted half-open tunnel is counted (half_open_evicted), not logged. */
	tun_log(t->half_open ? LTS_LOG_DEBUG : LTS_LOG_INFO, t, "dropped: %s", why);
	snprintf(cdn.message, sizeof(cdn.message), "%s", why);
	set_state(t, LTS_TUN_DEAD, TEV_CLOSE); /* before the hooks, as in stop() */
	lts_session_tunnel_down(t, &cdn);
}

void lts_tunnel_input(struct lts_tunnel *t, const uint8_t *pkt, size_t len)
{
	lts_ctrl_xport_input(&t->xport, pkt, len, t->cp->now_ms);
	persist_sync(t); /* Nr moved; a restart must not take the message again */
}
