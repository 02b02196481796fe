/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Keeps the egress half of every switch entry (interface, MACs, MTU, VLAN)
 * in step with the kernel's routes and neighbours. The XDP program reads it
 * from the next hop's record in the nexthops map, which the entries point
 * to: a next hop whose answer changes is one write to the fast path,
 * however many entries are behind it. An entry whose next hop is unknown
 * stays installed behind a record without LTS_NH_F_VALID: the fast path
 * passes its frames to the slow path, whose sends also make the kernel
 * resolve the neighbour.
 *
 * Next hops are cached: one per (family, peer address, local address), each
 * with the list of switch entries behind it (the agent's copies of their
 * egress fields follow the next hop too). So an entry installed toward a
 * known next hop costs no netlink round trip, a route/neighbour/link event
 * re-resolves each next hop once (not each entry), and the retry while
 * something is unresolved asks again only for the unresolved next hops.
 * Nothing here walks the switch table.
 */
#ifndef LTS_EGRESS_H
#define LTS_EGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/hashtab.h"
#include "nexthop.h"
#include "swtab.h"

/*
 * What egress needs from the outside world: rtnetlink and the BPF map in
 * ltsd (dp.c), fakes in the unit tests (tests/unit/test_egress.c).
 */
struct lts_egress_ops {
	/* lts_nh_resolve()'s contract: 0, -EAGAIN (resolving) or a negative errno. */
	int (*resolve)(void *ctx, uint8_t family, const uint8_t *peer, const uint8_t *local,
		       struct lts_nexthop *nh);
	/*
	 * Write next hop idx (lts_egress_nh_index()) to the fast path: once
	 * when it is new, again whenever its answer changes. 0 or a negative
	 * errno.
	 */
	int (*write_nh)(void *ctx, uint32_t idx, const struct lts_nh_entry *nh);
	void *ctx;
};

/* What a next hop is known by: the egress leg's addresses. */
struct lts_egress_nh_key {
	uint8_t family;     /* enum lts_family */
	uint8_t pad[3];
	uint8_t peer[16];   /* lts_switch_val.peer_addr */
	uint8_t local[16];  /* lts_switch_val.local_addr */
};
_Static_assert(sizeof(struct lts_egress_nh_key) == 36, "hashed whole: no hidden padding");

/* One cached next hop. */
struct lts_egress_nh {
	struct lts_egress_nh_key key;
	struct lts_nexthop nh; /* valid when err == 0 */
	int err;               /* last answer: 0, -EAGAIN, -ENODEV (not ours), ... */
	uint32_t n_entries;    /* entries behind it; 0: the slot is free */
	uint32_t first;        /* swtab index of the first of them, LTS_SWTAB_NONE */
	uint32_t next_free;    /* free list of slots */
};

struct lts_egress {
	struct lts_egress_ops ops;
	struct lts_swtab *tab;
	const uint32_t *ifindexes; /* interfaces the fast path is attached to */
	size_t n_ifindexes;
	struct lts_egress_nh *nhs; /* slots, indexed by the entries' nh */
	uint32_t n_slots, cap, free;
	uint32_t held;             /* slots [0, held) kept for a previous ltsd (lts_egress_hold) */
	struct lts_hashtab by_key; /* { key, slot } */
	uint32_t n_nhs;            /* next hops in use */
	uint32_t n_unresolved;     /* of them, without an answer usable by the fast path */
	uint64_t resolves;         /* calls of ops.resolve, for tests and logs */
};

/*
 * max_nhs bounds the next hops (at most one per entry of tab, and below
 * LTS_MAX_NEXTHOPS: the fast path's indexes). 0 or -ENOMEM;
 * lts_egress_fini() accepts a zeroed or half-initialised egress.
 */
int lts_egress_init(struct lts_egress *eg, const struct lts_egress_ops *ops,
		    struct lts_swtab *tab, const uint32_t *ifindexes, size_t n_ifindexes,
		    uint32_t max_nhs);
void lts_egress_fini(struct lts_egress *eg);

/*
 * Put entry e (just added to tab, not yet in the fast path) behind its next
 * hop, resolving (and writing) that next hop only if it is new, and fill
 * e->val's egress fields from it. The caller then writes e to the fast path
 * itself (once), pointing to lts_egress_nh_index(e). 0 or -ENOMEM/-ENOSPC
 * (e is then behind no next hop, flags without NH_VALID).
 */
int lts_egress_attach(struct lts_egress *eg, struct lts_swtab_entry *e);
/* The fast path's index of e's next hop (nexthops map); 0: none. */
static inline uint32_t lts_egress_nh_index(const struct lts_swtab_entry *e)
{
	return e->nh == LTS_SWTAB_NONE ? 0 : e->nh + 1;
}

/*
 * A restart: the entries a previous ltsd left point to next-hop indexes
 * 1..n; until they are all rewritten or swept, new next hops take other
 * indexes, so that no such entry ever sees another next hop's record.
 * 0 or -ENOMEM. lts_egress_release_held() ends it.
 */
int lts_egress_hold(struct lts_egress *eg, uint32_t n);
void lts_egress_release_held(struct lts_egress *eg);
/* Take e from its next hop's list (before removing it from tab); frees an unused next hop. */
void lts_egress_detach(struct lts_egress *eg, struct lts_swtab_entry *e);

/*
 * Re-resolve every next hop once (all: after an event, and now and then),
 * or only the unresolved ones; a next hop whose answer changed is written to
 * the fast path and the agent's copies of the entries behind it follow.
 * Returns how many next hops are still unresolved.
 */
int lts_egress_refresh(struct lts_egress *eg, bool all);

#endif /* LTS_EGRESS_H */
