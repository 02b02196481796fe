/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The agent's own switch table: the authoritative copy of every entry it
 * installs in the XDP switch_table map, looked up by the slow-path relay
 * (so relaying never costs a map syscall). Open addressing, linear probing,
 * backward-shift deletion; keys and values are the maps/ structs.
 */
#ifndef LTS_SWTAB_H
#define LTS_SWTAB_H

#include <stdint.h>
#include "lts_maps.h"

struct lts_swtab_entry {
	struct lts_switch_key key;
	struct lts_switch_val val;
	uint8_t used;
};

struct lts_swtab {
	struct lts_swtab_entry *slots;
	uint32_t mask;  /* capacity - 1, capacity a power of two */
	uint32_t count;
	uint32_t limit; /* most entries allowed (load factor <= 1/2) */
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

#define lts_swtab_for_each(t, e)                                               \
	for ((e) = (t)->slots; (e) <= (t)->slots + (t)->mask; (e)++)           \
		if ((e)->used)

#endif /* LTS_SWTAB_H */
