/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The restart store: what a new ltsd needs to resume the control
 * connections and switched calls of the one before it (a crash, an
 * upgrade, ltsctl restart), kept where the death of the process cannot
 * take it: BPF array maps pinned next to the data plane's (bpffs outlives
 * every process but not a reboot, like the XDP program and its maps), and
 * mapped into the process (BPF_F_MMAPABLE), so that keeping it current is
 * a store to memory, with no system call on the control path.
 *
 * Records are written whole before they are marked valid, and a record's
 * sequence state is one aligned 64-bit word, so a process killed at any
 * instruction leaves every record either complete or unused. What uses the
 * records (restart.c) decides what goes in them; this file only keeps them.
 */
#ifndef LTS_STATE_STORE_H
#define LTS_STATE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "l2tp/ctrl_io.h"
#include "lts_config.h"

#define LTS_STATE_MAP_HDR "state_hdr"
#define LTS_STATE_MAP_TUNNELS "state_tunnels"
#define LTS_STATE_MAP_CALLS "state_calls"
/* Bumped whenever a record or a data-plane map changes meaning. */
#define LTS_STATE_VERSION 1
#define LTS_STATE_MAGIC 0x4c54535354415445ull /* "LTSSTATE" */
#define LTS_STATE_VALID 0x56414c44u            /* "VALD" */
/* Established tunnels kept (both roles); beyond, a tunnel is not resumable. */
#define LTS_STATE_TUNNEL_SLOTS 8192

struct lts_state_hdr {
	uint64_t magic;            /* written last, when the store is complete */
	uint32_t version;
	uint32_t layout;           /* record and data-plane map sizes (lts_state_layout) */
	uint32_t n_tunnels;
	uint32_t n_calls;          /* = dataplane.max_sessions: one per counter slot */
	uint64_t created_s;        /* CLOCK_REALTIME, for the logs */
};

/* An established control connection. */
struct lts_state_tunnel {
	uint32_t valid;            /* LTS_STATE_VALID: complete; 0: free */
	uint16_t id, peer_id;
	uint8_t role;              /* enum lts_role */
	uint8_t pad0;
	uint16_t peer_rws;
	uint16_t next_sid;
	uint16_t pad1;
	uint32_t next_serial;
	uint64_t created_ms;       /* CLOCK_MONOTONIC: the same across processes */
	uint64_t seq;              /* ns_next | nr << 16 | una << 32 (lts_state_seq) */
	struct lts_ctrl_endpoint ep;
	char peer_name[LTS_CFG_NAME_MAX]; /* its lac_peer or lns_peer */
	char peer_hostname[LTS_CFG_HOSTNAME_MAX];
};

/* One leg of a switched call. */
struct lts_state_leg {
	uint16_t tunnel_id, session_id, peer_session_id, pad;
	uint32_t serial;
	uint32_t pad1;
	uint64_t created_ms;
};

/* A switched call installed in the data plane; its slot is its counter slot. */
struct lts_state_call {
	uint32_t valid;
	uint32_t stats_idx;
	struct lts_state_leg leg[2]; /* toward the LAC, toward the LNS */
	uint64_t up_ms;
	uint64_t icrq_avps[2], iccn_avps[2]; /* lts_call_avps */
	uint8_t icrq_vendor, iccn_vendor;
	uint8_t pad[6];
	uint64_t start_real_ms;    /* accounting: wall clock of the start record */
	char rule[LTS_CFG_NAME_MAX];
	char user[LTS_CFG_KEY_MAX]; /* Proxy Authen Name ("": none) */
};

struct lts_state {
	int fd_hdr, fd_tunnels, fd_calls;
	struct lts_state_hdr *hdr;
	struct lts_state_tunnel *tunnels;
	struct lts_state_call *calls;
	size_t len_hdr, len_tunnels, len_calls; /* mapped bytes */
	uint32_t n_tunnels, n_calls;
	uint32_t tunnel_cursor;    /* where the next free tunnel slot is looked for */
	bool full_warned;
};

/*
 * Open the store pinned in dir if there is a complete one of this version
 * and layout with n_calls call slots: 1 (adopt it), or 0 with why saying
 * what was found instead ("none" when there is nothing) and st closed.
 */
int lts_state_find(struct lts_state *st, const char *dir, uint32_t n_calls, char *why,
		   size_t size);
/* Create an empty store in dir (its pins must not exist). 0 or a negative errno. */
int lts_state_create(struct lts_state *st, const char *dir, uint32_t n_calls);
/* Unmap and close; with unpin, the pins go too (a clean shutdown). */
void lts_state_close(struct lts_state *st, const char *dir, bool unpin);
/* Remove the store's pins from dir (before a fresh start). */
void lts_state_unlink(const char *dir);

static inline bool lts_state_open(const struct lts_state *st)
{
	return st->hdr != NULL;
}

/* A free tunnel slot, or -1 (counted once in the log). */
int lts_state_tunnel_alloc(struct lts_state *st);
/* Publish a record filled while invalid, or retire one. */
void lts_state_publish(uint32_t *valid);
void lts_state_retire(uint32_t *valid);
static inline bool lts_state_valid(const uint32_t *valid)
{
	return __atomic_load_n(valid, __ATOMIC_ACQUIRE) == LTS_STATE_VALID;
}

static inline uint64_t lts_state_seq(uint16_t ns_next, uint16_t nr, uint16_t una)
{
	return (uint64_t)ns_next | (uint64_t)nr << 16 | (uint64_t)una << 32;
}

#endif /* LTS_STATE_STORE_H */
