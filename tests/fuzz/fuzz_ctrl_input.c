// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the whole control input path. The input is a sequence
 * of records fed to one control plane (agent/l2tp/ctrl_plane.c and everything
 * under it) with a fake clock and fake ops:
 *
 *   c                    one byte: bits 0-2 the source endpoint (eps[]),
 *                        bits 3-5 the clock advance after the record (adv[]),
 *                        bits 6-7 the kind: 0-2 a datagram, 3 an API call
 *   datagram:  len16 b[] big-endian length, then that many bytes (fewer
 *                        when the input ends first) -> lts_cp_input()
 *   API call:  a         one byte: which call (see api()); the endpoint bits
 *                        pick the tunnel or session it applies to
 *
 * Every advance ticks at each deadline on the way, as the daemon's loop
 * does. The config has a lac_peer with a secret and hidden AVPs, one without
 * a secret, a permissive IPv6 one, one that matches an LNS's address (tie
 * breaker), two persistent lns_peers, one with a secret, and an on-demand
 * one that lingers 1 s (on lns1's address, another port).
 *
 * The hooks act like the switch (agent/switch.c) without its rules: a call
 * binds the LAC's session (first leg) to one placed on an LNS (second leg,
 * ICCN held until the hooks or an API record connect it); when a leg goes
 * down the other is cleared from inside session_down(), and a second leg
 * that fails before it is up is placed again (failover), also from inside
 * the hook. That is the re-entrancy the control plane must survive.
 *
 * Oracles besides the sanitizers: every datagram the switch sends must
 * parse and pass the message specs; the registry's counters and lists must
 * agree after every record, and no session may outlive its tunnel's
 * teardown; every session the hooks were told about must be reported down
 * before it is freed (each holds a malloc'd call that session_down() frees,
 * so a silent free is a leak); lts_cp_fini() frees everything.
 *
 * Two oracles abort only with LTS_FUZZ_STRICT=1 because they fire on known
 * bugs (tests/unit/test_ctrl_plane.c): a tick that leaves the next deadline
 * in the past, so the daemon would spin (test_lac_redial_while_replaced),
 * and a session left on a CLOSING tunnel (test_failover_on_peer_stopccn).
 * Likewise the hooks only fail calls over during lts_cp_fini() in strict
 * mode: the agent then frees the new session silently and the call keeps a
 * dangling pointer (test_failover_during_fini), a use after free here; and
 * onto a tunnel whose transport has failed, where lts_session_dial() reads
 * freed memory (test_dial_queue_full).
 *
 * getrandom() is replaced by a generator reset for every input, so tunnel
 * IDs, challenges and Tie Breakers, and with them every crash, reproduce
 * from the input alone.
 *
 * Built with -DLTS_FUZZ_GEN this file is instead a small program that
 * writes the seed corpus (tests/fuzz/corpus/ctrl_input): scripted peers
 * run complete exchanges against the real control plane, reading its
 * answers, and the records they sent are the seeds.
 *
 * The parse of what the switch sends, the clock and the generator's peers
 * are tests/lib/peer_harness.[ch], shared with the control-plane unit tests;
 * a check of the harness that fails aborts, like CHECK().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/types.h>
#include "l2tp/ctrl_plane.h"
#include "lib/log.h"
#include "lts_config.h"
#include "lib/util.h"
#include "../lib/peer_harness.h"

#define CHECK(cond)                                                                        \
	do {                                                                               \
		if (!(cond)) {                                                             \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__,  \
				#cond);                                                    \
			abort();                                                           \
		}                                                                          \
	} while (0)

#define T0_MS 1000000ull
#define MAX_TICKS 10000 /* per advance: far more than any legitimate schedule */
#define PKT_MAX 65536

#define SECURE_SECRET "fuzz-secret"
#define LNS2_SECRET "lns-secret"

static const char config_yaml[] =
	"switch: {hostname: lts-fuzz}\n"
	"dataplane: {mode: off}\n"
	"limits: {max_tunnels: 8, max_sessions: 16, sccrq_rate: 5, sccrq_burst: 4}\n"
	"control: {hello_interval: 5, receive_window: 4, retransmit_initial: 1000,\n"
	"          retransmit_max: 8000, retries: 2}\n"
	"lac_peers:\n"
	"  - name: secure\n"
	"    address: 192.0.2.1\n"
	"    secret: " SECURE_SECRET "\n"
	"    hide_avps: true\n"
	"    max_sessions: 4\n"
	"  - name: open\n"
	"    address: 192.0.2.0/28\n"
	"    max_tunnels: 3\n"
	"  - name: lax\n"
	"    address: 2001:db8::/64\n"
	"    avp_permissive: true\n"
	"    hello_interval: 0\n"
	"  - name: lns-as-lac\n"
	"    address: 198.51.100.0/30\n"
	"lns_peers:\n"
	"  - name: lns1\n"
	"    address: 198.51.100.1\n"
	"    tunnel: persistent\n"
	"  - name: lns2\n"
	"    address: 198.51.100.2\n"
	"    secret: " LNS2_SECRET "\n"
	"    hide_avps: true\n"
	"    tunnel: persistent\n"
	"    receive_window: 1\n"
	"  - name: lns3\n"
	"    address: 198.51.100.1\n"
	"    port: 40000\n"
	"    linger: 1\n";

/* Source endpoints of the records (c & 7). */
enum {
	EP_SECURE,    /* 192.0.2.1:1701 lac_peer "secure" */
	EP_OPEN,      /* 192.0.2.2:1701 lac_peer "open" */
	EP_OPEN_PORT, /* 192.0.2.2:1702 the same LAC, another port */
	EP_LNS1,      /* 198.51.100.1:1701 lns1 (and lac_peer "lns-as-lac") */
	EP_LNS1_PORT, /* 198.51.100.1:40000 lns1 from another port; lns3 */
	EP_LNS2,      /* 198.51.100.2:1701 lns2 */
	EP_LAX,       /* [2001:db8::1]:1701 lac_peer "lax" */
	EP_UNKNOWN,   /* 203.0.113.9:1701 matches nothing */
	EP_N
};

static const struct {
	const char *addr;
	uint16_t port;
	const char *secret; /* what the peer decodes our messages with */
} ep_spec[EP_N] = {
	[EP_SECURE] = { "192.0.2.1", 1701, SECURE_SECRET },
	[EP_OPEN] = { "192.0.2.2", 1701, NULL },
	[EP_OPEN_PORT] = { "192.0.2.2", 1702, NULL },
	[EP_LNS1] = { "198.51.100.1", 1701, NULL },
	[EP_LNS1_PORT] = { "198.51.100.1", 40000, NULL },
	[EP_LNS2] = { "198.51.100.2", 1701, LNS2_SECRET },
	[EP_LAX] = { "2001:db8::1", 1701, NULL },
	[EP_UNKNOWN] = { "203.0.113.9", 1701, NULL },
};

static const uint32_t adv_ms[8] = { 0, 1, 100, 500, 1000, 3000, 8000, 60000 };

enum api_call {
	API_DIAL,       /* lts_session_dial() on a LAC-role tunnel, ICCN held or not */
	API_LNS_TUNNEL, /* lts_cp_lns_tunnel() */
	API_ANSWER,     /* lts_session_answer() on a held call */
	API_CLEAR,      /* lts_session_clear() */
	API_CLOSE,      /* lts_tunnel_close() */
	API_SHUTDOWN,   /* lts_cp_shutdown() */
	API_DATA,       /* the data plane saw traffic just now */
	API_CONNECT,    /* lts_session_connect() on a held ICCN */
	API_NOTHING,
	API_N
};

static struct lts_config *cfg;
static struct lts_ctrl_plane cp;
static struct ph_clock clk;
static struct lts_ctrl_endpoint eps[EP_N];
static uint64_t data_ms, rng;
static bool strict, in_fini;
static struct ph_rx *tx; /* the last datagram sent, parsed, for the generator */

/* Deterministic randomness for the agent (tunnel IDs, challenges, Tie Breakers). */
ssize_t getrandom(void *buf, size_t len, unsigned int flags)
{
	uint8_t *p = buf;
	size_t n = len;

	(void)flags;
	while (n--) {
		rng = rng * 6364136223846793005ull + 1442695040888963407ull;
		*p++ = rng >> 56;
	}
	return len;
}

static const char *secret_for(const struct lts_ctrl_endpoint *ep)
{
	size_t i;

	for (i = 0; i < EP_N; i++)
		if (ep_spec[i].secret && ep->peer.family == eps[i].peer.family &&
		    !memcmp(ep->peer.addr, eps[i].peer.addr, sizeof(ep->peer.addr)))
			return ep_spec[i].secret;
	return NULL;
}

#ifdef LTS_FUZZ_GEN
static void gen_observe(const struct lts_ctrl_endpoint *ep);
#endif

/* Everything the switch sends must be a well-formed control message. */
static int fake_send(void *ctx, const struct lts_ctrl_endpoint *ep, const uint8_t *pkt, size_t len)
{
	(void)ctx;
	CHECK(len >= LTS_CTRL_HDR_LEN && len <= PKT_MAX);
	CHECK(ep->peer.family == LTS_FAMILY_IPV4 || ep->peer.family == LTS_FAMILY_IPV6);
	ph_rx_parse(tx, ep, pkt, len, secret_for(ep));
#ifdef LTS_FUZZ_GEN
	gen_observe(ep);
#endif
	return 0;
}

/*
 * A switched call, as agent/switch.c keeps it: s->user of both legs points
 * here; freed when the last leg is reported down.
 */
struct call {
	struct lts_session *first;  /* LNS side: the LAC's call to us */
	struct lts_session *second; /* LAC side: placed by us on an LNS */
	unsigned int failovers;
};

static const struct lts_relay_set no_relay; /* ICCN held, defaults sent */

static struct call *call_new(void)
{
	struct call *c = calloc(1, sizeof(*c));

	CHECK(c);
	return c;
}

/* Place the second leg, like switch.c dial_next(). */
static void place_second(struct call *c, unsigned int k)
{
	struct lts_tunnel *t;

	if (!cfg->n_lns_peers || (in_fini && !strict))
		return;
	t = lts_cp_lns_tunnel(&cp, k % cfg->n_lns_peers);
	if (!t)
		return;
	CHECK(t->state != LTS_TUN_CLOSING && t->state != LTS_TUN_DEAD);
	/* Known bug: the tunnel whose transport just failed is handed out, the
	 * ICRQ cannot be queued and lts_session_dial() reads the session it
	 * freed (test_dial_queue_full). */
	if (!strict && t->xport.state == LTS_CTRL_XPORT_DEAD)
		return;
	c->second = lts_session_dial(t, &no_relay);
	if (c->second)
		c->second->user = c;
}

static int fake_incoming_call(void *ctx, struct lts_session *s, const struct lts_ctrl_msg *icrq,
			      struct lts_cdn_info *why)
{
	struct call *c;

	(void)ctx;
	CHECK(icrq->type == LTS_CTRL_ICRQ);
	CHECK(s->state == LTS_SESS_IDLE && !s->user);
	c = call_new();
	c->first = s;
	s->user = c;
	switch ((s->id ^ s->peer_id) % 4) {
	case 0:
		return 0; /* answered at once, no second leg */
	case 1:
		place_second(c, s->peer_id); /* ICRP held until the LNS answers */
		return 1;
	case 2:
		return 1; /* held for API_ANSWER */
	default:
		why->result = LTS_CDN_NO_FACILITIES_TEMP;
		snprintf(why->message, sizeof(why->message), "fuzz refuses");
		return -1;
	}
}

/* The LNS answered the second leg: release the first's ICRP, maybe connect now. */
static void fake_call_answered(void *ctx, struct lts_session *s, const struct lts_ctrl_msg *icrp)
{
	struct call *c = s->user;

	(void)ctx;
	CHECK(icrp->type == LTS_CTRL_ICRP);
	CHECK(s->state == LTS_SESS_WAIT_RELAY);
	CHECK(c && c->second == s);
	if (c->first && c->first->state == LTS_SESS_WAIT_ANSWER)
		CHECK(lts_session_answer(c->first) == 0);
	if (s->id & 1)
		CHECK(lts_session_connect(s, NULL) == 0);
}

static void fake_session_up(void *ctx, struct lts_session *s, const struct lts_ctrl_msg *m)
{
	(void)ctx;
	(void)m;
	CHECK(s->state == LTS_SESS_ESTABLISHED);
	CHECK(s->user);
	CHECK(s->t->state == LTS_TUN_ESTABLISHED);
}

static void fake_session_info(void *ctx, struct lts_session *s, const struct lts_ctrl_msg *m)
{
	(void)ctx;
	CHECK(m->type == LTS_CTRL_WEN || m->type == LTS_CTRL_SLI);
	CHECK(s->state == LTS_SESS_ESTABLISHED);
}

/* Like switch.c on_session_down(): fail over, or clear the other leg. */
static void fake_session_down(void *ctx, struct lts_session *s, const struct lts_cdn_info *why,
			      const struct lts_ctrl_msg *m)
{
	struct lts_cdn_info out = *why;
	struct lts_session *other;
	struct call *c = s->user;

	(void)ctx;
	CHECK(strlen(why->message) < sizeof(why->message));
	CHECK(!m || m->type == LTS_CTRL_CDN);
	if (!c)
		return;
	s->user = NULL;
	if (s == c->second) {
		c->second = NULL;
		if (c->first && c->failovers < 2) {
			/* The same LNS first (a pool of one), then the next. */
			place_second(c, s->t->lns_idx >= 0 ? s->t->lns_idx + c->failovers : s->id);
			c->failovers++;
			if (c->second)
				return;
		}
		other = c->first;
	} else {
		CHECK(s == c->first);
		other = c->second;
	}
	c->first = c->second = NULL;
	free(c);
	if (other) {
		other->user = NULL;
		out.local = true;
		lts_session_clear(other, &out, NULL);
	}
}

static void fake_tunnel_up(void *ctx, struct lts_tunnel *t)
{
	(void)ctx;
	CHECK(t->state == LTS_TUN_ESTABLISHED);
	CHECK(t->peer_id != 0);
}

static void fake_tunnel_down(void *ctx, struct lts_tunnel *t)
{
	(void)ctx;
	CHECK(t->state != LTS_TUN_ESTABLISHED);
}

static uint64_t fake_last_rx_data(void *ctx, struct lts_tunnel *t)
{
	(void)ctx;
	(void)t;
	return data_ms;
}

static const struct lts_ctrl_output fake_out = { .send = fake_send };

static const struct lts_ctrl_plane_ops fake_ops = {
	.incoming_call = fake_incoming_call,
	.call_answered = fake_call_answered,
	.session_up = fake_session_up,
	.session_down = fake_session_down,
	.session_info = fake_session_info,
	.tunnel_up = fake_tunnel_up,
	.tunnel_down = fake_tunnel_down,
	.last_rx_data_ms = fake_last_rx_data,
};

/* The registry's books must balance after every step. */
static void check_invariants(void)
{
	size_t n_tun = 0, n_sess = 0, i;
	uint32_t lac_tun[8] = { 0 }, lac_sess[8] = { 0 }, lns_sess[8] = { 0 }, n_half_open = 0, k;
	const struct lts_tunnel *t;
	const struct lts_session *s;

	CHECK(cfg->n_lac_peers <= 8 && cfg->n_lns_peers <= 8);
	for (t = cp.all; t; t = t->next) {
		k = 0;
		n_tun++;
		CHECK(n_tun <= 65536);
		CHECK(t->id != 0 && cp.tunnels[t->id] == t);
		CHECK(t->cp == &cp);
		CHECK(t->state < LTS_TUN_DEAD); /* dead ones are reaped at once */
		CHECK(!t->next || t->next->prev == t);
		CHECK(t->lac_idx < (int)cfg->n_lac_peers && t->lns_idx < (int)cfg->n_lns_peers);
		CHECK(t->role == LTS_ROLE_LNS ? t->lns_idx < 0 : t->lac_idx < 0);
		/* A lac_peer counts its established tunnels (t->counted) only. */
		if (t->counted) {
			CHECK(t->lac_idx >= 0 && t->was_established);
			lac_tun[t->lac_idx]++;
		}
		if (t->half_open) {
			CHECK(t->role == LTS_ROLE_LNS && !t->was_established);
			n_half_open++;
		}
		for (s = t->sessions; s; s = s->next) {
			CHECK(++k <= t->n_sessions);
			CHECK(s->t == t);
			CHECK(s->id != 0);
			CHECK(s->state != LTS_SESS_DEAD && s->state < LTS_SESS_STATE_MAX);
			/* Sessions exist only on live tunnels (known bug, see the top). */
			CHECK(!strict || t->state != LTS_TUN_CLOSING);
			if (t->lac_idx >= 0)
				lac_sess[t->lac_idx]++;
			if (t->lns_idx >= 0)
				lns_sess[t->lns_idx]++;
		}
		CHECK(k == t->n_sessions);
		n_sess += k;
	}
	CHECK(n_tun == cp.n_tunnels);
	CHECK(n_sess == cp.n_sessions);
	CHECK(cp.n_half_open == n_half_open);
	CHECK(n_half_open <= cfg->limits.max_half_open);
	for (t = cp.half_open_first, k = 0; t; t = t->ho_next)
		CHECK(t->half_open && ++k <= n_half_open);
	CHECK(k == n_half_open);
	for (i = 0; i < cfg->n_lac_peers; i++) {
		CHECK(cp.lac[i].n_tunnels == lac_tun[i]);
		CHECK(cp.lac[i].n_sessions == lac_sess[i]);
	}
	for (i = 0; i < cfg->n_lns_peers; i++) {
		CHECK(cp.lns[i].n_sessions == lns_sess[i]);
		for (t = cp.lns[i].tunnels, k = 0; t; t = t->lns_next) {
			CHECK(cp.tunnels[t->id] == t);
			CHECK(t->lns_idx == (int)i && t->role == LTS_ROLE_LAC);
			CHECK(!t->lns_next || t->lns_next->lns_prev == t);
			CHECK(++k <= cp.lns[i].n_tunnels);
		}
		CHECK(k == cp.lns[i].n_tunnels);
	}
}

static void ticked(void *ctx)
{
	(void)ctx;
	check_invariants();
}

/*
 * The daemon's loop: tick at every deadline up to now + ms. A tick that
 * leaves the deadline in the past (the daemon would spin) is a known bug
 * (see the top): it ends the advance, and aborts only in strict mode.
 */
static void advance(uint64_t ms)
{
	ph_advance(&clk, ms);
}

static struct lts_tunnel *nth_tunnel(unsigned int k, int role)
{
	struct lts_tunnel *t, *first = NULL;
	unsigned int n = 0;

	for (t = cp.all; t; t = t->next)
		if (role < 0 || t->role == (enum lts_role)role)
			n++;
	if (!n)
		return NULL;
	k %= n;
	for (t = cp.all; t; t = t->next) {
		if (role >= 0 && t->role != (enum lts_role)role)
			continue;
		if (!first)
			first = t;
		if (!k--)
			return t;
	}
	return first;
}

/* The k-th session (modulo their number) in this state; LTS_SESS_STATE_MAX: any. */
static struct lts_session *nth_session(unsigned int k, enum lts_sess_state st)
{
	struct lts_tunnel *t;
	struct lts_session *s;
	unsigned int n = 0;

	for (t = cp.all; t; t = t->next)
		for (s = t->sessions; s; s = s->next)
			n += st == LTS_SESS_STATE_MAX || s->state == st;
	if (!n)
		return NULL;
	k %= n;
	for (t = cp.all; t; t = t->next)
		for (s = t->sessions; s; s = s->next)
			if ((st == LTS_SESS_STATE_MAX || s->state == st) && !k--)
				return s;
	return NULL;
}

static void api(uint8_t a, unsigned int k)
{
	struct lts_cdn_info why = { .result = LTS_CDN_ADMIN, .local = true,
				    .message = "fuzz clears" };
	struct lts_session *s;
	struct lts_tunnel *t;
	struct call *c;

	switch (a % API_N) {
	case API_DIAL:
		/* Like the switch, which gets them from lts_cp_lns_tunnel(): never closing. */
		t = nth_tunnel(k, LTS_ROLE_LAC);
		if (!t || t->state == LTS_TUN_CLOSING)
			break;
		c = call_new();
		c->second = lts_session_dial(t, a & 0x80 ? &no_relay : NULL);
		if (c->second)
			c->second->user = c;
		else
			free(c);
		break;
	case API_LNS_TUNNEL:
		if (cfg->n_lns_peers)
			lts_cp_lns_tunnel(&cp, k % cfg->n_lns_peers);
		break;
	case API_ANSWER:
		s = nth_session(k, LTS_SESS_WAIT_ANSWER);
		if (s)
			CHECK(lts_session_answer(s) == 0);
		break;
	case API_CONNECT:
		s = nth_session(k, LTS_SESS_WAIT_RELAY);
		if (s)
			CHECK(lts_session_connect(s, NULL) == 0);
		break;
	case API_CLEAR:
		s = nth_session(k, LTS_SESS_STATE_MAX);
		if (s)
			lts_session_clear(s, &why, NULL);
		break;
	case API_CLOSE:
		t = nth_tunnel(k, -1);
		if (t)
			lts_tunnel_close(t, LTS_STOPCCN_CLEAR, 0, "fuzz closes");
		break;
	case API_SHUTDOWN:
		lts_cp_shutdown(&cp, clk.now);
		break;
	case API_DATA:
		data_ms = clk.now;
		break;
	default:
		break;
	}
}

/* One record at d; returns the bytes it took (0: none left). */
static size_t one_record(const uint8_t *d, size_t n)
{
	uint8_t c;
	size_t used = 1, len;

	if (!n)
		return 0;
	c = d[0];
	if (c >> 6 == 3) {
		if (n >= 2)
			api(d[used++], c & 7);
	} else if (n >= 3) {
		len = (size_t)d[1] << 8 | d[2];
		used = 3;
		if (len > n - used)
			len = n - used;
		lts_cp_input(&cp, &eps[c & 7], d + used, len, clk.now);
		used += len;
	} else {
		used = n;
	}
	check_invariants();
	advance(adv_ms[(c >> 3) & 7]);
	return used;
}

static void setup_once(void)
{
	size_t i;

	if (cfg)
		return;
	lts_log_set_level(getenv("LTS_FUZZ_LOG") ? LTS_LOG_DEBUG : LTS_LOG_ERR);
	strict = getenv("LTS_FUZZ_STRICT") != NULL;
	cfg = ph_config("fuzz.yaml", config_yaml);
	for (i = 0; i < EP_N; i++)
		ph_ep(&eps[i], ep_spec[i].addr, ep_spec[i].port,
		      strchr(ep_spec[i].addr, ':') ? "2001:db8:ff::1" : "10.0.0.1", 1701);
	tx = malloc(sizeof(*tx));
	CHECK(tx);
}

static void start_input(void)
{
	setup_once();
	rng = 0x6c74732d66757a7aull; /* "lts-fuzz" */
	clk = (struct ph_clock){ .cp = &cp, .now = T0_MS, .max_ticks = MAX_TICKS,
				 .spin_ok = !strict, .ticked = ticked };
	data_ms = 0;
	CHECK(lts_cp_init(&cp, cfg, &fake_out, &fake_ops, NULL, clk.now) == 0);
	advance(0); /* persistent lns_peers are dialled at the first tick */
}

static void end_input(void)
{
	check_invariants();
	lts_cp_idle(&cp);
	in_fini = true;
	lts_cp_fini(&cp);
	in_fini = false;
}

#ifndef LTS_FUZZ_GEN

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0, used;

	start_input();
	while ((used = one_record(data + off, size - off)))
		off += used;
	end_input();
	return 0;
}

#else /* LTS_FUZZ_GEN: write the seed corpus */

/*
 * A scripted peer per endpoint (ph_peer: Ns/Nr like a loss-free RFC 2661
 * peer), the switch's tunnel ID and what it last said, learned from what it
 * sends. What a peer sends becomes a record, with the clock advance adv.
 */
struct gpeer {
	struct ph_peer ph;
	uint16_t ltsd_sid;  /* Assigned Session ID of its last ICRP/ICRQ */
	uint8_t chal[64];   /* its last Challenge */
	size_t chal_len;
	int adv;            /* the advance bits of the peer's next record */
};

static struct gpeer gp[EP_N];
static uint8_t out[PKT_MAX];
static size_t out_len;
static uint8_t gen_seed;

/* One counter for all peers: the seeds stay what they were. */
static int gen_random(void *ctx, void *buf, size_t len)
{
	uint8_t *p = buf;

	(void)ctx;
	while (len--)
		*p++ = gen_seed++ * 29 + 7;
	return 0;
}

static size_t ep_index(const struct lts_ctrl_endpoint *ep)
{
	size_t i;

	for (i = 0; i < EP_N; i++)
		if (ep->peer_port == eps[i].peer_port && lts_ip_equal(&ep->peer, &eps[i].peer))
			return i;
	return EP_N;
}

/* Called from fake_send() with what was sent parsed in tx. */
static void gen_observe(const struct lts_ctrl_endpoint *ep)
{
	size_t i = ep_index(ep);
	const uint8_t *val;
	struct gpeer *p;
	size_t vlen;

	if (i == EP_N || tx->zlb)
		return;
	p = &gp[i];
	p->ph.nr = tx->hdr.ns + 1;
	switch (tx->msg.type) {
	case LTS_CTRL_SCCRQ:
	case LTS_CTRL_SCCRP:
	case LTS_CTRL_STOPCCN:
		lts_avp_get_u16(&tx->msg, LTS_AVP_ASSIGNED_TUNNEL_ID, &p->ph.sw_tid);
		break;
	case LTS_CTRL_ICRQ:
	case LTS_CTRL_ICRP:
		lts_avp_get_u16(&tx->msg, LTS_AVP_ASSIGNED_SESSION_ID, &p->ltsd_sid);
		break;
	}
	if (!lts_avp_get_bytes(&tx->msg, LTS_AVP_CHALLENGE, &val, &vlen) &&
	    vlen <= sizeof(p->chal)) {
		memcpy(p->chal, val, vlen);
		p->chal_len = vlen;
	}
}

static void put(const void *b, size_t n)
{
	CHECK(out_len + n <= sizeof(out));
	memcpy(out + out_len, b, n);
	out_len += n;
}

/* Append one record and run it, so the next step sees the answers. */
static void run_tail(size_t from)
{
	CHECK(one_record(out + from, out_len - from) == out_len - from);
}

static void g_api(int ep, int adv, int a)
{
	size_t from = out_len;
	uint8_t rec[2] = { (uint8_t)(3 << 6 | adv << 3 | ep), a };

	put(rec, sizeof(rec));
	run_tail(from);
}

static void g_raw(int ep, int adv, const uint8_t *pkt, size_t len)
{
	size_t from = out_len;
	uint8_t hdr[3] = { (uint8_t)(adv << 3 | ep), (uint8_t)(len >> 8), (uint8_t)len };

	put(hdr, sizeof(hdr));
	put(pkt, len);
	run_tail(from);
}

/* ph_peer.input of the generator's peers: a datagram record from their endpoint. */
static void g_input(struct ph_peer *ph, const uint8_t *pkt, size_t len)
{
	struct gpeer *p = (struct gpeer *)((char *)ph - offsetof(struct gpeer, ph));

	g_raw((int)(p - gp), p->adv, pkt, len);
}

/* A message from peer ep: header with its Ns/Nr, to its known tunnel. */
static void g_send(int ep, int adv, uint16_t sid, struct ph_msg *b)
{
	gp[ep].adv = adv;
	ph_send(&gp[ep].ph, sid, b);
}

static const uint8_t peer_chal[16] = "0123456789abcdef";

static void sccrq(int ep, int adv, uint16_t tid, bool challenge, const uint64_t *tie)
{
	struct ph_msg b;

	gp[ep].ph.tid = tid;
	gp[ep].ph.ns = 0;
	gp[ep].ph.nr = 0;
	gp[ep].ph.sw_tid = 0;
	ph_build_sccrq(&b, &gp[ep].ph, "lac.example", challenge ? peer_chal : NULL,
		       sizeof(peer_chal));
	if (tie)
		lts_avpw_add_u64(&b.w, LTS_AVP_TIE_BREAKER, *tie);
	g_send(ep, adv, 0, &b);
}

static void scccn(int ep, int adv)
{
	struct ph_msg b;

	ph_msg_begin(&b, &gp[ep].ph, LTS_CTRL_SCCCN);
	if (gp[ep].ph.secret && gp[ep].chal_len)
		ph_add_chal_response(&b, LTS_CTRL_SCCCN, gp[ep].ph.secret, gp[ep].chal,
				     gp[ep].chal_len);
	g_send(ep, adv, 0, &b);
}

/* An SCCRP answering the switch's SCCRQ to this LNS. */
static void sccrp(int ep, int adv, uint16_t tid, int from_ep)
{
	struct ph_msg b;

	gp[ep] = gp[from_ep];
	gp[ep].ph.tid = tid;
	ph_build_sccrp(&b, &gp[ep].ph, "lns.example");
	if (gp[ep].ph.secret && gp[ep].chal_len) {
		ph_add_chal_response(&b, LTS_CTRL_SCCRP, gp[ep].ph.secret, gp[ep].chal,
				     gp[ep].chal_len);
		lts_avpw_add_bytes(&b.w, LTS_AVP_CHALLENGE, peer_chal, sizeof(peer_chal));
	}
	g_send(ep, adv, 0, &b);
}

static void icrq(int ep, int adv, uint16_t psid)
{
	struct ph_msg b;

	ph_build_icrq(&b, &gp[ep].ph, psid, psid);
	lts_avpw_add_string(&b.w, LTS_AVP_CALLING_NUMBER, "5551234");
	lts_avpw_add_string(&b.w, LTS_AVP_TSA_ID, "tsa-upstream");
	g_send(ep, adv, 0, &b);
}

static void iccn(int ep, int adv)
{
	struct ph_msg b;

	ph_build_iccn(&b, &gp[ep].ph, 100000000, 1);
	lts_avpw_add_u16(&b.w, LTS_AVP_PROXY_AUTH_TYPE, 2);
	lts_avpw_add_string(&b.w, LTS_AVP_PROXY_AUTH_NAME, "user@realm");
	g_send(ep, adv, gp[ep].ltsd_sid, &b);
}

static void icrp(int ep, int adv, uint16_t psid)
{
	struct ph_msg b;

	ph_build_icrp(&b, &gp[ep].ph, psid);
	g_send(ep, adv, gp[ep].ltsd_sid, &b);
}

static void cdn(int ep, int adv, uint16_t psid)
{
	struct lts_avp_result r = { .result = 3, .has_error = true, .message = "bye",
				    .message_len = 3 };
	struct ph_msg b;

	ph_build_cdn(&b, &gp[ep].ph, psid, &r);
	g_send(ep, adv, gp[ep].ltsd_sid, &b);
}

static void stopccn(int ep, int adv)
{
	struct lts_avp_result r = { .result = 1 };
	struct ph_msg b;

	ph_build_stopccn(&b, &gp[ep].ph, &r);
	g_send(ep, adv, 0, &b);
}

static void simple(int ep, int adv, uint16_t type, uint16_t sid)
{
	struct lts_avp_call_errors ce = { .crc = 1 };
	struct lts_avp_accm accm = { 0xffffffff, 0 };
	struct ph_msg b;

	ph_msg_begin(&b, &gp[ep].ph, type);
	if (type == LTS_CTRL_WEN)
		lts_avpw_add_call_errors(&b.w, &ce);
	if (type == LTS_CTRL_SLI)
		lts_avpw_add_accm(&b.w, &accm);
	g_send(ep, adv, sid, &b);
}

static void zlb(int ep, int adv)
{
	gp[ep].adv = adv;
	ph_zlb(&gp[ep].ph);
}

/* Which nth_tunnel(k, LTS_ROLE_LAC) is the tunnel this peer talks to. */
static int lac_index_of(int ep)
{
	unsigned int k;

	for (k = 0; k < 8; k++) {
		struct lts_tunnel *t = nth_tunnel(k, LTS_ROLE_LAC);

		if (t && t->id == gp[ep].ph.sw_tid)
			return k;
	}
	return 0;
}

/*
 * A peer Assigned Session ID that makes fake_incoming_call() place a second
 * leg on lns_peers[lns] for the next call on this peer's tunnel: (our ID ^
 * theirs) % 4 == 1 and theirs % n_lns_peers == lns.
 */
static uint16_t switched_psid(int ep, unsigned int lns)
{
	struct lts_tunnel *t = cp.tunnels[gp[ep].ph.sw_tid];
	uint16_t psid, x;

	CHECK(t);
	for (x = 1;; x += 4) {
		psid = t->next_sid ^ x;
		if (psid && psid % cfg->n_lns_peers == lns)
			return psid;
	}
}

static void gen_start(void)
{
	int i;

	memset(gp, 0, sizeof(gp));
	for (i = 0; i < EP_N; i++) {
		gp[i].ph.rwin = 4;
		gp[i].ph.random = gen_random;
		gp[i].ph.input = g_input;
	}
	gp[EP_SECURE].ph.secret = SECURE_SECRET;
	gp[EP_SECURE].ph.hide = true;
	gp[EP_LNS2].ph.secret = LNS2_SECRET;
	gp[EP_LNS2].ph.hide = true;
	out_len = 0;
	gen_seed = 1;
	start_input();
}

static int gen_write(const char *dir, const char *name)
{
	char path[512];
	FILE *f;

	end_input();
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(out, 1, out_len, f) != out_len) {
		perror(path);
		if (f)
			fclose(f);
		return -1;
	}
	return fclose(f);
}

int main(int argc, char **argv)
{
	static const uint8_t bad_hdr[] = { 0xc8, 0x03, 0, 12, 0, 1, 0, 0, 0, 0, 0, 0 };
	const char *dir = argc > 1 ? argv[1] : "tests/fuzz/corpus/ctrl_input";
	uint64_t tie;
	int k, err = 0;

	/* A LAC without a secret: two calls, WEN/SLI/HELLO, CDN, StopCCN. */
	gen_start();
	sccrq(EP_OPEN, 0, 0x11, false, NULL);
	scccn(EP_OPEN, 2);
	icrq(EP_OPEN, 0, 0x21);
	iccn(EP_OPEN, 0);
	simple(EP_OPEN, 0, LTS_CTRL_WEN, gp[EP_OPEN].ltsd_sid);
	simple(EP_OPEN, 0, LTS_CTRL_SLI, gp[EP_OPEN].ltsd_sid);
	simple(EP_OPEN, 2, LTS_CTRL_HELLO, 0);
	cdn(EP_OPEN, 0, 0x21);
	icrq(EP_OPEN, 0, 0x22);
	iccn(EP_OPEN, 0);
	icrq(EP_OPEN, 0, 0x23);
	g_api(EP_OPEN, 0, API_ANSWER);
	stopccn(EP_OPEN, 7);
	err |= gen_write(dir, "lns-open.bin");

	/* The secure LAC: challenge both ways, hidden AVPs, Hello, held call. */
	gen_start();
	sccrq(EP_SECURE, 0, 0x12, true, NULL);
	scccn(EP_SECURE, 2);
	icrq(EP_SECURE, 0, 0x31);
	iccn(EP_SECURE, 6);
	zlb(EP_SECURE, 0); /* acks the Hello */
	icrq(EP_SECURE, 0, 0x32);
	g_api(EP_SECURE, 0, API_CLEAR);
	g_api(EP_SECURE, 0, API_CLOSE);
	zlb(EP_SECURE, 7);
	err |= gen_write(dir, "lns-secure.bin");

	/* LAC role: lns1 answers from another port; a call; the LNS hangs up. */
	gen_start();
	sccrp(EP_LNS1_PORT, 0, 0x41, EP_LNS1);
	k = lac_index_of(EP_LNS1_PORT);
	g_api(k, 0, API_DIAL);
	icrp(EP_LNS1_PORT, 0, 0x51);
	simple(EP_LNS1_PORT, 0, LTS_CTRL_SLI, gp[EP_LNS1_PORT].ltsd_sid);
	cdn(EP_LNS1_PORT, 0, 0x51);
	g_api(k, 0, API_DIAL);
	icrp(EP_LNS1_PORT, 2, 0x52);
	stopccn(EP_LNS1_PORT, 7);
	g_api(0, 4, API_LNS_TUNNEL);
	err |= gen_write(dir, "lac-lns1.bin");

	/* LAC role with authentication and hidden AVPs: lns2. */
	gen_start();
	sccrp(EP_LNS2, 0, 0x42, EP_LNS2);
	k = lac_index_of(EP_LNS2);
	zlb(EP_LNS2, 0);
	g_api(k, 0, 144); /* API_DIAL (144 % API_N) with 0x80: switched, ICCN held */
	icrp(EP_LNS2, 0, 0x53);
	g_api(0, 0, API_CONNECT);
	zlb(EP_LNS2, 0);
	g_api(k, 6, API_DATA);
	g_api(0, 0, API_SHUTDOWN);
	zlb(EP_LNS2, 7);
	err |= gen_write(dir, "lac-lns2-auth.bin");

	/* lns1 never answers: retries, failure, redial with backoff. */
	gen_start();
	g_api(0, 7, API_NOTHING);
	g_api(0, 7, API_NOTHING);
	err |= gen_write(dir, "lac-silent.bin");

	/* Refusals, the SCCRQ rate limit, a restart, malformed packets. */
	gen_start();
	sccrq(EP_UNKNOWN, 0, 0x61, false, NULL);
	zlb(EP_UNKNOWN, 0);
	for (k = 0; k < 4; k++) /* the 4th is over the lac_peer's max_tunnels */
		sccrq(EP_OPEN_PORT, 0, 0x70 + k, false, NULL);
	sccrq(EP_OPEN_PORT, 0, 0x74, false, NULL); /* over the SCCRQ rate limit */
	sccrq(EP_LAX, 0, 0x11, false, NULL);
	scccn(EP_LAX, 0);
	icrq(EP_LAX, 0, 0x12);
	sccrq(EP_LAX, 0, 0x11, false, NULL); /* the LAC restarted */
	sccrq(EP_LAX, 0, 0x13, true, NULL);  /* a challenge, no secret */
	g_raw(EP_OPEN, 0, bad_hdr, sizeof(bad_hdr));
	gp[EP_OPEN].ph.sw_tid = 0x7777;
	simple(EP_OPEN, 7, LTS_CTRL_HELLO, 0);
	err |= gen_write(dir, "refusals.bin");

	/* Crossing SCCRQs with lns1 (it is also a lac_peer): Tie Breakers. */
	gen_start();
	tie = 1;
	sccrq(EP_LNS1, 0, 0x81, false, &tie);
	tie = UINT64_MAX;
	sccrq(EP_LNS1, 0, 0x82, false, &tie);
	scccn(EP_LNS1, 7);
	err |= gen_write(dir, "tie-breaker.bin");

	/*
	 * A switched call: LAC -> us -> lns1, both legs up; then lns1 stops
	 * the tunnel and the hooks fail the call over. With LTS_FUZZ_STRICT=1
	 * this reproduces test_failover_on_peer_stopccn.
	 */
	gen_start();
	sccrp(EP_LNS1, 0, 0x43, EP_LNS1);
	zlb(EP_LNS1, 0);
	sccrq(EP_OPEN, 0, 0x16, false, NULL);
	scccn(EP_OPEN, 0);
	icrq(EP_OPEN, 0, switched_psid(EP_OPEN, 0)); /* ICRP held, ICRQ to lns1 */
	icrp(EP_LNS1, 0, 0x54);                   /* ICRP to the LAC, ICCN to lns1 */
	iccn(EP_OPEN, 0);
	zlb(EP_LNS1, 0);
	simple(EP_OPEN, 0, LTS_CTRL_WEN, gp[EP_OPEN].ltsd_sid);
	stopccn(EP_LNS1, 7);
	err |= gen_write(dir, "switched-call.bin");

	/* The same call, the LAC hangs up: the hooks clear the LNS leg. */
	gen_start();
	sccrp(EP_LNS1, 0, 0x44, EP_LNS1);
	zlb(EP_LNS1, 0);
	sccrq(EP_OPEN, 0, 0x17, false, NULL);
	scccn(EP_OPEN, 0);
	k = switched_psid(EP_OPEN, 0);
	icrq(EP_OPEN, 0, k);
	icrp(EP_LNS1, 0, 0x55);
	iccn(EP_OPEN, 0);
	cdn(EP_OPEN, 2, k);
	zlb(EP_LNS1, 7);
	err |= gen_write(dir, "switched-hangup.bin");

	/*
	 * lns1 stops the tunnel, the switch needs lns1 at once (a second
	 * tunnel, answered), then the first is reaped. With LTS_FUZZ_STRICT=1
	 * this reproduces test_lac_redial_while_replaced (the loop would spin).
	 */
	gen_start();
	sccrp(EP_LNS1, 0, 0x45, EP_LNS1);
	zlb(EP_LNS1, 0);
	stopccn(EP_LNS1, 2);
	g_api(0, 0, API_LNS_TUNNEL);
	sccrp(EP_LNS1, 0, 0x46, EP_LNS1);
	zlb(EP_LNS1, 0);
	g_api(0, 7, API_DATA);
	err |= gen_write(dir, "lac-replace.bin");

	/*
	 * A switched call whose second leg opens lns3 (on demand), and the
	 * input ends with both legs up: lts_cp_fini() without a shutdown. With
	 * LTS_FUZZ_STRICT=1 this reproduces test_failover_during_fini, a use
	 * after free of the session the failover placed on the freed tunnel.
	 */
	gen_start();
	sccrq(EP_OPEN, 0, 0x18, false, NULL);
	scccn(EP_OPEN, 0);
	icrq(EP_OPEN, 0, switched_psid(EP_OPEN, 2)); /* dials lns3 */
	gp[EP_LNS1_PORT] = gp[EP_LNS1];
	sccrp(EP_LNS1_PORT, 0, 0x48, EP_LNS1_PORT);
	icrp(EP_LNS1_PORT, 0, 0x57);
	iccn(EP_OPEN, 0);
	zlb(EP_LNS1_PORT, 0);
	err |= gen_write(dir, "switched-fini.bin");

	/* On demand: lns3 is opened for a call, then lingers out (StopCCN). */
	gen_start();
	g_api(2, 0, API_LNS_TUNNEL); /* lns_peers[2] */
	sccrp(EP_LNS1_PORT, 0, 0x47, EP_LNS1_PORT);
	k = lac_index_of(EP_LNS1_PORT);
	g_api(k, 0, API_DIAL);
	icrp(EP_LNS1_PORT, 0, 0x56);
	cdn(EP_LNS1_PORT, 4, 0x56);
	zlb(EP_LNS1_PORT, 7);
	err |= gen_write(dir, "lac-on-demand.bin");

	/* Unexpected messages in the handshake and session states. */
	gen_start();
	sccrq(EP_LAX, 0, 0x14, false, NULL);
	simple(EP_LAX, 0, LTS_CTRL_ICCN, 0);
	sccrq(EP_OPEN, 0, 0x15, false, NULL);
	scccn(EP_OPEN, 0);
	icrq(EP_OPEN, 0, 0x91);
	simple(EP_OPEN, 0, LTS_CTRL_ICRP, gp[EP_OPEN].ltsd_sid);
	icrq(EP_OPEN, 0, 0x92);
	simple(EP_OPEN, 0, LTS_CTRL_WEN, gp[EP_OPEN].ltsd_sid);
	simple(EP_OPEN, 0, LTS_CTRL_SCCRQ, 0);
	err |= gen_write(dir, "unexpected.bin");
	return err ? 1 : 0;
}

#endif /* LTS_FUZZ_GEN */
