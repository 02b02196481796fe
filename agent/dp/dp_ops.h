/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The data plane's interface to the rest of the agent: install and remove a
 * switched pair, read its counters and when it last carried a frame, and
 * read the XDP verdict counters. The
 * switch, static sessions and the operator socket use only this; lts_dp
 * (dp.h) implements it on the BPF maps and the slow path, the unit tests
 * with a recording fake.
 */
#ifndef LTS_DP_OPS_H
#define LTS_DP_OPS_H

#include <stdint.h>
#include "lts_config.h"
#include "lts_maps.h"

struct lts_dp_ops {
	/*
	 * Both directions of a pair (reverse first, so a reply never finds
	 * half a pair), counters of stats_idx zeroed. 0 or a negative errno;
	 * on failure nothing of the pair is left installed.
	 */
	int (*install)(void *ctx, const struct lts_static_session *pair, uint32_t stats_idx);
	/*
	 * A restart: the same as install, but the counters of stats_idx are
	 * kept (the pair was switching frames all along). NULL: install.
	 */
	int (*adopt)(void *ctx, const struct lts_static_session *pair, uint32_t stats_idx);
	void (*remove)(void *ctx, const struct lts_static_session *pair);
	/* Counters of slot idx, fast path (summed over CPUs) or slow path. */
	int (*fast_stats)(void *ctx, uint32_t idx, struct lts_session_stats *out);
	int (*slow_stats)(void *ctx, uint32_t idx, struct lts_session_stats *out);
	/* Last data frame of slot idx on either path, ms of CLOCK_MONOTONIC; 0: never. */
	uint64_t (*last_rx_ms)(void *ctx, uint32_t idx);
	/* XDP verdict counter of r summed over CPUs, or a negative errno. */
	int64_t (*reason_count)(void *ctx, enum lts_reason r);
	void *ctx;
};

#endif /* LTS_DP_OPS_H */
