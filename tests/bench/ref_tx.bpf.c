// SPDX-License-Identifier: GPL-2.0
/*
 * References of the program-cost benchmark (issue #5 part 1).
 *
 * bench_ref_tx: the least an XDP program that sends a frame back out can do.
 * It swaps the Ethernet addresses and returns XDP_TX; lts_xdp's cost is
 * reported against it.
 *
 * bench_nop_tx: returns XDP_TX and touches nothing. Its cost is the floor of
 * the measurement itself (the BPF_PROG_TEST_RUN loop, the XDP dispatcher),
 * which the other figures include too.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int bench_ref_tx(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u8 tmp[ETH_ALEN];

	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	__builtin_memcpy(tmp, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, tmp, ETH_ALEN);
	return XDP_TX;
}

SEC("xdp")
int bench_nop_tx(struct xdp_md *ctx)
{
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
