// SPDX-License-Identifier: GPL-2.0
/*
 * rtnetlink queries and events: the route and neighbour toward a peer
 * (with the VLAN lower device), triggering ARP/ND when the neighbour is
 * unknown, and the monitor socket that reports route/neighbour/link changes.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/if_arp.h>
#include "lts_maps.h"
#include "nexthop.h"

#define NL_BUF 16384
#define NUD_USABLE (NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE | NUD_PERMANENT)

struct nl_req {
	struct nlmsghdr n;
	union {
		struct rtmsg r;
		struct ifinfomsg i;
		struct ndmsg nd;
	};
	char attrs[256];
};

int lts_nl_open(struct lts_nl *nl, int monitor)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };

	if (monitor)
		sa.nl_groups = RTMGRP_NEIGH | RTMGRP_LINK | RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE;
	nl->seq = 0;
	nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | (monitor ? SOCK_NONBLOCK : 0),
			NETLINK_ROUTE);
	if (nl->fd < 0)
		return -errno;
	if (bind(nl->fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int err = -errno;

		close(nl->fd);
		nl->fd = -1;
		return err;
	}
	return 0;
}

void lts_nl_close(struct lts_nl *nl)
{
	if (nl->fd >= 0)
		close(nl->fd);
	nl->fd = -1;
}

int lts_nl_drain(struct lts_nl *nl)
{
	char buf[NL_BUF];
	int events = 0;
	ssize_t len;

	while ((len = recv(nl->fd, buf, sizeof(buf), 0)) > 0) {
		struct nlmsghdr *h;

		for (h = (void *)buf; NLMSG_OK(h, (size_t)len); h = NLMSG_NEXT(h, len))
			if (h->nlmsg_type >= RTM_NEWLINK && h->nlmsg_type <= RTM_GETNEIGH)
				events++;
	}
	/* ENOBUFS: events were lost; report one so everything is refreshed. */
	if (len < 0 && errno == ENOBUFS)
		events++;
	return events;
}

static void add_attr(struct nlmsghdr *n, int type, const void *data, size_t len)
{
	struct rtattr *rta = (void *)((char *)n + NLMSG_ALIGN(n->nlmsg_len));

	rta->rta_type = type;
	rta->rta_len = RTA_LENGTH(len);
	memcpy(RTA_DATA(rta), data, len);
	n->nlmsg_len = NLMSG_ALIGN(n->nlmsg_len) + RTA_ALIGN(rta->rta_len);
}

typedef void (*nl_reply_fn)(const struct nlmsghdr *h, void *arg);

/* Send a request with NLM_F_ACK; hand replies to fn until the ack/error. */
static int nl_talk(struct lts_nl *nl, struct nlmsghdr *req, nl_reply_fn fn, void *arg)
{
	char buf[NL_BUF];
	ssize_t len;

	req->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	req->nlmsg_seq = ++nl->seq;
	if (send(nl->fd, req, req->nlmsg_len, 0) < 0)
		return -errno;
	for (;;) {
		struct nlmsghdr *h;

		len = recv(nl->fd, buf, sizeof(buf), 0);
		if (len < 0)
			return errno == EINTR ? -EAGAIN : -errno;
		for (h = (void *)buf; NLMSG_OK(h, (size_t)len); h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_seq != req->nlmsg_seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR)
				return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (fn)
				fn(h, arg);
		}
	}
}

static size_t addr_len(uint8_t family)
{
	return family == LTS_FAMILY_IPV4 ? 4 : 16;
}

static int af_of(uint8_t family)
{
	return family == LTS_FAMILY_IPV4 ? AF_INET : AF_INET6;
}

struct route_reply {
	int found;
	uint8_t type;
	uint32_t oif;
	uint8_t gateway[16];
	int has_gateway;
};

static void parse_route(const struct nlmsghdr *h, void *arg)
{
	struct rtmsg *r = NLMSG_DATA(h);
	struct route_reply *out = arg;
	int len = RTM_PAYLOAD(h);
	struct rtattr *a;

	if (h->nlmsg_type != RTM_NEWROUTE)
		return;
	out->found = 1;
	out->type = r->rtm_type;
	for (a = RTM_RTA(r); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == RTA_OIF)
			out->oif = *(uint32_t *)RTA_DATA(a);
		if (a->rta_type == RTA_GATEWAY && RTA_PAYLOAD(a) <= sizeof(out->gateway)) {
			memcpy(out->gateway, RTA_DATA(a), RTA_PAYLOAD(a));
			out->has_gateway = 1;
		}
	}
}

struct link_reply {
	int found;
	uint32_t mtu, lower;
	uint16_t vlan_id;
	int is_vlan;
	uint8_t mac[6];
};

static void parse_linkinfo(struct rtattr *info, struct link_reply *out)
{
	int len = RTA_PAYLOAD(info), dlen;
	struct rtattr *a, *d;

	for (a = RTA_DATA(info); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == IFLA_INFO_KIND && !strcmp(RTA_DATA(a), "vlan"))
			out->is_vlan = 1;
		if (a->rta_type != IFLA_INFO_DATA)
			continue;
		dlen = RTA_PAYLOAD(a);
		for (d = RTA_DATA(a); RTA_OK(d, dlen); d = RTA_NEXT(d, dlen))
			if (d->rta_type == IFLA_VLAN_ID)
				out->vlan_id = *(uint16_t *)RTA_DATA(d);
	}
}

static void parse_link(const struct nlmsghdr *h, void *arg)
{
	struct ifinfomsg *i = NLMSG_DATA(h);
	struct link_reply *out = arg;
	int len = IFLA_PAYLOAD(h);
	struct rtattr *a;

	if (h->nlmsg_type != RTM_NEWLINK)
		return;
	out->found = 1;
	for (a = IFLA_RTA(i); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == IFLA_MTU)
			out->mtu = *(uint32_t *)RTA_DATA(a);
		else if (a->rta_type == IFLA_LINK)
			out->lower = *(uint32_t *)RTA_DATA(a);
		else if (a->rta_type == IFLA_ADDRESS && RTA_PAYLOAD(a) == 6)
			memcpy(out->mac, RTA_DATA(a), 6);
		else if (a->rta_type == IFLA_LINKINFO)
			parse_linkinfo(a, out);
	}
}

struct neigh_reply {
	int found;
	uint16_t state;
	int has_mac;
	uint8_t mac[6];
};

static void parse_neigh(const struct nlmsghdr *h, void *arg)
{
	struct ndmsg *nd = NLMSG_DATA(h);
	struct neigh_reply *out = arg;
	int len = RTM_PAYLOAD(h);
	struct rtattr *a;

	if (h->nlmsg_type != RTM_NEWNEIGH)
		return;
	out->found = 1;
	out->state = nd->ndm_state;
	for (a = (void *)((char *)nd + NLMSG_ALIGN(sizeof(*nd))); RTA_OK(a, len);
	     a = RTA_NEXT(a, len)) {
		if (a->rta_type == NDA_LLADDR && RTA_PAYLOAD(a) == 6) {
			memcpy(out->mac, RTA_DATA(a), 6);
			out->has_mac = 1;
		}
	}
}

static int get_route(struct lts_nl *nl, uint8_t family, const uint8_t *dst,
		     const uint8_t *src, struct route_reply *rt)
{
	struct nl_req req = {
		.n.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg)),
		.n.nlmsg_type = RTM_GETROUTE,
		.r.rtm_family = af_of(family),
		.r.rtm_dst_len = addr_len(family) * 8,
	};
	static const uint8_t zero[16];
	int err;

	add_attr(&req.n, RTA_DST, dst, addr_len(family));
	if (src && memcmp(src, zero, addr_len(family))) {
		req.r.rtm_src_len = addr_len(family) * 8;
		add_attr(&req.n, RTA_SRC, src, addr_len(family));
	}
	memset(rt, 0, sizeof(*rt));
	err = nl_talk(nl, &req.n, parse_route, rt);
	if (err)
		return err;
	if (!rt->found || !rt->oif || rt->type != RTN_UNICAST)
		return -ENETUNREACH;
	return 0;
}

static int get_link(struct lts_nl *nl, uint32_t ifindex, struct link_reply *link)
{
	struct nl_req req = {
		.n.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)),
		.n.nlmsg_type = RTM_GETLINK,
		.i.ifi_index = ifindex,
	};
	int err;

	memset(link, 0, sizeof(*link));
	err = nl_talk(nl, &req.n, parse_link, link);
	return err ? err : link->found ? 0 : -ENODEV;
}

static int neigh_msg(struct lts_nl *nl, int type, uint8_t family, uint32_t ifindex,
		     const uint8_t *addr, struct neigh_reply *out)
{
	struct nl_req req = {
		.n.nlmsg_len = NLMSG_LENGTH(sizeof(struct ndmsg)),
		.n.nlmsg_type = type,
		.nd.ndm_family = af_of(family),
		.nd.ndm_ifindex = ifindex,
	};

	if (type == RTM_NEWNEIGH) {
		/* NTF_USE: the kernel starts resolution as if a packet were sent. */
		req.n.nlmsg_flags = NLM_F_CREATE;
		req.nd.ndm_state = NUD_NONE;
		req.nd.ndm_flags = NTF_USE;
	}
	add_attr(&req.n, NDA_DST, addr, addr_len(family));
	return nl_talk(nl, &req.n, out ? parse_neigh : NULL, out);
}

int lts_nh_resolve(struct lts_nl *nl, uint8_t family, const uint8_t *dst,
		   const uint8_t *src, struct lts_nexthop *nh)
{
	struct neigh_reply neigh = { 0 };
	struct link_reply link;
	struct route_reply rt;
	const uint8_t *via;
	int err;

	err = get_route(nl, family, dst, src, &rt);
	if (err)
		return err;
	err = get_link(nl, rt.oif, &link);
	if (err)
		return err;

	memset(nh, 0, sizeof(*nh));
	nh->mtu = link.mtu;
	memcpy(nh->src_mac, link.mac, 6);
	nh->ifindex = rt.oif;
	if (link.is_vlan) {
		nh->ifindex = link.lower;
		nh->vlan_id = link.vlan_id;
	}

	/* Neighbours live on the device the route points at (the VLAN device). */
	via = rt.has_gateway ? rt.gateway : dst;
	err = neigh_msg(nl, RTM_GETNEIGH, family, rt.oif, via, &neigh);
	if (err && err != -ENOENT)
		return err;
	if (neigh.found && (neigh.state & NUD_USABLE) && neigh.has_mac) {
		memcpy(nh->dst_mac, neigh.mac, 6);
		return 0;
	}
	err = neigh_msg(nl, RTM_NEWNEIGH, family, rt.oif, via, NULL);
	return err ? err : -EAGAIN;
}
