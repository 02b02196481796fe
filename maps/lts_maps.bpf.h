/* SPDX-License-Identifier: GPL-2.0 */
/* The SEC(".maps") definitions, included once by the XDP program. */
#ifndef LTS_MAPS_BPF_H
#define LTS_MAPS_BPF_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "lts_maps.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2 * LTS_MAX_SESSIONS_DEFAULT); /* two legs a session */
	__type(key, struct lts_switch_key);
	__type(value, struct lts_switch_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} switch_table SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LTS_MAX_SESSIONS_DEFAULT);
	__type(key, __u32);
	__type(value, struct lts_session_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} session_stats SEC(".maps");

/* Written by the agent's slow-path relay only; same layout as session_stats. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, LTS_MAX_SESSIONS_DEFAULT);
	__type(key, __u32);
	__type(value, struct lts_session_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} slow_stats SEC(".maps");

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

#endif /* LTS_MAPS_BPF_H */
