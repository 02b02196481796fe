/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Control message types (RFC 2661 3.2) and what a failure of each clears:
 * the one table both the AVP codec (error scope) and the message specs use.
 */
#ifndef LTS_CTRL_TYPES_H
#define LTS_CTRL_TYPES_H

#include <stdint.h>

/*
 * Message Type AVP values (RFC 2661 3.2). Scope: what a failure clears
 * (RFC 2661 4.1: the session for call management messages, else the
 * tunnel). Section: where RFC 2661 defines the message and its AVPs.
 */
/*       symbol   value name       scope    section */
/* clang-format off */
#define LTS_CTRL_TYPES(X)                                                      \
	X(SCCRQ,   1,  "SCCRQ",   TUNNEL,  "6.1")                              \
	X(SCCRP,   2,  "SCCRP",   TUNNEL,  "6.2")                              \
	X(SCCCN,   3,  "SCCCN",   TUNNEL,  "6.3")                              \
	X(STOPCCN, 4,  "StopCCN", TUNNEL,  "6.4")                              \
	X(HELLO,   6,  "HELLO",   TUNNEL,  "6.5")                              \
	X(OCRQ,    7,  "OCRQ",    SESSION, "6.6")                              \
	X(OCRP,    8,  "OCRP",    SESSION, "6.7")                              \
	X(OCCN,    9,  "OCCN",    SESSION, "6.8")                              \
	X(ICRQ,    10, "ICRQ",    SESSION, "6.9")                              \
	X(ICRP,    11, "ICRP",    SESSION, "6.10")                             \
	X(ICCN,    12, "ICCN",    SESSION, "6.11")                             \
	X(CDN,     14, "CDN",     SESSION, "6.12")                             \
	X(WEN,     15, "WEN",     SESSION, "6.13")                             \
	X(SLI,     16, "SLI",     SESSION, "6.14")
/* clang-format on */

#define LTS_CTRL_TYPE_ENUM(sym, val, name, scope, sect) LTS_CTRL_##sym = val,
enum lts_ctrl_type { LTS_CTRL_TYPES(LTS_CTRL_TYPE_ENUM) };
#undef LTS_CTRL_TYPE_ENUM

enum lts_ctrl_scope {
	LTS_CTRL_SCOPE_TUNNEL,
	LTS_CTRL_SCOPE_SESSION,
};

/* What a failed message of this type clears; unknown types: the tunnel. */
static inline enum lts_ctrl_scope lts_ctrl_type_scope(uint16_t type)
{
	switch (type) {
#define LTS_CTRL_TYPE_SCOPE(sym, val, name, scope, sect)                       \
	case val:                                                              \
		return LTS_CTRL_SCOPE_##scope;
	LTS_CTRL_TYPES(LTS_CTRL_TYPE_SCOPE)
#undef LTS_CTRL_TYPE_SCOPE
	}
	return LTS_CTRL_SCOPE_TUNNEL;
}

#endif /* LTS_CTRL_TYPES_H */
