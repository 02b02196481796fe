/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The switch: binds an incoming call from a LAC (the first leg, on which we
 * are the LNS) to a call we place on an LNS chosen by rule (the second leg,
 * on which we are the LAC), carries the AVPs across (draft-08 section 3),
 * installs the pair in the data plane once both legs are up, and tears the
 * pair down together. It sits between the control plane (whose hooks it
 * implements) and the data plane (reached only through lts_dp_ops).
 */
#ifndef LTS_SWITCH_H
#define LTS_SWITCH_H

#include <stdint.h>
#include "dp/dp_ops.h"
#include "l2tp/ctrl_plane.h"
#include "lts_config.h"
#include "l2tp/relay.h"

/* A switched call: two half-sessions. */
struct lts_call {
	struct lts_call *prev, *next;
	struct lts_session *first;     /* toward the LAC */
	struct lts_session *second;    /* toward the LNS */
	const struct lts_rule *rule;
	size_t member;                 /* rule->pool index of the second leg */
	uint32_t tried;                /* bit per pool member */
	bool busy;                     /* last failure said "busy" (2/11 not 2/10) */
	struct lts_relay_set *icrq;    /* while setting up */
	struct lts_relay_set *iccn;
	bool installed;
	uint32_t stats_idx;
	struct lts_static_session pair; /* what was installed */
	uint64_t up_ms;
	/* WEN/SLI relay budget (token bucket, LTS_SWITCH_INFO_*). */
	uint64_t info_ms;
	uint32_t info_tokens;
};

/*
 * WEN and SLI relayed per call: at most this many per second, in bursts of
 * LTS_SWITCH_INFO_BURST; beyond, dropped and counted. A LAC flooding them
 * must not fill the shared tunnel to its LNS (RFC 2661 has them advisory).
 */
#define LTS_SWITCH_INFO_RATE 5
#define LTS_SWITCH_INFO_BURST 10

struct lts_switch_counters {
	uint64_t calls_switched;
	uint64_t calls_refused;
	uint64_t loops_detected;
	uint64_t failovers;
	uint64_t info_dropped;  /* WEN/SLI over a call's relay budget */
};

struct lts_switch {
	const struct lts_config *cfg;
	struct lts_ctrl_plane *cp;
	struct lts_dp_ops dp;
	uint64_t *lockout_until;       /* per lns_peer, ms */
	uint8_t *idx_used;             /* counter slots, cfg->max_sessions */
	uint32_t idx_cursor;
	struct lts_call *calls;
	uint32_t n_calls;
	uint64_t rng;
	struct lts_switch_counters ctr;
};

int lts_switch_init(struct lts_switch *sw, const struct lts_config *cfg,
		    const struct lts_dp_ops *dp);
void lts_switch_fini(struct lts_switch *sw);
/* The control-plane hooks the switch implements (ctx: the switch). */
void lts_switch_cp_ops(struct lts_ctrl_plane_ops *ops);
/* Tell the switch its control plane (after lts_cp_init). */
void lts_switch_attach(struct lts_switch *sw, struct lts_ctrl_plane *cp);

#endif /* LTS_SWITCH_H */
