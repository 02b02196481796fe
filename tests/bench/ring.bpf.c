// SPDX-License-Identifier: GPL-2.0
/*
 * Bouncer of the packet ring (benchmark part 2, docs/benchmarks.md): sits
 * on the peers' veth ends at both ends of gen -> lts -> sink and sends every
 * IPv4 UDP frame straight back (XDP_TX) as the reply its peer would send:
 * MACs, IPv4 addresses and UDP ports swapped, TTL set back to ring_ttl (the
 * switch decrements it on every pass). A fixed number of frames injected
 * once then circulate through the forwarder in both directions for as long
 * as the ring runs, on the core that injected them, without any generator
 * feature the kernel may refuse (BPF_F_TEST_XDP_LIVE_FRAMES).
 *
 * The generator's end also moves each frame to the next of ring_sessions
 * session IDs (round robin from ring_session_base), so that K frames visit
 * every session; frames carry UDP checksum 0, so no checksum covers the ID.
 *
 * ring_ctl (pinned by bench_attach, per CPU): slot 0 counts the frames
 * bounced, slot 1 != 0 drops them instead (how the ring is emptied).
 * Everything that is not IPv4 UDP is passed (ARP, so next hops resolve).
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define RING_COUNT 0
#define RING_STOP 1
/* L2TP data header without optional fields: flags, tunnel ID, session ID. */
#define L2TP_SID_OFF 4

const volatile __u32 ring_sessions = 0; /* 0: IDs left alone */
const volatile __u16 ring_session_base = 1;
const volatile __u8 ring_ttl = 64;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} ring_ctl SEC(".maps");

/* Next session (generator's end); the ring runs on one core at a time. */
__u32 ring_next;

static __always_inline __u16 csum_fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)(sum + (sum >> 16));
}

SEC("xdp")
int bench_ring(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct udphdr *udp = (void *)(ip + 1);
	__u8 *l2tp = (__u8 *)(udp + 1);
	__u32 key = RING_STOP, addr;
	__u16 *ttl_word, old, port;
	__u8 mac[ETH_ALEN];
	__u64 *v;

	if (l2tp + L2TP_SID_OFF + 2 > (__u8 *)data_end || eth->h_proto != bpf_htons(ETH_P_IP) ||
	    ip->ihl != 5 || ip->protocol != IPPROTO_UDP)
		return XDP_PASS;
	v = bpf_map_lookup_elem(&ring_ctl, &key);
	if (!v || *v)
		return XDP_DROP;

	__builtin_memcpy(mac, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, mac, ETH_ALEN);
	addr = ip->saddr;
	ip->saddr = ip->daddr;
	ip->daddr = addr;
	port = udp->source;
	udp->source = udp->dest;
	udp->dest = port;
	/* RFC 1624: the TTL/protocol word changes, the checksum follows. */
	ttl_word = (__u16 *)&ip->ttl;
	old = *ttl_word;
	ip->ttl = ring_ttl;
	ip->check = ~csum_fold((__u16)~ip->check + (__u16)~old + *ttl_word);

	if (ring_sessions) {
		__u32 i = ring_next;

		*(__be16 *)(l2tp + L2TP_SID_OFF) = bpf_htons((__u16)(ring_session_base + i));
		ring_next = i + 1 >= ring_sessions ? 0 : i + 1;
	}
	key = RING_COUNT;
	v = bpf_map_lookup_elem(&ring_ctl, &key);
	if (v)
		(*v)++;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
