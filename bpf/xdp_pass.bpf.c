// SPDX-License-Identifier: GPL-2.0
/*
 * Passes every frame and counts it. Attached by the tests to the peers' veth
 * ends: a frame redirected into a veth is only delivered when its peer runs
 * an XDP program (or has GRO on); the count lets a sink report its rate.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} rx_count SEC(".maps");

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	__u32 key = 0;
	__u64 *n = bpf_map_lookup_elem(&rx_count, &key);

	if (n)
		(*n)++;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
