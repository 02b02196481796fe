/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Forwarding a switched frame: the egress checks that need the switch entry
 * (docs/dataplane.md rows 16-21), the in-place rewrite of the outer headers
 * and L2TP IDs, and the choice between XDP_TX and a devmap redirect.
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

static __always_inline __u32 egress_l2_len(const struct lts_switch_val *val)
{
	return ETH_HLEN + ((val->flags & LTS_SW_F_VLAN) ? VLAN_HDR_LEN : 0);
}

/* IPv4 options are kept on an IPv4 -> IPv4 switch and dropped otherwise. */
static __always_inline __u32 egress_l3_len(const struct lts_pkt *pkt,
					   const struct lts_switch_val *val)
{
	if (val->family == LTS_FAMILY_IPV6)
		return IPV6_HDR_LEN;
	return pkt->family == LTS_FAMILY_IPV4 ? pkt->l3_len : IPV4_HDR_LEN;
}

static __always_inline __u8 egress_tos(const struct lts_pkt *pkt,
				       const struct lts_switch_val *val)
{
	if (val->flags & LTS_SW_F_DSCP_SET)
		return (val->dscp << 2) | (pkt->tos & 0x3); /* ECN bits kept */
	return pkt->tos;
}

/* Rows 16-20: can the fast path emit this frame on the entry's leg? */
static __always_inline int lts_check_egress(const struct xdp_md *ctx,
					    const struct lts_pkt *pkt,
					    const struct lts_switch_val *val)
{
	__u32 ifindex = val->ifindex;

	if (pkt->ttl <= 1)
		return LTS_R_PASS_TTL;
	if (!(val->flags & LTS_SW_F_NH_VALID))
		return LTS_R_PASS_NO_NEIGH;
	if (ifindex != ctx->ingress_ifindex && !bpf_map_lookup_elem(&tx_ports, &ifindex))
		return LTS_R_PASS_NO_EGRESS;
	/* An IPv6 UDP checksum is mandatory and there is none to update. */
	if (pkt->family == LTS_FAMILY_IPV4 && val->family == LTS_FAMILY_IPV6 && !pkt->udp_check)
		return LTS_R_PASS_CSUM;
	if (egress_l3_len(pkt, val) + pkt->udp_len > val->mtu)
		return LTS_R_PASS_MTU;
	return LTS_CONTINUE;
}

/* Sum of the old and new UDP pseudo-header addresses, ports and IDs. */
static __always_inline __u32 udp_csum_delta(const struct lts_pkt *pkt,
					    const struct lts_switch_val *val,
					    __u16 old_dport)
{
	__u32 old = csum_addr(pkt->key.peer_addr, pkt->family) +
		    csum_addr(pkt->key.local_addr, pkt->family) +
		    bpf_htons(pkt->key.peer_port) + old_dport +
		    bpf_htons(pkt->key.tunnel_id) + bpf_htons(pkt->key.session_id);
	__u32 new = csum_addr(val->local_addr, val->family) +
		    csum_addr(val->peer_addr, val->family) +
		    bpf_htons(val->local_port) + bpf_htons(val->peer_port) +
		    bpf_htons(val->peer_tunnel_id) + bpf_htons(val->peer_session_id);

	/* Protocol and length terms are equal in the v4 and v6 pseudo-headers. */
	return csum_delta(old, new);
}

/*
 * The writers below check their own bounds although the frame was parsed:
 * clang may rebuild a pointer from data, losing what the verifier learnt.
 */
static __always_inline int write_eth(struct ethhdr *eth, void *data_end,
				     const struct lts_switch_val *val)
{
	__be16 proto = bpf_htons(val->family == LTS_FAMILY_IPV4 ? ETH_P_IP : ETH_P_IPV6);
	struct vlan_tag *tag = (void *)(eth + 1);

	if ((void *)(tag + 1) > data_end)
		return -1;
	__builtin_memcpy(eth->h_dest, val->dst_mac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, val->src_mac, ETH_ALEN);
	if (val->flags & LTS_SW_F_VLAN) {
		eth->h_proto = bpf_htons(ETH_P_8021Q);
		tag->tci = bpf_htons(val->vlan_tci);
		tag->proto = proto;
	} else {
		eth->h_proto = proto;
	}
	return 0;
}

/* IPv4 -> IPv4: rewrite in place, header checksum updated incrementally. */
static __always_inline int rewrite_ipv4(struct iphdr *ip, void *data_end,
					const struct lts_pkt *pkt,
					const struct lts_switch_val *val)
{
	__u16 *tos_word = (__u16 *)ip, *ttl_word = (__u16 *)&ip->ttl;
	__u32 old;

	if ((void *)(ip + 1) > data_end)
		return -1;
	old = csum_u32(ip->saddr) + csum_u32(ip->daddr) + *tos_word + *ttl_word;

	ip->tos = egress_tos(pkt, val);
	ip->ttl--;
	__builtin_memcpy(&ip->saddr, val->local_addr, 4);
	__builtin_memcpy(&ip->daddr, val->peer_addr, 4);
	ip->check = csum_apply(ip->check, csum_delta(old, csum_u32(ip->saddr) +
						      csum_u32(ip->daddr) + *tos_word + *ttl_word));
	return 0;
}

/*
 * IPv6 -> IPv4: a new header, an atomic datagram per RFC 6864 (DF, ID 0).
 * Built on the stack so the checksum loop never reads packet memory.
 */
static __always_inline int build_ipv4(struct iphdr *ip, void *data_end,
				      const struct lts_pkt *pkt,
				      const struct lts_switch_val *val)
{
	struct iphdr h = {
		.version = 4,
		.ihl = IPV4_HDR_LEN / 4,
		.tos = egress_tos(pkt, val),
		.tot_len = bpf_htons(IPV4_HDR_LEN + pkt->udp_len),
		.frag_off = bpf_htons(IPV4_DF),
		.ttl = pkt->ttl - 1,
		.protocol = IPPROTO_UDP,
	};

	if ((void *)(ip + 1) > data_end)
		return -1;
	__builtin_memcpy(&h.saddr, val->local_addr, 4);
	__builtin_memcpy(&h.daddr, val->peer_addr, 4);
	h.check = csum_ipv4_hdr(&h);
	__builtin_memcpy(ip, &h, sizeof(h));
	return 0;
}

/* IPv6 egress: in place (flow label kept) or new (IPv4 ingress, label 0). */
static __always_inline int write_ipv6(struct ipv6hdr *ip6, void *data_end,
				      const struct lts_pkt *pkt,
				      const struct lts_switch_val *val)
{
	__u32 flow = 0;

	if ((void *)(ip6 + 1) > data_end)
		return -1;
	if (pkt->family == LTS_FAMILY_IPV6)
		flow = bpf_ntohl(*(__be32 *)ip6) & 0xfffff;
	*(__be32 *)ip6 = bpf_htonl((6U << 28) | ((__u32)egress_tos(pkt, val) << 20) | flow);
	ip6->payload_len = bpf_htons(pkt->udp_len);
	ip6->nexthdr = IPPROTO_UDP;
	ip6->hop_limit = pkt->ttl - 1;
	__builtin_memcpy(&ip6->saddr, val->local_addr, 16);
	__builtin_memcpy(&ip6->daddr, val->peer_addr, 16);
	return 0;
}

/*
 * Rewrite the frame for the entry's leg. Everything read from the old
 * headers is in pkt or read before the head moves. Returns LTS_CONTINUE or
 * LTS_R_PASS_ADJUST (frame untouched).
 */
static __always_inline int lts_rewrite(struct xdp_md *ctx, const struct lts_pkt *pkt,
				       const struct lts_switch_val *val)
{
	__u32 old_hdr = pkt->l2_len + pkt->l3_len;
	__u32 l2 = egress_l2_len(val), l3 = egress_l3_len(pkt, val);
	__u32 new_hdr = l2 + l3, ids = lts_l2tp_ids_off(pkt->l2tp_flags);
	void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
	struct udphdr *udp = data + (old_hdr & 0xff);
	__u32 udp_delta;
	__u8 *l2tp;
	void *ip;
	int err;

	if ((void *)(udp + 1) > data_end)
		return LTS_R_PASS_ADJUST;
	udp_delta = udp_csum_delta(pkt, val, udp->dest);

	if (old_hdr != new_hdr && bpf_xdp_adjust_head(ctx, (int)old_hdr - (int)new_hdr))
		return LTS_R_PASS_ADJUST;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;

	udp = data + (new_hdr & 0xff);
	l2tp = (__u8 *)(udp + 1) + (ids & 0x7);
	ip = data + (l2 & 0x1f);
	/* Bounds checks here cannot fail after parsing; they inform the verifier. */
	if (l2tp + 4 > (__u8 *)data_end || write_eth(data, data_end, val))
		return LTS_R_PASS_ADJUST;
	if (val->family == LTS_FAMILY_IPV6)
		err = write_ipv6(ip, data_end, pkt, val);
	else if (pkt->family == LTS_FAMILY_IPV4)
		err = rewrite_ipv4(ip, data_end, pkt, val);
	else
		err = build_ipv4(ip, data_end, pkt, val);
	if (err)
		return LTS_R_PASS_ADJUST;

	udp->source = bpf_htons(val->local_port);
	udp->dest = bpf_htons(val->peer_port);
	/* A zero UDP checksum over IPv4 means "none" and stays so (RFC 768). */
	if (udp->check || val->family == LTS_FAMILY_IPV6) {
		udp->check = csum_apply(udp->check, udp_delta);
		if (!udp->check)
			udp->check = 0xffff;
	}

	*(__be16 *)l2tp = bpf_htons(val->peer_tunnel_id);
	*(__be16 *)(l2tp + 2) = bpf_htons(val->peer_session_id);
	return LTS_CONTINUE;
}

/* Rows 22-23: same NIC -> XDP_TX, else the devmap. */
static __always_inline int lts_xmit(const struct xdp_md *ctx, const struct lts_switch_val *val,
				    __u32 *reason)
{
	if (val->ifindex == ctx->ingress_ifindex) {
		*reason = LTS_R_SWITCHED_TX;
		return XDP_TX;
	}
	*reason = LTS_R_SWITCHED_REDIRECT;
	return bpf_redirect_map(&tx_ports, val->ifindex, 0);
}

#endif /* LTS_BPF_FWD_H */
