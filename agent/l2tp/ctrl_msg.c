// SPDX-License-Identifier: GPL-2.0
/*
 * Per-message AVP specs (RFC 2661 section 6) and the one place a decoded
 * control message is judged against them.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "ctrl_msg.h"
#include "lib/util.h"


/* clang-format off */
#define REQ(sym)     { LTS_AVP_##sym, LTS_CTRL_AVP_REQUIRED }
#define REQ_ID(sym)  { LTS_AVP_##sym, LTS_CTRL_AVP_REQUIRED | LTS_CTRL_AVP_NONZERO }
#define OPT(sym)     { LTS_AVP_##sym, 0 }
#define OPT_ID(sym)  { LTS_AVP_##sym, LTS_CTRL_AVP_NONZERO }
#define MULTI(sym)   { LTS_AVP_##sym, LTS_CTRL_AVP_MULTI }
/*
 * RFC 2661 4.4.1: a Random Vector may appear in any message, and a new one
 * may precede later hidden AVPs, so it can occur more than once.
 */
#define ANY_MESSAGE  MULTI(RANDOM_VECTOR)

/*
 * "MUST be present" lists are REQ; "MAY be present" lists are OPT. Assigned
 * Tunnel/Session IDs of 0 are refused where they are being assigned (RFC 2661
 * 5.3: 0 "MUST NOT be used as an Assigned Session ID or Assigned Tunnel ID");
 * in StopCCN and CDN the ID is not checked, a teardown is never refused.
 */
static const struct lts_ctrl_spec_avp spec_SCCRQ[] = {
	REQ(PROTOCOL_VERSION), REQ(HOST_NAME), REQ(FRAMING_CAP), REQ_ID(ASSIGNED_TUNNEL_ID),
	OPT(BEARER_CAP), OPT(RECV_WINDOW_SIZE), OPT(CHALLENGE), OPT(TIE_BREAKER),
	OPT(FIRMWARE_REV), OPT(VENDOR_NAME), ANY_MESSAGE,
};

static const struct lts_ctrl_spec_avp spec_SCCRP[] = {
	REQ(PROTOCOL_VERSION), REQ(FRAMING_CAP), REQ(HOST_NAME), REQ_ID(ASSIGNED_TUNNEL_ID),
	OPT(BEARER_CAP), OPT(FIRMWARE_REV), OPT(VENDOR_NAME), OPT(RECV_WINDOW_SIZE),
	OPT(CHALLENGE), OPT(CHALLENGE_RESPONSE), ANY_MESSAGE,
};

static const struct lts_ctrl_spec_avp spec_SCCCN[] = {
	OPT(CHALLENGE_RESPONSE), ANY_MESSAGE,
};

static const struct lts_ctrl_spec_avp spec_STOPCCN[] = {
	REQ(ASSIGNED_TUNNEL_ID), REQ(RESULT_CODE), ANY_MESSAGE,
};

static const struct lts_ctrl_spec_avp spec_HELLO[] = {
	ANY_MESSAGE,
};

static const struct lts_ctrl_spec_avp spec_OCRQ[] = {
	REQ_ID(ASSIGNED_SESSION_ID), REQ(CALL_SERIAL), REQ(MIN_BPS), REQ(MAX_BPS),
	REQ(BEARER_TYPE), REQ(FRAMING_TYPE), REQ(CALLED_NUMBER), OPT(SUB_ADDRESS),
	ANY_MESSAGE,
};

static const struct lts_ctrl_spec_avp spec_OCRP[] = {
	REQ_ID(ASSIGNED_SESSION_ID), OPT(PHYS_CHANNEL_ID), ANY_MESSAGE,
};

static const struct lts_ctrl_spec_avp spec_OCCN[] = {
	REQ(TX_CONNECT_SPEED), REQ(FRAMING_TYPE), OPT(RX_CONNECT_SPEED),
	OPT(SEQUENCING_REQUIRED), ANY_MESSAGE,
};

/* TSA ID: stacked, one per switch upstream (draft-ietf-l2tpext-tunnel-switching-08). */
static const struct lts_ctrl_spec_avp spec_ICRQ[] = {
	REQ_ID(ASSIGNED_SESSION_ID), REQ(CALL_SERIAL), OPT(BEARER_TYPE), OPT(PHYS_CHANNEL_ID),
	OPT(CALLING_NUMBER), OPT(CALLED_NUMBER), OPT(SUB_ADDRESS), MULTI(TSA_ID),
	ANY_MESSAGE,
};

static const struct lts_ctrl_spec_avp spec_ICRP[] = {
	REQ_ID(ASSIGNED_SESSION_ID), ANY_MESSAGE,
};

static const struct lts_ctrl_spec_avp spec_ICCN[] = {
	REQ(TX_CONNECT_SPEED), REQ(FRAMING_TYPE), OPT(INIT_RX_LCP_CONFREQ),
	OPT(LAST_TX_LCP_CONFREQ), OPT(LAST_RX_LCP_CONFREQ), OPT(PROXY_AUTH_TYPE),
	OPT(PROXY_AUTH_NAME), OPT(PROXY_AUTH_CHALLENGE), OPT(PROXY_AUTH_ID),
	OPT(PROXY_AUTH_RESPONSE), OPT(PRIVATE_GROUP_ID), OPT(RX_CONNECT_SPEED),
	OPT(SEQUENCING_REQUIRED), ANY_MESSAGE,
};

/* PPP Disconnect Cause Code: "valid in the ... CDN message only" (RFC 3145 2). */
static const struct lts_ctrl_spec_avp spec_CDN[] = {
	REQ(RESULT_CODE), REQ(ASSIGNED_SESSION_ID), OPT(Q931_CAUSE), OPT(PPP_DISCONNECT_CAUSE),
	ANY_MESSAGE,
};

static const struct lts_ctrl_spec_avp spec_WEN[] = {
	REQ(CALL_ERRORS), ANY_MESSAGE,
};

static const struct lts_ctrl_spec_avp spec_SLI[] = {
	REQ(ACCM), ANY_MESSAGE,
};

/*
 * Outgoing calls (RFC 2661 6.6-6.8) decode and are checked like any other
 * message, so a malformed one gets the same answer as any malformed message;
 * a well-formed one is then refused, because the switch never places or
 * answers outgoing calls:
 *  - OCRQ: CDN Result Code 5, "Call failed due to lack of appropriate
 *    facilities being available - permanent condition" (RFC 2661 4.4.2):
 *    the request is valid, it just can never succeed here, and "permanent"
 *    tells the LNS not to retry it with us (4, temporary, would invite that).
 *  - OCRP, OCCN: they only answer an OCRQ, and we never send one, so the
 *    session they name cannot be an outgoing call of ours: Result Code 2
 *    with General Error Code 5, "The Session ID is invalid in this context".
 */
#define REFUSED(t)	 ((t) == LTS_CTRL_OCRQ || (t) == LTS_CTRL_OCRP || (t) == LTS_CTRL_OCCN)
#define REFUSE_RESULT(t) ((t) == LTS_CTRL_OCRQ ? LTS_CDN_NO_FACILITIES_PERM : LTS_CDN_GENERAL_ERROR)
#define REFUSE_ERROR(t)	 ((t) == LTS_CTRL_OCRQ ? LTS_ERR_NONE : LTS_ERR_SESSION_ID)
#define REFUSE_WHY(t)                                                                      \
	((t) == LTS_CTRL_OCRQ ? "outgoing calls are not supported"                         \
			      : "no outgoing call was requested")

#define SPEC_ROW(sym, val, name_, scope_, sect)                                            \
	{ .type = val,                                                                     \
	  .name = name_,                                                                   \
	  .rfc = "RFC 2661 " sect,                                                         \
	  .scope = LTS_CTRL_SCOPE_##scope_,                                                \
	  .avps = spec_##sym,                                                              \
	  .n_avps = ARRAY_SIZE(spec_##sym),                                                \
	  .refused = REFUSED(val),                                                         \
	  .refuse_result = REFUSED(val) ? REFUSE_RESULT(val) : 0,                          \
	  .refuse_error = REFUSED(val) ? REFUSE_ERROR(val) : 0,                            \
	  .refuse_why = REFUSED(val) ? REFUSE_WHY(val) : NULL },
static const struct lts_ctrl_spec specs[] = { LTS_CTRL_TYPES(SPEC_ROW) };
#undef SPEC_ROW
/* clang-format on */

const struct lts_ctrl_spec *lts_ctrl_spec_get(uint16_t type)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(specs); i++)
		if (specs[i].type == type)
			return &specs[i];
	return NULL;
}

bool lts_ctrl_type_known(uint16_t type)
{
	return lts_ctrl_spec_get(type) != NULL;
}

const char *lts_ctrl_type_name(uint16_t type)
{
	const struct lts_ctrl_spec *s = lts_ctrl_spec_get(type);

	return s ? s->name : "unknown";
}

const char *lts_ctrl_action_str(enum lts_ctrl_action action)
{
	switch (action) {
	case LTS_CTRL_ACCEPT:
		return "accept";
	case LTS_CTRL_IGNORE:
		return "ignore";
	case LTS_CTRL_CLEAR_SESSION:
		return "clear session (CDN)";
	case LTS_CTRL_CLEAR_TUNNEL:
		return "clear tunnel (StopCCN)";
	}
	return "?";
}

static void verdict_init(struct lts_ctrl_verdict *v)
{
	memset(v, 0, sizeof(*v));
	v->action = LTS_CTRL_ACCEPT;
}

/*
 * Clear the session (CDN) or the tunnel (StopCCN) per scope. Both Result
 * Code sets use 2 for "general error, see Error Code" (RFC 2661 4.4.2).
 */
__attribute__((format(printf, 7, 8))) static int clear(struct lts_ctrl_verdict *v,
						       enum lts_ctrl_scope scope, uint16_t result,
						       uint16_t error, uint16_t vendor,
						       uint16_t type, const char *fmt, ...)
{
	va_list ap;

	v->action =
	    scope == LTS_CTRL_SCOPE_SESSION ? LTS_CTRL_CLEAR_SESSION : LTS_CTRL_CLEAR_TUNNEL;
	v->result = result;
	v->error = error;
	v->avp_vendor = vendor;
	v->avp_type = type;
	va_start(ap, fmt);
	vsnprintf(v->message, sizeof(v->message), fmt, ap);
	va_end(ap);
	return -EBADMSG;
}

/*
 * RFC 2661 4.4.1: "if the M-bit is set within the Message Type AVP and the
 * Message Type is unknown to the implementation, the tunnel MUST be
 * cleared. If the M-bit is not set, then the implementation may ignore an
 * unknown message type." The M bit on the Message Type AVP is the 4.1
 * unknown-mandatory mechanism applied to the whole message, hence error 8.
 */
static int unknown_type(const struct lts_ctrl_msg *msg, struct lts_ctrl_verdict *v)
{
	if (!msg->type_mandatory) {
		v->action = LTS_CTRL_IGNORE;
		snprintf(v->message, sizeof(v->message), "unknown message type %u (M=0)",
			 msg->type);
		return -EBADMSG;
	}
	return clear(v, LTS_CTRL_SCOPE_TUNNEL, LTS_STOPCCN_GENERAL_ERROR, LTS_ERR_UNKNOWN_MANDATORY,
		     LTS_AVP_VENDOR_IETF, LTS_AVP_TYPE_MSG_TYPE, "unknown message type %u",
		     msg->type);
}

/*
 * The spec check. General Error Codes (RFC 2661 4.4.2) have none for "AVP
 * missing" or "AVP repeated", so those use 6, "A generic vendor-specific
 * error occurred", whose text says that "additional information about the
 * error SHOULD be included in the Error Message field": the message names
 * the AVP. A value the RFC forbids is 3, "One of the field values was out
 * of range". A Protocol Version other than 1.0 is StopCCN Result Code 5
 * with the highest version we support as the Error Code (RFC 2661 4.4.2).
 */
int lts_ctrl_msg_check(const struct lts_ctrl_msg *msg, struct lts_ctrl_verdict *v)
{
	const struct lts_ctrl_spec_avp *row;
	const struct lts_ctrl_spec *spec;
	const struct lts_avp_def *d;
	struct lts_avp_proto_ver pv;
	uint16_t u16;
	size_t n;

	verdict_init(v);
	if (!msg->n_avps)
		return clear(v, LTS_CTRL_SCOPE_TUNNEL, LTS_STOPCCN_GENERAL_ERROR, LTS_ERR_VENDOR,
			     LTS_AVP_VENDOR_IETF, LTS_AVP_TYPE_MSG_TYPE, "no Message Type AVP");
	spec = lts_ctrl_spec_get(msg->type);
	if (!spec)
		return unknown_type(msg, v);
	if (lts_avp_count(msg, LTS_AVP_MSG_TYPE) != 1)
		return clear(v, spec->scope, LTS_CDN_GENERAL_ERROR, LTS_ERR_VENDOR,
			     LTS_AVP_VENDOR_IETF, LTS_AVP_TYPE_MSG_TYPE,
			     "%s: duplicate AVP Message Type", spec->name);
	for (row = spec->avps; row < spec->avps + spec->n_avps; row++) {
		d = lts_avp_def_get(row->id);
		n = lts_avp_count(msg, row->id);
		if (!n && (row->flags & LTS_CTRL_AVP_REQUIRED))
			return clear(v, spec->scope, LTS_CDN_GENERAL_ERROR, LTS_ERR_VENDOR,
				     d->vendor, d->type, "%s: missing mandatory AVP %s", spec->name,
				     d->name);
		if (n > 1 && !(row->flags & LTS_CTRL_AVP_MULTI))
			return clear(v, spec->scope, LTS_CDN_GENERAL_ERROR, LTS_ERR_VENDOR,
				     d->vendor, d->type, "%s: duplicate AVP %s", spec->name,
				     d->name);
		if (n && (row->flags & LTS_CTRL_AVP_NONZERO) &&
		    !lts_avp_get_u16(msg, row->id, &u16) && !u16)
			return clear(v, spec->scope, LTS_CDN_GENERAL_ERROR, LTS_ERR_VALUE,
				     d->vendor, d->type, "%s: %s is 0", spec->name, d->name);
	}
	if (!lts_avp_get_proto_ver(msg, &pv) &&
	    (msg->type == LTS_CTRL_SCCRQ || msg->type == LTS_CTRL_SCCRP) &&
	    (pv.ver != LTS_CTRL_PROTO_VER || pv.rev != LTS_CTRL_PROTO_REV))
		return clear(v, LTS_CTRL_SCOPE_TUNNEL, LTS_STOPCCN_BAD_VERSION,
			     LTS_CTRL_PROTO_VER << 8 | LTS_CTRL_PROTO_REV, LTS_AVP_VENDOR_IETF,
			     LTS_AVP_TYPE_PROTOCOL_VERSION, "protocol version %u.%u not supported",
			     pv.ver, pv.rev);
	if (spec->refused)
		return clear(v, spec->scope, spec->refuse_result, spec->refuse_error, 0, 0, "%s",
			     spec->refuse_why);
	return 0;
}

/*
 * Decode errors. Lengths that do not add up are General Error Code 2,
 * "Length is wrong"; an unknown M=1 AVP is 8 (RFC 2661 4.1, 4.4.2) in the
 * message's scope; a hidden Message Type sets a bit that "MUST be 0", which
 * is 3, "reserved field was non-zero"; hidden AVPs we cannot reveal (no
 * secret, no Random Vector: RFC 2661 4.3) are 6 with the reason spelled
 * out; our own limits are 4, "Insufficient resources".
 */
int lts_ctrl_verdict_from_decode(const struct lts_ctrl_msg *msg, const struct lts_avp_error *err,
				 struct lts_ctrl_verdict *v)
{
	uint16_t error;

	verdict_init(v);
	/* Once the type is known to be unknown, nothing else matters (4.4.1). */
	if (msg->n_avps && !lts_ctrl_type_known(msg->type))
		return unknown_type(msg, v);
	switch (err->code) {
	case LTS_AVP_E_TRUNCATED:
	case LTS_AVP_E_AVP_LEN:
	case LTS_AVP_E_OVERRUN:
	case LTS_AVP_E_VALUE_LEN:
	case LTS_AVP_E_HIDDEN_BAD_LEN:
		error = LTS_ERR_LENGTH;
		break;
	case LTS_AVP_E_MSG_TYPE_HIDDEN:
		error = LTS_ERR_VALUE;
		break;
	case LTS_AVP_E_UNKNOWN_MANDATORY:
		error = LTS_ERR_UNKNOWN_MANDATORY;
		break;
	case LTS_AVP_E_TOO_MANY:
	case LTS_AVP_E_TOO_BIG:
		error = LTS_ERR_RESOURCES;
		break;
	default:
		error = LTS_ERR_VENDOR;
		break;
	}
	return clear(v, err->scope, LTS_CDN_GENERAL_ERROR, error, err->vendor, err->type,
		     "%s: %s (AVP %u:%u at %zu)",
		     msg->n_avps ? lts_ctrl_type_name(msg->type) : "message",
		     lts_avp_err_str(err->code), err->vendor, err->type, err->offset);
}

int lts_ctrl_msg_parse(const uint8_t *body, size_t len, const struct lts_avp_opts *opts,
		       struct lts_ctrl_msg *msg, struct lts_ctrl_verdict *v)
{
	struct lts_avp_error err;
	int ret;

	verdict_init(v);
	ret = lts_avp_decode(body, len, opts, msg, &err);
	if (ret == -EBADMSG)
		return lts_ctrl_verdict_from_decode(msg, &err, v);
	if (ret)
		return ret;
	return lts_ctrl_msg_check(msg, v);
}
