/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Attaching the fast path to an interface with libxdp: native mode, or skb
 * mode when asked or when the driver refuses native. Each attached interface
 * is owned through a lock (an abstract UNIX socket, scoped to the network
 * namespace and released by the kernel if ltsd dies), so a second ltsd on the
 * same interface is refused while a crashed one's leftover program is
 * replaced.
 */
#ifndef LTS_XDP_ATTACH_H
#define LTS_XDP_ATTACH_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include "lts_config.h"

struct xdp_program;

struct lts_xdp_link {
	char ifname[IF_NAMESIZE];
	uint32_t ifindex;
	int lock_fd;
	int skb_mode;           /* attached in skb (generic) mode */
	struct xdp_program *prog;
};

/* Take the interface's lock. Returns 0, -EBUSY (another ltsd) or -errno. */
int lts_xdp_lock(struct lts_xdp_link *l, const char *ifname);
/*
 * With the lock held: detach a leftover lts_xdp of a crashed ltsd (it would
 * go on switching with orphaned maps); refuse (-EBUSY) a foreign program.
 */
int lts_xdp_clear_leftover(struct lts_xdp_link *l);
/* Attach prog_fd (mode native or skb). Returns 0 or a negative errno. */
int lts_xdp_attach(struct lts_xdp_link *l, int prog_fd, enum lts_dp_mode mode);
/*
 * A restart: put prog_fd in the place of the lts_xdp a previous ltsd left
 * attached, atomically (XDP_FLAGS_REPLACE, same mode): every frame meets
 * one program or the other. Without such a program: lts_xdp_attach().
 */
int lts_xdp_replace(struct lts_xdp_link *l, int prog_fd, enum lts_dp_mode mode);
/*
 * Detach if attached (detach false: leave it for the next ltsd) and release
 * the lock. Accepts an unlocked link.
 */
void lts_xdp_release(struct lts_xdp_link *l, bool detach);

#endif /* LTS_XDP_ATTACH_H */
