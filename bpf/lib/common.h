/* SPDX-License-Identifier: GPL-2.0 */
/* Includes and small definitions every XDP module uses. */
#ifndef LTS_BPF_COMMON_H
#define LTS_BPF_COMMON_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/in.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "lts_maps.h"
#include "lts_l2tp.h"

/* Returned by the stages of the pipeline when the frame goes on. */
#define LTS_CONTINUE LTS_R_MAX

#define VLAN_HDR_LEN 4
#define MAX_VLAN_TAGS 2
#define IPV4_FRAG_MASK 0x3fff /* MF flag and fragment offset */
#define IPV6_HDR_LEN 40
#define IPV4_HDR_LEN 20
#define IPV4_DF 0x4000

/*
 * Everything the stages learn about one frame. The wide table's 40-byte key
 * is only built when needed (lts_wide_key): IPv4 frames of the fast table
 * never pay for it.
 */
struct lts_pkt {
	__u32 l2_len;     /* Ethernet + VLAN tags */
	__u32 l3_len;     /* IP header incl. IPv4 options */
	__u32 udp_len;    /* UDP header + payload, from the IP header */
	__u8 family;      /* enum lts_family */
	__u8 ttl;         /* TTL or hop limit */
	__u8 tos;         /* IPv4 TOS or IPv6 traffic class */
	__u8 pad;
	__u16 l2tp_flags; /* host order */
	__u16 udp_check;  /* as on the wire */
	__u16 dport;      /* as on the wire: its checksum term is added per frame */
	__u16 sport;      /* host order, like the IDs */
	__u16 tunnel_id;
	__u16 session_id;
	__u32 saddr;      /* IPv4 only, as on the wire */
	__u32 daddr;
};

#endif /* LTS_BPF_COMMON_H */
