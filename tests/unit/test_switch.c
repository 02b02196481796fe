// SPDX-License-Identifier: GPL-2.0
/*
 * The tunnel switch (agent/switch.c, relay.c) end to end over the real
 * control plane: fake LACs and LNSes talk to lts_cp_input(), a fake
 * lts_dp_ops records what the switch sends, installs and removes.
 * Scenarios follow DESIGN section 4 and REFERENCE 1.1-1.3: where each call
 * goes (rules decided at ICRQ or at ICCN, pools
 * with preference, weight, lockout and failover), which AVPs cross the
 * switch and how, the result and error codes on each leg, and that the data
 * plane entries go in only once both legs are up and out before the CDN
 * that ends a call.
 *
 * Tests that show a bug in the agent call KNOWN_BUG() (or KNOWN_BUG_IF())
 * just before the assertion that fails, so the suite stays green; remove
 * that line once the bug is fixed. LTS_TEST_KNOWN_BUGS=1 runs them anyway.
 * LTS_TEST_SEED=n seeds the switch's pool choices differently.
 * LTS_TEST_LOG=1 shows the agent's log.
 *
 * Harness:
 *  - the config comes from YAML text (lts_config_load_string());
 *  - the fake lts_dp_ops records every control packet sent, every
 *    install() and remove(), in one ordered event log, so a test can check
 *    what happened before what;
 *  - the clock only moves in advance(), which calls lts_cp_tick() at every
 *    deadline on the way (and fails if the next deadline is left in the
 *    past: the daemon's event loop would spin);
 *  - fake peers (LACs and LNSes) build control messages with the AVP writer
 *    the agent uses, track Ns/Nr like an RFC 2661 peer that never loses
 *    anything, acknowledge what they receive, and parse (and hold against the
 *    message specs) everything the switch sends them; protocol violations
 *    (a gap in Ns, a message other than SCCRQ with Tunnel ID 0) are recorded
 *    and fail the next expect(). An LNS may run on autopilot: it answers
 *    SCCRQ and ICRQ by itself (ICRP, or a CDN with a chosen code).
 *
 * The peer, the message builders, capture and parse and the clock are
 * tests/lib/peer_harness.[ch], shared with test_ctrl_plane.c and the fuzzer;
 * the event log, delivery and the autopilot are this file's.
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

#include "accounting.h"
#include "l2tp/ctrl_plane.h"
#include "lib/log.h"
#include "lts_config.h"
#include "switch.h"
#include "ctl_server.h"
#include "lib/json.h"
#include "lib/util.h"
#include "../lib/peer_harness_cmocka.h"

#define START_MS 5000000ull
#define MAX_PEERS 8
#define INBOX_MAX 256
#define HELD_MAX 32
#define TYPE_MAX 17 /* message types 0..16 (0: a ZLB here) */
#define ANY_TYPE 0xffff

/* KNOWN_BUG() (peer_harness_cmocka.h) only where cond holds. */
#define KNOWN_BUG_IF(cond, why)                                                            \
	do {                                                                               \
		if (cond)                                                                  \
			KNOWN_BUG(why);                                                    \
	} while (0)

/* The switch's own addresses on the two sides. */
#define SW_LAC_SIDE "10.0.1.254"
#define SW_LNS_SIDE "10.0.2.254"

enum ev_kind {
	EV_SEND,
	EV_INSTALL,
	EV_INSTALL_FAILED, /* install() was called and the fake refused it */
	EV_REMOVE,
};

struct fpeer;

/* One entry of the ordered log of everything the switch did to the outside. */
struct event {
	enum ev_kind kind;
	uint64_t at;
	/* EV_SEND */
	struct fpeer *to;
	struct ph_dgram d;
	/* EV_INSTALL*, EV_REMOVE */
	struct lts_static_session pair;
	uint32_t stats_idx;
	bool legs_up; /* EV_INSTALL*: both sessions were ESTABLISHED at the time */
};

/* A fake LAC or LNS: one control connection at a time. */
struct fpeer {
	struct ph_peer ph; /* ph.ep: as the switch sees it; ph.tid ours, ph.sw_tid the switch's */
	const char *name;
	bool lns;
	const char *hostname;
	uint16_t next_tid;      /* our next tunnel ID */
	uint16_t port_from;     /* LNS: answer from this UDP port (0: the one dialled) */
	bool silent;            /* receives nothing, answers nothing */
	bool owe_ack;
	/* LNS autopilot: answers SCCRQ with SCCRP and ICRQ with ICRP or CDN. */
	bool autopilot;
	uint16_t icrq_result, icrq_error; /* result 0: ICRP */
	uint16_t next_sid;
	/* what arrived */
	struct ph_rx *inbox[INBOX_MAX];
	size_t n_in;
	struct ph_rx *last[TYPE_MAX]; /* autopilot: the last message of each type */
	unsigned seen[TYPE_MAX];   /* every datagram, duplicates and dropped ones too */
	unsigned got[TYPE_MAX];    /* delivered in order */
	unsigned dups;
	unsigned stale; /* for a tunnel of ours that is gone */
	/* Protocol violations seen (the first is kept): expect*() fail on them. */
	unsigned bad;
	char bad_why[160];
};

struct harness {
	struct lts_config *cfg;
	struct lts_switch sw;
	struct lts_ctrl_plane cp;
	bool up;
	struct ph_clock clk;
	struct event *ev;
	size_t n_ev, cap_ev, routed;
	struct fpeer peers[MAX_PEERS];
	size_t n_peers;
	struct ph_rx *held[HELD_MAX];
	size_t held_i;
	bool in_pump;
	int install_ret;        /* what the fake install() returns */
	uint64_t data_ms;       /* what last_rx_ms() returns ... */
	bool data_is_now;       /* ... or the current time */
	unsigned n_last_rx;
	uint32_t last_rx_idx;
};

static struct harness H;

static const char *type_name(uint16_t type)
{
	return type ? lts_ctrl_type_name(type) : "ZLB";
}

static void assert_ip(const struct lts_ip *ip, const char *text)
{
	struct lts_ip want;

	ph_ip(&want, text);
	if (!lts_ip_equal(ip, &want)) {
		char buf[64];

		fail_msg("address %s (family %u), expected %s", lts_ip_str(ip, buf, sizeof(buf)),
			 ip->family, text);
	}
}

static struct fpeer *peer_by_ip(const struct lts_ip *ip)
{
	size_t i;

	for (i = 0; i < H.n_peers; i++)
		if (lts_ip_equal(&H.peers[i].ph.ep.peer, ip))
			return &H.peers[i];
	return NULL;
}

/* ------------------------------------------------------------------ */
/* The fake data plane and sockets                                     */
/* ------------------------------------------------------------------ */

static struct event *ev_new(enum ev_kind kind)
{
	struct event *e;

	if (H.n_ev == H.cap_ev) {
		H.cap_ev = H.cap_ev ? 2 * H.cap_ev : 256;
		H.ev = realloc(H.ev, H.cap_ev * sizeof(*H.ev));
		assert_non_null(H.ev);
	}
	e = &H.ev[H.n_ev++];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->at = H.clk.now;
	return e;
}

static int io_send(void *ctx, const struct lts_ctrl_endpoint *ep, const uint8_t *pkt, size_t len)
{
	struct event *e;

	assert_ptr_equal(ctx, &H);
	e = ev_new(EV_SEND);
	ph_dgram_capture(&e->d, ep, pkt, len);
	e->to = peer_by_ip(&ep->peer);
	return 0;
}

/* The session of the control plane a leg names is established. */
static bool leg_up(const struct lts_static_leg *l)
{
	struct lts_tunnel *t = H.cp.tunnels[l->tunnel_id];
	struct lts_session *s = t ? lts_session_find(t, l->session_id) : NULL;

	return t && t->state == LTS_TUN_ESTABLISHED && t->peer_id == l->peer_tunnel_id && s &&
	       s->state == LTS_SESS_ESTABLISHED && s->peer_id == l->peer_session_id;
}

static int io_install(void *ctx, const struct lts_static_session *pair, uint32_t stats_idx)
{
	struct event *e;

	assert_ptr_equal(ctx, &H);
	e = ev_new(H.install_ret ? EV_INSTALL_FAILED : EV_INSTALL);
	e->pair = *pair;
	e->stats_idx = stats_idx;
	e->legs_up = leg_up(&pair->a) && leg_up(&pair->b);
	return H.install_ret;
}

static void io_remove(void *ctx, const struct lts_static_session *pair)
{
	struct event *e;

	assert_ptr_equal(ctx, &H);
	e = ev_new(EV_REMOVE);
	e->pair = *pair;
}

static uint64_t io_last_rx_ms(void *ctx, uint32_t stats_idx)
{
	assert_ptr_equal(ctx, &H);
	H.n_last_rx++;
	H.last_rx_idx = stats_idx;
	return H.data_is_now ? H.clk.now : H.data_ms;
}

static const struct lts_dp_ops fake_dp = {
	.install = io_install,
	.remove = io_remove,
	.last_rx_ms = io_last_rx_ms,
	.ctx = &H,
};

static const struct lts_ctrl_output fake_out = { .send = io_send, .ctx = &H };

/* Index of the first event at or after from of this kind (to, type: NULL, ANY_TYPE: any). */
static long ev_find(size_t from, enum ev_kind kind, const struct fpeer *to, uint16_t type)
{
	size_t i;

	for (i = from; i < H.n_ev; i++) {
		const struct event *e = &H.ev[i];

		if (e->kind != kind)
			continue;
		if (kind == EV_SEND &&
		    ((to && e->to != to) || (type != ANY_TYPE && e->d.type != type)))
			continue;
		return (long)i;
	}
	return -1;
}

static size_t ev_count(enum ev_kind kind, const struct fpeer *to, uint16_t type)
{
	size_t n = 0;
	long i = -1;

	while ((i = ev_find(i + 1, kind, to, type)) >= 0)
		n++;
	return n;
}

static const struct event *ev_last(enum ev_kind kind)
{
	size_t i;

	for (i = H.n_ev; i-- > 0;)
		if (H.ev[i].kind == kind)
			return &H.ev[i];
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Setup, teardown, the clock                                          */
/* ------------------------------------------------------------------ */

static void pump(void);
static void ack_all(void);

/* Before every look at the deadline: peers take what came and acknowledge. */
static void settle(void *ctx)
{
	(void)ctx;
	pump();
	ack_all();
}

static void h_start(const char *yaml)
{
	struct lts_ctrl_plane_ops ops;

	memset(&H, 0, sizeof(H));
	H.cfg = ph_config("switch-test.yaml", yaml);
	H.clk = (struct ph_clock){ .cp = &H.cp, .now = START_MS, .max_ticks = 200000,
				   .settle = settle };
	assert_int_equal(lts_switch_init(&H.sw, H.cfg, &fake_dp), 0);
	/* A fixed seed: the weighted choices are the same on every run. */
	H.sw.rng = getenv("LTS_TEST_SEED") ? strtoull(getenv("LTS_TEST_SEED"), NULL, 0) | 1
					   : 0x9e3779b97f4a7c15ull;
	lts_switch_cp_ops(&ops);
	assert_int_equal(lts_cp_init(&H.cp, H.cfg, &fake_out, &ops, &H.sw, H.clk.now), 0);
	lts_switch_attach(&H.sw, &H.cp);
	H.up = true;
}

static void rx_free(struct ph_rx *r)
{
	free(r);
}

static int h_teardown(void **state)
{
	size_t i, j;

	(void)state;
	if (H.up) {
		/* The control plane first: its sessions still point at the calls. */
		lts_cp_fini(&H.cp);
		lts_switch_fini(&H.sw);
	}
	H.up = false;
	lts_config_free(H.cfg);
	H.cfg = NULL;
	for (i = 0; i < H.n_ev; i++)
		ph_dgram_free(&H.ev[i].d);
	free(H.ev);
	H.ev = NULL;
	H.n_ev = H.cap_ev = H.routed = 0;
	for (i = 0; i < H.n_peers; i++) {
		struct fpeer *p = &H.peers[i];

		for (j = 0; j < p->n_in; j++)
			rx_free(p->inbox[j]);
		for (j = 0; j < TYPE_MAX; j++)
			rx_free(p->last[j]);
	}
	H.n_peers = 0;
	for (i = 0; i < HELD_MAX; i++) {
		rx_free(H.held[i]);
		H.held[i] = NULL;
	}
	return 0;
}

/* Move the clock to now + ms, ticking at every deadline on the way; peers ack. */
static void advance(uint64_t ms)
{
	ph_advance(&H.clk, ms);
	pump();
}

/* ------------------------------------------------------------------ */
/* Fake peers                                                           */
/* ------------------------------------------------------------------ */

static struct fpeer *fpeer_of(struct ph_peer *ph)
{
	return (struct fpeer *)((char *)ph - offsetof(struct fpeer, ph));
}

/* A fake peer's datagram reaches the switch; what it answers is delivered. */
static void peer_input(struct ph_peer *ph, const uint8_t *pkt, size_t len)
{
	struct fpeer *p = fpeer_of(ph);
	struct lts_ctrl_endpoint ep = ph->ep;

	p->owe_ack = false;
	if (p->port_from)
		ep.peer_port = p->port_from;
	lts_cp_input(&H.cp, &ep, pkt, len, H.clk.now);
	pump();
}

static struct fpeer *add_peer(const char *name, const char *addr, bool lns)
{
	struct fpeer *p;

	assert_true(H.n_peers < MAX_PEERS);
	p = &H.peers[H.n_peers++];
	memset(p, 0, sizeof(*p));
	p->name = name;
	p->lns = lns;
	ph_ep(&p->ph.ep, addr, 1701, lns ? SW_LNS_SIDE : SW_LAC_SIDE, 1701);
	p->ph.rwin = 16;
	p->ph.seed = (uint8_t)(31 * H.n_peers);
	p->ph.input = peer_input;
	p->next_tid = (uint16_t)(0x100 * H.n_peers + (lns ? 0x4000 : 0));
	p->next_sid = (uint16_t)(0x1000 * H.n_peers + 1);
	return p;
}

static struct fpeer *add_lac(const char *name, const char *addr, const char *hostname,
			     const char *secret)
{
	struct fpeer *p = add_peer(name, addr, false);

	p->hostname = hostname;
	p->ph.secret = secret;
	p->ph.hide = secret != NULL;
	return p;
}

static struct fpeer *add_lns(const char *name, const char *addr, const char *secret,
			     bool autopilot)
{
	struct fpeer *p = add_peer(name, addr, true);

	p->hostname = name;
	p->ph.secret = secret;
	p->ph.hide = secret != NULL;
	p->autopilot = autopilot;
	return p;
}

static void hold(struct ph_rx *r)
{
	size_t i = H.held_i++ % HELD_MAX;

	rx_free(H.held[i]);
	H.held[i] = r;
}

static struct ph_rx *rx_parse(struct fpeer *p, const struct event *e)
{
	struct ph_rx *r = malloc(sizeof(*r));

	assert_non_null(r);
	ph_rx_parse(r, &e->d.ep, e->d.pkt, e->d.len, p->ph.secret);
	return r;
}

/* One datagram from the switch reaches peer p. */
static void deliver(struct fpeer *p, const struct event *e)
{
	const struct lts_ctrl_hdr *h = &e->d.hdr;
	uint16_t type = e->d.type;
	struct ph_rx *r;

	if (type < TYPE_MAX)
		p->seen[type]++;
	if (p->silent || e->d.len == LTS_CTRL_HDR_LEN)
		return; /* dropped, or a ZLB */
	r = rx_parse(p, e);
	if (type != LTS_CTRL_SCCRQ && !h->tunnel_id) {
		/* RFC 2661 3.1: only SCCRQ goes out before the peer's Tunnel ID is known. */
		if (!p->bad++)
			snprintf(p->bad_why, sizeof(p->bad_why), "%s with Tunnel ID 0",
				 type_name(type));
		if (h->ns == p->ph.nr)
			p->ph.nr++; /* keep in step with what follows */
		rx_free(r);
		return;
	}
	if (type == LTS_CTRL_SCCRQ && !h->tunnel_id) {
		uint16_t atid = ph_get_u16(r, LTS_AVP_ASSIGNED_TUNNEL_ID);

		if (atid != p->ph.sw_tid || !p->ph.nr) {
			/* A new control connection from the switch. */
			p->ph.sw_tid = atid;
			p->ph.tid = p->next_tid++;
			p->ph.ns = p->ph.nr = 0;
		}
	} else if (h->tunnel_id != p->ph.tid) {
		p->stale++;
		rx_free(r);
		return;
	}
	if (h->ns != p->ph.nr) {
		if (lts_ctrl_seq_before(h->ns, p->ph.nr)) {
			p->dups++; /* a retransmission: acknowledge it again */
			p->owe_ack = true;
			rx_free(r);
			return;
		}
		if (!p->bad++)
			snprintf(p->bad_why, sizeof(p->bad_why), "%s with Ns %u, expected %u",
				 type_name(type), h->ns, p->ph.nr);
		p->ph.nr = h->ns; /* resynchronise, and take it */
	}
	p->ph.nr++;
	p->owe_ack = true;
	p->got[type < TYPE_MAX ? type : 0]++;
	if (type == LTS_CTRL_HELLO) {
		rx_free(r); /* acknowledged, nothing else */
		return;
	}
	assert_true(p->n_in < INBOX_MAX);
	p->inbox[p->n_in++] = r;
}

static struct ph_rx *inbox_pop(struct fpeer *p)
{
	struct ph_rx *r = p->inbox[0];

	memmove(p->inbox, p->inbox + 1, (p->n_in - 1) * sizeof(p->inbox[0]));
	p->n_in--;
	return r;
}

/* Every peer that owes an acknowledgement sends a ZLB. */
static void ack_all(void)
{
	size_t i;

	pump();
	for (i = 0; i < H.n_peers; i++)
		if (!H.peers[i].silent && H.peers[i].owe_ack)
			ph_zlb(&H.peers[i].ph);
}

/* Answer the challenge of m, if any, as message type our_type. */
static void add_chal_response(struct ph_msg *b, struct fpeer *p, const struct ph_rx *m,
			      uint8_t our_type)
{
	const uint8_t *chal;
	size_t len;

	if (lts_avp_get_bytes(&m->msg, LTS_AVP_CHALLENGE, &chal, &len)) {
		if (p->ph.secret)
			fail_msg("%s: the switch did not challenge although a secret is set",
				 p->name);
		return;
	}
	assert_non_null(p->ph.secret);
	ph_add_chal_response(b, our_type, p->ph.secret, chal, len);
}

static void lns_send_sccrp(struct fpeer *p, const struct ph_rx *sccrq)
{
	struct ph_msg b;

	ph_build_sccrp(&b, &p->ph, p->hostname);
	add_chal_response(&b, p, sccrq, LTS_CTRL_SCCRP);
	ph_send(&p->ph, 0, &b);
}

static void peer_send_cdn(struct fpeer *p, uint16_t hdr_sid, uint16_t own_sid, uint16_t result,
			  uint16_t error, const char *msg, const struct lts_relay_set *extra);

static void lns_send_icrp(struct fpeer *p, uint16_t sw_sid, uint16_t sid)
{
	struct ph_msg b;

	ph_build_icrp(&b, &p->ph, sid);
	ph_send(&p->ph, sw_sid, &b);
}

/* An LNS on autopilot handles what it received. */
static void autopilot(struct fpeer *p, struct ph_rx *r)
{
	uint16_t sw_sid;

	switch (r->msg.type) {
	case LTS_CTRL_SCCRQ:
		lns_send_sccrp(p, r);
		break;
	case LTS_CTRL_ICRQ:
		sw_sid = ph_get_u16(r, LTS_AVP_ASSIGNED_SESSION_ID);
		if (p->icrq_result)
			peer_send_cdn(p, sw_sid, p->next_sid++, p->icrq_result, p->icrq_error,
				      "autopilot refuses", NULL);
		else
			lns_send_icrp(p, sw_sid, p->next_sid++);
		break;
	default:
		break;
	}
	assert_true(r->msg.type < TYPE_MAX);
	rx_free(p->last[r->msg.type]);
	p->last[r->msg.type] = r;
}

/* Hand every datagram the switch sent to its peer; autopilots answer. */
static void pump(void)
{
	bool again = true;
	size_t i;

	if (H.in_pump)
		return;
	H.in_pump = true;
	while (again) {
		again = false;
		for (; H.routed < H.n_ev; H.routed++) {
			const struct event *e = &H.ev[H.routed];

			if (e->kind != EV_SEND)
				continue;
			if (!e->to)
				fail_msg("the switch sent %s to an address no peer has",
					 type_name(e->d.type));
			deliver(e->to, e);
		}
		for (i = 0; i < H.n_peers; i++) {
			struct fpeer *p = &H.peers[i];

			while (p->autopilot && p->n_in) {
				autopilot(p, inbox_pop(p));
				again = true;
			}
		}
		again |= H.routed < H.n_ev;
	}
	H.in_pump = false;
}

/*
 * The next message for p (ZLBs and Hellos are not kept) must be of this type.
 * Peers acknowledge first, as real ones would: what waited for the window goes.
 */
static void assert_peer_ok(const struct fpeer *p)
{
	if (p->bad)
		fail_msg("%s: the switch sent %s (%u violations)", p->name, p->bad_why, p->bad);
}

static struct ph_rx *take(struct fpeer *p, uint16_t type, bool ack);

static struct ph_rx *expect(struct fpeer *p, uint16_t type)
{
	return take(p, type, true);
}

/* expect(), optionally without acknowledging anything first. */
static struct ph_rx *take(struct fpeer *p, uint16_t type, bool ack)
{
	struct ph_rx *r;

	if (ack)
		ack_all();
	else
		pump();
	assert_peer_ok(p);
	if (!p->n_in)
		fail_msg("%s: expected %s, got nothing", p->name, type_name(type));
	r = inbox_pop(p);
	hold(r);
	if (r->msg.type != type)
		fail_msg("%s: expected %s, got %s", p->name, type_name(type),
			 type_name(r->msg.type));
	return r;
}

/* Nothing for p but ZLBs and Hellos. */
static void expect_quiet(struct fpeer *p)
{
	ack_all();
	assert_peer_ok(p);
	if (p->n_in)
		fail_msg("%s: expected nothing, got %s", p->name,
			 type_name(p->inbox[0]->msg.type));
}

/* ------------------------------------------------------------------ */
/* Messages and their AVPs                                              */
/* ------------------------------------------------------------------ */

static void peer_send_cdn(struct fpeer *p, uint16_t hdr_sid, uint16_t own_sid, uint16_t result,
			  uint16_t error, const char *msg, const struct lts_relay_set *extra)
{
	struct lts_avp_result r = { .result = result, .has_error = true, .error = error,
				    .message = msg, .message_len = msg ? strlen(msg) : 0 };
	struct ph_msg b;

	ph_build_cdn(&b, &p->ph, own_sid, &r);
	if (extra)
		lts_relay_write(extra, &b.w);
	ph_send(&p->ph, hdr_sid, &b);
}

static void peer_send_stopccn(struct fpeer *p, uint16_t result, uint16_t error)
{
	struct lts_avp_result r = { .result = result, .has_error = true, .error = error };
	struct ph_msg b;

	ph_build_stopccn(&b, &p->ph, &r);
	ph_send(&p->ph, 0, &b);
}

static struct lts_avp_result result_of(const struct ph_rx *r)
{
	struct lts_avp_result res;

	if (lts_avp_get_result(&r->msg, &res))
		fail_msg("%s has no Result Code", lts_ctrl_type_name(r->msg.type));
	return res;
}

/* The Error Message of r's Result Code, NUL-terminated. */
static const char *result_message(const struct ph_rx *r, char *buf, size_t cap)
{
	struct lts_avp_result res;

	assert_int_equal(lts_avp_get_result(&r->msg, &res), 0);
	snprintf(buf, cap, "%.*s", (int)res.message_len, res.message ? res.message : "");
	return buf;
}

static size_t n_avp(const struct ph_rx *r, uint16_t vendor, uint16_t type)
{
	const struct lts_avp *a;
	size_t n = 0;

	lts_avp_for_each(&r->msg, a, vendor, type)
		n++;
	return n;
}

/* r carries exactly one (vendor, type) AVP with this M bit and these value bytes. */
static void assert_avp(const struct ph_rx *r, uint16_t vendor, uint16_t type, bool m,
		       const void *val, size_t len)
{
	const struct lts_avp *a = lts_avp_find(&r->msg, vendor, type);

	if (!a)
		fail_msg("%s has no AVP %u/%u", lts_ctrl_type_name(r->msg.type), vendor, type);
	if (n_avp(r, vendor, type) != 1)
		fail_msg("%s has %zu AVPs %u/%u, expected 1", lts_ctrl_type_name(r->msg.type),
			 n_avp(r, vendor, type), vendor, type);
	if (a->len != len || (len && memcmp(a->val, val, len)))
		fail_msg("%s: AVP %u/%u value differs (%u bytes, expected %zu)",
			 lts_ctrl_type_name(r->msg.type), vendor, type, a->len, len);
	if (!!a->mandatory != m)
		fail_msg("%s: AVP %u/%u has M=%u, expected %u", lts_ctrl_type_name(r->msg.type),
			 vendor, type, a->mandatory, m);
}

static bool avp_m(uint16_t type)
{
	const struct lts_avp_def *d = lts_avp_def_find(LTS_AVP_VENDOR_IETF, type);

	assert_non_null(d);
	return d->mandatory;
}

static void assert_ietf(const struct ph_rx *r, uint16_t type, const void *val, size_t len)
{
	assert_avp(r, LTS_AVP_VENDOR_IETF, type, avp_m(type), val, len);
}

static void assert_ietf_u32(const struct ph_rx *r, uint16_t type, uint32_t v)
{
	uint8_t b[4] = { v >> 24, v >> 16, v >> 8, v };

	assert_ietf(r, type, b, sizeof(b));
}

static void assert_ietf_u16(const struct ph_rx *r, uint16_t type, uint16_t v)
{
	uint8_t b[2] = { v >> 8, v };

	assert_ietf(r, type, b, sizeof(b));
}

static void assert_ietf_str(const struct ph_rx *r, uint16_t type, const char *s)
{
	assert_ietf(r, type, s, strlen(s));
}

static void assert_no_ietf(const struct ph_rx *r, uint16_t type)
{
	if (n_avp(r, LTS_AVP_VENDOR_IETF, type))
		fail_msg("%s carries AVP %u, expected none", lts_ctrl_type_name(r->msg.type),
			 type);
}

/* The TSA ID AVPs of r, in order, are exactly ids[0..n). */
static void assert_tsa_stack(const struct ph_rx *r, const char *const *ids, size_t n)
{
	const struct lts_avp *a;
	size_t i = 0;

	lts_avp_for_each(&r->msg, a, LTS_AVP_VENDOR_IETF, LTS_AVP_TYPE_TSA_ID) {
		if (i >= n)
			fail_msg("more than %zu TSA IDs", n);
		if (a->len != strlen(ids[i]) || memcmp(a->val, ids[i], a->len))
			fail_msg("TSA ID %zu is \"%.*s\", expected \"%s\"", i, (int)a->len,
				 (const char *)a->val, ids[i]);
		if (a->mandatory)
			fail_msg("TSA ID %zu has M=1", i);
		i++;
	}
	assert_int_equal(i, n);
}

/* ------------------------------------------------------------------ */
/* Calls                                                                */
/* ------------------------------------------------------------------ */

/* Values the fake LAC puts in its ICRQ and ICCN; the LNS must see them as is. */
#define BEARER 0x00000002u
#define PHYS_CHAN 0x00c0ffeeu
#define SUB_ADDR "sub-7"
#define TX_SPEED 100000000u
#define RX_SPEED 20000000u
#define FRAMING 0x00000001u
#define CHAP_ID 0x002a
#define BBF_VENDOR 3561
static const uint8_t ACI[] = { 'e', 't', 'h', ' ', '1', '/', '1', '/', '1', ':', '1', '0', '0' };
static const uint8_t ARI[] = { 'r', 'e', 'm', 'o', 't', 'e', '-', 0x00, 0xff, '4', '2' };
static const uint8_t LCP_INIT[] = { 0x01, 0x01, 0x00, 0x0e, 0x01, 0x04, 0x05, 0xd4,
				    0x05, 0x06, 0x12, 0x34, 0x56, 0x78 };
static const uint8_t LCP_LAST_TX[] = { 0x01, 0x02, 0x00, 0x12, 0x01, 0x04, 0x05, 0xd4, 0x03,
				       0x05, 0xc2, 0x23, 0x05, 0x05, 0x06, 0xca, 0xfe, 0x01 };
static const uint8_t LCP_LAST_RX[] = { 0x01, 0x03, 0x00, 0x0e, 0x01, 0x04, 0x05, 0xd4,
				       0x05, 0x06, 0x9a, 0xbc, 0xde, 0xf0 };
static const uint8_t CHAP_CHAL[] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
				     0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff };
static const uint8_t CHAP_RESP[] = { 0xde, 0xad, 0xbe, 0xef, 0x00, 0x01, 0x02, 0x03,
				     0xf0, 0xe1, 0xd2, 0xc3, 0xb4, 0xa5, 0x96, 0x87 };
static const uint8_t GROUP_ID[] = { 'g', 'r', 'p', '-', 0x00, 0x42 };
/* Q.931: cause 16, message 0x5a, advisory; PPP disconnect: code, LCP, direction. */
static const uint8_t Q931_RAW[] = { 0x00, 0x10, 0x5a, 'n', 'o', 'r', 'm', 'a', 'l' };
static const uint8_t PPP_DISC_RAW[] = { 0x00, 0x03, 0xc0, 0x21, 0x02, 'b', 'y', 'e' };
/* Call Errors: reserved, CRC, framing, hw overruns, buf overruns, timeouts, alignment. */
static const uint8_t CALL_ERRORS_RAW[] = { 0x00, 0x00, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0,
					   3,    0,    0, 0, 4, 0, 0, 1, 5, 0, 0, 0, 6 };
/* ACCM: reserved, send, receive. */
static const uint8_t ACCM_RAW[] = { 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0x00, 0x0a, 0x00, 0x00 };

struct call {
	struct fpeer *lac;
	uint16_t sid;        /* the LAC's session ID */
	uint16_t sw_sid;     /* the switch's toward the LAC (from ICRP) */
	uint32_t serial;
	const char *called;  /* NULL: no such AVP */
	const char *calling;
	const char *user;    /* Proxy Authen Name in ICCN; NULL: no proxy auth group */
	const char *tsa[3];  /* TSA IDs in ICRQ */
	bool full;           /* every relayed AVP, not just the rule keys */
	/* filled in once installed */
	struct fpeer *lns;
	uint16_t lns_sid;    /* the LNS's */
	uint16_t lns_sw_sid; /* the switch's toward the LNS */
	uint32_t stats_idx;
};

static void lac_send_icrq(struct call *c)
{
	struct fpeer *p = c->lac;
	struct ph_msg b;
	size_t i;

	c->sid = p->next_sid++;
	ph_build_icrq(&b, &p->ph, c->sid, c->serial);
	lts_avpw_add_u32(&b.w, LTS_AVP_BEARER_TYPE, BEARER);
	if (c->full)
		lts_avpw_add_u32(&b.w, LTS_AVP_PHYS_CHANNEL_ID, PHYS_CHAN);
	if (c->calling)
		lts_avpw_add_string(&b.w, LTS_AVP_CALLING_NUMBER, c->calling);
	if (c->called)
		lts_avpw_add_string(&b.w, LTS_AVP_CALLED_NUMBER, c->called);
	if (c->full) {
		lts_avpw_add_string(&b.w, LTS_AVP_SUB_ADDRESS, SUB_ADDR);
		/* BBF TR-101 access-line AVPs: unknown to the codec, M=0 */
		lts_avpw_add_avp(&b.w, BBF_VENDOR, 1, false, ACI, sizeof(ACI));
		lts_avpw_add_avp(&b.w, BBF_VENDOR, 2, false, ARI, sizeof(ARI));
	}
	for (i = 0; i < ARRAY_SIZE(c->tsa) && c->tsa[i]; i++)
		lts_avpw_add_bytes(&b.w, LTS_AVP_TSA_ID, c->tsa[i], strlen(c->tsa[i]));
	ph_send(&p->ph, 0, &b);
}

static void lac_send_iccn(struct call *c)
{
	struct fpeer *p = c->lac;
	struct ph_msg b;

	ph_build_iccn(&b, &p->ph, TX_SPEED, FRAMING);
	if (c->full) {
		lts_avpw_add_bytes(&b.w, LTS_AVP_INIT_RX_LCP_CONFREQ, LCP_INIT, sizeof(LCP_INIT));
		lts_avpw_add_bytes(&b.w, LTS_AVP_LAST_TX_LCP_CONFREQ, LCP_LAST_TX,
				   sizeof(LCP_LAST_TX));
		lts_avpw_add_bytes(&b.w, LTS_AVP_LAST_RX_LCP_CONFREQ, LCP_LAST_RX,
				   sizeof(LCP_LAST_RX));
	}
	if (c->user) {
		lts_avpw_add_u16(&b.w, LTS_AVP_PROXY_AUTH_TYPE, 2); /* CHAP */
		lts_avpw_add_string(&b.w, LTS_AVP_PROXY_AUTH_NAME, c->user);
		lts_avpw_add_bytes(&b.w, LTS_AVP_PROXY_AUTH_CHALLENGE, CHAP_CHAL,
				   sizeof(CHAP_CHAL));
		lts_avpw_add_u16(&b.w, LTS_AVP_PROXY_AUTH_ID, CHAP_ID);
		lts_avpw_add_bytes(&b.w, LTS_AVP_PROXY_AUTH_RESPONSE, CHAP_RESP,
				   sizeof(CHAP_RESP));
	}
	if (c->full) {
		lts_avpw_add_bytes(&b.w, LTS_AVP_PRIVATE_GROUP_ID, GROUP_ID, sizeof(GROUP_ID));
		lts_avpw_add_u32(&b.w, LTS_AVP_RX_CONNECT_SPEED, RX_SPEED);
		lts_avpw_add_empty(&b.w, LTS_AVP_SEQUENCING_REQUIRED);
	}
	ph_send(&p->ph, c->sw_sid, &b);
}

/* A relay set holding the Q.931 and PPP Disconnect Cause AVPs a peer adds to its CDN. */
static void cause_avps(struct lts_relay_set *s)
{
	memset(s, 0, sizeof(*s));
	s->n = 2;
	s->avps[0] = (struct lts_relay_avp){ .vendor = 0, .type = LTS_AVP_TYPE_Q931_CAUSE,
					     .mandatory = true, .off = 0,
					     .len = sizeof(Q931_RAW) };
	memcpy(s->buf, Q931_RAW, sizeof(Q931_RAW));
	s->avps[1] = (struct lts_relay_avp){ .vendor = 0,
					     .type = LTS_AVP_TYPE_PPP_DISCONNECT_CAUSE,
					     .mandatory = false, .off = sizeof(Q931_RAW),
					     .len = sizeof(PPP_DISC_RAW) };
	memcpy(s->buf + sizeof(Q931_RAW), PPP_DISC_RAW, sizeof(PPP_DISC_RAW));
	s->used = sizeof(Q931_RAW) + sizeof(PPP_DISC_RAW);
}

/* SCCRQ -> SCCRP -> SCCCN from a fake LAC. */
static void lac_connect(struct fpeer *p)
{
	struct lts_tunnel *t;
	struct ph_rx *r;
	struct ph_msg b;

	p->ph.tid = p->next_tid++;
	p->ph.sw_tid = 0;
	p->ph.ns = p->ph.nr = 0;
	ph_build_sccrq(&b, &p->ph, p->hostname, NULL, 0);
	ph_send(&p->ph, 0, &b);
	r = expect(p, LTS_CTRL_SCCRP);
	p->ph.sw_tid = ph_get_u16(r, LTS_AVP_ASSIGNED_TUNNEL_ID);
	ph_msg_begin(&b, &p->ph, LTS_CTRL_SCCCN);
	add_chal_response(&b, p, r, LTS_CTRL_SCCCN);
	ph_send(&p->ph, 0, &b);
	t = H.cp.tunnels[p->ph.sw_tid];
	assert_non_null(t);
	assert_int_equal(t->state, LTS_TUN_ESTABLISHED);
	assert_int_equal(t->role, LTS_ROLE_LNS);
}

/* A manual LNS takes the switch's SCCRQ: SCCRP, then SCCCN must follow. */
static void lns_accept(struct fpeer *p)
{
	struct ph_rx *r = expect(p, LTS_CTRL_SCCRQ);

	assert_int_equal(r->hdr.tunnel_id, 0);
	assert_int_equal(r->ep.peer_port, 1701);
	lns_send_sccrp(p, r);
	if (p->port_from)
		p->ph.ep.peer_port = p->port_from;
	expect(p, LTS_CTRL_SCCCN);
}

/* The install() of the call c, now over: fills in the LNS side of c. */
static void learn_install(struct call *c, const struct event *e)
{
	assert_non_null(e);
	c->lns = peer_by_ip(&e->pair.b.peer);
	assert_non_null(c->lns);
	c->lns_sw_sid = e->pair.b.session_id;
	c->lns_sid = e->pair.b.peer_session_id;
	c->stats_idx = e->stats_idx;
	assert_int_equal(e->pair.a.session_id, c->sw_sid);
	assert_int_equal(e->pair.a.peer_session_id, c->sid);
}

/* A call through autopilot LNSes, up to its install(). */
static void call_up(struct call *c)
{
	size_t n = ev_count(EV_INSTALL, NULL, 0);
	struct ph_rx *r;

	lac_send_icrq(c);
	r = expect(c->lac, LTS_CTRL_ICRP);
	assert_int_equal(r->hdr.session_id, c->sid);
	c->sw_sid = ph_get_u16(r, LTS_AVP_ASSIGNED_SESSION_ID);
	lac_send_iccn(c);
	pump();
	assert_int_equal(ev_count(EV_INSTALL, NULL, 0), n + 1);
	learn_install(c, ev_last(EV_INSTALL));
}

/* The LAC clears an established call; the LNS must get a CDN. */
static void lac_hangup(struct call *c)
{
	peer_send_cdn(c->lac, c->sw_sid, c->sid, LTS_CDN_LOST_CARRIER, 0, "hangup", NULL);
}

/*
 * Since mark, peer `to` got a CDN for its session sid (header Session ID),
 * and the pair holding that session was removed before it was sent.
 */
static void assert_cdn_after_remove(size_t mark, const struct fpeer *to, uint16_t sid)
{
	long i = (long)mark - 1, rm;

	while ((i = ev_find(i + 1, EV_SEND, to, LTS_CTRL_CDN)) >= 0)
		if (H.ev[i].d.hdr.session_id == sid)
			break;
	if (i < 0)
		fail_msg("no CDN to %s for its session %u", to->name, sid);
	for (rm = (long)mark; rm < i; rm++) {
		const struct lts_static_session *p = &H.ev[rm].pair;

		if (H.ev[rm].kind != EV_REMOVE)
			continue;
		if ((lts_ip_equal(&p->a.peer, &to->ph.ep.peer) && p->a.peer_session_id == sid) ||
		    (lts_ip_equal(&p->b.peer, &to->ph.ep.peer) && p->b.peer_session_id == sid))
			break;
	}
	if (rm == i)
		fail_msg("CDN to %s for session %u before the remove() of its pair", to->name,
			 sid);
}

/* No call left in the switch, and every install() has its remove(). */
static void assert_clean(void)
{
	bool *matched;
	size_t i, j, n_inst = 0, n_rm = 0;

	pump();
	for (i = 0; i < H.n_peers; i++)
		assert_peer_ok(&H.peers[i]);
	assert_int_equal(H.sw.n_calls, 0);
	assert_null(H.sw.calls);
	assert_int_equal(H.cp.n_sessions, 0);
	matched = calloc(H.n_ev + 1, sizeof(*matched));
	assert_non_null(matched);
	for (i = 0; i < H.n_ev; i++) {
		if (H.ev[i].kind == EV_REMOVE)
			n_rm++;
		if (H.ev[i].kind != EV_INSTALL)
			continue;
		if (!H.ev[i].legs_up) {
			free(matched);
			fail_msg("install() #%zu before both legs were established", i);
		}
		n_inst++;
		for (j = i + 1; j < H.n_ev; j++)
			if (H.ev[j].kind == EV_REMOVE && !matched[j] &&
			    !memcmp(&H.ev[j].pair, &H.ev[i].pair, sizeof(H.ev[i].pair)))
				break;
		if (j == H.n_ev) {
			free(matched);
			fail_msg("install() #%zu (sess %u/%u) never removed: stale entry", i,
				 H.ev[i].pair.a.session_id, H.ev[i].pair.b.session_id);
		}
		matched[j] = true;
	}
	free(matched);
	assert_int_equal(n_rm, n_inst);
	for (i = 0; i < H.cfg->max_sessions; i++)
		if (H.sw.idx_used[i])
			fail_msg("counter slot %zu still in use", i);
}

#define TSA_ID "lts-test.tsa"
#define LOCKOUT_MS 60000

/*
 * Two lac_peers (west: authenticated, hidden AVPs, Hello every 20 s; east:
 * plain), three LNSes (lns-b without a local address: learnt from its SCCRP,
 * and at most 2 sessions; lns-c authenticated with hidden AVPs), one rule of
 * each kind. The SCCRQ
 * retransmission budget is 1 + 2 + 4 + 8 = 15 s.
 */
#define CFG_HEAD                                                                           \
	"switch: {hostname: lts-test, tsa_id: " TSA_ID ", lockout: 60}\n"                  \
	"dataplane: {mode: off}\n"                                                         \
	"control: {hello_interval: 0, receive_window: 16, retransmit_initial: 1000,\n"    \
	"          retransmit_max: 8000, retries: 3}\n"                                    \
	"lac_peers:\n"                                                                     \
	"  - name: west\n"                                                                 \
	"    address: 10.0.1.0/24\n"                                                       \
	"    secret: west-secret\n"                                                        \
	"    hide_avps: true\n"                                                            \
	"    hello_interval: 20\n"                                                         \
	"  - name: east\n"                                                                 \
	"    address: 10.0.3.0/24\n"                                                       \
	"lns_peers:\n"                                                                     \
	"  - name: lns-a\n"                                                                \
	"    address: 10.0.2.1\n"                                                          \
	"    local: " SW_LNS_SIDE "\n"                                                     \
	"  - name: lns-b\n"                                                                \
	"    address: 10.0.2.2\n"                                                          \
	"    max_sessions: 2\n"                                                            \
	"  - name: lns-c\n"                                                                \
	"    address: 10.0.2.3\n"                                                          \
	"    local: " SW_LNS_SIDE "\n"                                                     \
	"    secret: lns-c-secret\n"                                                       \
	"    hide_avps: true\n"
#define CFG_RULES                                                                          \
	"rules:\n"                                                                         \
	"  - name: failover\n"                                                             \
	"    match: {called_number: \"5550200\"}\n"                                        \
	"    pool:\n"                                                                      \
	"      - {lns: lns-a, preference: 10}\n"                                           \
	"      - {lns: lns-b, preference: 20}\n"                                           \
	"      - {lns: lns-c, preference: 30}\n"                                           \
	"  - name: private\n"                                                              \
	"    match: {called_number: \"5550100\"}\n"                                        \
	"    pool: [{lns: lns-b}]\n"                                                       \
	"    avp: {calling_number: drop, bearer_type: drop}\n"                             \
	"  - name: weighted\n"                                                             \
	"    match: {called_number: \"5550300\"}\n"                                        \
	"    pool:\n"                                                                      \
	"      - {lns: lns-a, preference: 10, weight: 3}\n"                                \
	"      - {lns: lns-b, preference: 10, weight: 1}\n"                                \
	"      - {lns: lns-c, preference: 20}\n"                                           \
	"  - name: bras\n"                                                                 \
	"    match: {lac_hostname: \"bras-*\"}\n"                                          \
	"    pool: [{lns: lns-a}]\n"                                                       \
	"  - name: isp2\n"                                                                 \
	"    match: {realm: isp2.example, lac_peer: west}\n"                               \
	"    pool: [{lns: lns-c}]\n"                                                       \
	"    dscp_copy: true\n"                                                            \
	"    police: {rate: 5000, burst: 20000}\n"                                         \
	"  - name: west-lac\n"                                                             \
	"    match: {lac_peer: west, lac_hostname: \"lac-*\"}\n"                           \
	"    pool: [{lns: lns-b}]\n"
#define CFG_DEFAULT                                                                        \
	"  - name: default\n"                                                              \
	"    pool: [{lns: lns-a}]\n"
#define CFG_ALL CFG_HEAD CFG_RULES CFG_DEFAULT
#define CFG_NO_DEFAULT CFG_HEAD CFG_RULES

#define WEST_SECRET "west-secret"

/* The usual cast: LAC west-1 (10.0.1.1) and the three LNSes. */
struct cast {
	struct fpeer *lac, *a, *b, *c;
};

static void cast_start(struct cast *k, const char *yaml, const char *lac_hostname,
		       bool autopilot)
{
	h_start(yaml);
	k->lac = add_lac("lac-west-1", "10.0.1.1", lac_hostname, WEST_SECRET);
	k->a = add_lns("lns-a", "10.0.2.1", NULL, autopilot);
	k->b = add_lns("lns-b", "10.0.2.2", NULL, autopilot);
	k->c = add_lns("lns-c", "10.0.2.3", "lns-c-secret", autopilot);
	lac_connect(k->lac);
}

/* What every relayed ICRQ of a `full` call must carry (draft-08 3). */
static void assert_icrq_relayed(const struct ph_rx *r, const struct call *c)
{
	const char *stack[4];
	size_t i, n = 0;

	assert_int_equal(r->hdr.session_id, 0);
	assert_int_not_equal(ph_get_u16(r, LTS_AVP_ASSIGNED_SESSION_ID), 0);
	assert_ietf_u32(r, LTS_AVP_TYPE_CALL_SERIAL, c->serial);
	assert_ietf_u32(r, LTS_AVP_TYPE_BEARER_TYPE, BEARER);
	assert_ietf_str(r, LTS_AVP_TYPE_CALLING_NUMBER, c->calling);
	assert_ietf_str(r, LTS_AVP_TYPE_CALLED_NUMBER, c->called);
	assert_ietf_str(r, LTS_AVP_TYPE_SUB_ADDRESS, SUB_ADDR);
	assert_ietf_u32(r, LTS_AVP_TYPE_PHYS_CHANNEL_ID, PHYS_CHAN);
	assert_avp(r, BBF_VENDOR, 1, false, ACI, sizeof(ACI));
	assert_avp(r, BBF_VENDOR, 2, false, ARI, sizeof(ARI));
	for (i = 0; i < ARRAY_SIZE(c->tsa) && c->tsa[i]; i++)
		stack[n++] = c->tsa[i];
	stack[n++] = TSA_ID;
	assert_tsa_stack(r, stack, n);
	/* Tunnel- and ICCN-scoped AVPs do not belong here. */
	assert_no_ietf(r, LTS_AVP_TYPE_PROXY_AUTH_NAME);
	assert_no_ietf(r, LTS_AVP_TYPE_TX_CONNECT_SPEED);
	assert_no_ietf(r, LTS_AVP_TYPE_ASSIGNED_TUNNEL_ID);
}

/* What every relayed ICCN of a `full` call with a user must carry, byte-exact. */
static void assert_iccn_relayed(const struct ph_rx *r, const struct call *c)
{
	assert_ietf_u32(r, LTS_AVP_TYPE_TX_CONNECT_SPEED, TX_SPEED);
	assert_ietf_u32(r, LTS_AVP_TYPE_RX_CONNECT_SPEED, RX_SPEED);
	assert_ietf_u32(r, LTS_AVP_TYPE_FRAMING_TYPE, FRAMING);
	assert_ietf(r, LTS_AVP_TYPE_INIT_RX_LCP_CONFREQ, LCP_INIT, sizeof(LCP_INIT));
	assert_ietf(r, LTS_AVP_TYPE_LAST_TX_LCP_CONFREQ, LCP_LAST_TX, sizeof(LCP_LAST_TX));
	assert_ietf(r, LTS_AVP_TYPE_LAST_RX_LCP_CONFREQ, LCP_LAST_RX, sizeof(LCP_LAST_RX));
	assert_ietf_u16(r, LTS_AVP_TYPE_PROXY_AUTH_TYPE, 2);
	assert_ietf_str(r, LTS_AVP_TYPE_PROXY_AUTH_NAME, c->user);
	assert_ietf(r, LTS_AVP_TYPE_PROXY_AUTH_CHALLENGE, CHAP_CHAL, sizeof(CHAP_CHAL));
	assert_ietf_u16(r, LTS_AVP_TYPE_PROXY_AUTH_ID, CHAP_ID);
	assert_ietf(r, LTS_AVP_TYPE_PROXY_AUTH_RESPONSE, CHAP_RESP, sizeof(CHAP_RESP));
	assert_ietf(r, LTS_AVP_TYPE_PRIVATE_GROUP_ID, GROUP_ID, sizeof(GROUP_ID));
	assert_ietf(r, LTS_AVP_TYPE_SEQUENCING_REQUIRED, NULL, 0);
	/* ICRQ-scoped AVPs were for the ICRQ. */
	assert_no_ietf(r, LTS_AVP_TYPE_CALL_SERIAL);
	assert_no_ietf(r, LTS_AVP_TYPE_TSA_ID);
}

static void assert_leg(const struct lts_static_leg *l, const char *peer, uint16_t peer_port,
		       const char *local, uint16_t tid, uint16_t sid, uint16_t peer_tid,
		       uint16_t peer_sid)
{
	assert_ip(&l->peer, peer);
	assert_int_equal(l->peer_port, peer_port);
	assert_ip(&l->local, local);
	assert_int_equal(l->local_port, 1701);
	assert_int_equal(l->tunnel_id, tid);
	assert_int_equal(l->session_id, sid);
	assert_int_equal(l->peer_tunnel_id, peer_tid);
	assert_int_equal(l->peer_session_id, peer_sid);
	assert_int_equal(l->dscp, -1);
}

/* ------------------------------------------------------------------ */
/* 1. Happy path, rule decided at ICRQ (LAC Host Name glob)            */
/* ------------------------------------------------------------------ */

static void test_icrq_rule_happy_path(void **state)
{
	struct call c = { .serial = 0x0a0b0c0d, .called = "4711", .calling = "0123456789",
			  .user = "carol@isp1.example", .tsa = { "tsa-upstream" },
			  .full = true };
	uint16_t lns_sw_sid, lns_sid = 0x5a5a;
	const struct event *inst;
	long i_iccn, i_inst;
	struct cast k;
	struct ph_rx *r;

	(void)state;
	cast_start(&k, CFG_ALL, "bras-1.example", false);
	c.lac = k.lac;

	/* ICRQ: held (no ICRP), the rule's LNS is dialled on demand. */
	lac_send_icrq(&c);
	expect_quiet(k.lac);
	r = expect(k.a, LTS_CTRL_SCCRQ);
	assert_ip(&r->ep.local, SW_LNS_SIDE);
	assert_int_equal(r->ep.peer_port, 1701);
	expect_quiet(k.b);
	expect_quiet(k.c);
	assert_int_equal(k.b->seen[LTS_CTRL_SCCRQ] + k.c->seen[LTS_CTRL_SCCRQ], 0);

	/* SCCRP -> SCCCN, then the relayed ICRQ on the new tunnel. */
	lns_send_sccrp(k.a, r);
	expect(k.a, LTS_CTRL_SCCCN);
	r = expect(k.a, LTS_CTRL_ICRQ);
	assert_icrq_relayed(r, &c);
	lns_sw_sid = ph_get_u16(r, LTS_AVP_ASSIGNED_SESSION_ID);
	expect_quiet(k.lac);
	assert_int_equal(ev_count(EV_INSTALL, NULL, 0), 0);

	/* The LNS answers: only now does the LAC get its ICRP. */
	lns_send_icrp(k.a, lns_sw_sid, lns_sid);
	r = expect(k.lac, LTS_CTRL_ICRP);
	assert_int_equal(r->hdr.session_id, c.sid);
	c.sw_sid = ph_get_u16(r, LTS_AVP_ASSIGNED_SESSION_ID);
	assert_int_not_equal(c.sw_sid, 0);
	expect_quiet(k.a); /* ICCN waits for the LAC's */
	assert_int_equal(ev_count(EV_INSTALL, NULL, 0), 0);

	/* The LAC's ICCN crosses byte-exact; then, and only then, install(). */
	lac_send_iccn(&c);
	r = expect(k.a, LTS_CTRL_ICCN);
	assert_int_equal(r->hdr.session_id, lns_sid);
	assert_iccn_relayed(r, &c);
	expect_quiet(k.lac);
	assert_int_equal(ev_count(EV_INSTALL, NULL, 0), 1);
	assert_int_equal(ev_count(EV_INSTALL_FAILED, NULL, 0), 0);
	i_iccn = ev_find(0, EV_SEND, k.a, LTS_CTRL_ICCN);
	i_inst = ev_find(0, EV_INSTALL, NULL, 0);
	assert_true(i_iccn >= 0 && i_inst > i_iccn);
	inst = &H.ev[i_inst];
	assert_true(inst->legs_up);
	assert_string_equal(inst->pair.name, "bras");
	assert_leg(&inst->pair.a, "10.0.1.1", 1701, SW_LAC_SIDE, k.lac->ph.sw_tid, c.sw_sid,
		   k.lac->ph.tid, c.sid);
	assert_leg(&inst->pair.b, "10.0.2.1", 1701, SW_LNS_SIDE, k.a->ph.sw_tid, lns_sw_sid,
		   k.a->ph.tid, lns_sid);
	/* A rule without police: or dscp: */
	assert_false(inst->pair.a.dscp_copy || inst->pair.b.dscp_copy);
	assert_int_equal(inst->pair.a.police.rate_kbps + inst->pair.b.police.rate_kbps, 0);
	assert_true(inst->stats_idx < H.cfg->max_sessions);
	assert_int_equal(H.sw.ctr.calls_switched, 1);
	assert_int_equal(H.sw.n_calls, 1);

	/* Nothing more happens while the call is up (peers acknowledge). */
	advance(5000);
	expect_quiet(k.lac);
	expect_quiet(k.a);
	assert_int_equal(ev_count(EV_INSTALL, NULL, 0), 1);
	assert_int_equal(ev_count(EV_REMOVE, NULL, 0), 0);

	c.lns = k.a;
	c.lns_sid = lns_sid;
	c.lns_sw_sid = lns_sw_sid;
	lac_hangup(&c);
	r = expect(k.a, LTS_CTRL_CDN);
	assert_int_equal(r->hdr.session_id, lns_sid);
	assert_clean();
}

/* ------------------------------------------------------------------ */
/* 2. Rule decided at ICCN (realm of Proxy Authen Name)                */
/* ------------------------------------------------------------------ */

static void test_iccn_rule_realm(void **state)
{
	struct call c = { .serial = 77, .called = "4712", .calling = "0223456789",
			  .user = "alice@ISP2.example", .tsa = { "tsa-one", "tsa-two" },
			  .full = true };
	uint16_t lns_sw_sid, lns_sid = 0x77;
	const struct event *inst;
	const struct lts_avp *a;
	struct cast k;
	struct ph_rx *r;

	(void)state;
	cast_start(&k, CFG_ALL, "pppoe-1.example", false);
	c.lac = k.lac;

	/* ICRP at once; no LNS is contacted before the ICCN. */
	lac_send_icrq(&c);
	r = expect(k.lac, LTS_CTRL_ICRP);
	c.sw_sid = ph_get_u16(r, LTS_AVP_ASSIGNED_SESSION_ID);
	advance(3000);
	assert_int_equal(ev_count(EV_SEND, k.a, ANY_TYPE) + ev_count(EV_SEND, k.b, ANY_TYPE) +
				 ev_count(EV_SEND, k.c, ANY_TYPE),
			 0);
	assert_int_equal(H.cp.n_tunnels, 1);

	/* ICCN with user@isp2.example (any case): the realm's LNS, lns-c. */
	lac_send_iccn(&c);
	r = expect(k.c, LTS_CTRL_SCCRQ);
	lns_send_sccrp(k.c, r);
	expect(k.c, LTS_CTRL_SCCCN);
	r = expect(k.c, LTS_CTRL_ICRQ);
	assert_icrq_relayed(r, &c);
	/* lns-c hides: the relayed values were hidden again on this hop. */
	a = lts_avp_find(&r->msg, LTS_AVP_VENDOR_IETF, LTS_AVP_TYPE_CALLING_NUMBER);
	assert_non_null(a);
	assert_true(a->hidden);
	lns_sw_sid = ph_get_u16(r, LTS_AVP_ASSIGNED_SESSION_ID);
	assert_int_equal(ev_count(EV_INSTALL, NULL, 0), 0);
	expect_quiet(k.lac);

	lns_send_icrp(k.c, lns_sw_sid, lns_sid);
	r = expect(k.c, LTS_CTRL_ICCN);
	assert_int_equal(r->hdr.session_id, lns_sid);
	assert_iccn_relayed(r, &c);
	a = lts_avp_find(&r->msg, LTS_AVP_VENDOR_IETF, LTS_AVP_TYPE_PROXY_AUTH_RESPONSE);
	assert_non_null(a);
	assert_true(a->hidden);
	expect_quiet(k.lac);
	expect_quiet(k.a);
	expect_quiet(k.b);

	assert_int_equal(ev_count(EV_INSTALL, NULL, 0), 1);
	assert_true(ev_find(0, EV_INSTALL, NULL, 0) > ev_find(0, EV_SEND, k.c, LTS_CTRL_ICCN));
	inst = ev_last(EV_INSTALL);
	assert_string_equal(inst->pair.name, "isp2");
	assert_leg(&inst->pair.a, "10.0.1.1", 1701, SW_LAC_SIDE, k.lac->ph.sw_tid, c.sw_sid,
		   k.lac->ph.tid, c.sid);
	assert_leg(&inst->pair.b, "10.0.2.3", 1701, SW_LNS_SIDE, k.c->ph.sw_tid, lns_sw_sid,
		   k.c->ph.tid, lns_sid);
	/* The rule's marking and policing, on both legs (both directions). */
	assert_true(inst->pair.a.dscp_copy && inst->pair.b.dscp_copy);
	assert_int_equal(inst->pair.a.police.rate_kbps, 5000);
	assert_int_equal(inst->pair.b.police.rate_kbps, 5000);
	assert_int_equal(inst->pair.a.police.burst, 20000);
	assert_int_equal(inst->pair.b.police.burst, 20000);

	peer_send_cdn(k.c, lns_sw_sid, lns_sid, LTS_CDN_ADMIN, 0, "bye", NULL);
	expect(k.lac, LTS_CTRL_CDN);
	assert_clean();
}

/* At ICCN, a user of no realm rule falls through to the next rule (lac_hostname). */
static void test_iccn_rule_falls_through(void **state)
{
	struct call c = { .serial = 5, .called = "4713", .user = "bob@other.example" };
	struct cast k;

	(void)state;
	cast_start(&k, CFG_ALL, "lac-9.example", true);
	c.lac = k.lac;
	call_up(&c);
	assert_ptr_equal(c.lns, k.b);
	assert_string_equal(ev_last(EV_INSTALL)->pair.name, "west-lac");
	/* No SCCRQ anywhere before the ICCN: lns-b was dialled after it. */
	assert_true(ev_find(0, EV_SEND, k.b, LTS_CTRL_SCCRQ) >
		    ev_find(0, EV_SEND, k.lac, LTS_CTRL_ICRP));
	assert_int_equal(k.a->seen[LTS_CTRL_SCCRQ] + k.c->seen[LTS_CTRL_SCCRQ], 0);
	lac_hangup(&c);
	assert_int_equal(k.b->got[LTS_CTRL_CDN], 1);
	assert_clean();
}

/* ------------------------------------------------------------------ */
/* 3. Per-rule AVP overrides                                            */
/* ------------------------------------------------------------------ */

static void test_avp_policy_drop(void **state)
{
	struct call c = { .serial = 9, .called = "5550100", .calling = "0111111111",
			  .user = "dave@isp1.example", .full = true };
	struct call d = { .serial = 10, .called = "4714", .calling = "0222222222" };
	const struct ph_rx *r;
	struct cast k;

	(void)state;
	cast_start(&k, CFG_ALL, "bras-2.example", true);
	c.lac = d.lac = k.lac;

	/* Rule "private": calling_number and bearer_type dropped. */
	call_up(&c);
	assert_ptr_equal(c.lns, k.b);
	r = k.b->last[LTS_CTRL_ICRQ];
	assert_non_null(r);
	assert_no_ietf(r, LTS_AVP_TYPE_CALLING_NUMBER);
	assert_no_ietf(r, LTS_AVP_TYPE_BEARER_TYPE);
	assert_ietf_str(r, LTS_AVP_TYPE_CALLED_NUMBER, "5550100");
	assert_ietf_u32(r, LTS_AVP_TYPE_CALL_SERIAL, c.serial);
	assert_ietf_str(r, LTS_AVP_TYPE_SUB_ADDRESS, SUB_ADDR);
	assert_avp(r, BBF_VENDOR, 1, false, ACI, sizeof(ACI));
	/* The ICCN is untouched by those overrides. */
	assert_iccn_relayed(k.b->last[LTS_CTRL_ICCN], &c);

	/* Rule "bras" relays both. */
	call_up(&d);
	assert_ptr_equal(d.lns, k.a);
	r = k.a->last[LTS_CTRL_ICRQ];
	assert_ietf_str(r, LTS_AVP_TYPE_CALLING_NUMBER, "0222222222");
	assert_ietf_u32(r, LTS_AVP_TYPE_BEARER_TYPE, BEARER);

	lac_hangup(&c);
	lac_hangup(&d);
	assert_clean();
}

/* ------------------------------------------------------------------ */
/* 4. Loop detection                                                    */
/* ------------------------------------------------------------------ */

static void test_loop_detected(void **state)
{
	struct call c = { .serial = 11, .called = "4715", .calling = "0333",
			  .tsa = { "tsa-far", TSA_ID, "tsa-near" } };
	char msg[128];
	struct cast k;
	struct ph_rx *r;

	(void)state;
	cast_start(&k, CFG_ALL, "bras-3.example", true);
	c.lac = k.lac;
	lac_send_icrq(&c);
	r = expect(k.lac, LTS_CTRL_CDN);
	ph_expect_result(r, LTS_CDN_LOOP_DETECTED, 0);
	assert_true(strlen(result_message(r, msg, sizeof(msg))) > 0);
	assert_int_equal(r->hdr.session_id, c.sid);
	assert_int_not_equal(ph_get_u16(r, LTS_AVP_ASSIGNED_SESSION_ID), 0);
	advance(20000);
	assert_int_equal(ev_count(EV_SEND, k.a, ANY_TYPE) + ev_count(EV_SEND, k.b, ANY_TYPE) +
				 ev_count(EV_SEND, k.c, ANY_TYPE),
			 0);
	assert_int_equal(H.cp.n_tunnels, 1);
	assert_int_equal(H.sw.ctr.loops_detected, 1);
	assert_clean();
}

/*
 * REFERENCE 1.2 (draft-08 3): TSA IDs are stacked; if they cannot all be
 * copied, all are dropped, and the call still goes through.
 */
static void test_tsa_stack_overflow(void **state)
{
	struct call c = { .serial = 14, .called = "4736" };
	char id[8];
	struct cast k;
	struct ph_msg b;
	size_t i;

	(void)state;
	cast_start(&k, CFG_ALL, "bras-1.example", true);
	c.lac = k.lac;
	c.sid = k.lac->next_sid++;
	ph_msg_begin(&b, &k.lac->ph, LTS_CTRL_ICRQ);
	lts_avpw_add_u16(&b.w, LTS_AVP_ASSIGNED_SESSION_ID, c.sid);
	lts_avpw_add_u32(&b.w, LTS_AVP_CALL_SERIAL, c.serial);
	lts_avpw_add_string(&b.w, LTS_AVP_CALLED_NUMBER, c.called);
	/* More TSA IDs than a relay set holds: draft-08 3 says drop them all. */
	for (i = 0; i < LTS_RELAY_MAX_AVPS + 6; i++) {
		snprintf(id, sizeof(id), "t%02zu", i);
		lts_avpw_add_bytes(&b.w, LTS_AVP_TSA_ID, id, strlen(id));
	}
	ph_send(&k.lac->ph, 0, &b);
	pump();
	assert_true(ev_find(0, EV_SEND, k.lac, LTS_CTRL_CDN) < 0);
	assert_int_equal(k.a->got[LTS_CTRL_ICRQ], 1);
	c.sw_sid = ph_get_u16(expect(k.lac, LTS_CTRL_ICRP), LTS_AVP_ASSIGNED_SESSION_ID);
	lac_hangup(&c);
	assert_clean();
}

/* ------------------------------------------------------------------ */
/* 5. Failover                                                          */
/* ------------------------------------------------------------------ */

/* The first pool member never answers SCCRP: the next one; then it is locked out. */
static void test_failover_sccrp_timeout(void **state)
{
	struct call c1 = { .serial = 21, .called = "5550200", .calling = "01", .full = true,
			   .tsa = { "tsa-up" }, .user = "eve@isp1.example" };
	struct call c2 = { .serial = 22, .called = "5550200" };
	struct call c3 = { .serial = 23, .called = "5550200" };
	struct cast k;
	struct ph_rx *r;

	(void)state;
	cast_start(&k, CFG_ALL, "pppoe-2.example", true);
	c1.lac = c2.lac = c3.lac = k.lac;
	k.a->silent = true;

	lac_send_icrq(&c1);
	assert_int_equal(k.a->seen[LTS_CTRL_SCCRQ], 1);
	expect_quiet(k.lac);
	/* The held ICRQ is acknowledged (ZLB), so the LAC does not retransmit it. */
	advance(500);
	assert_true(ev_find(0, EV_SEND, k.lac, 0) >= 0);
	assert_int_equal(H.ev[ev_find(0, EV_SEND, k.lac, 0)].d.hdr.nr, k.lac->ph.ns);
	advance(13500);
	assert_int_equal(k.b->seen[LTS_CTRL_SCCRQ], 0);
	expect_quiet(k.lac);
	advance(2000); /* 15 s: retries exhausted */
	assert_int_equal(k.a->seen[LTS_CTRL_SCCRQ], 4);
	assert_int_equal(k.b->got[LTS_CTRL_ICRQ], 1);
	assert_icrq_relayed(k.b->last[LTS_CTRL_ICRQ], &c1);
	r = expect(k.lac, LTS_CTRL_ICRP);
	c1.sw_sid = ph_get_u16(r, LTS_AVP_ASSIGNED_SESSION_ID);
	lac_send_iccn(&c1);
	assert_iccn_relayed(k.b->last[LTS_CTRL_ICCN], &c1);
	learn_install(&c1, ev_last(EV_INSTALL));
	assert_ptr_equal(c1.lns, k.b);
	assert_int_equal(H.sw.ctr.failovers, 1);

	/* Within the lockout, the next call goes straight to lns-b. */
	advance(10000);
	call_up(&c2);
	assert_ptr_equal(c2.lns, k.b);
	assert_int_equal(k.a->seen[LTS_CTRL_SCCRQ], 4);

	/* After it, lns-a is first again (and fails again); lns-b is full by now. */
	advance(LOCKOUT_MS);
	lac_send_icrq(&c3);
	assert_int_equal(k.a->seen[LTS_CTRL_SCCRQ], 5);
	advance(16000);
	r = expect(k.lac, LTS_CTRL_ICRP);
	c3.sw_sid = ph_get_u16(r, LTS_AVP_ASSIGNED_SESSION_ID);
	lac_send_iccn(&c3);
	learn_install(&c3, ev_last(EV_INSTALL));
	assert_ptr_equal(c3.lns, k.c); /* lns-b is full (max_sessions 2) */
	assert_int_equal(k.b->got[LTS_CTRL_ICRQ], 2);

	lac_hangup(&c1);
	lac_hangup(&c2);
	lac_hangup(&c3);
	assert_int_equal(k.b->got[LTS_CTRL_CDN], 2);
	assert_int_equal(k.c->got[LTS_CTRL_CDN], 1);
	assert_clean();
}

/* CDN 2/7 "try another" from the LNS: the next member, with the same ICRQ. */
static void test_failover_try_another(void **state)
{
	struct call c = { .serial = 31, .called = "5550200", .calling = "02", .full = true,
			  .tsa = { "tsa-up" }, .user = "fred@isp1.example" };
	struct cast k;

	(void)state;
	cast_start(&k, CFG_ALL, "pppoe-3.example", true);
	c.lac = k.lac;
	k.a->icrq_result = LTS_CDN_GENERAL_ERROR;
	k.a->icrq_error = LTS_ERR_TRY_ANOTHER;
	call_up(&c);
	assert_ptr_equal(c.lns, k.b);
	assert_int_equal(k.a->got[LTS_CTRL_ICRQ], 1);
	assert_icrq_relayed(k.a->last[LTS_CTRL_ICRQ], &c);
	assert_icrq_relayed(k.b->last[LTS_CTRL_ICRQ], &c);
	assert_iccn_relayed(k.b->last[LTS_CTRL_ICCN], &c);
	/* lns-a cleared the call itself: no CDN back to it. */
	assert_int_equal(k.a->got[LTS_CTRL_CDN], 0);
	assert_int_equal(k.c->seen[LTS_CTRL_SCCRQ], 0);
	lac_hangup(&c);
	assert_clean();
}

/* Every member says "try another": the LAC gets 2/10 (next hop unreachable). */
static void test_failover_all_unreachable(void **state)
{
	struct call c = { .serial = 41, .called = "5550200" };
	char msg[128];
	struct cast k;
	struct ph_rx *r;

	(void)state;
	cast_start(&k, CFG_ALL, "pppoe-4.example", true);
	c.lac = k.lac;
	k.a->icrq_result = k.b->icrq_result = k.c->icrq_result = LTS_CDN_GENERAL_ERROR;
	k.a->icrq_error = k.b->icrq_error = k.c->icrq_error = LTS_ERR_TRY_ANOTHER;
	lac_send_icrq(&c);
	r = expect(k.lac, LTS_CTRL_CDN);
	ph_expect_result(r, LTS_CDN_GENERAL_ERROR, LTS_ERR_NEXT_HOP_UNREACHABLE);
	assert_true(strlen(result_message(r, msg, sizeof(msg))) > 0);
	assert_int_equal(r->hdr.session_id, c.sid);
	/* Tried in order of preference, each once. */
	assert_int_equal(k.a->got[LTS_CTRL_ICRQ], 1);
	assert_int_equal(k.b->got[LTS_CTRL_ICRQ], 1);
	assert_int_equal(k.c->got[LTS_CTRL_ICRQ], 1);
	assert_true(ev_find(0, EV_SEND, k.a, LTS_CTRL_ICRQ) <
		    ev_find(0, EV_SEND, k.b, LTS_CTRL_ICRQ));
	assert_true(ev_find(0, EV_SEND, k.b, LTS_CTRL_ICRQ) <
		    ev_find(0, EV_SEND, k.c, LTS_CTRL_ICRQ));
	assert_int_equal(ev_count(EV_INSTALL, NULL, 0), 0);
	assert_int_equal(H.sw.ctr.failovers, 3);

	/* All three are locked out now: a lockout never refuses a call by itself. */
	k.a->icrq_result = 0;
	c.serial++;
	call_up(&c);
	assert_ptr_equal(c.lns, k.a);
	lac_hangup(&c);
	assert_clean();
}

/* Every member has no facilities (CDN 4): the LAC gets 2/11 (next hop busy). */
static void test_failover_all_busy(void **state)
{
	struct call c = { .serial = 51, .called = "5550200" };
	struct cast k;
	struct ph_rx *r;

	(void)state;
	cast_start(&k, CFG_ALL, "pppoe-5.example", true);
	c.lac = k.lac;
	k.a->icrq_result = k.b->icrq_result = k.c->icrq_result = LTS_CDN_NO_FACILITIES_TEMP;
	lac_send_icrq(&c);
	r = expect(k.lac, LTS_CTRL_CDN);
	ph_expect_result(r, LTS_CDN_GENERAL_ERROR, LTS_ERR_NEXT_HOP_BUSY);
	assert_int_equal(k.a->got[LTS_CTRL_ICRQ] + k.b->got[LTS_CTRL_ICRQ] +
				 k.c->got[LTS_CTRL_ICRQ],
			 3);
	assert_clean();
}

/* The only member never answers SCCRP: 2/10 once its retries are exhausted. */
static void test_no_alternate_sccrp_timeout(void **state)
{
	struct call c = { .serial = 61, .called = "4716" };
	struct cast k;
	struct ph_rx *r;

	(void)state;
	cast_start(&k, CFG_ALL, "bras-6.example", true);
	c.lac = k.lac;
	k.a->silent = true;
	lac_send_icrq(&c);
	advance(14000);
	expect_quiet(k.lac);
	advance(2000);
	r = expect(k.lac, LTS_CTRL_CDN);
	ph_expect_result(r, LTS_CDN_GENERAL_ERROR, LTS_ERR_NEXT_HOP_UNREACHABLE);
	assert_int_equal(k.b->seen[LTS_CTRL_SCCRQ] + k.c->seen[LTS_CTRL_SCCRQ], 0);
	assert_clean();
}

/* REFERENCE 1.3: StopCCN 2/4 ("insufficient resources") from the only LNS -> 2/11. */
static void test_no_alternate_stopccn_busy(void **state)
{
	struct call c = { .serial = 62, .called = "4717" };
	struct cast k;
	struct ph_rx *r;

	(void)state;
	cast_start(&k, CFG_ALL, "bras-7.example", false);
	c.lac = k.lac;
	lac_send_icrq(&c);
	r = expect(k.a, LTS_CTRL_SCCRQ);
	k.a->ph.sw_tid = ph_get_u16(r, LTS_AVP_ASSIGNED_TUNNEL_ID);
	peer_send_stopccn(k.a, LTS_STOPCCN_GENERAL_ERROR, LTS_ERR_RESOURCES);
	r = expect(k.lac, LTS_CTRL_CDN);
	ph_expect_result(r, LTS_CDN_GENERAL_ERROR, LTS_ERR_NEXT_HOP_BUSY);
	assert_clean();
}

/* REFERENCE 1.3: CDN 5 (no facilities, permanent) from the only LNS -> 2/11. */
static void test_no_alternate_cdn5_busy(void **state)
{
	struct call c = { .serial = 63, .called = "4718" };
	struct cast k;
	struct ph_rx *r;

	(void)state;
	cast_start(&k, CFG_ALL, "bras-8.example", true);
	c.lac = k.lac;
	k.a->icrq_result = LTS_CDN_NO_FACILITIES_PERM;
	lac_send_icrq(&c);
	r = expect(k.lac, LTS_CTRL_CDN);
	ph_expect_result(r, LTS_CDN_GENERAL_ERROR, LTS_ERR_NEXT_HOP_BUSY);
	assert_clean();
}

/* ------------------------------------------------------------------ */
/* 6. Preference and weight                                             */
/* ------------------------------------------------------------------ */

/* ------------------------------------------------------------------ */
/* 6. Preference and weight                                             */
/* ------------------------------------------------------------------ */

/* One call of rule "weighted", cleared by the LAC once answered. */
static void weighted_call(struct cast *k, uint32_t serial)
{
	struct call c = { .lac = k->lac, .serial = serial, .called = "5550300" };

	lac_send_icrq(&c);
	c.sw_sid = ph_get_u16(expect(k->lac, LTS_CTRL_ICRP), LTS_AVP_ASSIGNED_SESSION_ID);
	lac_hangup(&c);
	ack_all();
}

static unsigned icrqs(const struct fpeer *p)
{
	return p->got[LTS_CTRL_ICRQ];
}

static void test_preference_weight(void **state)
{
	const unsigned n = 400;
	unsigned a, b, c, i;
	struct cast k;

	(void)state;
	cast_start(&k, CFG_ALL, "pppoe-6.example", true);

	/* Preference 10 only (A weight 3, B weight 1), roughly 3:1. */
	for (i = 0; i < n; i++)
		weighted_call(&k, 1000 + i);
	a = icrqs(k.a);
	b = icrqs(k.b);
	assert_int_equal(a + b, n);
	assert_int_equal(k.c->seen[LTS_CTRL_SCCRQ] + icrqs(k.c), 0);
	print_message("weights 3:1 gave %u:%u over %u calls\n", a, b, n);
	if (a < n * 6 / 10 || a > n * 9 / 10)
		fail_msg("weights 3:1 gave %u:%u over %u calls", a, b, n);
	assert_int_equal(k.a->got[LTS_CTRL_CDN] + k.b->got[LTS_CTRL_CDN], n);
	assert_int_equal(H.sw.ctr.failovers, 0);

	/* A and B say "try another": C takes it, A and B are locked out. */
	k.a->icrq_result = k.b->icrq_result = LTS_CDN_GENERAL_ERROR;
	k.a->icrq_error = k.b->icrq_error = LTS_ERR_TRY_ANOTHER;
	weighted_call(&k, 2000);
	assert_int_equal(icrqs(k.a), a + 1);
	assert_int_equal(icrqs(k.b), b + 1);
	assert_int_equal(icrqs(k.c), 1);

	/* Within the lockout C is used though A and B would answer again. */
	k.a->icrq_result = k.b->icrq_result = 0;
	advance(LOCKOUT_MS / 2);
	for (i = 0; i < 5; i++)
		weighted_call(&k, 2001 + i);
	assert_int_equal(icrqs(k.a), a + 1);
	assert_int_equal(icrqs(k.b), b + 1);
	assert_int_equal(icrqs(k.c), 6);

	/* Once it is over, never C again. */
	advance(LOCKOUT_MS / 2 + 1000);
	c = icrqs(k.c);
	for (i = 0; i < 20; i++)
		weighted_call(&k, 3000 + i);
	assert_int_equal(icrqs(k.c), c);
	assert_int_equal(icrqs(k.a) + icrqs(k.b), a + b + 2 + 20);
	assert_clean();
}

static void send_info(struct fpeer *p, uint16_t sid, uint16_t type);

/* ------------------------------------------------------------------ */
/* 7. Paired teardown                                                   */
/* ------------------------------------------------------------------ */

/* LNS CDN: remove() first, then the LAC's CDN relaying code, message and causes. */
static void test_lns_cdn_teardown(void **state)
{
	struct call c = { .serial = 71, .called = "4719", .calling = "0444", .full = true,
			  .user = "gina@isp1.example" };
	struct lts_relay_set causes;
	size_t mark;
	long rm, cdn;
	char msg[128];
	struct cast k;
	struct ph_rx *r;

	(void)state;
	cast_start(&k, CFG_ALL, "bras-1.example", true);
	c.lac = k.lac;
	call_up(&c);
	assert_ptr_equal(c.lns, k.a);

	cause_avps(&causes);
	mark = H.n_ev;
	peer_send_cdn(k.a, c.lns_sw_sid, c.lns_sid, LTS_CDN_ADMIN, 0, "admin reset", &causes);
	r = expect(k.lac, LTS_CTRL_CDN);
	ph_expect_result(r, LTS_CDN_ADMIN, 0);
	assert_string_equal(result_message(r, msg, sizeof(msg)), "admin reset");
	assert_int_equal(r->hdr.session_id, c.sid);
	assert_int_equal(ph_get_u16(r, LTS_AVP_ASSIGNED_SESSION_ID), c.sw_sid);
	assert_ietf(r, LTS_AVP_TYPE_Q931_CAUSE, Q931_RAW, sizeof(Q931_RAW));
	assert_ietf(r, LTS_AVP_TYPE_PPP_DISCONNECT_CAUSE, PPP_DISC_RAW, sizeof(PPP_DISC_RAW));
	rm = ev_find(mark, EV_REMOVE, NULL, 0);
	cdn = ev_find(mark, EV_SEND, k.lac, LTS_CTRL_CDN);
	assert_true(rm >= 0);
	assert_true(rm < cdn);
	assert_cdn_after_remove(mark, k.lac, c.sid);
	assert_memory_equal(&H.ev[rm].pair, &ev_last(EV_INSTALL)->pair,
			    sizeof(struct lts_static_session));
	/* The LNS cleared its half itself: no CDN back; no StopCCN anywhere. */
	assert_int_equal(k.a->got[LTS_CTRL_CDN], 0);
	assert_int_equal(ev_count(EV_SEND, NULL, LTS_CTRL_STOPCCN), 0);
	assert_int_equal(H.cp.tunnels[k.lac->ph.sw_tid]->state, LTS_TUN_ESTABLISHED);
	assert_clean();
}

/* LAC CDN: remove() first, then the LNS's CDN with the LAC's code and causes. */
static void test_lac_cdn_teardown(void **state)
{
	struct call c = { .serial = 72, .called = "4720", .calling = "0555" };
	struct lts_relay_set causes;
	const struct ph_rx *r;
	char msg[128];
	size_t mark;
	long rm, cdn;
	struct cast k;

	(void)state;
	cast_start(&k, CFG_ALL, "bras-1.example", true);
	c.lac = k.lac;
	call_up(&c);

	cause_avps(&causes);
	mark = H.n_ev;
	peer_send_cdn(k.lac, c.sw_sid, c.sid, LTS_CDN_LOST_CARRIER, 0, "carrier lost", &causes);
	pump();
	rm = ev_find(mark, EV_REMOVE, NULL, 0);
	cdn = ev_find(mark, EV_SEND, k.a, LTS_CTRL_CDN);
	assert_true(rm >= 0);
	assert_true(rm < cdn);
	assert_cdn_after_remove(mark, k.a, c.lns_sid);
	assert_int_equal(k.a->got[LTS_CTRL_CDN], 1);
	r = k.a->last[LTS_CTRL_CDN];
	ph_expect_result(r, LTS_CDN_LOST_CARRIER, 0);
	assert_string_equal(result_message(r, msg, sizeof(msg)), "carrier lost");
	assert_int_equal(r->hdr.session_id, c.lns_sid);
	assert_int_equal(ph_get_u16(r, LTS_AVP_ASSIGNED_SESSION_ID), c.lns_sw_sid);
	assert_ietf(r, LTS_AVP_TYPE_Q931_CAUSE, Q931_RAW, sizeof(Q931_RAW));
	assert_ietf(r, LTS_AVP_TYPE_PPP_DISCONNECT_CAUSE, PPP_DISC_RAW, sizeof(PPP_DISC_RAW));
	expect_quiet(k.lac);
	assert_int_equal(ev_count(EV_SEND, NULL, LTS_CTRL_STOPCCN), 0);
	assert_clean();
}

static void assert_lac_cdn_for(struct cast *k, const struct call *c, size_t mark)
{
	assert_cdn_after_remove(mark, k->lac, c->sid);
}

/*
 * StopCCN from one LNS: one CDN per call of that LNS on the LAC tunnel; the
 * call to the other LNS stays; never a StopCCN on the LAC tunnel.
 */
static void test_lns_stopccn(void **state)
{
	struct call c1 = { .serial = 81, .called = "4721" };
	struct call c2 = { .serial = 82, .called = "4722" };
	struct call c3 = { .serial = 83, .called = "5550100" };
	struct call c4 = { .serial = 84, .called = "4723" };
	size_t mark, i;
	struct cast k;
	struct ph_rx *r;

	(void)state;
	cast_start(&k, CFG_ALL, "bras-1.example", true);
	c1.lac = c2.lac = c3.lac = c4.lac = k.lac;
	call_up(&c1);
	call_up(&c2);
	call_up(&c3);
	assert_ptr_equal(c1.lns, k.a);
	assert_ptr_equal(c2.lns, k.a);
	assert_ptr_equal(c3.lns, k.b);
	assert_int_not_equal(c1.stats_idx, c2.stats_idx);
	assert_int_not_equal(c1.stats_idx, c3.stats_idx);
	assert_int_not_equal(c2.stats_idx, c3.stats_idx);
	assert_int_equal(k.a->seen[LTS_CTRL_SCCRQ], 1); /* one tunnel for both calls */

	mark = H.n_ev;
	peer_send_stopccn(k.a, LTS_STOPCCN_CLEAR, 0);
	pump();
	for (i = 0; i < 2; i++) {
		r = expect(k.lac, LTS_CTRL_CDN);
		assert_true(r->hdr.session_id == c1.sid || r->hdr.session_id == c2.sid);
		assert_int_equal(result_of(r).result, LTS_CDN_GENERAL_ERROR);
	}
	assert_lac_cdn_for(&k, &c1, mark);
	assert_lac_cdn_for(&k, &c2, mark);
	expect_quiet(k.lac);
	assert_int_equal(ev_count(EV_REMOVE, NULL, 0), 2);
	assert_int_equal(ev_count(EV_SEND, k.lac, LTS_CTRL_STOPCCN), 0);
	assert_int_equal(ev_count(EV_SEND, k.a, LTS_CTRL_CDN), 0);
	assert_int_equal(H.cp.tunnels[k.lac->ph.sw_tid]->state, LTS_TUN_ESTABLISHED);
	assert_int_equal(H.sw.n_calls, 1);
	assert_non_null(H.sw.calls);
	assert_true(H.sw.calls->installed);

	/* A new call for lns-a opens a new tunnel to it. */
	call_up(&c4);
	assert_ptr_equal(c4.lns, k.a);
	assert_int_equal(k.a->seen[LTS_CTRL_SCCRQ], 2);

	/* lns-b's call is still there and goes on its own. */
	lac_hangup(&c3);
	lac_hangup(&c4);
	assert_int_equal(k.b->got[LTS_CTRL_CDN], 1);
	assert_int_equal(ev_count(EV_SEND, NULL, LTS_CTRL_STOPCCN), 0);
	advance(20000); /* the closed tunnel's retention runs out */
	assert_clean();
}

/* The LAC stops answering (Hello, retransmissions): each LNS gets a CDN. */
static void test_lac_tunnel_lost(void **state)
{
	struct call c1 = { .serial = 91, .called = "4724" };
	struct call c2 = { .serial = 92, .called = "5550100" };
	size_t mark;
	struct cast k;

	(void)state;
	cast_start(&k, CFG_ALL, "bras-1.example", true);
	c1.lac = c2.lac = k.lac;
	call_up(&c1);
	call_up(&c2);
	ack_all();
	k.lac->silent = true;
	mark = H.n_ev;
	advance(19000);
	assert_int_equal(k.lac->seen[LTS_CTRL_HELLO], 0);
	assert_int_equal(k.a->got[LTS_CTRL_CDN] + k.b->got[LTS_CTRL_CDN], 0);
	advance(1500); /* Hello after 20 s idle */
	assert_int_equal(k.lac->seen[LTS_CTRL_HELLO], 1);
	advance(16500); /* 1 + 2 + 4 + 8 s of retransmissions */
	assert_true(k.lac->seen[LTS_CTRL_HELLO] >= 4);
	assert_int_equal(k.a->got[LTS_CTRL_CDN], 1);
	assert_int_equal(k.b->got[LTS_CTRL_CDN], 1);
	assert_int_equal(k.a->last[LTS_CTRL_CDN]->hdr.session_id, c1.lns_sid);
	assert_int_equal(k.b->last[LTS_CTRL_CDN]->hdr.session_id, c2.lns_sid);
	assert_int_equal(result_of(k.a->last[LTS_CTRL_CDN]).result, LTS_CDN_GENERAL_ERROR);
	assert_int_equal(result_of(k.b->last[LTS_CTRL_CDN]).result, LTS_CDN_GENERAL_ERROR);
	assert_cdn_after_remove(mark, k.a, c1.lns_sid);
	assert_cdn_after_remove(mark, k.b, c2.lns_sid);
	assert_int_equal(ev_count(EV_SEND, NULL, LTS_CTRL_STOPCCN), 0);
	assert_true(!H.cp.tunnels[k.lac->ph.sw_tid] ||
		    H.cp.tunnels[k.lac->ph.sw_tid]->state == LTS_TUN_DEAD);
	assert_clean();
}

/* The LAC's StopCCN: a CDN on each LNS leg, no StopCCN toward the LNSes. */
static void test_lac_stopccn(void **state)
{
	struct call c1 = { .serial = 93, .called = "4725" };
	struct call c2 = { .serial = 94, .called = "5550100" };
	size_t mark;
	struct cast k;

	(void)state;
	cast_start(&k, CFG_ALL, "bras-1.example", true);
	c1.lac = c2.lac = k.lac;
	call_up(&c1);
	call_up(&c2);
	mark = H.n_ev;
	peer_send_stopccn(k.lac, LTS_STOPCCN_CLEAR, 0);
	pump();
	assert_int_equal(k.a->got[LTS_CTRL_CDN], 1);
	assert_int_equal(k.b->got[LTS_CTRL_CDN], 1);
	assert_cdn_after_remove(mark, k.a, c1.lns_sid);
	assert_cdn_after_remove(mark, k.b, c2.lns_sid);
	assert_int_equal(ev_count(EV_REMOVE, NULL, 0), 2);
	assert_int_equal(ev_count(EV_SEND, NULL, LTS_CTRL_STOPCCN), 0);
	assert_int_equal(H.cp.tunnels[k.a->ph.sw_tid]->state, LTS_TUN_ESTABLISHED);
	assert_int_equal(H.cp.tunnels[k.b->ph.sw_tid]->state, LTS_TUN_ESTABLISHED);
	assert_clean();
}

/* Two LACs on one LNS tunnel: the LNS's StopCCN gives each LAC a CDN, no StopCCN. */
static void test_lns_stopccn_two_lacs(void **state)
{
	struct call c1 = { .serial = 95, .called = "4733" };
	struct call c2 = { .serial = 96, .called = "4734" };
	struct call c3 = { .serial = 97, .called = "5550100" };
	struct fpeer *lac2;
	size_t mark;
	struct cast k;
	struct ph_rx *r;

	(void)state;
	cast_start(&k, CFG_ALL, "bras-1.example", true);
	lac2 = add_lac("lac-west-2", "10.0.1.2", "bras-2.example", WEST_SECRET);
	lac_connect(lac2);
	c1.lac = c3.lac = k.lac;
	c2.lac = lac2;
	call_up(&c1);
	call_up(&c2);
	call_up(&c3);
	assert_ptr_equal(c1.lns, k.a);
	assert_ptr_equal(c2.lns, k.a);
	assert_int_equal(H.cp.n_tunnels, 4); /* two LACs, lns-a, lns-b */

	mark = H.n_ev;
	peer_send_stopccn(k.a, LTS_STOPCCN_GENERAL_ERROR, LTS_ERR_RESOURCES);
	r = expect(k.lac, LTS_CTRL_CDN);
	assert_int_equal(r->hdr.session_id, c1.sid);
	assert_lac_cdn_for(&k, &c1, mark);
	r = expect(lac2, LTS_CTRL_CDN);
	assert_int_equal(r->hdr.session_id, c2.sid);
	assert_int_equal(ph_get_u16(r, LTS_AVP_ASSIGNED_SESSION_ID), c2.sw_sid);
	expect_quiet(k.lac);
	expect_quiet(lac2);
	assert_int_equal(ev_count(EV_SEND, NULL, LTS_CTRL_STOPCCN), 0);
	assert_int_equal(H.sw.n_calls, 1);
	lac_hangup(&c3);
	advance(20000);
	assert_clean();
}

/* The LNS stops answering after install: the LAC gets a CDN, its tunnel stays. */
static void test_lns_tunnel_lost(void **state)
{
	struct call c = { .serial = 98, .called = "4735" };
	struct call d = { .serial = 99, .called = "5550100" };
	size_t mark;
	struct cast k;
	struct ph_rx *r;

	(void)state;
	cast_start(&k, CFG_ALL, "bras-1.example", true);
	c.lac = d.lac = k.lac;
	call_up(&c);
	call_up(&d);
	ack_all();
	k.a->silent = true;
	/* Something for the LNS to lose: a WEN it never acknowledges. */
	send_info(k.lac, c.sw_sid, LTS_CTRL_WEN);
	mark = H.n_ev;
	advance(14000);
	expect_quiet(k.lac);
	advance(2000);
	r = expect(k.lac, LTS_CTRL_CDN);
	assert_int_equal(r->hdr.session_id, c.sid);
	assert_int_equal(result_of(r).result, LTS_CDN_GENERAL_ERROR);
	assert_cdn_after_remove(mark, k.lac, c.sid);
	assert_int_equal(H.cp.tunnels[k.lac->ph.sw_tid]->state, LTS_TUN_ESTABLISHED);
	assert_int_equal(ev_count(EV_SEND, k.lac, LTS_CTRL_STOPCCN), 0);
	assert_int_equal(H.sw.n_calls, 1); /* lns-b's call is untouched */
	lac_hangup(&d);
	assert_clean();
}

/* ------------------------------------------------------------------ */
/* 8. WEN and SLI across                                                */
/* ------------------------------------------------------------------ */

static void send_info(struct fpeer *p, uint16_t sid, uint16_t type)
{
	struct ph_msg b;

	ph_msg_begin(&b, &p->ph, type);
	if (type == LTS_CTRL_WEN)
		lts_avpw_add_avp(&b.w, 0, LTS_AVP_TYPE_CALL_ERRORS, true, CALL_ERRORS_RAW,
				 sizeof(CALL_ERRORS_RAW));
	else
		lts_avpw_add_avp(&b.w, 0, LTS_AVP_TYPE_ACCM, true, ACCM_RAW, sizeof(ACCM_RAW));
	ph_send(&p->ph, sid, &b);
}

static void assert_info(const struct ph_rx *r, uint16_t type, uint16_t sid)
{
	assert_int_equal(r->msg.type, type);
	assert_int_equal(r->hdr.session_id, sid);
	if (type == LTS_CTRL_WEN)
		assert_ietf(r, LTS_AVP_TYPE_CALL_ERRORS, CALL_ERRORS_RAW, sizeof(CALL_ERRORS_RAW));
	else
		assert_ietf(r, LTS_AVP_TYPE_ACCM, ACCM_RAW, sizeof(ACCM_RAW));
}

static void test_wen_sli_relay(void **state)
{
	struct call c = { .serial = 101, .called = "4726" };
	struct cast k;

	(void)state;
	cast_start(&k, CFG_ALL, "bras-1.example", true);
	c.lac = k.lac;
	call_up(&c);

	/* WEN from the LAC (RFC 2661 6.13), SLI from the LNS (6.14) ... */
	send_info(k.lac, c.sw_sid, LTS_CTRL_WEN);
	assert_int_equal(k.a->got[LTS_CTRL_WEN], 1);
	assert_info(k.a->last[LTS_CTRL_WEN], LTS_CTRL_WEN, c.lns_sid);
	send_info(k.a, c.lns_sw_sid, LTS_CTRL_SLI);
	assert_info(expect(k.lac, LTS_CTRL_SLI), LTS_CTRL_SLI, c.sid);
	/* ... and the other way round too (REFERENCE 1.5 quirk 12). */
	send_info(k.lac, c.sw_sid, LTS_CTRL_SLI);
	assert_info(k.a->last[LTS_CTRL_SLI], LTS_CTRL_SLI, c.lns_sid);
	send_info(k.a, c.lns_sw_sid, LTS_CTRL_WEN);
	assert_info(expect(k.lac, LTS_CTRL_WEN), LTS_CTRL_WEN, c.sid);
	expect_quiet(k.lac);
	assert_int_equal(ev_count(EV_INSTALL, NULL, 0), 1);
	assert_int_equal(ev_count(EV_REMOVE, NULL, 0), 0);
	lac_hangup(&c);
	assert_clean();
}

/*
 * Regression (issue 9): WEN/SLI were relayed without a limit into the one
 * tunnel to the LNS, whose full send queue then refused every other LAC's
 * calls. Now at most LTS_SWITCH_INFO_BURST back to back and
 * LTS_SWITCH_INFO_RATE per second per call; the rest dropped and counted.
 */
static void test_wen_flood_rate_limited(void **state)
{
	struct call c = { .serial = 102, .called = "4726" };
	struct cast k;
	int i;

	(void)state;
	cast_start(&k, CFG_ALL, "bras-1.example", true);
	c.lac = k.lac;
	call_up(&c);
	for (i = 0; i < 3 * LTS_SWITCH_INFO_BURST; i++)
		send_info(k.lac, c.sw_sid, LTS_CTRL_WEN);
	assert_int_equal(H.sw.ctr.info_dropped, 2 * LTS_SWITCH_INFO_BURST);
	advance(5000); /* delivered within the LNS's window; the bucket refills */
	assert_int_equal(k.a->got[LTS_CTRL_WEN], LTS_SWITCH_INFO_BURST);
	for (i = 0; i < 3 * LTS_SWITCH_INFO_BURST; i++)
		send_info(k.lac, c.sw_sid, LTS_CTRL_WEN);
	/* The LNS's SLIs toward the LAC share the call's (empty) budget. */
	send_info(k.a, c.lns_sw_sid, LTS_CTRL_SLI);
	assert_int_equal(H.sw.ctr.info_dropped, 4 * LTS_SWITCH_INFO_BURST + 1);
	advance(5000);
	assert_int_equal(k.a->got[LTS_CTRL_WEN], 2 * LTS_SWITCH_INFO_BURST);
	assert_int_equal(k.lac->got[LTS_CTRL_SLI], 0);
	lac_hangup(&c);
	assert_clean();
}

/*
 * Regression (issue 9): an ICRQ arriving on an LNS-facing tunnel was routed
 * by any rule not tied to a lac_peer, so one ISP's LNS could inject
 * sessions into another ISP's LNS. Without a rule naming that lns_peer it
 * gets CDN 5 and nothing is dialled.
 */
static void test_lns_may_not_originate(void **state)
{
	struct call c = { .serial = 103, .called = "4726" };
	struct call evil = { .serial = 104, .called = "5550200" };
	size_t icrqs, mark;
	struct cast k;
	struct ph_rx *r;
	long i;

	(void)state;
	cast_start(&k, CFG_ALL, "bras-1.example", true);
	c.lac = k.lac;
	call_up(&c); /* opens the tunnel to lns-a */
	icrqs = k.b->got[LTS_CTRL_ICRQ] + k.c->got[LTS_CTRL_ICRQ];
	mark = H.n_ev;
	evil.lac = k.a; /* the LNS places a call on our tunnel to it */
	lac_send_icrq(&evil);
	pump();
	/* (lns-a is on autopilot: it takes the CDN itself; read it off the wire) */
	i = ev_find((long)mark, EV_SEND, k.a, LTS_CTRL_CDN);
	assert_true(i >= 0);
	r = rx_parse(k.a, &H.ev[i]);
	assert_int_equal(r->hdr.session_id, evil.sid);
	ph_expect_result(r, LTS_CDN_NO_FACILITIES_PERM, 0);
	rx_free(r);
	assert_int_equal(k.b->got[LTS_CTRL_ICRQ] + k.c->got[LTS_CTRL_ICRQ], icrqs);
	assert_int_equal(H.sw.n_calls, 1);
	lac_hangup(&c);
	assert_clean();
}

/* ------------------------------------------------------------------ */
/* 9. No rule                                                           */
/* ------------------------------------------------------------------ */

static void test_no_rule_icrq(void **state)
{
	struct call c = { .serial = 111, .called = "999", .calling = "0666" };
	struct fpeer *lac;
	char msg[128];
	struct ph_rx *r;

	(void)state;
	h_start(CFG_NO_DEFAULT);
	lac = add_lac("lac-east-1", "10.0.3.1", "east-1.example", NULL);
	add_lns("lns-a", "10.0.2.1", NULL, true);
	lac_connect(lac);
	c.lac = lac;
	lac_send_icrq(&c);
	r = expect(lac, LTS_CTRL_CDN);
	ph_expect_result(r, LTS_CDN_GENERAL_ERROR, LTS_ERR_NEXT_HOP_UNREACHABLE);
	assert_true(strlen(result_message(r, msg, sizeof(msg))) > 0);
	assert_int_equal(r->hdr.session_id, c.sid);
	assert_int_equal(ev_count(EV_SEND, &H.peers[1], ANY_TYPE), 0);
	assert_int_equal(H.sw.ctr.calls_refused, 1);
	assert_clean();
}

static void test_no_rule_iccn(void **state)
{
	struct call c = { .serial = 112, .called = "998", .user = "bob@other.example" };
	char msg[128];
	struct cast k;
	struct ph_rx *r;

	(void)state;
	cast_start(&k, CFG_NO_DEFAULT, "pppoe-7.example", true);
	c.lac = k.lac;
	lac_send_icrq(&c);
	r = expect(k.lac, LTS_CTRL_ICRP);
	c.sw_sid = ph_get_u16(r, LTS_AVP_ASSIGNED_SESSION_ID);
	lac_send_iccn(&c);
	r = expect(k.lac, LTS_CTRL_CDN);
	ph_expect_result(r, LTS_CDN_GENERAL_ERROR, LTS_ERR_NEXT_HOP_UNREACHABLE);
	assert_true(strlen(result_message(r, msg, sizeof(msg))) > 0);
	assert_int_equal(r->hdr.session_id, c.sid);
	assert_int_equal(ev_count(EV_SEND, k.a, ANY_TYPE) + ev_count(EV_SEND, k.b, ANY_TYPE) +
				 ev_count(EV_SEND, k.c, ANY_TYPE),
			 0);
	assert_clean();
}

/* A rule without match keys takes what no other rule took (here from lac_peer east). */
static void test_default_rule(void **state)
{
	struct call c = { .serial = 113, .called = "997", .user = "zoe@isp2.example" };
	struct fpeer *lac, *a;

	(void)state;
	h_start(CFG_ALL);
	lac = add_lac("lac-east-1", "10.0.3.1", "east-1.example", NULL);
	a = add_lns("lns-a", "10.0.2.1", NULL, true);
	lac_connect(lac);
	c.lac = lac;
	call_up(&c);
	assert_ptr_equal(c.lns, a);
	assert_string_equal(ev_last(EV_INSTALL)->pair.name, "default");
	/* Decided at ICRQ: the isp2 realm rule is for lac_peer west only. */
	assert_true(ev_find(0, EV_SEND, a, LTS_CTRL_ICRQ) <
		    ev_find(0, EV_SEND, lac, LTS_CTRL_ICRP));
	lac_hangup(&c);
	assert_clean();
}

/* ------------------------------------------------------------------ */
/* Setup races and other edges                                          */
/* ------------------------------------------------------------------ */

/* The LAC hangs up after its ICRP, before its ICCN: the LNS leg is cleared. */
static void test_lac_cdn_before_iccn(void **state)
{
	struct call c = { .serial = 121, .called = "4727" };
	struct cast k;
	struct ph_rx *r;

	(void)state;
	cast_start(&k, CFG_ALL, "bras-1.example", true);
	c.lac = k.lac;
	lac_send_icrq(&c);
	r = expect(k.lac, LTS_CTRL_ICRP);
	c.sw_sid = ph_get_u16(r, LTS_AVP_ASSIGNED_SESSION_ID);
	lac_hangup(&c);
	assert_int_equal(k.a->got[LTS_CTRL_CDN], 1);
	r = k.a->last[LTS_CTRL_CDN];
	ph_expect_result(r, LTS_CDN_LOST_CARRIER, 0);
	assert_int_equal(ph_get_u16(r, LTS_AVP_ASSIGNED_SESSION_ID),
			 ph_get_u16(k.a->last[LTS_CTRL_ICRQ], LTS_AVP_ASSIGNED_SESSION_ID));
	assert_int_equal(r->hdr.session_id, k.a->next_sid - 1); /* its ICRP's */
	assert_int_equal(ev_count(EV_INSTALL, NULL, 0), 0);
	assert_clean();
}

/* ICCN-time call: the LAC hangs up while the LNS has our ICRQ but no ICRP yet. */
static void test_lac_cdn_before_lns_icrp(void **state)
{
	struct call c = { .serial = 122, .called = "4728", .user = "hal@isp2.example" };
	uint16_t lns_sw_sid;
	struct cast k;
	struct ph_rx *r;

	(void)state;
	cast_start(&k, CFG_ALL, "pppoe-9.example", false);
	c.lac = k.lac;
	lac_send_icrq(&c);
	c.sw_sid = ph_get_u16(expect(k.lac, LTS_CTRL_ICRP), LTS_AVP_ASSIGNED_SESSION_ID);
	lac_send_iccn(&c);
	lns_accept(k.c);
	r = expect(k.c, LTS_CTRL_ICRQ);
	lns_sw_sid = ph_get_u16(r, LTS_AVP_ASSIGNED_SESSION_ID);
	lac_hangup(&c);
	r = expect(k.c, LTS_CTRL_CDN);
	ph_expect_result(r, LTS_CDN_LOST_CARRIER, 0);
	assert_int_equal(ph_get_u16(r, LTS_AVP_ASSIGNED_SESSION_ID), lns_sw_sid);
	expect_quiet(k.c);
	/* The LNS's ICRP crossing the CDN is ignored. */
	lns_send_icrp(k.c, lns_sw_sid, 0x99);
	expect_quiet(k.c);
	expect_quiet(k.lac);
	assert_int_equal(ev_count(EV_INSTALL, NULL, 0), 0);
	assert_clean();
}

/*
 * ICCN-time call: the LAC hangs up while the tunnel to the LNS is still being
 * set up. The LNS never heard of the call: it must get neither a CDN (on a
 * tunnel that is not even established) nor an ICRQ.
 */
static void lac_cdn_while_lns_dialling(bool lns_acks_sccrq)
{
	struct call c = { .serial = 123, .called = "4729", .user = "ivy@isp2.example" };
	size_t mark;
	struct cast k;
	struct ph_rx *r;

	cast_start(&k, CFG_ALL, "pppoe-10.example", false);
	c.lac = k.lac;
	lac_send_icrq(&c);
	c.sw_sid = ph_get_u16(expect(k.lac, LTS_CTRL_ICRP), LTS_AVP_ASSIGNED_SESSION_ID);
	lac_send_iccn(&c);
	r = take(k.c, LTS_CTRL_SCCRQ, false);
	mark = H.n_ev;
	lac_hangup(&c);
	if (lns_acks_sccrq) {
		/* A ZLB for the SCCRQ, before the SCCRP (a slow LNS, or its ack timer). */
		ph_zlb(&k.c->ph);
		assert_true(ev_find(mark, EV_SEND, k.c, LTS_CTRL_CDN) < 0);
	}
	lns_send_sccrp(k.c, r);
	assert_true(ev_find(mark, EV_SEND, k.c, LTS_CTRL_CDN) < 0);
	expect(k.c, LTS_CTRL_SCCCN);
	expect_quiet(k.c);
	assert_int_equal(ev_count(EV_SEND, k.c, LTS_CTRL_ICRQ), 0);
	assert_clean();
}

static void test_lac_cdn_while_lns_dialling(void **state)
{
	(void)state;
	lac_cdn_while_lns_dialling(false);
}

static void test_lac_cdn_while_lns_dialling_acked(void **state)
{
	(void)state;
	lac_cdn_while_lns_dialling(true);
}

/*
 * RFC 2661 7.4.1: a LAC may clear a call in wait-reply, before it knows our
 * Session ID: header Session ID 0, its own in Assigned Session ID. With the
 * ICRP held while the LNS leg is set up (up to a full SCCRQ retransmission
 * cycle per pool member) this window is long.
 */
static void test_lac_cdn_while_icrp_held(void **state)
{
	struct call c = { .serial = 124, .called = "4730" };
	struct cast k;
	struct ph_rx *r;

	(void)state;
	cast_start(&k, CFG_ALL, "bras-1.example", false);
	c.lac = k.lac;
	lac_send_icrq(&c);
	r = expect(k.a, LTS_CTRL_SCCRQ);
	peer_send_cdn(k.lac, 0, c.sid, LTS_CDN_LOST_CARRIER, 0, "gave up", NULL);
	lns_send_sccrp(k.a, r);
	expect(k.a, LTS_CTRL_SCCCN);
	pump();
	assert_int_equal(H.sw.n_calls, 0); /* the CDN cleared the held call */
	expect_quiet(k.a);
	expect_quiet(k.lac);
	assert_clean();
}

/* An LNS answering from another port: followed, and installed that way. */
static void test_lns_other_port(void **state)
{
	struct call c = { .serial = 125, .called = "5550100" };
	const struct event *inst;
	uint16_t lns_sw_sid;
	struct cast k;
	struct ph_rx *r;

	(void)state;
	cast_start(&k, CFG_ALL, "bras-1.example", false);
	c.lac = k.lac;
	k.b->port_from = 1702;
	lac_send_icrq(&c);
	lns_accept(k.b);
	r = expect(k.b, LTS_CTRL_ICRQ);
	assert_int_equal(r->ep.peer_port, 1702);
	/* lns-b has no local address in the config: the one its SCCRP came to. */
	assert_ip(&r->ep.local, SW_LNS_SIDE);
	lns_sw_sid = ph_get_u16(r, LTS_AVP_ASSIGNED_SESSION_ID);
	lns_send_icrp(k.b, lns_sw_sid, 0x42);
	c.sw_sid = ph_get_u16(expect(k.lac, LTS_CTRL_ICRP), LTS_AVP_ASSIGNED_SESSION_ID);
	lac_send_iccn(&c);
	r = expect(k.b, LTS_CTRL_ICCN);
	assert_int_equal(r->ep.peer_port, 1702);
	inst = ev_last(EV_INSTALL);
	assert_non_null(inst);
	assert_leg(&inst->pair.b, "10.0.2.2", 1702, SW_LNS_SIDE, k.b->ph.sw_tid, lns_sw_sid,
		   k.b->ph.tid, 0x42);
	lac_hangup(&c);
	assert_int_equal(expect(k.b, LTS_CTRL_CDN)->ep.peer_port, 1702);
	assert_clean();
}

/* The LNS says "try another" after we relayed its ICRP: the next member, transparently. */
static void test_failover_after_icrp(void **state)
{
	struct call c = { .serial = 126, .called = "5550200", .full = true,
			  .calling = "03", .user = "ian@isp1.example" };
	const struct ph_rx *r;
	struct cast k;

	(void)state;
	cast_start(&k, CFG_ALL, "pppoe-11.example", true);
	c.lac = k.lac;
	lac_send_icrq(&c);
	c.sw_sid = ph_get_u16(expect(k.lac, LTS_CTRL_ICRP), LTS_AVP_ASSIGNED_SESSION_ID);
	r = k.a->last[LTS_CTRL_ICRQ];
	assert_non_null(r);
	peer_send_cdn(k.a, ph_get_u16(r, LTS_AVP_ASSIGNED_SESSION_ID), k.a->next_sid - 1,
		      LTS_CDN_GENERAL_ERROR, LTS_ERR_TRY_ANOTHER, "go away", NULL);
	assert_int_equal(k.b->got[LTS_CTRL_ICRQ], 1);
	expect_quiet(k.lac);
	lac_send_iccn(&c);
	assert_int_equal(k.b->got[LTS_CTRL_ICCN], 1);
	assert_iccn_relayed(k.b->last[LTS_CTRL_ICCN], &c);
	assert_int_equal(ev_count(EV_INSTALL, NULL, 0), 1);
	learn_install(&c, ev_last(EV_INSTALL));
	assert_ptr_equal(c.lns, k.b);
	lac_hangup(&c);
	assert_clean();
}

/* The LNS's StopCCN during setup (2/4, busy): the next member takes the call. */
static void test_failover_lns_stopccn(void **state)
{
	struct call c = { .serial = 131, .called = "5550200", .full = true, .calling = "04",
			  .user = "jim@isp1.example" };
	struct cast k;
	struct ph_rx *r;

	(void)state;
	cast_start(&k, CFG_ALL, "pppoe-14.example", true);
	c.lac = k.lac;
	k.a->autopilot = false;
	lac_send_icrq(&c);
	lns_accept(k.a);
	r = expect(k.a, LTS_CTRL_ICRQ);
	assert_icrq_relayed(r, &c);
	peer_send_stopccn(k.a, LTS_STOPCCN_GENERAL_ERROR, LTS_ERR_RESOURCES);
	assert_int_equal(k.b->got[LTS_CTRL_ICRQ], 1);
	assert_icrq_relayed(k.b->last[LTS_CTRL_ICRQ], &c);
	c.sw_sid = ph_get_u16(expect(k.lac, LTS_CTRL_ICRP), LTS_AVP_ASSIGNED_SESSION_ID);
	lac_send_iccn(&c);
	learn_install(&c, ev_last(EV_INSTALL));
	assert_ptr_equal(c.lns, k.b);
	assert_int_equal(ev_count(EV_SEND, k.a, LTS_CTRL_CDN), 0);
	lac_hangup(&c);
	advance(20000);
	assert_clean();
}

/* lns_peers max_sessions: a full LNS is skipped; none left -> 2/11 "next hop busy". */
static void test_lns_max_sessions(void **state)
{
	struct call c[3] = { { .serial = 141, .called = "5550100" },
			     { .serial = 142, .called = "5550100" },
			     { .serial = 143, .called = "5550100" } };
	struct cast k;
	struct ph_rx *r;
	int i;

	(void)state;
	cast_start(&k, CFG_ALL, "bras-1.example", true);
	for (i = 0; i < 3; i++)
		c[i].lac = k.lac;
	call_up(&c[0]);
	call_up(&c[1]);
	lac_send_icrq(&c[2]);
	r = expect(k.lac, LTS_CTRL_CDN);
	ph_expect_result(r, LTS_CDN_GENERAL_ERROR, LTS_ERR_NEXT_HOP_BUSY);
	assert_int_equal(k.b->got[LTS_CTRL_ICRQ], 2);
	/* One goes: room again. */
	lac_hangup(&c[0]);
	call_up(&c[2]);
	assert_ptr_equal(c[2].lns, k.b);
	lac_hangup(&c[1]);
	lac_hangup(&c[2]);
	assert_clean();
}

/* An established call is never failed over: the LNS's 2/7 goes to the LAC. */
static void test_no_failover_once_up(void **state)
{
	struct call c = { .serial = 127, .called = "5550200" };
	struct cast k;
	struct ph_rx *r;

	(void)state;
	cast_start(&k, CFG_ALL, "pppoe-12.example", true);
	c.lac = k.lac;
	call_up(&c);
	assert_ptr_equal(c.lns, k.a);
	peer_send_cdn(k.a, c.lns_sw_sid, c.lns_sid, LTS_CDN_GENERAL_ERROR, LTS_ERR_TRY_ANOTHER,
		      "later", NULL);
	r = expect(k.lac, LTS_CTRL_CDN);
	ph_expect_result(r, LTS_CDN_GENERAL_ERROR, LTS_ERR_TRY_ANOTHER);
	assert_int_equal(k.b->seen[LTS_CTRL_SCCRQ], 0);
	assert_clean();
}

/* The data plane refuses the pair: the switch is busy (2/12); the LNS is not to blame. */
static void test_install_failure(void **state)
{
	struct call c = { .serial = 128, .called = "5550200" };
	uint64_t lock;
	struct cast k;
	struct ph_rx *r;

	(void)state;
	cast_start(&k, CFG_ALL, "pppoe-13.example", true);
	c.lac = k.lac;
	H.install_ret = -ENOSPC;
	lac_send_icrq(&c);
	c.sw_sid = ph_get_u16(expect(k.lac, LTS_CTRL_ICRP), LTS_AVP_ASSIGNED_SESSION_ID);
	lac_send_iccn(&c);
	assert_true(ev_count(EV_INSTALL_FAILED, NULL, 0) >= 1);
	assert_int_equal(ev_count(EV_INSTALL, NULL, 0), 0);
	assert_int_equal(ev_count(EV_REMOVE, NULL, 0), 0);
	assert_int_equal(k.a->got[LTS_CTRL_CDN], 1);
	r = expect(k.lac, LTS_CTRL_CDN);
	lock = H.sw.lockout_until[0];
	ph_expect_result(r, LTS_CDN_GENERAL_ERROR, LTS_ERR_TSA_BUSY);
	assert_int_equal(k.b->got[LTS_CTRL_ICRQ] + k.c->got[LTS_CTRL_ICRQ], 0);
	assert_true(lock <= H.clk.now);
	assert_clean();
}

/* Data on a switched call keeps the LAC tunnel from sending Hello (RFC 2661 5.5). */
static void test_data_keeps_lac_tunnel_alive(void **state)
{
	struct call c = { .serial = 129, .called = "4731" };
	struct cast k;

	(void)state;
	cast_start(&k, CFG_ALL, "bras-1.example", true);
	c.lac = k.lac;
	call_up(&c);
	H.data_is_now = true;
	advance(100000);
	assert_int_equal(k.lac->seen[LTS_CTRL_HELLO], 0);
	assert_true(H.n_last_rx > 0);
	assert_int_equal(H.last_rx_idx, c.stats_idx);
	H.data_is_now = false;
	H.data_ms = H.clk.now;
	advance(21000);
	assert_int_equal(k.lac->seen[LTS_CTRL_HELLO], 1);
	lac_hangup(&c);
	assert_clean();
}

/* Shutdown with a call up: StopCCN on both tunnels, the pair removed. */
static void test_shutdown(void **state)
{
	struct call c = { .serial = 132, .called = "4737" };
	struct cast k;
	int guard;

	(void)state;
	cast_start(&k, CFG_ALL, "bras-1.example", true);
	c.lac = k.lac;
	call_up(&c);
	lts_cp_shutdown(&H.cp, H.clk.now);
	pump();
	assert_int_equal(ev_count(EV_REMOVE, NULL, 0), 1);
	/* The LAC may first get a CDN for the call (the LNS tunnel went first). */
	if (k.lac->n_in && k.lac->inbox[0]->msg.type == LTS_CTRL_CDN)
		assert_int_equal(expect(k.lac, LTS_CTRL_CDN)->hdr.session_id, c.sid);
	assert_int_equal(result_of(expect(k.lac, LTS_CTRL_STOPCCN)).result,
			 LTS_STOPCCN_SHUTTING_DOWN);
	expect_quiet(k.lac);
	assert_int_equal(k.a->got[LTS_CTRL_STOPCCN], 1);
	for (guard = 0; !lts_cp_idle(&H.cp) && guard < 100; guard++)
		advance(1000);
	assert_true(lts_cp_idle(&H.cp));
	assert_clean();
}

/* lns_peers linger: an on-demand tunnel goes linger s after its last call. */
static void test_on_demand_linger(void **state)
{
	struct call c = { .serial = 130, .called = "4732" };
	struct cast k;

	(void)state;
	cast_start(&k, CFG_ALL, "bras-1.example", true);
	c.lac = k.lac;
	call_up(&c);
	lac_hangup(&c);
	advance(25000);
	assert_int_equal(k.a->got[LTS_CTRL_STOPCCN], 0);
	advance(10000); /* linger defaults to 30 s */
	assert_int_equal(k.a->got[LTS_CTRL_STOPCCN], 1);
	assert_clean();
}

/* ------------------------------------------------------------------ */
/* 9. Operator actions (ltsctl clear, drain; agent/ctl_server.c)       */
/* ------------------------------------------------------------------ */

#define OP_MSG LTS_CTL_CLEAR_MESSAGE

/* The switch's half-sessions of a call (ours on each leg). */
static struct lts_session *lac_leg_of(const struct call *c)
{
	struct lts_tunnel *t = H.cp.tunnels[c->lac->ph.sw_tid];

	assert_non_null(t);
	return lts_session_find(t, c->sw_sid);
}

static struct lts_session *lns_leg_of(const struct call *c)
{
	struct lts_tunnel *t = H.cp.tunnels[c->lns->ph.sw_tid];

	assert_non_null(t);
	return lts_session_find(t, c->lns_sw_sid);
}

/* r carries Result Code 3 (RFC 2661 4.4.2: administrative) and the operator's message. */
static void assert_admin_cdn(const struct ph_rx *r)
{
	char msg[128];

	ph_expect_result(r, LTS_CDN_ADMIN, 0);
	assert_string_equal(result_message(r, msg, sizeof(msg)), OP_MSG);
}

/* clear session (either leg's ID): the pair goes first, then CDN 3 on both legs. */
static void test_admin_clear_session(void **state)
{
	struct call c = { .serial = 201, .called = "4740" };
	struct call d = { .serial = 202, .called = "4741" };
	const struct event *inst_c;
	long rm, cdn_lac, cdn_lns;
	struct cast k;
	struct ph_rx *r;
	size_t mark;

	(void)state;
	cast_start(&k, CFG_ALL, "bras-1.example", true);
	c.lac = d.lac = k.lac;
	call_up(&c);
	inst_c = ev_last(EV_INSTALL);
	call_up(&d);

	mark = H.n_ev;
	assert_int_equal(lts_switch_clear_session(&H.sw, lac_leg_of(&c), OP_MSG, H.clk.now), 2);
	pump();
	rm = ev_find(mark, EV_REMOVE, NULL, 0);
	cdn_lac = ev_find(mark, EV_SEND, k.lac, LTS_CTRL_CDN);
	cdn_lns = ev_find(mark, EV_SEND, c.lns, LTS_CTRL_CDN);
	assert_true(rm >= 0 && cdn_lac > rm && cdn_lns > rm);
	assert_memory_equal(&H.ev[rm].pair, &inst_c->pair, sizeof(inst_c->pair));
	r = expect(k.lac, LTS_CTRL_CDN);
	assert_admin_cdn(r);
	assert_int_equal(r->hdr.session_id, c.sid);
	assert_int_equal(c.lns->got[LTS_CTRL_CDN], 1); /* an autopilot: it took it */
	r = c.lns->last[LTS_CTRL_CDN];
	assert_admin_cdn(r);
	assert_int_equal(r->hdr.session_id, c.lns_sid);
	expect_quiet(k.lac);
	assert_int_equal(H.sw.ctr.calls_cleared, 1);
	assert_int_equal(H.sw.n_calls, 1); /* d is untouched */
	assert_true(H.sw.calls->installed);
	assert_int_equal(ev_count(EV_REMOVE, NULL, 0), 1);
	assert_int_equal(ev_count(EV_SEND, NULL, LTS_CTRL_STOPCCN), 0);

	/* By the ID of the LNS leg: the same, both legs. */
	mark = H.n_ev;
	assert_int_equal(lts_switch_clear_session(&H.sw, lns_leg_of(&d), OP_MSG, H.clk.now), 2);
	pump();
	assert_cdn_after_remove(mark, k.lac, d.sid);
	assert_cdn_after_remove(mark, d.lns, d.lns_sid);
	assert_admin_cdn(expect(k.lac, LTS_CTRL_CDN));
	assert_int_equal(d.lns->got[LTS_CTRL_CDN], 2);
	assert_admin_cdn(d.lns->last[LTS_CTRL_CDN]);
	assert_int_equal(d.lns->last[LTS_CTRL_CDN]->hdr.session_id, d.lns_sid);
	assert_int_equal(H.sw.ctr.calls_cleared, 2);
	assert_int_equal(H.cp.tunnels[k.lac->ph.sw_tid]->state, LTS_TUN_ESTABLISHED);
	assert_clean();
}

/* A call still being set up: both legs cleared (CDN 3), no failover to another member. */
static void test_admin_clear_setup(void **state)
{
	struct call c = { .serial = 203, .called = "5550200" };
	struct cast k;
	struct ph_rx *r;

	(void)state;
	cast_start(&k, CFG_ALL, "pppoe-20.example", false);
	c.lac = k.lac;
	lac_send_icrq(&c);
	r = expect(k.a, LTS_CTRL_SCCRQ);
	lns_send_sccrp(k.a, r);
	expect(k.a, LTS_CTRL_SCCCN);
	expect(k.a, LTS_CTRL_ICRQ); /* held: no ICRP to the LAC yet */
	assert_int_equal(lts_switch_clear_session(&H.sw, H.sw.calls->first, OP_MSG, H.clk.now), 2);
	assert_admin_cdn(expect(k.lac, LTS_CTRL_CDN));
	assert_admin_cdn(expect(k.a, LTS_CTRL_CDN));
	assert_int_equal(k.b->seen[LTS_CTRL_SCCRQ] + k.c->seen[LTS_CTRL_SCCRQ], 0);
	assert_int_equal(H.sw.ctr.failovers, 0);
	assert_int_equal(ev_count(EV_INSTALL, NULL, 0), 0);
	assert_true(H.sw.lockout_until[0] <= H.clk.now); /* nobody is blamed */
	assert_clean();
}

/*
 * clear tunnel (toward an LNS): every call on it gets CDN 3 on its LAC leg
 * after its pair is removed, then the LNS gets StopCCN 1; the LAC tunnel
 * and the call on another LNS stay.
 */
static void test_admin_clear_lns_tunnel(void **state)
{
	struct call c1 = { .serial = 211, .called = "4742" };
	struct call c2 = { .serial = 212, .called = "4743" };
	struct call c3 = { .serial = 213, .called = "5550100" };
	long stop, i, last_rm = -1;
	struct lts_tunnel *t;
	char msg[128];
	struct cast k;
	struct ph_rx *r;
	size_t mark;

	(void)state;
	cast_start(&k, CFG_ALL, "bras-1.example", true);
	c1.lac = c2.lac = c3.lac = k.lac;
	call_up(&c1);
	call_up(&c2);
	call_up(&c3);
	assert_ptr_equal(c1.lns, k.a);
	assert_ptr_equal(c2.lns, k.a);
	assert_ptr_equal(c3.lns, k.b);
	t = H.cp.tunnels[k.a->ph.sw_tid];

	mark = H.n_ev;
	assert_int_equal(lts_switch_clear_tunnel(&H.sw, t, OP_MSG, H.clk.now), 2);
	pump();
	assert_int_equal(k.a->got[LTS_CTRL_STOPCCN], 1);
	r = k.a->last[LTS_CTRL_STOPCCN];
	ph_expect_result(r, LTS_STOPCCN_CLEAR, 0);
	assert_string_equal(result_message(r, msg, sizeof(msg)), OP_MSG);
	assert_int_equal(k.a->got[LTS_CTRL_CDN], 0); /* the StopCCN clears its calls */
	assert_admin_cdn(expect(k.lac, LTS_CTRL_CDN));
	assert_admin_cdn(expect(k.lac, LTS_CTRL_CDN));
	expect_quiet(k.lac);
	assert_cdn_after_remove(mark, k.lac, c1.sid);
	assert_cdn_after_remove(mark, k.lac, c2.sid);
	stop = ev_find(mark, EV_SEND, k.a, LTS_CTRL_STOPCCN);
	for (i = (long)mark; (i = ev_find(i, EV_REMOVE, NULL, 0)) >= 0; i++)
		last_rm = i;
	assert_true(last_rm >= 0 && stop > last_rm);
	assert_int_equal(ev_count(EV_REMOVE, NULL, 0), 2);
	assert_int_equal(ev_count(EV_SEND, k.lac, LTS_CTRL_STOPCCN), 0);
	assert_int_equal(H.cp.tunnels[k.lac->ph.sw_tid]->state, LTS_TUN_ESTABLISHED);
	assert_int_equal(t->state, LTS_TUN_CLOSING);
	assert_int_equal(lts_switch_clear_tunnel(&H.sw, t, OP_MSG, H.clk.now), -EALREADY);
	assert_int_equal(H.sw.n_calls, 1);
	assert_int_equal(H.sw.ctr.calls_cleared, 2);
	assert_true(H.sw.lockout_until[0] <= H.clk.now); /* no lockout for an operator's clear */

	lac_hangup(&c3);
	assert_int_equal(k.b->got[LTS_CTRL_CDN], 1);
	advance(20000);
	assert_clean();
}

/* clear tunnel (from a LAC): StopCCN 1 to the LAC, CDN 3 to each LNS, LNS tunnels stay. */
static void test_admin_clear_lac_tunnel(void **state)
{
	struct call c1 = { .serial = 221, .called = "4744" };
	struct call c2 = { .serial = 222, .called = "5550100" };
	struct cast k;
	struct ph_rx *r;
	size_t mark;

	(void)state;
	cast_start(&k, CFG_ALL, "bras-1.example", true);
	c1.lac = c2.lac = k.lac;
	call_up(&c1);
	call_up(&c2);
	mark = H.n_ev;
	assert_int_equal(lts_switch_clear_tunnel(&H.sw, H.cp.tunnels[k.lac->ph.sw_tid], OP_MSG,
						 H.clk.now),
			 2);
	pump();
	r = expect(k.lac, LTS_CTRL_STOPCCN);
	ph_expect_result(r, LTS_STOPCCN_CLEAR, 0);
	expect_quiet(k.lac); /* no CDN on the tunnel that goes */
	assert_int_equal(k.a->got[LTS_CTRL_CDN], 1);
	assert_int_equal(k.b->got[LTS_CTRL_CDN], 1);
	assert_admin_cdn(k.a->last[LTS_CTRL_CDN]);
	assert_admin_cdn(k.b->last[LTS_CTRL_CDN]);
	assert_cdn_after_remove(mark, k.a, c1.lns_sid);
	assert_cdn_after_remove(mark, k.b, c2.lns_sid);
	assert_int_equal(ev_count(EV_SEND, k.a, LTS_CTRL_STOPCCN), 0);
	assert_int_equal(H.cp.tunnels[k.a->ph.sw_tid]->state, LTS_TUN_ESTABLISHED);
	assert_int_equal(H.cp.tunnels[k.b->ph.sw_tid]->state, LTS_TUN_ESTABLISHED);
	advance(20000);
	assert_clean();
}

/*
 * drain lns: a drained member is skipped like a locked-out one, but even
 * when it is the last (2/11 "busy" then); its calls stay; undrained, it is
 * first again.
 */
static void test_drain_lns(void **state)
{
	struct call c1 = { .serial = 231, .called = "5550200" };
	struct call c2 = { .serial = 232, .called = "5550200" };
	struct call c3 = { .serial = 233, .called = "5550100" };
	struct call c4 = { .serial = 234, .called = "5550200" };
	struct cast k;
	struct ph_rx *r;

	(void)state;
	cast_start(&k, CFG_ALL, "pppoe-21.example", true);
	c1.lac = c2.lac = c3.lac = c4.lac = k.lac;
	call_up(&c1);
	assert_ptr_equal(c1.lns, k.a); /* preference 10 */
	assert_true(lts_cp_drain_lns(&H.cp, 0, true));
	call_up(&c2);
	assert_ptr_equal(c2.lns, k.b); /* preference 20 */
	assert_int_equal(k.a->got[LTS_CTRL_ICRQ], 1);
	assert_int_equal(ev_count(EV_REMOVE, NULL, 0), 0); /* c1 stays */
	assert_int_equal(H.sw.ctr.failovers, 0);

	/* "private" has lns-b only: drained, the LAC hears "next hop busy". */
	assert_true(lts_cp_drain_lns(&H.cp, 1, true));
	lac_send_icrq(&c3);
	r = expect(k.lac, LTS_CTRL_CDN);
	ph_expect_result(r, LTS_CDN_GENERAL_ERROR, LTS_ERR_NEXT_HOP_BUSY);
	assert_int_equal(k.b->got[LTS_CTRL_ICRQ], 1);
	assert_int_equal(H.sw.rule_ctr[1].failures, 1);

	assert_true(lts_cp_drain_lns(&H.cp, 0, false));
	assert_true(lts_cp_drain_lns(&H.cp, 1, false));
	call_up(&c4);
	assert_ptr_equal(c4.lns, k.a);
	lac_hangup(&c1);
	lac_hangup(&c2);
	lac_hangup(&c4);
	assert_clean();
}

/* drain lac: its tunnel and calls stay; new calls get CDN 2/7, new tunnels StopCCN 2/7. */
static void test_drain_lac_switched(void **state)
{
	struct call c1 = { .serial = 241, .called = "4745" };
	struct call c2 = { .serial = 242, .called = "4746" };
	struct fpeer *lac2;
	struct cast k;
	struct ph_msg b;
	struct ph_rx *r;

	(void)state;
	cast_start(&k, CFG_ALL, "bras-1.example", true);
	c1.lac = c2.lac = k.lac;
	call_up(&c1);
	assert_true(lts_cp_drain_lac(&H.cp, 0, true));
	lac_send_icrq(&c2);
	r = expect(k.lac, LTS_CTRL_CDN);
	ph_expect_result(r, LTS_CDN_GENERAL_ERROR, LTS_ERR_TRY_ANOTHER);
	assert_int_equal(k.a->got[LTS_CTRL_ICRQ], 1);
	assert_int_equal(H.sw.n_calls, 1);

	lac2 = add_lac("lac-west-2", "10.0.1.7", "bras-2.example", WEST_SECRET);
	lac2->ph.tid = lac2->next_tid++;
	ph_build_sccrq(&b, &lac2->ph, lac2->hostname, NULL, 0);
	ph_send(&lac2->ph, 0, &b);
	r = expect(lac2, LTS_CTRL_STOPCCN);
	ph_expect_result(r, LTS_STOPCCN_GENERAL_ERROR, LTS_ERR_TRY_ANOTHER);
	assert_int_equal(H.cp.n_tunnels, 2); /* the LAC's and lns-a's: nothing new */

	assert_true(lts_cp_drain_lac(&H.cp, 0, false));
	call_up(&c2);
	lac_hangup(&c1);
	lac_hangup(&c2);
	assert_clean();
}

/* One request through the operator socket's parser and executor, on this switch. */
static struct lts_json_val *ctl_do(const char *line, int want)
{
	struct lts_ctl_view v = { .cfg = H.cfg, .cp = &H.cp, .sw = &H.sw, .dp = fake_dp,
				  .started_ms = START_MS };
	struct lts_json_val *doc = NULL;
	struct lts_ctl_request r;
	char *out = NULL, err[128];
	const char *why;
	size_t len = 0;

	if (lts_ctl_parse(line, &r, &why))
		fail_msg("\"%s\": %s", line, why);
	assert_int_equal(lts_ctl_execute(&v, &r, H.clk.now, &out, &len), want);
	assert_non_null(out);
	if (lts_json_parse(out, len, &doc, err, sizeof(err)))
		fail_msg("\"%s\": not JSON: %s", line, err);
	free(out);
	pump();
	return doc;
}

/* The object of arr whose member key is the string want. */
static const struct lts_json_val *by_key(const struct lts_json_val *arr, const char *key,
					 const char *want)
{
	const struct lts_json_val *e;

	assert_non_null(arr);
	for (e = arr->child; e; e = e->next)
		if (lts_json_get_str(e, key) && !strcmp(lts_json_get_str(e, key), want))
			return e;
	fail_msg("no element with %s \"%s\"", key, want);
	return NULL;
}

/* The array arr holds the string s. */
static bool has_str(const struct lts_json_val *arr, const char *s)
{
	const struct lts_json_val *e;

	assert_non_null(arr);
	for (e = arr->child; e; e = e->next)
		if (e->type == LTS_JSON_STR && !strcmp(e->str, s))
			return true;
	return false;
}

static uint64_t u64_of(const struct lts_json_val *o, const char *key)
{
	uint64_t v = 0;

	if (lts_json_get_u64(o, key, &v))
		fail_msg("no unsigned member \"%s\"", key);
	return v;
}

static bool bool_of(const struct lts_json_val *o, const char *key)
{
	const struct lts_json_val *v = lts_json_get(o, key);

	assert_non_null(v);
	assert_int_equal(v->type, LTS_JSON_BOOL);
	return v->b;
}

/* The views and actions of ltsctl over a live switch: counters and effects agree. */
static void test_ctl_requests(void **state)
{
	struct call c = { .serial = 251, .called = "4747", .calling = "0123", .full = true,
			  .user = "ann@isp1.example" };
	struct call f = { .serial = 252, .called = "5550200" };
	const struct lts_json_val *o, *p, *a;
	struct lts_json_val *doc;
	enum lts_log_level level = lts_log_get_level();
	char line[64];
	struct cast k;

	(void)state;
	cast_start(&k, CFG_ALL, "bras-1.example", true);
	c.lac = f.lac = k.lac;
	call_up(&c);
	/* lns-a refuses "failover"'s call: lns-b takes it, lns-a is locked out. */
	k.a->icrq_result = LTS_CDN_GENERAL_ERROR;
	k.a->icrq_error = LTS_ERR_TRY_ANOTHER;
	call_up(&f);
	assert_ptr_equal(f.lns, k.b);
	k.a->icrq_result = 0;

	doc = ctl_do("show peers", 0);
	p = lts_json_get(doc, "peers");
	assert_int_equal(p->n, H.cfg->n_lac_peers + H.cfg->n_lns_peers);
	o = by_key(p, "name", "west");
	assert_string_equal(lts_json_get_str(o, "kind"), "lac");
	assert_string_equal(lts_json_get_str(o, "state"), "up");
	assert_string_equal(lts_json_get_str(o, "address"), "10.0.1.0/24");
	assert_int_equal(u64_of(o, "tunnels_established"), 1);
	assert_int_equal(u64_of(o, "sessions"), 2);
	assert_false(bool_of(o, "drained"));
	o = by_key(p, "name", "lns-a");
	assert_string_equal(lts_json_get_str(o, "state"), "up");
	assert_int_equal(u64_of(o, "sessions"), 1);
	assert_int_equal(u64_of(o, "lockout_s"), LOCKOUT_MS / 1000);
	assert_int_equal(u64_of(lts_json_get(o, "last_error"), "error"), LTS_ERR_TRY_ANOTHER);
	o = by_key(p, "name", "lns-c");
	assert_string_equal(lts_json_get_str(o, "state"), "idle");
	assert_int_equal(lts_json_get(o, "last_error")->type, LTS_JSON_NULL);
	lts_json_val_free(doc);

	doc = ctl_do("show rules", 0);
	o = by_key(lts_json_get(doc, "rules"), "name", "bras");
	assert_int_equal(u64_of(o, "hits"), 1);
	assert_int_equal(u64_of(o, "switched"), 1);
	assert_int_equal(u64_of(o, "calls"), 1);
	assert_string_equal(lts_json_get_str(lts_json_get(o, "match"), "lac_hostname"), "bras-*");
	o = by_key(lts_json_get(doc, "rules"), "name", "failover");
	assert_int_equal(u64_of(o, "failovers"), 1);
	assert_int_equal(u64_of(o, "failures"), 0);
	assert_string_equal(lts_json_get_str(o, "decided_at"), "icrq");
	a = lts_json_get(o, "pool");
	assert_int_equal(a->n, 3);
	assert_int_equal(u64_of(by_key(a, "lns", "lns-a"), "lockout_s"), LOCKOUT_MS / 1000);
	lts_json_val_free(doc);

	snprintf(line, sizeof(line), "show session %u/%u", k.lac->ph.sw_tid, c.sw_sid);
	doc = ctl_do(line, 0);
	o = lts_json_get(doc, "session");
	assert_string_equal(lts_json_get_str(o, "rule"), "bras");
	assert_string_equal(lts_json_get_str(o, "state"), "up");
	assert_string_equal(lts_json_get_str(o, "lns_peer"), "lns-a");
	assert_int_equal(u64_of(o, "call_serial"), c.serial);
	assert_int_equal(u64_of(lts_json_get(o, "lns"), "session_id"), c.lns_sw_sid);
	a = lts_json_get(lts_json_get(o, "relayed_avps"), "icrq");
	assert_true(has_str(a, "Called Number") && has_str(a, "Calling Number"));
	assert_false(has_str(a, "Proxy Authen Name")); /* an ICCN AVP */
	a = lts_json_get(lts_json_get(o, "relayed_avps"), "iccn");
	assert_true(has_str(a, "Proxy Authen Name") && has_str(a, "Initial Received LCP CONFREQ"));
	assert_int_equal(u64_of(lts_json_get(o, "relayed_avps"), "icrq_vendor"), 2); /* BBF */
	lts_json_val_free(doc);

	snprintf(line, sizeof(line), "show tunnel %u", k.lac->ph.sw_tid);
	doc = ctl_do(line, 0);
	o = lts_json_get(doc, "tunnel");
	assert_int_equal(u64_of(o, "id"), k.lac->ph.sw_tid);
	assert_int_equal(lts_json_get(o, "session_list")->n, 2);
	assert_int_equal(u64_of(lts_json_get(o, "control"), "pending"), 0);
	lts_json_val_free(doc);

	/* Actions: clear a session by its LNS leg's ID, drain, clear a peer. */
	snprintf(line, sizeof(line), "clear session %u/%u", k.a->ph.sw_tid, c.lns_sw_sid);
	doc = ctl_do(line, 0);
	o = lts_json_get(doc, "cleared");
	assert_int_equal(u64_of(o, "calls"), 1);
	assert_int_equal(u64_of(o, "cdn_result"), LTS_CDN_ADMIN);
	lts_json_val_free(doc);
	assert_admin_cdn(expect(k.lac, LTS_CTRL_CDN));
	assert_int_equal(k.a->got[LTS_CTRL_CDN], 1);
	assert_admin_cdn(k.a->last[LTS_CTRL_CDN]);

	doc = ctl_do("drain lns lns-b", 0);
	o = lts_json_get(doc, "drain");
	assert_true(bool_of(o, "drained") && bool_of(o, "changed"));
	assert_int_equal(u64_of(o, "sessions"), 1);
	lts_json_val_free(doc);
	assert_true(H.cp.lns[1].drained);
	doc = ctl_do("undrain lns lns-b", 0);
	assert_false(H.cp.lns[1].drained);
	lts_json_val_free(doc);

	doc = ctl_do("clear peer lns lns-b", 0);
	o = lts_json_get(doc, "cleared");
	assert_int_equal(u64_of(o, "n_tunnels"), 1);
	assert_int_equal(u64_of(o, "calls"), 1);
	lts_json_val_free(doc);
	assert_admin_cdn(expect(k.lac, LTS_CTRL_CDN));
	assert_int_equal(k.b->got[LTS_CTRL_STOPCCN], 1);
	assert_int_equal(result_of(k.b->last[LTS_CTRL_STOPCCN]).result, LTS_STOPCCN_CLEAR);

	doc = ctl_do("show stats", 0);
	o = lts_json_get(doc, "stats");
	/* CDN 3: both legs of c, the LAC leg of f (lns-b got its StopCCN instead). */
	assert_int_equal(u64_of(lts_json_get(lts_json_get(o, "results"), "cdn_tx"), "3"), 3);
	assert_int_equal(u64_of(lts_json_get(lts_json_get(o, "results"), "stopccn_tx"), "1"), 1);
	assert_int_equal(u64_of(lts_json_get(lts_json_get(o, "results"), "cdn_rx"), "2/7"), 1);
	assert_int_equal(u64_of(lts_json_get(lts_json_get(o, "messages"), "rx"), "ICRQ"), 2);
	assert_int_equal(u64_of(lts_json_get(o, "switch"), "calls_cleared"), 2);
	assert_int_equal(u64_of(lts_json_get(o, "switch"), "setups_10s"), 2);
	assert_int_equal(lts_json_get(o, "reasons")->type, LTS_JSON_NULL);
	lts_json_val_free(doc);

	/* Errors: an {"error"} document and a negative errno; nothing changes. */
	lts_json_val_free(ctl_do("clear tunnel 1", -ENOENT));
	lts_json_val_free(ctl_do("clear peer nobody", -ENOENT));
	lts_json_val_free(ctl_do("drain lac lns-a", -ENOENT));
	snprintf(line, sizeof(line), "clear tunnel %u", k.b->ph.sw_tid);
	lts_json_val_free(ctl_do(line, -EALREADY));
	doc = ctl_do("log level debug", 0);
	assert_string_equal(lts_json_get_str(lts_json_get(doc, "log"), "level"), "debug");
	assert_int_equal(lts_log_get_level(), LTS_LOG_DEBUG);
	lts_json_val_free(doc);
	lts_log_set_level(level);
	advance(20000);
	assert_clean();
}

/* ------------------------------------------------------------------ */
/* 10. The call observer (lts_switch_hooks: accounting.c)              */
/* ------------------------------------------------------------------ */

/* What the observer saw. */
static struct {
	unsigned int up, down;
	char user[64];            /* the call's user name at call_up ("-": none) */
	enum lts_call_ender by;
	enum lts_acct_cause cause;
	bool legs;                /* call_down had both legs, LAC's first */
	size_t removes;           /* EV_REMOVEs logged when call_down ran */
} OBS;

static void obs_up(void *ctx, struct lts_call *c)
{
	(void)ctx;
	assert_true(c->installed);
	OBS.up++;
	snprintf(OBS.user, sizeof(OBS.user), "%s", c->user ? c->user : "-");
}

static void obs_down(void *ctx, const struct lts_call *c, const struct lts_call_end *end)
{
	(void)ctx;
	assert_true(c->installed);
	OBS.down++;
	OBS.by = end->by;
	OBS.cause = lts_acct_terminate_cause(end, H.cp.shutting_down);
	OBS.legs = end->lac && end->lns && end->lac->t->role == LTS_ROLE_LNS &&
		   end->lns->t->role == LTS_ROLE_LAC;
	OBS.removes = ev_count(EV_REMOVE, NULL, 0);
}

enum obs_how {
	OBS_LAC_CDN,
	OBS_LNS_CDN,
	OBS_LAC_STOPCCN,
	OBS_LNS_STOPCCN,
	OBS_LAC_LOST,
	OBS_LNS_LOST,
	OBS_CLEAR,
	OBS_SHUTDOWN,
};

struct obs_case {
	const char *name;
	const char *lac_host;
	const char *user;
	enum obs_how how;
	int by;                  /* enum lts_call_ender, -1: either leg */
	enum lts_acct_cause cause;
};

static const struct obs_case obs_cases[] = {
	{ "LAC CDN 1", "bras-1.example", "eve@isp1.example", OBS_LAC_CDN, LTS_CALL_END_LAC,
	  LTS_ACCT_USER_REQUEST },
	{ "LAC CDN 1, rule decided at ICCN", "lac-7.example", "eve@isp2.example", OBS_LAC_CDN,
	  LTS_CALL_END_LAC, LTS_ACCT_USER_REQUEST },
	{ "LNS CDN 3", "bras-1.example", NULL, OBS_LNS_CDN, LTS_CALL_END_LNS,
	  LTS_ACCT_HOST_REQUEST },
	{ "LAC StopCCN", "bras-1.example", NULL, OBS_LAC_STOPCCN, LTS_CALL_END_LAC,
	  LTS_ACCT_NAS_REQUEST },
	{ "LNS StopCCN", "bras-1.example", NULL, OBS_LNS_STOPCCN, LTS_CALL_END_LNS,
	  LTS_ACCT_HOST_REQUEST },
	{ "LAC stops answering", "bras-1.example", NULL, OBS_LAC_LOST, LTS_CALL_END_LAC,
	  LTS_ACCT_LOST_CARRIER },
	{ "LNS stops answering", "bras-1.example", NULL, OBS_LNS_LOST, LTS_CALL_END_LNS,
	  LTS_ACCT_LOST_CARRIER },
	{ "ltsctl clear session", "bras-1.example", NULL, OBS_CLEAR, LTS_CALL_END_OPERATOR,
	  LTS_ACCT_ADMIN_RESET },
	{ "ltsd stopping", "bras-1.example", NULL, OBS_SHUTDOWN, -1, LTS_ACCT_ADMIN_REBOOT },
};

/*
 * Over the real control plane: call_up once the pair is installed (with
 * the ICCN's user name), call_down once, with both legs, before the pair
 * is removed, saying which leg ended the call; and the terminate cause
 * accounting derives from it, for each way a call ends.
 */
static void test_call_hooks(void **state)
{
	const struct lts_switch_hooks hooks = { .call_up = obs_up, .call_down = obs_down };
	size_t i, removes;
	struct cast k;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(obs_cases); i++) {
		const struct obs_case *oc = &obs_cases[i];
		struct call c = { .serial = 300 + i, .called = "4760", .user = oc->user };

		print_message("case %zu: %s\n", i, oc->name);
		memset(&OBS, 0, sizeof(OBS));
		cast_start(&k, CFG_ALL, oc->lac_host, true);
		lts_switch_set_hooks(&H.sw, &hooks);
		c.lac = k.lac;
		call_up(&c);
		assert_int_equal(OBS.up, 1);
		assert_string_equal(OBS.user, oc->user ? oc->user : "-");
		ack_all();
		removes = ev_count(EV_REMOVE, NULL, 0);
		switch (oc->how) {
		case OBS_LAC_CDN:
			lac_hangup(&c);
			break;
		case OBS_LNS_CDN:
			peer_send_cdn(c.lns, c.lns_sw_sid, c.lns_sid, LTS_CDN_ADMIN, 0, "admin", NULL);
			break;
		case OBS_LAC_STOPCCN:
			peer_send_stopccn(k.lac, LTS_STOPCCN_CLEAR, 0);
			break;
		case OBS_LNS_STOPCCN:
			peer_send_stopccn(c.lns, LTS_STOPCCN_CLEAR, 0);
			break;
		case OBS_LAC_LOST:
			k.lac->silent = true;
			break;
		case OBS_LNS_LOST:
			c.lns->silent = true;
			send_info(k.lac, c.sw_sid, LTS_CTRL_WEN); /* something to lose */
			break;
		case OBS_CLEAR:
			assert_int_equal(lts_switch_clear_session(&H.sw, lac_leg_of(&c), OP_MSG,
								  H.clk.now), 2);
			break;
		case OBS_SHUTDOWN:
			lts_cp_shutdown(&H.cp, H.clk.now);
			break;
		}
		pump();
		if (oc->how == OBS_LAC_LOST || oc->how == OBS_LNS_LOST)
			advance(60000);
		assert_int_equal(OBS.down, 1);
		if (oc->by >= 0)
			assert_int_equal(OBS.by, oc->by);
		assert_true(OBS.legs);
		assert_int_equal(OBS.removes, removes); /* the counters still the call's */
		assert_int_equal(ev_count(EV_REMOVE, NULL, 0), removes + 1);
		if (OBS.cause != oc->cause)
			fail_msg("%s: cause %d %s, expected %d %s", oc->name, OBS.cause,
				 lts_acct_cause_name(OBS.cause), oc->cause,
				 lts_acct_cause_name(oc->cause));
		h_teardown(NULL);
		assert_int_equal(OBS.down, 1);
	}
}

/* ------------------------------------------------------------------ */
/* main                                                                 */
/* ------------------------------------------------------------------ */

/*
 * A reload that drops lns-a (and the rules naming it) and adds a rule for
 * bras-* to lns-c: lns-a's calls are cleared as by the operator (pair out
 * first, CDN 3 to the LAC, StopCCN 1 to lns-a, saying why); the call on
 * lns-b keeps its entries and its rule's counters; the next call follows
 * the new rule. West's secret changed in the file: its running tunnel keeps
 * the one the LAC knows (the CDNs to it hide their AVPs with it).
 */
#define CFG_RELOADED                                                                       \
	"switch: {hostname: lts-test, tsa_id: " TSA_ID ", lockout: 60}\n"                  \
	"dataplane: {mode: off}\n"                                                         \
	"control: {hello_interval: 0, receive_window: 16, retransmit_initial: 1000,\n"    \
	"          retransmit_max: 8000, retries: 3}\n"                                    \
	"lac_peers:\n"                                                                     \
	"  - {name: west, address: 10.0.1.0/24, secret: west-changed, hide_avps: true}\n" \
	"lns_peers:\n"                                                                     \
	"  - {name: lns-b, address: 10.0.2.2, max_sessions: 2}\n"                          \
	"  - {name: lns-c, address: 10.0.2.3, local: " SW_LNS_SIDE ",\n"                  \
	"     secret: lns-c-secret, hide_avps: true}\n"                                    \
	"rules:\n"                                                                         \
	"  - {name: bras-new, match: {lac_hostname: \"bras-*\", called_number: \"4744\"},\n" \
	"     pool: [{lns: lns-c}]}\n"                                                     \
	"  - name: private\n"                                                              \
	"    match: {called_number: \"5550100\"}\n"                                        \
	"    pool: [{lns: lns-b}]\n"

static void test_reload_removes_lns_peer(void **state)
{
	struct call c1 = { .serial = 311, .called = "4742" };
	struct call c2 = { .serial = 312, .called = "5550100" };
	struct call c3 = { .serial = 313, .called = "4744" };
	struct lts_config *next = ph_config("reloaded.yaml", CFG_RELOADED);
	struct lts_tunnel *t;
	char msg[128];
	struct cast k;
	struct ph_rx *r;
	size_t mark, removes;
	int j;

	(void)state;
	cast_start(&k, CFG_ALL, "bras-1.example", true);
	c1.lac = c2.lac = c3.lac = k.lac;
	call_up(&c1);
	call_up(&c2);
	assert_ptr_equal(c1.lns, k.a);
	assert_ptr_equal(c2.lns, k.b);
	t = H.cp.tunnels[k.a->ph.sw_tid];

	mark = H.n_ev;
	removes = ev_count(EV_REMOVE, NULL, 0);
	assert_int_equal(lts_switch_reconfigure(&H.sw, next, H.clk.now), 0);
	lts_config_free(H.cfg);
	H.cfg = next;
	pump();
	r = k.a->last[LTS_CTRL_STOPCCN];
	assert_non_null(r);
	ph_expect_result(r, LTS_STOPCCN_CLEAR, 0);
	assert_string_equal(result_message(r, msg, sizeof(msg)),
			    "lns_peer lns-a removed from the configuration");
	r = expect(k.lac, LTS_CTRL_CDN);
	ph_expect_result(r, LTS_CDN_ADMIN, 0);
	assert_cdn_after_remove(mark, k.lac, c1.sid);
	expect_quiet(k.lac);
	assert_int_equal(ev_count(EV_REMOVE, NULL, 0), removes + 1);
	assert_int_equal(t->state, LTS_TUN_CLOSING);
	assert_int_equal(t->lns_idx, -1);
	/* What stays follows its name into the new file. */
	assert_int_equal(H.sw.n_calls, 1);
	assert_ptr_equal(((struct lts_call *)H.sw.calls)->rule, &next->rules[1]);
	j = lts_config_rule_index(next, "private");
	assert_int_equal(H.sw.rule_ctr[j].switched, 1);
	assert_int_equal(H.cp.lns[lts_config_lns_index(next, "lns-b")].n_sessions, 1);

	call_up(&c3);
	assert_ptr_equal(c3.lns, k.c);
	assert_int_equal(H.sw.rule_ctr[lts_config_rule_index(next, "bras-new")].switched, 1);
	lac_hangup(&c2);
	lac_hangup(&c3);
	advance(60000); /* lns-a's tunnel: retention over, reaped */
	assert_clean();
}

/* A reload can change static sessions only by name: kept, removed, added, changed. */
static void test_reload_static_sessions(void **state)
{
#define STATIC_LEG(t, s)                                                                   \
	"{local: 10.0.1.2, peer: 10.0.1.1, tunnel_id: " #t ", session_id: " #s                \
	", peer_tunnel_id: 9, peer_session_id: 9}"
#define STATIC(name, t)                                                                    \
	"  - {name: " name ", a: " STATIC_LEG(t, 1) ", b: " STATIC_LEG(t, 2) "}\n"
	static const char before[] = "dataplane: {mode: off}\nstatic_sessions:\n"
		STATIC("keep", 10) STATIC("gone", 20) STATIC("change", 30);
	static const char after[] = "dataplane: {mode: off}\nstatic_sessions:\n"
		STATIC("change", 31) STATIC("new", 40) STATIC("keep", 10);
	struct lts_config *next = ph_config("after.yaml", after);
	const struct event *e;
	size_t i, n0;

	(void)state;
	h_start(before);
	n0 = H.n_ev;
	assert_int_equal(lts_switch_reconfigure(&H.sw, next, H.clk.now), 0);
	/* gone and change out, then change (its new legs) and new in; keep untouched. */
	assert_int_equal(ev_count(EV_REMOVE, NULL, 0), 2);
	assert_int_equal(ev_count(EV_INSTALL, NULL, 0), 2);
	for (i = n0; i < H.n_ev; i++) {
		e = &H.ev[i];
		if (e->kind != EV_INSTALL && e->kind != EV_REMOVE)
			continue;
		assert_string_not_equal(e->pair.name, "keep");
	}
	assert_int_equal(next->static_sessions[2].stats_idx, 0); /* keep kept its slot */
	assert_int_not_equal(next->static_sessions[0].stats_idx,
			     next->static_sessions[1].stats_idx);
	/* Three sessions, three slots in use: the freed ones were reused, none leaked. */
	for (i = 0, n0 = 0; i < next->max_sessions; i++)
		n0 += H.sw.idx_used[i];
	assert_int_equal(n0, 3);
	assert_true(H.sw.idx_used[next->static_sessions[0].stats_idx]);
	assert_true(H.sw.idx_used[next->static_sessions[1].stats_idx]);
	lts_config_free(H.cfg);
	H.cfg = next;
#undef STATIC
#undef STATIC_LEG
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_icrq_rule_happy_path, h_teardown),
		cmocka_unit_test_teardown(test_iccn_rule_realm, h_teardown),
		cmocka_unit_test_teardown(test_iccn_rule_falls_through, h_teardown),
		cmocka_unit_test_teardown(test_avp_policy_drop, h_teardown),
		cmocka_unit_test_teardown(test_loop_detected, h_teardown),
		cmocka_unit_test_teardown(test_tsa_stack_overflow, h_teardown),
		cmocka_unit_test_teardown(test_failover_sccrp_timeout, h_teardown),
		cmocka_unit_test_teardown(test_failover_try_another, h_teardown),
		cmocka_unit_test_teardown(test_failover_all_unreachable, h_teardown),
		cmocka_unit_test_teardown(test_failover_all_busy, h_teardown),
		cmocka_unit_test_teardown(test_no_alternate_sccrp_timeout, h_teardown),
		cmocka_unit_test_teardown(test_no_alternate_stopccn_busy, h_teardown),
		cmocka_unit_test_teardown(test_no_alternate_cdn5_busy, h_teardown),
		cmocka_unit_test_teardown(test_preference_weight, h_teardown),
		cmocka_unit_test_teardown(test_lns_cdn_teardown, h_teardown),
		cmocka_unit_test_teardown(test_lac_cdn_teardown, h_teardown),
		cmocka_unit_test_teardown(test_lns_stopccn, h_teardown),
		cmocka_unit_test_teardown(test_lns_stopccn_two_lacs, h_teardown),
		cmocka_unit_test_teardown(test_lns_tunnel_lost, h_teardown),
		cmocka_unit_test_teardown(test_lac_tunnel_lost, h_teardown),
		cmocka_unit_test_teardown(test_lac_stopccn, h_teardown),
		cmocka_unit_test_teardown(test_wen_sli_relay, h_teardown),
		cmocka_unit_test_teardown(test_wen_flood_rate_limited, h_teardown),
		cmocka_unit_test_teardown(test_lns_may_not_originate, h_teardown),
		cmocka_unit_test_teardown(test_no_rule_icrq, h_teardown),
		cmocka_unit_test_teardown(test_no_rule_iccn, h_teardown),
		cmocka_unit_test_teardown(test_default_rule, h_teardown),
		cmocka_unit_test_teardown(test_lac_cdn_before_iccn, h_teardown),
		cmocka_unit_test_teardown(test_lac_cdn_before_lns_icrp, h_teardown),
		cmocka_unit_test_teardown(test_lac_cdn_while_lns_dialling, h_teardown),
		cmocka_unit_test_teardown(test_lac_cdn_while_lns_dialling_acked, h_teardown),
		cmocka_unit_test_teardown(test_lac_cdn_while_icrp_held, h_teardown),
		cmocka_unit_test_teardown(test_lns_other_port, h_teardown),
		cmocka_unit_test_teardown(test_failover_after_icrp, h_teardown),
		cmocka_unit_test_teardown(test_failover_lns_stopccn, h_teardown),
		cmocka_unit_test_teardown(test_lns_max_sessions, h_teardown),
		cmocka_unit_test_teardown(test_no_failover_once_up, h_teardown),
		cmocka_unit_test_teardown(test_install_failure, h_teardown),
		cmocka_unit_test_teardown(test_data_keeps_lac_tunnel_alive, h_teardown),
		cmocka_unit_test_teardown(test_shutdown, h_teardown),
		cmocka_unit_test_teardown(test_on_demand_linger, h_teardown),
		cmocka_unit_test_teardown(test_admin_clear_session, h_teardown),
		cmocka_unit_test_teardown(test_admin_clear_setup, h_teardown),
		cmocka_unit_test_teardown(test_admin_clear_lns_tunnel, h_teardown),
		cmocka_unit_test_teardown(test_reload_removes_lns_peer, h_teardown),
		cmocka_unit_test_teardown(test_reload_static_sessions, h_teardown),
		cmocka_unit_test_teardown(test_admin_clear_lac_tunnel, h_teardown),
		cmocka_unit_test_teardown(test_drain_lns, h_teardown),
		cmocka_unit_test_teardown(test_drain_lac_switched, h_teardown),
		cmocka_unit_test_teardown(test_ctl_requests, h_teardown),
		cmocka_unit_test_teardown(test_call_hooks, h_teardown),
	};

	lts_log_set_level(getenv("LTS_TEST_LOG") ? LTS_LOG_DEBUG : LTS_LOG_ERR);
	ph_set_fail(ph_cmocka_fail);
	return cmocka_run_group_tests_name("switch", tests, NULL, NULL);
}
