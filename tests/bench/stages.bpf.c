// SPDX-License-Identifier: GPL-2.0
/*
 * Cost breakdown of lts_xdp (issue #5 part 1): the program's own pipeline
 * (the headers in bpf/lib, included unchanged) cut after each stage. bench_prog
 * measures every prefix the same way as lts_xdp itself; the difference
 * between two prefixes is what the stage between them costs.
 *
 *   stage_parse    parse Ethernet .. L2TP (docs/dataplane.md rows 1-14)
 *   stage_lookup   + fast-table lookup (row 16; IPv4 legs)
 *   stage_rewrite  + next-hop checks and the in-place rewrite (rows 17-23)
 *   stage_session  + the entry's counters (packets, bytes, last seen)
 *   lts_xdp        + the reason counter
 *
 * And single operations, each a program of its own (probe_*): what the
 * timestamp of the session counters and the devmap calls of the redirect
 * path cost alone.
 *
 * These programs have their own (unpinned) copies of the maps.
 */
#include "lib/common.h"
#include "lib/parse.h"
#include "lib/l2tp.h"
#include "lib/fwd.h"
#include "lib/fast.h"
#include "lib/stats.h"

static __always_inline int parse(struct xdp_md *ctx, struct lts_pkt *pkt)
{
	void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
	int reason = lts_parse_outer(data, data_end, pkt);

	if (reason == LTS_CONTINUE)
		reason = lts_parse_l2tp(data, data_end, pkt);
	return reason;
}

SEC("xdp")
int stage_parse(struct xdp_md *ctx)
{
	struct lts_pkt pkt = {};

	return parse(ctx, &pkt) == LTS_CONTINUE ? XDP_TX : XDP_PASS;
}

SEC("xdp")
int stage_lookup(struct xdp_md *ctx)
{
	struct lts_pkt pkt = {};

	if (parse(ctx, &pkt) != LTS_CONTINUE || pkt.family != LTS_FAMILY_IPV4)
		return XDP_PASS;
	return lts_fast_lookup(&pkt) ? XDP_TX : XDP_PASS;
}

static __always_inline int rewrite(struct xdp_md *ctx, int count)
{
	const struct lts_nh_entry *nh = NULL;
	__u32 reason_ok = LTS_R_SWITCHED_TX;
	struct lts_fast_entry *e;
	struct lts_pkt pkt = {};
	int reason, action;

	if (parse(ctx, &pkt) != LTS_CONTINUE || pkt.family != LTS_FAMILY_IPV4)
		return XDP_PASS;
	e = lts_fast_lookup(&pkt);
	if (!e)
		return XDP_PASS;
	reason = lts_check_egress(ctx, &pkt, e->nexthop, pkt.l3_len, 0, &nh, &action, &reason_ok,
				  0);
	if (reason == LTS_CONTINUE && nh)
		reason = lts_fast_rewrite(ctx, &pkt, e, nh, -1);
	if (reason != LTS_CONTINUE)
		return XDP_PASS;
	if (count)
		lts_count_entry(e, pkt.udp_len - sizeof(struct udphdr));
	return action;
}

SEC("xdp")
int stage_rewrite(struct xdp_md *ctx)
{
	return rewrite(ctx, 0);
}

SEC("xdp")
int stage_session(struct xdp_md *ctx)
{
	return rewrite(ctx, 1);
}

/* Set by bench_prog: an interface that is in both probe devmaps. */
const volatile __u32 probe_ifindex = 0;
__u64 probe_out;

/* Like tx_ports: the lts program's devmap. */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, LTS_MAX_TX_PORTS);
	__type(key, __u32);
	__type(value, __u32);
} probe_devmap_hash SEC(".maps");

/* Like the reference forwarder's devmap. */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} probe_devmap SEC(".maps");

SEC("xdp")
int probe_ktime(struct xdp_md *ctx)
{
	probe_out = bpf_ktime_get_ns();
	return XDP_TX;
}

SEC("xdp")
int probe_ktime_coarse(struct xdp_md *ctx)
{
	probe_out = bpf_ktime_get_coarse_ns();
	return XDP_TX;
}

SEC("xdp")
int probe_devhash_lookup(struct xdp_md *ctx)
{
	__u32 key = probe_ifindex;

	return bpf_map_lookup_elem(&probe_devmap_hash, &key) ? XDP_TX : XDP_PASS;
}

SEC("xdp")
int probe_redirect_hash(struct xdp_md *ctx)
{
	return bpf_redirect_map(&probe_devmap_hash, probe_ifindex, 0);
}

SEC("xdp")
int probe_redirect_array(struct xdp_md *ctx)
{
	return bpf_redirect_map(&probe_devmap, 0, 0);
}

char LICENSE[] SEC("license") = "GPL";
