// SPDX-License-Identifier: GPL-2.0
/*
 * Reliable delivery of L2TP control messages: RFC 2661 5.8 (sequencing,
 * acknowledgement, retransmission, window, retention after teardown),
 * Appendix A (slow start and congestion avoidance), 5.5/6.5 (Hello).
 *
 * Sender model. Every message gets its Ns when it is first transmitted, so
 * the in-flight list always holds consecutive Ns values [una, ns_next) and a
 * ZLB can carry ns_next ("Ns is not incremented after a ZLB message is
 * sent"). tx_next is the next Ns to put on the wire: normally ns_next; after
 * a retransmission timeout it goes back to una + 1, so that once acks open
 * the (now one-message) congestion window again the rest of what was in
 * flight is resent in order before anything new, instead of waiting a full
 * timeout per lost message.
 *
 * Receiver model. Nr is the Ns we expect next. Messages ahead of it but
 * inside our advertised window may be held, one allocation each, in a list
 * sorted by distance from Nr, within two byte budgets: the transport's own
 * (cfg.ooo_budget, meant to be 0 until the tunnel is established) and the
 * pool shared by every transport of the process. 5.8 lets a receiver discard
 * an out-of-order message, so what does not fit is dropped, acknowledged and
 * left for the peer to retransmit once the gap is filled: a window full of
 * 64 KiB messages cannot pin ~450 KiB per tunnel, half-open ones included,
 * and the memory goes back when the messages are delivered. Duplicates and
 * messages beyond the window are counted and dropped.
 */
#define LTS_LOG_SUBSYS LTS_TRACE_TRANSPORT
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "ctrl_transport.h"
#include "lib/log.h"
#include "lib/util.h"

struct lts_ctrl_txmsg {
	struct lts_ctrl_txmsg *next;
	uint16_t ns; /* valid once in flight */
	uint16_t session_id;
	uint16_t len; /* header + body */
	uint8_t pkt[]; /* header rewritten at every transmission */
};

struct lts_ctrl_rxmsg {
	struct lts_ctrl_rxmsg *next; /* farther from Nr */
	struct lts_ctrl_hdr h;
	uint8_t pkt[]; /* whole message, h.length octets */
};

int lts_ctrl_hdr_parse(const uint8_t *pkt, size_t len, struct lts_ctrl_hdr *h)
{
	uint16_t flags;

	if (!pkt || len < 2)
		return -EINVAL;
	flags = lts_get16(pkt);
	/* 3.1: "Packets received with an unknown Ver field MUST be discarded." */
	if ((flags & LTS_L2TP_VER_MASK) != LTS_L2TP_VERSION)
		return -EPROTONOSUPPORT;
	/*
	 * 3.1: control messages have T, L and S set and O clear. Anything else
	 * is a data message or a header whose fields are not where we would
	 * read them (an offset field would shift every AVP).
	 */
	if (!(flags & LTS_L2TP_F_TYPE) || !(flags & LTS_L2TP_F_LENGTH) ||
	    !(flags & LTS_L2TP_F_SEQ) || (flags & LTS_L2TP_F_OFFSET))
		return -EPROTO;
	if (len < LTS_CTRL_HDR_LEN)
		return -EINVAL;
	h->flags = flags;
	h->length = lts_get16(pkt + 2);
	h->tunnel_id = lts_get16(pkt + 4);
	h->session_id = lts_get16(pkt + 6);
	h->ns = lts_get16(pkt + 8);
	h->nr = lts_get16(pkt + 10);
	/* Length covers the message; bytes after it (padding) are ignored. */
	if (h->length < LTS_CTRL_HDR_LEN || h->length > len)
		return -EINVAL;
	return 0;
}

void lts_ctrl_hdr_build(uint8_t *buf, const struct lts_ctrl_hdr *h)
{
	lts_put16(buf, LTS_CTRL_HDR_FLAGS);
	lts_put16(buf + 2, h->length);
	lts_put16(buf + 4, h->tunnel_id);
	lts_put16(buf + 6, h->session_id);
	lts_put16(buf + 8, h->ns);
	lts_put16(buf + 10, h->nr);
}

void lts_ctrl_xport_cfg_default(struct lts_ctrl_xport_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	/*
	 * 16: a switch receives bursts of ICRQ/ICCN from a LAC carrying many
	 * calls; a window of 16 lets the LAC pipeline them (4, the RFC default,
	 * serialises a burst into round trips) while bounding the reorder
	 * buffer to 16 messages per tunnel.
	 */
	cfg->rws = LTS_CTRL_RWS_DEFAULT;
	cfg->rto_initial_ms = LTS_CTRL_RTO_INITIAL_MS; /* 5.8 recommends 1 s */
	/* 16 s: accel-ppp and Juniper, 47 s to give up with 5 retries. */
	cfg->rto_max_ms = LTS_CTRL_RTO_MAX_MS;
	cfg->max_retries = LTS_CTRL_MAX_RETRIES; /* 5.8 recommends 5 */
	/*
	 * 100 ms: long enough for the FSM to answer a request in the same
	 * event loop pass or after a local decision (the reply then carries
	 * the ack, no ZLB), and a tenth of the peer's 1 s retransmission
	 * timer, so a held reply (an ICRQ waiting for the second leg) is acked
	 * well before the peer retransmits.
	 */
	cfg->ack_delay_ms = LTS_CTRL_ACK_DELAY_MS;
	cfg->hello_interval_ms = LTS_CTRL_HELLO_INTERVAL_MS;
	cfg->max_queue = LTS_CTRL_MAX_QUEUE;
	/*
	 * 16 KiB: a full window of 16 ordinary control messages (ICRQ, ICCN,
	 * CDN: tens to a few hundred octets) fits several times over, while a
	 * peer sending maximum-size messages out of order gets at most one
	 * held instead of rws - 1 of 64 KiB each.
	 */
	cfg->ooo_budget = LTS_CTRL_OOO_BUDGET_DEFAULT;
}

/* Clamp what can be clamped; 0 where the values are usable. */
static int cfg_normalize(struct lts_ctrl_xport_cfg *c)
{
	if (!c->rws || !c->rto_initial_ms || !c->max_retries || !c->max_queue)
		return -EINVAL;
	if (c->hello_len > LTS_CTRL_HELLO_MAX || (c->hello_len && !c->hello_body))
		return -EINVAL;
	if (c->rws > LTS_CTRL_RWS_MAX)
		c->rws = LTS_CTRL_RWS_MAX;
	/* 5.8: the backoff cap must be no less than 8 s per retransmission. */
	if (c->rto_max_ms < LTS_CTRL_RTO_CAP_MIN_MS)
		c->rto_max_ms = LTS_CTRL_RTO_CAP_MIN_MS;
	if (c->rto_max_ms < c->rto_initial_ms)
		c->rto_max_ms = c->rto_initial_ms;
	/* An ack held longer than this would race the peer's 1 s timer. */
	if (c->ack_delay_ms > LTS_CTRL_ACK_DELAY_MAX_MS)
		c->ack_delay_ms = LTS_CTRL_ACK_DELAY_MAX_MS;
	return 0;
}

static uint32_t backoff(uint32_t rto, uint32_t cap)
{
	return (uint64_t)rto * 2 > cap ? cap : rto * 2;
}

uint64_t lts_ctrl_xport_budget_ms(const struct lts_ctrl_xport_cfg *cfg)
{
	struct lts_ctrl_xport_cfg c = *cfg;
	uint64_t sum = 0;
	uint32_t rto, i;

	c.hello_len = 0;
	if (cfg_normalize(&c))
		return 0;
	/* The first wait plus one per retransmission, doubling up to the cap. */
	rto = c.rto_initial_ms;
	for (i = 0; i <= c.max_retries; i++) {
		if (rto == c.rto_max_ms)
			return sum + (uint64_t)(c.max_retries - i + 1) * rto;
		sum += rto;
		rto = backoff(rto, c.rto_max_ms);
	}
	return sum;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static uint16_t una(const struct lts_ctrl_xport *x)
{
	return x->inflight ? x->inflight->ns : x->ns_next;
}

uint16_t lts_ctrl_xport_una(const struct lts_ctrl_xport *x)
{
	return una(x);
}

static void free_list(struct lts_ctrl_txmsg *m)
{
	struct lts_ctrl_txmsg *next;

	for (; m; m = next) {
		next = m->next;
		free(m);
	}
}

/* Take a held message out of the accounting (it is already unlinked). */
static void unaccount(struct lts_ctrl_xport *x, const struct lts_ctrl_rxmsg *m)
{
	x->n_held--;
	x->held_bytes -= m->h.length;
	if (x->cfg.ooo_pool)
		x->cfg.ooo_pool->used -= m->h.length;
}

/* Free a detached chain of held messages; *ctr counts them if not NULL. */
static void free_held(struct lts_ctrl_xport *x, struct lts_ctrl_rxmsg *m, uint64_t *ctr)
{
	struct lts_ctrl_rxmsg *next;

	for (; m; m = next) {
		next = m->next;
		unaccount(x, m);
		if (ctr)
			(*ctr)++;
		free(m);
	}
}

int lts_ctrl_xport_init(struct lts_ctrl_xport *x, const struct lts_ctrl_xport_cfg *cfg,
			const struct lts_ctrl_xport_ops *ops, void *ctx, uint16_t our_tunnel_id,
			uint64_t now_ms)
{
	int err;

	memset(x, 0, sizeof(*x));
	x->state = LTS_CTRL_XPORT_DEAD; /* until fully set up: fini() is safe */
	if (!ops || !ops->send || !ops->deliver)
		return -EINVAL;
	if (cfg)
		x->cfg = *cfg;
	else
		lts_ctrl_xport_cfg_default(&x->cfg);
	err = cfg_normalize(&x->cfg);
	if (err)
		return err;
	/* Keep our own copy: the caller's buffer and x may both move. */
	if (x->cfg.hello_len)
		memcpy(x->hello_body, x->cfg.hello_body, x->cfg.hello_len);
	x->cfg.hello_body = NULL;
	x->ops = *ops;
	x->ctx = ctx;
	x->tunnel_id = our_tunnel_id;
	/* 4.4.3: without a Receive Window Size AVP the peer's window is 4. */
	x->peer_rws = LTS_CTRL_PEER_RWS_DEFAULT;
	/* Appendix A: CWND starts at one, SSTHRESH at the advertised window. */
	x->cwnd = 1;
	x->ssthresh = x->peer_rws;
	x->rto_ms = x->cfg.rto_initial_ms;
	x->rto_at = LTS_CTRL_NO_DEADLINE;
	x->ack_at = LTS_CTRL_NO_DEADLINE;
	x->close_at = LTS_CTRL_NO_DEADLINE;
	x->last_rx_ms = now_ms; /* the idle time for Hello counts from here */
	x->state = LTS_CTRL_XPORT_OPEN;
	return 0;
}

int lts_ctrl_xport_retune(struct lts_ctrl_xport *x, const struct lts_ctrl_xport_cfg *cfg)
{
	struct lts_ctrl_xport_cfg c = x->cfg;
	int err;

	c.rto_initial_ms = cfg->rto_initial_ms;
	c.rto_max_ms = cfg->rto_max_ms;
	c.max_retries = cfg->max_retries;
	c.hello_interval_ms = cfg->hello_interval_ms;
	c.hello_body = x->hello_body; /* only checked: the copy stays ours */
	err = cfg_normalize(&c);
	c.hello_body = NULL;
	if (!err)
		x->cfg = c;
	return err;
}

void lts_ctrl_xport_fini(struct lts_ctrl_xport *x)
{
	if (!x)
		return;
	free_list(x->inflight);
	free_list(x->queue);
	x->inflight = x->inflight_tail = x->queue = x->queue_tail = NULL;
	x->n_inflight = x->n_queued = 0;
	free_held(x, x->held, NULL);
	x->held = NULL;
	x->state = LTS_CTRL_XPORT_DEAD;
}

void lts_ctrl_xport_set_peer(struct lts_ctrl_xport *x, uint16_t peer_tunnel_id,
			     uint16_t peer_rws)
{
	x->peer_tunnel_id = peer_tunnel_id;
	x->peer_known = true;
	if (!peer_rws)
		peer_rws = LTS_CTRL_PEER_RWS_DEFAULT;
	/* Sending less than the peer allows is always permitted. */
	if (peer_rws > LTS_CTRL_RWS_MAX)
		peer_rws = LTS_CTRL_RWS_MAX;
	x->peer_rws = peer_rws;
	/* Appendix A: SSTHRESH starts at the advertised window, and CWND
	 * never exceeds it. */
	x->ssthresh = peer_rws;
	if (x->cwnd > peer_rws)
		x->cwnd = peer_rws;
}

void lts_ctrl_xport_set_ooo_budget(struct lts_ctrl_xport *x, uint32_t bytes)
{
	struct lts_ctrl_rxmsg **pp = &x->held;
	size_t kept = 0;

	x->cfg.ooo_budget = bytes;
	/*
	 * Keep the messages nearest to Nr, the next to become deliverable;
	 * the rest is freed and will come again by retransmission (5.8).
	 */
	while (*pp && kept + (*pp)->h.length <= bytes) {
		kept += (*pp)->h.length;
		pp = &(*pp)->next;
	}
	free_held(x, *pp, &x->ctr.ooo_released);
	*pp = NULL;
}

uint32_t lts_ctrl_xport_pending(const struct lts_ctrl_xport *x)
{
	return x->n_inflight + x->n_queued;
}

static void ack_done(struct lts_ctrl_xport *x)
{
	x->ack_at = LTS_CTRL_NO_DEADLINE;
}

/* 5.8: acknowledge after ack_delay unless something we send carries Nr. */
static void ack_owed(struct lts_ctrl_xport *x, uint64_t now)
{
	if (x->ack_at == LTS_CTRL_NO_DEADLINE)
		x->ack_at = now + x->cfg.ack_delay_ms;
}

static void wire(struct lts_ctrl_xport *x, const uint8_t *pkt, size_t len)
{
	if (x->ops.send(x->ctx, pkt, len) < 0)
		x->ctr.tx_errors++;
}

/*
 * (Re)transmit one message. 5.8: a retransmission keeps its Ns but "the Nr
 * value MUST be updated with the sequence number of the next expected
 * message"; the tunnel ID is the peer's as known now (0 before set_peer()).
 * Whatever goes out carries Nr, so any owed acknowledgement rides along.
 */
static void xmit(struct lts_ctrl_xport *x, struct lts_ctrl_txmsg *m)
{
	struct lts_ctrl_hdr h = {
		.length = m->len,
		.tunnel_id = x->peer_tunnel_id,
		.session_id = m->session_id,
		.ns = m->ns,
		.nr = x->nr,
	};

	lts_ctrl_hdr_build(m->pkt, &h);
	ack_done(x);
	wire(x, m->pkt, m->len);
}

/* 5.8: a ZLB carries the Ns of the next message and does not consume it. */
static void send_zlb(struct lts_ctrl_xport *x)
{
	struct lts_ctrl_hdr h = {
		.length = LTS_CTRL_HDR_LEN,
		.tunnel_id = x->peer_tunnel_id,
		.ns = x->ns_next,
		.nr = x->nr,
	};
	uint8_t pkt[LTS_CTRL_HDR_LEN];

	lts_ctrl_hdr_build(pkt, &h);
	ack_done(x);
	x->ctr.zlb_tx++;
	wire(x, pkt, sizeof(pkt));
}

static struct lts_ctrl_txmsg *inflight_at(const struct lts_ctrl_xport *x, uint16_t ns)
{
	struct lts_ctrl_txmsg *m;

	for (m = x->inflight; m; m = m->next)
		if (m->ns == ns)
			return m;
	return NULL;
}

/* In flight is kept in Ns order: a new one goes at the tail. */
static void inflight_push(struct lts_ctrl_xport *x, struct lts_ctrl_txmsg *m)
{
	if (x->inflight_tail)
		x->inflight_tail->next = m;
	else
		x->inflight = m;
	x->inflight_tail = m;
	x->n_inflight++;
}

/*
 * Send what the window allows: first what a timeout sent back to be resent,
 * then new messages. The window is min(CWND, peer RWS) (5.8, Appendix A).
 */
static void pump(struct lts_ctrl_xport *x, uint64_t now)
{
	uint32_t win = x->cwnd < x->peer_rws ? x->cwnd : x->peer_rws;
	struct lts_ctrl_txmsg *m;

	while ((uint16_t)(x->tx_next - una(x)) < win) {
		if (x->tx_next != x->ns_next) {
			m = inflight_at(x, x->tx_next);
			if (!m) /* cannot happen: in flight is [una, ns_next) */
				break;
			xmit(x, m);
			x->ctr.retransmits++;
			x->tx_next++;
			continue;
		}
		m = x->queue;
		if (!m)
			break;
		x->queue = m->next;
		if (!x->queue)
			x->queue_tail = NULL;
		x->n_queued--;
		m->next = NULL;
		m->ns = x->ns_next++;
		x->tx_next = x->ns_next;
		inflight_push(x, m);
		if (x->n_inflight == 1) {
			x->rto_ms = x->cfg.rto_initial_ms;
			x->rto_at = now + x->rto_ms;
		}
		xmit(x, m);
		x->ctr.tx_msgs++;
	}
}

static int enqueue(struct lts_ctrl_xport *x, uint16_t session_id, const uint8_t *body,
		   size_t len, uint64_t now)
{
	struct lts_ctrl_txmsg *m;

	if (x->n_inflight + x->n_queued >= x->cfg.max_queue) {
		x->ctr.queue_full++;
		return -ENOBUFS;
	}
	m = malloc(sizeof(*m) + LTS_CTRL_HDR_LEN + len);
	if (!m)
		return -ENOMEM;
	m->next = NULL;
	m->ns = 0;
	m->session_id = session_id;
	m->len = LTS_CTRL_HDR_LEN + len;
	memcpy(m->pkt + LTS_CTRL_HDR_LEN, body, len);
	if (x->queue_tail)
		x->queue_tail->next = m;
	else
		x->queue = m;
	x->queue_tail = m;
	x->n_queued++;
	pump(x, now);
	return 0;
}

int lts_ctrl_xport_send(struct lts_ctrl_xport *x, uint16_t session_id, const uint8_t *body,
			size_t len, uint64_t now_ms)
{
	if (x->state != LTS_CTRL_XPORT_OPEN)
		return -ESHUTDOWN;
	/* A message has at least its Message Type AVP; no body is a ZLB. */
	if (!body || !len)
		return -EINVAL;
	if (len > LTS_CTRL_BODY_MAX)
		return -EMSGSIZE;
	return enqueue(x, session_id, body, len, now_ms);
}

int lts_ctrl_xport_resume(struct lts_ctrl_xport *x, uint16_t peer_tunnel_id, uint16_t peer_rws,
			  uint16_t una, uint16_t ns_next, uint16_t nr, uint64_t now_ms)
{
	uint16_t gap = (uint16_t)(ns_next - una), i;
	struct lts_ctrl_txmsg *m;

	if (gap > x->cfg.max_queue || (gap && !x->cfg.hello_len))
		return -EINVAL;
	lts_ctrl_xport_set_peer(x, peer_tunnel_id, peer_rws);
	x->nr = nr;
	x->last_rx_ms = now_ms;
	x->ns_next = x->tx_next = una;
	/*
	 * What was in flight died with the old process. Its Ns are in flight
	 * again at once (the peer may acknowledge them any moment), each as a
	 * Hello, and go out as retransmissions as the window allows.
	 */
	for (i = 0; i < gap; i++) {
		m = malloc(sizeof(*m) + LTS_CTRL_HDR_LEN + x->cfg.hello_len);
		if (!m)
			return -ENOMEM;
		m->next = NULL;
		m->ns = x->ns_next++;
		m->session_id = 0;
		m->len = LTS_CTRL_HDR_LEN + x->cfg.hello_len;
		memcpy(m->pkt + LTS_CTRL_HDR_LEN, x->hello_body, x->cfg.hello_len);
		inflight_push(x, m);
	}
	pr_debug("tun %u: resumed at Ns %u Nr %u, %u in flight sent again as Hellos",
		 x->tunnel_id, ns_next, nr, gap);
	if (gap) {
		x->rto_ms = x->cfg.rto_initial_ms;
		x->rto_at = now_ms + x->rto_ms;
		pump(x, now_ms);
	}
	return 0;
}

/* Appendix A: one more message per ACK in slow start, one per window after. */
static void cwnd_on_ack(struct lts_ctrl_xport *x)
{
	if (x->cwnd < x->ssthresh) {
		x->cwnd++;
	} else if (++x->ca_acks >= x->cwnd) {
		x->cwnd++;
		x->ca_acks = 0;
	}
	if (x->cwnd > x->peer_rws)
		x->cwnd = x->peer_rws;
}

/* Appendix A: a retransmission halves SSTHRESH and restarts slow start. */
static void cwnd_on_loss(struct lts_ctrl_xport *x)
{
	x->ssthresh = x->cwnd / 2 > 1 ? x->cwnd / 2 : 1;
	x->cwnd = 1;
	x->ca_acks = 0;
}

/*
 * 5.8: Nr in every control message, ZLBs and duplicates included, is the
 * next Ns the peer expects: everything before it has arrived.
 */
static void process_nr(struct lts_ctrl_xport *x, uint16_t nr, uint64_t now)
{
	struct lts_ctrl_txmsg *m;

	/* Acknowledges Ns values we never used: corrupt or spoofed. */
	if (lts_ctrl_seq_before(x->ns_next, nr)) {
		x->ctr.bad_nr++;
		pr_debug("tun %u: Nr %u acknowledges what we never sent (next Ns %u): ignored",
			 x->tunnel_id, nr, x->ns_next);
		return;
	}
	if (!lts_ctrl_seq_before(una(x), nr))
		return; /* nothing new */
	while ((m = x->inflight) && lts_ctrl_seq_before(m->ns, nr)) {
		x->inflight = m->next;
		x->n_inflight--;
		free(m);
	}
	if (!x->inflight)
		x->inflight_tail = NULL;
	/* nr <= ns_next, so nr is the new una */
	if (lts_ctrl_seq_before(x->tx_next, nr))
		x->tx_next = nr;
	cwnd_on_ack(x);
	/* Progress: the backoff starts over for what is still in flight. */
	x->retries = 0;
	x->rto_ms = x->cfg.rto_initial_ms;
	x->rto_at = x->inflight ? now + x->rto_ms : LTS_CTRL_NO_DEADLINE;
}

/* Hand one in-order message up; Nr advances first so a reply acks it. */
static void deliver_one(struct lts_ctrl_xport *x, const struct lts_ctrl_hdr *h,
			const uint8_t *pkt, uint64_t now)
{
	x->nr++;
	ack_owed(x, now);
	x->ctr.delivered++;
	x->ops.deliver(x->ctx, h, pkt + LTS_CTRL_HDR_LEN, h->length - LTS_CTRL_HDR_LEN);
}

/*
 * Hold a message that is off (1 .. rws - 1) ahead of Nr, if the budgets
 * allow. A message that is not held costs nothing and is acknowledged like
 * one beyond the window: our Nr shows the peer the gap to retransmit.
 */
static void hold(struct lts_ctrl_xport *x, const struct lts_ctrl_hdr *h, const uint8_t *pkt,
		 uint16_t off, uint64_t now)
{
	struct lts_ctrl_xport_pool *pool = x->cfg.ooo_pool;
	struct lts_ctrl_rxmsg **pp, *m;
	uint16_t o;

	for (pp = &x->held; *pp; pp = &(*pp)->next) {
		o = (*pp)->h.ns - x->nr;
		if (o == off) {
			x->ctr.duplicates++; /* already held */
			return;
		}
		if (o > off)
			break;
	}
	if (x->held_bytes + h->length > x->cfg.ooo_budget) {
		x->ctr.ooo_dropped++;
		ack_owed(x, now);
		return;
	}
	if (pool && pool->used + h->length > pool->max) {
		x->ctr.ooo_pool_full++;
		ack_owed(x, now);
		return;
	}
	m = malloc(sizeof(*m) + h->length);
	if (!m)
		return; /* the peer retransmits it */
	m->h = *h;
	memcpy(m->pkt, pkt, h->length);
	m->next = *pp;
	*pp = m;
	x->n_held++;
	x->held_bytes += h->length;
	if (pool)
		pool->used += h->length;
	x->ctr.reordered++;
}

static void receive_msg(struct lts_ctrl_xport *x, const struct lts_ctrl_hdr *h,
			const uint8_t *pkt, uint64_t now)
{
	uint16_t off = h->ns - x->nr;
	struct lts_ctrl_rxmsg *m;

	if (off == 0) {
		deliver_one(x, h, pkt, now);
		/*
		 * 5.8: held messages that are now in order. Each is unlinked
		 * and unaccounted before deliver(), which may change the
		 * budget (and so the list) under us.
		 */
		while ((m = x->held) && m->h.ns == x->nr) {
			x->held = m->next;
			unaccount(x, m);
			deliver_one(x, &m->h, m->pkt, now);
			free(m);
		}
		return;
	}
	if (lts_ctrl_seq_before(h->ns, x->nr)) {
		/*
		 * 5.8: a duplicate is not processed, but "receipt of duplicate
		 * messages MUST be acknowledged" in case our ack was lost.
		 */
		x->ctr.duplicates++;
		pr_debug("tun %u: duplicate Ns %u (expecting %u): acknowledged", x->tunnel_id,
			 h->ns, x->nr);
		if (x->passive && x->inflight) {
			/* Its repeat asks for our answer: it carries the ack. */
			xmit(x, x->inflight);
			x->ctr.retransmits++;
			return;
		}
		ack_owed(x, now);
		return;
	}
	if (off >= x->cfg.rws) {
		/* Beyond what we advertised: drop; our Nr tells the peer where
		 * we are. */
		x->ctr.out_of_window++;
		pr_debug("tun %u: Ns %u beyond our window (Nr %u, RWS %u): dropped", x->tunnel_id,
			 h->ns, x->nr, x->cfg.rws);
		ack_owed(x, now);
		return;
	}
	hold(x, h, pkt, off, now);
}

int lts_ctrl_xport_input(struct lts_ctrl_xport *x, const uint8_t *pkt, size_t len,
			 uint64_t now_ms)
{
	struct lts_ctrl_hdr h;
	int err;

	if (x->state == LTS_CTRL_XPORT_DEAD)
		return -ESHUTDOWN;
	err = lts_ctrl_hdr_parse(pkt, len, &h);
	if (err) {
		x->ctr.malformed++;
		return err;
	}
	x->last_rx_ms = now_ms;
	process_nr(x, h.nr, now_ms);
	if (h.length == LTS_CTRL_HDR_LEN) {
		/* 5.8: a ZLB takes no Ns and is itself never acknowledged. */
		x->ctr.zlb_rx++;
	} else {
		receive_msg(x, &h, pkt, now_ms);
	}
	/* The ack may have opened the window. */
	pump(x, now_ms);
	if (x->ack_at <= now_ms)
		send_zlb(x);
	return 0;
}

void lts_ctrl_xport_close(struct lts_ctrl_xport *x, uint64_t now_ms)
{
	if (x->state != LTS_CTRL_XPORT_OPEN)
		return;
	/*
	 * 5.8: "the state and reliable delivery mechanisms MUST be maintained
	 * and operated for the full retransmission interval after the final
	 * message exchange": as long as it takes us to give up on a message,
	 * which also covers a peer with the same timers retransmitting its
	 * StopCCN because our acks are lost.
	 */
	x->state = LTS_CTRL_XPORT_CLOSING;
	x->close_at = now_ms + lts_ctrl_xport_budget_ms(&x->cfg);
}

static bool hello_armed(const struct lts_ctrl_xport *x)
{
	/*
	 * 5.5: Hello detects an outage of an idle tunnel. While something is
	 * in flight its retransmissions already do that, and before the peer
	 * has told us its tunnel ID there is nobody to address it to.
	 */
	return x->state == LTS_CTRL_XPORT_OPEN && x->cfg.hello_interval_ms && x->cfg.hello_len &&
	       x->peer_known && !x->inflight && !x->queue;
}

static uint64_t hello_due(const struct lts_ctrl_xport *x)
{
	uint64_t last = x->last_rx_ms > x->last_rx_data_ms ? x->last_rx_ms : x->last_rx_data_ms;

	return last + x->cfg.hello_interval_ms;
}

static void hello_check(struct lts_ctrl_xport *x, uint64_t now)
{
	uint64_t data;

	if (!hello_armed(x) || now < hello_due(x))
		return;
	/*
	 * 5.5: Hello goes out after a period with no control *or data*
	 * received. Data is switched by XDP and never seen here, so ask the
	 * owner for the data plane's last-seen time only now, when control
	 * alone says the tunnel is idle.
	 */
	if (x->ops.last_rx_data_ms) {
		data = x->ops.last_rx_data_ms(x->ctx);
		if (data > x->last_rx_data_ms)
			x->last_rx_data_ms = data;
		if (now < hello_due(x))
			return;
	}
	/* Session ID 0: Hello is tunnel-scoped (6.5). An unacknowledged Hello
	 * fails the tunnel like any other message (5.5). */
	if (!enqueue(x, 0, x->hello_body, x->cfg.hello_len, now)) {
		x->ctr.hello_tx++;
		return;
	}
	/* Out of memory: try again one interval later rather than spin on a
	 * deadline in the past. */
	x->last_rx_ms = now;
}

uint64_t lts_ctrl_xport_next_deadline(const struct lts_ctrl_xport *x)
{
	uint64_t d = x->ack_at;

	if (x->state == LTS_CTRL_XPORT_DEAD)
		return LTS_CTRL_NO_DEADLINE;
	if (x->inflight)
		d = min_u64(d, x->rto_at);
	if (hello_armed(x))
		d = min_u64(d, hello_due(x));
	if (x->state == LTS_CTRL_XPORT_CLOSING && !x->inflight && !x->queue)
		d = min_u64(d, x->close_at);
	return d;
}

void lts_ctrl_xport_set_passive(struct lts_ctrl_xport *x, bool passive)
{
	x->passive = passive;
}

static void retransmit(struct lts_ctrl_xport *x, uint64_t now)
{
	struct lts_ctrl_txmsg *m = x->inflight;

	/* 5.8: exponential backoff, capped; Appendix A: congestion. */
	x->retries++;
	cwnd_on_loss(x);
	x->rto_ms = backoff(x->rto_ms, x->cfg.rto_max_ms);
	x->rto_at = now + x->rto_ms;
	if (x->passive)
		return; /* the timer only counts: the peer's repeat triggers a resend */
	pr_debug("tun %u: no ack for Ns %u: retransmission %u, next in %u ms", x->tunnel_id, m->ns,
		 x->retries, x->rto_ms);
	xmit(x, m);
	x->ctr.retransmits++;
	/* The rest of the old flight is resent as acks reopen the window. */
	x->tx_next = m->ns + 1;
}

void lts_ctrl_xport_tick(struct lts_ctrl_xport *x, uint64_t now_ms)
{
	if (x->state == LTS_CTRL_XPORT_DEAD)
		return;
	if (x->ack_at <= now_ms)
		send_zlb(x);
	if (x->inflight && x->rto_at <= now_ms) {
		if (x->retries < x->cfg.max_retries) {
			retransmit(x, now_ms);
		} else if (x->state == LTS_CTRL_XPORT_OPEN) {
			/* 5.8: "the tunnel and all sessions within MUST be
			 * cleared". Last action: the owner may free x. */
			x->state = LTS_CTRL_XPORT_DEAD;
			pr_debug("tun %u: Ns %u unacknowledged after %u retransmissions: giving up",
				 x->tunnel_id, x->inflight->ns, x->retries);
			if (x->ops.failed)
				x->ops.failed(x->ctx);
			return;
		} else {
			/*
			 * Closing and the peer stopped answering: nothing left
			 * to deliver to. The tunnel is already being torn down,
			 * so this is not reported as a failure; the retention
			 * interval below still runs out before closed().
			 */
			free_list(x->inflight);
			free_list(x->queue);
			x->inflight = x->inflight_tail = x->queue = x->queue_tail = NULL;
			x->n_inflight = x->n_queued = 0;
			x->rto_at = LTS_CTRL_NO_DEADLINE;
			x->tx_next = x->ns_next;
		}
	}
	hello_check(x, now_ms);
	if (x->state == LTS_CTRL_XPORT_CLOSING && now_ms >= x->close_at && !x->inflight &&
	    !x->queue) {
		x->state = LTS_CTRL_XPORT_DEAD;
		if (x->ops.closed)
			x->ops.closed(x->ctx);
		return;
	}
}
