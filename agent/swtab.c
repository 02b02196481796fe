// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "swtab.h"

/* FNV-1a over the key bytes: keys are small and explicitly padded. */
static uint32_t key_hash(const struct lts_switch_key *key)
{
	const uint8_t *p = (const uint8_t *)key;
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < sizeof(*key); i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

int lts_swtab_init(struct lts_swtab *t, uint32_t max_entries)
{
	uint32_t cap = 16;

	while (cap < 2ull * max_entries)
		cap <<= 1;
	t->slots = calloc(cap, sizeof(*t->slots));
	if (!t->slots)
		return -ENOMEM;
	t->mask = cap - 1;
	t->count = 0;
	t->limit = max_entries;
	return 0;
}

void lts_swtab_fini(struct lts_swtab *t)
{
	free(t->slots);
	t->slots = NULL;
	t->count = 0;
}

static uint32_t find_slot(const struct lts_swtab *t, const struct lts_switch_key *key)
{
	uint32_t i = key_hash(key) & t->mask;

	while (t->slots[i].used && memcmp(&t->slots[i].key, key, sizeof(*key)))
		i = (i + 1) & t->mask;
	return i;
}

struct lts_swtab_entry *lts_swtab_lookup(const struct lts_swtab *t,
					 const struct lts_switch_key *key)
{
	struct lts_swtab_entry *e = &t->slots[find_slot(t, key)];

	return e->used ? e : NULL;
}

int lts_swtab_insert(struct lts_swtab *t, const struct lts_switch_key *key,
		     const struct lts_switch_val *val)
{
	struct lts_swtab_entry *e = &t->slots[find_slot(t, key)];

	if (e->used)
		return -EEXIST;
	if (t->count >= t->limit)
		return -ENOSPC;
	e->key = *key;
	e->val = *val;
	e->used = 1;
	t->count++;
	return 0;
}

int lts_swtab_remove(struct lts_swtab *t, const struct lts_switch_key *key)
{
	uint32_t hole = find_slot(t, key), i, home;

	if (!t->slots[hole].used)
		return -ENOENT;
	/* Backward-shift: move later members of the probe run into the hole. */
	for (i = (hole + 1) & t->mask; t->slots[i].used; i = (i + 1) & t->mask) {
		home = key_hash(&t->slots[i].key) & t->mask;
		if (((i - home) & t->mask) >= ((i - hole) & t->mask)) {
			t->slots[hole] = t->slots[i];
			hole = i;
		}
	}
	memset(&t->slots[hole], 0, sizeof(t->slots[hole]));
	t->count--;
	return 0;
}
