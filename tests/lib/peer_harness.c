// SPDX-License-Identifier: GPL-2.0
/*
 * The fake L2TP peer shared by the control-plane tests (peer_harness.h).
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <md5.h>

#include "lib/util.h"
#include "peer_harness.h"

static ph_fail_fn *fail_fn;

void ph_set_fail(ph_fail_fn *fn)
{
	fail_fn = fn;
}

void ph_fail(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (fail_fn)
		fail_fn(msg);
	/* No callback, or one that returned: a failed check never goes on. */
	fprintf(stderr, "peer harness: %s\n", msg);
	abort();
}

struct lts_config *ph_config(const char *name, const char *yaml)
{
	char err[LTS_CFG_ERR_MAX];
	struct lts_config *cfg;

	if (lts_config_load_string(name, yaml, strlen(yaml), &cfg, err, sizeof(err)))
		ph_fail("config: %s", err);
	return cfg;
}

void ph_ip(struct lts_ip *ip, const char *text)
{
	memset(ip, 0, sizeof(*ip));
	if (inet_pton(AF_INET, text, ip->addr) == 1) {
		ip->family = LTS_FAMILY_IPV4;
		return;
	}
	if (inet_pton(AF_INET6, text, ip->addr) != 1)
		ph_fail("not an address: \"%s\"", text);
	ip->family = LTS_FAMILY_IPV6;
}

void ph_ep(struct lts_ctrl_endpoint *ep, const char *peer, uint16_t peer_port, const char *local,
	   uint16_t local_port)
{
	ph_ip(&ep->peer, peer);
	ep->peer_port = peer_port;
	ph_ip(&ep->local, local);
	ep->local_port = local_port;
}

/* ------------------------------------------------------------------ */
/* Messages the peer sends                                              */
/* ------------------------------------------------------------------ */

static int counter_random(void *ctx, void *buf, size_t len)
{
	uint8_t *seed = ctx, *p = buf;

	while (len--)
		*p++ = (uint8_t)((*seed)++ * 37 + 11);
	return 0;
}

void ph_msg_begin(struct ph_msg *b, struct ph_peer *p, uint16_t type)
{
	memset(&b->o, 0, sizeof(b->o));
	if (p->secret) {
		b->o.secret = (const uint8_t *)p->secret;
		b->o.secret_len = strlen(p->secret);
	}
	b->o.hide = p->hide;
	b->o.random = p->random ? p->random : counter_random;
	b->o.random_ctx = p->random ? p->random_ctx : &p->seed;
	lts_avpw_init(&b->w, b->buf, sizeof(b->buf), &b->o);
	lts_avpw_add_u16(&b->w, LTS_AVP_MSG_TYPE, type);
}

void ph_chap_md5(uint8_t type, const char *secret, const uint8_t *chal, size_t len,
		 uint8_t out[16])
{
	MD5_CTX ctx;

	MD5Init(&ctx);
	MD5Update(&ctx, &type, 1);
	MD5Update(&ctx, (const uint8_t *)secret, strlen(secret));
	MD5Update(&ctx, chal, len);
	MD5Final(out, &ctx);
}

void ph_add_chal_response(struct ph_msg *b, uint8_t type, const char *secret, const uint8_t *chal,
			  size_t len)
{
	uint8_t resp[16];

	ph_chap_md5(type, secret, chal, len, resp);
	lts_avpw_add_bytes(&b->w, LTS_AVP_CHALLENGE_RESPONSE, resp, sizeof(resp));
}

static void add_tunnel_avps(struct ph_msg *b, const struct ph_peer *p, const char *hostname)
{
	struct lts_avp_proto_ver pv = { LTS_CTRL_PROTO_VER, LTS_CTRL_PROTO_REV };

	lts_avpw_add_proto_ver(&b->w, &pv);
	lts_avpw_add_string(&b->w, LTS_AVP_HOST_NAME, hostname);
	lts_avpw_add_u32(&b->w, LTS_AVP_FRAMING_CAP, 3);
	lts_avpw_add_u16(&b->w, LTS_AVP_ASSIGNED_TUNNEL_ID, p->tid);
	lts_avpw_add_u16(&b->w, LTS_AVP_RECV_WINDOW_SIZE, p->rwin);
}

void ph_build_sccrq(struct ph_msg *b, struct ph_peer *p, const char *hostname,
		    const uint8_t *chal, size_t chal_len)
{
	ph_msg_begin(b, p, LTS_CTRL_SCCRQ);
	add_tunnel_avps(b, p, hostname);
	if (chal)
		lts_avpw_add_bytes(&b->w, LTS_AVP_CHALLENGE, chal, chal_len);
}

void ph_build_sccrp(struct ph_msg *b, struct ph_peer *p, const char *hostname)
{
	ph_msg_begin(b, p, LTS_CTRL_SCCRP);
	add_tunnel_avps(b, p, hostname);
}

void ph_build_icrq(struct ph_msg *b, struct ph_peer *p, uint16_t psid, uint32_t serial)
{
	ph_msg_begin(b, p, LTS_CTRL_ICRQ);
	lts_avpw_add_u16(&b->w, LTS_AVP_ASSIGNED_SESSION_ID, psid);
	lts_avpw_add_u32(&b->w, LTS_AVP_CALL_SERIAL, serial);
}

void ph_build_icrp(struct ph_msg *b, struct ph_peer *p, uint16_t psid)
{
	ph_msg_begin(b, p, LTS_CTRL_ICRP);
	lts_avpw_add_u16(&b->w, LTS_AVP_ASSIGNED_SESSION_ID, psid);
}

void ph_build_iccn(struct ph_msg *b, struct ph_peer *p, uint32_t tx_speed, uint32_t framing)
{
	ph_msg_begin(b, p, LTS_CTRL_ICCN);
	lts_avpw_add_u32(&b->w, LTS_AVP_TX_CONNECT_SPEED, tx_speed);
	lts_avpw_add_u32(&b->w, LTS_AVP_FRAMING_TYPE, framing);
}

void ph_build_cdn(struct ph_msg *b, struct ph_peer *p, uint16_t psid,
		  const struct lts_avp_result *res)
{
	ph_msg_begin(b, p, LTS_CTRL_CDN);
	lts_avpw_add_result(&b->w, res);
	lts_avpw_add_u16(&b->w, LTS_AVP_ASSIGNED_SESSION_ID, psid);
}

void ph_build_stopccn(struct ph_msg *b, struct ph_peer *p, const struct lts_avp_result *res)
{
	ph_msg_begin(b, p, LTS_CTRL_STOPCCN);
	lts_avpw_add_u16(&b->w, LTS_AVP_ASSIGNED_TUNNEL_ID, p->tid);
	lts_avpw_add_result(&b->w, res);
}

size_t ph_frame(uint8_t *pkt, size_t cap, const struct ph_peer *p, uint16_t tid, uint16_t sid,
		const uint8_t *body, size_t len)
{
	struct lts_ctrl_hdr hd = {
		.length = (uint16_t)(LTS_CTRL_HDR_LEN + len),
		.tunnel_id = tid,
		.session_id = sid,
		.ns = p->ns,
		.nr = p->nr,
	};

	if (len > LTS_CTRL_BODY_MAX || LTS_CTRL_HDR_LEN + len > cap)
		ph_fail("a body of %zu bytes does not fit a datagram of %zu", len, cap);
	lts_ctrl_hdr_build(pkt, &hd);
	if (len)
		memcpy(pkt + LTS_CTRL_HDR_LEN, body, len);
	return LTS_CTRL_HDR_LEN + len;
}

/* Frames and sends a body (none: a ZLB). */
static void send_raw(struct ph_peer *p, uint16_t tid, uint16_t sid, const uint8_t *body,
		     size_t len)
{
	uint8_t pkt[LTS_CTRL_HDR_LEN + PH_BODY_MAX];
	size_t n = ph_frame(pkt, sizeof(pkt), p, tid, sid, body, len);

	/* RFC 2661 5.8: a ZLB does not take a sequence number. */
	if (len)
		p->ns++;
	p->input(p, pkt, n);
}

void ph_send_to(struct ph_peer *p, uint16_t tid, uint16_t sid, struct ph_msg *b)
{
	int n = lts_avpw_finish(&b->w);

	if (n <= 0)
		ph_fail("cannot build a message: %d", n);
	send_raw(p, tid, sid, b->buf, (size_t)n);
}

void ph_send(struct ph_peer *p, uint16_t sid, struct ph_msg *b)
{
	ph_send_to(p, p->sw_tid, sid, b);
}

void ph_zlb(struct ph_peer *p)
{
	send_raw(p, p->sw_tid, 0, NULL, 0);
}

/* ------------------------------------------------------------------ */
/* What the agent sends                                                 */
/* ------------------------------------------------------------------ */

static void check_hdr(const struct lts_ctrl_endpoint *ep, const uint8_t *pkt, size_t len,
		      struct lts_ctrl_hdr *h)
{
	char addr[64];
	int ret = lts_ctrl_hdr_parse(pkt, len, h);

	if (ret || h->length != len)
		ph_fail("the agent sent %s a bad header (%d, Length %u, %zu bytes)",
			lts_ip_str(&ep->peer, addr, sizeof(addr)), ret, h->length, len);
}

void ph_dgram_capture(struct ph_dgram *d, const struct lts_ctrl_endpoint *ep, const uint8_t *pkt,
		      size_t len)
{
	check_hdr(ep, pkt, len, &d->hdr);
	d->ep = *ep;
	d->len = len;
	/* Message Type is the first AVP and is never hidden (RFC 2661 4.1). */
	d->type = len >= LTS_CTRL_HDR_LEN + 8 ? lts_get16(pkt + LTS_CTRL_HDR_LEN + 6) : 0;
	d->pkt = malloc(len);
	if (!d->pkt)
		ph_fail("out of memory");
	memcpy(d->pkt, pkt, len);
}

void ph_dgram_free(struct ph_dgram *d)
{
	free(d->pkt);
	d->pkt = NULL;
}

void ph_rx_parse(struct ph_rx *r, const struct lts_ctrl_endpoint *ep, const uint8_t *pkt,
		 size_t len, const char *secret)
{
	struct lts_avp_opts o = { 0 };
	char addr[64];

	if (len > sizeof(r->pkt))
		ph_fail("a datagram of %zu bytes", len);
	check_hdr(ep, pkt, len, &r->hdr);
	r->ep = *ep;
	r->len = len;
	memcpy(r->pkt, pkt, len);
	r->zlb = len == LTS_CTRL_HDR_LEN;
	if (r->zlb)
		return;
	if (secret) {
		o.secret = (const uint8_t *)secret;
		o.secret_len = strlen(secret);
	}
	/* Decoded from the copy: the message points into it. */
	lts_ctrl_msg_parse(r->pkt + LTS_CTRL_HDR_LEN, len - LTS_CTRL_HDR_LEN, &o, &r->msg, &r->v);
	/* Whatever the agent sends must pass its own message specs. */
	if (r->v.action != LTS_CTRL_ACCEPT)
		ph_fail("the agent sent %s a bad %s: %s",
			lts_ip_str(&ep->peer, addr, sizeof(addr)), lts_ctrl_type_name(r->msg.type),
			r->v.message);
}

uint16_t ph_get_u16(const struct ph_rx *r, enum lts_avp_id id)
{
	uint16_t v = 0;

	if (lts_avp_get_u16(&r->msg, id, &v))
		ph_fail("%s has no %s", lts_ctrl_type_name(r->msg.type), lts_avp_def_get(id)->name);
	return v;
}

void ph_expect_result(const struct ph_rx *r, uint16_t result, uint16_t error)
{
	struct lts_avp_result res;

	if (lts_avp_get_result(&r->msg, &res))
		ph_fail("%s has no Result Code", lts_ctrl_type_name(r->msg.type));
	if (res.result != result || !res.has_error || res.error != error)
		ph_fail("%s: result %u error %u (\"%.*s\"), expected %u/%u",
			lts_ctrl_type_name(r->msg.type), res.result, res.error,
			(int)res.message_len, res.message ? res.message : "", result, error);
}

/* ------------------------------------------------------------------ */
/* The clock                                                            */
/* ------------------------------------------------------------------ */

void ph_advance(struct ph_clock *c, uint64_t ms)
{
	uint64_t until = c->now + ms, d;
	unsigned int ticks;

	for (ticks = 0;; ticks++) {
		if (c->settle)
			c->settle(c->ctx);
		d = lts_cp_next_deadline(c->cp);
		if (d > until)
			break;
		if (ticks >= c->max_ticks)
			ph_fail("no progress: deadline %llu at %llu after %u ticks",
				(unsigned long long)d, (unsigned long long)c->now, ticks);
		if (d > c->now)
			c->now = d;
		lts_cp_tick(c->cp, c->now);
		if (c->ticked)
			c->ticked(c->ctx);
		d = lts_cp_next_deadline(c->cp);
		if (d <= c->now) {
			if (c->spin_ok)
				break;
			ph_fail("after lts_cp_tick(%llu) the next deadline is %llu: the event "
				"loop would spin",
				(unsigned long long)c->now, (unsigned long long)d);
		}
	}
	c->now = until;
}
