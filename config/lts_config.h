/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Typed configuration of ltsd. The YAML parser (lts_config.c) is the only
 * code that sees libyaml; everything else works on these structs.
 */
#ifndef LTS_CONFIG_H
#define LTS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <net/if.h>
#include "lib/log.h"
#include "lts_maps.h"

#define LTS_CFG_NAME_MAX 64
#define LTS_CFG_PATH_MAX 256
#define LTS_CFG_ERR_MAX 512
/* Host Name AVP and tunnel secret: 1..255 bytes, NUL-terminated here. */
#define LTS_CFG_HOSTNAME_MAX 256
#define LTS_CFG_SECRET_MAX 256

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

/*
 * police: of a rule or a static leg: a token bucket per direction in the
 * XDP fast path (maps/lts_maps.h struct lts_policer); rate_kbps 0: none.
 */
struct lts_police {
	uint32_t rate_kbps; /* kbit/s of L2TP bytes (UDP payload) */
	uint32_t burst;     /* bytes */
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
	bool dscp_copy;           /* outer DSCP = the carried IP packet's (not with dscp) */
	struct lts_police police; /* frames sent on this leg */
};

struct lts_static_session {
	char name[LTS_CFG_NAME_MAX];
	struct lts_static_leg a;
	struct lts_static_leg b;
	/*
	 * Not in the file: its counter slot. File order when loaded; a reload
	 * keeps the slot of a session that stays unchanged (lts_switch).
	 */
	uint32_t stats_idx;
};

/* An address or prefix; host bits are zero, len is 32/128 for one address. */
struct lts_prefix {
	struct lts_ip ip;
	uint8_t len;
};

/*
 * Control connection parameters (RFC 2661 5.5, 5.8). The top-level
 * control: section holds the switch-wide values; every peer carries its own
 * copy, already resolved: the keys the peer sets, else control:'s value.
 */
struct lts_ctrl_cfg {
	uint32_t hello_interval_s;      /* 0: no Hello; default 60 */
	uint16_t receive_window;        /* our RWS; default 8 */
	uint32_t retransmit_initial_ms; /* first retransmit timeout; default 1000 */
	uint32_t retransmit_max_ms;     /* backoff cap, >= 8000; default 16000 */
	uint32_t retries;               /* retransmissions before giving up; default 5 */
	bool avp_permissive;            /* unknown M=1 AVPs treated as M=0 */
};

/* A LAC that may open tunnels to us (we are its LNS). */
struct lts_lac_peer {
	char name[LTS_CFG_NAME_MAX];
	struct lts_prefix match;               /* source address or prefix */
	char hostname[LTS_CFG_HOSTNAME_MAX];   /* required Host Name; "" = any */
	char secret[LTS_CFG_SECRET_MAX];       /* "" = no tunnel authentication */
	size_t secret_len;
	bool hide_avps;                        /* only with a secret */
	uint32_t max_tunnels;                  /* 0 = no per-peer limit */
	uint32_t max_sessions;                 /* 0 = no per-peer limit */
	struct lts_ctrl_cfg ctrl;
};

/* switch.on_stop: what SIGTERM does (SIGINT always clears). */
enum lts_stop_mode {
	LTS_STOP_CLEAR = 0, /* StopCCN everywhere, XDP detached, pins and state removed */
	LTS_STOP_KEEP,      /* exit leaving XDP, maps and state: the next ltsd resumes */
};

enum lts_tunnel_mode {
	LTS_TUNNEL_ON_DEMAND = 0, /* opened for the first call, closed after linger */
	LTS_TUNNEL_PERSISTENT,    /* opened at start, reopened when it drops */
};

/* An LNS we may place calls to (we are its LAC). */
struct lts_lns_peer {
	char name[LTS_CFG_NAME_MAX];
	struct lts_ip address;
	uint16_t port;                         /* default 1701 */
	struct lts_ip local;                   /* family LTS_FAMILY_NONE: unset */
	char hostname[LTS_CFG_HOSTNAME_MAX];   /* we present; default switch.hostname */
	char secret[LTS_CFG_SECRET_MAX];
	size_t secret_len;
	bool hide_avps;
	enum lts_tunnel_mode tunnel;           /* default on-demand */
	uint32_t linger_s;                     /* on-demand only; default 30 */
	uint32_t max_sessions;                 /* 0 = no per-peer limit */
	/* Sessions on one tunnel before calls go to another (default 4096). */
	uint32_t max_sessions_per_tunnel;
	struct lts_ctrl_cfg ctrl;
};

/* Switch-wide control-plane limits. */
struct lts_limits {
	uint32_t max_tunnels;  /* default 1024 */
	uint32_t max_sessions; /* default and ceiling: dataplane max_sessions */
	uint32_t sccrq_rate;   /* new SCCRQs per second per source; default 20 */
	uint32_t sccrq_burst;  /* token bucket depth; default 2 * sccrq_rate */
	/*
	 * Tunnels a LAC has asked for (SCCRQ answered) but not yet completed
	 * (SCCCN): their own limits, apart from max_tunnels, so that a flood
	 * of SCCRQs cannot lock authenticated LACs out. Beyond them the oldest
	 * half-open tunnel (of that source, or of all) is dropped silently.
	 */
	uint32_t max_half_open;            /* default 1024 */
	uint32_t max_half_open_per_source; /* default 32 */
};

/* Most members in one rule's pool. */
#define LTS_RULE_POOL_MAX 16
/* Rule match keys and the TSA ID: 1..255 bytes, NUL-terminated here. */
#define LTS_CFG_KEY_MAX 256
/* sizeof(((struct sockaddr_un *)0)->sun_path), NUL included. */
#define LTS_CFG_SOCK_MAX 108

/* One LNS a rule may place a call on. */
struct lts_rule_member {
	size_t lns_idx;      /* into lts_config.lns_peers */
	uint32_t preference; /* 0..65535, lower is tried first; default 100 */
	uint32_t weight;     /* 1..1000, within one preference; default 1 */
};

/* What a rule does with an AVP it could relay (draft-08 section 3). */
enum lts_avp_policy {
	LTS_AVP_POLICY_RELAY = 0,
	LTS_AVP_POLICY_DROP,
};

/*
 * A switching rule: the first rule whose keys all match a call decides
 * which pool of LNSes it goes to. Every key is optional; "" and -1 mean any.
 */
struct lts_rule {
	char name[LTS_CFG_NAME_MAX];
	char realm[LTS_CFG_KEY_MAX];          /* after the last '@' of user,
					       * case-insensitive */
	char user[LTS_CFG_KEY_MAX];           /* Proxy Authen Name, exact */
	char called_number[LTS_CFG_KEY_MAX];  /* exact */
	char calling_number[LTS_CFG_KEY_MAX]; /* exact */
	char lac_hostname[LTS_CFG_KEY_MAX];   /* fnmatch(3) glob, case-sensitive */
	int lac_peer_idx;                     /* into lts_config.lac_peers; -1: any */
	/*
	 * Calls that an LNS places on our tunnel to it: only rules naming that
	 * lns_peer match them, and such rules match nothing else. -1: calls
	 * from LACs only (the default: an LNS may not originate calls).
	 */
	int lns_peer_idx;
	struct lts_rule_member *pool;         /* 1..LTS_RULE_POOL_MAX, file order */
	size_t n_pool;
	enum lts_avp_policy calling_number_policy; /* default relay */
	enum lts_avp_policy bearer_type_policy;    /* default relay */
	/* Marking and policing of the call's frames, both directions. */
	int dscp;                 /* -1: keep the outer DSCP; else 0..63 */
	bool dscp_copy;           /* outer DSCP = the carried IP packet's (not with dscp) */
	struct lts_police police; /* each direction its own bucket */
	bool at_iccn; /* realm or user set: decided at ICCN */
};

/* "[" IPv6 "]:" port, NUL included. */
#define LTS_CFG_LISTEN_MAX 56

/*
 * metrics: the Prometheus endpoint (agent/metrics.c). Off unless the file
 * has the section; listen is then required.
 */
struct lts_metrics_cfg {
	char listen[LTS_CFG_LISTEN_MAX]; /* as written; "": no endpoint */
	struct lts_ip listen_ip;         /* parsed from listen */
	uint16_t listen_port;
	bool per_session;                /* one series per session; default false */
};

/*
 * accounting: one JSON record per switched call (agent/accounting.c). Off
 * unless the file has the section, which needs file or syslog: true.
 */
struct lts_acct_cfg {
	char file[LTS_CFG_PATH_MAX]; /* records appended here; "": no file */
	bool syslog;                 /* records also to syslog; default false */
	uint32_t interim_s;          /* interim records every so often; 0 (default): none */
};

/* logging.syslog: (agent/lib/log.c). */
#define LTS_SYSLOG_SOCKET_DEFAULT "/dev/log"
struct lts_syslog_cfg {
	/*
	 * "": none. A syslog: section with neither socket nor remote means the
	 * local socket LTS_SYSLOG_SOCKET_DEFAULT.
	 */
	char socket[LTS_CFG_SOCK_MAX];   /* RFC 3164 lines over AF_UNIX datagrams */
	char remote[LTS_CFG_LISTEN_MAX]; /* RFC 5424 over UDP, "ADDRESS:PORT" as written */
	struct lts_ip remote_ip;         /* parsed from remote */
	uint16_t remote_port;
	enum lts_log_facility facility;  /* default daemon */
	enum lts_log_level level;        /* least severe sent; default info (traced lines: all) */
	char prefix[LTS_LOG_PREFIX_MAX + 1]; /* TAG / APP-NAME; default "ltsd" */
};

/* logging.trace: debug lines of some subsystems, optionally of one peer only. */
struct lts_trace_cfg {
	int flags[LTS_TRACE_N + 1];      /* as written: enum lts_trace_flag, LTS_TRACE_N: all */
	size_t n_flags;
	uint32_t mask;                   /* derived: 1 << flag */
	char peer[LTS_CFG_NAME_MAX];     /* a lac_peer's or lns_peer's name; "": any */
};

/* logging: (no section: info and above to stderr). */
struct lts_logging_cfg {
	enum lts_log_level level;        /* default info */
	bool to_stderr;                  /* key stderr; default true */
	bool syslog_on;                  /* the file has a syslog: section */
	struct lts_syslog_cfg syslog;
	struct lts_trace_cfg trace;
	uint32_t repeat_limit;           /* identical lines written per window; 0: all */
	uint32_t repeat_window_s;
};

struct lts_config {
	/* switch: */
	char hostname[LTS_CFG_NAME_MAX]; /* default "lts" */
	char bpffs[LTS_CFG_PATH_MAX];    /* default LTS_PIN_DIR_DEFAULT */
	char tsa_id[LTS_CFG_KEY_MAX];    /* our TSA ID AVP value; default hostname */
	char control_socket[LTS_CFG_SOCK_MAX]; /* default /run/lts/ltsd.sock */
	uint32_t lockout_s;              /* failed pool member skipped; default 60 */
	enum lts_stop_mode on_stop;      /* default clear */
	/* dataplane: */
	enum lts_dp_mode mode;           /* default native */
	char (*interfaces)[IF_NAMESIZE];
	size_t n_interfaces;
	uint16_t l2tp_ports[LTS_MAX_L2TP_PORTS]; /* default { 1701 } */
	size_t n_l2tp_ports;
	uint32_t max_sessions;           /* default LTS_MAX_SESSIONS_DEFAULT */
	/* CPUs the sessions are switched on (cpumap by session); none: where they arrive */
	uint16_t spread_cpus[LTS_MAX_SPREAD];
	size_t n_spread_cpus;
	/* static_sessions: */
	struct lts_static_session *static_sessions;
	size_t n_static_sessions;
	/* limits: */
	struct lts_limits limits;
	/* control: (already copied into every peer's ctrl) */
	struct lts_ctrl_cfg control;
	/* lac_peers: and lns_peers: */
	struct lts_lac_peer *lac_peers;
	size_t n_lac_peers;
	struct lts_lns_peer *lns_peers;
	size_t n_lns_peers;
	/* rules: in file order; none: every call is refused */
	struct lts_rule *rules;
	size_t n_rules;
	/* metrics: (no section: no endpoint) */
	struct lts_metrics_cfg metrics;
	/* logging: */
	struct lts_logging_cfg logging;
	/* accounting: (no section: no records) */
	struct lts_acct_cfg accounting;
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
const char *lts_tunnel_mode_name(enum lts_tunnel_mode mode);

/* Addresses (lts_addr.c). lts_ip_str() writes "?" for what it cannot format. */
const char *lts_ip_str(const struct lts_ip *ip, char *buf, size_t size);
bool lts_ip_equal(const struct lts_ip *a, const struct lts_ip *b);
/* Whether ip lies in prefix p (same family). */
bool lts_prefix_has(const struct lts_prefix *p, const struct lts_ip *ip);
/*
 * A listen address, "192.0.2.1:9716" or "[2001:db8::1]:9716" (brackets
 * required for IPv6, port 1..65535 in plain decimal): 0, or -EINVAL with
 * *why saying what is wrong (why may be NULL).
 */
int lts_listen_parse(const char *s, struct lts_ip *ip, uint16_t *port, const char **why);

/*
 * Reload (lts_config_diff.c). Index of the peer, rule or static session of
 * that name, or -1.
 */
int lts_config_lac_index(const struct lts_config *cfg, const char *name);
int lts_config_lns_index(const struct lts_config *cfg, const char *name);
int lts_config_rule_index(const struct lts_config *cfg, const char *name);
int lts_config_static_index(const struct lts_config *cfg, const char *name);
/* Same name and same legs (the counter slot aside). */
bool lts_static_session_equal(const struct lts_static_session *a,
			      const struct lts_static_session *b);
/*
 * Whether going from old to new needs a restart rather than a reload: the
 * keys that size or place what the process holds (bpffs, control socket,
 * dataplane:, metrics listen address). 0, or 1 with why naming the first
 * such key.
 */
int lts_config_needs_restart(const struct lts_config *old, const struct lts_config *new,
			     char *why, size_t size);

/* The lookup key the XDP program uses for frames arriving on this leg. */
void lts_static_leg_key(const struct lts_static_leg *leg, struct lts_switch_key *k);

#endif /* LTS_CONFIG_H */
