/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The switch: binds an incoming call from a LAC (the first leg, on which we
 * are the LNS) to a call we place on an LNS chosen by rule (the second leg,
 * on which we are the LAC), carries the AVPs across (draft-08 section 3),
 * installs the pair in the data plane once both legs are up, and tears the
 * pair down together. It sits between the control plane (whose hooks it
 * implements) and the data plane (reached only through lts_dp_ops).
 */
#ifndef LTS_SWITCH_H
#define LTS_SWITCH_H

#include <stdint.h>
#include "dp/dp_ops.h"
#include "l2tp/ctrl_plane.h"
#include "lts_config.h"
#include "l2tp/relay.h"

/*
 * Which AVPs a call relayed (draft-08 3), kept for ltsctl once the relay
 * sets are freed: IETF types 0..127 by bit, vendor AVPs counted.
 */
struct lts_call_avps {
	uint64_t icrq[2], iccn[2];
	uint8_t icrq_vendor, iccn_vendor;
};

/*
 * What the call observer (lts_switch_hooks: accounting.c) keeps per call;
 * zeroed by the switch. A restart that adopts a call keeps start_real_ms
 * to keep its accounting session ID.
 */
struct lts_call_acct {
	uint64_t start_real_ms;   /* wall clock when the pair went into the data plane; 0: unseen */
	uint64_t next_interim_ms; /* as up_ms; 0: none due */
};

/* A switched call: two half-sessions. */
struct lts_call {
	struct lts_call *prev, *next;
	struct lts_session *first;     /* toward the LAC */
	struct lts_session *second;    /* toward the LNS */
	const struct lts_rule *rule;
	size_t member;                 /* rule->pool index of the second leg */
	uint32_t tried;                /* bit per pool member */
	bool busy;                     /* last failure said "busy" (2/11 not 2/10) */
	struct lts_relay_set *icrq;    /* while setting up */
	struct lts_relay_set *iccn;
	bool installed;
	uint32_t stats_idx;
	struct lts_static_session pair; /* what was installed */
	uint64_t up_ms;
	/* WEN/SLI relay budget (token bucket, LTS_SWITCH_INFO_*). */
	uint64_t info_ms;
	uint32_t info_tokens;
	struct lts_call_avps avps;     /* filled at install */
	char *user;                    /* Proxy Authen Name of the LAC's ICCN; NULL: none */
	struct lts_call_acct acct;
};

/*
 * WEN and SLI relayed per call: at most this many per second, in bursts of
 * LTS_SWITCH_INFO_BURST; beyond, dropped and counted. A LAC flooding them
 * must not fill the shared tunnel to its LNS (RFC 2661 has them advisory).
 */
#define LTS_SWITCH_INFO_RATE 5
#define LTS_SWITCH_INFO_BURST 10

struct lts_switch_counters {
	uint64_t calls_switched;
	uint64_t calls_refused;
	uint64_t loops_detected;
	uint64_t failovers;
	uint64_t info_dropped;  /* WEN/SLI over a call's relay budget */
	uint64_t calls_cleared; /* by the operator (lts_switch_clear_*) */
};

/* Per rule (ltsctl show rules). */
struct lts_switch_rule_counters {
	uint64_t hits;      /* calls the rule matched */
	uint64_t switched;  /* of them, installed */
	uint64_t failures;  /* of them, refused toward the LAC: no member took the
			     * call, or the switch itself failed (2/10, 2/11, 2/12) */
	uint64_t failovers; /* a member failed and the next was tried */
};

/* The last failure of an lns_peer (what locked it out). */
struct lts_switch_peer_error {
	uint64_t at_ms;     /* 0: none yet */
	uint16_t result, error;
	char message[96];
};

/*
 * Observer of the calls the data plane carries (accounting). call_up: c
 * was just installed. call_down: c is about to leave the data plane, its
 * counters still those of the call; end says why.
 */
enum lts_call_ender {
	LTS_CALL_END_LAC,      /* an event of the first leg (toward the LAC) */
	LTS_CALL_END_LNS,      /* an event of the second leg (toward the LNS) */
	LTS_CALL_END_OPERATOR, /* lts_switch_clear_session / _tunnel */
};

struct lts_call_end {
	enum lts_call_ender by;
	/* The leg's CDN or tunnel event as the control plane reported it, or the operator's CDN. */
	const struct lts_cdn_info *why;
	const struct lts_session *lac, *lns; /* the legs, both still there */
};

struct lts_switch_hooks {
	void (*call_up)(void *ctx, struct lts_call *c);
	void (*call_down)(void *ctx, const struct lts_call *c, const struct lts_call_end *end);
	void *ctx;
};

/*
 * The restart store's hooks: a call was installed in the data plane, or is
 * about to leave it. Unset hooks are skipped.
 */
struct lts_switch_persist {
	void (*call_up)(void *ctx, const struct lts_call *c);
	void (*call_down)(void *ctx, const struct lts_call *c);
	void *ctx;
};

/* Calls installed per second, over the last LTS_SWITCH_RATE_SLOTS seconds. */
#define LTS_SWITCH_RATE_SLOTS 64

struct lts_switch {
	const struct lts_config *cfg;
	struct lts_ctrl_plane *cp;
	struct lts_dp_ops dp;
	uint64_t *lockout_until;       /* per lns_peer, ms */
	uint8_t *idx_used;             /* counter slots, cfg->max_sessions */
	uint32_t idx_cursor;
	struct lts_call *calls;
	uint32_t n_calls;
	uint64_t rng;
	struct lts_switch_counters ctr;
	/* For ltsctl; NULL where a caller built the switch by hand. */
	struct lts_switch_rule_counters *rule_ctr;   /* per rule */
	struct lts_switch_peer_error *lns_error;     /* per lns_peer */
	uint64_t rate_sec[LTS_SWITCH_RATE_SLOTS];    /* second of each slot */
	uint32_t rate_n[LTS_SWITCH_RATE_SLOTS];      /* calls installed in it */
	struct lts_switch_persist persist;           /* unset members: skipped */
	struct lts_switch_hooks hooks;               /* unset members: skipped */
};

int lts_switch_init(struct lts_switch *sw, const struct lts_config *cfg,
		    const struct lts_dp_ops *dp);
void lts_switch_fini(struct lts_switch *sw);
/* The control-plane hooks the switch implements (ctx: the switch). */
void lts_switch_cp_ops(struct lts_ctrl_plane_ops *ops);
/* Tell the switch its control plane (after lts_cp_init). */
void lts_switch_attach(struct lts_switch *sw, struct lts_ctrl_plane *cp);
/* Observe the calls installed and removed from now on. */
void lts_switch_set_hooks(struct lts_switch *sw, const struct lts_switch_hooks *hooks);

/*
 * Operator requests (ltsctl), at now_ms. The message travels as the Error
 * Message of each Result Code sent.
 *
 * clear_session: s and, when it is a leg of a call, the other leg too: the
 * pair leaves the data plane first, then each leg gets CDN result 3 "Call
 * disconnected for administrative reasons" (RFC 2661 4.4.2). Returns the
 * number of CDNs due (1 or 2), or -EALREADY for a session going already.
 *
 * clear_tunnel: every call on t is cleared on its other leg the same way
 * (pair removed, CDN 3: never a StopCCN on a tunnel that carries other
 * calls), then t gets its StopCCN (lts_cp_clear_tunnel: result 1); its own
 * sessions go with it. Returns the number of calls cleared, or -EALREADY.
 */
int lts_switch_clear_session(struct lts_switch *sw, struct lts_session *s, const char *msg,
			     uint64_t now_ms);
int lts_switch_clear_tunnel(struct lts_switch *sw, struct lts_tunnel *t, const char *msg,
			    uint64_t now_ms);
/*
 * A reload (the new configuration is complete and valid): tunnels of
 * lac_peers and lns_peers that new_cfg no longer has are cleared as by
 * lts_switch_clear_tunnel (message "... removed from the configuration");
 * calls follow their rule by name (one still being set up whose rule went
 * is refused); static sessions are compared by name (new ones installed,
 * removed ones taken out, unchanged ones untouched: new_cfg's stats_idx
 * are set here); then the control plane switches (lts_cp_reconfigure).
 * Established calls keep their data-plane entries. 0 or -ENOMEM.
 */
int lts_switch_reconfigure(struct lts_switch *sw, struct lts_config *new_cfg, uint64_t now_ms);
/*
 * A restart: the call of two adopted sessions (lts_session_adopt) as the
 * previous process left it, its data-plane entries rewritten in place
 * (dp.adopt: the counters of stats_idx go on). 0, -EEXIST (slot taken),
 * -ENOMEM or the data plane's error.
 */
int lts_switch_adopt_call(struct lts_switch *sw, struct lts_session *first,
			  struct lts_session *second, const char *rule, uint32_t stats_idx,
			  uint64_t up_ms, const struct lts_call_avps *avps);
/* A restart: the adopted call's user and accounting start (accounting.c's record key). */
void lts_switch_adopt_acct(struct lts_call *c, const char *user, uint64_t start_real_ms);
/* The AVPs c relays: what was recorded at install, or its relay sets while setting up. */
void lts_switch_call_avps(const struct lts_call *c, struct lts_call_avps *out);
/* Calls installed in the last window_s seconds (at most LTS_SWITCH_RATE_SLOTS), now included. */
uint64_t lts_switch_setups(const struct lts_switch *sw, uint64_t now_ms, uint32_t window_s);

#endif /* LTS_SWITCH_H */
