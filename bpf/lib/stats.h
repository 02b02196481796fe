/* SPDX-License-Identifier: GPL-2.0 */
/* Per-CPU reason counters and per-session counters. */
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

static __always_inline void lts_count_session(const struct lts_switch_val *val,
					      __u32 bytes)
{
	struct lts_session_stats *ss;
	__u32 idx = val->stats_idx;
	struct lts_dir_stats *d;

	ss = bpf_map_lookup_elem(&session_stats, &idx);
	if (!ss)
		return;
	d = &ss->dir[val->dir & 1];
	d->packets++;
	d->bytes += bytes;
	/* Coarse (jiffies) time: last-seen only feeds timers counted in seconds,
	 * and bpf_ktime_get_ns() costs ~20 ns a frame (docs/benchmarks.md). */
	d->last_seen_ns = bpf_ktime_get_coarse_ns();
}

#endif /* LTS_BPF_STATS_H */
