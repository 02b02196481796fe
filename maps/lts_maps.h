/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one definition of everything the XDP program and the agent share:
 * the switch entries as the agent models them (lts_switch_key/val, also the
 * fixtures' format), the layouts they are compiled into for the XDP program
 * (lts_fast_entry, lts_wide_val, lts_nh_entry), counters, pin names and
 * limits. linux/types.h types only, explicit padding, sizes asserted, so the
 * BTF that bpftool prints and the layout the agent writes can never drift
 * apart. docs/dataplane.md describes the maps and their fields.
 *
 * Byte order: addresses are stored as on the wire (network order); ports and
 * L2TP IDs in host order so that `bpftool map dump` shows readable numbers
 * (one bswap per field on the fast path costs nothing measurable).
 */
#ifndef LTS_MAPS_H
#define LTS_MAPS_H

#include <linux/types.h>
#include "lts_reasons.h"

/* Pinned map names (BPF object names are limited to 15 characters). */
#define LTS_PIN_DIR_DEFAULT "/sys/fs/bpf/lts"
#define LTS_MAP_SWITCH "switch_table"	/* IPv4 legs by lts_slot(): struct lts_fast_entry */
#define LTS_MAP_SWITCH_WIDE "switch_wide"	/* every other leg: struct lts_wide_val */
#define LTS_MAP_NEXTHOPS "nexthops"
#define LTS_MAP_CLOCK "clock"
#define LTS_MAP_POLICERS "policers"
#define LTS_MAP_SLOW_STATS "slow_stats"
#define LTS_MAP_REASON_STATS "reason_stats"
#define LTS_MAP_TX_PORTS "tx_ports"

/* Compile-time defaults; the agent resizes maps before load. */
#define LTS_MAX_SESSIONS_DEFAULT 65536
#define LTS_MAX_TX_PORTS 64
#define LTS_MAX_L2TP_PORTS 4
/* dataplane.spread_cpus: CPUs a tunnel's sessions are spread over (a power of 2). */
#define LTS_MAX_SPREAD 64
/* Next hops are 16-bit indexes into nexthops; 0 is "none" (never valid). */
#define LTS_MAX_NEXTHOPS 65536

/* Size of nexthops for max_sessions pairs: a next hop per entry at most, plus index 0. */
static inline __u32 lts_nexthops_size(__u32 max_sessions)
{
	return 2 * max_sessions + 1 < LTS_MAX_NEXTHOPS ? 2 * max_sessions + 1 : LTS_MAX_NEXTHOPS;
}

/* Address families as stored in keys and values (not AF_* to stay portable). */
enum lts_family {
	LTS_FAMILY_NONE = 0,
	LTS_FAMILY_IPV4 = 4,
	LTS_FAMILY_IPV6 = 6,
};

/* Direction of a frame within a switched session, indexes lts_session_stats.dir. */
enum lts_dir {
	LTS_DIR_A_TO_B = 0,
	LTS_DIR_B_TO_A = 1,
	LTS_DIR_MAX = 2,
};

/*
 * Who sent the frame and which IDs *we* assigned. Including the peer's
 * address and port means two LACs that both pick tunnel 1 never collide;
 * local_addr tells apart sessions served on several local addresses.
 * IPv4 addresses occupy the first 4 bytes, the rest is zero.
 */
struct lts_switch_key {
	__u8 family;          /* enum lts_family of the outer header */
	__u8 pad0;
	__u16 peer_port;      /* UDP source port of the frame */
	__u16 tunnel_id;      /* our tunnel ID (the frame's Tunnel ID field) */
	__u16 session_id;     /* our session ID */
	__u8 peer_addr[16];   /* outer source address */
	__u8 local_addr[16];  /* outer destination address */
};
_Static_assert(sizeof(struct lts_switch_key) == 40, "lts_switch_key layout");

/* lts_switch_val.flags */
#define LTS_SW_F_NH_VALID  0x01 /* MACs resolved: the fast path may forward */
#define LTS_SW_F_DSCP_SET  0x02 /* overwrite outer DSCP with .dscp; else keep it */
#define LTS_SW_F_VLAN      0x04 /* egress with one 802.1Q tag, .vlan_tci */
#define LTS_SW_F_DSCP_COPY 0x08 /* outer DSCP = the inner IP header's (PPP IPv4/IPv6) */

/*
 * Everything needed to emit the frame on the other leg, as the agent keeps
 * it (agent/dp/swtab.h) and the slow path uses it. The fast path gets it
 * compiled (lts_bpf_install): the egress half (ifindex, MACs, MTU, VLAN,
 * NH_VALID) goes to the entry's next hop in nexthops, the rest and the
 * checksum deltas of the rewrite to an lts_fast_entry or lts_wide_val.
 */
struct lts_switch_val {
	__u8 family;          /* enum lts_family of the egress outer header */
	__u8 flags;           /* LTS_SW_F_* */
	__u8 dscp;            /* with LTS_SW_F_DSCP_SET, 0..63 */
	__u8 dir;             /* enum lts_dir: which half of the counters */
	__u16 local_port;     /* our UDP source port on the egress leg */
	__u16 peer_port;      /* the egress peer's UDP port */
	__u16 peer_tunnel_id; /* written into the Tunnel ID field */
	__u16 peer_session_id;/* written into the Session ID field */
	__u16 vlan_tci;       /* with LTS_SW_F_VLAN */
	__u16 mtu;            /* egress L3 MTU; larger frames go to the slow path */
	__u32 ifindex;        /* egress interface */
	__u32 stats_idx;      /* the pair's counter slot (agent: lts_dp_ops, slow_stats) */
	__u8 local_addr[16];  /* egress outer source */
	__u8 peer_addr[16];   /* egress outer destination */
	__u8 src_mac[6];      /* egress interface MAC */
	__u8 dst_mac[6];      /* next-hop MAC */
	__u32 police_kbps;    /* police this direction: kbit/s of L2TP bytes; 0: none */
	__u32 police_burst;   /* bytes */
	__u8 pad1[4];
};
_Static_assert(sizeof(struct lts_switch_val) == 80, "lts_switch_val layout");

/* lts_fast_entry.flags and lts_wide_val.flags */
#define LTS_FE_VALID     0x01 /* an installed leg (array slots are never deleted) */
#define LTS_FE_DSCP_SET  0x02 /* overwrite outer DSCP with .dscp; else keep it */
#define LTS_FE_DSCP_COPY 0x04 /* outer DSCP = the inner IP header's, when there is one */
#define LTS_FE_POLICE    0x08 /* policed: policers[2 * stats_idx + dir] */

/*
 * last_seen of the entries: the value of the clock map when the frame came,
 * which the agent sets to CLOCK_MONOTONIC_COARSE >> LTS_LAST_SEEN_SHIFT
 * (units of ~1.05 ms, wrapping after ~52 days) with the lowest bit set, so
 * that 0 means "never", once a second: a frame pays a load, not a clock
 * helper call. last_seen only feeds timers counted in seconds.
 */
#define LTS_LAST_SEEN_SHIFT 20

/*
 * A leg whose frames arrive over IPv4 and leave over IPv4 (the common case),
 * with its counters: one cache line. The frame must carry the match fields
 * (who sent it, to which of our addresses, which IDs we assigned); the
 * rewrite fields replace them. ip_csum and udp_csum are the one's complement
 * deltas of that rewrite (addresses, ports, IDs; the TTL step for the IP
 * header), computed once at install: per frame the checksums cost a fold.
 * The UDP destination port the frame arrived on (any L2TP port) is the only
 * term added per frame.
 */
struct lts_fast_entry {
	/* match */
	__u8 peer_addr[4];      /* outer source */
	__u8 local_addr[4];     /* outer destination */
	__u16 peer_port;        /* UDP source port */
	__u16 tunnel_id;        /* our tunnel ID */
	__u16 session_id;       /* our session ID */
	__u8 flags;             /* LTS_FE_* */
	__u8 dscp;              /* with LTS_FE_DSCP_SET, 0..63 */
	/* rewrite */
	__u8 out_local_addr[4]; /* egress outer source */
	__u8 out_peer_addr[4];  /* egress outer destination */
	__u16 out_local_port;
	__u16 out_peer_port;
	__u16 out_tunnel_id;    /* the egress peer's IDs */
	__u16 out_session_id;
	__u16 ip_csum;          /* deltas, as summed in network order */
	__u16 udp_csum;
	__u16 nexthop;          /* index into nexthops */
	/* whose counters these are: the pair's slot and direction (lts_switch_val) */
	__u8 dir;
	__u8 pad;
	__u32 stats_idx;
	/* counters of this direction */
	__u32 last_seen;        /* see LTS_LAST_SEEN_SHIFT */
	__u64 packets;
	__u64 bytes;            /* L2TP header + PPP frame (UDP payload) */
};
_Static_assert(sizeof(struct lts_fast_entry) == 64, "lts_fast_entry: one cache line");

/*
 * Every other leg (IPv6 on either side, or an IPv4 leg that found its
 * switch_table slot taken), keyed by the full lts_switch_key: the same
 * fields for any family. ip_csum only for IPv4 -> IPv4.
 */
struct lts_wide_val {
	__u8 family;            /* enum lts_family of the egress outer header */
	__u8 flags;             /* LTS_FE_* */
	__u8 dscp;
	__u8 dir;
	__u16 out_local_port;
	__u16 out_peer_port;
	__u16 out_tunnel_id;
	__u16 out_session_id;
	__u16 ip_csum;
	__u16 udp_csum;
	__u16 nexthop;
	__u16 pad1;
	__u32 stats_idx;
	__u32 last_seen;
	__u32 pad2;
	__u8 out_local_addr[16];
	__u8 out_peer_addr[16];
	__u64 packets;
	__u64 bytes;
};
_Static_assert(sizeof(struct lts_wide_val) == 80, "lts_wide_val layout");

/* lts_nh_entry.flags */
#define LTS_NH_F_VALID 0x01 /* resolved: the fast path may forward */
#define LTS_NH_F_VLAN  0x02 /* egress with one 802.1Q tag, .vlan_tci */

/*
 * The egress half of the entries behind one next hop (value of nexthops):
 * a next hop that changes is one write, whatever the entries behind it.
 * The MACs lie as in the Ethernet header.
 */
struct lts_nh_entry {
	__u8 dst_mac[6];        /* next-hop MAC */
	__u8 src_mac[6];        /* egress interface MAC */
	__u16 vlan_tci;         /* with LTS_NH_F_VLAN */
	__u16 mtu;              /* egress L3 MTU; larger frames go to the slow path */
	__u32 ifindex;          /* egress interface */
	__u8 flags;             /* LTS_NH_F_* */
	__u8 pad[3];
};
_Static_assert(sizeof(struct lts_nh_entry) == 24, "lts_nh_entry layout");

/*
 * Token bucket of one policed direction (value of policers, index
 * 2 * stats_idx + dir): refilled at `rate` from the time of the last frame,
 * up to `burst`; a frame whose L2TP bytes (UDP payload) exceed the tokens is
 * dropped and counted. The clock is CLOCK_MONOTONIC_COARSE (a frame pays
 * bpf_ktime_get_coarse_ns(), unpoliced ones nothing): tokens come in steps
 * of a kernel tick, so a burst below rate x tick lowers the rate.
 */
struct lts_policer {
	__u64 rate;          /* bytes per 2^LTS_POLICE_SHIFT ns */
	__u32 burst;         /* bytes */
	__u32 tokens;        /* bytes */
	__u64 last_ns;       /* CLOCK_MONOTONIC_COARSE of the last refill */
	__u64 dropped;       /* frames over the rate */
};
_Static_assert(sizeof(struct lts_policer) == 32, "lts_policer layout");

/* Refill arithmetic: rate per ~1.07 s, an idle gap counts at most that long. */
#define LTS_POLICE_SHIFT 30
#define LTS_POLICE_MAX_NS (1ull << LTS_POLICE_SHIFT)

/* Counters of one direction of a switched session (the agent's view). */
struct lts_dir_stats {
	__u64 packets;
	__u64 bytes;          /* L2TP payload bytes after the UDP header */
	__u64 last_seen_ns;   /* CLOCK_MONOTONIC_COARSE of the last frame; 0: none */
	__u64 dropped;        /* frames over the police rate (fast path only) */
};

/* A pair's counters (lts_dp_ops) and the value of slow_stats (agent relay). */
struct lts_session_stats {
	struct lts_dir_stats dir[LTS_DIR_MAX];
};
_Static_assert(sizeof(struct lts_session_stats) == 64, "lts_session_stats layout");

/* Value of reason_stats (per CPU), indexed by enum lts_reason. */
struct lts_reason_stats {
	__u64 packets;
};

/* Runtime knobs set by the agent in rodata before load. */
struct lts_xdp_config {
	__u16 l2tp_ports[LTS_MAX_L2TP_PORTS]; /* 0 = unused slot */
	__u32 n_slots;                        /* switch_table entries */
	__u32 n_spread;                       /* 0: every frame on the CPU it came in on */
	__u16 spread[LTS_MAX_SPREAD];         /* CPUs by lts_slot(IDs, n_spread) */
};

/*
 * The slot of switch_table for the IDs we assigned (what a frame to us
 * carries): a direct index instead of a hash table. Tunnel and session ID
 * are mixed into 32 bits (multiply, xor-shift, multiply: a linear mix alone
 * makes every tunnel's sequence of slots a shifted copy of another's, and
 * shifted copies collide in runs), then a multiply-shift scales them to
 * n_slots without a division. The agent allocates session IDs whose slot is
 * free (agent/lib/sidmap.h), so installed legs of calls do not collide; the
 * entry's match fields are checked all the same.
 */
static inline __u32 lts_slot(__u16 tunnel_id, __u16 session_id, __u32 n_slots)
{
	__u32 x = ((__u32)tunnel_id << 16 | session_id) * 0x9e3779b1u;

	x ^= x >> 16;
	x *= 0x85ebca6bu;
	return (__u32)(((__u64)x * n_slots) >> 32);
}

#endif /* LTS_MAPS_H */
