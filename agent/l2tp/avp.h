/* SPDX-License-Identifier: GPL-2.0 */
/*
 * L2TPv2 control message AVP codec (RFC 2661 section 4).
 *
 * One table row per AVP (LTS_AVP_TABLE) drives both directions: the decoder
 * checks received value lengths against it, the writer sets the M bit and
 * decides hiding from it. The transport strips and builds the 12-byte control
 * header; everything here works on the message body that follows it (a ZLB
 * has no body and never reaches the codec).
 *
 * AVP wire format (RFC 2661 4.1):
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * |M|H| rsvd  |      Length       |           Vendor ID           |
 * |         Attribute Type        |        Attribute Value...
 *
 * Decoded values of hidden AVPs (RFC 2661 4.3) are stored in a buffer inside
 * struct lts_ctrl_msg, so every getter works the same for hidden and plain
 * AVPs. A decoded message points into the caller's body buffer and into
 * itself: keep the body alive as long as the message, and do not copy the
 * message struct (decode again instead).
 */
#ifndef LTS_AVP_H
#define LTS_AVP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "ctrl_types.h"

#define LTS_AVP_HDR_LEN 6
#define LTS_AVP_MAX_LEN 1023 /* 10-bit Length field (RFC 2661 4.1) */
#define LTS_AVP_VAL_MAX (LTS_AVP_MAX_LEN - LTS_AVP_HDR_LEN)
#define LTS_AVP_F_MANDATORY 0x8000
#define LTS_AVP_F_HIDDEN 0x4000
#define LTS_AVP_F_RESERVED 0x3c00
#define LTS_AVP_LEN_MASK 0x03ff
#define LTS_AVP_VENDOR_IETF 0
#define LTS_AVP_RV_LEN 16	/* Random Vector we send (RFC 2661 4.3) */
#define LTS_AVP_HIDE_PAD_MAX 15 /* random padding of the hidden subformat */
#define LTS_AVP_HIDE_MIN 16     /* shortest hidden field we send (quirk 13) */

#define LTS_CTRL_MAX_AVPS 128
/*
 * Room for decrypted hidden values: a revealed value never takes more than
 * its own AVP's bytes, so any body a 16-bit L2TP Length allows (65535 minus
 * the 12-byte control header) fits, and LTS_AVP_E_TOO_BIG cannot happen.
 */
#define LTS_CTRL_PLAIN_MAX (65535 - 12)

/* How the value of an AVP is laid out. */
enum lts_avp_dtype {
	LTS_AVP_DT_EMPTY, /* no value (Sequencing Required) */
	LTS_AVP_DT_U16,
	LTS_AVP_DT_U32,
	LTS_AVP_DT_U64, /* Tie Breaker: 8 octets */
	LTS_AVP_DT_BYTES,
	LTS_AVP_DT_STRING,    /* octets, not NUL-terminated on the wire */
	LTS_AVP_DT_PROTO_VER, /* u8 version, u8 revision */
	LTS_AVP_DT_RESULT,    /* u16 result [u16 error [message]] */
	LTS_AVP_DT_Q931,      /* u16 cause, u8 msg [advisory] */
	LTS_AVP_DT_CALL_ERR,  /* u16 reserved, 6 x u32 counters */
	LTS_AVP_DT_ACCM,      /* u16 reserved, u32 send, u32 receive */
	LTS_AVP_DT_PPP_DISC,  /* u16 code, u16 protocol, u8 direction [message] */
};

/*
 * Every AVP we know, RFC 2661 4.4.1-4.4.6 unless noted. Columns:
 * symbol, vendor, type, name, M bit we send, may be hidden (H), data type,
 * min and max value length (after the 6-byte header, before hiding; 1017
 * is LTS_AVP_VAL_MAX, the most a 10-bit AVP Length leaves for the value).
 *
 * M and H policies follow the per-AVP text of RFC 2661 4.4. Not hideable
 * ("MUST NOT be hidden"): Message Type, Result Code, Protocol Version, Tie
 * Breaker, Host Name, Receive Window Size, Q.931 Cause Code, Random Vector,
 * Sequencing Required. M=0: Tie Breaker, Firmware Revision, Vendor Name,
 * Physical Channel ID, the proxy LCP/authen group (26-33), Private Group ID,
 * Rx Connect Speed; PPP Disconnect Cause Code "MUST NOT be marked
 * Mandatory" (RFC 3145 2); the TSA ID is sent with M=0 so that a hop that
 * does not know it can still ignore it (draft-ietf-l2tpext-tunnel-
 * switching-08; type 93 is IANA's assignment for it).
 * Type 20 is unused in RFC 2661 and has no row: it decodes as unknown.
 */
/*	  symbol                v  type name                            M  H  dtype      min max */
/* clang-format off */
#define LTS_AVP_TABLE(X)                                                                          \
	X(MSG_TYPE,             0, 0,  "Message Type",                 1, 0, U16,       2,  2)    \
	X(RESULT_CODE,          0, 1,  "Result Code",                  1, 0, RESULT,    2,  1017) \
	X(PROTOCOL_VERSION,     0, 2,  "Protocol Version",             1, 0, PROTO_VER, 2,  2)    \
	X(FRAMING_CAP,          0, 3,  "Framing Capabilities",         1, 1, U32,       4,  4)    \
	X(BEARER_CAP,           0, 4,  "Bearer Capabilities",          1, 1, U32,       4,  4)    \
	X(TIE_BREAKER,          0, 5,  "Tie Breaker",                  0, 0, U64,       8,  8)    \
	X(FIRMWARE_REV,         0, 6,  "Firmware Revision",            0, 1, U16,       2,  2)    \
	X(HOST_NAME,            0, 7,  "Host Name",                    1, 0, STRING,    1,  1017) \
	X(VENDOR_NAME,          0, 8,  "Vendor Name",                  0, 1, STRING,    0,  1017) \
	X(ASSIGNED_TUNNEL_ID,   0, 9,  "Assigned Tunnel ID",           1, 1, U16,       2,  2)    \
	X(RECV_WINDOW_SIZE,     0, 10, "Receive Window Size",          1, 0, U16,       2,  2)    \
	X(CHALLENGE,            0, 11, "Challenge",                    1, 1, BYTES,     1,  1017) \
	X(Q931_CAUSE,           0, 12, "Q.931 Cause Code",             1, 0, Q931,      3,  1017) \
	X(CHALLENGE_RESPONSE,   0, 13, "Challenge Response",           1, 1, BYTES,     16, 16)   \
	X(ASSIGNED_SESSION_ID,  0, 14, "Assigned Session ID",          1, 1, U16,       2,  2)    \
	X(CALL_SERIAL,          0, 15, "Call Serial Number",           1, 1, U32,       4,  4)    \
	X(MIN_BPS,              0, 16, "Minimum BPS",                  1, 1, U32,       4,  4)    \
	X(MAX_BPS,              0, 17, "Maximum BPS",                  1, 1, U32,       4,  4)    \
	X(BEARER_TYPE,          0, 18, "Bearer Type",                  1, 1, U32,       4,  4)    \
	X(FRAMING_TYPE,         0, 19, "Framing Type",                 1, 1, U32,       4,  4)    \
	X(CALLED_NUMBER,        0, 21, "Called Number",                1, 1, STRING,    0,  1017) \
	X(CALLING_NUMBER,       0, 22, "Calling Number",               1, 1, STRING,    0,  1017) \
	X(SUB_ADDRESS,          0, 23, "Sub-Address",                  1, 1, STRING,    0,  1017) \
	X(TX_CONNECT_SPEED,     0, 24, "(Tx) Connect Speed",           1, 1, U32,       4,  4)    \
	X(PHYS_CHANNEL_ID,      0, 25, "Physical Channel ID",          0, 1, U32,       4,  4)    \
	X(INIT_RX_LCP_CONFREQ,  0, 26, "Initial Received LCP CONFREQ", 0, 1, BYTES,     0,  1017) \
	X(LAST_TX_LCP_CONFREQ,  0, 27, "Last Sent LCP CONFREQ",        0, 1, BYTES,     0,  1017) \
	X(LAST_RX_LCP_CONFREQ,  0, 28, "Last Received LCP CONFREQ",    0, 1, BYTES,     0,  1017) \
	X(PROXY_AUTH_TYPE,      0, 29, "Proxy Authen Type",            0, 1, U16,       2,  2)    \
	X(PROXY_AUTH_NAME,      0, 30, "Proxy Authen Name",            0, 1, STRING,    0,  1017) \
	X(PROXY_AUTH_CHALLENGE, 0, 31, "Proxy Authen Challenge",       0, 1, BYTES,     1,  1017) \
	X(PROXY_AUTH_ID,        0, 32, "Proxy Authen ID",              0, 1, U16,       2,  2)    \
	X(PROXY_AUTH_RESPONSE,  0, 33, "Proxy Authen Response",        0, 1, BYTES,     0,  1017) \
	X(CALL_ERRORS,          0, 34, "Call Errors",                  1, 1, CALL_ERR,  26, 26)   \
	X(ACCM,                 0, 35, "ACCM",                         1, 1, ACCM,      10, 10)   \
	X(RANDOM_VECTOR,        0, 36, "Random Vector",                1, 0, BYTES,     1,  1017) \
	X(PRIVATE_GROUP_ID,     0, 37, "Private Group ID",             0, 1, BYTES,     0,  1017) \
	X(RX_CONNECT_SPEED,     0, 38, "Rx Connect Speed",             0, 1, U32,       4,  4)    \
	X(SEQUENCING_REQUIRED,  0, 39, "Sequencing Required",          1, 0, EMPTY,     0,  0)    \
	X(PPP_DISCONNECT_CAUSE, 0, 46, "PPP Disconnect Cause Code",    0, 1, PPP_DISC,  5,  1017) \
	X(TSA_ID,               0, 93, "TSA ID",                       0, 1, BYTES,     1,  1017)
/* clang-format on */

/* Row index into the table: what the typed adders and getters take. */
#define LTS_AVP_ID_ENUM(sym, vendor, type, name, m, hide, dt, min, max) LTS_AVP_##sym,
enum lts_avp_id { LTS_AVP_TABLE(LTS_AVP_ID_ENUM) LTS_AVP_N };
#undef LTS_AVP_ID_ENUM

/* Attribute Type numbers on the wire, for lts_avp_find() and friends. */
#define LTS_AVP_TYPE_ENUM(sym, vendor, type, name, m, hide, dt, min, max) LTS_AVP_TYPE_##sym = type,
enum lts_avp_type { LTS_AVP_TABLE(LTS_AVP_TYPE_ENUM) };
#undef LTS_AVP_TYPE_ENUM

struct lts_avp_def {
	enum lts_avp_id id;
	uint16_t vendor;
	uint16_t type;
	const char *name;
	uint8_t mandatory; /* M bit we send */
	uint8_t may_hide;  /* RFC allows the H bit */
	enum lts_avp_dtype dtype;
	uint16_t min_len;
	uint16_t max_len;
};

/* One received AVP. def is NULL for an AVP we do not know (kept opaque). */
struct lts_avp {
	uint16_t vendor;
	uint16_t type;
	uint16_t flags;	   /* M, H and reserved bits as received */
	uint8_t mandatory; /* M bit as received */
	uint8_t hidden;	   /* H bit as received; val is then the decrypted value */
	const struct lts_avp_def *def;
	const uint8_t *val;
	uint16_t len;
};

/* A decoded control message body. */
struct lts_ctrl_msg {
	uint16_t type;		/* value of the Message Type AVP */
	uint8_t type_mandatory; /* M bit on the Message Type AVP (RFC 2661 4.4.1) */
	size_t n_avps;
	struct lts_avp avps[LTS_CTRL_MAX_AVPS];
	size_t plain_len;
	uint8_t plain[LTS_CTRL_PLAIN_MAX];
};

/* Fills len bytes of buf with random data; returns 0 or a negative errno. */
typedef int (*lts_avp_random_fn)(void *ctx, void *buf, size_t len);

struct lts_avp_opts {
	const uint8_t *secret; /* tunnel secret (RFC 2661 4.3, 5.1.1); NULL: none */
	size_t secret_len;
	/* Decode: accept an unknown M=1 AVP as if M were 0 (REFERENCE quirk 3). */
	bool permissive;
	/* Encode: hide every AVP whose row allows it (needs a secret). */
	bool hide;
	/* Encode: source for the Random Vector and padding; NULL: getrandom(). */
	lts_avp_random_fn random;
	void *random_ctx;
};

/*	  symbol             text */
/* clang-format off */
#define LTS_AVP_ERRORS(X)                                                       \
	X(NONE,              "no error")                                        \
	X(TRUNCATED,         "fewer bytes left than an AVP header")             \
	X(AVP_LEN,           "AVP Length below 6")                              \
	X(OVERRUN,           "AVP Length runs past the end of the message")     \
	X(VALUE_LEN,         "value length not allowed for this AVP")           \
	X(NO_MSG_TYPE,       "Message Type is not the first AVP")               \
	X(MSG_TYPE_HIDDEN,   "Message Type AVP is hidden")                      \
	X(UNKNOWN_MANDATORY, "unknown AVP with the M bit set")                  \
	X(HIDDEN_NO_SECRET,  "hidden AVP but no shared secret")                 \
	X(HIDDEN_NO_RV,      "hidden AVP without a preceding Random Vector")    \
	X(HIDDEN_BAD_LEN,    "hidden AVP: bad original length (wrong secret?)") \
	X(TOO_MANY,          "more AVPs than LTS_CTRL_MAX_AVPS")                \
	X(TOO_BIG,           "hidden values exceed LTS_CTRL_PLAIN_MAX")
/* clang-format on */

#define LTS_AVP_ERR_ENUM(sym, text) LTS_AVP_E_##sym,
enum lts_avp_err { LTS_AVP_ERRORS(LTS_AVP_ERR_ENUM) LTS_AVP_E_MAX };
#undef LTS_AVP_ERR_ENUM

struct lts_avp_error {
	enum lts_avp_err code;
	enum lts_ctrl_scope scope; /* what the caller must clear */
	uint16_t vendor;	   /* offending AVP */
	uint16_t type;
	size_t offset; /* of the offending AVP in the body */
};

/* Typed values. Pointers in getter results refer into the decoded message. */
struct lts_avp_proto_ver {
	uint8_t ver;
	uint8_t rev;
};

struct lts_avp_result {
	uint16_t result;
	bool has_error; /* a Result Code of length 8 has no Error Code (quirk 1) */
	uint16_t error;
	const char *message; /* not NUL-terminated; message_len 0: none */
	size_t message_len;
};

struct lts_avp_q931 {
	uint16_t cause;
	uint8_t msg;
	const char *advisory; /* not NUL-terminated */
	size_t advisory_len;
};

struct lts_avp_call_errors {
	uint32_t crc;
	uint32_t framing;
	uint32_t hw_overruns;
	uint32_t buf_overruns;
	uint32_t timeouts;
	uint32_t alignment;
};

struct lts_avp_accm {
	uint32_t send;
	uint32_t recv;
};

struct lts_avp_ppp_disc {
	uint16_t code;
	uint16_t protocol;
	uint8_t direction;
	const char *message; /* not NUL-terminated */
	size_t message_len;
};

/* Table access. */
const struct lts_avp_def *lts_avp_def_get(enum lts_avp_id id);
const struct lts_avp_def *lts_avp_def_find(uint16_t vendor, uint16_t type);
const char *lts_avp_err_str(enum lts_avp_err code);

/*
 * Decode the AVPs of one control message body. Returns 0, -EINVAL (bad
 * arguments) or -EBADMSG with err filled in. On -EBADMSG msg holds the AVPs
 * decoded so far; msg->type is valid once msg->n_avps > 0.
 */
int lts_avp_decode(const uint8_t *body, size_t len, const struct lts_avp_opts *opts,
		   struct lts_ctrl_msg *msg, struct lts_avp_error *err);

/* First AVP with this (vendor, type), or NULL. */
const struct lts_avp *lts_avp_find(const struct lts_ctrl_msg *msg, uint16_t vendor, uint16_t type);
/* Next instance after prev (NULL: the first), or NULL. */
const struct lts_avp *lts_avp_next(const struct lts_ctrl_msg *msg, const struct lts_avp *prev,
				   uint16_t vendor, uint16_t type);
#define lts_avp_for_each(msg, a, vendor, type)                                                     \
	for ((a) = lts_avp_next((msg), NULL, (vendor), (type)); (a);                               \
	     (a) = lts_avp_next((msg), (a), (vendor), (type)))
/* Number of instances of a known AVP. */
size_t lts_avp_count(const struct lts_ctrl_msg *msg, enum lts_avp_id id);

/*
 * Value of one AVP. Return 0, or -EINVAL when the AVP is not of that data
 * type (or unknown and not byte-shaped). _u16/_u32 also accept unknown AVPs
 * of exactly that length; _bytes accepts any AVP.
 */
int lts_avp_val_u16(const struct lts_avp *a, uint16_t *v);
int lts_avp_val_u32(const struct lts_avp *a, uint32_t *v);
int lts_avp_val_u64(const struct lts_avp *a, uint64_t *v);
int lts_avp_val_bytes(const struct lts_avp *a, const uint8_t **val, size_t *len);
/* Copies and NUL-terminates; -ENOSPC when cap is too small (len still set). */
int lts_avp_val_string(const struct lts_avp *a, char *buf, size_t cap, size_t *len);
int lts_avp_val_proto_ver(const struct lts_avp *a, struct lts_avp_proto_ver *v);
int lts_avp_val_result(const struct lts_avp *a, struct lts_avp_result *v);
int lts_avp_val_q931(const struct lts_avp *a, struct lts_avp_q931 *v);
int lts_avp_val_call_errors(const struct lts_avp *a, struct lts_avp_call_errors *v);
int lts_avp_val_accm(const struct lts_avp *a, struct lts_avp_accm *v);
int lts_avp_val_ppp_disc(const struct lts_avp *a, struct lts_avp_ppp_disc *v);

/* Value of the first instance of a known AVP: 0, -ENOENT or -EINVAL. */
int lts_avp_get_u16(const struct lts_ctrl_msg *msg, enum lts_avp_id id, uint16_t *v);
int lts_avp_get_u32(const struct lts_ctrl_msg *msg, enum lts_avp_id id, uint32_t *v);
int lts_avp_get_u64(const struct lts_ctrl_msg *msg, enum lts_avp_id id, uint64_t *v);
int lts_avp_get_bytes(const struct lts_ctrl_msg *msg, enum lts_avp_id id, const uint8_t **val,
		      size_t *len);
int lts_avp_get_string(const struct lts_ctrl_msg *msg, enum lts_avp_id id, char *buf, size_t cap,
		       size_t *len);
int lts_avp_get_proto_ver(const struct lts_ctrl_msg *msg, struct lts_avp_proto_ver *v);
int lts_avp_get_result(const struct lts_ctrl_msg *msg, struct lts_avp_result *v);
int lts_avp_get_q931(const struct lts_ctrl_msg *msg, struct lts_avp_q931 *v);
int lts_avp_get_call_errors(const struct lts_ctrl_msg *msg, struct lts_avp_call_errors *v);
int lts_avp_get_accm(const struct lts_ctrl_msg *msg, struct lts_avp_accm *v);
int lts_avp_get_ppp_disc(const struct lts_ctrl_msg *msg, struct lts_avp_ppp_disc *v);

/*
 * Writer over a caller's buffer. The first error sticks: later adders do
 * nothing and lts_avpw_finish() returns it (-ENOSPC: buffer too small,
 * -EINVAL: wrong data type or length for the row, Message Type not first,
 * or an error from the random source). The first AVP must be the Message
 * Type (RFC 2661 4.1). With opts->hide and a secret, every AVP whose row
 * allows it is hidden, and one 16-byte Random Vector AVP is emitted just
 * before the first hidden AVP (RFC 2661 4.3). Hidden AVPs always use the
 * most recent Random Vector in the output, as the receiver will, so a
 * Random Vector added by the caller is used from there on.
 */
struct lts_avp_writer {
	uint8_t *buf;
	size_t cap;
	size_t len;
	int err;
	size_t n_avps;
	const uint8_t *secret;
	size_t secret_len;
	bool hide;
	/* Most recent Random Vector in buf (offset, length); 0 length: none. */
	size_t rv_off;
	size_t rv_len;
	lts_avp_random_fn random;
	void *random_ctx;
};

void lts_avpw_init(struct lts_avp_writer *w, uint8_t *buf, size_t cap,
		   const struct lts_avp_opts *opts);
/* Returns the body length, or the sticky negative errno. */
int lts_avpw_finish(const struct lts_avp_writer *w);

/* Typed adders: each returns the writer's error state (0 or negative). */
int lts_avpw_add_u16(struct lts_avp_writer *w, enum lts_avp_id id, uint16_t v);
int lts_avpw_add_u32(struct lts_avp_writer *w, enum lts_avp_id id, uint32_t v);
int lts_avpw_add_u64(struct lts_avp_writer *w, enum lts_avp_id id, uint64_t v);
int lts_avpw_add_bytes(struct lts_avp_writer *w, enum lts_avp_id id, const void *val, size_t len);
int lts_avpw_add_string(struct lts_avp_writer *w, enum lts_avp_id id, const char *s);
int lts_avpw_add_empty(struct lts_avp_writer *w, enum lts_avp_id id);
int lts_avpw_add_proto_ver(struct lts_avp_writer *w, const struct lts_avp_proto_ver *v);
int lts_avpw_add_result(struct lts_avp_writer *w, const struct lts_avp_result *v);
int lts_avpw_add_q931(struct lts_avp_writer *w, const struct lts_avp_q931 *v);
int lts_avpw_add_call_errors(struct lts_avp_writer *w, const struct lts_avp_call_errors *v);
int lts_avpw_add_accm(struct lts_avp_writer *w, const struct lts_avp_accm *v);
int lts_avpw_add_ppp_disc(struct lts_avp_writer *w, const struct lts_avp_ppp_disc *v);
/*
 * Relay a received AVP: vendor, type, M bit and value as received (the
 * decrypted value if it was hidden; reserved bits are sent as 0, RFC 2661
 * 4.1). It is hidden again under this writer's secret if hiding is on and
 * its row allows it. Unknown and vendor AVPs are never hidden by us.
 */
int lts_avpw_add_raw(struct lts_avp_writer *w, const struct lts_avp *a);
int lts_avpw_add_avp(struct lts_avp_writer *w, uint16_t vendor, uint16_t type, bool mandatory,
		     const void *val, size_t len);
/*
 * An AVP relayed from another hop: as lts_avpw_add_avp(), and also hidden
 * under this writer's secret when it arrived hidden (an unknown or vendor
 * AVP its sender wanted confidential never leaves in clear toward a hop
 * that hides).
 */
int lts_avpw_add_relayed(struct lts_avp_writer *w, uint16_t vendor, uint16_t type,
			 bool mandatory, bool was_hidden, const void *val, size_t len);

#endif /* LTS_AVP_H */
