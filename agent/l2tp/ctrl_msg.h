/* SPDX-License-Identifier: GPL-2.0 */
/*
 * L2TPv2 control message types and per-message specs (RFC 2661 3.2, 6).
 *
 * A spec lists the AVPs a message MUST carry and the ones it MAY carry. One
 * function, lts_ctrl_msg_check(), holds a decoded message against its spec
 * and returns a verdict telling the caller what to do: process it, ignore it,
 * or clear the session (CDN) or the tunnel (StopCCN) with a given Result and
 * Error Code. lts_ctrl_msg_parse() decodes and checks in one call and maps
 * decode errors to verdicts the same way.
 */
#ifndef LTS_CTRL_MSG_H
#define LTS_CTRL_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "avp.h"
#include "ctrl_types.h"

/* Protocol Version AVP value for L2TPv2: Ver 1, Rev 0 (RFC 2661 4.4.3). */
#define LTS_CTRL_PROTO_VER 1
#define LTS_CTRL_PROTO_REV 0

/* StopCCN Result Codes (RFC 2661 4.4.2). */
enum lts_ctrl_stopccn_result {
	LTS_STOPCCN_CLEAR = 1,
	LTS_STOPCCN_GENERAL_ERROR = 2,
	LTS_STOPCCN_ALREADY_EXISTS = 3,
	LTS_STOPCCN_NOT_AUTHORIZED = 4,
	LTS_STOPCCN_BAD_VERSION = 5, /* Error Code: highest version supported */
	LTS_STOPCCN_SHUTTING_DOWN = 6,
	LTS_STOPCCN_FSM_ERROR = 7,
};

/* CDN Result Codes (RFC 2661 4.4.2; 26 from draft-ietf-l2tpext-tunnel-switching-08). */
enum lts_ctrl_cdn_result {
	LTS_CDN_LOST_CARRIER = 1,
	LTS_CDN_GENERAL_ERROR = 2,
	LTS_CDN_ADMIN = 3,
	LTS_CDN_NO_FACILITIES_TEMP = 4,
	LTS_CDN_NO_FACILITIES_PERM = 5,
	LTS_CDN_INVALID_DEST = 6,
	LTS_CDN_LOOP_DETECTED = 26,
};

/* General Error Codes (RFC 2661 4.4.2; 9 RFC 3931; 10-12 the draft). */
enum lts_ctrl_error {
	LTS_ERR_NONE = 0,
	LTS_ERR_NO_CONTROL_CONN = 1,
	LTS_ERR_LENGTH = 2,
	LTS_ERR_VALUE = 3,
	LTS_ERR_RESOURCES = 4,
	LTS_ERR_SESSION_ID = 5,
	LTS_ERR_VENDOR = 6,
	LTS_ERR_TRY_ANOTHER = 7,
	LTS_ERR_UNKNOWN_MANDATORY = 8,
	LTS_ERR_TRY_ANOTHER_DIRECTED = 9,
	LTS_ERR_NEXT_HOP_UNREACHABLE = 10,
	LTS_ERR_NEXT_HOP_BUSY = 11,
	LTS_ERR_TSA_BUSY = 12,
};

/* Flags of one AVP in a message spec. */
#define LTS_CTRL_AVP_REQUIRED 0x01 /* MUST be present (RFC 2661 6.x) */
#define LTS_CTRL_AVP_MULTI 0x02	   /* may occur more than once */
#define LTS_CTRL_AVP_NONZERO 0x04  /* 0 is not a valid value (RFC 2661 5.3) */

struct lts_ctrl_spec_avp {
	enum lts_avp_id id;
	uint8_t flags;
};

struct lts_ctrl_spec {
	uint16_t type;
	const char *name;
	const char *rfc; /* section that defines the message */
	enum lts_ctrl_scope scope;
	const struct lts_ctrl_spec_avp *avps; /* Message Type is implied */
	size_t n_avps;
	/*
	 * We do not take this message (outgoing calls): after it passes its
	 * spec, the verdict is CLEAR_SESSION with this Result/Error Code.
	 */
	bool refused;
	uint16_t refuse_result;
	uint16_t refuse_error;
	const char *refuse_why;
};

enum lts_ctrl_action {
	LTS_CTRL_ACCEPT,	/* process the message */
	LTS_CTRL_IGNORE,	/* drop it (the transport still acknowledges it) */
	LTS_CTRL_CLEAR_SESSION, /* send CDN with result/error, clear the session */
	LTS_CTRL_CLEAR_TUNNEL,	/* send StopCCN with result/error, clear the tunnel */
};

struct lts_ctrl_verdict {
	enum lts_ctrl_action action;
	uint16_t result;
	uint16_t error;
	uint16_t avp_vendor; /* AVP that caused it, if any */
	uint16_t avp_type;
	char message[96]; /* for the Error Message field of the Result Code */
};

const struct lts_ctrl_spec *lts_ctrl_spec_get(uint16_t type);
bool lts_ctrl_type_known(uint16_t type);
const char *lts_ctrl_type_name(uint16_t type);
/* An unknown type is tunnel-scoped. */
const char *lts_ctrl_action_str(enum lts_ctrl_action action);

/*
 * Hold a decoded message against its spec. Returns 0 when the verdict is
 * LTS_CTRL_ACCEPT, -EBADMSG otherwise (the verdict says what to answer).
 */
int lts_ctrl_msg_check(const struct lts_ctrl_msg *msg, struct lts_ctrl_verdict *v);

/*
 * Turn a decode error into a verdict (used by lts_ctrl_msg_parse; exposed
 * for callers that decode themselves). Returns -EBADMSG.
 */
int lts_ctrl_verdict_from_decode(const struct lts_ctrl_msg *msg, const struct lts_avp_error *err,
				 struct lts_ctrl_verdict *v);

/* lts_avp_decode() then lts_ctrl_msg_check(); same return as the latter. */
int lts_ctrl_msg_parse(const uint8_t *body, size_t len, const struct lts_avp_opts *opts,
		       struct lts_ctrl_msg *msg, struct lts_ctrl_verdict *v);

#endif /* LTS_CTRL_MSG_H */
