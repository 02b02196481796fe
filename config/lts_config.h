/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Typed configuration of ltsd. The YAML parser (lts_config.c) is the only
 * code that sees libyaml; everything else works on these structs.
 */
#ifndef LTS_CONFIG_H
#define LTS_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <net/if.h>
#include "lts_maps.h"

#define LTS_CFG_NAME_MAX 64
#define LTS_CFG_PATH_MAX 256
#define LTS_CFG_ERR_MAX 512

enum lts_dp_mode {
	LTS_DP_NATIVE = 0, /* driver XDP; falls back to skb with a warning */
	LTS_DP_SKB,        /* generic XDP */
	LTS_DP_OFF,        /* no XDP: every frame through the userspace relay */
};

/* An IPv4 or IPv6 address; family is enum lts_family, bytes as on the wire. */
struct lts_ip {
	uint8_t family;
	uint8_t addr[16];
};

/* One leg of a statically provisioned switched session. */
struct lts_static_leg {
	struct lts_ip local;      /* our address on this leg */
	struct lts_ip peer;       /* the LAC's or LNS's address */
	uint16_t local_port;      /* default 1701; must be one of l2tp_ports */
	uint16_t peer_port;       /* default 1701 */
	uint16_t tunnel_id;       /* ours: the peer sends to it */
	uint16_t session_id;      /* ours */
	uint16_t peer_tunnel_id;  /* the peer's: we send to it */
	uint16_t peer_session_id; /* the peer's */
	int dscp;                 /* -1: keep the outer DSCP; else 0..63 */
};

struct lts_static_session {
	char name[LTS_CFG_NAME_MAX];
	struct lts_static_leg a;
	struct lts_static_leg b;
};

struct lts_config {
	/* switch: */
	char hostname[LTS_CFG_NAME_MAX]; /* default "lts" */
	char bpffs[LTS_CFG_PATH_MAX];    /* default LTS_PIN_DIR_DEFAULT */
	/* dataplane: */
	enum lts_dp_mode mode;           /* default native */
	char (*interfaces)[IF_NAMESIZE];
	size_t n_interfaces;
	uint16_t l2tp_ports[LTS_MAX_L2TP_PORTS]; /* default { 1701 } */
	size_t n_l2tp_ports;
	uint32_t max_sessions;           /* default LTS_MAX_SESSIONS_DEFAULT */
	/* static_sessions: */
	struct lts_static_session *static_sessions;
	size_t n_static_sessions;
};

/*
 * Parse and validate. On success *out owns a new config and 0 is returned.
 * On failure a negative errno is returned, *out is untouched and err holds
 * "file:line:col: message" (1-based line and column).
 */
int lts_config_load_file(const char *path, struct lts_config **out, char *err,
			 size_t errlen);
/* Same, from memory; name is used as the file name in messages. */
int lts_config_load_string(const char *name, const char *yaml, size_t len,
			   struct lts_config **out, char *err, size_t errlen);
void lts_config_free(struct lts_config *cfg);

const char *lts_dp_mode_name(enum lts_dp_mode mode);

#endif /* LTS_CONFIG_H */
