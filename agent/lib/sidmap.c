// SPDX-License-Identifier: GPL-2.0
/*
 * Session IDs whose fast-table slots do not collide: per slot, the IDs that
 * hold it and how many holders share them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "lts_maps.h"
#include "sidmap.h"

int lts_sidmap_init(struct lts_sidmap *m, uint32_t n_slots)
{
	memset(m, 0, sizeof(*m));
	/* calloc: pages are only touched as slots are used. */
	m->owner = calloc(n_slots ?: 1, sizeof(*m->owner));
	m->holders = calloc(n_slots ?: 1, sizeof(*m->holders));
	if (!m->owner || !m->holders) {
		lts_sidmap_fini(m);
		return -ENOMEM;
	}
	m->n_slots = n_slots;
	return 0;
}

void lts_sidmap_fini(struct lts_sidmap *m)
{
	free(m->owner);
	free(m->holders);
	memset(m, 0, sizeof(*m));
}

static uint32_t ids(uint16_t tunnel_id, uint16_t session_id)
{
	return (uint32_t)tunnel_id << 16 | session_id;
}

bool lts_sidmap_take(struct lts_sidmap *m, uint16_t tunnel_id, uint16_t session_id)
{
	return m->n_slots && !m->owner[lts_slot(tunnel_id, session_id, m->n_slots)] &&
	       lts_sidmap_claim(m, tunnel_id, session_id);
}

bool lts_sidmap_claim(struct lts_sidmap *m, uint16_t tunnel_id, uint16_t session_id)
{
	uint32_t slot, key = ids(tunnel_id, session_id);

	/* IDs are never 0 (RFC 2661 5.3), so key 0 can mean "free". */
	if (!m->n_slots || !tunnel_id || !session_id)
		return false;
	slot = lts_slot(tunnel_id, session_id, m->n_slots);
	if (m->owner[slot] && m->owner[slot] != key)
		return false;
	if (!m->owner[slot]) {
		m->owner[slot] = key;
		m->used++;
	}
	if (m->holders[slot] < UINT8_MAX)
		m->holders[slot]++;
	return true;
}

void lts_sidmap_release(struct lts_sidmap *m, uint16_t tunnel_id, uint16_t session_id)
{
	uint32_t slot;

	if (!m->n_slots)
		return;
	slot = lts_slot(tunnel_id, session_id, m->n_slots);
	if (m->owner[slot] != ids(tunnel_id, session_id) || m->holders[slot] == UINT8_MAX)
		return;
	if (--m->holders[slot])
		return;
	m->owner[slot] = 0;
	m->used--;
}
