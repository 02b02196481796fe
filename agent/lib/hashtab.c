// SPDX-License-Identifier: GPL-2.0
/*
 * Open-addressing hash table of fixed-size records (key first), FNV-1a
 * hashed, linear probing with backward-shift deletion; the agent's tables
 * (sessions by ID, switch table) all use it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "hashtab.h"

uint32_t lts_fnv1a(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t x = 2166136261u;
	size_t i;

	for (i = 0; i < len; i++)
		x = (x ^ p[i]) * 16777619u;
	return x;
}

/* FNV-1a over the key bytes: keys are small and explicitly padded. */
static uint32_t home_of(const struct lts_hashtab *h, const void *key)
{
	return lts_fnv1a(key, h->key_size) & h->mask;
}

static uint8_t *rec(const struct lts_hashtab *h, uint32_t i)
{
	return h->slots + (size_t)i * h->rec_size;
}

int lts_hashtab_init(struct lts_hashtab *h, size_t rec_size, size_t key_size, uint32_t max)
{
	uint32_t cap = 16;

	while (cap < 2ull * max)
		cap <<= 1;
	h->slots = calloc(cap, rec_size);
	h->used = calloc(cap, 1);
	if (!h->slots || !h->used) {
		lts_hashtab_fini(h);
		return -ENOMEM;
	}
	h->rec_size = rec_size;
	h->key_size = key_size;
	h->mask = cap - 1;
	h->count = 0;
	h->limit = max;
	return 0;
}

void lts_hashtab_fini(struct lts_hashtab *h)
{
	free(h->slots);
	free(h->used);
	h->slots = NULL;
	h->used = NULL;
	h->count = 0;
}

static uint32_t find(const struct lts_hashtab *h, const void *key)
{
	uint32_t i = home_of(h, key);

	while (h->used[i] && memcmp(rec(h, i), key, h->key_size))
		i = (i + 1) & h->mask;
	return i;
}

void *lts_hashtab_lookup(const struct lts_hashtab *h, const void *key)
{
	uint32_t i = find(h, key);

	return h->used[i] ? rec(h, i) : NULL;
}

void *lts_hashtab_insert(struct lts_hashtab *h, const void *r)
{
	uint32_t i = find(h, r);

	if (h->used[i]) {
		errno = EEXIST;
		return NULL;
	}
	if (h->count >= h->limit) {
		errno = ENOSPC;
		return NULL;
	}
	memcpy(rec(h, i), r, h->rec_size);
	h->used[i] = 1;
	h->count++;
	return rec(h, i);
}

int lts_hashtab_remove(struct lts_hashtab *h, const void *key)
{
	uint32_t hole = find(h, key), i, home;

	if (!h->used[hole])
		return -ENOENT;
	/* Backward shift: later members of the probe run move into the hole. */
	for (i = (hole + 1) & h->mask; h->used[i]; i = (i + 1) & h->mask) {
		home = home_of(h, rec(h, i));
		if (((i - home) & h->mask) >= ((i - hole) & h->mask)) {
			memcpy(rec(h, hole), rec(h, i), h->rec_size);
			hole = i;
		}
	}
	h->used[hole] = 0;
	memset(rec(h, hole), 0, h->rec_size);
	h->count--;
	return 0;
}

void *lts_hashtab_slot(const struct lts_hashtab *h, uint32_t i)
{
	return h->used[i] ? rec(h, i) : NULL;
}
