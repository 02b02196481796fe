/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Async-HDLC-like framing of PPP (RFC 1662 section 4): the byte stream that
 * pppd and xl2tpd exchange over a pseudo-tty. Pure functions, no I/O, so the
 * e2e pppd stand-in and its unit test share them.
 *
 *   flag | escaped(frame | FCS-16, least significant octet first) | flag
 *
 * Octets 0x7e (flag) and 0x7d (escape) are always escaped on send, control
 * characters 0x00-0x1f when their bit is set in the ACCM (RFC 1662 7.1,
 * default: all). On receive any octet may arrive escaped or not.
 */
#ifndef LTS_HDLC_H
#define LTS_HDLC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define HDLC_FLAG 0x7e
#define HDLC_ESC 0x7d
#define HDLC_TRANS 0x20
#define HDLC_FCS_INIT 0xffff
#define HDLC_FCS_GOOD 0xf0b8 /* residue over frame + FCS, RFC 1662 C.2 */
#define HDLC_FCS_LEN 2
#define HDLC_ACCM_DEFAULT 0xffffffffu
/* Shortest frame with a 16-bit FCS that is not discarded (RFC 1662 4.3). */
#define HDLC_MIN_FRAME 4

/* Update fcs with len octets of p (CRC-16/X.25, reflected polynomial 0x8408). */
uint16_t hdlc_fcs16(uint16_t fcs, const uint8_t *p, size_t len);

/* Worst-case encoded size of a frame of len octets: every octet escaped. */
static inline size_t hdlc_encoded_max(size_t len)
{
	return 2 + 2 * (len + HDLC_FCS_LEN);
}

/* Does the octet travel escaped under this ACCM? */
static inline bool hdlc_must_escape(uint8_t c, uint32_t accm)
{
	return c == HDLC_FLAG || c == HDLC_ESC || (c < 0x20 && (accm >> c) & 1);
}

/*
 * Frame len octets of in (address/control/protocol/information, no FCS)
 * into out: opening flag, escaped data and FCS, closing flag. Returns the
 * number of octets written or -ENOSPC when out is shorter than needed.
 */
ssize_t hdlc_encode(const uint8_t *in, size_t len, uint32_t accm, uint8_t *out, size_t out_size);

/* What the receiver made of the octet it was just fed. */
enum hdlc_rx_event {
	HDLC_RX_NONE = 0, /* octet consumed, no frame ended */
	HDLC_RX_FRAME,    /* good frame in rx->buf[0 .. rx->frame_len) */
	HDLC_RX_BAD_FCS,  /* frame ended, FCS wrong: rx->buf holds it all */
	HDLC_RX_RUNT,     /* frame ended with fewer than HDLC_MIN_FRAME octets */
	HDLC_RX_ABORT,    /* 0x7d 0x7e: the sender aborted the frame */
	HDLC_RX_OVERFLOW, /* frame longer than the buffer, discarded */
};

struct hdlc_rx {
	uint8_t *buf;
	size_t cap;
	size_t len;       /* unescaped octets of the frame in progress */
	size_t frame_len; /* HDLC_RX_FRAME: octets without the FCS */
	uint16_t fcs;     /* running FCS over the frame in progress */
	bool esc;         /* the previous octet was 0x7d */
	bool overflow;    /* the frame in progress did not fit */
};

/* Receive into buf (cap octets). A stream may start mid-frame: the octets
 * before the first flag end as a runt or a bad FCS, as on a real line. */
void hdlc_rx_init(struct hdlc_rx *rx, uint8_t *buf, size_t cap);

/*
 * Feed one octet. After an event other than HDLC_RX_NONE the frame is
 * available until the next call, which starts a new frame. Consecutive
 * flags (idle, or a closing flag shared as the next opening one) are
 * HDLC_RX_NONE.
 */
enum hdlc_rx_event hdlc_rx_byte(struct hdlc_rx *rx, uint8_t c);

const char *hdlc_rx_event_name(enum hdlc_rx_event ev);

#endif /* LTS_HDLC_H */
