// SPDX-License-Identifier: GPL-2.0
/*
 * The agent's copy of the switch table (looked up by the slow path),
 * stored in the generic hash table.
 */
#include <errno.h>
#include "swtab.h"

int lts_swtab_init(struct lts_swtab *t, uint32_t max_entries)
{
	return lts_hashtab_init(&t->h, sizeof(struct lts_swtab_entry),
				sizeof(struct lts_switch_key), max_entries);
}

void lts_swtab_fini(struct lts_swtab *t)
{
	lts_hashtab_fini(&t->h);
}

struct lts_swtab_entry *lts_swtab_lookup(const struct lts_swtab *t,
					 const struct lts_switch_key *key)
{
	return lts_hashtab_lookup(&t->h, key);
}

int lts_swtab_insert(struct lts_swtab *t, const struct lts_switch_key *key,
		     const struct lts_switch_val *val)
{
	struct lts_swtab_entry e = { .key = *key, .val = *val };

	return lts_hashtab_insert(&t->h, &e) ? 0 : -errno;
}

int lts_swtab_remove(struct lts_swtab *t, const struct lts_switch_key *key)
{
	return lts_hashtab_remove(&t->h, key);
}
