/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Statically provisioned switched sessions: the translation of a configured
 * pair of legs into the two switch entries (one per direction).
 */
#ifndef LTS_STATIC_SESSIONS_H
#define LTS_STATIC_SESSIONS_H

#include <stdint.h>
#include "lts_config.h"
#include "lts_maps.h"

/*
 * Entry [LTS_DIR_A_TO_B] matches frames from leg a's peer and emits them on
 * leg b; [LTS_DIR_B_TO_A] the reverse. Next-hop fields (ifindex, MACs, MTU,
 * VLAN, LTS_SW_F_NH_VALID) are left for the resolver.
 */
void lts_static_entries(const struct lts_static_session *s, uint32_t stats_idx,
			struct lts_switch_key key[LTS_DIR_MAX],
			struct lts_switch_val val[LTS_DIR_MAX]);

#endif /* LTS_STATIC_SESSIONS_H */
