/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Next-hop resolution over rtnetlink: route lookup -> egress link (a VLAN
 * device maps to its lower device plus a tag) -> neighbour MAC. The XDP
 * program then needs no bpf_fib_lookup per frame. A monitor socket reports
 * neighbour, route and link changes so the cached next hops (egress.h) are
 * asked again.
 */
#ifndef LTS_NEXTHOP_H
#define LTS_NEXTHOP_H

#include <stdint.h>

struct lts_nexthop {
	uint32_t ifindex;   /* egress device: the lower device of a VLAN */
	uint32_t mtu;       /* of the device the route points at */
	uint16_t vlan_id;   /* 0: untagged */
	uint8_t src_mac[6];
	uint8_t dst_mac[6];
};

struct lts_nl {
	int fd;
	uint32_t seq;
};

/* A request socket (groups 0) or a monitor subscribed to neigh/route/link. */
int lts_nl_open(struct lts_nl *nl, int monitor);
void lts_nl_close(struct lts_nl *nl);
/* Reads every pending monitor message; returns how many were relevant. */
int lts_nl_drain(struct lts_nl *nl);

/*
 * Resolve the next hop toward dst (family LTS_FAMILY_*; src may be NULL).
 * Returns 0 when complete, -EAGAIN when the neighbour is not resolved yet
 * (resolution has been triggered; a monitor event follows), or another
 * negative errno (-ENETUNREACH: no route).
 */
int lts_nh_resolve(struct lts_nl *nl, uint8_t family, const uint8_t *dst,
		   const uint8_t *src, struct lts_nexthop *nh);

#endif /* LTS_NEXTHOP_H */
