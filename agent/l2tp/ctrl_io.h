/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where control packets come from and go to: the endpoint of a control
 * connection and the output the socket layer implements. Kept apart from
 * the control plane so that the socket layer (dp/slowpath) needs nothing
 * else of it, and so that output never travels through the call events.
 */
#ifndef LTS_CTRL_IO_H
#define LTS_CTRL_IO_H

#include <stddef.h>
#include <stdint.h>
#include "lts_config.h"

/* Where a control connection's packets come from and go to. */
struct lts_ctrl_endpoint {
	struct lts_ip peer;
	uint16_t peer_port;
	struct lts_ip local;
	uint16_t local_port;
};

/* Sends one control packet from ep's local address and port to its peer. */
struct lts_ctrl_output {
	int (*send)(void *ctx, const struct lts_ctrl_endpoint *ep, const uint8_t *pkt, size_t len);
	void *ctx;
};

#endif /* LTS_CTRL_IO_H */
