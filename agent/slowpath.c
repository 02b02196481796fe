// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "log.h"
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
	sp->rx_buf = malloc(LTS_SLOW_RX_BUF);
	if (!sp->stats || !sp->rx_buf) {
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
	sp->stats = NULL;
	free(sp->rx_buf);
	sp->rx_buf = NULL;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	/* CLOCK_MONOTONIC: the clock of bpf_ktime_get_ns(), so last-seen compares. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
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

static const struct lts_slowpath_sock *tx_sock(const struct lts_slowpath *sp,
					       const struct lts_switch_val *val)
{
	size_t i;

	for (i = 0; i < sp->n_socks; i++)
		if (sp->socks[i].family == val->family && sp->socks[i].port == val->local_port)
			return &sp->socks[i];
	return NULL;
}

static void add_cmsg_int(struct msghdr *msg, struct cmsghdr **c, int level, int type, int v)
{
	(*c)->cmsg_level = level;
	(*c)->cmsg_type = type;
	(*c)->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(*c), &v, sizeof(int));
	msg->msg_controllen += CMSG_SPACE(sizeof(int));
	*c = CMSG_NXTHDR(msg, *c);
}

/* Send buf to the entry's peer, from the entry's local address and port. */
static int relay_send(struct lts_slowpath *sp, const struct lts_switch_val *val,
		      const struct rx_meta *m, uint8_t *buf, size_t len)
{
	const struct lts_slowpath_sock *s = tx_sock(sp, val);
	char ctl[CMSG_SPACE(sizeof(struct in6_pktinfo)) + 2 * CMSG_SPACE(sizeof(int))] = { 0 };
	struct sockaddr_in6 to6 = { .sin6_family = AF_INET6, .sin6_port = htons(val->peer_port) };
	struct sockaddr_in to4 = { .sin_family = AF_INET, .sin_port = htons(val->peer_port) };
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			      .msg_controllen = sizeof(ctl) };
	int tos = (val->flags & LTS_SW_F_DSCP_SET) ? (val->dscp << 2) | (m->tos & 3) : m->tos;
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	if (!s)
		return -ENOTCONN;
	msg.msg_controllen = 0;
	c->cmsg_len = 0;
	if (val->family == LTS_FAMILY_IPV4) {
		struct in_pktinfo pi = { 0 };

		memcpy(&to4.sin_addr, val->peer_addr, 4);
		msg.msg_name = &to4;
		msg.msg_namelen = sizeof(to4);
		memcpy(&pi.ipi_spec_dst, val->local_addr, 4);
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		msg.msg_controllen += CMSG_SPACE(sizeof(pi));
		c = CMSG_NXTHDR(&msg, c);
		add_cmsg_int(&msg, &c, IPPROTO_IP, IP_TTL, m->ttl - 1);
		add_cmsg_int(&msg, &c, IPPROTO_IP, IP_TOS, tos);
	} else {
		struct in6_pktinfo pi = { 0 };

		memcpy(&to6.sin6_addr, val->peer_addr, 16);
		msg.msg_name = &to6;
		msg.msg_namelen = sizeof(to6);
		memcpy(&pi.ipi6_addr, val->local_addr, 16);
		c->cmsg_level = IPPROTO_IPV6;
		c->cmsg_type = IPV6_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		msg.msg_controllen += CMSG_SPACE(sizeof(pi));
		c = CMSG_NXTHDR(&msg, c);
		add_cmsg_int(&msg, &c, IPPROTO_IPV6, IPV6_HOPLIMIT, m->ttl - 1);
		add_cmsg_int(&msg, &c, IPPROTO_IPV6, IPV6_TCLASS, tos);
	}
	return sendmsg(s->fd, &msg, 0) < 0 ? -errno : 0;
}

static void count(struct lts_slowpath *sp, const struct lts_switch_val *val, size_t len)
{
	struct lts_dir_stats *d;

	if (val->stats_idx >= sp->n_stats)
		return;
	d = &sp->stats[val->stats_idx].dir[val->dir & 1];
	d->packets++;
	d->bytes += len;
	d->last_seen_ns = now_ns();
}

static void handle_datagram(struct lts_slowpath *sp, struct rx_meta *m, uint8_t *buf,
			    size_t len)
{
	const struct lts_swtab_entry *e = lts_slowpath_rewrite(sp, &m->key, buf, len);
	int err;

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
		handle_datagram(sp, &m, buf, len);
	}
}
