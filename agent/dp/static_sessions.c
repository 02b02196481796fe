// SPDX-License-Identifier: GPL-2.0
/*
 * A switched pair (a static session from the config, or a switched call's
 * two legs in the same shape) translated into its two switch entries.
 */
#include <string.h>
#include "static_sessions.h"

/* How to emit a frame on this leg (marked and policed as the leg says). */
static void leg_val(const struct lts_static_leg *out, uint32_t stats_idx, enum lts_dir dir,
		    struct lts_switch_val *val)
{
	memset(val, 0, sizeof(*val));
	val->family = out->peer.family;
	val->dir = dir;
	val->local_port = out->local_port;
	val->peer_port = out->peer_port;
	val->peer_tunnel_id = out->peer_tunnel_id;
	val->peer_session_id = out->peer_session_id;
	val->stats_idx = stats_idx;
	if (out->dscp >= 0) {
		val->flags |= LTS_SW_F_DSCP_SET;
		val->dscp = out->dscp;
	} else if (out->dscp_copy) {
		val->flags |= LTS_SW_F_DSCP_COPY;
	}
	val->police_kbps = out->police.rate_kbps;
	val->police_burst = out->police.burst;
	memcpy(val->local_addr, out->local.addr, sizeof(val->local_addr));
	memcpy(val->peer_addr, out->peer.addr, sizeof(val->peer_addr));
}

void lts_static_entries(const struct lts_static_session *s, uint32_t stats_idx,
			struct lts_switch_key key[LTS_DIR_MAX],
			struct lts_switch_val val[LTS_DIR_MAX])
{
	lts_static_leg_key(&s->a, &key[LTS_DIR_A_TO_B]);
	leg_val(&s->b, stats_idx, LTS_DIR_A_TO_B, &val[LTS_DIR_A_TO_B]);
	lts_static_leg_key(&s->b, &key[LTS_DIR_B_TO_A]);
	leg_val(&s->a, stats_idx, LTS_DIR_B_TO_A, &val[LTS_DIR_B_TO_A]);
}
