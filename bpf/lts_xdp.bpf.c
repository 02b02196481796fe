// SPDX-License-Identifier: GPL-2.0
/*
 * XDP fast path of the L2TP tunnel switch:
 *   parse -> classify -> lookup -> rewrite -> forward -> count.
 * Every frame ends in one verdict and one reason counter; see
 * docs/dataplane.md for the table this program implements.
 */
#include "lib/common.h"
#include "lib/parse.h"
#include "lib/l2tp.h"
#include "lib/fwd.h"
#include "lib/stats.h"

static __always_inline int lts_verdict(int reason)
{
	switch (reason) {
	case LTS_R_DROP_TRUNCATED:
		return XDP_DROP;
	default:
		return XDP_PASS; /* fail open: the kernel and the agent handle it */
	}
}

SEC("xdp")
int lts_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
	struct lts_switch_val *val;
	struct lts_pkt pkt = {};
	__u32 reason;
	int action;

	reason = lts_parse_outer(data, data_end, &pkt);
	if (reason == LTS_CONTINUE)
		reason = lts_parse_l2tp(data, data_end, &pkt);
	if (reason != LTS_CONTINUE)
		return lts_count_reason(reason, lts_verdict(reason));

	val = bpf_map_lookup_elem(&switch_table, &pkt.key);
	if (!val)
		return lts_count_reason(LTS_R_PASS_NO_SESSION, XDP_PASS);

	reason = lts_check_egress(ctx, &pkt, val);
	if (reason == LTS_CONTINUE)
		reason = lts_rewrite(ctx, &pkt, val);
	if (reason != LTS_CONTINUE)
		return lts_count_reason(reason, XDP_PASS);

	lts_count_session(val, pkt.udp_len - sizeof(struct udphdr));
	action = lts_xmit(ctx, val, &reason);
	return lts_count_reason(reason, action);
}

char LICENSE[] SEC("license") = "GPL";
