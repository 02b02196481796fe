/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fast table: legs whose frames arrive and leave over IPv4, one cache
 * line each (struct lts_fast_entry) with their counters. Everything constant
 * for the leg was computed by the agent at install, so a frame costs the
 * lookup, a compare of the fields that identify its sender, the next hop's
 * checks (fwd.h), stores of the new header fields and two checksum folds.
 */
#ifndef LTS_BPF_FAST_H
#define LTS_BPF_FAST_H

#include "common.h"
#include "csum.h"
#include "fwd.h"
#include "l2tp.h"
#include "parse.h"
#include "lts_maps.bpf.h"
#include "stats.h"

/*
 * The entry for an IPv4 frame's sender and IDs, or NULL: the slot its IDs
 * index, if the slot's entry is installed and matches everything that
 * identifies the sender (anti-spoofing as with a hash key: addresses, port,
 * IDs).
 */
static __always_inline struct lts_fast_entry *lts_fast_lookup(const struct lts_pkt *pkt)
{
	__u32 slot = lts_slot(pkt->tunnel_id, pkt->session_id, lts_cfg.n_slots);
	struct lts_fast_entry *e = bpf_map_lookup_elem(&switch_table, &slot);
	__u32 peer, local;

	if (!e || !(e->flags & LTS_FE_VALID) || e->tunnel_id != pkt->tunnel_id ||
	    e->session_id != pkt->session_id || e->peer_port != pkt->sport)
		return NULL;
	__builtin_memcpy(&peer, e->peer_addr, 4);
	__builtin_memcpy(&local, e->local_addr, 4);
	if (peer != pkt->saddr || local != pkt->daddr)
		return NULL;
	return e;
}

/*
 * IPv4 -> IPv4 in place, IP options kept. Only the Ethernet header may
 * change size (VLAN tags). Returns LTS_CONTINUE or LTS_R_PASS_ADJUST (frame
 * untouched).
 */
static __always_inline int lts_fast_rewrite(struct xdp_md *ctx, const struct lts_pkt *pkt,
					    const struct lts_fast_entry *e,
					    const struct lts_nh_entry *nh, int dscp)
{
	__u32 l2 = egress_l2_len(nh), ids = lts_l2tp_ids_off(pkt->l2tp_flags);
	__u32 delta = e->ip_csum;
	void *data, *data_end;
	struct udphdr *udp;
	struct iphdr *ip;
	__u16 old;
	__u8 *l2tp;

	if (l2 != pkt->l2_len && bpf_xdp_adjust_head(ctx, (int)pkt->l2_len - (int)l2))
		return LTS_R_PASS_ADJUST;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	ip = data + (l2 & 0x1f);
	udp = (void *)ip + (pkt->l3_len & 0x3f);
	l2tp = (__u8 *)(udp + 1) + (ids & 0x7);
	/* Cannot fail after parsing; informs the verifier. */
	if ((void *)(ip + 1) > data_end || l2tp + 4 > (__u8 *)data_end ||
	    write_eth(data, data_end, nh, bpf_htons(ETH_P_IP)))
		return LTS_R_PASS_ADJUST;

	if (dscp >= 0) {
		old = *(__u16 *)ip;
		ip->tos = (dscp << 2) | (ip->tos & 0x3); /* ECN bits kept */
		delta += (__u16)~old + *(__u16 *)ip;
	}
	ip->ttl--;
	__builtin_memcpy(&ip->saddr, e->out_local_addr, 4);
	__builtin_memcpy(&ip->daddr, e->out_peer_addr, 4);
	ip->check = csum_apply(ip->check, delta);
	rewrite_udp_l2tp(udp, l2tp, pkt, e->out_local_port, e->out_peer_port, e->udp_csum,
			 e->out_tunnel_id, e->out_session_id, 0);
	return LTS_CONTINUE;
}

/*
 * A frame of a fast entry, from the checks to the counters: the verdict's
 * reason in *reason, the XDP action returned.
 */
static __always_inline int lts_fast_switch(struct xdp_md *ctx, const struct lts_pkt *pkt,
					   struct lts_fast_entry *e, __u32 *reason, const int cpumap)
{
	const struct lts_nh_entry *nh = NULL;
	int action = XDP_PASS, dscp = -1;
	__u32 reason_ok = LTS_R_SWITCHED_TX;

	*reason = lts_check_egress(ctx, pkt, e->nexthop, pkt->l3_len, 0, &nh, &action, &reason_ok,
				   cpumap);
	/* Policing and marking: one flag test for the entries without. */
	if (e->flags & (LTS_FE_POLICE | LTS_FE_DSCP_SET | LTS_FE_DSCP_COPY)) {
		if (*reason == LTS_CONTINUE && (e->flags & LTS_FE_POLICE))
			*reason = lts_police(e->stats_idx, e->dir,
					     pkt->udp_len - sizeof(struct udphdr));
		if (*reason == LTS_R_DROP_POLICE)
			return XDP_DROP;
		dscp = lts_egress_dscp((void *)(long)ctx->data, (void *)(long)ctx->data_end, pkt,
				       e->flags, e->dscp);
	}
	if (*reason == LTS_CONTINUE && nh)
		*reason = lts_fast_rewrite(ctx, pkt, e, nh, dscp);
	if (*reason != LTS_CONTINUE)
		return XDP_PASS;
	lts_count_entry(e, pkt->udp_len - sizeof(struct udphdr));
	*reason = reason_ok;
	return action;
}

/*
 * dataplane.spread_cpus: the CPU that switches the frames of these IDs,
 * always the same one for a session (its frames stay in order), spread by
 * the same mix as the table's slots. XDP_REDIRECT if the frame was handed
 * to another CPU's cpumap queue; else this CPU goes on with it (its own
 * share, or a CPU missing from cpu_map: fail open).
 */
static __always_inline int lts_spread(const struct lts_pkt *pkt)
{
	__u32 n = lts_cfg.n_spread, cpu;

	cpu = lts_cfg.spread[lts_slot(pkt->tunnel_id, pkt->session_id, n) & (LTS_MAX_SPREAD - 1)];
	if (cpu == bpf_get_smp_processor_id())
		return XDP_PASS;
	return bpf_redirect_map(&cpu_map, cpu, XDP_PASS);
}

#endif /* LTS_BPF_FAST_H */
