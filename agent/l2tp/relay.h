/* SPDX-License-Identifier: GPL-2.0 */
/*
 * AVPs carried across the switch (draft-ietf-l2tpext-tunnel-switching-08
 * section 3): collected from a message on one leg as plain values (hidden
 * ones already decrypted), written into the message on the other leg, where
 * the writer hides them again with that hop's secret. Tunnel-scoped AVPs
 * never cross: each hop regenerates its own.
 */
#ifndef LTS_RELAY_H
#define LTS_RELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "avp.h"

#define LTS_RELAY_MAX_AVPS 64
#define LTS_RELAY_BUF 3072

struct lts_relay_avp {
	uint16_t vendor, type;
	bool mandatory;
	bool hidden;       /* arrived hidden: hidden again toward a hop that hides */
	uint16_t off, len; /* value in lts_relay_set.buf */
};

struct lts_relay_set {
	size_t n;
	size_t used;
	struct lts_relay_avp avps[LTS_RELAY_MAX_AVPS];
	uint8_t buf[LTS_RELAY_BUF];
};

/* Which message the set is for: each relays its own group of AVPs. */
enum lts_relay_kind {
	LTS_RELAY_ICRQ, /* serial, bearer, calling/called, sub-address, channel, TSA IDs */
	LTS_RELAY_ICCN, /* speeds, framing, proxy LCP and proxy auth groups, group ID */
	LTS_RELAY_CDN,  /* Q.931 and PPP disconnect cause (Result Code is rebuilt) */
	LTS_RELAY_WEN,  /* Call Errors */
	LTS_RELAY_SLI,  /* ACCM */
};

struct lts_relay_policy {
	bool drop_calling_number;
	bool drop_bearer_type;
	const char *tsa_id;      /* ICRQ: appended to the received TSA ID stack */
	bool drop_tsa_ids;       /* none at all (they did not fit) */
};

/*
 * Collect the AVPs of m that cross the switch for this kind. Unknown AVPs
 * with M=0 (vendor AVPs such as BBF access-line ones) are relayed too.
 * Returns 0, or -ENOSPC when they do not fit (the caller fails the call).
 */
int lts_relay_collect(struct lts_relay_set *set, const struct lts_ctrl_msg *m,
		      enum lts_relay_kind kind, const struct lts_relay_policy *p);
/* Append every AVP of the set to w (hidden where w hides and the row allows). */
void lts_relay_write(const struct lts_relay_set *set, struct lts_avp_writer *w);
/* True if the set holds an AVP (vendor 0) of this type. */
bool lts_relay_has(const struct lts_relay_set *set, uint16_t type);
/* Loop detection (draft-08 section 4): does m carry this TSA ID already? */
bool lts_relay_tsa_loop(const struct lts_ctrl_msg *m, const char *tsa_id);
/* Proxy Authen Name of m as a C string; false if absent. */
bool lts_relay_user(const struct lts_ctrl_msg *m, char *buf, size_t cap);

#endif /* LTS_RELAY_H */
