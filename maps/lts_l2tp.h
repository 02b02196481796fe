/* SPDX-License-Identifier: GPL-2.0 */
/*
 * L2TPv2 header wire format (RFC 2661 3.1), shared by the XDP program and the
 * agent so that both agree byte for byte on where the IDs sit and how long the
 * header is.
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * |T|L|x|x|S|x|O|P|x|x|x|x|  Ver  |          Length (opt)         |
 * |           Tunnel ID           |           Session ID          |
 * |             Ns (opt)          |             Nr (opt)          |
 * |      Offset Size (opt)        |    Offset pad... (opt)
 */
#ifndef LTS_L2TP_H
#define LTS_L2TP_H

#include <linux/types.h>

#define LTS_L2TP_PORT_DEFAULT 1701

/* Flag bits of the first 16-bit word, host order. */
#define LTS_L2TP_F_TYPE   0x8000 /* T: control message */
#define LTS_L2TP_F_LENGTH 0x4000 /* L: Length field present */
#define LTS_L2TP_F_SEQ    0x0800 /* S: Ns and Nr present */
#define LTS_L2TP_F_OFFSET 0x0200 /* O: Offset Size present */
#define LTS_L2TP_F_PRIO   0x0100 /* P: priority (data only) */
#define LTS_L2TP_VER_MASK 0x000f
#define LTS_L2TP_VERSION  2

/* Smallest possible header: flags, tunnel ID, session ID. */
#define LTS_L2TP_HDR_MIN 6
/* Largest fixed part: flags, length, ids, Ns, Nr, offset size. */
#define LTS_L2TP_HDR_MAX 14

/*
 * Length of the fixed part of the header for these flags: everything up to
 * and including the Offset Size field, not the offset padding (whose length
 * is in the packet). This is the one place the layout is computed.
 */
static inline __u32 lts_l2tp_hdr_len(__u16 flags)
{
	__u32 len = LTS_L2TP_HDR_MIN;

	if (flags & LTS_L2TP_F_LENGTH)
		len += 2;
	if (flags & LTS_L2TP_F_SEQ)
		len += 4;
	if (flags & LTS_L2TP_F_OFFSET)
		len += 2;
	return len;
}

/* Byte offset of the Tunnel ID field (the Session ID follows it). */
static inline __u32 lts_l2tp_ids_off(__u16 flags)
{
	return (flags & LTS_L2TP_F_LENGTH) ? 4 : 2;
}

#endif /* LTS_L2TP_H */
