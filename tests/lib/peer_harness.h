/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A fake L2TP peer for tests that drive the real control plane
 * (tests/unit/test_ctrl_plane.c, test_switch.c, tests/fuzz/fuzz_ctrl_input.c).
 * It holds what those three would otherwise each write again:
 *
 *  - a scripted peer (struct ph_peer) that builds control messages with the
 *    agent's own AVP writer and puts its Ns/Nr in the header of each one, like
 *    an RFC 2661 peer that never loses anything; where its datagrams go is
 *    the test's (ph_peer.input: lts_cp_input(), or a fuzz record);
 *  - builders of the messages every such test sends (SCCRQ, SCCRP, ICRQ,
 *    ICRP, ICCN, CDN, StopCCN) and the CHAP-MD5 Challenge Response (4.2);
 *  - capture and parse of what the agent sends: the header is checked, and
 *    every message is decoded and held against the agent's own message specs,
 *    so everything the agent emits is also checked to be well formed;
 *  - a fake clock that ticks the control plane at every deadline on the way
 *    and fails if a tick leaves the next deadline in the past (the daemon's
 *    event loop would spin, REFERENCE 2.6).
 *
 * What each test records from the control plane's hooks, and how its peers
 * react to what they receive, stays in the test: they differ.
 *
 * No cmocka here (the fuzz target has none): a check that does not hold calls
 * ph_fail(), which hands the message to the callback of ph_set_fail() (a
 * unit test fails the running test with it) and aborts if that returns.
 */
#ifndef PH_PEER_HARNESS_H
#define PH_PEER_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "l2tp/ctrl_plane.h"
#include "lts_config.h"

/* The agent builds bodies in 4 KiB (tunnel.c, session.c); so do our peers. */
#define PH_BODY_MAX 4096
/* Anything a Length field can say: what the agent sends is never cut. */
#define PH_DGRAM_MAX (LTS_CTRL_HDR_LEN + LTS_CTRL_BODY_MAX)

/* ---- Failures ---------------------------------------------------------- */

/* Reports msg and does not return (cmocka's fail_msg(), or abort()). */
typedef void ph_fail_fn(const char *msg);

void ph_set_fail(ph_fail_fn *fn);
void ph_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* ---- Set-up helpers ---------------------------------------------------- */

/* The config from YAML text; fails on any error. */
struct lts_config *ph_config(const char *name, const char *yaml);
/* A literal IPv4 or IPv6 address; fails on anything else. */
void ph_ip(struct lts_ip *ip, const char *text);
void ph_ep(struct lts_ctrl_endpoint *ep, const char *peer, uint16_t peer_port, const char *local,
	   uint16_t local_port);

/* ---- The scripted peer ------------------------------------------------- */

struct ph_peer;
/* Hands one datagram of the peer to the agent (or records it). */
typedef void ph_input_fn(struct ph_peer *p, const uint8_t *pkt, size_t len);

struct ph_peer {
	struct lts_ctrl_endpoint ep; /* as the agent sees it: peer = this peer */
	const char *secret;          /* tunnel secret: hides ours, reveals the agent's */
	bool hide;                   /* hide our AVPs that may be hidden */
	uint16_t rwin;               /* the Receive Window Size we announce */
	uint16_t tid;                /* our own Tunnel ID */
	uint16_t sw_tid;             /* the agent's: header Tunnel ID of what we send */
	uint16_t ns, nr;
	/*
	 * Random Vectors and padding of hidden AVPs are deterministic, so a
	 * failure reproduces: a counter over seed, or random(random_ctx).
	 */
	uint8_t seed;
	lts_avp_random_fn random;
	void *random_ctx;
	ph_input_fn *input;
};

/* A message being built by a peer: b.w is the agent's AVP writer. */
struct ph_msg {
	struct lts_avp_writer w;
	struct lts_avp_opts o;
	uint8_t buf[PH_BODY_MAX];
};

/* Starts a message with its Message Type, hidden and secret as the peer's. */
void ph_msg_begin(struct ph_msg *b, struct ph_peer *p, uint16_t type);
/* RFC 2661 4.2: MD5 over the response's message type, the secret, the challenge. */
void ph_chap_md5(uint8_t type, const char *secret, const uint8_t *chal, size_t len,
		 uint8_t out[16]);
/* A Challenge Response to chal, as message type `type` computes it with secret. */
void ph_add_chal_response(struct ph_msg *b, uint8_t type, const char *secret, const uint8_t *chal,
			  size_t len);
/*
 * The common messages; a test adds its own AVPs before sending. SCCRQ and
 * SCCRP carry Protocol Version, Host Name, Framing Capabilities, our Tunnel
 * ID and p->rwin.
 */
void ph_build_sccrq(struct ph_msg *b, struct ph_peer *p, const char *hostname,
		    const uint8_t *chal, size_t chal_len);
void ph_build_sccrp(struct ph_msg *b, struct ph_peer *p, const char *hostname);
/* Our Assigned Session ID psid and the Call Serial Number. */
void ph_build_icrq(struct ph_msg *b, struct ph_peer *p, uint16_t psid, uint32_t serial);
void ph_build_icrp(struct ph_msg *b, struct ph_peer *p, uint16_t psid);
void ph_build_iccn(struct ph_msg *b, struct ph_peer *p, uint32_t tx_speed, uint32_t framing);
void ph_build_cdn(struct ph_msg *b, struct ph_peer *p, uint16_t psid,
		  const struct lts_avp_result *res);
void ph_build_stopccn(struct ph_msg *b, struct ph_peer *p, const struct lts_avp_result *res);

/*
 * A datagram of the peer in pkt (cap bytes): header with its Ns/Nr, to
 * tunnel tid and session sid. Nothing changes in the peer; returns the length.
 */
size_t ph_frame(uint8_t *pkt, size_t cap, const struct ph_peer *p, uint16_t tid, uint16_t sid,
		const uint8_t *body, size_t len);
/* Frames and hands over a message, which takes the next Ns. */
void ph_send_to(struct ph_peer *p, uint16_t tid, uint16_t sid, struct ph_msg *b);
/* To the agent's tunnel (p->sw_tid; 0 until it said, as for an SCCRQ). */
void ph_send(struct ph_peer *p, uint16_t sid, struct ph_msg *b);
/* An acknowledgement: a ZLB takes no Ns. */
void ph_zlb(struct ph_peer *p);

/* ---- What the agent sends ---------------------------------------------- */

/* A datagram captured from lts_ctrl_output.send, its header checked. */
struct ph_dgram {
	struct lts_ctrl_endpoint ep;
	struct lts_ctrl_hdr hdr;
	uint16_t type; /* Message Type; 0 for a ZLB */
	uint8_t *pkt;  /* a copy, freed by ph_dgram_free() */
	size_t len;
};

void ph_dgram_capture(struct ph_dgram *d, const struct lts_ctrl_endpoint *ep, const uint8_t *pkt,
		      size_t len);
void ph_dgram_free(struct ph_dgram *d);

/* One datagram from the agent, parsed as its peer (with its secret) sees it. */
struct ph_rx {
	struct lts_ctrl_endpoint ep;
	struct lts_ctrl_hdr hdr;
	bool zlb;
	size_t len;
	uint8_t pkt[PH_DGRAM_MAX];
	struct lts_ctrl_verdict v;
	struct lts_ctrl_msg msg; /* points into pkt and into itself: never copied */
};

/*
 * Copies and parses a datagram; a message must pass the agent's specs,
 * decoded with secret (NULL: none), or it fails.
 */
void ph_rx_parse(struct ph_rx *r, const struct lts_ctrl_endpoint *ep, const uint8_t *pkt,
		 size_t len, const char *secret);
/* The AVP's value; fails when the message has none. */
uint16_t ph_get_u16(const struct ph_rx *r, enum lts_avp_id id);
/* The Result Code AVP says result and error (with an Error Code). */
void ph_expect_result(const struct ph_rx *r, uint16_t result, uint16_t error);

/* ---- The clock --------------------------------------------------------- */

/*
 * Time only moves in ph_advance(): the control plane is ticked at every
 * deadline on the way, as the daemon's event loop does.
 */
struct ph_clock {
	struct lts_ctrl_plane *cp;
	uint64_t now;
	unsigned int max_ticks; /* per advance; more is "no progress" */
	/*
	 * A tick that leaves the next deadline in the past ends the advance
	 * instead of failing (the fuzzer outside strict mode: a known bug).
	 */
	bool spin_ok;
	void (*settle)(void *ctx); /* before every look at the deadline: peers answer */
	void (*ticked)(void *ctx); /* after every tick: invariants */
	void *ctx;
};

void ph_advance(struct ph_clock *c, uint64_t ms);

#endif /* PH_PEER_HARNESS_H */
