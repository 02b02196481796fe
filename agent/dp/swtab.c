// SPDX-License-Identifier: GPL-2.0
/*
 * The agent's copy of the switch table (looked up by the slow path): entries
 * in one array that never move (egress links them per next hop), found
 * through FNV-1a hash chains of entry indexes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "lib/hashtab.h"
#include "swtab.h"

int lts_swtab_init(struct lts_swtab *t, uint32_t max_entries)
{
	uint32_t n = 16, i;

	memset(t, 0, sizeof(*t));
	while (n < max_entries && n < (1u << 31))
		n <<= 1;
	/* calloc: an entry's page is only touched once the entry is used. */
	t->ents = calloc(max_entries ?: 1, sizeof(*t->ents));
	t->buckets = malloc((size_t)n * sizeof(*t->buckets));
	if (!t->ents || !t->buckets) {
		lts_swtab_fini(t);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++)
		t->buckets[i] = LTS_SWTAB_NONE;
	t->mask = n - 1;
	t->limit = max_entries;
	t->free = LTS_SWTAB_NONE;
	return 0;
}

void lts_swtab_fini(struct lts_swtab *t)
{
	free(t->ents);
	free(t->buckets);
	memset(t, 0, sizeof(*t));
}

static uint32_t *bucket_of(const struct lts_swtab *t, const struct lts_switch_key *key)
{
	return &t->buckets[lts_fnv1a(key, sizeof(*key)) & t->mask];
}

struct lts_swtab_entry *lts_swtab_lookup(const struct lts_swtab *t,
					 const struct lts_switch_key *key)
{
	uint32_t i;

	if (!t->buckets)
		return NULL;
	for (i = *bucket_of(t, key); i != LTS_SWTAB_NONE; i = t->ents[i].chain)
		if (!memcmp(&t->ents[i].key, key, sizeof(*key)))
			return &t->ents[i];
	return NULL;
}

struct lts_swtab_entry *lts_swtab_add(struct lts_swtab *t, const struct lts_switch_key *key,
				      const struct lts_switch_val *val)
{
	struct lts_swtab_entry *e;
	uint32_t *head, i;

	if (lts_swtab_lookup(t, key)) {
		errno = EEXIST;
		return NULL;
	}
	if (t->count >= t->limit) {
		errno = ENOSPC;
		return NULL;
	}
	/* Reuse the most recently freed entry: its page is likely warm. */
	if (t->free != LTS_SWTAB_NONE) {
		i = t->free;
		t->free = t->ents[i].chain;
	} else {
		i = t->top++;
	}
	head = bucket_of(t, key);
	e = &t->ents[i];
	*e = (struct lts_swtab_entry){ .key = *key, .val = *val, .nh = LTS_SWTAB_NONE,
				       .nh_prev = LTS_SWTAB_NONE, .nh_next = LTS_SWTAB_NONE,
				       .chain = *head, .used = true };
	*head = i;
	t->count++;
	return e;
}

int lts_swtab_insert(struct lts_swtab *t, const struct lts_switch_key *key,
		     const struct lts_switch_val *val)
{
	return lts_swtab_add(t, key, val) ? 0 : -errno;
}

int lts_swtab_remove(struct lts_swtab *t, const struct lts_switch_key *key)
{
	uint32_t *link, i;

	if (!t->buckets)
		return -ENOENT;
	for (link = bucket_of(t, key); (i = *link) != LTS_SWTAB_NONE; link = &t->ents[i].chain) {
		if (memcmp(&t->ents[i].key, key, sizeof(*key)))
			continue;
		*link = t->ents[i].chain;
		memset(&t->ents[i], 0, sizeof(t->ents[i]));
		t->ents[i].chain = t->free;
		t->free = i;
		t->count--;
		return 0;
	}
	return -ENOENT;
}
