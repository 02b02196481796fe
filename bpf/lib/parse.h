/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Outer header parsing: Ethernet (up to two VLAN tags), IPv4 (with options)
 * or IPv6, UDP to one of the configured L2TP ports. Each stage returns
 * LTS_CONTINUE or the reason that ends the frame's journey (docs/dataplane.md
 * rows 1-10, in that order).
 */
#ifndef LTS_BPF_PARSE_H
#define LTS_BPF_PARSE_H

#include "common.h"

struct vlan_tag {
	__be16 tci;
	__be16 proto;
};

/* Set by the agent before load (rodata). */
const volatile struct lts_xdp_config lts_cfg = {
	.l2tp_ports = { LTS_L2TP_PORT_DEFAULT },
	.n_slots = 2 * LTS_MAX_SESSIONS_DEFAULT,
};

static __always_inline int is_vlan(__be16 proto)
{
	return proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD);
}

static __always_inline int parse_eth(void *data, void *data_end,
				     struct lts_pkt *pkt, __be16 *proto)
{
	struct ethhdr *eth = data;
	struct vlan_tag *tag;
	__u32 off = sizeof(*eth);

	if ((void *)(eth + 1) > data_end)
		return LTS_R_DROP_TRUNCATED;
	/* One 16-bit load: ethhdr is packed, its field would be read byte by byte. */
	*proto = *(__be16 *)(data + 2 * ETH_ALEN);
#pragma unroll
	for (int i = 0; i < MAX_VLAN_TAGS; i++) {
		if (!is_vlan(*proto))
			break;
		tag = data + off;
		if ((void *)(tag + 1) > data_end)
			return LTS_R_DROP_TRUNCATED;
		*proto = tag->proto;
		off += VLAN_HDR_LEN;
	}
	if (is_vlan(*proto))
		return LTS_R_PASS_NOT_L2TP;
	pkt->l2_len = off;
	return LTS_CONTINUE;
}

static __always_inline int parse_ipv4(void *data, void *data_end, struct lts_pkt *pkt)
{
	struct iphdr *ip = data + (pkt->l2_len & 0xff);
	__u32 ihl, tot_len;

	if ((void *)(ip + 1) > data_end)
		return LTS_R_DROP_TRUNCATED;
	if (ip->version != 4)
		return LTS_R_PASS_NOT_L2TP;
	ihl = ip->ihl * 4;
	tot_len = bpf_ntohs(ip->tot_len);
	if (ihl < IPV4_HDR_LEN || tot_len < ihl ||
	    (void *)ip + tot_len > data_end)
		return LTS_R_DROP_TRUNCATED;
	if (ip->protocol != IPPROTO_UDP)
		return LTS_R_PASS_NOT_L2TP;
	if (ip->frag_off & bpf_htons(IPV4_FRAG_MASK))
		return LTS_R_PASS_FRAGMENT;

	pkt->family = LTS_FAMILY_IPV4;
	pkt->l3_len = ihl;
	pkt->udp_len = tot_len - ihl;
	pkt->ttl = ip->ttl;
	pkt->tos = ip->tos;
	pkt->saddr = ip->saddr;
	pkt->daddr = ip->daddr;
	return LTS_CONTINUE;
}

static __always_inline int is_ipv6_exthdr(__u8 nexthdr)
{
	switch (nexthdr) {
	case 0:   /* hop-by-hop */
	case 43:  /* routing */
	case 44:  /* fragment */
	case 50:  /* ESP */
	case 51:  /* AH */
	case 60:  /* destination options */
	case 135: /* mobility */
	case 139: /* HIP */
	case 140: /* shim6 */
		return 1;
	}
	return 0;
}

static __always_inline int parse_ipv6(void *data, void *data_end, struct lts_pkt *pkt)
{
	struct ipv6hdr *ip6 = data + (pkt->l2_len & 0xff);
	__u32 plen;

	if ((void *)(ip6 + 1) > data_end)
		return LTS_R_DROP_TRUNCATED;
	plen = bpf_ntohs(ip6->payload_len);
	if ((void *)(ip6 + 1) + plen > data_end)
		return LTS_R_DROP_TRUNCATED;
	if (is_ipv6_exthdr(ip6->nexthdr))
		return LTS_R_PASS_IPV6_EXTHDR;
	if (ip6->nexthdr != IPPROTO_UDP)
		return LTS_R_PASS_NOT_L2TP;

	pkt->family = LTS_FAMILY_IPV6;
	pkt->l3_len = IPV6_HDR_LEN;
	pkt->udp_len = plen;
	pkt->ttl = ip6->hop_limit;
	pkt->tos = (ip6->priority << 4) | (ip6->flow_lbl[0] >> 4);
	return LTS_CONTINUE;
}

static __always_inline int is_l2tp_port(__u16 port)
{
#pragma unroll
	for (int i = 0; i < LTS_MAX_L2TP_PORTS; i++)
		if (lts_cfg.l2tp_ports[i] && lts_cfg.l2tp_ports[i] == port)
			return 1;
	return 0;
}

static __always_inline int parse_udp(void *data, void *data_end, struct lts_pkt *pkt)
{
	struct udphdr *udp = data + ((pkt->l2_len + pkt->l3_len) & 0xff);

	if ((void *)(udp + 1) > data_end || pkt->udp_len < sizeof(*udp))
		return LTS_R_DROP_TRUNCATED;
	if (!is_l2tp_port(bpf_ntohs(udp->dest)))
		return LTS_R_PASS_NOT_L2TP;
	pkt->sport = bpf_ntohs(udp->source);
	pkt->dport = udp->dest;
	pkt->udp_check = udp->check;
	return LTS_CONTINUE;
}

/* Rows 1-10 of docs/dataplane.md. */
static __always_inline int lts_parse_outer(void *data, void *data_end, struct lts_pkt *pkt)
{
	__be16 proto;
	int ret;

	ret = parse_eth(data, data_end, pkt, &proto);
	if (ret != LTS_CONTINUE)
		return ret;
	if (proto == bpf_htons(ETH_P_IP))
		ret = parse_ipv4(data, data_end, pkt);
	else if (proto == bpf_htons(ETH_P_IPV6))
		ret = parse_ipv6(data, data_end, pkt);
	else
		return LTS_R_PASS_NOT_L2TP;
	if (ret != LTS_CONTINUE)
		return ret;
	return parse_udp(data, data_end, pkt);
}

/* The switch_wide key of a parsed frame: addresses read again from its IP header. */
static __always_inline int lts_wide_key(void *data, void *data_end, const struct lts_pkt *pkt,
					struct lts_switch_key *key)
{
	void *ip = data + (pkt->l2_len & 0xff);

	key->family = pkt->family;
	key->peer_port = pkt->sport;
	key->tunnel_id = pkt->tunnel_id;
	key->session_id = pkt->session_id;
	if (pkt->family == LTS_FAMILY_IPV4) {
		__builtin_memcpy(key->peer_addr, &pkt->saddr, 4);
		__builtin_memcpy(key->local_addr, &pkt->daddr, 4);
		return 0;
	}
	if (ip + sizeof(struct ipv6hdr) > data_end)
		return -1;
	__builtin_memcpy(key->peer_addr, &((struct ipv6hdr *)ip)->saddr, 16);
	__builtin_memcpy(key->local_addr, &((struct ipv6hdr *)ip)->daddr, 16);
	return 0;
}

#endif /* LTS_BPF_PARSE_H */
