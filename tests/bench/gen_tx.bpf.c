// SPDX-License-Identifier: GPL-2.0
/*
 * Traffic generator of the switching-rate benchmark (issue #5 part 2), run
 * by l2tp_gen through BPF_PROG_RUN with BPF_F_TEST_XDP_LIVE_FRAMES: each
 * frame it returns XDP_TX for is transmitted out of the interface given as
 * ingress, i.e. into the veth peer.
 *
 * Live frames come from a page pool whose pages are recycled without being
 * copied again from the user's template, and the switch downstream rewrites
 * them in place. So every run writes the whole header (Ethernet, IPv4, UDP,
 * L2TP up to the IDs) from gen_hdr again, then the session ID of the next
 * session, round robin over gen_sessions. The payload behind it is never
 * written by anyone.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

/* Ethernet 14 + IPv4 20 + UDP 8 + L2TP flags, tunnel ID, session ID 6. */
#define GEN_HDR_LEN 48
#define GEN_SESSION_OFF 46

/*
 * Set by l2tp_gen before load. Read through volatile 8-byte loads: a plain
 * memcpy from a const array lets clang fold in the initializer (zeros).
 */
const volatile __u64 gen_hdr[GEN_HDR_LEN / 8] = {};
const volatile __u32 gen_sessions = 1;
const volatile __u16 gen_session_base = 1;

/* BPF_PROG_RUN runs the program on one CPU at a time: plain globals do. */
__u32 gen_next;
__u64 gen_sent;

SEC("xdp")
int bench_gen_tx(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
	__u64 *hdr = data;
	__u32 i = gen_next;

	if (data + GEN_HDR_LEN > data_end)
		return XDP_ABORTED;
#pragma unroll
	for (int w = 0; w < GEN_HDR_LEN / 8; w++)
		hdr[w] = gen_hdr[w];
	*(__be16 *)(data + GEN_SESSION_OFF) = bpf_htons((__u16)(gen_session_base + i));
	gen_next = i + 1 >= gen_sessions ? 0 : i + 1;
	gen_sent++;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
