/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every verdict the XDP program can reach, defined once. The BPF side uses
 * the enum to index the per-CPU reason counters; the agent and ltsctl use the
 * same list for names. Order is ABI for the pinned reason map: append only.
 */
#ifndef LTS_REASONS_H
#define LTS_REASONS_H

/*       enum suffix        name                  what it means */
#define LTS_REASONS(X)                                                         \
	X(SWITCHED_TX,      "switched_tx",      "switched, sent back out the ingress NIC (XDP_TX)") \
	X(SWITCHED_REDIRECT, "switched_redirect", "switched, redirected to the egress NIC (devmap)") \
	X(PASS_NOT_L2TP,    "pass_not_l2tp",    "not UDP to an L2TP port: left to the kernel") \
	X(PASS_CONTROL,     "pass_control",     "L2TP control message (T=1): to the agent") \
	X(PASS_NO_SESSION,  "pass_no_session",  "data for a session not in the switch table") \
	X(PASS_FRAGMENT,    "pass_fragment",    "IPv4 fragment: reassembled by the kernel") \
	X(PASS_IPV6_EXTHDR, "pass_ipv6_exthdr", "IPv6 extension header before UDP") \
	X(PASS_MTU,         "pass_mtu",         "switched frame would exceed the egress MTU") \
	X(PASS_TTL,         "pass_ttl",         "TTL / hop limit <= 1") \
	X(PASS_NO_NEIGH,    "pass_no_neigh",    "next hop not resolved yet") \
	X(PASS_NO_EGRESS,   "pass_no_egress",   "egress interface not in the devmap") \
	X(PASS_CSUM,        "pass_csum",        "IPv4 leg without UDP checksum to an IPv6 leg: needs a full checksum") \
	X(PASS_ADJUST,      "pass_adjust",      "could not resize headers (bpf_xdp_adjust_head)") \
	X(PASS_BAD_VERSION, "pass_bad_version", "L2TP Ver != 2: to the kernel; the agent discards it if it is for us (RFC 2661 3.1)") \
	X(DROP_TRUNCATED,   "drop_truncated",   "header truncated (Ethernet, VLAN, IP, UDP or L2TP)") \
	X(DROP_POLICE,      "drop_police",      "over the session's police rate (rule or static session police:)") \
	X(REDIRECT_CPU,     "redirect_cpu",     "handed to the session's CPU (dataplane.spread_cpus); its verdict is counted there too")

#define LTS_REASON_ENUM(sym, name, help) LTS_R_##sym,
enum lts_reason { LTS_REASONS(LTS_REASON_ENUM) LTS_R_MAX };
#undef LTS_REASON_ENUM

#endif /* LTS_REASONS_H */
