// SPDX-License-Identifier: GPL-2.0
/*
 * The async-HDLC framing of the e2e pppd stand-in (tests/e2e/hdlc.c): FCS-16
 * against RFC 1662 appendix C and the CRC-16/X.25 check value, escaping of
 * flag, escape and control octets per ACCM, and a receiver that accepts any
 * escaping, drops bad FCS, runts, aborted and oversized frames.
 *
 * The top Makefile links unit tests against liblts.a only (agent/ and
 * config/), and hdlc.c belongs to the e2e tools, so it is compiled into this
 * test directly; tests/e2e/e2e.mk declares the dependency.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>
#include "../e2e/hdlc.c"

/* RFC 1662 C.2, table generator and table-driven FCS: an independent model. */
static uint16_t fcstab[256];

static void rfc_fcstab_init(void)
{
	unsigned int b, v;
	int i;

	for (b = 0; b < 256; b++) {
		v = b;
		for (i = 8; i--;)
			v = v & 1 ? (v >> 1) ^ 0x8408 : v >> 1;
		fcstab[b] = v & 0xffff;
	}
}

static uint16_t rfc_fcs16(uint16_t fcs, const uint8_t *cp, size_t len)
{
	while (len--)
		fcs = (fcs >> 8) ^ fcstab[(fcs ^ *cp++) & 0xff];
	return fcs;
}

static int setup(void **state)
{
	(void)state;
	rfc_fcstab_init();
	srand(1662);
	return 0;
}

static void fill_random(uint8_t *p, size_t len)
{
	while (len--)
		*p++ = rand() & 0xff;
}

/* Frame in[] and feed it to a fresh receiver: exactly one FRAME, equal bytes. */
static void assert_roundtrip(const uint8_t *in, size_t len, uint32_t accm)
{
	uint8_t enc[2 + 2 * (512 + 2)], buf[600];
	struct hdlc_rx rx;
	ssize_t n, i;
	int frames = 0;

	assert_true(len <= 512);
	n = hdlc_encode(in, len, accm, enc, sizeof(enc));
	assert_true(n > 0);
	hdlc_rx_init(&rx, buf, sizeof(buf));
	for (i = 0; i < n; i++) {
		enum hdlc_rx_event ev = hdlc_rx_byte(&rx, enc[i]);

		if (ev == HDLC_RX_NONE)
			continue;
		assert_int_equal(ev, HDLC_RX_FRAME);
		assert_int_equal(i, n - 1);
		assert_int_equal(rx.frame_len, len);
		assert_memory_equal(rx.buf, in, len);
		frames++;
	}
	assert_int_equal(frames, 1);
}

static void test_fcs_check_value(void **state)
{
	const uint8_t check[] = "123456789";

	(void)state;
	/* CRC-16/X.25 (= PPP FCS-16) catalogue check value, complemented FCS. */
	assert_int_equal(hdlc_fcs16(HDLC_FCS_INIT, check, 9) ^ 0xffff, 0x906e);
	assert_int_equal(hdlc_fcs16(HDLC_FCS_INIT, NULL, 0), HDLC_FCS_INIT);
}

static void test_fcs_matches_rfc1662_table(void **state)
{
	uint8_t buf[300];
	int round;

	(void)state;
	for (round = 0; round < 200; round++) {
		size_t len = rand() % sizeof(buf);

		fill_random(buf, len);
		assert_int_equal(hdlc_fcs16(HDLC_FCS_INIT, buf, len),
				 rfc_fcs16(HDLC_FCS_INIT, buf, len));
	}
}

/* RFC 1662 C.2 tryfcs16(): FCS appended LSB first, FCS over all == good residue. */
static void test_fcs_good_residue(void **state)
{
	uint8_t buf[258];
	uint16_t fcs;
	int round;

	(void)state;
	for (round = 0; round < 200; round++) {
		size_t len = rand() % 256;

		fill_random(buf, len);
		fcs = hdlc_fcs16(HDLC_FCS_INIT, buf, len) ^ 0xffff;
		buf[len] = fcs & 0xff;
		buf[len + 1] = fcs >> 8;
		assert_int_equal(hdlc_fcs16(HDLC_FCS_INIT, buf, len + 2), HDLC_FCS_GOOD);
		assert_int_equal(rfc_fcs16(HDLC_FCS_INIT, buf, len + 2), 0xf0b8);
	}
}

/* An LCP Configure-Request as pppd sends it, framed by hand. */
static void test_encode_lcp_exact(void **state)
{
	const uint8_t lcp[] = { 0xff, 0x03, 0xc0, 0x21, 0x01, 0x01, 0x00, 0x0a,
				0x05, 0x06, 0x7e, 0x7d, 0x00, 0x20 };
	uint8_t want[64], out[64];
	size_t w = 0, i;
	uint16_t fcs = rfc_fcs16(0xffff, lcp, sizeof(lcp)) ^ 0xffff;
	uint8_t tail[2] = { fcs & 0xff, fcs >> 8 };
	ssize_t n;

	(void)state;
	want[w++] = 0x7e;
	for (i = 0; i < sizeof(lcp) + 2; i++) {
		uint8_t c = i < sizeof(lcp) ? lcp[i] : tail[i - sizeof(lcp)];

		if (c < 0x20 || c == 0x7d || c == 0x7e) {
			want[w++] = 0x7d;
			want[w++] = c ^ 0x20;
		} else {
			want[w++] = c;
		}
	}
	want[w++] = 0x7e;
	n = hdlc_encode(lcp, sizeof(lcp), HDLC_ACCM_DEFAULT, out, sizeof(out));
	assert_int_equal(n, w);
	assert_memory_equal(out, want, w);
	/* spot checks of the escapes themselves */
	assert_memory_equal(out + 1, "\xff\x7d\x23\xc0\x21\x7d\x21\x7d\x21\x7d\x20\x7d\x2a", 13);
	assert_memory_equal(out + 14, "\x7d\x25\x7d\x26\x7d\x5e\x7d\x5d\x7d\x20\x20", 11);
}

static void test_encode_escapes_per_accm(void **state)
{
	uint8_t in[256], out[2 + 2 * 258];
	ssize_t n, i;
	int c, total, escaped[256] = { 0 };

	(void)state;
	for (c = 0; c < 256; c++)
		in[c] = c;
	/* ACCM 0: only flag and escape are escaped, FCS octets included. */
	n = hdlc_encode(in, 256, 0, out, sizeof(out));
	assert_true(n > 0);
	assert_int_equal(out[0], 0x7e);
	assert_int_equal(out[n - 1], 0x7e);
	for (i = 1; i < n - 1; i++) {
		assert_int_not_equal(out[i], 0x7e); /* no flag inside a frame */
		if (out[i] == 0x7d)
			escaped[out[++i] ^ 0x20]++;
	}
	for (c = 0; c < 256; c++) {
		if (c == 0x7e || c == 0x7d)
			assert_true(escaped[c] >= 1);
		else
			assert_int_equal(escaped[c], 0);
	}

	/* ACCM 0x000a0000 (XON/XOFF, RFC 1662 7.1 example): 0x11 and 0x13 only. */
	memset(escaped, 0, sizeof(escaped));
	total = 0;
	n = hdlc_encode(in, 0x20, 0x000a0000, out, sizeof(out));
	assert_true(n > 0);
	for (i = 1; i < n - 1; i++) {
		if (out[i] == 0x7d) {
			escaped[out[++i] ^ 0x20]++;
			total++;
		}
	}
	for (c = 0; c < 256; c++) {
		if (c == 0x11 || c == 0x13)
			assert_true(escaped[c] >= 1);
		else if (c != 0x7e && c != 0x7d) /* an FCS octet may be one of these */
			assert_int_equal(escaped[c], 0);
	}
	assert_int_equal(n, 1 + 0x20 + 2 + 1 + total);

	/* Default ACCM: every control octet escaped, nothing else but 7d/7e. */
	n = hdlc_encode(in, 256, HDLC_ACCM_DEFAULT, out, sizeof(out));
	assert_true(n > 0);
	for (i = 1; i < n - 1; i++) {
		assert_false(out[i] < 0x20);
		assert_int_not_equal(out[i], 0x7e);
		if (out[i] == 0x7d)
			i++;
	}
	assert_roundtrip(in, 256, HDLC_ACCM_DEFAULT);
	assert_roundtrip(in, 256, 0);
}

static void test_encode_nospace(void **state)
{
	const uint8_t in[4] = { 0x7e, 0x7e, 0x7e, 0x7e };
	uint8_t out[64];

	(void)state;
	/* 2 flags + 8 escaped data + 2..4 FCS octets */
	assert_int_equal(hdlc_encode(in, 4, 0, out, 11), -ENOSPC);
	assert_true(hdlc_encode(in, 4, 0, out, hdlc_encoded_max(4)) > 0);
}

static void test_fcs_octets_escaped(void **state)
{
	uint8_t in[8], out[64];
	int found = 0, tries;

	(void)state;
	/* Find frames whose FCS holds a flag or escape octet; they must survive. */
	for (tries = 0; tries < 200000 && found < 8; tries++) {
		uint16_t fcs;

		fill_random(in, sizeof(in));
		fcs = hdlc_fcs16(HDLC_FCS_INIT, in, sizeof(in)) ^ 0xffff;
		if ((fcs & 0xff) != 0x7e && (fcs >> 8) != 0x7e && (fcs & 0xff) != 0x7d &&
		    (fcs >> 8) != 0x7d)
			continue;
		found++;
		assert_true(hdlc_encode(in, sizeof(in), 0, out, sizeof(out)) > 0);
		assert_roundtrip(in, sizeof(in), 0);
	}
	assert_int_equal(found, 8);
}

static void test_roundtrip_random(void **state)
{
	uint8_t in[512];
	int round;

	(void)state;
	for (round = 0; round < 500; round++) {
		size_t len = 4 + rand() % (sizeof(in) - 4);
		uint32_t accm = (round & 1) ? HDLC_ACCM_DEFAULT : (uint32_t)rand();

		fill_random(in, len);
		assert_roundtrip(in, len, accm);
	}
}

/* Feed a byte string; record events and the last good frame. */
struct feed_result {
	int n[HDLC_RX_OVERFLOW + 1];
	uint8_t frame[600];
	size_t frame_len;
};

static void feed(struct hdlc_rx *rx, const uint8_t *p, size_t len, struct feed_result *r)
{
	while (len--) {
		enum hdlc_rx_event ev = hdlc_rx_byte(rx, *p++);

		r->n[ev]++;
		if (ev == HDLC_RX_FRAME) {
			memcpy(r->frame, rx->buf, rx->frame_len);
			r->frame_len = rx->frame_len;
		}
	}
}

static void test_rx_accepts_any_escaping(void **state)
{
	const uint8_t frame[] = { 0xff, 0x03, 0x00, 0x21, 0x45, 0x11, 0x7e, 0x00, 0x41 };
	uint8_t enc[64], buf[64];
	uint16_t fcs = hdlc_fcs16(HDLC_FCS_INIT, frame, sizeof(frame)) ^ 0xffff;
	uint8_t all[sizeof(frame) + 2];
	struct feed_result r = { 0 };
	struct hdlc_rx rx;
	size_t i, n = 0;

	(void)state;
	memcpy(all, frame, sizeof(frame));
	all[sizeof(frame)] = fcs & 0xff;
	all[sizeof(frame) + 1] = fcs >> 8;
	/* every octet escaped, even those that never need it; several idle flags */
	enc[n++] = 0x7e;
	enc[n++] = 0x7e;
	for (i = 0; i < sizeof(all); i++) {
		enc[n++] = 0x7d;
		enc[n++] = all[i] ^ 0x20;
	}
	enc[n++] = 0x7e;
	hdlc_rx_init(&rx, buf, sizeof(buf));
	feed(&rx, enc, n, &r);
	assert_int_equal(r.n[HDLC_RX_FRAME], 1);
	assert_int_equal(r.frame_len, sizeof(frame));
	assert_memory_equal(r.frame, frame, sizeof(frame));

	/* no escaping at all but for the flag (a peer with ACCM 0) */
	memset(&r, 0, sizeof(r));
	n = 0;
	for (i = 0; i < sizeof(all); i++) {
		if (all[i] == 0x7e || all[i] == 0x7d) {
			enc[n++] = 0x7d;
			enc[n++] = all[i] ^ 0x20;
		} else {
			enc[n++] = all[i];
		}
	}
	enc[n++] = 0x7e; /* no opening flag: the closing one of the previous frame served */
	feed(&rx, enc, n, &r);
	assert_int_equal(r.n[HDLC_RX_FRAME], 1);
	assert_memory_equal(r.frame, frame, sizeof(frame));
}

static void test_rx_bad_fcs_runt_abort(void **state)
{
	uint8_t frame[40], enc[128], buf[64];
	struct feed_result r = { 0 };
	struct hdlc_rx rx;
	ssize_t n;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(frame); i++)
		frame[i] = 0x30 + i; /* no octet needs escaping */
	n = hdlc_encode(frame, sizeof(frame), 0, enc, sizeof(enc));
	assert_true(n > 0);
	hdlc_rx_init(&rx, buf, sizeof(buf));

	enc[5] ^= 0x01; /* one bit flipped */
	feed(&rx, enc, n, &r);
	assert_int_equal(r.n[HDLC_RX_BAD_FCS], 1);
	assert_int_equal(r.n[HDLC_RX_FRAME], 0);
	assert_int_equal(rx.frame_len, sizeof(frame) + 2); /* FCS kept for logging */
	enc[5] ^= 0x01;

	/* runt: 3 octets between flags */
	feed(&rx, (const uint8_t *)"\x7e\x01\x02\x03\x7e", 5, &r);
	assert_int_equal(r.n[HDLC_RX_RUNT], 1);

	/* abort: escape then flag; the receiver then takes the next frame */
	feed(&rx, (const uint8_t *)"\x7e\x41\x42\x43\x44\x45\x7d\x7e", 8, &r);
	assert_int_equal(r.n[HDLC_RX_ABORT], 1);
	feed(&rx, enc, n, &r);
	assert_int_equal(r.n[HDLC_RX_FRAME], 1);
	assert_memory_equal(r.frame, frame, sizeof(frame));

	/* a stream that starts mid-frame: the garbage ends as a bad FCS, then in sync */
	memset(&r, 0, sizeof(r));
	hdlc_rx_init(&rx, buf, sizeof(buf));
	feed(&rx, enc + 10, n - 10, &r);
	feed(&rx, enc, n, &r);
	assert_int_equal(r.n[HDLC_RX_BAD_FCS], 1);
	assert_int_equal(r.n[HDLC_RX_FRAME], 1);
}

static void test_rx_overflow(void **state)
{
	uint8_t frame[40], enc[128], buf[16];
	struct feed_result r = { 0 };
	struct hdlc_rx rx;
	ssize_t n;

	(void)state;
	memset(frame, 0x55, sizeof(frame));
	n = hdlc_encode(frame, sizeof(frame), 0, enc, sizeof(enc));
	assert_true(n > 0);
	hdlc_rx_init(&rx, buf, sizeof(buf));
	feed(&rx, enc, n, &r);
	assert_int_equal(r.n[HDLC_RX_OVERFLOW], 1);
	assert_int_equal(rx.frame_len, sizeof(frame) + 2);
	/* a frame that fits (12 + 2 FCS <= 16) is fine afterwards */
	n = hdlc_encode(frame, 12, 0, enc, sizeof(enc));
	feed(&rx, enc, n, &r);
	assert_int_equal(r.n[HDLC_RX_FRAME], 1);
	assert_int_equal(r.frame_len, 12);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fcs_check_value),
		cmocka_unit_test(test_fcs_matches_rfc1662_table),
		cmocka_unit_test(test_fcs_good_residue),
		cmocka_unit_test(test_encode_lcp_exact),
		cmocka_unit_test(test_encode_escapes_per_accm),
		cmocka_unit_test(test_encode_nospace),
		cmocka_unit_test(test_fcs_octets_escaped),
		cmocka_unit_test(test_roundtrip_random),
		cmocka_unit_test(test_rx_accepts_any_escaping),
		cmocka_unit_test(test_rx_bad_fcs_runt_abort),
		cmocka_unit_test(test_rx_overflow),
	};

	return cmocka_run_group_tests_name("hdlc", tests, setup, NULL);
}
