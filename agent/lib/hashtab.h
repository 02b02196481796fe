/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One open-addressing hash table for the agent's lookups: fixed-size records
 * that start with their key, linear probing, backward-shift deletion (no
 * tombstones), sized once for a maximum count at load <= 1/2. The switch
 * table (swtab.c) and the session index of the control plane use it.
 */
#ifndef LTS_HASHTAB_H
#define LTS_HASHTAB_H

#include <stddef.h>
#include <stdint.h>

struct lts_hashtab {
	uint8_t *slots;
	uint8_t *used;     /* one byte per slot */
	size_t rec_size;   /* bytes per record; the key is its first key_size */
	size_t key_size;
	uint32_t mask;
	uint32_t count;
	uint32_t limit;
};

int lts_hashtab_init(struct lts_hashtab *h, size_t rec_size, size_t key_size, uint32_t max);
void lts_hashtab_fini(struct lts_hashtab *h);
/* The record with this key, or NULL. */
void *lts_hashtab_lookup(const struct lts_hashtab *h, const void *key);
/* Copy rec (key first) in. Returns the stored record, or NULL with errno
 * EEXIST (key present) or ENOSPC (full). */
void *lts_hashtab_insert(struct lts_hashtab *h, const void *rec);
/* Returns 0 or -ENOENT. */
int lts_hashtab_remove(struct lts_hashtab *h, const void *key);
/* Record i (0 <= i <= mask) if used, else NULL: for iteration. */
void *lts_hashtab_slot(const struct lts_hashtab *h, uint32_t i);

/* FNV-1a: the hash of the agent's tables (small, explicitly padded keys). */
uint32_t lts_fnv1a(const void *data, size_t len);

#endif /* LTS_HASHTAB_H */
