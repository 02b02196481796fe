// SPDX-License-Identifier: GPL-2.0
/*
 * Reference forwarder of the switching-rate benchmark (issue #5 part 2):
 * in the same place and topology as lts_xdp, it only rewrites the Ethernet
 * addresses and redirects every frame through a devmap to the sink-facing
 * interface. What the L2TP switch costs on top of a bare redirect is the
 * difference between the two rates.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>

/*
 * Set by bench_attach before load: destination then source MAC as they lie
 * in the frame. Read through volatile loads: a plain memcpy from a const
 * array lets clang fold in the initializer (zeros).
 */
const volatile __u16 fwd_macs[ETH_ALEN] = {};

/* Slot 0: the egress interface. */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} fwd_port SEC(".maps");

SEC("xdp")
int bench_ref_fwd(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
	__u16 *mac = data;

	if (data + ETH_HLEN > data_end)
		return XDP_DROP;
#pragma unroll
	for (int i = 0; i < ETH_ALEN; i++)
		mac[i] = fwd_macs[i];
	return bpf_redirect_map(&fwd_port, 0, 0);
}

char LICENSE[] SEC("license") = "GPL";
