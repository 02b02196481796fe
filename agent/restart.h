/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Restarts without a subscriber noticing (docs/restart.md). While ltsd
 * runs, every established tunnel (IDs, peer, addresses, Ns/Nr) and every
 * switched call (both legs' IDs, rule, counter slot) is kept current in the
 * restart store (dp/state_store.h) through the control plane's and the
 * switch's persist hooks. A new ltsd that finds the store adopts it: the
 * tunnels and calls are rebuilt as they were, without a message to any
 * peer, and whatever the configuration no longer allows is then cleared
 * the ordinary way.
 */
#ifndef LTS_RESTART_H
#define LTS_RESTART_H

#include "dp/dp.h"
#include "l2tp/ctrl_plane.h"
#include "switch.h"

struct lts_restart {
	struct lts_state *st;
	struct lts_ctrl_plane *cp;
	struct lts_switch *sw;
};

struct lts_restart_report {
	uint32_t tunnels, calls;           /* resumed */
	uint32_t tunnels_lost, calls_lost; /* records that could not be */
	uint32_t tunnels_cleared;          /* resumed, then cleared: peer gone from the file */
	int stale_entries;                 /* fast-path entries nobody resumed, removed */
};

/* Keep st current from now on (sets cp->persist and sw->persist). */
void lts_restart_attach(struct lts_restart *r, struct lts_state *st, struct lts_ctrl_plane *cp,
			struct lts_switch *sw);
/* Stop keeping it (a handover: what is in the store stays as it is). */
void lts_restart_detach(struct lts_restart *r);
/*
 * Rebuild the tunnels and calls of the store (dp adopted it), sweep the
 * fast-path entries nobody claimed, then clear the tunnels of peers the
 * configuration no longer has. At now_ms, before any packet is read.
 */
void lts_restart_adopt(struct lts_restart *r, struct lts_dp *dp, uint64_t now_ms,
		       struct lts_restart_report *out);

#endif /* LTS_RESTART_H */
