/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The agent's own switch table: the authoritative copy of every entry it
 * installs in the XDP switch_table map, looked up by the slow-path relay
 * (so relaying never costs a map syscall). Keys and values are the maps/
 * structs.
 *
 * Entries never move while they are installed: egress (egress.h) links the
 * entries behind one next hop into a list by their index, so that a next
 * hop that changes rewrites only its own entries. That is why this table is
 * not the generic lts_hashtab (whose records move on removal): entries live
 * in an array, taken from a free list (so the used ones stay dense and only
 * their pages are touched), indexed by hash chains of entry indexes.
 */
#ifndef LTS_SWTAB_H
#define LTS_SWTAB_H

#include <stdbool.h>
#include <stdint.h>
#include "lts_maps.h"

/* No entry: end of a chain or list, an entry behind no next hop. */
#define LTS_SWTAB_NONE UINT32_MAX

struct lts_swtab_entry {
	struct lts_switch_key key;
	struct lts_switch_val val;
	/* Owned by egress: its next hop and the entries behind the same one. */
	uint32_t nh;               /* LTS_SWTAB_NONE: none */
	uint32_t nh_prev, nh_next; /* entry indexes, LTS_SWTAB_NONE at the ends */
	/* Owned by dp: where the fast path holds it (bpf_loader.h LTS_SLOT_*). */
	uint32_t slot;
	/* Owned by the table. */
	uint32_t chain;            /* next entry in the hash chain or the free list */
	bool used;
};

struct lts_swtab {
	struct lts_swtab_entry *ents; /* max_entries, calloc()ed: pages fault in as used */
	uint32_t *buckets;            /* first entry of each chain, LTS_SWTAB_NONE */
	uint32_t mask;                /* buckets - 1 */
	uint32_t count, limit;
	uint32_t top;                 /* entries [0, top) have been used at least once */
	uint32_t free;                /* free list below top, LTS_SWTAB_NONE */
};

int lts_swtab_init(struct lts_swtab *t, uint32_t max_entries);
/* Accepts a zeroed or finished table. */
void lts_swtab_fini(struct lts_swtab *t);
struct lts_swtab_entry *lts_swtab_lookup(const struct lts_swtab *t,
					 const struct lts_switch_key *key);
/* Returns 0, -EEXIST (key present) or -ENOSPC. */
int lts_swtab_insert(struct lts_swtab *t, const struct lts_switch_key *key,
		     const struct lts_switch_val *val);
/* The same, returning the stored entry (nh = LTS_SWTAB_NONE), or NULL with errno set. */
struct lts_swtab_entry *lts_swtab_add(struct lts_swtab *t, const struct lts_switch_key *key,
				      const struct lts_switch_val *val);
/* Returns 0 or -ENOENT. The entry must not be behind a next hop any more. */
int lts_swtab_remove(struct lts_swtab *t, const struct lts_switch_key *key);

static inline uint32_t lts_swtab_count(const struct lts_swtab *t)
{
	return t->count;
}

/* Entry by index (egress's lists), and an entry's index. */
static inline struct lts_swtab_entry *lts_swtab_at(const struct lts_swtab *t, uint32_t idx)
{
	return &t->ents[idx];
}

static inline uint32_t lts_swtab_idx(const struct lts_swtab *t, const struct lts_swtab_entry *e)
{
	return (uint32_t)(e - t->ents);
}

#define lts_swtab_for_each(t, e)                                               \
	for (uint32_t _swtab_i = 0; _swtab_i < (t)->top; _swtab_i++)           \
		if (((e) = &(t)->ents[_swtab_i])->used)

#endif /* LTS_SWTAB_H */
