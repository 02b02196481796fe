// SPDX-License-Identifier: GPL-2.0
/*
 * Async-HDLC-like framing of PPP, RFC 1662 section 4 and appendix C.
 * See hdlc.h.
 */
#include <errno.h>
#include "hdlc.h"

uint16_t hdlc_fcs16(uint16_t fcs, const uint8_t *p, size_t len)
{
	int bit;

	/* Bit-serial form of RFC 1662 C.2: speed does not matter for tests. */
	while (len--) {
		fcs ^= *p++;
		for (bit = 0; bit < 8; bit++)
			fcs = (fcs & 1) ? (fcs >> 1) ^ 0x8408 : fcs >> 1;
	}
	return fcs;
}

static size_t put_octet(uint8_t *out, size_t pos, uint8_t c, uint32_t accm)
{
	if (hdlc_must_escape(c, accm)) {
		out[pos++] = HDLC_ESC;
		c ^= HDLC_TRANS;
	}
	out[pos++] = c;
	return pos;
}

ssize_t hdlc_encode(const uint8_t *in, size_t len, uint32_t accm, uint8_t *out, size_t out_size)
{
	uint16_t fcs;
	size_t i, need = 2 + HDLC_FCS_LEN + len, pos = 0;

	for (i = 0; i < len; i++)
		need += hdlc_must_escape(in[i], accm);
	fcs = hdlc_fcs16(HDLC_FCS_INIT, in, len) ^ 0xffff;
	need += hdlc_must_escape(fcs & 0xff, accm) + hdlc_must_escape(fcs >> 8, accm);
	if (need > out_size)
		return -ENOSPC;

	out[pos++] = HDLC_FLAG;
	for (i = 0; i < len; i++)
		pos = put_octet(out, pos, in[i], accm);
	/* RFC 1662 C.2: the complemented FCS goes least significant octet first. */
	pos = put_octet(out, pos, fcs & 0xff, accm);
	pos = put_octet(out, pos, fcs >> 8, accm);
	out[pos++] = HDLC_FLAG;
	return pos;
}

void hdlc_rx_init(struct hdlc_rx *rx, uint8_t *buf, size_t cap)
{
	rx->buf = buf;
	rx->cap = cap;
	rx->len = 0;
	rx->frame_len = 0;
	rx->fcs = HDLC_FCS_INIT;
	rx->esc = false;
	rx->overflow = false;
}

static enum hdlc_rx_event end_frame(struct hdlc_rx *rx, enum hdlc_rx_event ev)
{
	rx->frame_len = rx->len;
	rx->len = 0;
	rx->fcs = HDLC_FCS_INIT;
	rx->esc = false;
	rx->overflow = false;
	return ev;
}

enum hdlc_rx_event hdlc_rx_byte(struct hdlc_rx *rx, uint8_t c)
{
	if (c == HDLC_FLAG) {
		/* RFC 1662 4.2: an escape followed by a flag aborts the frame. */
		if (rx->esc)
			return end_frame(rx, HDLC_RX_ABORT);
		if (rx->len == 0)
			return HDLC_RX_NONE;
		if (rx->overflow)
			return end_frame(rx, HDLC_RX_OVERFLOW);
		if (rx->len < HDLC_MIN_FRAME)
			return end_frame(rx, HDLC_RX_RUNT);
		if (rx->fcs != HDLC_FCS_GOOD)
			return end_frame(rx, HDLC_RX_BAD_FCS);
		end_frame(rx, HDLC_RX_FRAME);
		rx->frame_len -= HDLC_FCS_LEN;
		return HDLC_RX_FRAME;
	}
	if (c == HDLC_ESC) {
		rx->esc = true;
		return HDLC_RX_NONE;
	}
	if (rx->esc) {
		c ^= HDLC_TRANS;
		rx->esc = false;
	}
	/*
	 * Unescaped control characters are data: the sender's ACCM may have
	 * been negotiated down to 0 (accept any escaping, RFC 1662 7.1).
	 */
	rx->fcs = hdlc_fcs16(rx->fcs, &c, 1);
	if (rx->len < rx->cap)
		rx->buf[rx->len] = c;
	else
		rx->overflow = true;
	rx->len++;
	return HDLC_RX_NONE;
}

const char *hdlc_rx_event_name(enum hdlc_rx_event ev)
{
	switch (ev) {
	case HDLC_RX_NONE:
		return "none";
	case HDLC_RX_FRAME:
		return "rx";
	case HDLC_RX_BAD_FCS:
		return "bad_fcs";
	case HDLC_RX_RUNT:
		return "runt";
	case HDLC_RX_ABORT:
		return "abort";
	case HDLC_RX_OVERFLOW:
		return "overflow";
	}
	return "?";
}
