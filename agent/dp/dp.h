/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The data plane as the agent sees it, in one object: the pinned BPF maps
 * and program (skeleton), the interfaces it is attached to, the agent's copy
 * of the switch table, next-hop resolution (egress) and the userspace
 * slow path. Everything else reaches it through lts_dp_ops (dp_ops.h);
 * ltsd only wires its file descriptors into the event loop.
 */
#ifndef LTS_DP_H
#define LTS_DP_H

#include <stdbool.h>
#include <stdint.h>
#include "dp_ops.h"
#include "egress.h"
#include "lib/sidmap.h"
#include "nexthop.h"
#include "slowpath.h"
#include "state_store.h"
#include "swtab.h"
#include "xdp_attach.h"

/*
 * Without events, every next hop is re-resolved this often (ticks of
 * lts_dp_tick); unresolved ones are retried every tick.
 */
#define LTS_DP_REFRESH_EVERY_TICKS 30

/* switch_wide's room beyond static legs and an eighth of max_sessions without IPv6. */
#define LTS_DP_WIDE_SLACK 1024

struct lts_dp {
	const struct lts_config *cfg;
	int pin_dir_fd;                /* flock()ed: one ltsd per bpffs directory */
	struct lts_xdp *skel;
	struct lts_xdp_link *links;
	uint32_t *ifindexes;
	size_t n_links;
	struct lts_swtab tab;
	struct lts_nl nl, nl_mon;      /* queries; route/neighbour/link events */
	struct lts_egress egress;      /* next-hop cache (not in mode off) */
	struct lts_slowpath sp;
	/*
	 * Per counter slot (stats_idx): the entries of the pair installed there
	 * by direction, and what the fast path had counted when the last pair
	 * there was removed (its counters were in its entries): a slot keeps
	 * its counts until it is reused (lts_dp_ops).
	 */
	uint32_t (*pairs)[LTS_DIR_MAX];
	struct lts_session_stats *final;
	uint32_t n_pairs;
	/*
	 * switch_table: per slot, the swtab index + 1 of the leg there (0: free);
	 * and the session IDs allocated to keep its slots free (the control
	 * plane allocates from it, static legs are claimed in it).
	 */
	uint32_t *slot_owner;
	uint32_t n_slots;
	struct lts_sidmap sidmap;
	unsigned int ticks;
	struct lts_state state;        /* the restart store, pinned with the maps */
	bool adopted;                  /* opened on a previous ltsd's maps and store */
	bool keep;                     /* set before close: leave everything to the next ltsd */
};

/*
 * Claim the pin directory, load the program, open the slow-path sockets,
 * lock and attach the interfaces, open netlink and install the static
 * sessions. Control packets reach on_control. On failure call lts_dp_close().
 */
int lts_dp_open(struct lts_dp *dp, const struct lts_config *cfg,
		void (*on_control)(void *ctx, const struct lts_ctrl_endpoint *ep,
				   const uint8_t *pkt, size_t len),
		void *ctl_ctx);
/*
 * Detach, log the slow path's totals, unpin, free. Accepts a zeroed or
 * half-open dp. With dp->keep set, the program stays attached and the maps
 * and restart store pinned: the next ltsd adopts them (claim_pin_dir).
 */
void lts_dp_close(struct lts_dp *dp);
/* The interface for the switch and the operator socket. */
struct lts_dp_ops lts_dp_ops(struct lts_dp *dp);
/* Control packets out, through the slow path's sockets. */
struct lts_ctrl_output lts_dp_ctrl_output(struct lts_dp *dp);

int lts_dp_install(struct lts_dp *dp, const struct lts_static_session *pair, uint32_t stats_idx);
/* The same, keeping the counters of stats_idx (a restart: the pair never stopped). */
int lts_dp_adopt(struct lts_dp *dp, const struct lts_static_session *pair, uint32_t stats_idx);
/*
 * After adoption: remove every fast-path entry the agent's table does not
 * hold where it is (calls of the previous ltsd that could not be resumed,
 * static sessions gone from the file, a leg that moved between the fast and
 * the wide table), then free the next-hop indexes only they pointed to.
 * Returns how many entries went, or a negative errno.
 */
int lts_dp_sweep(struct lts_dp *dp);
void lts_dp_remove(struct lts_dp *dp, const struct lts_static_session *pair);

/* Event-loop hooks: every second; netlink monitor readable; a UDP socket readable. */
void lts_dp_tick(struct lts_dp *dp);
void lts_dp_netlink(struct lts_dp *dp);
static inline int lts_dp_netlink_fd(const struct lts_dp *dp)
{
	return dp->nl_mon.fd;
}

#endif /* LTS_DP_H */
