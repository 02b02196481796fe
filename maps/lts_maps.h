/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one definition of everything the XDP program and the agent share:
 * switch-table key and value, per-session counters, pin names and limits.
 * linux/types.h types only, explicit padding, sizes asserted, so the BTF that
 * bpftool prints and the layout the agent writes can never drift apart.
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
#define LTS_MAP_SWITCH "switch_table"
#define LTS_MAP_SESSION_STATS "session_stats"
#define LTS_MAP_SLOW_STATS "slow_stats"
#define LTS_MAP_REASON_STATS "reason_stats"
#define LTS_MAP_TX_PORTS "tx_ports"

/* Compile-time defaults; the agent resizes maps before load. */
#define LTS_MAX_SESSIONS_DEFAULT 65536
#define LTS_MAX_TX_PORTS 64
#define LTS_MAX_L2TP_PORTS 4

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
#define LTS_SW_F_NH_VALID 0x01 /* MACs resolved: the fast path may forward */
#define LTS_SW_F_DSCP_SET 0x02 /* overwrite outer DSCP with .dscp; else keep it */
#define LTS_SW_F_VLAN     0x04 /* egress with one 802.1Q tag, .vlan_tci */

/* Everything needed to emit the frame on the other leg. */
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
	__u32 stats_idx;      /* index into the session counter maps */
	__u8 local_addr[16];  /* egress outer source */
	__u8 peer_addr[16];   /* egress outer destination */
	__u8 src_mac[6];      /* egress interface MAC */
	__u8 dst_mac[6];      /* next-hop MAC */
	__u8 pad1[4];
};
_Static_assert(sizeof(struct lts_switch_val) == 72, "lts_switch_val layout");

/* Counters of one direction of a switched session. */
struct lts_dir_stats {
	__u64 packets;
	__u64 bytes;          /* L2TP payload bytes after the UDP header */
	__u64 last_seen_ns;   /* CLOCK_MONOTONIC_COARSE (bpf_ktime_get_coarse_ns), last frame */
};

/* Value of session_stats (per CPU, fast path) and slow_stats (agent relay). */
struct lts_session_stats {
	struct lts_dir_stats dir[LTS_DIR_MAX];
};
_Static_assert(sizeof(struct lts_session_stats) == 48, "lts_session_stats layout");

/* Value of reason_stats (per CPU), indexed by enum lts_reason. */
struct lts_reason_stats {
	__u64 packets;
};

/* Runtime knobs set by the agent in rodata before load. */
struct lts_xdp_config {
	__u16 l2tp_ports[LTS_MAX_L2TP_PORTS]; /* 0 = unused slot */
};

#endif /* LTS_MAPS_H */
