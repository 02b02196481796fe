/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The agent's own switch table: the authoritative copy of every entry it
 * installs in the XDP switch_table map, looked up by the slow-path relay
 * (so relaying never costs a map syscall). Keys and values are the maps/
 * structs; storage is the agent's generic hash table.
 */
#ifndef LTS_SWTAB_H
#define LTS_SWTAB_H

#include <stdint.h>
#include "lib/hashtab.h"
#include "lts_maps.h"

struct lts_swtab_entry {
	struct lts_switch_key key; /* first: the hash table's key */
	struct lts_switch_val val;
};

struct lts_swtab {
	struct lts_hashtab h;
};

int lts_swtab_init(struct lts_swtab *t, uint32_t max_entries);
void lts_swtab_fini(struct lts_swtab *t);
struct lts_swtab_entry *lts_swtab_lookup(const struct lts_swtab *t,
					 const struct lts_switch_key *key);
/* Returns 0, -EEXIST (key present) or -ENOSPC. */
int lts_swtab_insert(struct lts_swtab *t, const struct lts_switch_key *key,
		     const struct lts_switch_val *val);
/* Returns 0 or -ENOENT. */
int lts_swtab_remove(struct lts_swtab *t, const struct lts_switch_key *key);
static inline uint32_t lts_swtab_count(const struct lts_swtab *t)
{
	return t->h.count;
}

#define lts_swtab_for_each(t, e)                                               \
	for (uint32_t _swtab_i = 0; _swtab_i <= (t)->h.mask; _swtab_i++)       \
		if (((e) = lts_hashtab_slot(&(t)->h, _swtab_i)))

#endif /* LTS_SWTAB_H */
