/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The BPF data plane as the agent sees it: opening, configuring and loading
 * the XDP object through its skeleton, and writing its maps. Shared by ltsd, the fixture runner and the benchmarks so that every user
 * loads the program the same way.
 */
#ifndef LTS_BPF_LOADER_H
#define LTS_BPF_LOADER_H

#include <stddef.h>
#include <stdint.h>
#include "lts_maps.h"

struct lts_xdp; /* generated skeleton, build/bpf/lts_xdp.skel.h */

struct lts_bpf_opts {
	const char *pin_dir;    /* bpffs directory for the maps; NULL: no pinning */
	const uint16_t *l2tp_ports; /* UDP ports the fast path considers L2TP */
	size_t n_l2tp_ports;
	uint32_t max_sessions;  /* 0: LTS_MAX_SESSIONS_DEFAULT */
	uint32_t wide_entries;  /* switch_wide's size; 0: a leg of every session */
	int police;             /* any leg policed: a bucket per leg (else one, unused) */
	const uint16_t *spread_cpus; /* dataplane.spread_cpus: the CPUs data frames are switched on */
	size_t n_spread;        /* 0: each frame on the CPU it came in on */
};

/*
 * Open, set rodata and map sizes, load. Maps already pinned in pin_dir are
 * reused (libbpf pin-by-name). On a verifier failure the log goes through
 * the agent's logger. Returns 0 or a negative errno.
 */
int lts_bpf_load(const struct lts_bpf_opts *opts, struct lts_xdp **out);
/* Unpin the maps (when pinned) and free the skeleton. Accepts NULL. */
void lts_bpf_destroy(struct lts_xdp *skel, int unpin);

/* Sum of a per-CPU reason counter, or a negative errno. */
int64_t lts_bpf_reason_count(struct lts_xdp *skel, enum lts_reason reason);

/*
 * Where a leg lives in the fast path: a slot of switch_table (an IPv4 leg,
 * lts_entry_is_fast(), at lts_slot() of its IDs, which no other leg holds)
 * or LTS_SLOT_WIDE for switch_wide (any leg).
 */
#define LTS_SLOT_WIDE UINT32_MAX

/* switch_table's size: the n_slots of lts_slot(). */
uint32_t lts_bpf_n_slots(const struct lts_xdp *skel);

/*
 * Write a leg, compiled (entry.h), with zero counters, behind next hop
 * nexthop (0: none, the fast path passes its frames). Replaces what is
 * there. A slot is written invalid first, then valid, so a frame never sees
 * a valid entry whose other fields are half written; removal only clears its
 * valid flag (a frame that matched it a moment before still reads whole
 * fields).
 */
int lts_bpf_install(struct lts_xdp *skel, uint32_t slot, const struct lts_switch_key *key,
		    const struct lts_switch_val *val, uint16_t nexthop);
int lts_bpf_remove(struct lts_xdp *skel, uint32_t slot, const struct lts_switch_key *key);
/*
 * A restart: write a leg as lts_bpf_install does, but where the previous
 * ltsd left the same leg there, keep its counters and write it once (it
 * never reads as missing).
 */
int lts_bpf_adopt(struct lts_xdp *skel, uint32_t slot, const struct lts_switch_key *key,
		  const struct lts_switch_val *val, uint16_t nexthop);
/* The highest next-hop index with a record (a previous ltsd's), 0: none. */
uint32_t lts_bpf_nexthops_top(struct lts_xdp *skel);
/* A leg's counters (last seen in CLOCK_MONOTONIC_COARSE ns). 0 or a negative errno. */
int lts_bpf_leg_stats(struct lts_xdp *skel, uint32_t slot, const struct lts_switch_key *key,
		      struct lts_dir_stats *out);
/* Next hop idx (1 .. LTS_MAX_NEXTHOPS - 1) of the entries behind it. */
int lts_bpf_set_nexthop(struct lts_xdp *skel, uint32_t idx, const struct lts_nh_entry *nh);
/* The time the fast path stamps entries with, from CLOCK_MONOTONIC_COARSE ns. */
int lts_bpf_set_clock(struct lts_xdp *skel, uint64_t coarse_ns);
/* Allow redirects to an interface (the devmap). */
int lts_bpf_add_tx_port(struct lts_xdp *skel, uint32_t ifindex);
/* Publish the slow path's counters of pair idx in slow_stats, or drop them (a reused slot). */
int lts_bpf_write_slow_stats(struct lts_xdp *skel, uint32_t idx,
			     const struct lts_session_stats *stats);
/* What slow_stats holds for session idx (a restart takes the slow path's counters back). */
int lts_bpf_read_slow_stats(struct lts_xdp *skel, uint32_t idx, struct lts_session_stats *stats);
int lts_bpf_clear_slow_stats(struct lts_xdp *skel, uint32_t idx);

#endif /* LTS_BPF_LOADER_H */
