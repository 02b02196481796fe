/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Forwarding a switched frame: the egress checks (docs/dataplane.md rows
 * 16-21) on the entry's next hop, which also choose between XDP_TX and a
 * devmap redirect, and the rewrite of the outer headers and L2TP IDs for the
 * wide table's entries (any family on either side). The IPv4 fast table has
 * its own rewrite (fast.h).
 *
 * The UDP header never moves in memory: when the outer header changes size
 * (VLAN tag count, IPv4 <-> IPv6) the frame's head is moved instead, and the
 * new L2/L3 headers are written in front of the untouched UDP header.
 */
#ifndef LTS_BPF_FWD_H
#define LTS_BPF_FWD_H

#include "common.h"
#include "csum.h"
#include "l2tp.h"
#include "lts_maps.bpf.h"
#include "qos.h"
#include "stats.h"

static __always_inline __u32 egress_l2_len(const struct lts_nh_entry *nh)
{
	return ETH_HLEN + ((nh->flags & LTS_NH_F_VLAN) ? VLAN_HDR_LEN : 0);
}

/* The TOS / traffic class to send with: dscp (lts_egress_dscp) or the frame's. */
static __always_inline __u8 egress_tos(const struct lts_pkt *pkt, int dscp)
{
	if (dscp >= 0)
		return (dscp << 2) | (pkt->tos & 0x3); /* ECN bits kept */
	return pkt->tos;
}

/*
 * Rows 17-21: can the fast path emit this frame toward next hop nh_idx with
 * an l3_out-byte IP header? Sets the next hop and the action (XDP_TX, or
 * XDP_REDIRECT with the devmap target already chosen, which also proves the
 * interface is in tx_ports); csum_none: row 20 applies. A cpumap program
 * (spread_cpus) cannot XDP_TX: it goes through the devmap to the ingress
 * interface too. *reason_ok: the reason of a switched frame.
 */
static __always_inline int lts_check_egress(const struct xdp_md *ctx, const struct lts_pkt *pkt,
					    __u32 nh_idx, __u32 l3_out, int csum_none,
					    const struct lts_nh_entry **nhp, int *action,
					    __u32 *reason_ok, const int cpumap)
{
	const struct lts_nh_entry *nh;

	if (pkt->ttl <= 1)
		return LTS_R_PASS_TTL;
	nh = bpf_map_lookup_elem(&nexthops, &nh_idx);
	if (!nh || !(nh->flags & LTS_NH_F_VALID))
		return LTS_R_PASS_NO_NEIGH;
	*reason_ok = LTS_R_SWITCHED_REDIRECT;
	if (nh->ifindex == ctx->ingress_ifindex) {
		*reason_ok = LTS_R_SWITCHED_TX;
		*action = XDP_TX;
	}
	if (*reason_ok == LTS_R_SWITCHED_REDIRECT || cpumap) {
		*action = bpf_redirect_map(&tx_ports, nh->ifindex, 0);
		if (*action != XDP_REDIRECT)
			return LTS_R_PASS_NO_EGRESS;
	}
	if (csum_none)
		return LTS_R_PASS_CSUM;
	if (l3_out + pkt->udp_len > nh->mtu)
		return LTS_R_PASS_MTU;
	*nhp = nh;
	return LTS_CONTINUE;
}

/*
 * The writers below check their own bounds although the frame was parsed:
 * clang may rebuild a pointer from data, losing what the verifier learnt.
 */
static __always_inline int write_eth(struct ethhdr *eth, void *data_end,
				     const struct lts_nh_entry *nh, __be16 proto)
{
	struct vlan_tag *tag = (void *)(eth + 1);

	const __u32 *mac = (const __u32 *)nh;
	__u32 *dst = (__u32 *)eth;

	if ((void *)(tag + 1) > data_end)
		return -1;
	/*
	 * Destination then source MAC, as they lie in the next hop: three
	 * word copies (memcpy into the unaligned frame would go byte by byte).
	 */
	dst[0] = mac[0];
	dst[1] = mac[1];
	dst[2] = mac[2];
	if (nh->flags & LTS_NH_F_VLAN) {
		eth->h_proto = bpf_htons(ETH_P_8021Q);
		tag->tci = bpf_htons(nh->vlan_tci);
		tag->proto = proto;
	} else {
		eth->h_proto = proto;
	}
	return 0;
}

/* The wide table's egress IP header length: options kept only IPv4 -> IPv4. */
static __always_inline __u32 wide_l3_len(const struct lts_pkt *pkt, const struct lts_wide_val *w)
{
	if (w->family == LTS_FAMILY_IPV6)
		return IPV6_HDR_LEN;
	return pkt->family == LTS_FAMILY_IPV4 ? pkt->l3_len : IPV4_HDR_LEN;
}

/* IPv4 -> IPv4: in place, the header checksum with the delta computed at install. */
static __always_inline int rewrite_ipv4(struct iphdr *ip, void *data_end,
					const struct lts_pkt *pkt, const struct lts_wide_val *w,
					int dscp)
{
	__u16 *tos_word = (__u16 *)ip, old;
	__u32 delta = w->ip_csum;

	if ((void *)(ip + 1) > data_end)
		return -1;
	old = *tos_word;
	ip->tos = egress_tos(pkt, dscp);
	delta += (__u16)~old + *tos_word;
	ip->ttl--;
	__builtin_memcpy(&ip->saddr, w->out_local_addr, 4);
	__builtin_memcpy(&ip->daddr, w->out_peer_addr, 4);
	ip->check = csum_apply(ip->check, delta);
	return 0;
}

/*
 * IPv6 -> IPv4: a new header, an atomic datagram per RFC 6864 (DF, ID 0).
 * Built on the stack so the checksum loop never reads packet memory.
 */
static __always_inline int build_ipv4(struct iphdr *ip, void *data_end,
				      const struct lts_pkt *pkt, const struct lts_wide_val *w, int dscp)
{
	struct iphdr h = {
		.version = 4,
		.ihl = IPV4_HDR_LEN / 4,
		.tos = egress_tos(pkt, dscp),
		.tot_len = bpf_htons(IPV4_HDR_LEN + pkt->udp_len),
		.frag_off = bpf_htons(IPV4_DF),
		.ttl = pkt->ttl - 1,
		.protocol = IPPROTO_UDP,
	};

	if ((void *)(ip + 1) > data_end)
		return -1;
	__builtin_memcpy(&h.saddr, w->out_local_addr, 4);
	__builtin_memcpy(&h.daddr, w->out_peer_addr, 4);
	h.check = csum_ipv4_hdr(&h);
	__builtin_memcpy(ip, &h, sizeof(h));
	return 0;
}

/* IPv6 egress: in place (flow label kept) or new (IPv4 ingress, label 0). */
static __always_inline int write_ipv6(struct ipv6hdr *ip6, void *data_end,
				      const struct lts_pkt *pkt, const struct lts_wide_val *w, int dscp)
{
	__u32 flow = 0;

	if ((void *)(ip6 + 1) > data_end)
		return -1;
	if (pkt->family == LTS_FAMILY_IPV6)
		flow = bpf_ntohl(*(__be32 *)ip6) & 0xfffff;
	*(__be32 *)ip6 = bpf_htonl((6U << 28) | ((__u32)egress_tos(pkt, dscp) << 20) | flow);
	ip6->payload_len = bpf_htons(pkt->udp_len);
	ip6->nexthdr = IPPROTO_UDP;
	ip6->hop_limit = pkt->ttl - 1;
	__builtin_memcpy(&ip6->saddr, w->out_local_addr, 16);
	__builtin_memcpy(&ip6->daddr, w->out_peer_addr, 16);
	return 0;
}

/* UDP ports and checksum (delta from install plus the arrival port), L2TP IDs. */
static __always_inline void rewrite_udp_l2tp(struct udphdr *udp, __u8 *l2tp,
					     const struct lts_pkt *pkt, __u16 sport,
					     __u16 dport, __u16 csum, __u16 tid, __u16 sid,
					     int csum_required)
{
	udp->source = bpf_htons(sport);
	udp->dest = bpf_htons(dport);
	/* A zero UDP checksum over IPv4 means "none" and stays so (RFC 768). */
	if (udp->check || csum_required) {
		udp->check = csum_apply(udp->check, (__u32)csum + (__u16)~pkt->dport);
		if (!udp->check)
			udp->check = 0xffff;
	}
	*(__be16 *)l2tp = bpf_htons(tid);
	*(__be16 *)(l2tp + 2) = bpf_htons(sid);
}

/*
 * Rewrite the frame for a wide entry. Everything read from the old headers
 * is in pkt or read before the head moves. Returns LTS_CONTINUE or
 * LTS_R_PASS_ADJUST (frame untouched).
 */
static __always_inline int lts_wide_rewrite(struct xdp_md *ctx, const struct lts_pkt *pkt,
					    const struct lts_wide_val *w,
					    const struct lts_nh_entry *nh, int dscp)
{
	__u32 old_hdr = pkt->l2_len + pkt->l3_len;
	__u32 l2 = egress_l2_len(nh), l3 = wide_l3_len(pkt, w);
	__u32 new_hdr = l2 + l3, ids = lts_l2tp_ids_off(pkt->l2tp_flags);
	__be16 proto = bpf_htons(w->family == LTS_FAMILY_IPV4 ? ETH_P_IP : ETH_P_IPV6);
	void *data, *data_end, *ip;
	struct udphdr *udp;
	__u8 *l2tp;
	int err;

	if (old_hdr != new_hdr && bpf_xdp_adjust_head(ctx, (int)old_hdr - (int)new_hdr))
		return LTS_R_PASS_ADJUST;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;

	udp = data + (new_hdr & 0xff);
	l2tp = (__u8 *)(udp + 1) + (ids & 0x7);
	ip = data + (l2 & 0x1f);
	/* Bounds checks here cannot fail after parsing; they inform the verifier. */
	if (l2tp + 4 > (__u8 *)data_end || write_eth(data, data_end, nh, proto))
		return LTS_R_PASS_ADJUST;
	if (w->family == LTS_FAMILY_IPV6)
		err = write_ipv6(ip, data_end, pkt, w, dscp);
	else if (pkt->family == LTS_FAMILY_IPV4)
		err = rewrite_ipv4(ip, data_end, pkt, w, dscp);
	else
		err = build_ipv4(ip, data_end, pkt, w, dscp);
	if (err)
		return LTS_R_PASS_ADJUST;
	rewrite_udp_l2tp(udp, l2tp, pkt, w->out_local_port, w->out_peer_port, w->udp_csum,
			 w->out_tunnel_id, w->out_session_id, w->family == LTS_FAMILY_IPV6);
	return LTS_CONTINUE;
}

/*
 * A frame of a wide entry, from the checks to the counters: the verdict's
 * reason in *reason, the XDP action returned.
 */
static __always_inline int lts_wide_switch(struct xdp_md *ctx, const struct lts_pkt *pkt,
					   struct lts_wide_val *w, __u32 *reason, const int cpumap)
{
	void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
	const struct lts_nh_entry *nh = NULL;
	int action = XDP_PASS, dscp = -1;
	__u32 reason_ok = LTS_R_SWITCHED_TX;

	/* Row 20: an IPv6 UDP checksum is mandatory and there is none to update. */
	*reason = lts_check_egress(ctx, pkt, w->nexthop, wide_l3_len(pkt, w),
				   pkt->family == LTS_FAMILY_IPV4 && w->family == LTS_FAMILY_IPV6 &&
					   !pkt->udp_check,
				   &nh, &action, &reason_ok, cpumap);
	if (*reason == LTS_CONTINUE && (w->flags & LTS_FE_POLICE))
		*reason = lts_police(w->stats_idx, w->dir, pkt->udp_len - sizeof(struct udphdr));
	if (*reason == LTS_R_DROP_POLICE)
		return XDP_DROP;
	if (w->flags & (LTS_FE_DSCP_SET | LTS_FE_DSCP_COPY))
		dscp = lts_egress_dscp(data, data_end, pkt, w->flags, w->dscp);
	if (*reason == LTS_CONTINUE && nh)
		*reason = lts_wide_rewrite(ctx, pkt, w, nh, dscp);
	if (*reason != LTS_CONTINUE)
		return XDP_PASS;
	lts_count_entry(w, pkt->udp_len - sizeof(struct udphdr));
	*reason = reason_ok;
	return action;
}

#endif /* LTS_BPF_FWD_H */
