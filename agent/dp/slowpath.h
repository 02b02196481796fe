/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The userspace relay: UDP sockets on the L2TP ports receive what the XDP
 * program passes (and everything when XDP is off). Data frames of switched
 * sessions get the same rewrite as on the fast path and are sent on through
 * the kernel, which picks the IP ID and UDP checksum and fragments if needed.
 * TTL and TOS are carried over via control messages, so the frames match
 * the fast path's.
 */
#ifndef LTS_SLOWPATH_H
#define LTS_SLOWPATH_H

#include <stddef.h>
#include <stdint.h>
#include "lts_maps.h"
#include "l2tp/ctrl_io.h"
#include "swtab.h"

#define LTS_SLOW_MAX_SOCKS (2 * LTS_MAX_L2TP_PORTS)
#define LTS_SLOW_RX_BUF 65536

/* Why the relay did not forward a datagram. */
struct lts_slowpath_counters {
	uint64_t relayed;
	uint64_t control;      /* T=1: for the control plane */
	uint64_t no_session;
	uint64_t malformed;    /* too short, bad version, bad lengths */
	uint64_t ttl_expired;
	uint64_t send_errors;
};

struct lts_slowpath_sock {
	int fd;
	uint8_t family; /* enum lts_family */
	uint16_t port;
};

struct lts_slowpath {
	struct lts_slowpath_sock socks[LTS_SLOW_MAX_SOCKS];
	size_t n_socks;
	const struct lts_swtab *tab;
	struct lts_session_stats *stats; /* indexed by the entries' stats_idx */
	uint32_t n_stats;
	uint32_t *dirty;                 /* stats indexes changed since the last flush */
	uint32_t n_dirty;
	uint8_t *is_dirty;
	struct lts_slowpath_counters ctr;
	uint8_t *rx_buf;
	/* Control messages (T=1) go here, untouched; NULL: counted and dropped. */
	void (*on_control)(void *ctx, const struct lts_ctrl_endpoint *ep, const uint8_t *pkt,
			   size_t len);
	void *ctl_ctx;
};

/* Bind IPv4 and IPv6 sockets on each port. Returns 0 or a negative errno. */
int lts_slowpath_open(struct lts_slowpath *sp, const uint16_t *ports, size_t n_ports,
		      const struct lts_swtab *tab, uint32_t n_stats);
void lts_slowpath_close(struct lts_slowpath *sp);
/* Handle what is queued on one socket (bounded batch). */
void lts_slowpath_input(struct lts_slowpath *sp, const struct lts_slowpath_sock *s);

/* Hand each changed counter slot to fn once, then forget them. */
void lts_slowpath_flush(struct lts_slowpath *sp, void (*fn)(void *ctx, uint32_t idx,
							    const struct lts_session_stats *st),
			void *ctx);

/* Send a control packet from ep's local address and port to its peer. */
int lts_slowpath_send_ctrl(struct lts_slowpath *sp, const struct lts_ctrl_endpoint *ep,
			   const uint8_t *buf, size_t len);

/*
 * Classify and rewrite one datagram in place (the part shared with tests).
 * Returns the entry to send it with, or NULL with the reason counted.
 */
const struct lts_swtab_entry *lts_slowpath_rewrite(struct lts_slowpath *sp,
						   const struct lts_switch_key *from,
						   uint8_t *buf, size_t len);

#endif /* LTS_SLOWPATH_H */
