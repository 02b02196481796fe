/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The agent's switch entries (lts_switch_key/val) compiled into what the XDP
 * program reads (maps/lts_maps.h): IPv4 legs into a one-line lts_fast_entry,
 * every other leg into an lts_wide_val, the egress half into an lts_nh_entry.
 * Everything constant for a leg is computed here once, the checksum deltas
 * of its rewrite included. Pure functions: unit-tested without BPF.
 */
#ifndef LTS_DP_ENTRY_H
#define LTS_DP_ENTRY_H

#include <stdbool.h>
#include <stdint.h>
#include "lts_maps.h"

/* IPv4 on both sides: the leg goes to switch_table, else to switch_wide. */
bool lts_entry_is_fast(const struct lts_switch_key *key, const struct lts_switch_val *val);

/* The leg as the fast or wide table holds it, counters zero, behind next hop nexthop. */
void lts_entry_fast(const struct lts_switch_key *key, const struct lts_switch_val *val,
		    uint16_t nexthop, struct lts_fast_entry *out);
void lts_entry_wide(const struct lts_switch_key *key, const struct lts_switch_val *val,
		    uint16_t nexthop, struct lts_wide_val *out);

/* The token bucket of a policed leg (police_kbps != 0), full, as of now_ns (coarse). */
void lts_entry_policer(const struct lts_switch_val *val, uint64_t now_ns, struct lts_policer *out);

/* The next hop from the egress fields of val (ifindex, MACs, MTU, VLAN, NH_VALID). */
void lts_entry_nh(const struct lts_switch_val *val, struct lts_nh_entry *out);

/*
 * An entry's counters as the agent reports them (dropped: 0, the caller
 * adds the policer's); last_seen (the entry's coarse units) becomes
 * CLOCK_MONOTONIC_COARSE ns, given that clock's now.
 */
void lts_entry_dir_stats(uint64_t packets, uint64_t bytes, uint32_t last_seen, uint64_t now_ns,
			 struct lts_dir_stats *out);

#endif /* LTS_DP_ENTRY_H */
