/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reliable delivery of L2TP control messages (RFC 2661 5.8 and Appendix A),
 * one instance per control connection (tunnel).
 *
 * The transport owns the Ns/Nr sequence state, the peer's receive window, the
 * send queue, the unacknowledged (in-flight) list, the retransmission timer
 * with exponential backoff, ZLB acknowledgements, the Hello keepalive
 * (RFC 2661 5.5) and the post-teardown retention interval. Message bodies
 * (the AVPs) are opaque bytes here: the AVP codec and the tunnel/session FSMs
 * sit above, the daemon's sockets and epoll loop below.
 *
 * It has no sockets and no clock: every entry point takes the current time in
 * milliseconds of one monotonic clock (the owner's choice, the same one for
 * now_ms and last_rx_data_ms), packets leave through ops->send, and the owner
 * arms its timer with lts_ctrl_xport_next_deadline() and calls
 * lts_ctrl_xport_tick() when it expires. That is what lets the unit tests run
 * two transports over a scripted channel with a fake clock.
 *
 * Callbacks and re-entrancy:
 *  - deliver() is called from lts_ctrl_xport_input() for each message that
 *    became in order (never for a duplicate or a ZLB). From inside it the
 *    owner may call lts_ctrl_xport_send(), _set_peer() and _close(); a message
 *    sent there carries the updated Nr and so acknowledges the delivered one
 *    without a ZLB (piggyback, RFC 2661 5.8).
 *  - failed() and closed() are only ever called from lts_ctrl_xport_tick(),
 *    as the very last thing it does: the owner may call lts_ctrl_xport_fini()
 *    and free the memory from inside them.
 *  - Never call lts_ctrl_xport_input(), _tick() or _fini() from inside any
 *    callback.
 */
#ifndef LTS_CTRL_TRANSPORT_H
#define LTS_CTRL_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lts_l2tp.h"

/* Control header: flags/Ver, Length, Tunnel ID, Session ID, Ns, Nr (3.1). */
#define LTS_CTRL_HDR_LEN 12
/* T=1 L=1 S=1 O=0 P=0 Ver=2, the only flags we send (RFC 2661 3.1). */
#define LTS_CTRL_HDR_FLAGS \
	(LTS_L2TP_F_TYPE | LTS_L2TP_F_LENGTH | LTS_L2TP_F_SEQ | LTS_L2TP_VERSION)
/* Length is 16 bits and counts the header too. */
#define LTS_CTRL_BODY_MAX (0xffff - LTS_CTRL_HDR_LEN)

/* Defaults (see lts_ctrl_xport_cfg_default() for the reasoning). */
#define LTS_CTRL_RWS_DEFAULT 16
#define LTS_CTRL_RWS_MAX 1024
#define LTS_CTRL_PEER_RWS_DEFAULT 4 /* RFC 2661 4.4.3: RWS AVP absent */
#define LTS_CTRL_RTO_INITIAL_MS 1000
#define LTS_CTRL_RTO_MAX_MS 16000
#define LTS_CTRL_RTO_CAP_MIN_MS 8000 /* RFC 2661 5.8: cap no less than 8 s */
#define LTS_CTRL_MAX_RETRIES 5
#define LTS_CTRL_ACK_DELAY_MS 100
#define LTS_CTRL_ACK_DELAY_MAX_MS 500
#define LTS_CTRL_HELLO_INTERVAL_MS 60000
#define LTS_CTRL_MAX_QUEUE 1024
#define LTS_CTRL_HELLO_MAX 64
#define LTS_CTRL_OOO_BUDGET_DEFAULT (16u << 10) /* per transport, octets */
#define LTS_CTRL_OOO_POOL_DEFAULT (4u << 20) /* per process, octets */

#define LTS_CTRL_NO_DEADLINE UINT64_MAX

/* A parsed control header, host byte order. */
struct lts_ctrl_hdr {
	uint16_t flags; /* first word as received (reserved bits kept) */
	uint16_t length; /* whole message, header included */
	uint16_t tunnel_id; /* the recipient's tunnel ID */
	uint16_t session_id; /* 0 for tunnel-scoped messages */
	uint16_t ns;
	uint16_t nr;
};

/*
 * Parse and validate a control message header (RFC 2661 3.1).
 * Returns 0, or:
 *  -EINVAL           datagram shorter than 12 octets, Length < 12 or
 *                    Length > datagram (a datagram longer than Length is
 *                    accepted: the trailer is ignored)
 *  -EPROTONOSUPPORT  Ver != 2 (L2F is 1, L2TPv3 is 3): "MUST be discarded"
 *  -EPROTO           T=0 (a data message), L=0, S=0 or O=1: a control
 *                    message MUST carry Length and Ns/Nr and no offset
 * Reserved bits and P are ignored on input, as 3.1 requires.
 */
int lts_ctrl_hdr_parse(const uint8_t *pkt, size_t len, struct lts_ctrl_hdr *h);
/* Write a 12-octet control header with LTS_CTRL_HDR_FLAGS (h->flags ignored). */
void lts_ctrl_hdr_build(uint8_t *buf, const struct lts_ctrl_hdr *h);

/* RFC 2661 5.8: Ns/Nr are compared modulo 2^16; a is before b when it lies in
 * the 32768 values that end at b - 1 (the last received and the preceding
 * 32767, "inclusive").
 */
static inline bool lts_ctrl_seq_before(uint16_t a, uint16_t b)
{
	return (int16_t)(uint16_t)(a - b) < 0;
}

/*
 * Octets of out-of-order messages held by all the transports that share it
 * (one per process, owned by the caller, e.g. { .max =
 * LTS_CTRL_OOO_POOL_DEFAULT }). Every transport adds what it holds to used
 * and takes it back when the message is delivered, released or finished, so
 * used is 0 again once they are all finished. It must outlive them. No
 * locking: the transports of a pool run on one thread. Raising or lowering
 * max takes effect for the next message held.
 */
struct lts_ctrl_xport_pool {
	size_t used;
	size_t max;
};

struct lts_ctrl_xport_cfg {
	uint16_t rws; /* our receive window, advertised by the FSM in SCCRQ/SCCRP */
	uint32_t rto_initial_ms; /* first retransmission timeout */
	uint32_t rto_max_ms; /* backoff cap; raised to 8000 if lower */
	uint32_t max_retries; /* retransmissions before failed() */
	uint32_t ack_delay_ms; /* wait for a piggyback before a ZLB; 0 = at once */
	uint32_t hello_interval_ms; /* idle time before a HELLO; 0 = no Hello */
	uint32_t max_queue; /* queued + in flight; beyond, send() -> -ENOBUFS */
	/* HELLO body (Message Type AVP, type 6), built by the owner's codec and
	 * copied at init; the transport sends it when the tunnel is idle. With
	 * hello_len 0 no Hello is ever sent. */
	const uint8_t *hello_body;
	uint16_t hello_len;
	/*
	 * Out-of-order buffering (RFC 2661 5.8): octets (header included) of
	 * messages ahead of Nr that may be held until the gap before them
	 * fills. 0 holds nothing: such a message is dropped, acknowledged,
	 * and delivered when the peer retransmits it in order. Change it
	 * after init with lts_ctrl_xport_set_ooo_budget().
	 */
	uint32_t ooo_budget;
	/* Shared by the transports of the process; NULL = no global bound. */
	struct lts_ctrl_xport_pool *ooo_pool;
};

struct lts_ctrl_xport_ops {
	/* One datagram (header included) to the peer. A negative return is
	 * counted; reliability covers the loss. Required. */
	int (*send)(void *ctx, const uint8_t *pkt, size_t len);
	/* A message delivered in order, exactly once. body points into the
	 * transport's memory, valid for the call only. Required. */
	void (*deliver)(void *ctx, const struct lts_ctrl_hdr *h, const uint8_t *body,
			size_t body_len);
	/* Retransmissions exhausted (RFC 2661 5.8): clear the tunnel and all its
	 * sessions. The transport is dead; fini() it. Not called once closing. */
	void (*failed)(void *ctx);
	/* The retention interval after close() has run out: fini() it. */
	void (*closed)(void *ctx);
	/* Optional: last time data was received on this tunnel (from the XDP
	 * last-seen counters), in the now_ms clock; 0 = never. Data keeps the
	 * tunnel alive as much as control does (RFC 2661 5.5). */
	uint64_t (*last_rx_data_ms)(void *ctx);
};

/* Why a datagram or message was not (or not simply) delivered. */
struct lts_ctrl_xport_counters {
	uint64_t tx_msgs; /* first transmissions of messages */
	uint64_t retransmits;
	uint64_t zlb_tx;
	uint64_t zlb_rx;
	uint64_t hello_tx;
	uint64_t tx_errors; /* ops->send() returned < 0 */
	uint64_t delivered;
	uint64_t duplicates; /* Ns before Nr, re-acknowledged */
	uint64_t reordered; /* held until the gap before them filled */
	uint64_t out_of_window; /* Ns beyond our window: dropped, acknowledged */
	uint64_t bad_nr; /* Nr acknowledging messages never sent: ignored */
	uint64_t malformed; /* header rejected by lts_ctrl_hdr_parse() */
	uint64_t queue_full; /* send() refused with -ENOBUFS */
	/* Out of order, in the window, not held (acknowledged): */
	uint64_t ooo_dropped; /* ... beyond this transport's ooo_budget */
	uint64_t ooo_pool_full; /* ... beyond the shared ooo_pool */
	uint64_t ooo_released; /* held, then freed when the budget was lowered */
};

enum lts_ctrl_xport_state {
	LTS_CTRL_XPORT_OPEN,
	LTS_CTRL_XPORT_CLOSING, /* after StopCCN: ack and retransmit only */
	LTS_CTRL_XPORT_DEAD, /* failed() or closed() was called */
};

struct lts_ctrl_txmsg; /* a queued or in-flight message (private) */
struct lts_ctrl_rxmsg; /* an out-of-order message held back (private) */

/*
 * Per-connection state. Embed or allocate it; only the counters and the ids
 * are meant to be read by the owner, the rest is private.
 */
struct lts_ctrl_xport {
	struct lts_ctrl_xport_cfg cfg; /* normalized copy */
	struct lts_ctrl_xport_ops ops;
	void *ctx;
	enum lts_ctrl_xport_state state;
	uint16_t tunnel_id; /* ours, for the owner's logs */
	uint16_t peer_tunnel_id; /* 0 until set_peer() */
	bool peer_known;
	bool passive; /* see lts_ctrl_xport_set_passive() */
	uint16_t peer_rws;

	/* Sender (RFC 2661 5.8). In flight: Ns in [una, ns_next). */
	uint16_t ns_next; /* Ns of the next new message */
	uint16_t tx_next; /* next Ns to (re)transmit: < ns_next after a timeout */
	struct lts_ctrl_txmsg *inflight, *inflight_tail;
	struct lts_ctrl_txmsg *queue, *queue_tail;
	uint32_t n_inflight, n_queued;
	uint64_t rto_at; /* retransmission deadline of the oldest in flight */
	uint32_t rto_ms; /* current (backed-off) timeout */
	uint32_t retries; /* retransmissions of the oldest without progress */
	/* Appendix A slow start / congestion avoidance */
	uint32_t cwnd, ssthresh, ca_acks;

	/* Receiver */
	uint16_t nr; /* Ns we expect next */
	/* Held out-of-order messages, by increasing distance from nr: at
	 * most rws - 1 of them and cfg.ooo_budget octets. */
	struct lts_ctrl_rxmsg *held;
	uint32_t n_held;
	size_t held_bytes; /* sum of their Length fields */
	uint64_t ack_at; /* ZLB deadline if an acknowledgement is owed */

	/* Hello (RFC 2661 5.5, 6.5) */
	uint8_t hello_body[LTS_CTRL_HELLO_MAX];
	uint64_t last_rx_ms; /* last control message received */
	uint64_t last_rx_data_ms; /* cached from ops->last_rx_data_ms */

	uint64_t close_at; /* end of the retention interval when closing */
	struct lts_ctrl_xport_counters ctr;
};

/* Fill cfg with the defaults (and no Hello body). */
void lts_ctrl_xport_cfg_default(struct lts_ctrl_xport_cfg *cfg);
/*
 * Time from the first transmission of a message to giving up on it, with the
 * cap clamped as init does: sum over i = 0..max_retries of
 * min(rto_initial * 2^i, rto_max). 1 s / 16 s / 5 -> 47 s; 1 s / 8 s / 5 ->
 * 31 s. It is also the retention interval after close().
 */
uint64_t lts_ctrl_xport_budget_ms(const struct lts_ctrl_xport_cfg *cfg);

/*
 * x is uninitialized or finished memory (init does not free anything).
 * cfg NULL means the defaults. Ns and Nr start at 0 (RFC 2661 5.8), the
 * peer's window at 4 until set_peer(). Nothing is allocated until a message
 * is queued or held. Returns 0 or -EINVAL (rws, rto_initial or max_retries
 * 0, hello body too long, send or deliver missing).
 */
int lts_ctrl_xport_init(struct lts_ctrl_xport *x, const struct lts_ctrl_xport_cfg *cfg,
			const struct lts_ctrl_xport_ops *ops, void *ctx, uint16_t our_tunnel_id,
			uint64_t now_ms);
/* Frees queues and held messages (returning their octets to the pool);
 * accepts NULL and an already finished x. */
void lts_ctrl_xport_fini(struct lts_ctrl_xport *x);

/*
 * The peer's Assigned Tunnel ID and Receive Window Size once known (from
 * SCCRQ or SCCRP). peer_rws 0 means the AVP was absent: the RFC default of 4.
 * (An RWS AVP carrying 0 is invalid and is the FSM's to reject.) Messages sent
 * before this carry tunnel ID 0, as an SCCRQ must.
 */
/*
 * Passive: nothing is retransmitted on a timer; an in-flight message is
 * sent again only when the peer repeats itself (a duplicate arrives). For a
 * half-open tunnel answering a SCCRQ: the SCCRP goes out once per SCCRQ
 * received, so a spoofed source gets one packet per packet it sent, never
 * 1 + retries. The timer still counts retries and fails the transport
 * when they run out, as it would have.
 */
void lts_ctrl_xport_set_passive(struct lts_ctrl_xport *x, bool passive);
void lts_ctrl_xport_set_peer(struct lts_ctrl_xport *x, uint16_t peer_tunnel_id,
			     uint16_t peer_rws);

/*
 * Set the out-of-order budget (cfg.ooo_budget) of a running transport, e.g.
 * 0 while the tunnel is not established (a spoofed or refused peer gets
 * nothing held) and the default once it is. Lowering it frees the held
 * messages farthest from Nr until what stays fits (counted in
 * ooo_released; the peer retransmits them). May be called from deliver().
 */
void lts_ctrl_xport_set_ooo_budget(struct lts_ctrl_xport *x, uint32_t bytes);

/*
 * A reload: new retransmission, retry and Hello settings for a running
 * transport. The receive window stays (the peer was told it). 0 or -EINVAL.
 */
int lts_ctrl_xport_retune(struct lts_ctrl_xport *x, const struct lts_ctrl_xport_cfg *cfg);
/*
 * A restart: continue a connection another process ran, from the sequence
 * state it left (ns_next, nr, and una, the oldest Ns the peer had not
 * acknowledged). The messages in [una, ns_next) died with that process;
 * each of those Ns is sent again as a Hello, so that the peer, which may or
 * may not have received them, sees an unbroken sequence either way (a
 * duplicate is acknowledged and dropped, RFC 2661 5.8). Needs a Hello body.
 */
int lts_ctrl_xport_resume(struct lts_ctrl_xport *x, uint16_t peer_tunnel_id, uint16_t peer_rws,
			  uint16_t una, uint16_t ns_next, uint16_t nr, uint64_t now_ms);
/* The oldest Ns not yet acknowledged (ns_next when nothing is in flight). */
uint16_t lts_ctrl_xport_una(const struct lts_ctrl_xport *x);

/*
 * Queue a message body (AVPs, Message Type first) for reliable delivery and
 * send it now if the window allows. The body is copied. Returns 0, -EINVAL
 * (empty body: that would be a ZLB), -EMSGSIZE, -ENOBUFS (max_queue reached),
 * -ESHUTDOWN (closing or dead) or -ENOMEM.
 */
int lts_ctrl_xport_send(struct lts_ctrl_xport *x, uint16_t session_id, const uint8_t *body,
			size_t len, uint64_t now_ms);

/*
 * One received control datagram already known to belong to this connection.
 * Returns 0 when the header was valid (whatever the sequence checks decided:
 * see the counters), the lts_ctrl_hdr_parse() error, or -ESHUTDOWN when dead.
 */
int lts_ctrl_xport_input(struct lts_ctrl_xport *x, const uint8_t *pkt, size_t len,
			 uint64_t now_ms);

/*
 * The FSM sent its StopCCN (queue it with send() first) or received and
 * processed one. From now on no new message is accepted, Hello stops, but
 * queued and in-flight messages are still (re)transmitted and everything
 * received is still acknowledged (a retransmitted StopCCN must be re-acked)
 * for the full retransmission interval (RFC 2661 5.8), after which closed()
 * is called. Idempotent.
 */
void lts_ctrl_xport_close(struct lts_ctrl_xport *x, uint64_t now_ms);

/* Earliest time tick() has work to do, or LTS_CTRL_NO_DEADLINE. */
uint64_t lts_ctrl_xport_next_deadline(const struct lts_ctrl_xport *x);
/* Run the timers due at now_ms: ZLB, retransmission, Hello, retention. */
void lts_ctrl_xport_tick(struct lts_ctrl_xport *x, uint64_t now_ms);

/* Messages queued or in flight (0: everything sent was acknowledged). */
uint32_t lts_ctrl_xport_pending(const struct lts_ctrl_xport *x);

#endif /* LTS_CTRL_TRANSPORT_H */
