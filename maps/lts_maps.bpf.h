/* SPDX-License-Identifier: GPL-2.0 */
/* The SEC(".maps") definitions, included once by the XDP program. */
#ifndef LTS_MAPS_BPF_H
#define LTS_MAPS_BPF_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "lts_maps.h"

/*
 * IPv4 legs with their counters, two slots a session, indexed by lts_slot()
 * of the IDs we assigned; an entry without LTS_FE_VALID is an empty slot.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * LTS_MAX_SESSIONS_DEFAULT);
	__type(key, __u32);
	__type(value, struct lts_fast_entry);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} switch_table SEC(".maps");

/* Every other leg (IPv6 on a side, a taken slot); memory only for those installed. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2 * LTS_MAX_SESSIONS_DEFAULT);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct lts_switch_key);
	__type(value, struct lts_wide_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} switch_wide SEC(".maps");

/* The egress half of the entries, by next hop; index 0 is never valid. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, LTS_MAX_NEXTHOPS);
	__type(key, __u32);
	__type(value, struct lts_nh_entry);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} nexthops SEC(".maps");

/*
 * Written by the agent's slow-path relay only, for the sessions it relayed
 * frames of (memory only for those); key: the pair's counter slot.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LTS_MAX_SESSIONS_DEFAULT);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, struct lts_session_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} slow_stats SEC(".maps");

/* Policed directions (LTS_FE_POLICE), 2 * stats_idx + dir; 1 slot when nothing is policed. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lts_policer);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} policers SEC(".maps");

/* Slot 0: the time the entries' last_seen takes (LTS_LAST_SEEN_SHIFT), set by the agent. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} clock SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LTS_R_MAX);
	__type(key, __u32);
	__type(value, struct lts_reason_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} reason_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, LTS_MAX_TX_PORTS);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} tx_ports SEC(".maps");

/*
 * dataplane.spread_cpus: a data frame's session decides the CPU it is
 * switched on; the entries run lts_xdp_cpumap. Sized to the possible CPUs
 * at load; not pinned (it holds a program).
 */
struct {
	__uint(type, BPF_MAP_TYPE_CPUMAP);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bpf_cpumap_val);
} cpu_map SEC(".maps");

#endif /* LTS_MAPS_BPF_H */
