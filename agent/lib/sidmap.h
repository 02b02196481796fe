/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Session IDs allocated so that the XDP program finds a session by direct
 * index: the frames we receive carry the tunnel and session IDs we assigned,
 * and lts_slot() (maps/lts_maps.h) turns them into a slot of the fast
 * switch table. The allocator prefers, per tunnel, session IDs whose slot no
 * other (tunnel ID, session ID) holds, so the installed legs of switched
 * calls do not collide. A leg whose slot is taken anyway still works,
 * through the slower wide table: a static session with operator-chosen IDs,
 * a session adopted after a restart, or one of a tunnel that found no free
 * slot in LTS_SIDMAP_TRIES IDs (a tunnel's 65535 IDs reach about
 * 65535 x (1 - table load) free slots: ~32000 at the control plane's limit
 * of half the table).
 *
 * The control plane allocates (session.c) and releases; the data plane
 * claims the IDs of static legs, and whoever re-creates sessions with IDs
 * they already had claims those (lts_sidmap_claim). Several holders of the
 * same (tunnel ID, session ID) share its slot: it is free once the last lets
 * go. Nothing here knows BPF.
 */
#ifndef LTS_SIDMAP_H
#define LTS_SIDMAP_H

#include <stdbool.h>
#include <stdint.h>

/* IDs whose slot is taken that an allocation skips before taking any free ID. */
#define LTS_SIDMAP_TRIES 64

struct lts_sidmap {
	uint32_t *owner;  /* per slot: tunnel ID << 16 | session ID of its holders, 0: free */
	uint8_t *holders; /* how many hold it (saturates: such a slot stays taken) */
	uint32_t n_slots; /* = the fast switch table's */
	uint32_t used;
};

/* n_slots: the fast switch table's size. 0 or -ENOMEM; fini accepts a zeroed map. */
int lts_sidmap_init(struct lts_sidmap *m, uint32_t n_slots);
void lts_sidmap_fini(struct lts_sidmap *m);

/*
 * Mark (tunnel_id, session_id) in use: true if its slot was free and is now
 * its own, or already held by the same IDs (one more holder); false if
 * other IDs hold the slot (nothing changes: the session works, more slowly).
 * For IDs that exist already: static legs, sessions adopted after a restart.
 */
bool lts_sidmap_claim(struct lts_sidmap *m, uint16_t tunnel_id, uint16_t session_id);

/* A new session: take the slot of (tunnel_id, session_id) if it is free. */
bool lts_sidmap_take(struct lts_sidmap *m, uint16_t tunnel_id, uint16_t session_id);

/* One holder of (tunnel_id, session_id) lets go; a slot held by other IDs is left alone. */
void lts_sidmap_release(struct lts_sidmap *m, uint16_t tunnel_id, uint16_t session_id);

#endif /* LTS_SIDMAP_H */
