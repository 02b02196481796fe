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
/* Per-session counters summed over CPUs. Returns 0 or a negative errno. */
int lts_bpf_session_stats(struct lts_xdp *skel, uint32_t idx,
			  struct lts_session_stats *out);

/* Switch-table entries; install replaces an existing entry. */
int lts_bpf_install(struct lts_xdp *skel, const struct lts_switch_key *key,
		    const struct lts_switch_val *val);
int lts_bpf_remove(struct lts_xdp *skel, const struct lts_switch_key *key);
/* Allow redirects to an interface (the devmap). */
int lts_bpf_add_tx_port(struct lts_xdp *skel, uint32_t ifindex);
/* Zero session idx's per-CPU fast-path counters (a reused slot). */
int lts_bpf_zero_session_stats(struct lts_xdp *skel, uint32_t idx);
/* Publish the slow path's counters of session idx in slow_stats. */
int lts_bpf_write_slow_stats(struct lts_xdp *skel, uint32_t idx,
			     const struct lts_session_stats *stats);
/* What slow_stats holds for session idx (a restart takes the slow path's counters back). */
int lts_bpf_read_slow_stats(struct lts_xdp *skel, uint32_t idx, struct lts_session_stats *stats);

#endif /* LTS_BPF_LOADER_H */
