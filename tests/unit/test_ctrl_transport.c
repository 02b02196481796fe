// SPDX-License-Identifier: GPL-2.0
/*
 * Reliable delivery of control messages (agent/l2tp/ctrl_transport.c) against
 * RFC 2661 5.8, 5.5 and Appendix A. Two transports A and B are wired through
 * a simulated channel driven by a fake clock: a script decides, per direction
 * and per packet, whether a datagram passes, is dropped, duplicated or
 * delayed; every datagram on the wire is logged so tests can assert Ns, Nr,
 * timings and the number of ZLBs.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>
#include "l2tp/ctrl_transport.h"
#include "lib/util.h"

#define A2B 0
#define B2A 1
#define LATENCY 10 /* one-way, ms */
#define NEVER LTS_CTRL_NO_DEADLINE

enum fate { PASS, DROP, DUP, DELAY };

struct rule {
	int dir;
	int nth; /* index of the datagram in that direction, from 0 */
	enum fate fate;
	uint32_t delay_ms;
};

struct rx_rec {
	struct lts_ctrl_hdr h;
	char body[64];
	uint64_t at;
};

struct sim;

struct peer {
	struct lts_ctrl_xport x;
	struct sim *sim;
	int dir; /* direction of what this peer sends */
	struct rx_rec rx[512];
	int n_rx;
	bool auto_reply; /* answer every message from inside deliver() */
	bool close_on_stop; /* close() on a "STOP" body, as the FSM would */
	int failed, closed;
	uint64_t failed_at, closed_at;
	uint64_t data_rx; /* what last_rx_data_ms() reports */
	uint32_t max_inflight;
};

struct wire_pkt {
	uint64_t at;
	uint64_t seq;
	int dir;
	size_t len;
	uint8_t data[128];
};

struct log_rec {
	uint64_t at;
	int dir;
	struct lts_ctrl_hdr h;
	enum fate fate;
};

struct sim {
	uint64_t now;
	struct peer p[2];
	struct wire_pkt q[256];
	int nq;
	uint64_t seq;
	struct rule rules[32];
	int n_rules;
	int sent[2];
	bool blackhole[2];
	struct log_rec log[2048];
	int n_log;
	/* Set by out-of-order tests: checked after every datagram. */
	struct lts_ctrl_xport_pool *pool;
};

static struct sim S;

static const uint8_t HELLO[] = { 0x80, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x06 };

/* Add a rule for the nth datagram from now on in one direction. */
static void rule(struct sim *s, int dir, int nth_from_now, enum fate fate, uint32_t delay)
{
	assert_true(s->n_rules < (int)ARRAY_SIZE(s->rules));
	s->rules[s->n_rules++] = (struct rule){ dir, s->sent[dir] + nth_from_now, fate, delay };
}

static enum fate fate_of(struct sim *s, int dir, int nth, uint32_t *delay)
{
	int i;

	*delay = 0;
	if (s->blackhole[dir])
		return DROP;
	for (i = 0; i < s->n_rules; i++) {
		if (s->rules[i].dir == dir && s->rules[i].nth == nth) {
			*delay = s->rules[i].delay_ms;
			return s->rules[i].fate;
		}
	}
	return PASS;
}

static void wire_put(struct sim *s, int dir, const uint8_t *pkt, size_t len, uint64_t at)
{
	struct wire_pkt *w;

	assert_true(s->nq < (int)ARRAY_SIZE(s->q));
	assert_true(len <= sizeof(w->data));
	w = &s->q[s->nq++];
	w->at = at;
	w->seq = s->seq++;
	w->dir = dir;
	w->len = len;
	memcpy(w->data, pkt, len);
}

static int op_send(void *ctx, const uint8_t *pkt, size_t len)
{
	struct peer *p = ctx;
	struct sim *s = p->sim;
	struct log_rec *l;
	uint32_t delay;
	enum fate f;

	/* What goes out always parses, and never exceeds the window. */
	assert_true(s->n_log < (int)ARRAY_SIZE(s->log));
	l = &s->log[s->n_log++];
	assert_int_equal(lts_ctrl_hdr_parse(pkt, len, &l->h), 0);
	assert_int_equal(l->h.length, len);
	assert_true(p->x.n_inflight <= p->x.peer_rws);
	if (p->x.n_inflight > p->max_inflight)
		p->max_inflight = p->x.n_inflight;
	l->at = s->now;
	l->dir = p->dir;
	f = fate_of(s, p->dir, s->sent[p->dir]++, &delay);
	l->fate = f;
	switch (f) {
	case PASS:
		wire_put(s, p->dir, pkt, len, s->now + LATENCY);
		break;
	case DUP:
		wire_put(s, p->dir, pkt, len, s->now + LATENCY);
		wire_put(s, p->dir, pkt, len, s->now + LATENCY + 1);
		break;
	case DELAY:
		wire_put(s, p->dir, pkt, len, s->now + LATENCY + delay);
		break;
	case DROP:
		break;
	}
	return 0;
}

static void op_deliver(void *ctx, const struct lts_ctrl_hdr *h, const uint8_t *body,
		       size_t body_len)
{
	struct peer *p = ctx;
	struct rx_rec *r;
	char reply[80];

	assert_true(p->n_rx < (int)ARRAY_SIZE(p->rx));
	assert_true(body_len > 0 && body_len < sizeof(r->body));
	r = &p->rx[p->n_rx++];
	r->h = *h;
	r->at = p->sim->now;
	memcpy(r->body, body, body_len);
	r->body[body_len] = '\0';
	if (p->close_on_stop && !strcmp(r->body, "STOP")) {
		lts_ctrl_xport_close(&p->x, p->sim->now);
		return;
	}
	if (p->auto_reply && strncmp(r->body, "re:", 3)) {
		snprintf(reply, sizeof(reply), "re:%s", r->body);
		assert_int_equal(lts_ctrl_xport_send(&p->x, h->session_id, (uint8_t *)reply,
						     strlen(reply), p->sim->now),
				 0);
	}
}

static void op_failed(void *ctx)
{
	struct peer *p = ctx;

	p->failed++;
	p->failed_at = p->sim->now;
}

static void op_closed(void *ctx)
{
	struct peer *p = ctx;

	p->closed++;
	p->closed_at = p->sim->now;
}

static uint64_t op_last_rx_data(void *ctx)
{
	return ((struct peer *)ctx)->data_rx;
}

static const struct lts_ctrl_xport_ops ops = {
	.send = op_send,
	.deliver = op_deliver,
	.failed = op_failed,
	.closed = op_closed,
	.last_rx_data_ms = op_last_rx_data,
};

/* Defaults without Hello, so that idle periods stay silent. */
static struct lts_ctrl_xport_cfg quiet_cfg(void)
{
	struct lts_ctrl_xport_cfg c;

	lts_ctrl_xport_cfg_default(&c);
	c.hello_interval_ms = 0;
	return c;
}

/* Two connected transports: A is tunnel 100, B is tunnel 200. */
static struct sim *sim_new(const struct lts_ctrl_xport_cfg *ca, const struct lts_ctrl_xport_cfg *cb)
{
	struct sim *s = &S;
	struct lts_ctrl_xport_cfg dflt = quiet_cfg();

	memset(s, 0, sizeof(*s));
	s->p[0].sim = s->p[1].sim = s;
	s->p[0].dir = A2B;
	s->p[1].dir = B2A;
	assert_int_equal(lts_ctrl_xport_init(&s->p[0].x, ca ? ca : &dflt, &ops, &s->p[0], 100, 0),
			 0);
	assert_int_equal(lts_ctrl_xport_init(&s->p[1].x, cb ? cb : &dflt, &ops, &s->p[1], 200, 0),
			 0);
	return s;
}

/* Both sides learned the other's tunnel ID and window (SCCRQ/SCCRP). */
static void sim_connect(struct sim *s)
{
	lts_ctrl_xport_set_peer(&s->p[0].x, 200, s->p[1].x.cfg.rws);
	lts_ctrl_xport_set_peer(&s->p[1].x, 100, s->p[0].x.cfg.rws);
}

/* XP_DUMP=1 prints every datagram of every scenario, for debugging. */
static void sim_free(struct sim *s)
{
	int i;

	for (i = 0; getenv("XP_DUMP") && i < s->n_log; i++)
		print_message("%8llu %s %-4s len %-3u tun %-3u ns %-5u nr %-5u%s\n",
			      (unsigned long long)s->log[i].at, s->log[i].dir == A2B ? "A>B" : "B>A",
			      s->log[i].h.length == LTS_CTRL_HDR_LEN ? "ZLB" : "MSG",
			      s->log[i].h.length, s->log[i].h.tunnel_id, s->log[i].h.ns,
			      s->log[i].h.nr, s->log[i].fate == DROP ? " dropped" : "");
	lts_ctrl_xport_fini(&s->p[0].x);
	lts_ctrl_xport_fini(&s->p[1].x);
}

static uint64_t next_event(const struct sim *s)
{
	uint64_t t = NEVER, d;
	int i;

	for (i = 0; i < s->nq; i++)
		if (s->q[i].at < t)
			t = s->q[i].at;
	for (i = 0; i < 2; i++) {
		d = lts_ctrl_xport_next_deadline(&s->p[i].x);
		if (d < t)
			t = d;
	}
	return t;
}

/*
 * The shared pool is never exceeded and holds exactly what its transports
 * hold (issue 9).
 */
static void check_pool(const struct sim *s)
{
	size_t sum = 0;
	int i;

	if (!s->pool)
		return;
	for (i = 0; i < 2; i++)
		if (s->p[i].x.cfg.ooo_pool == s->pool)
			sum += s->p[i].x.held_bytes;
	assert_true(s->pool->used <= s->pool->max);
	assert_int_equal(s->pool->used, sum);
}

/* Deliver what is due on the wire (in order), then run due timers. */
static void step(struct sim *s)
{
	struct wire_pkt w;
	int i, best;

	for (;;) {
		best = -1;
		for (i = 0; i < s->nq; i++)
			if (s->q[i].at <= s->now &&
			    (best < 0 || s->q[i].at < s->q[best].at ||
			     (s->q[i].at == s->q[best].at && s->q[i].seq < s->q[best].seq)))
				best = i;
		if (best < 0)
			break;
		w = s->q[best];
		s->q[best] = s->q[--s->nq];
		lts_ctrl_xport_input(&s->p[w.dir == A2B ? 1 : 0].x, w.data, w.len, s->now);
		check_pool(s);
	}
	for (i = 0; i < 2; i++)
		if (lts_ctrl_xport_next_deadline(&s->p[i].x) <= s->now)
			lts_ctrl_xport_tick(&s->p[i].x, s->now);
}

static void run_until(struct sim *s, uint64_t t_end)
{
	uint64_t t;
	int guard = 0;

	for (;;) {
		t = next_event(s);
		if (t == NEVER || t > t_end)
			break;
		assert_true(++guard < 100000); /* no busy loop on a past deadline */
		if (t > s->now)
			s->now = t;
		step(s);
	}
	if (t_end > s->now)
		s->now = t_end;
}

static void send_str(struct sim *s, int who, const char *str)
{
	assert_int_equal(lts_ctrl_xport_send(&s->p[who].x, 0, (const uint8_t *)str, strlen(str),
					     s->now),
			 0);
}

/* Messages (not ZLBs) that went out in a direction, and ZLBs. */
static int count_wire(const struct sim *s, int dir, bool zlb)
{
	int i, n = 0;

	for (i = 0; i < s->n_log; i++)
		if (s->log[i].dir == dir && (s->log[i].h.length == LTS_CTRL_HDR_LEN) == zlb)
			n++;
	return n;
}

/* Grow A's congestion window to at least cwnd, one message per round trip. */
static void warm_up(struct sim *s, int who, uint32_t cwnd)
{
	char b[16];
	int i;

	for (i = 0; s->p[who].x.cwnd < cwnd; i++) {
		assert_true(i < 64);
		snprintf(b, sizeof(b), "warm%d", i);
		send_str(s, who, b);
		run_until(s, s->now + 1000);
	}
	assert_int_equal(lts_ctrl_xport_pending(&s->p[who].x), 0);
}

static void assert_delivered(const struct peer *p, int first, const char *const *bodies, int n)
{
	int i;

	assert_true(p->n_rx >= first + n);
	for (i = 0; i < n; i++)
		assert_string_equal(p->rx[first + i].body, bodies[i]);
}

/* ---- header ---------------------------------------------------------- */

struct hdr_case {
	const char *name;
	uint8_t pkt[20];
	size_t len;
	int err;
	uint16_t length; /* when err == 0 */
};

#define H(f1, f2, l1, l2) f1, f2, l1, l2, 0, 7, 0, 3, 0, 5, 0, 9

static const struct hdr_case hdr_cases[] = {
	{ "message with body", { H(0xc8, 0x02, 0, 20), 0x80, 0x08, 0, 0, 0, 0, 0, 1 }, 20, 0, 20 },
	{ "ZLB", { H(0xc8, 0x02, 0, 12) }, 12, 0, 12 },
	{ "trailer after Length ignored", { H(0xc8, 0x02, 0, 12), 0xde, 0xad }, 14, 0, 12 },
	{ "reserved bits ignored", { H(0xfc, 0xf2, 0, 12) }, 12, 0, 12 },
	{ "P bit ignored", { H(0xc9, 0x02, 0, 12) }, 12, 0, 12 },
	{ "version 3", { H(0xc8, 0x03, 0, 12) }, 12, -EPROTONOSUPPORT, 0 },
	{ "version 1 (L2F)", { H(0xc8, 0x01, 0, 12) }, 12, -EPROTONOSUPPORT, 0 },
	{ "version 0", { H(0xc8, 0x00, 0, 12) }, 12, -EPROTONOSUPPORT, 0 },
	{ "T=0 (data)", { H(0x48, 0x02, 0, 12) }, 12, -EPROTO, 0 },
	{ "L=0", { H(0x88, 0x02, 0, 12) }, 12, -EPROTO, 0 },
	{ "S=0", { H(0xc0, 0x02, 0, 12) }, 12, -EPROTO, 0 },
	{ "O=1", { H(0xca, 0x02, 0, 12) }, 12, -EPROTO, 0 },
	{ "empty", { 0 }, 0, -EINVAL, 0 },
	{ "one byte", { 0xc8 }, 1, -EINVAL, 0 },
	{ "11 bytes", { H(0xc8, 0x02, 0, 12) }, 11, -EINVAL, 0 },
	{ "Length 11", { H(0xc8, 0x02, 0, 11) }, 12, -EINVAL, 0 },
	{ "Length 0", { H(0xc8, 0x02, 0, 0) }, 12, -EINVAL, 0 },
	{ "Length beyond datagram", { H(0xc8, 0x02, 0, 13) }, 12, -EINVAL, 0 },
	{ "Length 65535 in 20 bytes", { H(0xc8, 0x02, 0xff, 0xff) }, 20, -EINVAL, 0 },
};

static void test_hdr_parse_table(void **state)
{
	struct lts_ctrl_hdr h;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(hdr_cases); i++) {
		const struct hdr_case *c = &hdr_cases[i];

		print_message("  %s\n", c->name);
		memset(&h, 0, sizeof(h));
		assert_int_equal(lts_ctrl_hdr_parse(c->pkt, c->len, &h), c->err);
		if (c->err)
			continue;
		assert_int_equal(h.length, c->length);
		assert_int_equal(h.tunnel_id, 7);
		assert_int_equal(h.session_id, 3);
		assert_int_equal(h.ns, 5);
		assert_int_equal(h.nr, 9);
	}
	assert_int_equal(lts_ctrl_hdr_parse(NULL, 12, &h), -EINVAL);
}

static void test_hdr_build(void **state)
{
	const struct lts_ctrl_hdr in = {
		.flags = 0xffff, /* ignored */
		.length = 0x1234,
		.tunnel_id = 0xbeef,
		.session_id = 0x0102,
		.ns = 65535,
		.nr = 1,
	};
	const uint8_t want[] = { 0xc8, 0x02, 0x12, 0x34, 0xbe, 0xef, 0x01, 0x02, 0xff, 0xff, 0, 1 };
	uint8_t buf[0x1234] = { 0 };
	struct lts_ctrl_hdr out;

	(void)state;
	lts_ctrl_hdr_build(buf, &in);
	assert_memory_equal(buf, want, sizeof(want));
	assert_int_equal(lts_ctrl_hdr_parse(buf, sizeof(buf), &out), 0);
	assert_int_equal(out.flags, LTS_CTRL_HDR_FLAGS);
	assert_int_equal(out.ns, 65535);
	assert_int_equal(out.nr, 1);
}

static void test_seq_before(void **state)
{
	static const struct {
		uint16_t a, b;
		bool before;
	} cases[] = {
		{ 1, 2, true },	      { 2, 1, false },	   { 5, 5, false },
		{ 65535, 0, true },   { 0, 65535, false }, { 65530, 3, true },
		{ 3, 65530, false },  { 32768, 0, true }, /* last + 32767 preceding */
		{ 32767, 0, false },  { 0, 32768, true },  { 65535, 32768, false },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++)
		assert_int_equal(lts_ctrl_seq_before(cases[i].a, cases[i].b), cases[i].before);
}

/* The derived timer budget of REFERENCE.md 2. */
static void test_budget_table(void **state)
{
	static const struct {
		uint32_t rto, cap, retries;
		uint64_t budget;
	} cases[] = {
		{ 1000, 16000, 5, 47000 }, /* 1+2+4+8+16+16 */
		{ 1000, 8000, 5, 31000 }, /* 1+2+4+8+8+8 */
		{ 1000, 2000, 5, 31000 }, /* cap clamped to 8 s */
		{ 1000, 0, 5, 31000 },
		{ 500, 8000, 3, 7500 },
		{ 3000, 8000, 2, 17000 }, /* 3+6+8 */
		{ 10000, 8000, 2, 30000 }, /* cap below the first timeout */
		{ 1000, 60000, 10, 363000 }, /* 1+2+4+8+16+32+60*5 */
		{ 1000, 16000, 0, 0 }, /* invalid */
	};
	struct lts_ctrl_xport_cfg c;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		lts_ctrl_xport_cfg_default(&c);
		c.rto_initial_ms = cases[i].rto;
		c.rto_max_ms = cases[i].cap;
		c.max_retries = cases[i].retries;
		assert_int_equal(lts_ctrl_xport_budget_ms(&c), cases[i].budget);
	}
}

static void test_init_cfg(void **state)
{
	struct lts_ctrl_xport_ops bad = ops;
	struct lts_ctrl_xport_cfg c;
	struct lts_ctrl_xport x;
	uint8_t big[LTS_CTRL_HELLO_MAX + 1] = { 0 };

	(void)state;
	assert_int_equal(lts_ctrl_xport_init(&x, NULL, &ops, NULL, 1, 0), 0);
	assert_int_equal(x.cfg.rws, LTS_CTRL_RWS_DEFAULT);
	assert_int_equal(x.cfg.rto_max_ms, 16000);
	assert_int_equal(x.peer_rws, 4);
	assert_int_equal(x.cwnd, 1);
	assert_int_equal(x.ns_next, 0);
	assert_int_equal(x.nr, 0);
	assert_int_equal(x.cfg.ooo_budget, LTS_CTRL_OOO_BUDGET_DEFAULT);
	assert_null(x.cfg.ooo_pool);
	/* Nothing held, nothing allocated for holding (issue 9). */
	assert_null(x.held);
	assert_int_equal(x.n_held, 0);
	assert_int_equal(x.held_bytes, 0);
	lts_ctrl_xport_fini(&x);
	lts_ctrl_xport_fini(&x); /* twice is fine */
	lts_ctrl_xport_fini(NULL);

	lts_ctrl_xport_cfg_default(&c);
	c.rto_max_ms = 3000;
	c.rws = 60000;
	c.ack_delay_ms = 5000;
	assert_int_equal(lts_ctrl_xport_init(&x, &c, &ops, NULL, 1, 0), 0);
	assert_int_equal(x.cfg.rto_max_ms, LTS_CTRL_RTO_CAP_MIN_MS);
	assert_int_equal(x.cfg.rws, LTS_CTRL_RWS_MAX);
	assert_int_equal(x.cfg.ack_delay_ms, LTS_CTRL_ACK_DELAY_MAX_MS);
	lts_ctrl_xport_set_peer(&x, 9, 65535);
	assert_int_equal(x.peer_rws, LTS_CTRL_RWS_MAX);
	lts_ctrl_xport_set_peer(&x, 9, 0); /* AVP absent */
	assert_int_equal(x.peer_rws, 4);
	lts_ctrl_xport_fini(&x);

	lts_ctrl_xport_cfg_default(&c);
	c.rws = 0;
	assert_int_equal(lts_ctrl_xport_init(&x, &c, &ops, NULL, 1, 0), -EINVAL);
	lts_ctrl_xport_fini(&x);
	lts_ctrl_xport_cfg_default(&c);
	c.max_retries = 0;
	assert_int_equal(lts_ctrl_xport_init(&x, &c, &ops, NULL, 1, 0), -EINVAL);
	lts_ctrl_xport_cfg_default(&c);
	c.hello_body = big;
	c.hello_len = sizeof(big);
	assert_int_equal(lts_ctrl_xport_init(&x, &c, &ops, NULL, 1, 0), -EINVAL);
	bad.send = NULL;
	assert_int_equal(lts_ctrl_xport_init(&x, NULL, &bad, NULL, 1, 0), -EINVAL);
	lts_ctrl_xport_fini(&x);
}

/* ---- exchange over the simulated channel ----------------------------- */

static void test_in_order(void **state)
{
	static const char *const want[] = { "m0", "m1", "m2" };
	struct sim *s = sim_new(NULL, NULL);
	int i, k = 0;

	(void)state;
	sim_connect(s);
	send_str(s, 0, "m0");
	send_str(s, 0, "m1");
	send_str(s, 0, "m2");
	/* Slow start: one message until the first ack comes back. */
	assert_int_equal(s->p[0].x.n_inflight, 1);
	assert_int_equal(s->p[0].x.n_queued, 2);
	run_until(s, 5000);
	assert_int_equal(s->p[1].n_rx, 3);
	assert_delivered(&s->p[1], 0, want, 3);
	for (i = 0; i < 3; i++) {
		assert_int_equal(s->p[1].rx[i].h.ns, i);
		assert_int_equal(s->p[1].rx[i].h.tunnel_id, 200);
	}
	/* Ns 0, 1, 2 each sent once; B acked with ZLBs only. */
	for (i = 0; i < s->n_log; i++)
		if (s->log[i].dir == A2B)
			assert_int_equal(s->log[i].h.ns, k++);
	assert_int_equal(k, 3);
	assert_int_equal(count_wire(s, B2A, false), 0);
	assert_int_equal(lts_ctrl_xport_pending(&s->p[0].x), 0);
	assert_int_equal(s->p[0].x.ns_next, 3);
	assert_int_equal(s->p[1].x.nr, 3);
	assert_int_equal(s->p[0].x.ctr.retransmits, 0);
	assert_int_equal(lts_ctrl_xport_next_deadline(&s->p[0].x), NEVER);
	assert_int_equal(lts_ctrl_xport_next_deadline(&s->p[1].x), NEVER);
	sim_free(s);
}

/* 5.8: the retransmission keeps Ns and carries the updated Nr. */
static void test_lost_message(void **state)
{
	struct sim *s = sim_new(NULL, NULL);
	struct log_rec *first = NULL, *again = NULL;
	int i;

	(void)state;
	sim_connect(s);
	rule(s, A2B, 0, DROP, 0);
	send_str(s, 0, "a0");
	run_until(s, 500);
	send_str(s, 1, "b0"); /* A's Nr moves to 1 before A retransmits */
	run_until(s, 5000);
	for (i = 0; i < s->n_log; i++) {
		if (s->log[i].dir != A2B || s->log[i].h.length == LTS_CTRL_HDR_LEN)
			continue;
		if (!first)
			first = &s->log[i];
		else if (!again)
			again = &s->log[i];
		else
			fail_msg("a0 sent more than twice");
	}
	assert_non_null(again);
	assert_int_equal(first->at, 0);
	assert_int_equal(again->at, 1000);
	assert_int_equal(first->h.ns, 0);
	assert_int_equal(again->h.ns, 0);
	assert_int_equal(first->h.nr, 0);
	assert_int_equal(again->h.nr, 1);
	assert_int_equal(s->p[1].n_rx, 1);
	assert_string_equal(s->p[1].rx[0].body, "a0");
	assert_int_equal(s->p[0].n_rx, 1);
	assert_int_equal(s->p[0].x.ctr.retransmits, 1);
	assert_int_equal(lts_ctrl_xport_pending(&s->p[0].x), 0);
	assert_int_equal(lts_ctrl_xport_pending(&s->p[1].x), 0);
	sim_free(s);
}

/* 5.8: a lost ZLB makes the peer retransmit; the duplicate is re-acked. */
static void test_lost_zlb(void **state)
{
	struct sim *s = sim_new(NULL, NULL);

	(void)state;
	sim_connect(s);
	rule(s, B2A, 0, DROP, 0);
	send_str(s, 0, "a0");
	run_until(s, 5000);
	assert_int_equal(s->p[1].n_rx, 1);
	assert_int_equal(s->p[1].x.ctr.duplicates, 1);
	assert_int_equal(s->p[1].x.ctr.zlb_tx, 2);
	assert_int_equal(s->p[0].x.ctr.retransmits, 1);
	assert_int_equal(s->p[0].x.ctr.zlb_rx, 1);
	assert_int_equal(lts_ctrl_xport_pending(&s->p[0].x), 0);
	/* The re-ack went out one ack delay after the duplicate arrived. */
	assert_int_equal(s->log[s->n_log - 1].at, 1000 + LATENCY + LTS_CTRL_ACK_DELAY_MS);
	sim_free(s);
}

static void test_duplicated_by_network(void **state)
{
	struct sim *s = sim_new(NULL, NULL);

	(void)state;
	sim_connect(s);
	rule(s, A2B, 0, DUP, 0);
	send_str(s, 0, "a0");
	run_until(s, 5000);
	assert_int_equal(s->p[1].n_rx, 1);
	assert_int_equal(s->p[1].x.ctr.duplicates, 1);
	/* Both copies arrived within one ack delay: a single ZLB. */
	assert_int_equal(count_wire(s, B2A, true), 1);
	assert_int_equal(s->p[0].x.ctr.retransmits, 0);
	sim_free(s);
}

static void test_reorder_within_window(void **state)
{
	static const char *const want[] = { "r1", "r2", "r3" };
	struct sim *s = sim_new(NULL, NULL);
	int base;

	(void)state;
	sim_connect(s);
	warm_up(s, 0, 4);
	base = s->p[1].n_rx;
	rule(s, A2B, 0, DELAY, 50);
	send_str(s, 0, "r1");
	send_str(s, 0, "r2");
	send_str(s, 0, "r3");
	assert_int_equal(s->p[0].x.n_inflight, 3);
	run_until(s, s->now + 30);
	assert_int_equal(s->p[1].n_rx, base); /* r2, r3 held back */
	assert_int_equal(s->p[1].x.ctr.reordered, 2);
	run_until(s, s->now + 2000);
	assert_int_equal(s->p[1].n_rx, base + 3);
	assert_delivered(&s->p[1], base, want, 3);
	assert_int_equal(s->p[0].x.ctr.retransmits, 0);
	assert_int_equal(lts_ctrl_xport_pending(&s->p[0].x), 0);
	sim_free(s);
}

/* A peer that overruns our window: the excess is dropped, then retransmitted. */
static void test_reorder_beyond_window(void **state)
{
	static const char *const want[] = { "w1", "w2", "w3", "w4" };
	struct lts_ctrl_xport_cfg cb = quiet_cfg();
	struct sim *s;
	int base;

	(void)state;
	cb.rws = 2;
	s = sim_new(NULL, &cb);
	sim_connect(s);
	lts_ctrl_xport_set_peer(&s->p[0].x, 200, 8); /* A believes B allows 8 */
	warm_up(s, 0, 4);
	base = s->p[1].n_rx;
	rule(s, A2B, 0, DELAY, 50);
	send_str(s, 0, "w1");
	send_str(s, 0, "w2");
	send_str(s, 0, "w3");
	send_str(s, 0, "w4");
	run_until(s, s->now + 30);
	assert_int_equal(s->p[1].x.ctr.reordered, 1); /* w2 */
	assert_int_equal(s->p[1].x.ctr.out_of_window, 2); /* w3, w4 */
	run_until(s, s->now + 10000);
	assert_int_equal(s->p[1].n_rx, base + 4);
	assert_delivered(&s->p[1], base, want, 4);
	assert_true(s->p[0].x.ctr.retransmits >= 2);
	assert_int_equal(lts_ctrl_xport_pending(&s->p[0].x), 0);
	sim_free(s);
}

/* Ns and Nr wrap 65535 -> 0 on both sides, with losses in both directions. */
static void test_wrap(void **state)
{
	struct sim *s = sim_new(NULL, NULL);
	bool saw_65535 = false, saw_0 = false;
	char b[16];
	int i;

	(void)state;
	sim_connect(s);
	/* As if 65530 messages had been exchanged each way. */
	s->p[0].x.ns_next = s->p[0].x.tx_next = s->p[1].x.nr = 65530;
	s->p[1].x.ns_next = s->p[1].x.tx_next = s->p[0].x.nr = 65530;
	rule(s, A2B, 3, DROP, 0);
	rule(s, B2A, 2, DROP, 0);
	rule(s, A2B, 6, DELAY, 30);
	for (i = 0; i < 12; i++) {
		snprintf(b, sizeof(b), "a%d", i);
		send_str(s, 0, b);
		snprintf(b, sizeof(b), "b%d", i);
		send_str(s, 1, b);
		run_until(s, s->now + 40);
	}
	run_until(s, s->now + 20000);
	assert_int_equal(s->p[1].n_rx, 12);
	assert_int_equal(s->p[0].n_rx, 12);
	for (i = 0; i < 12; i++) {
		snprintf(b, sizeof(b), "a%d", i);
		assert_string_equal(s->p[1].rx[i].body, b);
		assert_int_equal(s->p[1].rx[i].h.ns, (uint16_t)(65530 + i));
		snprintf(b, sizeof(b), "b%d", i);
		assert_string_equal(s->p[0].rx[i].body, b);
	}
	for (i = 0; i < s->n_log; i++) {
		saw_65535 |= s->log[i].h.ns == 65535 && s->log[i].h.length > LTS_CTRL_HDR_LEN;
		saw_0 |= s->log[i].h.ns == 0 && s->log[i].h.length > LTS_CTRL_HDR_LEN;
	}
	assert_true(saw_65535 && saw_0);
	assert_int_equal(s->p[0].x.ns_next, 6);
	assert_int_equal(s->p[1].x.nr, 6);
	assert_int_equal(s->p[1].x.ns_next, 6);
	assert_int_equal(s->p[0].x.nr, 6);
	assert_int_equal(lts_ctrl_xport_pending(&s->p[0].x), 0);
	assert_int_equal(lts_ctrl_xport_pending(&s->p[1].x), 0);
	assert_int_equal(s->p[0].x.ctr.bad_nr + s->p[1].x.ctr.bad_nr, 0);
	sim_free(s);
}

/* 5.8 window: never more in flight than the peer's RWS; the queue drains. */
static void test_window_full(void **state)
{
	static const uint16_t rws[] = { 1, 4 };
	struct sim *s;
	char b[16];
	size_t r;
	int i;

	(void)state;
	for (r = 0; r < ARRAY_SIZE(rws); r++) {
		s = sim_new(NULL, NULL);
		sim_connect(s);
		lts_ctrl_xport_set_peer(&s->p[0].x, 200, rws[r]);
		for (i = 0; i < 12; i++) {
			snprintf(b, sizeof(b), "q%d", i);
			send_str(s, 0, b);
		}
		assert_int_equal(s->p[0].x.n_inflight, 1); /* slow start */
		assert_int_equal(s->p[0].x.n_queued, 11);
		run_until(s, 20000);
		assert_int_equal(s->p[1].n_rx, 12);
		for (i = 0; i < 12; i++) {
			snprintf(b, sizeof(b), "q%d", i);
			assert_string_equal(s->p[1].rx[i].body, b);
		}
		/* op_send asserted n_inflight <= peer_rws at every send */
		assert_int_equal(s->p[0].max_inflight, rws[r]);
		assert_int_equal(s->p[0].x.ctr.retransmits, 0);
		assert_int_equal(lts_ctrl_xport_pending(&s->p[0].x), 0);
		sim_free(s);
	}
}

/* 5.8 backoff and give-up; REFERENCE 2 derived budget. */
static void test_backoff_and_failure(void **state)
{
	static const struct {
		uint32_t rto, cap, retries;
		uint64_t tx[8];
		int n_tx;
		uint64_t failed_at;
	} cases[] = {
		{ 1000, 16000, 5, { 0, 1000, 3000, 7000, 15000, 31000 }, 6, 47000 },
		{ 1000, 8000, 5, { 0, 1000, 3000, 7000, 15000, 23000 }, 6, 31000 },
		{ 1000, 2000, 5, { 0, 1000, 3000, 7000, 15000, 23000 }, 6, 31000 }, /* clamped */
		{ 1000, 16000, 3, { 0, 1000, 3000, 7000 }, 4, 15000 },
		{ 2000, 8000, 4, { 0, 2000, 6000, 14000, 22000 }, 5, 30000 },
		{ 1000, 60000, 7, { 0, 1000, 3000, 7000, 15000, 31000, 63000, 123000 }, 8, 183000 },
	};
	struct lts_ctrl_xport_cfg ca;
	struct sim *s;
	size_t c;
	int i, n;

	(void)state;
	for (c = 0; c < ARRAY_SIZE(cases); c++) {
		ca = quiet_cfg();
		ca.rto_initial_ms = cases[c].rto;
		ca.rto_max_ms = cases[c].cap;
		ca.max_retries = cases[c].retries;
		s = sim_new(&ca, NULL);
		sim_connect(s);
		s->blackhole[A2B] = true;
		send_str(s, 0, "lost");
		run_until(s, 1000000);
		for (i = 0, n = 0; i < s->n_log; i++) {
			if (s->log[i].dir != A2B)
				continue;
			assert_true(n < cases[c].n_tx);
			assert_int_equal(s->log[i].h.ns, 0);
			assert_int_equal(s->log[i].at, cases[c].tx[n++]);
		}
		assert_int_equal(n, cases[c].n_tx);
		assert_int_equal(s->p[0].failed, 1);
		assert_int_equal(s->p[0].failed_at, cases[c].failed_at);
		assert_int_equal(s->p[0].failed_at, lts_ctrl_xport_budget_ms(&ca));
		assert_int_equal(s->p[0].x.ctr.retransmits, cases[c].retries);
		assert_int_equal(s->p[0].closed, 0);
		/* Dead: no more timers, no more input, no more sends. */
		assert_int_equal(lts_ctrl_xport_next_deadline(&s->p[0].x), NEVER);
		assert_int_equal(lts_ctrl_xport_send(&s->p[0].x, 0, (const uint8_t *)"x", 1, s->now),
				 -ESHUTDOWN);
		sim_free(s);
	}
}

/* Appendix A on a lone transport fed one ack at a time. */
static struct {
	int n;
	uint8_t last[64];
} capture;

static int capture_send(void *ctx, const uint8_t *pkt, size_t len)
{
	(void)ctx;
	capture.n++;
	if (len <= sizeof(capture.last))
		memcpy(capture.last, pkt, len);
	return 0;
}

static void null_deliver(void *ctx, const struct lts_ctrl_hdr *h, const uint8_t *body,
			 size_t body_len)
{
	(void)ctx, (void)h, (void)body, (void)body_len;
}

static void feed(struct lts_ctrl_xport *x, uint16_t ns, uint16_t nr, const char *body,
		 uint64_t now)
{
	uint8_t pkt[64];
	struct lts_ctrl_hdr h = { .length = LTS_CTRL_HDR_LEN, .tunnel_id = 100, .ns = ns, .nr = nr };

	if (body) {
		h.length += strlen(body);
		memcpy(pkt + LTS_CTRL_HDR_LEN, body, strlen(body));
	}
	lts_ctrl_hdr_build(pkt, &h);
	assert_int_equal(lts_ctrl_xport_input(x, pkt, h.length, now), 0);
}

static void test_slow_start(void **state)
{
	/* CWND after each single-message ack, ssthresh 8 (the peer's RWS). */
	static const uint32_t grow[] = { 2, 3, 4, 5, 6, 7, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8 };
	/* After a timeout at CWND 8: SSTHRESH 4, then +1 per ack to 4, then
	 * +1 per 4 acks, +1 per 5 acks. */
	static const uint32_t after[] = { 2, 3, 4, 4, 4, 4, 5, 5, 5, 5, 5, 6 };
	const struct lts_ctrl_xport_ops o = { .send = capture_send, .deliver = null_deliver };
	struct lts_ctrl_xport_cfg c = quiet_cfg();
	struct lts_ctrl_xport x;
	uint64_t now = 0;
	uint16_t acked = 0;
	size_t i;

	(void)state;
	c.max_queue = 100;
	assert_int_equal(lts_ctrl_xport_init(&x, &c, &o, NULL, 100, 0), 0);
	lts_ctrl_xport_set_peer(&x, 200, 8);
	assert_int_equal(x.ssthresh, 8);
	for (i = 0; i < 60; i++)
		assert_int_equal(lts_ctrl_xport_send(&x, 0, (const uint8_t *)"msg", 3, now), 0);
	assert_int_equal(x.cwnd, 1);
	assert_int_equal(x.n_inflight, 1);
	for (i = 0; i < ARRAY_SIZE(grow); i++) {
		now += 10;
		feed(&x, 0, ++acked, NULL, now);
		assert_int_equal(x.cwnd, grow[i]);
		assert_true(x.n_inflight <= x.cwnd);
		assert_true(x.n_inflight == x.cwnd); /* the queue refills it */
	}
	/* Timeout of the oldest: halve, restart slow start, resend one. */
	now = x.rto_at;
	capture.n = 0;
	lts_ctrl_xport_tick(&x, now);
	assert_int_equal(capture.n, 1);
	assert_int_equal(x.ssthresh, 4);
	assert_int_equal(x.cwnd, 1);
	assert_int_equal(x.rto_ms, 2000);
	for (i = 0; i < ARRAY_SIZE(after); i++) {
		now += 10;
		feed(&x, 0, ++acked, NULL, now);
		assert_int_equal(x.cwnd, after[i]);
		assert_true((uint16_t)(x.tx_next - (uint16_t)(x.ns_next - x.n_inflight)) <= x.cwnd);
	}
	/* Progress reset the backoff. */
	assert_int_equal(x.rto_ms, 1000);
	assert_int_equal(x.retries, 0);
	lts_ctrl_xport_fini(&x);
}

/* 5.8: never a ZLB in answer to a ZLB. */
static void test_no_zlb_for_zlb(void **state)
{
	struct sim *s = sim_new(NULL, NULL);

	(void)state;
	sim_connect(s);
	send_str(s, 0, "a0");
	run_until(s, 600000);
	assert_int_equal(s->n_log, 2); /* a0 and B's ZLB, nothing else */
	assert_int_equal(count_wire(s, B2A, true), 1);
	assert_int_equal(s->p[0].x.ctr.zlb_rx, 1);
	assert_int_equal(s->p[0].x.ctr.zlb_tx, 0);
	/* The ZLB's Ns is B's next Ns, which it did not consume. */
	assert_int_equal(s->log[1].h.ns, 0);
	assert_int_equal(s->log[1].h.nr, 1);
	assert_int_equal(s->p[1].x.ns_next, 0);
	assert_int_equal(s->log[1].at, LATENCY + LTS_CTRL_ACK_DELAY_MS);
	sim_free(s);
}

/* A reply within the ack delay carries Nr: no ZLB from B. */
static void test_piggyback(void **state)
{
	struct sim *s;

	(void)state;
	/* Reply from inside deliver() */
	s = sim_new(NULL, NULL);
	sim_connect(s);
	s->p[1].auto_reply = true;
	send_str(s, 0, "a0");
	run_until(s, 10000);
	assert_int_equal(s->n_log, 3); /* a0, re:a0 (acks a0), A's ZLB */
	assert_int_equal(s->p[1].x.ctr.zlb_tx, 0);
	assert_int_equal(s->log[1].dir, B2A);
	assert_int_equal(s->log[1].h.nr, 1);
	assert_int_equal(s->log[1].at, LATENCY);
	assert_int_equal(s->p[0].x.ctr.zlb_tx, 1);
	assert_string_equal(s->p[0].rx[0].body, "re:a0");
	sim_free(s);

	/* Reply 50 ms later, still inside the 100 ms ack delay */
	s = sim_new(NULL, NULL);
	sim_connect(s);
	send_str(s, 0, "a0");
	run_until(s, 60);
	send_str(s, 1, "late");
	run_until(s, 10000);
	assert_int_equal(s->n_log, 3);
	assert_int_equal(s->p[1].x.ctr.zlb_tx, 0);
	assert_int_equal(s->log[1].h.nr, 1);
	sim_free(s);
}

static void test_ack_delay_zero(void **state)
{
	struct lts_ctrl_xport_cfg cb = quiet_cfg();
	struct sim *s;

	(void)state;
	cb.ack_delay_ms = 0;
	s = sim_new(NULL, &cb);
	sim_connect(s);
	send_str(s, 0, "a0");
	run_until(s, 1000);
	assert_int_equal(s->n_log, 2);
	assert_int_equal(s->log[1].at, LATENCY); /* ZLB at once */
	sim_free(s);
}

/* An SCCRQ goes out before the peer's tunnel ID is known: tunnel ID 0. */
static void test_before_peer_known(void **state)
{
	struct sim *s = sim_new(NULL, NULL);

	(void)state;
	s->p[1].auto_reply = true;
	send_str(s, 0, "SCCRQ");
	assert_int_equal(s->log[0].h.tunnel_id, 0);
	run_until(s, 5);
	lts_ctrl_xport_set_peer(&s->p[1].x, 100, 0); /* B learned A's ID */
	run_until(s, 100);
	lts_ctrl_xport_set_peer(&s->p[0].x, 200, 0);
	send_str(s, 0, "SCCCN");
	run_until(s, 5000);
	assert_int_equal(s->log[1].h.tunnel_id, 100); /* B's reply */
	assert_int_equal(s->log[s->n_log - 1].h.tunnel_id, 200);
	assert_int_equal(s->p[0].x.peer_rws, 4); /* no RWS AVP: 4 */
	assert_int_equal(s->p[1].n_rx, 2);
	sim_free(s);
}

/* 5.5: Hello after the idle interval, unless data flowed. */
static void test_hello(void **state)
{
	struct lts_ctrl_xport_cfg ca = quiet_cfg();
	struct sim *s;

	(void)state;
	ca.hello_interval_ms = 60000;
	ca.hello_body = HELLO;
	ca.hello_len = sizeof(HELLO);
	s = sim_new(&ca, NULL);
	sim_connect(s);
	run_until(s, 59999);
	assert_int_equal(s->n_log, 0);
	run_until(s, 60000);
	assert_int_equal(s->n_log, 1);
	assert_int_equal(s->p[0].x.ctr.hello_tx, 1);
	assert_int_equal(s->log[0].h.session_id, 0);
	run_until(s, 61000);
	assert_int_equal(s->p[1].n_rx, 1);
	assert_memory_equal(s->p[1].rx[0].body, HELLO, sizeof(HELLO));
	assert_int_equal(lts_ctrl_xport_pending(&s->p[0].x), 0);
	/* The ZLB ack at 60120 was the last thing received. */
	run_until(s, 120119);
	assert_int_equal(s->p[0].x.ctr.hello_tx, 1);
	run_until(s, 120120);
	assert_int_equal(s->p[0].x.ctr.hello_tx, 2);
	sim_free(s);

	/* Data seen by the data plane at 50 s: no Hello at 60 s, one at 110 s. */
	s = sim_new(&ca, NULL);
	sim_connect(s);
	run_until(s, 50000);
	s->p[0].data_rx = 50000;
	run_until(s, 109999);
	assert_int_equal(s->n_log, 0);
	run_until(s, 110000);
	assert_int_equal(s->p[0].x.ctr.hello_tx, 1);
	assert_int_equal(s->log[0].at, 110000);
	/* Control received resets it too (6.5). */
	run_until(s, 150000);
	send_str(s, 1, "b0");
	run_until(s, 210009);
	assert_int_equal(s->p[0].x.ctr.hello_tx, 1);
	run_until(s, 210010);
	assert_int_equal(s->p[0].x.ctr.hello_tx, 2);
	sim_free(s);
}

/* 5.5: an unacknowledged Hello brings the tunnel down. */
static void test_hello_unanswered(void **state)
{
	struct lts_ctrl_xport_cfg ca = quiet_cfg();
	struct sim *s;

	(void)state;
	ca.hello_interval_ms = 60000;
	ca.hello_body = HELLO;
	ca.hello_len = sizeof(HELLO);
	s = sim_new(&ca, NULL);
	sim_connect(s);
	s->blackhole[A2B] = true;
	run_until(s, 1000000);
	assert_int_equal(s->p[0].x.ctr.hello_tx, 1);
	assert_int_equal(s->p[0].x.ctr.retransmits, 5);
	assert_int_equal(s->p[0].failed, 1);
	assert_int_equal(s->p[0].failed_at, 60000 + 47000);
	sim_free(s);
}

/* No Hello before the peer is known or while something is in flight. */
static void test_hello_not_while_busy(void **state)
{
	struct lts_ctrl_xport_cfg ca = quiet_cfg();
	struct sim *s;

	(void)state;
	ca.hello_interval_ms = 60000;
	ca.hello_body = HELLO;
	ca.hello_len = sizeof(HELLO);
	s = sim_new(&ca, NULL);
	run_until(s, 100000); /* peer unknown */
	assert_int_equal(s->n_log, 0);
	sim_connect(s);
	s->blackhole[A2B] = true;
	send_str(s, 0, "busy");
	run_until(s, s->now + 46999); /* retransmitting, no Hello */
	assert_int_equal(s->p[0].x.ctr.hello_tx, 0);
	assert_int_equal(s->p[0].failed, 0);
	run_until(s, s->now + 1);
	assert_int_equal(s->p[0].failed, 1);
	sim_free(s);
}

/* 5.8 teardown: the closing side still acks a retransmitted StopCCN. */
static void test_close_retention(void **state)
{
	const struct lts_ctrl_hdr zh = { .length = LTS_CTRL_HDR_LEN, .tunnel_id = 200 };
	struct sim *s = sim_new(NULL, NULL);
	uint8_t zlb[LTS_CTRL_HDR_LEN];

	(void)state;
	lts_ctrl_hdr_build(zlb, &zh);
	sim_connect(s);
	s->p[1].close_on_stop = true;
	rule(s, B2A, 0, DROP, 0);
	rule(s, B2A, 1, DROP, 0);
	send_str(s, 0, "STOP");
	lts_ctrl_xport_close(&s->p[0].x, 0);
	assert_int_equal(lts_ctrl_xport_send(&s->p[0].x, 0, (const uint8_t *)"x", 1, 0),
			 -ESHUTDOWN);
	run_until(s, 46999);
	/* B delivered STOP once and re-acked the two retransmissions. */
	assert_int_equal(s->p[1].n_rx, 1);
	assert_int_equal(s->p[1].x.state, LTS_CTRL_XPORT_CLOSING);
	assert_int_equal(s->p[1].x.ctr.duplicates, 2);
	assert_int_equal(s->p[1].x.ctr.zlb_tx, 3);
	assert_int_equal(s->p[0].x.ctr.retransmits, 2);
	assert_int_equal(lts_ctrl_xport_pending(&s->p[0].x), 0);
	assert_int_equal(s->p[0].closed + s->p[1].closed, 0);
	run_until(s, 47000);
	assert_int_equal(s->p[0].closed, 1);
	assert_int_equal(s->p[0].closed_at, 47000);
	assert_int_equal(s->p[1].closed, 0);
	run_until(s, 100000);
	assert_int_equal(s->p[1].closed, 1);
	assert_int_equal(s->p[1].closed_at, LATENCY + 47000);
	assert_int_equal(s->p[0].failed + s->p[1].failed, 0);
	assert_int_equal(lts_ctrl_xport_input(&s->p[1].x, zlb, sizeof(zlb), s->now), -ESHUTDOWN);
	sim_free(s);
}

/* StopCCN never acknowledged: give up quietly, closed() but not failed(). */
static void test_close_peer_gone(void **state)
{
	struct sim *s = sim_new(NULL, NULL);

	(void)state;
	sim_connect(s);
	s->blackhole[A2B] = true;
	send_str(s, 0, "STOP");
	lts_ctrl_xport_close(&s->p[0].x, 0);
	run_until(s, 1000000);
	assert_int_equal(s->p[0].x.ctr.retransmits, 5);
	assert_int_equal(s->p[0].failed, 0);
	assert_int_equal(s->p[0].closed, 1);
	assert_int_equal(s->p[0].closed_at, 47000);
	sim_free(s);
}

static void test_send_errors(void **state)
{
	static uint8_t big[LTS_CTRL_BODY_MAX + 1];
	struct lts_ctrl_xport_cfg c = quiet_cfg();
	struct sim *s;
	int i;

	(void)state;
	c.max_queue = 4;
	s = sim_new(&c, NULL);
	sim_connect(s);
	assert_int_equal(lts_ctrl_xport_send(&s->p[0].x, 0, NULL, 0, 0), -EINVAL);
	assert_int_equal(lts_ctrl_xport_send(&s->p[0].x, 0, big, 0, 0), -EINVAL);
	assert_int_equal(lts_ctrl_xport_send(&s->p[0].x, 0, big, sizeof(big), 0), -EMSGSIZE);
	for (i = 0; i < 4; i++)
		send_str(s, 0, "fill");
	assert_int_equal(lts_ctrl_xport_send(&s->p[0].x, 0, (const uint8_t *)"x", 1, 0), -ENOBUFS);
	assert_int_equal(s->p[0].x.ctr.queue_full, 1);
	run_until(s, 5000);
	assert_int_equal(s->p[1].n_rx, 4);
	send_str(s, 0, "room again");
	sim_free(s);
}

/* Malformed and hostile input: rejected or ignored, counted, never a crash. */
static void test_bad_input(void **state)
{
	const struct lts_ctrl_xport_ops o = { .send = capture_send, .deliver = null_deliver };
	struct lts_ctrl_xport_cfg c = quiet_cfg();
	struct lts_ctrl_xport x;
	uint8_t pkt[64];
	uint32_t rnd = 0x12345678;
	struct lts_ctrl_hdr h;
	size_t i, len;

	(void)state;
	assert_int_equal(lts_ctrl_xport_init(&x, &c, &o, NULL, 100, 0), 0);
	lts_ctrl_xport_set_peer(&x, 200, 4);
	assert_int_equal(lts_ctrl_xport_input(&x, (const uint8_t *)"\xc8", 1, 0), -EINVAL);
	assert_int_equal(lts_ctrl_xport_input(&x, hdr_cases[8].pkt, 12, 0), -EPROTO);
	assert_int_equal(x.ctr.malformed, 2);

	/* Nr acknowledging messages never sent: ignored and counted, the
	 * message itself is still fine. */
	feed(&x, 0, 5, "m0", 10);
	assert_int_equal(x.ctr.bad_nr, 1);
	assert_int_equal(x.ctr.delivered, 1);
	assert_int_equal(x.ns_next, 0);
	/* Ns far ahead: dropped but acked. */
	feed(&x, 1000, 0, "far", 20);
	assert_int_equal(x.ctr.out_of_window, 1);
	assert_int_equal(x.nr, 1);
	/* Ns behind: duplicate, acked. */
	feed(&x, 0, 0, "m0", 30);
	assert_int_equal(x.ctr.duplicates, 1);
	assert_int_equal(x.ctr.delivered, 1);
	capture.n = 0;
	assert_int_equal(lts_ctrl_xport_next_deadline(&x), 10 + LTS_CTRL_ACK_DELAY_MS);
	lts_ctrl_xport_tick(&x, 110);
	assert_int_equal(capture.n, 1);
	assert_int_equal(lts_ctrl_hdr_parse(capture.last, LTS_CTRL_HDR_LEN, &h), 0);
	assert_int_equal(h.length, LTS_CTRL_HDR_LEN);
	assert_int_equal(h.nr, 1);
	assert_int_equal(h.tunnel_id, 200);
	/* A message with padding after Length: the body ends at Length. */
	h = (struct lts_ctrl_hdr){ .length = 14, .ns = 1 };
	lts_ctrl_hdr_build(pkt, &h);
	memcpy(pkt + 12, "okXXXX", 6);
	assert_int_equal(lts_ctrl_xport_input(&x, pkt, 18, 200), 0);
	assert_int_equal(x.ctr.delivered, 2);

	/* Random headers with valid flags, random lengths, Ns, Nr. */
	for (i = 0; i < 20000; i++) {
		size_t k;

		for (k = 0; k < sizeof(pkt); k++) {
			rnd ^= rnd << 13, rnd ^= rnd >> 17, rnd ^= rnd << 5;
			pkt[k] = rnd & 0xff;
		}
		if (i & 1) {
			pkt[0] = 0xc8;
			pkt[1] = 0x02;
		}
		len = rnd % sizeof(pkt);
		if (i & 2) {
			pkt[2] = 0;
			pkt[3] = len;
		}
		lts_ctrl_xport_input(&x, pkt, len, 300 + i);
		if (i % 100 == 0)
			lts_ctrl_xport_send(&x, 0, (const uint8_t *)"out", 3, 300 + i);
		if (lts_ctrl_xport_next_deadline(&x) <= 300 + i)
			lts_ctrl_xport_tick(&x, 300 + i);
	}
	assert_true(x.ctr.malformed > 0);
	assert_true(x.ctr.bad_nr > 1);
	lts_ctrl_xport_fini(&x);
}

/* ---- out-of-order budgets (issue 9) ---------------------------------- */

/* "o1".."o3", "h1".. : every test message below is 14 octets on the wire. */
#define OOO_LEN (LTS_CTRL_HDR_LEN + 2)

/* Transmissions of one Ns (messages, not ZLBs) in a direction. */
static int count_ns(const struct sim *s, int dir, uint16_t ns)
{
	int i, n = 0;

	for (i = 0; i < s->n_log; i++)
		if (s->log[i].dir == dir && s->log[i].h.ns == ns &&
		    s->log[i].h.length > LTS_CTRL_HDR_LEN)
			n++;
	return n;
}

/*
 * o1 is late, o2 and o3 arrive first. RFC 2661 5.8 lets the receiver
 * discard out-of-order messages: what the budgets do not allow B to hold is
 * dropped, acknowledged, and delivered in order after A retransmits it.
 */
static void test_ooo_budget_table(void **state)
{
	static const struct {
		const char *name;
		uint32_t budget;
		size_t pool_max; /* 0: no pool */
		uint32_t held; /* of o2, o3, in that order */
		uint64_t dropped, pool_full;
	} cases[] = {
		{ "default budget", LTS_CTRL_OOO_BUDGET_DEFAULT, 0, 2, 0, 0 },
		{ "budget 0 (unestablished)", 0, 0, 0, 2, 0 },
		{ "budget below one message", OOO_LEN - 1, 0, 0, 2, 0 },
		{ "budget below two messages", 2 * OOO_LEN - 1, 0, 1, 1, 0 },
		{ "budget of exactly two", 2 * OOO_LEN, 0, 2, 0, 0 },
		{ "pool below two messages", LTS_CTRL_OOO_BUDGET_DEFAULT, 2 * OOO_LEN - 1, 1, 0, 1 },
		{ "empty pool", LTS_CTRL_OOO_BUDGET_DEFAULT, 1, 0, 0, 2 },
	};
	static const char *const want[] = { "o1", "o2", "o3" };
	struct lts_ctrl_xport_pool pool;
	struct lts_ctrl_xport_cfg cb;
	struct lts_ctrl_xport *b;
	struct sim *s;
	uint16_t ns0;
	size_t c;
	int base;

	(void)state;
	for (c = 0; c < ARRAY_SIZE(cases); c++) {
		print_message("  %s\n", cases[c].name);
		cb = quiet_cfg();
		cb.ooo_budget = cases[c].budget;
		pool = (struct lts_ctrl_xport_pool){ .max = cases[c].pool_max };
		cb.ooo_pool = cases[c].pool_max ? &pool : NULL;
		s = sim_new(NULL, &cb);
		s->pool = cb.ooo_pool;
		b = &s->p[1].x;
		sim_connect(s);
		warm_up(s, 0, 4);
		base = s->p[1].n_rx;
		ns0 = s->p[0].x.ns_next;
		rule(s, A2B, 0, DELAY, 50);
		send_str(s, 0, "o1");
		send_str(s, 0, "o2");
		send_str(s, 0, "o3");
		run_until(s, s->now + 30);
		assert_int_equal(s->p[1].n_rx, base);
		assert_int_equal(b->n_held, cases[c].held);
		assert_int_equal(b->held_bytes, cases[c].held * OOO_LEN);
		if (cb.ooo_pool)
			assert_int_equal(pool.used, cases[c].held * OOO_LEN);
		assert_int_equal(b->ctr.reordered, cases[c].held);
		assert_int_equal(b->ctr.ooo_dropped, cases[c].dropped);
		assert_int_equal(b->ctr.ooo_pool_full, cases[c].pool_full);
		/* A held message is acked when delivered; a dropped one is
		 * acked now, like one beyond the window. */
		assert_int_equal(lts_ctrl_xport_next_deadline(b) != NEVER, cases[c].held < 2);

		run_until(s, s->now + 10000);
		assert_int_equal(s->p[1].n_rx, base + 3);
		assert_delivered(&s->p[1], base, want, 3);
		/* What was not held came again, once, from A's retransmission. */
		assert_int_equal(count_ns(s, A2B, ns0), 1);
		assert_int_equal(count_ns(s, A2B, ns0 + 1), cases[c].held >= 1 ? 1 : 2);
		assert_int_equal(count_ns(s, A2B, ns0 + 2), cases[c].held >= 2 ? 1 : 2);
		assert_int_equal(s->p[0].x.ctr.retransmits, 2 - cases[c].held);
		assert_int_equal(b->ctr.duplicates, 0);
		assert_int_equal(lts_ctrl_xport_pending(&s->p[0].x), 0);
		/* Delivered is freed: nothing held, the pool is back to 0. */
		assert_null(b->held);
		assert_int_equal(b->held_bytes, 0);
		assert_int_equal(pool.used, 0);
		sim_free(s);
	}
}

/*
 * Both transports hold out-of-order messages from one pool of three
 * messages: it is never exceeded (check_pool() after every datagram), the
 * third holder is refused, and fini() gives everything back.
 */
static void test_ooo_pool_shared(void **state)
{
	static const struct {
		const char *name;
		enum fate first; /* of a1 and b1 */
	} cases[] = {
		{ "gap filled: delivered and returned", DELAY },
		{ "gap never filled: returned by fini", DROP },
	};
	static const char *const want_a[] = { "b1", "b2", "b3" };
	static const char *const want_b[] = { "a1", "a2", "a3" };
	struct lts_ctrl_xport_pool pool;
	struct lts_ctrl_xport_cfg c = quiet_cfg();
	struct sim *s;
	int base_a, base_b;
	size_t k;

	(void)state;
	for (k = 0; k < ARRAY_SIZE(cases); k++) {
		print_message("  %s\n", cases[k].name);
		pool = (struct lts_ctrl_xport_pool){ .max = 3 * OOO_LEN };
		c.ooo_pool = &pool;
		s = sim_new(&c, &c);
		s->pool = &pool;
		sim_connect(s);
		warm_up(s, 0, 4);
		warm_up(s, 1, 4);
		base_a = s->p[0].n_rx;
		base_b = s->p[1].n_rx;
		rule(s, A2B, 0, cases[k].first, 50);
		rule(s, B2A, 0, cases[k].first, 50);
		send_str(s, 0, "a1");
		send_str(s, 0, "a2");
		send_str(s, 0, "a3");
		send_str(s, 1, "b1");
		send_str(s, 1, "b2");
		send_str(s, 1, "b3");
		run_until(s, s->now + 30);
		/* a2, a3 reached B first and took 2/3; b2 took the rest. */
		assert_int_equal(pool.used, pool.max);
		assert_int_equal(s->p[1].x.n_held, 2);
		assert_int_equal(s->p[0].x.n_held, 1);
		assert_int_equal(s->p[0].x.ctr.ooo_pool_full, 1);
		assert_int_equal(s->p[1].x.ctr.ooo_pool_full, 0);
		assert_int_equal(s->p[0].x.ctr.ooo_dropped + s->p[1].x.ctr.ooo_dropped, 0);
		if (cases[k].first == DROP) {
			lts_ctrl_xport_fini(&s->p[0].x);
			assert_int_equal(pool.used, s->p[1].x.held_bytes);
			assert_int_equal(pool.used, 2 * OOO_LEN);
			lts_ctrl_xport_fini(&s->p[1].x);
			assert_int_equal(pool.used, 0);
			s->pool = NULL;
			sim_free(s); /* fini again: nothing left */
			assert_int_equal(pool.used, 0);
			continue;
		}
		run_until(s, s->now + 10000);
		assert_delivered(&s->p[0], base_a, want_a, 3);
		assert_delivered(&s->p[1], base_b, want_b, 3);
		assert_int_equal(s->p[0].n_rx, base_a + 3);
		assert_int_equal(s->p[1].n_rx, base_b + 3);
		assert_int_equal(pool.used, 0);
		sim_free(s);
		assert_int_equal(pool.used, 0);
	}
}

/* A lone receiver: Ns 1..n held ahead of Nr 0, 14 octets each. */
static void hold_ahead(struct lts_ctrl_xport *x, int n)
{
	char b[8];
	int i;

	for (i = 1; i <= n; i++) {
		snprintf(b, sizeof(b), "h%d", i);
		feed(x, i, 0, b, 10 * i);
	}
	assert_int_equal(x->n_held, n);
	assert_int_equal(x->held_bytes, n * OOO_LEN);
}

/* Lowering the budget frees the held messages farthest from Nr. */
static void test_ooo_budget_lowered(void **state)
{
	static const struct {
		uint32_t budget;
		uint32_t kept; /* of Ns 1..5, nearest first */
	} cases[] = {
		{ LTS_CTRL_OOO_BUDGET_DEFAULT, 5 },
		{ 5 * OOO_LEN, 5 },
		{ 5 * OOO_LEN - 1, 4 },
		{ 2 * OOO_LEN + 2, 2 },
		{ OOO_LEN, 1 },
		{ OOO_LEN - 1, 0 },
		{ 0, 0 },
	};
	const struct lts_ctrl_xport_ops o = { .send = capture_send, .deliver = null_deliver };
	struct lts_ctrl_xport_pool pool = { .max = LTS_CTRL_OOO_POOL_DEFAULT };
	struct lts_ctrl_xport_cfg c = quiet_cfg();
	struct lts_ctrl_xport x;
	size_t i;

	(void)state;
	c.ooo_pool = &pool;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		print_message("  budget %u\n", cases[i].budget);
		assert_int_equal(lts_ctrl_xport_init(&x, &c, &o, NULL, 100, 0), 0);
		lts_ctrl_xport_set_peer(&x, 200, 4);
		hold_ahead(&x, 5);
		assert_int_equal(pool.used, 5 * OOO_LEN);
		lts_ctrl_xport_set_ooo_budget(&x, cases[i].budget);
		assert_int_equal(x.cfg.ooo_budget, cases[i].budget);
		assert_int_equal(x.n_held, cases[i].kept);
		assert_int_equal(x.held_bytes, cases[i].kept * OOO_LEN);
		assert_int_equal(pool.used, cases[i].kept * OOO_LEN);
		assert_int_equal(x.ctr.ooo_released, 5 - cases[i].kept);
		/* The gap fills: what was kept follows Ns 0 up at once, so it
		 * was the nearest (Ns 1..kept). */
		feed(&x, 0, 0, "h0", 100);
		assert_int_equal(x.ctr.delivered, 1 + cases[i].kept);
		assert_int_equal(x.nr, 1 + cases[i].kept);
		assert_int_equal(x.held_bytes, 0);
		assert_int_equal(pool.used, 0);
		/* From now on the lowered budget applies. */
		feed(&x, x.nr + 1, 0, "zz", 110);
		assert_int_equal(x.n_held, cases[i].budget >= OOO_LEN);
		assert_int_equal(x.ctr.ooo_dropped, cases[i].budget < OOO_LEN);
		lts_ctrl_xport_fini(&x);
		assert_int_equal(pool.used, 0);
	}
	/* Raising it again holds again. */
	c.ooo_budget = 0;
	assert_int_equal(lts_ctrl_xport_init(&x, &c, &o, NULL, 100, 0), 0);
	feed(&x, 1, 0, "h1", 10);
	assert_int_equal(x.n_held, 0);
	assert_int_equal(x.ctr.ooo_dropped, 1);
	lts_ctrl_xport_set_ooo_budget(&x, LTS_CTRL_OOO_BUDGET_DEFAULT);
	hold_ahead(&x, 3);
	lts_ctrl_xport_fini(&x);
	assert_int_equal(pool.used, 0);
}

/* The owner changes the budget from inside deliver(), as the tunnel FSM
 * does when an SCCCN establishes the tunnel or a StopCCN arrives. */
struct budget_hook {
	struct lts_ctrl_xport *x;
	const char *on; /* body that triggers the change */
	uint32_t budget;
	char got[8][4];
	int n;
};

static void budget_deliver(void *ctx, const struct lts_ctrl_hdr *h, const uint8_t *body,
			   size_t body_len)
{
	struct budget_hook *k = ctx;

	(void)h;
	assert_true(k->n < (int)ARRAY_SIZE(k->got) && body_len < sizeof(k->got[0]));
	memcpy(k->got[k->n], body, body_len);
	k->got[k->n][body_len] = '\0';
	if (!strcmp(k->got[k->n++], k->on))
		lts_ctrl_xport_set_ooo_budget(k->x, k->budget);
}

static void test_ooo_budget_from_deliver(void **state)
{
	const struct lts_ctrl_xport_ops o = { .send = capture_send, .deliver = budget_deliver };
	struct lts_ctrl_xport_pool pool = { .max = LTS_CTRL_OOO_POOL_DEFAULT };
	struct lts_ctrl_xport_cfg c = quiet_cfg();
	struct lts_ctrl_xport x;
	struct budget_hook k = { .x = &x, .on = "h1", .budget = 0 };

	(void)state;
	c.ooo_pool = &pool;
	/* Lowered to 0 while held messages are being drained. */
	assert_int_equal(lts_ctrl_xport_init(&x, &c, &o, &k, 100, 0), 0);
	hold_ahead(&x, 3);
	feed(&x, 0, 0, "h0", 100);
	assert_int_equal(k.n, 2); /* h0, then h1 lowered it: h2, h3 freed */
	assert_string_equal(k.got[1], "h1");
	assert_int_equal(x.nr, 2);
	assert_int_equal(x.ctr.ooo_released, 2);
	assert_null(x.held);
	assert_int_equal(pool.used, 0);
	feed(&x, 2, 0, "h2", 110); /* retransmitted, in order */
	feed(&x, 3, 0, "h3", 120);
	assert_int_equal(k.n, 4);
	assert_string_equal(k.got[3], "h3");
	lts_ctrl_xport_fini(&x);

	/* Raised when the tunnel is established. */
	c.ooo_budget = 0;
	k = (struct budget_hook){ .x = &x, .on = "ok", .budget = LTS_CTRL_OOO_BUDGET_DEFAULT };
	assert_int_equal(lts_ctrl_xport_init(&x, &c, &o, &k, 100, 0), 0);
	feed(&x, 1, 0, "n1", 10);
	assert_int_equal(x.n_held, 0);
	feed(&x, 0, 0, "ok", 20);
	feed(&x, 2, 0, "n2", 30);
	assert_int_equal(x.n_held, 1);
	assert_int_equal(pool.used, OOO_LEN);
	lts_ctrl_xport_fini(&x);
	assert_int_equal(pool.used, 0);
}

/*
 * A restart (lts_ctrl_xport_resume): A dies with a0 and a1 in flight; a new
 * transport resumes from the persisted state (una, una + 2, nr). Each
 * lost Ns goes out again as a Hello. Whether or not B had received a0 and
 * a1, B then takes a2 at Ns una + 2 in order and both sides end with nothing
 * pending; no Ns is ever skipped or reused for another message B delivers.
 */
static void resume_case(bool peer_had_them)
{
	struct lts_ctrl_xport_cfg c = quiet_cfg();
	struct sim *s;
	int i, hellos = 0;
	uint16_t base, nr;

	c.hello_body = HELLO;
	c.hello_len = sizeof(HELLO);
	s = sim_new(&c, NULL);
	sim_connect(s);
	warm_up(s, 0, 4);
	base = s->p[0].x.ns_next;
	nr = s->p[0].x.nr;
	if (!peer_had_them)
		s->blackhole[A2B] = true;
	send_str(s, 0, "a0");
	send_str(s, 0, "a1");
	/* They reach B (or not), B's acknowledgement is still on its way. */
	run_until(s, s->now + LATENCY + 1);
	/* The old process is gone: what it had in flight with it. */
	lts_ctrl_xport_fini(&s->p[0].x);
	s->nq = 0;
	s->blackhole[A2B] = false;
	assert_int_equal(lts_ctrl_xport_init(&s->p[0].x, &c, &ops, &s->p[0], 100, s->now), 0);
	assert_int_equal(lts_ctrl_xport_resume(&s->p[0].x, 200, s->p[1].x.cfg.rws, base,
					       (uint16_t)(base + 2), nr, s->now),
			 0);
	send_str(s, 0, "a2");
	run_until(s, s->now + 10000);
	assert_int_equal(lts_ctrl_xport_pending(&s->p[0].x), 0);
	assert_int_equal(s->p[0].x.ns_next, base + 3);
	assert_int_equal(s->p[1].x.nr, base + 3);
	assert_string_equal(s->p[1].rx[s->p[1].n_rx - 1].body, "a2");
	assert_int_equal(s->p[1].rx[s->p[1].n_rx - 1].h.ns, base + 2);
	for (i = 0; i < s->p[1].n_rx; i++)
		hellos += s->p[1].rx[i].body[0] == (char)HELLO[0];
	/* B delivered either a0, a1 (the Hellos were duplicates) or the two Hellos. */
	assert_int_equal(hellos, peer_had_them ? 0 : 2);
	/* At least one filler reached B as a duplicate before B's ack freed the rest. */
	if (peer_had_them)
		assert_true(s->p[1].x.ctr.duplicates >= 1);
	assert_int_equal(s->p[0].x.ctr.tx_errors, 0);
	sim_free(s);
}

static void test_resume_peer_had_them(void **state)
{
	(void)state;
	resume_case(true);
}

static void test_resume_peer_lost_them(void **state)
{
	(void)state;
	resume_case(false);
}

/* A reload retunes the timers of a running transport, never its window. */
static void test_retune(void **state)
{
	struct lts_ctrl_xport_cfg c = quiet_cfg(), n = quiet_cfg();
	struct sim *s = sim_new(&c, NULL);

	(void)state;
	n.rto_initial_ms = 300;
	n.rto_max_ms = 100; /* raised to the 8 s floor, as init does */
	n.max_retries = 2;
	n.hello_interval_ms = 5000;
	n.rws = 99;
	assert_int_equal(lts_ctrl_xport_retune(&s->p[0].x, &n), 0);
	assert_int_equal(s->p[0].x.cfg.rto_initial_ms, 300);
	assert_int_equal(s->p[0].x.cfg.rto_max_ms, LTS_CTRL_RTO_CAP_MIN_MS);
	assert_int_equal(s->p[0].x.cfg.max_retries, 2);
	assert_int_equal(s->p[0].x.cfg.hello_interval_ms, 5000);
	assert_int_equal(s->p[0].x.cfg.rws, c.rws);
	n.max_retries = 0; /* invalid: nothing changes */
	assert_int_equal(lts_ctrl_xport_retune(&s->p[0].x, &n), -EINVAL);
	assert_int_equal(s->p[0].x.cfg.max_retries, 2);
	sim_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hdr_parse_table),
		cmocka_unit_test(test_hdr_build),
		cmocka_unit_test(test_seq_before),
		cmocka_unit_test(test_budget_table),
		cmocka_unit_test(test_init_cfg),
		cmocka_unit_test(test_in_order),
		cmocka_unit_test(test_lost_message),
		cmocka_unit_test(test_lost_zlb),
		cmocka_unit_test(test_duplicated_by_network),
		cmocka_unit_test(test_reorder_within_window),
		cmocka_unit_test(test_reorder_beyond_window),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_window_full),
		cmocka_unit_test(test_backoff_and_failure),
		cmocka_unit_test(test_slow_start),
		cmocka_unit_test(test_no_zlb_for_zlb),
		cmocka_unit_test(test_piggyback),
		cmocka_unit_test(test_ack_delay_zero),
		cmocka_unit_test(test_before_peer_known),
		cmocka_unit_test(test_hello),
		cmocka_unit_test(test_resume_peer_had_them),
		cmocka_unit_test(test_resume_peer_lost_them),
		cmocka_unit_test(test_retune),
		cmocka_unit_test(test_hello_unanswered),
		cmocka_unit_test(test_hello_not_while_busy),
		cmocka_unit_test(test_close_retention),
		cmocka_unit_test(test_close_peer_gone),
		cmocka_unit_test(test_send_errors),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_ooo_budget_table),
		cmocka_unit_test(test_ooo_pool_shared),
		cmocka_unit_test(test_ooo_budget_lowered),
		cmocka_unit_test(test_ooo_budget_from_deliver),
	};

	return cmocka_run_group_tests_name("ctrl_transport", tests, NULL, NULL);
}
