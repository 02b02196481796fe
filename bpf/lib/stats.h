/* SPDX-License-Identifier: GPL-2.0 */
/* Per-CPU reason counters and the counters in the switch entries. */
#ifndef LTS_BPF_STATS_H
#define LTS_BPF_STATS_H

#include "common.h"
#include "lts_maps.bpf.h"

/* Counts the verdict reason and returns the XDP action for it. */
static __always_inline int lts_count_reason(__u32 reason, int action)
{
	struct lts_reason_stats *rs = bpf_map_lookup_elem(&reason_stats, &reason);

	if (rs)
		rs->packets++;
	return action;
}

/*
 * The agent's clock (maps/lts_maps.h, LTS_LAST_SEEN_SHIFT): last-seen only
 * feeds timers counted in seconds, and even bpf_ktime_get_coarse_ns() costs
 * a helper call a frame (docs/benchmarks.md).
 */
static __always_inline __u32 lts_last_seen_now(void)
{
	__u32 key = 0, *now = bpf_map_lookup_elem(&clock, &key);

	return now ? *now : 0;
}

/*
 * The entry's own counters, in its cache line. Plain increments: the frames
 * of one leg come from one peer's 5-tuple, so one RSS queue (or one cpumap
 * CPU) handles them; an atomic add would cost more than the rest of the
 * counting.
 */
#define lts_count_entry(e, nbytes)                                             \
	do {                                                                   \
		(e)->packets++;                                                \
		(e)->bytes += (nbytes);                                        \
		(e)->last_seen = lts_last_seen_now();                          \
	} while (0)

#endif /* LTS_BPF_STATS_H */
