// SPDX-License-Identifier: GPL-2.0
/*
 * A reload seen from the control plane: the run-time state of every peer
 * follows the peer's name into the new configuration, and every tunnel
 * takes its peer's new settings. Tearing down what the new configuration
 * no longer allows is the caller's (the switch's) job, done before.
 */
#define LTS_LOG_SUBSYS LTS_TRACE_CONFIG
#include <errno.h>
#include <stdlib.h>
#include "ctrl_plane.h"
#include "lib/log.h"

int lts_cp_reconfigure(struct lts_ctrl_plane *cp, const struct lts_config *new_cfg)
{
	const struct lts_config *old = cp->cfg;
	struct lts_lns_state *lns = calloc(new_cfg->n_lns_peers ?: 1, sizeof(*lns));
	struct lts_lac_state *lac = calloc(new_cfg->n_lac_peers ?: 1, sizeof(*lac));
	struct lts_tunnel *t;
	size_t i;
	int j;

	if (!lns || !lac) {
		free(lns);
		free(lac);
		return -ENOMEM;
	}
	for (i = 0; i < new_cfg->n_lns_peers; i++) {
		j = lts_config_lns_index(old, new_cfg->lns_peers[i].name);
		if (j >= 0)
			lns[i] = cp->lns[j];
		/* New, or on-demand before: a persistent peer is dialled at the next tick. */
		if (new_cfg->lns_peers[i].tunnel == LTS_TUNNEL_PERSISTENT && !lns[i].tunnels &&
		    !lns[i].redial_ms)
			lns[i].redial_ms = cp->now_ms;
	}
	for (i = 0; i < new_cfg->n_lac_peers; i++) {
		j = lts_config_lac_index(old, new_cfg->lac_peers[i].name);
		if (j >= 0)
			lac[i] = cp->lac[j];
	}
	cp->cfg = new_cfg;
	for (t = cp->all; t; t = t->next) {
		if (t->lac_idx >= 0) {
			j = lts_config_lac_index(new_cfg, old->lac_peers[t->lac_idx].name);
			if (j < 0)
				t->counted = false; /* its peer's counts went with it */
			t->lac_idx = j;
		}
		if (t->lns_idx >= 0) {
			j = lts_config_lns_index(new_cfg, old->lns_peers[t->lns_idx].name);
			if (j < 0)
				t->lns_prev = t->lns_next = NULL; /* that list went too */
			t->lns_idx = j;
		}
		lts_tunnel_reconfigure(t);
	}
	free(cp->lns);
	free(cp->lac);
	cp->lns = lns;
	cp->lac = lac;
	return 0;
}
