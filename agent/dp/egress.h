/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Keeps the egress half of every switch entry (interface, MACs, MTU, VLAN)
 * in step with the kernel's routes and neighbours, and pushes changed
 * entries to the XDP switch table. An entry whose next hop is unknown stays
 * installed without LTS_SW_F_NH_VALID: the fast path passes its frames to
 * the slow path, whose sends also make the kernel resolve the neighbour.
 */
#ifndef LTS_EGRESS_H
#define LTS_EGRESS_H

#include <stddef.h>
#include <stdint.h>
#include "nexthop.h"
#include "swtab.h"

struct lts_xdp;

struct lts_egress {
	struct lts_nl *nl;
	struct lts_xdp *skel;
	const uint32_t *ifindexes; /* interfaces the fast path is attached to */
	size_t n_ifindexes;
};

/* Resolve every entry; returns how many are still unresolved. */
int lts_egress_refresh(const struct lts_egress *eg, struct lts_swtab *tab);

#endif /* LTS_EGRESS_H */
