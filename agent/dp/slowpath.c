// SPDX-License-Identifier: GPL-2.0
/*
 * The userspace relay: UDP sockets on the L2TP ports, the same rewrite
 * as the fast path for data frames it passes up, control packets handed to
 * the control plane, and control packets sent from the right local address.
 */
#define LTS_LOG_SUBSYS LTS_TRACE_DATAPLANE
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "lib/log.h"
#include "lts_l2tp.h"
#include "slowpath.h"

#define RX_BATCH 64
#define SOCK_BUF (4 << 20)

static int open_sock(struct lts_slowpath_sock *s, uint8_t family, uint16_t port)
{
	int af = family == LTS_FAMILY_IPV4 ? AF_INET : AF_INET6;
	int one = 1, dont = IP_PMTUDISC_DONT, buf = SOCK_BUF, err;
	struct sockaddr_in6 sa6 = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
	struct sockaddr_in sa4 = { .sin_family = AF_INET, .sin_port = htons(port) };

	s->family = family;
	s->port = port;
	s->fd = socket(af, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		return -errno;
	setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	setsockopt(s->fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	if (af == AF_INET) {
		/* Local address, TTL and TOS of each datagram; the kernel fragments. */
		err = setsockopt(s->fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) ||
		      setsockopt(s->fd, IPPROTO_IP, IP_RECVTTL, &one, sizeof(one)) ||
		      setsockopt(s->fd, IPPROTO_IP, IP_RECVTOS, &one, sizeof(one)) ||
		      setsockopt(s->fd, IPPROTO_IP, IP_MTU_DISCOVER, &dont, sizeof(dont)) ||
		      bind(s->fd, (struct sockaddr *)&sa4, sizeof(sa4));
	} else {
		dont = IPV6_PMTUDISC_DONT;
		err = setsockopt(s->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) ||
		      setsockopt(s->fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one)) ||
		      setsockopt(s->fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &one, sizeof(one)) ||
		      setsockopt(s->fd, IPPROTO_IPV6, IPV6_RECVTCLASS, &one, sizeof(one)) ||
		      setsockopt(s->fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &dont, sizeof(dont)) ||
		      bind(s->fd, (struct sockaddr *)&sa6, sizeof(sa6));
	}
	if (err) {
		err = -errno;
		close(s->fd);
		s->fd = -1;
		return err;
	}
	return 0;
}

int lts_slowpath_open(struct lts_slowpath *sp, const uint16_t *ports, size_t n_ports,
		      const struct lts_swtab *tab, uint32_t n_stats)
{
	static const uint8_t families[] = { LTS_FAMILY_IPV4, LTS_FAMILY_IPV6 };
	size_t i, f;
	int err;

	memset(sp, 0, sizeof(*sp));
	sp->tab = tab;
	sp->n_stats = n_stats;
	sp->stats = calloc(n_stats, sizeof(*sp->stats));
	sp->dirty = calloc(n_stats, sizeof(*sp->dirty));
	sp->is_dirty = calloc(n_stats, 1);
	sp->rx_buf = malloc(LTS_SLOW_RX_BUF);
	if (!sp->stats || !sp->dirty || !sp->is_dirty || !sp->rx_buf) {
		lts_slowpath_close(sp);
		return -ENOMEM;
	}
	for (i = 0; i < n_ports; i++) {
		for (f = 0; f < 2; f++) {
			struct lts_slowpath_sock *s = &sp->socks[sp->n_socks];

			err = open_sock(s, families[f], ports[i]);
			if (err == -EAFNOSUPPORT && families[f] == LTS_FAMILY_IPV6) {
				pr_warn("IPv6 unavailable: the slow path listens on IPv4 only");
				continue;
			}
			if (err) {
				pr_err("cannot listen on UDP port %u (IPv%u): %s%s", ports[i],
				       families[f], strerror(-err),
				       err == -EADDRINUSE ? " (is another ltsd or an L2TP daemon running?)" : "");
				lts_slowpath_close(sp);
				return err;
			}
			sp->n_socks++;
		}
	}
	return 0;
}

void lts_slowpath_close(struct lts_slowpath *sp)
{
	size_t i;

	for (i = 0; i < sp->n_socks; i++)
		close(sp->socks[i].fd);
	sp->n_socks = 0;
	free(sp->stats);
	free(sp->dirty);
	free(sp->is_dirty);
	sp->stats = NULL;
	sp->dirty = NULL;
	sp->is_dirty = NULL;
	sp->n_stats = 0;
	sp->n_dirty = 0;
	free(sp->rx_buf);
	sp->rx_buf = NULL;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	/* The clock of bpf_ktime_get_coarse_ns(): last-seen compares across paths. */
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

const struct lts_swtab_entry *lts_slowpath_rewrite(struct lts_slowpath *sp,
						   const struct lts_switch_key *from,
						   uint8_t *buf, size_t len)
{
	struct lts_switch_key key = *from;
	const struct lts_swtab_entry *e;
	uint16_t flags, hlen, ids;

	if (len < 2) {
		sp->ctr.malformed++;
		return NULL;
	}
	flags = (buf[0] << 8) | buf[1];
	if ((flags & LTS_L2TP_VER_MASK) != LTS_L2TP_VERSION) {
		sp->ctr.malformed++;
		return NULL;
	}
	if (flags & LTS_L2TP_F_TYPE) {
		sp->ctr.control++;
		return NULL;
	}
	hlen = lts_l2tp_hdr_len(flags);
	if (len < hlen ||
	    ((flags & LTS_L2TP_F_OFFSET) &&
	     (size_t)hlen + ((buf[hlen - 2] << 8) | buf[hlen - 1]) > len)) {
		sp->ctr.malformed++;
		return NULL;
	}
	ids = lts_l2tp_ids_off(flags);
	key.tunnel_id = (buf[ids] << 8) | buf[ids + 1];
	key.session_id = (buf[ids + 2] << 8) | buf[ids + 3];
	e = lts_swtab_lookup(sp->tab, &key);
	if (!e) {
		sp->ctr.no_session++;
		return NULL;
	}
	buf[ids] = e->val.peer_tunnel_id >> 8;
	buf[ids + 1] = e->val.peer_tunnel_id & 0xff;
	buf[ids + 2] = e->val.peer_session_id >> 8;
	buf[ids + 3] = e->val.peer_session_id & 0xff;
	return e;
}

/* What recvmsg told us beside the payload. */
struct rx_meta {
	struct lts_switch_key key; /* family, peer address/port, local address */
	int ttl;
	int tos;
};

static void parse_cmsgs(struct msghdr *msg, struct rx_meta *m)
{
	struct cmsghdr *c;

	for (c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo *pi = (void *)CMSG_DATA(c);

			memcpy(m->key.local_addr, &pi->ipi_addr, 4);
		} else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) {
			memcpy(&m->ttl, CMSG_DATA(c), sizeof(int));
		} else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TOS) {
			m->tos = *(uint8_t *)CMSG_DATA(c);
		} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo *pi = (void *)CMSG_DATA(c);

			memcpy(m->key.local_addr, &pi->ipi6_addr, 16);
		} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT) {
			memcpy(&m->ttl, CMSG_DATA(c), sizeof(int));
		} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_TCLASS) {
			memcpy(&m->tos, CMSG_DATA(c), sizeof(int));
		}
	}
}

static const struct lts_slowpath_sock *find_sock(const struct lts_slowpath *sp, uint8_t family,
						 uint16_t port)
{
	size_t i;

	for (i = 0; i < sp->n_socks; i++)
		if (sp->socks[i].family == family && sp->socks[i].port == port)
			return &sp->socks[i];
	return NULL;
}

/* Append one control message at *used bytes into ctl (sized by the caller). */
static void put_cmsg(char *ctl, size_t *used, int level, int type, const void *data, size_t len)
{
	struct cmsghdr *c = (struct cmsghdr *)(ctl + *used);

	c->cmsg_level = level;
	c->cmsg_type = type;
	c->cmsg_len = CMSG_LEN(len);
	memcpy(CMSG_DATA(c), data, len);
	*used += CMSG_SPACE(len);
}

static bool addr_unset(const uint8_t *a)
{
	static const uint8_t zero[16];

	return !memcmp(a, zero, sizeof(zero));
}

/*
 * Send from (local address, local port) to (peer address, port): the one
 * sender for relayed data and control messages. The source address is set
 * per datagram (IP_PKTINFO), so replies leave from the address the peer
 * talks to (REFERENCE quirk 5). ttl/tos < 0: the kernel's defaults.
 */
static int send_from(struct lts_slowpath *sp, uint8_t family, const uint8_t *local,
		     uint16_t local_port, const uint8_t *peer, uint16_t peer_port, int ttl, int tos,
		     const uint8_t *buf, size_t len)
{
	const struct lts_slowpath_sock *s = find_sock(sp, family, local_port);
	char ctl[CMSG_SPACE(sizeof(struct in6_pktinfo)) + 2 * CMSG_SPACE(sizeof(int))]
		__attribute__((aligned(sizeof(size_t)))) = { 0 };
	struct sockaddr_in6 to6 = { .sin6_family = AF_INET6, .sin6_port = htons(peer_port) };
	struct sockaddr_in to4 = { .sin_family = AF_INET, .sin_port = htons(peer_port) };
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	bool v4 = family == LTS_FAMILY_IPV4;
	int level = v4 ? IPPROTO_IP : IPPROTO_IPV6;
	size_t used = 0;

	if (!s)
		return -ENOTCONN;
	if (v4) {
		memcpy(&to4.sin_addr, peer, 4);
		msg.msg_name = &to4;
		msg.msg_namelen = sizeof(to4);
	} else {
		memcpy(&to6.sin6_addr, peer, 16);
		msg.msg_name = &to6;
		msg.msg_namelen = sizeof(to6);
	}
	if (!addr_unset(local) && v4) {
		struct in_pktinfo pi4 = { 0 };

		memcpy(&pi4.ipi_spec_dst, local, 4);
		put_cmsg(ctl, &used, level, IP_PKTINFO, &pi4, sizeof(pi4));
	} else if (!addr_unset(local)) {
		struct in6_pktinfo pi6 = { 0 };

		memcpy(&pi6.ipi6_addr, local, 16);
		put_cmsg(ctl, &used, level, IPV6_PKTINFO, &pi6, sizeof(pi6));
	}
	if (ttl >= 0)
		put_cmsg(ctl, &used, level, v4 ? IP_TTL : IPV6_HOPLIMIT, &ttl, sizeof(ttl));
	if (tos >= 0)
		put_cmsg(ctl, &used, level, v4 ? IP_TOS : IPV6_TCLASS, &tos, sizeof(tos));
	if (used) {
		msg.msg_control = ctl;
		msg.msg_controllen = used;
	}
	return sendmsg(s->fd, &msg, 0) < 0 ? -errno : 0;
}

int lts_slowpath_send_ctrl(struct lts_slowpath *sp, const struct lts_ctrl_endpoint *ep,
			   const uint8_t *buf, size_t len)
{
	return send_from(sp, ep->peer.family, ep->local.addr, ep->local_port, ep->peer.addr,
			 ep->peer_port, -1, -1, buf, len);
}

/* Relay with the ingress TTL - 1 and TOS, like the fast path. */
static int relay_send(struct lts_slowpath *sp, const struct lts_switch_val *val,
		      const struct rx_meta *m, uint8_t *buf, size_t len)
{
	int tos = (val->flags & LTS_SW_F_DSCP_SET) ? (val->dscp << 2) | (m->tos & 3) : m->tos;

	return send_from(sp, val->family, val->local_addr, val->local_port, val->peer_addr,
			 val->peer_port, m->ttl - 1, tos, buf, len);
}

static void count(struct lts_slowpath *sp, const struct lts_switch_val *val, size_t len)
{
	struct lts_dir_stats *d;

	if (val->stats_idx >= sp->n_stats)
		return;
	d = &sp->stats[val->stats_idx].dir[val->dir & 1];
	if (!sp->is_dirty[val->stats_idx]) {
		sp->is_dirty[val->stats_idx] = 1;
		sp->dirty[sp->n_dirty++] = val->stats_idx;
	}
	d->packets++;
	d->bytes += len;
	d->last_seen_ns = now_ns();
}

/* T=1: the control plane's (RFC 2661 3.1); it sees the packet untouched. */
static void to_control(struct lts_slowpath *sp, const struct lts_slowpath_sock *s,
		       const struct rx_meta *m, const uint8_t *buf, size_t len)
{
	struct lts_ctrl_endpoint ep = { .peer_port = m->key.peer_port, .local_port = s->port };

	ep.peer.family = ep.local.family = m->key.family;
	memcpy(ep.peer.addr, m->key.peer_addr, sizeof(ep.peer.addr));
	memcpy(ep.local.addr, m->key.local_addr, sizeof(ep.local.addr));
	sp->on_control(sp->ctl_ctx, &ep, buf, len);
}

static void handle_datagram(struct lts_slowpath *sp, const struct lts_slowpath_sock *s,
			    struct rx_meta *m, uint8_t *buf, size_t len)
{
	const struct lts_swtab_entry *e;
	int err;

	if (sp->on_control && len >= 2 && (buf[0] & (LTS_L2TP_F_TYPE >> 8))) {
		sp->ctr.control++;
		to_control(sp, s, m, buf, len);
		return;
	}
	e = lts_slowpath_rewrite(sp, &m->key, buf, len);
	if (!e)
		return;
	/* Like the fast path: a router would not forward TTL <= 1 either. */
	if (m->ttl <= 1) {
		sp->ctr.ttl_expired++;
		return;
	}
	err = relay_send(sp, &e->val, m, buf, len);
	if (err) {
		sp->ctr.send_errors++;
		pr_debug("slow path: send to peer port %u failed: %s", e->val.peer_port,
			 strerror(-err));
		return;
	}
	sp->ctr.relayed++;
	count(sp, &e->val, len);
}

void lts_slowpath_input(struct lts_slowpath *sp, const struct lts_slowpath_sock *s)
{
	uint8_t *buf = sp->rx_buf;
	char ctl[512];
	int i;

	for (i = 0; i < RX_BATCH; i++) {
		struct sockaddr_in6 from = { 0 };
		struct iovec iov = { .iov_base = buf, .iov_len = LTS_SLOW_RX_BUF };
		struct msghdr msg = { .msg_name = &from, .msg_namelen = sizeof(from),
				      .msg_iov = &iov, .msg_iovlen = 1,
				      .msg_control = ctl, .msg_controllen = sizeof(ctl) };
		struct rx_meta m = { .ttl = 64 };
		ssize_t len = recvmsg(s->fd, &msg, MSG_DONTWAIT);

		if (len < 0)
			return; /* EAGAIN, or an ICMP error: never spin on it */
		m.key.family = s->family;
		if (s->family == LTS_FAMILY_IPV4) {
			struct sockaddr_in *f4 = (void *)&from;

			memcpy(m.key.peer_addr, &f4->sin_addr, 4);
			m.key.peer_port = ntohs(f4->sin_port);
		} else {
			memcpy(m.key.peer_addr, &from.sin6_addr, 16);
			m.key.peer_port = ntohs(from.sin6_port);
		}
		parse_cmsgs(&msg, &m);
		handle_datagram(sp, s, &m, buf, len);
	}
}

void lts_slowpath_flush(struct lts_slowpath *sp, void (*fn)(void *ctx, uint32_t idx,
							    const struct lts_session_stats *st),
			void *ctx)
{
	uint32_t i;

	for (i = 0; i < sp->n_dirty; i++) {
		fn(ctx, sp->dirty[i], &sp->stats[sp->dirty[i]]);
		sp->is_dirty[sp->dirty[i]] = 0;
	}
	sp->n_dirty = 0;
}
