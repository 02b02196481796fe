// SPDX-License-Identifier: GPL-2.0
/*
 * AVPs across the switch (draft-ietf-l2tpext-tunnel-switching-08
 * section 3): which AVPs of an ICRQ, ICCN, CDN, WEN or SLI are relayed to the
 * other leg, byte-exact, and how they are written there.
 */
#include <errno.h>
#include <string.h>
#include "relay.h"

/* draft-08 section 3: the AVPs RELAYED (or STACKED) per message. */
static const uint16_t icrq_types[] = {
	LTS_AVP_TYPE_CALL_SERIAL, LTS_AVP_TYPE_BEARER_TYPE, LTS_AVP_TYPE_CALLING_NUMBER,
	LTS_AVP_TYPE_CALLED_NUMBER, LTS_AVP_TYPE_SUB_ADDRESS, LTS_AVP_TYPE_PHYS_CHANNEL_ID,
	LTS_AVP_TYPE_TSA_ID,
};
/* Proxy LCP (26-28) and proxy authentication (29-33) go as whole groups:
 * relayed byte-exact, all of them or (when absent) none. */
static const uint16_t iccn_types[] = {
	LTS_AVP_TYPE_TX_CONNECT_SPEED, LTS_AVP_TYPE_FRAMING_TYPE,
	LTS_AVP_TYPE_INIT_RX_LCP_CONFREQ, LTS_AVP_TYPE_LAST_TX_LCP_CONFREQ,
	LTS_AVP_TYPE_LAST_RX_LCP_CONFREQ, LTS_AVP_TYPE_PROXY_AUTH_TYPE,
	LTS_AVP_TYPE_PROXY_AUTH_NAME, LTS_AVP_TYPE_PROXY_AUTH_CHALLENGE,
	LTS_AVP_TYPE_PROXY_AUTH_ID, LTS_AVP_TYPE_PROXY_AUTH_RESPONSE,
	LTS_AVP_TYPE_PRIVATE_GROUP_ID, LTS_AVP_TYPE_RX_CONNECT_SPEED,
	LTS_AVP_TYPE_SEQUENCING_REQUIRED,
};
static const uint16_t cdn_types[] = { LTS_AVP_TYPE_Q931_CAUSE, LTS_AVP_TYPE_PPP_DISCONNECT_CAUSE };
static const uint16_t wen_types[] = { LTS_AVP_TYPE_CALL_ERRORS };
static const uint16_t sli_types[] = { LTS_AVP_TYPE_ACCM };

struct kind_types {
	const uint16_t *types;
	size_t n;
};

#define TYPES(a) { a, sizeof(a) / sizeof(a[0]) }
static const struct kind_types kinds[] = {
	[LTS_RELAY_ICRQ] = TYPES(icrq_types),
	[LTS_RELAY_ICCN] = TYPES(iccn_types),
	[LTS_RELAY_CDN] = TYPES(cdn_types),
	[LTS_RELAY_WEN] = TYPES(wen_types),
	[LTS_RELAY_SLI] = TYPES(sli_types),
};

static int add(struct lts_relay_set *set, uint16_t vendor, uint16_t type, bool mandatory,
	       bool hidden, const void *val, size_t len)
{
	struct lts_relay_avp *r;

	if (set->n >= LTS_RELAY_MAX_AVPS || len > LTS_RELAY_BUF - set->used)
		return -ENOSPC;
	r = &set->avps[set->n++];
	r->vendor = vendor;
	r->type = type;
	r->mandatory = mandatory;
	r->hidden = hidden;
	r->off = set->used;
	r->len = len;
	memcpy(set->buf + set->used, val, len);
	set->used += len;
	return 0;
}

static bool relayed(const struct lts_avp *a, enum lts_relay_kind kind,
		    const struct lts_relay_policy *p)
{
	size_t i;

	if (!a->def)
		return !a->mandatory; /* unknown M=0: relay (e.g. BBF access-line AVPs) */
	if (a->vendor != LTS_AVP_VENDOR_IETF)
		return false;
	if ((a->type == LTS_AVP_TYPE_CALLING_NUMBER && p->drop_calling_number) ||
	    (a->type == LTS_AVP_TYPE_BEARER_TYPE && p->drop_bearer_type) ||
	    (a->type == LTS_AVP_TYPE_TSA_ID && p->drop_tsa_ids))
		return false;
	for (i = 0; i < kinds[kind].n; i++)
		if (kinds[kind].types[i] == a->type)
			return true;
	return false;
}

int lts_relay_collect(struct lts_relay_set *set, const struct lts_ctrl_msg *m,
		      enum lts_relay_kind kind, const struct lts_relay_policy *p)
{
	size_t i;
	int err;

	set->n = 0;
	set->used = 0;
	for (i = 0; i < m->n_avps; i++) {
		const struct lts_avp *a = &m->avps[i];

		if (!relayed(a, kind, p))
			continue;
		err = add(set, a->vendor, a->type, a->mandatory, a->hidden, a->val, a->len);
		if (err)
			return err;
	}
	/* draft-08 3: TSA IDs are STACKED: every received one, then ours. */
	if (kind == LTS_RELAY_ICRQ && p->tsa_id && !p->drop_tsa_ids)
		return add(set, LTS_AVP_VENDOR_IETF, LTS_AVP_TYPE_TSA_ID, false, false, p->tsa_id,
			   strlen(p->tsa_id));
	return 0;
}

void lts_relay_write(const struct lts_relay_set *set, struct lts_avp_writer *w)
{
	size_t i;

	for (i = 0; i < set->n; i++) {
		const struct lts_relay_avp *r = &set->avps[i];

		lts_avpw_add_relayed(w, r->vendor, r->type, r->mandatory, r->hidden,
				     set->buf + r->off, r->len);
	}
}

bool lts_relay_has(const struct lts_relay_set *set, uint16_t type)
{
	size_t i;

	for (i = 0; i < set->n; i++)
		if (set->avps[i].vendor == LTS_AVP_VENDOR_IETF && set->avps[i].type == type)
			return true;
	return false;
}

bool lts_relay_tsa_loop(const struct lts_ctrl_msg *m, const char *tsa_id)
{
	size_t len = strlen(tsa_id);
	const struct lts_avp *a;

	lts_avp_for_each(m, a, LTS_AVP_VENDOR_IETF, LTS_AVP_TYPE_TSA_ID)
		if (a->len == len && !memcmp(a->val, tsa_id, len))
			return true;
	return false;
}

bool lts_relay_user(const struct lts_ctrl_msg *m, char *buf, size_t cap)
{
	size_t len = 0;

	return !lts_avp_get_string(m, LTS_AVP_PROXY_AUTH_NAME, buf, cap, &len);
}
