/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-session policing and marking (the rule's or static session's police:
 * and dscp:). Only entries with LTS_FE_POLICE / LTS_FE_DSCP_* get here: the
 * others pay one flag test.
 */
#ifndef LTS_BPF_QOS_H
#define LTS_BPF_QOS_H

#include "common.h"
#include "l2tp.h"
#include "lts_maps.bpf.h"

#define PPP_ADDRESS 0xff
#define PPP_CONTROL 0x03
#define PPP_IPV4 0x21
#define PPP_IPV6 0x57
/* Offset padding beyond this is not looked into for the inner DSCP. */
#define LTS_OFFSET_PAD_MAX 0x3ff

/*
 * The DSCP of the IP packet the frame carries: PPP (address and control
 * field optional, protocol field compressed or not) with IPv4 or IPv6 after
 * the L2TP header and its offset padding, within the UDP payload. -1: not
 * IP, or cut short.
 */
static __always_inline int lts_inner_dscp(void *data, void *data_end, const struct lts_pkt *pkt)
{
	__u8 *p = data + l2tp_off(pkt), *end = p + (pkt->udp_len - sizeof(struct udphdr));
	__u32 hlen = lts_l2tp_hdr_len(pkt->l2tp_flags) & 0xf;
	__u16 proto;

	if ((void *)end > data_end)
		end = data_end;
	if (pkt->l2tp_flags & LTS_L2TP_F_OFFSET) {
		__u8 *osz = p + hlen - 2;

		if (osz + 2 > (__u8 *)data_end)
			return -1;
		hlen += bpf_ntohs(*(__be16 *)osz) & LTS_OFFSET_PAD_MAX;
	}
	p += hlen;
	if (p + 2 <= end && p + 2 <= (__u8 *)data_end && p[0] == PPP_ADDRESS &&
	    p[1] == PPP_CONTROL)
		p += 2;
	if (p + 1 > end || p + 1 > (__u8 *)data_end)
		return -1;
	/* RFC 1661 6.5: a protocol field's last byte is odd; compressed, it is one byte. */
	if (p[0] & 1) {
		proto = p[0];
		p += 1;
	} else {
		if (p + 2 > end || p + 2 > (__u8 *)data_end)
			return -1;
		proto = (__u16)(p[0] << 8 | p[1]);
		p += 2;
	}
	if (p + 2 > end || p + 2 > (__u8 *)data_end)
		return -1;
	if (proto == PPP_IPV4 && (p[0] >> 4) == 4)
		return p[1] >> 2;
	if (proto == PPP_IPV6 && (p[0] >> 4) == 6)
		return ((p[0] & 0xf) << 2) | (p[1] >> 6);
	return -1;
}

/* The outer DSCP the entry asks for (flags, dscp), or -1: keep the frame's. */
static __always_inline int lts_egress_dscp(void *data, void *data_end, const struct lts_pkt *pkt,
					   __u8 flags, __u8 dscp)
{
	if (flags & LTS_FE_DSCP_SET)
		return dscp;
	if (flags & LTS_FE_DSCP_COPY)
		return lts_inner_dscp(data, data_end, pkt);
	return -1;
}

/*
 * The token bucket of the entry's direction: LTS_CONTINUE if the frame's
 * bytes fit (taken), else LTS_R_DROP_POLICE (counted). No bucket: fail open.
 */
static __always_inline int lts_police(__u32 stats_idx, __u8 dir, __u32 bytes)
{
	__u32 idx = 2 * stats_idx + (dir & 1);
	struct lts_policer *p = bpf_map_lookup_elem(&policers, &idx);
	__u64 now, delta, tokens;

	if (!p)
		return LTS_CONTINUE;
	now = bpf_ktime_get_coarse_ns();
	delta = now - p->last_ns;
	if (delta > LTS_POLICE_MAX_NS)
		delta = LTS_POLICE_MAX_NS;
	tokens = p->tokens + ((delta * p->rate) >> LTS_POLICE_SHIFT);
	if (tokens > p->burst)
		tokens = p->burst;
	p->last_ns = now;
	if (tokens < bytes) {
		p->tokens = tokens;
		p->dropped++;
		return LTS_R_DROP_POLICE;
	}
	p->tokens = tokens - bytes;
	return LTS_CONTINUE;
}

#endif /* LTS_BPF_QOS_H */
