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
#include "lib/fast.h"
#include "lib/stats.h"

static __always_inline int lts_verdict(int reason)
{
	switch (reason) {
	case LTS_R_DROP_TRUNCATED:
	case LTS_R_DROP_POLICE:
		return XDP_DROP;
	default:
		return XDP_PASS; /* fail open: the kernel and the agent handle it */
	}
}

/* Everything but the IPv4 fast table: the frame's full key in switch_wide. */
static __noinline int lts_xdp_wide(struct xdp_md *ctx, struct lts_pkt *pkt, int cpumap)
{
	void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
	struct lts_switch_key key = {};
	struct lts_wide_val *w;
	__u32 reason;
	int action;

	if (lts_wide_key(data, data_end, pkt, &key))
		return lts_count_reason(LTS_R_DROP_TRUNCATED, XDP_DROP);
	w = bpf_map_lookup_elem(&switch_wide, &key);
	if (!w)
		return lts_count_reason(LTS_R_PASS_NO_SESSION, XDP_PASS);
	action = lts_wide_switch(ctx, pkt, w, &reason, cpumap);
	return lts_count_reason(reason, action);
}

/* cpumap: 1 in the program that runs on a session's CPU (dataplane.spread_cpus). */
static __always_inline int lts_main(struct xdp_md *ctx, const int cpumap)
{
	void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
	struct lts_fast_entry *fe;
	struct lts_pkt pkt = {};
	__u32 reason;
	int action;

	reason = lts_parse_outer(data, data_end, &pkt);
	if (reason == LTS_CONTINUE)
		reason = lts_parse_l2tp(data, data_end, &pkt);
	if (reason != LTS_CONTINUE)
		return lts_count_reason(reason, lts_verdict(reason));
	if (!cpumap && lts_cfg.n_spread && lts_spread(&pkt) == XDP_REDIRECT)
		return lts_count_reason(LTS_R_REDIRECT_CPU, XDP_REDIRECT);

	/* IPv4 legs first: the fast table; everything else: the wide one. */
	if (pkt.family == LTS_FAMILY_IPV4) {
		fe = lts_fast_lookup(&pkt);
		if (fe) {
			action = lts_fast_switch(ctx, &pkt, fe, &reason, cpumap);
			return lts_count_reason(reason, action);
		}
	}
	return lts_xdp_wide(ctx, &pkt, cpumap);
}

SEC("xdp")
int lts_xdp(struct xdp_md *ctx)
{
	return lts_main(ctx, 0);
}

/* The frames lts_xdp handed to their session's CPU (dataplane.spread_cpus). */
SEC("xdp/cpumap")
int lts_xdp_cpumap(struct xdp_md *ctx)
{
	return lts_main(ctx, 1);
}

char LICENSE[] SEC("license") = "GPL";
