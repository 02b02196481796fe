// SPDX-License-Identifier: GPL-2.0
/*
 * L2TPv2 AVP codec: table, decoder with hidden-AVP support, typed getters and
 * the writer. See avp.h for the wire format and the ownership rules.
 */
#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <md5.h>
#include "avp.h"
#include "lib/util.h"

/* Every row's bounds fit a 10-bit AVP Length (RFC 2661 4.1). */
#define CHECK_ROW(sym, v, t, n, m, hide, dt, min, max)                                             \
	_Static_assert((min) <= (max) && (max) <= LTS_AVP_VAL_MAX, #sym ": bad length bounds");
LTS_AVP_TABLE(CHECK_ROW)
#undef CHECK_ROW

/* clang-format off */
#define DEF_ROW(sym, v, t, n, m, hide, dt, min, max)                                               \
	[LTS_AVP_##sym] = { .id = LTS_AVP_##sym, .vendor = v, .type = t, .name = n,                \
			    .mandatory = m, .may_hide = hide, .dtype = LTS_AVP_DT_##dt,            \
			    .min_len = min, .max_len = max },
static const struct lts_avp_def avp_defs[LTS_AVP_N] = { LTS_AVP_TABLE(DEF_ROW) };
#undef DEF_ROW

#define ERR_STR(sym, text) [LTS_AVP_E_##sym] = text,
static const char *const avp_err_strs[LTS_AVP_E_MAX] = { LTS_AVP_ERRORS(ERR_STR) };
#undef ERR_STR
/* clang-format on */

const struct lts_avp_def *lts_avp_def_get(enum lts_avp_id id)
{
	return (unsigned int)id < LTS_AVP_N ? &avp_defs[id] : NULL;
}

const struct lts_avp_def *lts_avp_def_find(uint16_t vendor, uint16_t type)
{
	size_t i;

	/* Dispatch on (vendor, type): a vendor AVP never matches an IETF row. */
	for (i = 0; i < LTS_AVP_N; i++)
		if (avp_defs[i].vendor == vendor && avp_defs[i].type == type)
			return &avp_defs[i];
	return NULL;
}

const char *lts_avp_err_str(enum lts_avp_err code)
{
	return (unsigned int)code < LTS_AVP_E_MAX ? avp_err_strs[code] : "?";
}

/* Value lengths a row allows, beyond min/max: shapes with optional parts. */
static bool value_len_ok(const struct lts_avp_def *d, size_t len)
{
	if (len < d->min_len || len > d->max_len)
		return false;
	/* Result Code: 2 (result only, REFERENCE quirk 1), or 4+ (RFC 2661 4.4.2). */
	if (d->dtype == LTS_AVP_DT_RESULT)
		return len == 2 || len >= 4;
	return true;
}

/*
 * RFC 2661 4.3: the first 16-octet block of the hidden subformat is XORed
 * with MD5(2-octet Attribute Type + secret + Random Vector), every further
 * block with MD5(secret + previous ciphertext block); the last block may be
 * short. in and out may be the same buffer. The chain always runs over the
 * ciphertext: out when hiding, in when revealing.
 */
static void hide_xor(uint16_t type, const uint8_t *secret, size_t secret_len, const uint8_t *rv,
		     size_t rv_len, const uint8_t *in, uint8_t *out, size_t n, bool hiding)
{
	uint8_t digest[MD5_DIGEST_LENGTH], prev[MD5_DIGEST_LENGTH], t[2];
	size_t off, i, blk;
	MD5_CTX ctx;

	lts_put16(t, type);
	MD5Init(&ctx);
	MD5Update(&ctx, t, sizeof(t));
	MD5Update(&ctx, secret, secret_len);
	MD5Update(&ctx, rv, rv_len);
	MD5Final(digest, &ctx);
	for (off = 0; off < n; off += blk) {
		blk = n - off < sizeof(digest) ? n - off : sizeof(digest);
		if (off) {
			MD5Init(&ctx);
			MD5Update(&ctx, secret, secret_len);
			MD5Update(&ctx, prev, sizeof(prev));
			MD5Final(digest, &ctx);
		}
		/* A short block is the last one: prev is only read after full ones. */
		if (!hiding)
			memcpy(prev, in + off, blk);
		for (i = 0; i < blk; i++)
			out[off + i] = in[off + i] ^ digest[i];
		if (hiding)
			memcpy(prev, out + off, blk);
	}
}

struct decoder {
	const uint8_t *body;
	size_t len;
	const struct lts_avp_opts *opts;
	struct lts_ctrl_msg *msg;
	struct lts_avp_error *err;
	const uint8_t *rv; /* most recent Random Vector (RFC 2661 4.3) */
	size_t rv_len;
};

static int fail(struct decoder *d, enum lts_avp_err code, uint16_t vendor, uint16_t type,
		size_t off)
{
	d->err->code = code;
	d->err->vendor = vendor;
	d->err->type = type;
	d->err->offset = off;
	/*
	 * RFC 2661 4.1: what fails with a message is the session for
	 * session-scoped messages, the tunnel otherwise (and always the tunnel
	 * before we know which message this is).
	 */
	d->err->scope = d->msg->n_avps ? lts_ctrl_type_scope(d->msg->type) : LTS_CTRL_SCOPE_TUNNEL;
	return -EBADMSG;
}

/* Decrypt a hidden value into msg->plain; 0 or an lts_avp_err. */
static enum lts_avp_err reveal(struct decoder *d, uint16_t type, const uint8_t *cipher, size_t clen,
			       const uint8_t **val, size_t *vlen)
{
	struct lts_ctrl_msg *msg = d->msg;
	uint8_t *out = msg->plain + msg->plain_len;
	size_t orig;

	if (!d->opts->secret || !d->opts->secret_len)
		return LTS_AVP_E_HIDDEN_NO_SECRET;
	if (!d->rv)
		return LTS_AVP_E_HIDDEN_NO_RV;
	if (clen < 2)
		return LTS_AVP_E_HIDDEN_BAD_LEN;
	if (clen > sizeof(msg->plain) - msg->plain_len)
		return LTS_AVP_E_TOO_BIG;
	hide_xor(type, d->opts->secret, d->opts->secret_len, d->rv, d->rv_len, cipher, out, clen,
		 false);
	/* Subformat: original length, original value, padding (RFC 2661 4.3). */
	orig = lts_get16(out);
	if (orig > clen - 2)
		return LTS_AVP_E_HIDDEN_BAD_LEN;
	msg->plain_len += 2 + orig;
	*val = out + 2;
	*vlen = orig;
	return LTS_AVP_E_NONE;
}

/*
 * One AVP at off: check it, decrypt it if hidden, store it. Sets *alen to
 * the AVP's length for the caller's cursor.
 */
static int decode_one(struct decoder *d, size_t off, size_t *alen)
{
	const uint8_t *p = d->body + off, *val;
	struct lts_ctrl_msg *msg = d->msg;
	const struct lts_avp_def *def = NULL;
	uint16_t flags, vendor, type;
	enum lts_avp_err e;
	struct lts_avp *a;
	bool m, h;
	size_t vlen;

	if (d->len - off < LTS_AVP_HDR_LEN)
		return fail(d, LTS_AVP_E_TRUNCATED, 0, 0, off);
	flags = lts_get16(p) & ~LTS_AVP_LEN_MASK;
	*alen = lts_get16(p) & LTS_AVP_LEN_MASK;
	vendor = lts_get16(p + 2);
	type = lts_get16(p + 4);
	if (*alen < LTS_AVP_HDR_LEN)
		return fail(d, LTS_AVP_E_AVP_LEN, vendor, type, off);
	if (*alen > d->len - off)
		return fail(d, LTS_AVP_E_OVERRUN, vendor, type, off);
	m = flags & LTS_AVP_F_MANDATORY;
	h = flags & LTS_AVP_F_HIDDEN;
	val = p + LTS_AVP_HDR_LEN;
	vlen = *alen - LTS_AVP_HDR_LEN;

	/* RFC 2661 4.1: a reserved bit set makes the AVP unrecognized. */
	if (!(flags & LTS_AVP_F_RESERVED))
		def = lts_avp_def_find(vendor, type);
	/* RFC 2661 4.1, 4.4.1: Message Type first, and never hidden. */
	if (off == 0) {
		if (!def || def->id != LTS_AVP_MSG_TYPE)
			return fail(d, LTS_AVP_E_NO_MSG_TYPE, vendor, type, off);
		if (h)
			return fail(d, LTS_AVP_E_MSG_TYPE_HIDDEN, vendor, type, off);
	}
	if (h) {
		e = reveal(d, type, p + LTS_AVP_HDR_LEN, vlen, &val, &vlen);
		/* An unknown M=0 AVP "MUST be ignored" (4.1), readable or not. */
		if (e && !def && !m)
			return 0;
		if (e)
			return fail(d, e, vendor, type, off);
	}
	if (!def) {
		/* RFC 2661 4.1: unknown with M=1 clears the session or tunnel. */
		if (m && !d->opts->permissive)
			return fail(d, LTS_AVP_E_UNKNOWN_MANDATORY, vendor, type, off);
	} else if (!value_len_ok(def, vlen)) {
		return fail(d, LTS_AVP_E_VALUE_LEN, vendor, type, off);
	}
	if (msg->n_avps == LTS_CTRL_MAX_AVPS)
		return fail(d, LTS_AVP_E_TOO_MANY, vendor, type, off);

	a = &msg->avps[msg->n_avps++];
	a->vendor = vendor;
	a->type = type;
	a->flags = flags;
	a->mandatory = m;
	a->hidden = h;
	a->def = def;
	a->val = val;
	a->len = vlen;
	if (off == 0) {
		msg->type = lts_get16(val);
		msg->type_mandatory = m;
	}
	/* Hidden AVPs use the most recent preceding Random Vector (4.3). */
	if (def && def->id == LTS_AVP_RANDOM_VECTOR) {
		d->rv = val;
		d->rv_len = vlen;
	}
	return 0;
}

int lts_avp_decode(const uint8_t *body, size_t len, const struct lts_avp_opts *opts,
		   struct lts_ctrl_msg *msg, struct lts_avp_error *err)
{
	static const struct lts_avp_opts no_opts;
	struct decoder d = {
	    .body = body,
	    .len = len,
	    .opts = opts ? opts : &no_opts,
	    .msg = msg,
	    .err = err,
	};
	size_t off, alen = 0;
	int ret;

	if (!msg || !err || (!body && len))
		return -EINVAL;
	msg->type = 0;
	msg->type_mandatory = 0;
	msg->n_avps = 0;
	msg->plain_len = 0;
	memset(err, 0, sizeof(*err));
	if (!len)
		return fail(&d, LTS_AVP_E_NO_MSG_TYPE, 0, 0, 0);
	/* The cursor moves here and only here. */
	for (off = 0; off < len; off += alen) {
		ret = decode_one(&d, off, &alen);
		if (ret)
			return ret;
	}
	return 0;
}

const struct lts_avp *lts_avp_next(const struct lts_ctrl_msg *msg, const struct lts_avp *prev,
				   uint16_t vendor, uint16_t type)
{
	const struct lts_avp *a = prev ? prev + 1 : msg->avps;

	for (; a < msg->avps + msg->n_avps; a++)
		if (a->vendor == vendor && a->type == type)
			return a;
	return NULL;
}

const struct lts_avp *lts_avp_find(const struct lts_ctrl_msg *msg, uint16_t vendor, uint16_t type)
{
	return lts_avp_next(msg, NULL, vendor, type);
}

/* First instance decoded as this row (not an opaque look-alike). */
static const struct lts_avp *find_id(const struct lts_ctrl_msg *msg, enum lts_avp_id id)
{
	const struct lts_avp_def *def = lts_avp_def_get(id);
	size_t i;

	for (i = 0; def && i < msg->n_avps; i++)
		if (msg->avps[i].def == def)
			return &msg->avps[i];
	return NULL;
}

size_t lts_avp_count(const struct lts_ctrl_msg *msg, enum lts_avp_id id)
{
	const struct lts_avp_def *def = lts_avp_def_get(id);
	size_t i, n = 0;

	for (i = 0; def && i < msg->n_avps; i++)
		n += msg->avps[i].def == def;
	return n;
}

/* Known AVPs must be of dtype; unknown ones only need the right length. */
static bool shaped(const struct lts_avp *a, enum lts_avp_dtype dt, size_t len)
{
	if (!a || (a->def && a->def->dtype != dt))
		return false;
	return len ? a->len == len : true;
}

int lts_avp_val_u16(const struct lts_avp *a, uint16_t *v)
{
	if (!shaped(a, LTS_AVP_DT_U16, 2))
		return -EINVAL;
	*v = lts_get16(a->val);
	return 0;
}

int lts_avp_val_u32(const struct lts_avp *a, uint32_t *v)
{
	if (!shaped(a, LTS_AVP_DT_U32, 4))
		return -EINVAL;
	*v = lts_get32(a->val);
	return 0;
}

int lts_avp_val_u64(const struct lts_avp *a, uint64_t *v)
{
	if (!shaped(a, LTS_AVP_DT_U64, 8))
		return -EINVAL;
	*v = lts_get64(a->val);
	return 0;
}

int lts_avp_val_bytes(const struct lts_avp *a, const uint8_t **val, size_t *len)
{
	if (!a)
		return -EINVAL;
	*val = a->val;
	*len = a->len;
	return 0;
}

int lts_avp_val_string(const struct lts_avp *a, char *buf, size_t cap, size_t *len)
{
	if (!a ||
	    (a->def && a->def->dtype != LTS_AVP_DT_STRING && a->def->dtype != LTS_AVP_DT_BYTES))
		return -EINVAL;
	if (len)
		*len = a->len;
	if (cap < (size_t)a->len + 1)
		return -ENOSPC;
	if (a->len)
		memcpy(buf, a->val, a->len);
	buf[a->len] = '\0';
	return 0;
}

int lts_avp_val_proto_ver(const struct lts_avp *a, struct lts_avp_proto_ver *v)
{
	if (!a || !a->def || a->def->dtype != LTS_AVP_DT_PROTO_VER || a->len != 2)
		return -EINVAL;
	v->ver = a->val[0];
	v->rev = a->val[1];
	return 0;
}

int lts_avp_val_result(const struct lts_avp *a, struct lts_avp_result *v)
{
	if (!a || !a->def || a->def->dtype != LTS_AVP_DT_RESULT || a->len < 2 || a->len == 3)
		return -EINVAL;
	memset(v, 0, sizeof(*v));
	v->result = lts_get16(a->val);
	if (a->len >= 4) {
		v->has_error = true;
		v->error = lts_get16(a->val + 2);
		v->message = (const char *)a->val + 4;
		v->message_len = a->len - 4;
	}
	return 0;
}

int lts_avp_val_q931(const struct lts_avp *a, struct lts_avp_q931 *v)
{
	if (!a || !a->def || a->def->dtype != LTS_AVP_DT_Q931 || a->len < 3)
		return -EINVAL;
	v->cause = lts_get16(a->val);
	v->msg = a->val[2];
	v->advisory = (const char *)a->val + 3;
	v->advisory_len = a->len - 3;
	return 0;
}

int lts_avp_val_call_errors(const struct lts_avp *a, struct lts_avp_call_errors *v)
{
	if (!a || !a->def || a->def->dtype != LTS_AVP_DT_CALL_ERR || a->len != 26)
		return -EINVAL;
	/* RFC 2661 4.4.6: 2 reserved octets, then six 32-bit counters. */
	v->crc = lts_get32(a->val + 2);
	v->framing = lts_get32(a->val + 6);
	v->hw_overruns = lts_get32(a->val + 10);
	v->buf_overruns = lts_get32(a->val + 14);
	v->timeouts = lts_get32(a->val + 18);
	v->alignment = lts_get32(a->val + 22);
	return 0;
}

int lts_avp_val_accm(const struct lts_avp *a, struct lts_avp_accm *v)
{
	if (!a || !a->def || a->def->dtype != LTS_AVP_DT_ACCM || a->len != 10)
		return -EINVAL;
	/* RFC 2661 4.4.6: 2 reserved octets, Send ACCM, Receive ACCM. */
	v->send = lts_get32(a->val + 2);
	v->recv = lts_get32(a->val + 6);
	return 0;
}

int lts_avp_val_ppp_disc(const struct lts_avp *a, struct lts_avp_ppp_disc *v)
{
	if (!a || !a->def || a->def->dtype != LTS_AVP_DT_PPP_DISC || a->len < 5)
		return -EINVAL;
	/* RFC 3145 2: code, control protocol number, direction, message. */
	v->code = lts_get16(a->val);
	v->protocol = lts_get16(a->val + 2);
	v->direction = a->val[4];
	v->message = (const char *)a->val + 5;
	v->message_len = a->len - 5;
	return 0;
}

#define GETTER(suffix, type_)                                                                      \
	int lts_avp_get_##suffix(const struct lts_ctrl_msg *msg, enum lts_avp_id id, type_ *v)     \
	{                                                                                          \
		const struct lts_avp *a = find_id(msg, id);                                        \
                                                                                                   \
		if (!lts_avp_def_get(id))                                                          \
			return -EINVAL;                                                            \
		return a ? lts_avp_val_##suffix(a, v) : -ENOENT;                                   \
	}
GETTER(u16, uint16_t)
GETTER(u32, uint32_t)
GETTER(u64, uint64_t)
#undef GETTER

int lts_avp_get_bytes(const struct lts_ctrl_msg *msg, enum lts_avp_id id, const uint8_t **val,
		      size_t *len)
{
	const struct lts_avp *a = find_id(msg, id);

	if (!lts_avp_def_get(id))
		return -EINVAL;
	return a ? lts_avp_val_bytes(a, val, len) : -ENOENT;
}

int lts_avp_get_string(const struct lts_ctrl_msg *msg, enum lts_avp_id id, char *buf, size_t cap,
		       size_t *len)
{
	const struct lts_avp *a = find_id(msg, id);

	if (!lts_avp_def_get(id))
		return -EINVAL;
	return a ? lts_avp_val_string(a, buf, cap, len) : -ENOENT;
}

#define STRUCT_GETTER(suffix, id, type_)                                                           \
	int lts_avp_get_##suffix(const struct lts_ctrl_msg *msg, type_ *v)                         \
	{                                                                                          \
		const struct lts_avp *a = find_id(msg, id);                                        \
                                                                                                   \
		return a ? lts_avp_val_##suffix(a, v) : -ENOENT;                                   \
	}
STRUCT_GETTER(proto_ver, LTS_AVP_PROTOCOL_VERSION, struct lts_avp_proto_ver)
STRUCT_GETTER(result, LTS_AVP_RESULT_CODE, struct lts_avp_result)
STRUCT_GETTER(q931, LTS_AVP_Q931_CAUSE, struct lts_avp_q931)
STRUCT_GETTER(call_errors, LTS_AVP_CALL_ERRORS, struct lts_avp_call_errors)
STRUCT_GETTER(accm, LTS_AVP_ACCM, struct lts_avp_accm)
STRUCT_GETTER(ppp_disc, LTS_AVP_PPP_DISCONNECT_CAUSE, struct lts_avp_ppp_disc)
#undef STRUCT_GETTER

/* Writer. */

static int sys_random(void *ctx, void *buf, size_t len)
{
	uint8_t *p = buf;
	ssize_t n;

	(void)ctx;
	while (len) {
		n = getrandom(p, len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= n;
	}
	return 0;
}

static int set_err(struct lts_avp_writer *w, int err)
{
	if (!w->err)
		w->err = err;
	return w->err;
}

void lts_avpw_init(struct lts_avp_writer *w, uint8_t *buf, size_t cap,
		   const struct lts_avp_opts *opts)
{
	memset(w, 0, sizeof(*w));
	w->buf = buf;
	w->cap = buf ? cap : 0;
	w->random = sys_random;
	if (!opts)
		return;
	if (opts->secret && opts->secret_len) {
		w->secret = opts->secret;
		w->secret_len = opts->secret_len;
	}
	if (opts->random) {
		w->random = opts->random;
		w->random_ctx = opts->random_ctx;
	}
	/* RFC 2661 4.3: the H bit needs a shared secret. */
	w->hide = opts->hide && w->secret;
	if (opts->hide && !w->secret)
		set_err(w, -EINVAL);
}

int lts_avpw_finish(const struct lts_avp_writer *w)
{
	return w->err ? w->err : (int)w->len;
}

/* Emit one AVP. The only place that writes an AVP header. */
static int emit(struct lts_avp_writer *w, uint16_t vendor, uint16_t type, bool mandatory, bool hide,
		const void *val, size_t len)
{
	size_t pad = 0, vlen = len, total;
	uint8_t r, *p;
	int err;

	if (w->err)
		return w->err;
	/* RFC 2661 4.1: the Message Type AVP comes first. */
	if (!w->n_avps && (vendor != LTS_AVP_VENDOR_IETF || type != LTS_AVP_TYPE_MSG_TYPE))
		return set_err(w, -EINVAL);
	if (hide) {
		/* RFC 2661 4.3: a Random Vector precedes the first hidden AVP. */
		if (!w->rv_len) {
			uint8_t rv[LTS_AVP_RV_LEN];

			err = w->random(w->random_ctx, rv, sizeof(rv));
			if (err)
				return set_err(w, err < 0 ? err : -EIO);
			err = emit(w, LTS_AVP_VENDOR_IETF, LTS_AVP_TYPE_RANDOM_VECTOR, true, false,
				   rv, sizeof(rv));
			if (err)
				return err;
		}
		err = w->random(w->random_ctx, &r, 1);
		if (err)
			return set_err(w, err < 0 ? err : -EIO);
		/*
		 * Some LNSes refuse a hidden field (length + value + padding)
		 * shorter than 8 bytes and close the tunnel (REFERENCE quirk 13):
		 * pad to at least LTS_AVP_HIDE_MIN, then a random 0..15 more so
		 * the length still hides the value's (4.3 allows any padding).
		 */
		pad = len + 2 < LTS_AVP_HIDE_MIN ? LTS_AVP_HIDE_MIN - (len + 2) : 0;
		pad += r % (LTS_AVP_HIDE_PAD_MAX + 1);
		if (len + 2 > LTS_AVP_VAL_MAX)
			return set_err(w, -EINVAL);
		if (len + 2 + pad > LTS_AVP_VAL_MAX)
			pad = LTS_AVP_VAL_MAX - len - 2;
		vlen = 2 + len + pad;
	} else if (len > LTS_AVP_VAL_MAX) {
		return set_err(w, -EINVAL);
	}
	total = LTS_AVP_HDR_LEN + vlen;
	if (total > w->cap - w->len)
		return set_err(w, -ENOSPC);

	p = w->buf + w->len;
	lts_put16(p, (uint16_t)((mandatory ? LTS_AVP_F_MANDATORY : 0) | (hide ? LTS_AVP_F_HIDDEN : 0) |
			    total));
	lts_put16(p + 2, vendor);
	lts_put16(p + 4, type);
	if (hide) {
		/* Subformat: original length, value, random padding (4.3). */
		lts_put16(p + 6, len);
		if (len)
			memcpy(p + 8, val, len);
		if (pad) {
			err = w->random(w->random_ctx, p + 8 + len, pad);
			if (err)
				return set_err(w, err < 0 ? err : -EIO);
		}
		hide_xor(type, w->secret, w->secret_len, w->buf + w->rv_off, w->rv_len, p + 6,
			 p + 6, vlen, true);
	} else if (len) {
		memcpy(p + 6, val, len);
	}
	/* Whoever added it, this is the Random Vector the receiver will use. */
	if (!hide && vendor == LTS_AVP_VENDOR_IETF && type == LTS_AVP_TYPE_RANDOM_VECTOR && len) {
		w->rv_off = w->len + LTS_AVP_HDR_LEN;
		w->rv_len = len;
	}
	w->len += total;
	w->n_avps++;
	return 0;
}

/* Look up the row, check data type and length, emit per the row's policy. */
static int add_typed(struct lts_avp_writer *w, enum lts_avp_id id, enum lts_avp_dtype dt,
		     enum lts_avp_dtype alt, const void *val, size_t len)
{
	const struct lts_avp_def *d = lts_avp_def_get(id);

	if (w->err)
		return w->err;
	if (!d || (d->dtype != dt && d->dtype != alt) || !value_len_ok(d, len))
		return set_err(w, -EINVAL);
	return emit(w, d->vendor, d->type, d->mandatory, w->hide && d->may_hide, val, len);
}

int lts_avpw_add_u16(struct lts_avp_writer *w, enum lts_avp_id id, uint16_t v)
{
	uint8_t b[2];

	lts_put16(b, v);
	return add_typed(w, id, LTS_AVP_DT_U16, LTS_AVP_DT_U16, b, sizeof(b));
}

int lts_avpw_add_u32(struct lts_avp_writer *w, enum lts_avp_id id, uint32_t v)
{
	uint8_t b[4];

	lts_put32(b, v);
	return add_typed(w, id, LTS_AVP_DT_U32, LTS_AVP_DT_U32, b, sizeof(b));
}

int lts_avpw_add_u64(struct lts_avp_writer *w, enum lts_avp_id id, uint64_t v)
{
	uint8_t b[8];

	lts_put32(b, v >> 32);
	lts_put32(b + 4, v & 0xffffffff);
	return add_typed(w, id, LTS_AVP_DT_U64, LTS_AVP_DT_U64, b, sizeof(b));
}

int lts_avpw_add_bytes(struct lts_avp_writer *w, enum lts_avp_id id, const void *val, size_t len)
{
	if (!val && len)
		return set_err(w, -EINVAL);
	return add_typed(w, id, LTS_AVP_DT_BYTES, LTS_AVP_DT_STRING, val, len);
}

int lts_avpw_add_string(struct lts_avp_writer *w, enum lts_avp_id id, const char *s)
{
	if (!s)
		return set_err(w, -EINVAL);
	return add_typed(w, id, LTS_AVP_DT_STRING, LTS_AVP_DT_BYTES, s, strlen(s));
}

int lts_avpw_add_empty(struct lts_avp_writer *w, enum lts_avp_id id)
{
	return add_typed(w, id, LTS_AVP_DT_EMPTY, LTS_AVP_DT_EMPTY, NULL, 0);
}

int lts_avpw_add_proto_ver(struct lts_avp_writer *w, const struct lts_avp_proto_ver *v)
{
	uint8_t b[2];

	b[0] = v->ver;
	b[1] = v->rev;

	return add_typed(w, LTS_AVP_PROTOCOL_VERSION, LTS_AVP_DT_PROTO_VER, LTS_AVP_DT_PROTO_VER, b,
			 sizeof(b));
}

int lts_avpw_add_result(struct lts_avp_writer *w, const struct lts_avp_result *v)
{
	uint8_t b[LTS_AVP_VAL_MAX];
	size_t len = 2;

	/* An Error Message needs an Error Code before it (RFC 2661 4.4.2). */
	if (v->message_len && (!v->has_error || !v->message))
		return set_err(w, -EINVAL);
	if (v->message_len > sizeof(b) - 4)
		return set_err(w, -EINVAL);
	lts_put16(b, v->result);
	if (v->has_error) {
		lts_put16(b + 2, v->error);
		if (v->message_len)
			memcpy(b + 4, v->message, v->message_len);
		len = 4 + v->message_len;
	}
	return add_typed(w, LTS_AVP_RESULT_CODE, LTS_AVP_DT_RESULT, LTS_AVP_DT_RESULT, b, len);
}

int lts_avpw_add_q931(struct lts_avp_writer *w, const struct lts_avp_q931 *v)
{
	uint8_t b[LTS_AVP_VAL_MAX];

	if (v->advisory_len > sizeof(b) - 3 || (v->advisory_len && !v->advisory))
		return set_err(w, -EINVAL);
	lts_put16(b, v->cause);
	b[2] = v->msg;
	if (v->advisory_len)
		memcpy(b + 3, v->advisory, v->advisory_len);
	return add_typed(w, LTS_AVP_Q931_CAUSE, LTS_AVP_DT_Q931, LTS_AVP_DT_Q931, b,
			 3 + v->advisory_len);
}

int lts_avpw_add_call_errors(struct lts_avp_writer *w, const struct lts_avp_call_errors *v)
{
	uint8_t b[26];

	lts_put16(b, 0); /* reserved (RFC 2661 4.4.6) */
	lts_put32(b + 2, v->crc);
	lts_put32(b + 6, v->framing);
	lts_put32(b + 10, v->hw_overruns);
	lts_put32(b + 14, v->buf_overruns);
	lts_put32(b + 18, v->timeouts);
	lts_put32(b + 22, v->alignment);
	return add_typed(w, LTS_AVP_CALL_ERRORS, LTS_AVP_DT_CALL_ERR, LTS_AVP_DT_CALL_ERR, b,
			 sizeof(b));
}

int lts_avpw_add_accm(struct lts_avp_writer *w, const struct lts_avp_accm *v)
{
	uint8_t b[10];

	lts_put16(b, 0); /* reserved (RFC 2661 4.4.6) */
	lts_put32(b + 2, v->send);
	lts_put32(b + 6, v->recv);
	return add_typed(w, LTS_AVP_ACCM, LTS_AVP_DT_ACCM, LTS_AVP_DT_ACCM, b, sizeof(b));
}

int lts_avpw_add_ppp_disc(struct lts_avp_writer *w, const struct lts_avp_ppp_disc *v)
{
	uint8_t b[LTS_AVP_VAL_MAX];

	if (v->message_len > sizeof(b) - 5 || (v->message_len && !v->message))
		return set_err(w, -EINVAL);
	lts_put16(b, v->code);
	lts_put16(b + 2, v->protocol);
	b[4] = v->direction;
	if (v->message_len)
		memcpy(b + 5, v->message, v->message_len);
	return add_typed(w, LTS_AVP_PPP_DISCONNECT_CAUSE, LTS_AVP_DT_PPP_DISC, LTS_AVP_DT_PPP_DISC,
			 b, 5 + v->message_len);
}

int lts_avpw_add_avp(struct lts_avp_writer *w, uint16_t vendor, uint16_t type, bool mandatory,
		     const void *val, size_t len)
{
	const struct lts_avp_def *d = lts_avp_def_find(vendor, type);

	if (!val && len)
		return set_err(w, -EINVAL);
	return emit(w, vendor, type, mandatory, w->hide && d && d->may_hide, val, len);
}

int lts_avpw_add_relayed(struct lts_avp_writer *w, uint16_t vendor, uint16_t type,
			 bool mandatory, bool was_hidden, const void *val, size_t len)
{
	const struct lts_avp_def *d = lts_avp_def_find(vendor, type);

	if (!val && len)
		return set_err(w, -EINVAL);
	return emit(w, vendor, type, mandatory, w->hide && (was_hidden || (d && d->may_hide)),
		    val, len);
}

int lts_avpw_add_raw(struct lts_avp_writer *w, const struct lts_avp *a)
{
	if (!a)
		return set_err(w, -EINVAL);
	if (!a->val && a->len)
		return set_err(w, -EINVAL);
	return emit(w, a->vendor, a->type, a->mandatory, w->hide && a->def && a->def->may_hide,
		    a->val, a->len);
}
