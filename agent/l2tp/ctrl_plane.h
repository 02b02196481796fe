/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The L2TPv2 control plane (RFC 2661): every control connection (tunnel) of
 * the switch in both roles, their sessions, and the registry that admits new
 * tunnels, demultiplexes control packets and drives the timers.
 *
 * Layering: sockets (slowpath) -> lts_cp_input() -> transport (reliable
 * delivery) -> codec + message specs -> tunnel FSM (tunnel.c) -> session FSM
 * (session.c) -> the switch, through lts_ctrl_plane_ops. What the FSMs send
 * goes down through the transport to lts_ctrl_output (the socket layer),
 * never through the switch. No layer reaches around the one below it;
 * nothing here touches a socket or a BPF map.
 *
 * Roles, named after what *we* are on that connection:
 *   LTS_ROLE_LNS: a LAC opened the tunnel to us; we answer its calls.
 *   LTS_ROLE_LAC: we opened the tunnel to an LNS; we place calls on it.
 */
#ifndef LTS_CTRL_PLANE_H
#define LTS_CTRL_PLANE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "ctrl_io.h"
#include "ctrl_msg.h"
#include "ctrl_transport.h"
#include "lib/hashtab.h"
#include "lib/sidmap.h"
#include "lts_config.h"
#include "relay.h"

#define LTS_TUNNEL_ID_SPACE 65536
#define LTS_HOSTNAME_MAX 256
#define LTS_CHALLENGE_LEN 16
#define LTS_REFUSE_LOG_INTERVAL_MS 10000
#define LTS_REDIAL_MIN_MS 1000
#define LTS_REDIAL_MAX_MS 30000

enum lts_role {
	LTS_ROLE_LNS,
	LTS_ROLE_LAC,
};

/* RFC 2661 7.2 (tunnel) states. */
#define LTS_TUN_STATES(X)                                                      \
	X(IDLE)                                                                \
	X(WAIT_CTL_REPLY)  /* we sent SCCRQ */                                 \
	X(WAIT_CTL_CONN)   /* we sent SCCRP */                                 \
	X(ESTABLISHED)                                                         \
	X(CLOSING)         /* StopCCN sent or received: retention (5.8) */      \
	X(DEAD)            /* freed at the next safe point */

#define LTS_TUN_STATE_ENUM(s) LTS_TUN_##s,
enum lts_tun_state { LTS_TUN_STATES(LTS_TUN_STATE_ENUM) LTS_TUN_STATE_MAX };
#undef LTS_TUN_STATE_ENUM

/* RFC 2661 7.4 (incoming call) states, both sides. */
#define LTS_SESS_STATES(X)                                                     \
	X(IDLE)                                                                \
	X(WAIT_TUNNEL)     /* LAC side: the tunnel is not up yet */            \
	X(WAIT_REPLY)      /* LAC side: we sent ICRQ */                        \
	X(WAIT_RELAY)      /* LAC side: ICRP in, ICCN held for the first leg's */ \
	X(WAIT_ANSWER)     /* LNS side: ICRQ accepted, ICRP held by the switch */ \
	X(WAIT_CONNECT)    /* LNS side: we sent ICRP */                        \
	X(ESTABLISHED)                                                         \
	X(DEAD)

#define LTS_SESS_STATE_ENUM(s) LTS_SESS_##s,
enum lts_sess_state { LTS_SESS_STATES(LTS_SESS_STATE_ENUM) LTS_SESS_STATE_MAX };
#undef LTS_SESS_STATE_ENUM

struct lts_tunnel;
struct lts_ctrl_plane;

/* Why a session went down: the CDN's Result Code, as received or sent. */
struct lts_cdn_info {
	uint16_t result;
	uint16_t error;
	bool local;        /* we decided it (vs. the peer's CDN) */
	char message[96];
};

struct lts_session {
	struct lts_tunnel *t;
	struct lts_session *prev, *next; /* in t->sessions */
	uint16_t id;               /* ours (Assigned Session ID we sent) */
	uint16_t peer_id;          /* the peer's, 0 until known */
	enum lts_role role;
	enum lts_sess_state state;
	uint32_t serial;           /* Call Serial Number */
	uint64_t created_ms;
	void *user;                /* the switch's binding */
	/* LAC side, switched: AVPs for our ICRQ (borrowed from the switch,
	 * valid until ICRQ is sent); ICCN is then held for lts_session_connect(). */
	const struct lts_relay_set *icrq_relay;
	bool hold_iccn;
	uint8_t depth;             /* nested dispatches: free only at the outermost */
	bool announced;            /* the hooks' owner was handed it (incoming_call, dial) */
	bool notified;             /* session_down was delivered */
};

struct lts_tunnel {
	struct lts_ctrl_plane *cp;
	int state_slot;            /* its record in the restart store (persist hooks); -1: none */
	struct lts_tunnel *prev, *next; /* cp->all */
	uint16_t id;               /* ours */
	uint16_t peer_id;          /* the peer's Assigned Tunnel ID */
	enum lts_role role;
	enum lts_tun_state state;
	struct lts_ctrl_endpoint ep;
	int lac_idx;               /* index in cfg->lac_peers (LNS role) or -1 */
	int lns_idx;               /* index in cfg->lns_peers (LAC role) or -1 */
	const struct lts_ctrl_cfg *ctrl;
	const char *hostname;      /* we present (own_hostname) */
	const uint8_t *secret;     /* NULL: no tunnel authentication; else own_secret */
	size_t secret_len;
	bool hide;
	char peer_hostname[LTS_HOSTNAME_MAX];
	/* Copied from the peer's settings when the tunnel starts: a reload leaves them. */
	char own_hostname[LTS_CFG_HOSTNAME_MAX];
	uint8_t own_secret[LTS_CFG_SECRET_MAX];
	uint8_t challenge[LTS_CHALLENGE_LEN]; /* the one we sent */
	bool challenged;
	uint64_t tie_breaker;
	uint64_t created_ms;
	struct lts_ctrl_xport xport;
	struct lts_session *sessions;
	uint32_t n_sessions;
	uint16_t next_sid;
	uint32_t next_serial;
	bool was_established;
	/* LNS role, SCCRP sent, no SCCCN yet: in cp's half-open list (oldest first). */
	bool half_open;
	struct lts_tunnel *ho_prev, *ho_next;
	bool counted;              /* in cp->lac[lac_idx].n_tunnels (once established) */
	/* LAC role: in cp->lns[lns_idx].tunnels; when its last session went (0: busy). */
	struct lts_tunnel *lns_prev, *lns_next;
	uint64_t idle_since_ms;
};

/* Call and tunnel events, for the switch. Unset hooks are skipped. */
struct lts_ctrl_plane_ops {
	/*
	 * An ICRQ passed every check: return 0 to answer ICRP now, 1 to hold
	 * the ICRP until lts_session_answer(), or a negative value to refuse
	 * (the CDN uses *why). NULL: accept every call.
	 */
	int (*incoming_call)(void *ctx, struct lts_session *s, const struct lts_ctrl_msg *icrq,
			     struct lts_cdn_info *why);
	/* LAC side, held ICCN: the LNS answered (ICRP); call lts_session_connect(). */
	void (*call_answered)(void *ctx, struct lts_session *s, const struct lts_ctrl_msg *icrp);
	void (*session_up)(void *ctx, struct lts_session *s, const struct lts_ctrl_msg *m);
	/* m: the peer's CDN (for relaying Q.931 / PPP cause), NULL if local. */
	void (*session_down)(void *ctx, struct lts_session *s, const struct lts_cdn_info *why,
			     const struct lts_ctrl_msg *m);
	/* WEN or SLI on an established session (relayed by the switch). */
	void (*session_info)(void *ctx, struct lts_session *s, const struct lts_ctrl_msg *m);
	void (*tunnel_up)(void *ctx, struct lts_tunnel *t);
	void (*tunnel_down)(void *ctx, struct lts_tunnel *t);
	/* Last data frame seen on the tunnel (XDP last-seen), in ms; 0: never. */
	uint64_t (*last_rx_data_ms)(void *ctx, struct lts_tunnel *t);
};

/*
 * What a restart needs of a tunnel, kept by the owner of these hooks (the
 * restart store, agent/state/) so that it outlives the process. sync: t is
 * established and its sequence state may have changed, called before each
 * packet leaves and after each packet was handled; gone: t is established
 * no longer (closing, dropped, freed). Unset hooks are skipped.
 */
struct lts_cp_persist_ops {
	void (*sync)(void *ctx, struct lts_tunnel *t);
	void (*gone)(void *ctx, struct lts_tunnel *t);
	void *ctx;
};

/* A tunnel as a previous process left it (lts_tunnel_adopt). */
struct lts_tunnel_resume {
	uint16_t id, peer_id;
	enum lts_role role;
	struct lts_ctrl_endpoint ep;
	int lac_idx, lns_idx;      /* its peer in cfg, or -1: gone from the configuration */
	const char *peer_hostname;
	uint64_t created_ms;
	uint16_t next_sid;
	uint32_t next_serial;
	uint16_t peer_rws;
	uint16_t una, ns_next, nr; /* transport sequence state */
	int state_slot;            /* its record in the restart store */
};

struct lts_cp_counters {
	uint64_t rx_packets;
	uint64_t rx_malformed;     /* header rejected */
	uint64_t rx_no_tunnel;     /* for a tunnel ID we do not have */
	uint64_t rx_wrong_peer;    /* tunnel ID of another peer */
	uint64_t sccrq_rate_limited;
	uint64_t sccrq_refused;    /* no lac_peer, limits, bad SCCRQ: one StopCCN, no state */
	uint64_t half_open_evicted; /* dropped for a newer SCCRQ (max_half_open*) */
	uint64_t tunnels_opened;
	uint64_t sessions_opened;
	uint64_t drain_refused;    /* SCCRQs and ICRQs of a drained lac_peer (2/7) */
};

/* A record of lts_ctrl_plane.sessions_by_id. */
struct lts_session_ref {
	uint32_t key; /* tunnel ID << 16 | session ID */
	struct lts_session *s;
};

#define LTS_SESSION_SLACK 1024

/* Per-source SCCRQ token bucket (limits.sccrq_rate / sccrq_burst). */
struct lts_sccrq_bucket {
	struct lts_ip src;
	uint64_t updated_ms;
	uint32_t tokens_milli;
};

#define LTS_SCCRQ_BUCKETS 256

/*
 * A tunnel whose send queue holds this many messages takes no new call: it
 * is saturated (a slow LNS, a flood of WEN/SLI), and calls go to another
 * tunnel, so one tunnel's trouble never refuses other LACs' calls.
 */
#define LTS_LNS_TUNNEL_BUSY_QUEUE 256

/* Run-time state of an lns_peer. */
struct lts_lns_state {
	/* Every tunnel to this LNS, newest first: more than one once a tunnel
	 * reaches max_sessions_per_tunnel or its send queue stays full. */
	struct lts_tunnel *tunnels;
	uint32_t n_tunnels;
	uint64_t redial_ms;        /* persistent: when to dial again; 0: not scheduled */
	uint32_t backoff_ms;
	uint32_t n_sessions;
	/* Operator (ltsctl drain lns): the switch places no new call here. */
	bool drained;
};

/* Run-time state of a lac_peer. */
struct lts_lac_state {
	uint32_t n_tunnels;
	uint32_t n_sessions;
	/*
	 * Operator (ltsctl drain lac): new tunnels (StopCCN) and new calls on
	 * its tunnels (CDN) get 2/7 "try another"; what is up stays up.
	 */
	bool drained;
};

/*
 * Control messages by type and Result Code (ltsctl show stats). Slot 0 of
 * rx/tx takes types beyond LTS_CP_MSG_TYPES - 1; result 0 (reserved) and
 * results beyond LTS_CP_RESULTS - 1 share result[0]; general[] splits
 * result 2 ("general error") by Error Code, the last slot taking the rest.
 */
#define LTS_CP_MSG_TYPES 17
#define LTS_CP_RESULTS 32
#define LTS_CP_ERRORS 16

struct lts_cp_result_counters {
	uint64_t result[LTS_CP_RESULTS];
	uint64_t general[LTS_CP_ERRORS];
};

struct lts_cp_msg_counters {
	uint64_t rx[LTS_CP_MSG_TYPES]; /* delivered in order to a tunnel (once each) */
	uint64_t tx[LTS_CP_MSG_TYPES]; /* queued by the FSMs (once each, not per retransmission),
					* and stateless refusals; Hellos are the transport's */
	struct lts_cp_result_counters stopccn_rx, stopccn_tx, cdn_rx, cdn_tx;
};

struct lts_ctrl_plane {
	const struct lts_config *cfg;
	struct lts_ctrl_output out;   /* the socket layer: every packet we send */
	struct lts_ctrl_plane_ops ops;
	void *ctx;                    /* of ops */
	struct lts_cp_persist_ops persist;
	struct lts_tunnel **tunnels;  /* by our tunnel ID */
	struct lts_hashtab sessions_by_id; /* (tunnel ID << 16 | session ID) -> session */
	struct lts_tunnel *all;       /* every tunnel, for timers and reaping */
	uint32_t n_tunnels;
	uint32_t n_half_open;         /* of n_tunnels: SCCRP sent, no SCCCN yet */
	struct lts_tunnel *half_open_first, *half_open_last; /* oldest first */
	uint64_t tid_rng;             /* tunnel IDs: unpredictable (blind injection) */
	struct lts_sidmap *sidmap;    /* session IDs by fast-table slot; NULL: any free ID */
	struct lts_ctrl_xport_pool ooo_pool; /* out-of-order messages held, all tunnels */
	uint32_t n_sessions;
	struct lts_lns_state *lns;
	struct lts_lac_state *lac;
	struct lts_sccrq_bucket buckets[LTS_SCCRQ_BUCKETS];
	uint64_t refuse_logged_ms;
	uint64_t refuse_suppressed;
	uint64_t now_ms;              /* time of the event being handled */
	bool shutting_down;
	struct lts_cp_counters ctr;
	struct lts_cp_msg_counters msgs;
};

/* Registry (ctrl_plane.c). */
int lts_cp_init(struct lts_ctrl_plane *cp, const struct lts_config *cfg,
		const struct lts_ctrl_output *out, const struct lts_ctrl_plane_ops *ops, void *ctx,
		uint64_t now_ms);
void lts_cp_fini(struct lts_ctrl_plane *cp);
/* A datagram from a control socket (any L2TP packet with T=1). */
void lts_cp_input(struct lts_ctrl_plane *cp, const struct lts_ctrl_endpoint *ep,
		  const uint8_t *pkt, size_t len, uint64_t now_ms);
void lts_cp_tick(struct lts_ctrl_plane *cp, uint64_t now_ms);
uint64_t lts_cp_next_deadline(const struct lts_ctrl_plane *cp);
/* StopCCN "shutting down" on every tunnel; done when lts_cp_idle(). */
void lts_cp_shutdown(struct lts_ctrl_plane *cp, uint64_t now_ms);
bool lts_cp_idle(const struct lts_ctrl_plane *cp);
/*
 * A tunnel to lns_peers[idx] that takes a new call: one with room (fewer
 * than max_sessions_per_tunnel sessions) and a send queue that is not
 * saturated, else a new one is dialled. NULL: none can be had.
 */
struct lts_tunnel *lts_cp_lns_tunnel(struct lts_ctrl_plane *cp, size_t idx);

/*
 * Operator requests (ltsctl), at now_ms like any other event. Drain: true
 * when the flag changed. Clear: StopCCN result 1 "General request to clear
 * control connection" (RFC 2661 4.4.2; 6 "being shut down" is for ltsd
 * going away) with msg as its Error Message; a tunnel whose peer never
 * told its Tunnel ID (no SCCRP yet) is dropped without one. Its sessions go
 * down with it, as after any StopCCN (tunnel_down hooks). 0, or -EALREADY
 * when the tunnel is closing already.
 */
bool lts_cp_drain_lac(struct lts_ctrl_plane *cp, size_t idx, bool drained);
bool lts_cp_drain_lns(struct lts_ctrl_plane *cp, size_t idx, bool drained);
int lts_cp_clear_tunnel(struct lts_ctrl_plane *cp, struct lts_tunnel *t, const char *msg,
			uint64_t now_ms);
/*
 * A reload: switch to new_cfg. Peer state (tunnel lists, counts, drain,
 * redial) follows each peer's name; every tunnel takes its peer's new
 * settings (timers, host name, secret). Tunnels of peers new_cfg no longer
 * has must have been cleared before (cp_reconfigure.c); they are left
 * without a peer. The old configuration may be freed afterwards. 0 or
 * -ENOMEM (nothing changed).
 */
int lts_cp_reconfigure(struct lts_ctrl_plane *cp, const struct lts_config *new_cfg);
/* Message counters (cp->msgs): a body we send (AVPs, Message Type first), a message received. */
void lts_cp_count_tx(struct lts_ctrl_plane *cp, const uint8_t *body, size_t len);
void lts_cp_count_rx(struct lts_ctrl_plane *cp, const struct lts_ctrl_msg *m);

/* Tunnels (tunnel.c). */
struct lts_tunnel *lts_tunnel_new(struct lts_ctrl_plane *cp, enum lts_role role,
				  const struct lts_ctrl_endpoint *ep);
/*
 * A restart: t established as r says, its transport resumed (the Ns the old
 * process had in flight are filled with Hellos, lts_ctrl_xport_resume); no
 * hook runs and nothing else is sent. NULL if the ID is taken, -ENOMEM.
 */
struct lts_tunnel *lts_tunnel_adopt(struct lts_ctrl_plane *cp, const struct lts_tunnel_resume *r);
/* Applies the peer's settings (set lac_idx/lns_idx first) and starts the transport. */
int lts_tunnel_start(struct lts_tunnel *t);
void lts_tunnel_free(struct lts_tunnel *t);
/*
 * A reload changed cp->cfg (and t's lac_idx/lns_idx): take its peer's new
 * control timers. Host name, secret and hiding stay what the peer knows.
 */
void lts_tunnel_reconfigure(struct lts_tunnel *t);
/* LNS role: count t as half-open until it is established or goes. */
void lts_tunnel_half_open(struct lts_tunnel *t);
/*
 * Refuse an SCCRQ without any state (no tunnel, no ID): one StopCCN, never
 * retransmitted, acknowledging it; at most one packet out per packet in.
 */
void lts_tunnel_refuse(struct lts_ctrl_plane *cp, const struct lts_ctrl_endpoint *ep,
		       uint16_t peer_tunnel_id, const struct lts_ctrl_verdict *v);
void lts_tunnel_open(struct lts_tunnel *t);
void lts_tunnel_close(struct lts_tunnel *t, uint16_t result, uint16_t error, const char *msg);
/* Tear down without a StopCCN (peer restart, transport failure, eviction). */
void lts_tunnel_drop(struct lts_tunnel *t, const char *why);
int lts_tunnel_send(struct lts_tunnel *t, uint16_t session_id, const uint8_t *body, size_t len);
void lts_tunnel_input(struct lts_tunnel *t, const uint8_t *pkt, size_t len);
const char *lts_tun_state_name(enum lts_tun_state s);
struct lts_avp_opts lts_tunnel_avp_opts(const struct lts_tunnel *t);

/* Sessions (session.c). */
struct lts_session *lts_session_find(struct lts_tunnel *t, uint16_t id);
/*
 * LAC side: place a call on t (sent when t is established). With a relay set
 * (switched call) the ICRQ carries it and ICCN waits for lts_session_connect();
 * without one, defaults are sent and ICCN follows ICRP at once.
 */
struct lts_session *lts_session_dial(struct lts_tunnel *t, const struct lts_relay_set *icrq);
/*
 * A restart: an established session of t as the previous process left it
 * (no message sent). NULL if the ID is taken or memory is short.
 */
struct lts_session *lts_session_adopt(struct lts_tunnel *t, enum lts_role role, uint16_t id,
				      uint16_t peer_id, uint32_t serial, uint64_t created_ms);
/* LAC side, held: send ICCN with these AVPs (NULL: defaults). */
int lts_session_connect(struct lts_session *s, const struct lts_relay_set *iccn);
/* LNS side: send the ICRP held by incoming_call(). */
int lts_session_answer(struct lts_session *s);
/* Send CDN (with extra AVPs, e.g. a relayed Q.931 cause; may be NULL) and free. */
void lts_session_clear(struct lts_session *s, const struct lts_cdn_info *why,
		       const struct lts_relay_set *extra);
/* Send WEN or SLI carrying these AVPs on an established session. */
int lts_session_send_info(struct lts_session *s, uint16_t msg_type,
			  const struct lts_relay_set *avps);
/* Tunnel-level events delivered to every session of a tunnel. */
void lts_session_tunnel_up(struct lts_tunnel *t);
void lts_session_tunnel_down(struct lts_tunnel *t, const struct lts_cdn_info *why);
/* Free every session left (the tunnel is being freed). */
void lts_session_release_all(struct lts_tunnel *t);
/* A session-scoped message for this tunnel (the tunnel is established). */
void lts_session_input(struct lts_tunnel *t, const struct lts_ctrl_hdr *h,
		       const struct lts_ctrl_msg *m, const struct lts_ctrl_verdict *v);
const char *lts_sess_state_name(enum lts_sess_state s);

#endif /* LTS_CTRL_PLANE_H */
