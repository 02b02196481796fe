/* SPDX-License-Identifier: GPL-2.0 */
/*
 * L2TPv2 header classification (RFC 2661 3.1): version, control or data,
 * header length for every L/S/O/P combination, and the IDs for the key.
 * Layout helpers come from maps/lts_l2tp.h, shared with the agent.
 */
#ifndef LTS_BPF_L2TP_H
#define LTS_BPF_L2TP_H

#include "common.h"

/* Offset of the L2TP header from the start of the frame. */
static __always_inline __u32 l2tp_off(const struct lts_pkt *pkt)
{
	return (pkt->l2_len + pkt->l3_len + sizeof(struct udphdr)) & 0xff;
}

/* Rows 11-14 of docs/dataplane.md; fills the IDs. */
static __always_inline int lts_parse_l2tp(void *data, void *data_end, struct lts_pkt *pkt)
{
	__u32 avail = pkt->udp_len - sizeof(struct udphdr);
	__u8 *l2tp = data + l2tp_off(pkt);
	__u32 hlen, ids;
	__u16 flags;

	if (avail < 2 || l2tp + 2 > (__u8 *)data_end)
		return LTS_R_DROP_TRUNCATED;
	flags = bpf_ntohs(*(__be16 *)l2tp);
	if ((flags & LTS_L2TP_VER_MASK) != LTS_L2TP_VERSION)
		/*
		 * Not ours to discard: the frame may be for another host or
		 * another service (L2TPv3 over UDP). If it is for us, the agent's
		 * socket discards it (RFC 2661 3.1) and counts it as malformed.
		 */
		return LTS_R_PASS_BAD_VERSION;
	if (flags & LTS_L2TP_F_TYPE)
		return LTS_R_PASS_CONTROL;

	hlen = lts_l2tp_hdr_len(flags);
	if (hlen > avail)
		return LTS_R_DROP_TRUNCATED;
	if (flags & LTS_L2TP_F_OFFSET) {
		__u8 *osz = l2tp + ((hlen - 2) & 0xf);

		if (osz + 2 > (__u8 *)data_end)
			return LTS_R_DROP_TRUNCATED;
		if (hlen + bpf_ntohs(*(__be16 *)osz) > avail)
			return LTS_R_DROP_TRUNCATED;
	}

	ids = lts_l2tp_ids_off(flags);
	if (l2tp + ids + 4 > (__u8 *)data_end)
		return LTS_R_DROP_TRUNCATED;
	pkt->l2tp_flags = flags;
	pkt->tunnel_id = bpf_ntohs(*(__be16 *)(l2tp + ids));
	pkt->session_id = bpf_ntohs(*(__be16 *)(l2tp + ids + 2));
	return LTS_CONTINUE;
}

#endif /* LTS_BPF_L2TP_H */
