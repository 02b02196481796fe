// SPDX-License-Identifier: GPL-2.0
/*
 * YAML configuration parser.
 *
 * One static schema table per mapping level says which keys exist, what kind
 * of value each holds, where it lands in the typed structs and which range it
 * must fall in. A single walker applies the tables to libyaml's document tree,
 * so adding a key is one table line and every key gets the same checks and
 * the same error format. A table may embed another one (every peer accepts
 * the keys of control:), and a key may inherit its default from another
 * value of the config (control: into each peer, switch.hostname into each
 * lns_peer); both are table properties, so the walker, not per-key code,
 * handles them. A key may also name an entry of a top-level list (a rule's
 * lns and lac_peer): the walker queues it and resolves it to an index once
 * the whole file is read, so the list may come later in the file. Rules
 * that span several fields (address families of a leg, local_port against
 * l2tp_ports, unique names, unique switch keys, ambiguous lac_peers, one
 * LNS per pool) run afterwards on the typed structs; the walker records the
 * YAML mark of every mapping and value it stores so that those rules still
 * point at the right line and column, and so that inheritance knows which
 * keys the file set. libyaml never leaves this file.
 */
#include <arpa/inet.h>
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "lts_config.h"
#include "lts_l2tp.h"
#include "lib/util.h"

#define MEMBER_SIZE(T, m) sizeof(((T *)0)->m)
#define ELEM_SIZE(T, m) sizeof(((T *)0)->m[0])

/* Refuse to slurp something that is obviously not a config (/dev/zero). */
#define CFG_FILE_MAX (64u << 20)
/* Most lines in one table; checked per table at compile time. */
#define CFG_MAX_FIELDS 16
/* Most keys in one mapping, embedded tables included. */
#define CFG_MAX_KEYS 32
/* Longest user text quoted back in a message. */
#define CFG_QUOTE_MAX 64

/* Largest switch table the agent will size (dataplane.max_sessions). */
#define CFG_MAX_SESSIONS_LIMIT 4194304

enum cfg_kind {
	CFG_STR,  /* NUL-terminated into a char buffer of .size bytes */
	CFG_U16,  /* uint16_t */
	CFG_U32,  /* uint32_t */
	CFG_INT,  /* int; lets a default lie outside min..max (dscp -1) */
	CFG_ENUM, /* int, index into .names */
	CFG_IP,   /* struct lts_ip */
	CFG_BOOL, /* bool: true or false */
	CFG_PREFIX, /* struct lts_prefix: address or address/length */
	CFG_MAP,  /* nested struct described by .nested */
	CFG_EMBED, /* no key of its own: .nested's keys are accepted in this
		    * mapping and land in the struct at .off */
	CFG_REF,  /* the name of an entry of the top-level list .ref, stored
		   * as its index: int or size_t by .size */
};

enum cfg_list {
	CFG_ONE,         /* a single value at .off */
	CFG_LIST_INLINE, /* fixed array at .off, capacity .max_items */
	CFG_LIST_ALLOC,  /* pointer at .off to a calloc'd array */
};

#define CF_REQUIRED 0x1 /* absent key is an error at its mapping */
#define CF_DEFAULT 0x2  /* absent key takes .dflt / .dflt_str */
#define CF_UNIQUE 0x4   /* list entries must differ */
/*
 * Absent key takes the value at .inherit in struct lts_config (integers:
 * times .inherit_mul if that is set); on CFG_EMBED, every absent key of the
 * embedded struct takes its value from the struct of the same type at
 * .inherit. Runs after the whole walk, so the source may come later in the
 * file; the source itself must not inherit.
 */
#define CF_INHERIT 0x8
#define CF_LEN 0x10     /* CFG_STR, CFG_ONE: also store the size_t length at
			 * .count_off */

struct cfg_schema;

struct cfg_field {
	const char *key;
	enum cfg_kind kind;
	enum cfg_list list;
	unsigned int flags;
	size_t off;       /* the value; for lists the array or its pointer */
	size_t count_off; /* lists: size_t number of entries */
	size_t size;      /* one value (list: one entry) in bytes */
	long long min;    /* integers: range; strings: length */
	long long max;
	size_t min_items; /* lists */
	size_t max_items;
	long long dflt;
	const char *dflt_str;
	const char *const *names; /* CFG_ENUM, NULL-terminated */
	const struct cfg_schema *nested; /* CFG_MAP */
	const char *zero_why; /* why 0 is refused, quoted in the message */
	const char *range_why; /* why the range, quoted in the message */
	size_t inherit;       /* CF_INHERIT: offset in struct lts_config */
	unsigned int inherit_mul;
	const char *(*check)(const char *s); /* extra string rule: NULL or why not */
	const char *ref;      /* CFG_REF: key of a root list whose entries
			       * have a "name" */
};

struct cfg_schema {
	const struct cfg_field *fields;
	size_t n_fields;
};

#define SCHEMA(tbl)                                                          \
	{ .fields = tbl, .n_fields = ARRAY_SIZE(tbl) };                      \
	_Static_assert(ARRAY_SIZE(tbl) <= CFG_MAX_FIELDS, #tbl " too long")

/* A value stored in member m of struct T. */
#define AT(T, m) .off = offsetof(T, m), .size = MEMBER_SIZE(T, m)
/* A list stored in T.m (array or pointer), its length in T.n. */
#define LIST_AT(T, m, n) \
	.off = offsetof(T, m), .count_off = offsetof(T, n), .size = ELEM_SIZE(T, m)

_Static_assert(sizeof(enum lts_dp_mode) == sizeof(int), "CFG_ENUM stores int");
_Static_assert(sizeof(enum lts_tunnel_mode) == sizeof(int),
	       "CFG_ENUM stores int");
_Static_assert(sizeof(enum lts_avp_policy) == sizeof(int),
	       "CFG_ENUM stores int");

static const char *const dp_mode_names[] = {
	[LTS_DP_NATIVE] = "native",
	[LTS_DP_SKB] = "skb",
	[LTS_DP_OFF] = "off",
	NULL,
};

static const char *const on_stop_names[] = {
	[LTS_STOP_CLEAR] = "clear",
	[LTS_STOP_KEEP] = "keep",
	NULL,
};

static const char *const tunnel_mode_names[] = {
	[LTS_TUNNEL_ON_DEMAND] = "on-demand",
	[LTS_TUNNEL_PERSISTENT] = "persistent",
	NULL,
};

static const char *const avp_policy_names[] = {
	[LTS_AVP_POLICY_RELAY] = "relay",
	[LTS_AVP_POLICY_DROP] = "drop",
	NULL,
};

static const char *check_abspath(const char *s);
static const char *check_ifname(const char *s);
static const char *check_realm(const char *s);
static const char *check_listen(const char *s);

static const struct cfg_field switch_fields[] = {
	{ .key = "hostname", .kind = CFG_STR, .flags = CF_DEFAULT,
	  AT(struct lts_config, hostname), .min = 1, .max = LTS_CFG_NAME_MAX - 1,
	  .dflt_str = "lts" },
	{ .key = "bpffs", .kind = CFG_STR, .flags = CF_DEFAULT,
	  AT(struct lts_config, bpffs), .min = 1, .max = LTS_CFG_PATH_MAX - 1,
	  .dflt_str = LTS_PIN_DIR_DEFAULT, .check = check_abspath },
	/* draft-ietf-l2tpext-tunnel-switching-08: loop detection. */
	{ .key = "tsa_id", .kind = CFG_STR, .flags = CF_INHERIT,
	  AT(struct lts_config, tsa_id), .min = 1, .max = LTS_CFG_KEY_MAX - 1,
	  .inherit = offsetof(struct lts_config, hostname) },
	/* A sockaddr_un path: sun_path holds the NUL too. */
	{ .key = "control_socket", .kind = CFG_STR, .flags = CF_DEFAULT,
	  AT(struct lts_config, control_socket), .min = 1,
	  .max = LTS_CFG_SOCK_MAX - 1, .dflt_str = "/run/lts/ltsd.sock",
	  .check = check_abspath },
	{ .key = "lockout", .kind = CFG_U32, .flags = CF_DEFAULT,
	  AT(struct lts_config, lockout_s), .min = 0, .max = 86400,
	  .dflt = 60 },
	/* What SIGTERM does to the sessions (docs/restart.md). */
	{ .key = "on_stop", .kind = CFG_ENUM, .flags = CF_DEFAULT,
	  AT(struct lts_config, on_stop), .names = on_stop_names, .dflt = LTS_STOP_CLEAR },
};
static const struct cfg_schema switch_schema = SCHEMA(switch_fields);

static const struct cfg_field dataplane_fields[] = {
	{ .key = "mode", .kind = CFG_ENUM, .flags = CF_DEFAULT,
	  AT(struct lts_config, mode), .names = dp_mode_names,
	  .dflt = LTS_DP_NATIVE },
	/* Required unless mode is off: checked in check_interfaces(). */
	{ .key = "interfaces", .kind = CFG_STR, .list = CFG_LIST_ALLOC,
	  .flags = CF_UNIQUE,
	  LIST_AT(struct lts_config, interfaces, n_interfaces),
	  .min = 1, .max = IF_NAMESIZE - 1, .check = check_ifname,
	  .min_items = 0, .max_items = LTS_MAX_TX_PORTS },
	{ .key = "l2tp_ports", .kind = CFG_U16, .list = CFG_LIST_INLINE,
	  .flags = CF_DEFAULT | CF_UNIQUE,
	  LIST_AT(struct lts_config, l2tp_ports, n_l2tp_ports),
	  .min = 1, .max = 65535, .min_items = 1,
	  .max_items = LTS_MAX_L2TP_PORTS, .dflt = LTS_L2TP_PORT_DEFAULT },
	{ .key = "max_sessions", .kind = CFG_U32, .flags = CF_DEFAULT,
	  AT(struct lts_config, max_sessions), .min = 1,
	  .max = CFG_MAX_SESSIONS_LIMIT, .dflt = LTS_MAX_SESSIONS_DEFAULT },
	/* cpumap: CPU numbers below the kernel's NR_CPUS (checked at load). */
	{ .key = "spread_cpus", .kind = CFG_U16, .list = CFG_LIST_INLINE,
	  .flags = CF_UNIQUE,
	  LIST_AT(struct lts_config, spread_cpus, n_spread_cpus),
	  .min = 0, .max = 4095, .min_items = 0, .max_items = LTS_MAX_SPREAD },
};
static const struct cfg_schema dataplane_schema = SCHEMA(dataplane_fields);

#define LEG_IP(m) \
	{ .key = #m, .kind = CFG_IP, .flags = CF_REQUIRED, \
	  AT(struct lts_static_leg, m) }
#define LEG_PORT(m) \
	{ .key = #m, .kind = CFG_U16, .flags = CF_DEFAULT, \
	  AT(struct lts_static_leg, m), .min = 1, .max = 65535, \
	  .dflt = LTS_L2TP_PORT_DEFAULT }
/* RFC 2661 5.3: 0 is never an assigned ID, it means "not yet known". */
#define LEG_ID(m) \
	{ .key = #m, .kind = CFG_U16, .flags = CF_REQUIRED, \
	  AT(struct lts_static_leg, m), .min = 1, .max = 65535, \
	  .zero_why = "RFC 2661 5.3: ID 0 is reserved" }

/* police: {rate, burst}; rate up to 100 Gbit/s keeps the fast path's refill in 64 bits. */
static const struct cfg_field police_fields[] = {
	{ .key = "rate", .kind = CFG_U32, .flags = CF_REQUIRED,
	  AT(struct lts_police, rate_kbps), .min = 1, .max = 100000000 },
	{ .key = "burst", .kind = CFG_U32, .flags = CF_REQUIRED,
	  AT(struct lts_police, burst), .min = 1500, .max = 1000000000 },
};
static const struct cfg_schema police_schema = SCHEMA(police_fields);

#define QOS_FIELDS(type) \
	{ .key = "dscp", .kind = CFG_INT, .flags = CF_DEFAULT, \
	  AT(type, dscp), .min = 0, .max = 63, .dflt = -1 }, \
	{ .key = "dscp_copy", .kind = CFG_BOOL, .flags = CF_DEFAULT, \
	  AT(type, dscp_copy), .dflt = false }, \
	{ .key = "police", .kind = CFG_MAP, AT(type, police), \
	  .nested = &police_schema }

static const struct cfg_field leg_fields[] = {
	LEG_IP(local),
	LEG_IP(peer),
	LEG_PORT(local_port),
	LEG_PORT(peer_port),
	LEG_ID(tunnel_id),
	LEG_ID(session_id),
	LEG_ID(peer_tunnel_id),
	LEG_ID(peer_session_id),
	QOS_FIELDS(struct lts_static_leg),
};
static const struct cfg_schema leg_schema = SCHEMA(leg_fields);

static const struct cfg_field session_fields[] = {
	{ .key = "name", .kind = CFG_STR, .flags = CF_REQUIRED,
	  AT(struct lts_static_session, name), .min = 1,
	  .max = LTS_CFG_NAME_MAX - 1 },
	{ .key = "a", .kind = CFG_MAP, .flags = CF_REQUIRED,
	  AT(struct lts_static_session, a), .nested = &leg_schema },
	{ .key = "b", .kind = CFG_MAP, .flags = CF_REQUIRED,
	  AT(struct lts_static_session, b), .nested = &leg_schema },
};
static const struct cfg_schema session_schema = SCHEMA(session_fields);

/*
 * limits: answered with "insufficient resources" (StopCCN 2/4, CDN 2/4) at
 * run time. Tunnel IDs are 16 bits, hence max_tunnels. max_sessions
 * defaults to, and may not exceed, the size of the switch table
 * (check_limits()).
 */
static const struct cfg_field limits_fields[] = {
	{ .key = "max_tunnels", .kind = CFG_U32, .flags = CF_DEFAULT,
	  AT(struct lts_limits, max_tunnels), .min = 1, .max = 65535,
	  .dflt = 1024 },
	{ .key = "max_sessions", .kind = CFG_U32, .flags = CF_INHERIT,
	  AT(struct lts_limits, max_sessions), .min = 1,
	  .max = CFG_MAX_SESSIONS_LIMIT,
	  .inherit = offsetof(struct lts_config, max_sessions) },
	{ .key = "sccrq_rate", .kind = CFG_U32, .flags = CF_DEFAULT,
	  AT(struct lts_limits, sccrq_rate), .min = 1, .max = 100000,
	  .dflt = 20 },
	{ .key = "sccrq_burst", .kind = CFG_U32, .flags = CF_INHERIT,
	  AT(struct lts_limits, sccrq_burst), .min = 1, .max = 1000000,
	  .inherit = offsetof(struct lts_config, limits.sccrq_rate),
	  .inherit_mul = 2 },
	{ .key = "max_half_open", .kind = CFG_U32, .flags = CF_DEFAULT,
	  AT(struct lts_limits, max_half_open), .min = 1, .max = 65535,
	  .dflt = 1024 },
	{ .key = "max_half_open_per_source", .kind = CFG_U32, .flags = CF_DEFAULT,
	  AT(struct lts_limits, max_half_open_per_source), .min = 1, .max = 65535,
	  .dflt = 32 },
};
static const struct cfg_schema limits_schema = SCHEMA(limits_fields);

/* control:, and embedded in every peer to override it (RFC 2661 5.5, 5.8). */
static const struct cfg_field ctrl_fields[] = {
	{ .key = "hello_interval", .kind = CFG_U32, .flags = CF_DEFAULT,
	  AT(struct lts_ctrl_cfg, hello_interval_s), .min = 0, .max = 3600,
	  .dflt = 60 },
	{ .key = "receive_window", .kind = CFG_U16, .flags = CF_DEFAULT,
	  AT(struct lts_ctrl_cfg, receive_window), .min = 1, .max = 1024,
	  .dflt = 8 },
	{ .key = "retransmit_initial", .kind = CFG_U32, .flags = CF_DEFAULT,
	  AT(struct lts_ctrl_cfg, retransmit_initial_ms), .min = 100,
	  .max = 10000, .dflt = 1000 },
	{ .key = "retransmit_max", .kind = CFG_U32, .flags = CF_DEFAULT,
	  AT(struct lts_ctrl_cfg, retransmit_max_ms), .min = 8000,
	  .max = 60000, .dflt = 16000,
	  .range_why = "RFC 2661 5.8: the retransmit cap MUST be no less than 8 s" },
	{ .key = "retries", .kind = CFG_U32, .flags = CF_DEFAULT,
	  AT(struct lts_ctrl_cfg, retries), .min = 1, .max = 20, .dflt = 5 },
	{ .key = "avp_permissive", .kind = CFG_BOOL, .flags = CF_DEFAULT,
	  AT(struct lts_ctrl_cfg, avp_permissive), .dflt = false },
};
static const struct cfg_schema ctrl_schema = SCHEMA(ctrl_fields);

/* Lines shared by both kinds of peer, T being the peer's struct. */
#define PEER_NAME(T) \
	{ .key = "name", .kind = CFG_STR, .flags = CF_REQUIRED, AT(T, name), \
	  .min = 1, .max = LTS_CFG_NAME_MAX - 1 }
#define PEER_SECRET(T) \
	{ .key = "secret", .kind = CFG_STR, .flags = CF_LEN, AT(T, secret), \
	  .count_off = offsetof(T, secret_len), .min = 1, \
	  .max = LTS_CFG_SECRET_MAX - 1 }
/* Needs a secret: check_hide(). */
#define PEER_HIDE(T) \
	{ .key = "hide_avps", .kind = CFG_BOOL, .flags = CF_DEFAULT, \
	  AT(T, hide_avps), .dflt = false }
/* 0 in the struct means no limit; in the file, leave the key out. */
#define PEER_LIMIT(T, m, hi) \
	{ .key = #m, .kind = CFG_U32, AT(T, m), .min = 1, .max = hi, \
	  .zero_why = "leave " #m " out for no per-peer limit" }
#define PEER_CTRL(T) \
	{ .kind = CFG_EMBED, .flags = CF_INHERIT, AT(T, ctrl), \
	  .nested = &ctrl_schema, \
	  .inherit = offsetof(struct lts_config, control) }

static const struct cfg_field lac_fields[] = {
	PEER_NAME(struct lts_lac_peer),
	{ .key = "address", .kind = CFG_PREFIX, .flags = CF_REQUIRED,
	  AT(struct lts_lac_peer, match) },
	/* Absent: any Host Name. */
	{ .key = "hostname", .kind = CFG_STR, AT(struct lts_lac_peer, hostname),
	  .min = 1, .max = LTS_CFG_HOSTNAME_MAX - 1 },
	PEER_SECRET(struct lts_lac_peer),
	PEER_HIDE(struct lts_lac_peer),
	PEER_LIMIT(struct lts_lac_peer, max_tunnels, 65535),
	PEER_LIMIT(struct lts_lac_peer, max_sessions, CFG_MAX_SESSIONS_LIMIT),
	PEER_CTRL(struct lts_lac_peer),
};
static const struct cfg_schema lac_schema = SCHEMA(lac_fields);

static const struct cfg_field lns_fields[] = {
	PEER_NAME(struct lts_lns_peer),
	{ .key = "address", .kind = CFG_IP, .flags = CF_REQUIRED,
	  AT(struct lts_lns_peer, address) },
	{ .key = "port", .kind = CFG_U16, .flags = CF_DEFAULT,
	  AT(struct lts_lns_peer, port), .min = 1, .max = 65535,
	  .dflt = LTS_L2TP_PORT_DEFAULT },
	/* Absent: family LTS_FAMILY_NONE, the kernel picks the source. */
	{ .key = "local", .kind = CFG_IP, AT(struct lts_lns_peer, local) },
	{ .key = "hostname", .kind = CFG_STR, .flags = CF_INHERIT,
	  AT(struct lts_lns_peer, hostname), .min = 1,
	  .max = LTS_CFG_HOSTNAME_MAX - 1,
	  .inherit = offsetof(struct lts_config, hostname) },
	PEER_SECRET(struct lts_lns_peer),
	PEER_HIDE(struct lts_lns_peer),
	{ .key = "tunnel", .kind = CFG_ENUM, .flags = CF_DEFAULT,
	  AT(struct lts_lns_peer, tunnel), .names = tunnel_mode_names,
	  .dflt = LTS_TUNNEL_ON_DEMAND },
	/* On-demand only: check_lns_peer(). */
	{ .key = "linger", .kind = CFG_U32, .flags = CF_DEFAULT,
	  AT(struct lts_lns_peer, linger_s), .min = 0, .max = 86400,
	  .dflt = 30 },
	PEER_LIMIT(struct lts_lns_peer, max_sessions, CFG_MAX_SESSIONS_LIMIT),
	{ .key = "max_sessions_per_tunnel", .kind = CFG_U32, .flags = CF_DEFAULT,
	  AT(struct lts_lns_peer, max_sessions_per_tunnel), .min = 1, .max = 65535,
	  .dflt = 4096 },
	PEER_CTRL(struct lts_lns_peer),
};
static const struct cfg_schema lns_schema = SCHEMA(lns_fields);

/*
 * rules:. match: and avp: fill the rule itself; every match key is
 * optional ("" or -1: any), one that is set must match (lts_rule_matches()).
 */
#define RULE_KEY(m, chk) \
	{ .key = #m, .kind = CFG_STR, AT(struct lts_rule, m), .min = 1, \
	  .max = LTS_CFG_KEY_MAX - 1, .check = chk }

static const struct cfg_field match_fields[] = {
	RULE_KEY(realm, check_realm),
	RULE_KEY(user, NULL),
	RULE_KEY(called_number, NULL),
	RULE_KEY(calling_number, NULL),
	{ .key = "lac_peer", .kind = CFG_REF, .flags = CF_DEFAULT,
	  AT(struct lts_rule, lac_peer_idx), .ref = "lac_peers", .dflt = -1 },
	{ .key = "lns_peer", .kind = CFG_REF, .flags = CF_DEFAULT,
	  AT(struct lts_rule, lns_peer_idx), .ref = "lns_peers", .dflt = -1 },
	RULE_KEY(lac_hostname, NULL),
};
static const struct cfg_schema match_schema = SCHEMA(match_fields);

static const struct cfg_field member_fields[] = {
	{ .key = "lns", .kind = CFG_REF, .flags = CF_REQUIRED,
	  AT(struct lts_rule_member, lns_idx), .ref = "lns_peers" },
	{ .key = "preference", .kind = CFG_U32, .flags = CF_DEFAULT,
	  AT(struct lts_rule_member, preference), .min = 0, .max = 65535,
	  .dflt = 100 },
	{ .key = "weight", .kind = CFG_U32, .flags = CF_DEFAULT,
	  AT(struct lts_rule_member, weight), .min = 1, .max = 1000,
	  .dflt = 1 },
};
static const struct cfg_schema member_schema = SCHEMA(member_fields);

#define RULE_POLICY(word, m) \
	{ .key = word, .kind = CFG_ENUM, .flags = CF_DEFAULT, \
	  AT(struct lts_rule, m), .names = avp_policy_names, \
	  .dflt = LTS_AVP_POLICY_RELAY }

static const struct cfg_field avp_fields[] = {
	RULE_POLICY("calling_number", calling_number_policy),
	RULE_POLICY("bearer_type", bearer_type_policy),
};
static const struct cfg_schema avp_schema = SCHEMA(avp_fields);

static const struct cfg_field rule_fields[] = {
	{ .key = "name", .kind = CFG_STR, .flags = CF_REQUIRED,
	  AT(struct lts_rule, name), .min = 1, .max = LTS_CFG_NAME_MAX - 1 },
	{ .key = "match", .kind = CFG_MAP, .off = 0, .nested = &match_schema },
	{ .key = "pool", .kind = CFG_MAP, .list = CFG_LIST_ALLOC,
	  .flags = CF_REQUIRED, LIST_AT(struct lts_rule, pool, n_pool),
	  .nested = &member_schema, .min_items = 1,
	  .max_items = LTS_RULE_POOL_MAX },
	{ .key = "avp", .kind = CFG_MAP, .off = 0, .nested = &avp_schema },
	QOS_FIELDS(struct lts_rule),
};
static const struct cfg_schema rule_schema = SCHEMA(rule_fields);

/* metrics: the Prometheus endpoint; listen is parsed again by derive(). */
static const struct cfg_field metrics_fields[] = {
	{ .key = "listen", .kind = CFG_STR, .flags = CF_REQUIRED,
	  AT(struct lts_metrics_cfg, listen), .min = 1,
	  .max = LTS_CFG_LISTEN_MAX - 1, .check = check_listen },
	{ .key = "per_session", .kind = CFG_BOOL, .flags = CF_DEFAULT,
	  AT(struct lts_metrics_cfg, per_session), .dflt = false },
};
static const struct cfg_schema metrics_schema = SCHEMA(metrics_fields);

/* accounting: where the call records go; check_accounting() wants one place. */
static const struct cfg_field acct_fields[] = {
	{ .key = "file", .kind = CFG_STR, AT(struct lts_acct_cfg, file), .min = 1,
	  .max = LTS_CFG_PATH_MAX - 1, .check = check_abspath },
	{ .key = "syslog", .kind = CFG_BOOL, .flags = CF_DEFAULT,
	  AT(struct lts_acct_cfg, syslog), .dflt = false },
	/* RFC 2869 5.16 asks RADIUS for >= 60 s; a file takes any pace. */
	{ .key = "interim_interval", .kind = CFG_U32, .flags = CF_DEFAULT,
	  AT(struct lts_acct_cfg, interim_s), .min = 0, .max = 86400, .dflt = 0 },
};
static const struct cfg_schema acct_schema = SCHEMA(acct_fields);

/* logging: (agent/lib/log.c); the words are log.h's. */
#define LOG_WORD(e, word, ...) word,
static const char *const log_level_names[] = { LTS_LOG_LEVELS(LOG_WORD) NULL };
static const char *const log_facility_names[] = { LTS_LOG_FACILITIES(LOG_WORD) NULL };
/* Index LTS_TRACE_N is "all". */
static const char *const trace_flag_names[] = { LTS_TRACE_FLAGS(LOG_WORD) LTS_TRACE_ALL_WORD,
						NULL };
#undef LOG_WORD
_Static_assert(sizeof(enum lts_log_level) == sizeof(int), "CFG_ENUM stores int");
_Static_assert(sizeof(enum lts_log_facility) == sizeof(int), "CFG_ENUM stores int");

static const char *check_log_prefix(const char *s);

/* Neither socket nor remote: the local socket (derive_logging()). */
static const struct cfg_field syslog_fields[] = {
	{ .key = "socket", .kind = CFG_STR, AT(struct lts_syslog_cfg, socket), .min = 1,
	  .max = LTS_CFG_SOCK_MAX - 1, .check = check_abspath },
	{ .key = "remote", .kind = CFG_STR, AT(struct lts_syslog_cfg, remote), .min = 1,
	  .max = LTS_CFG_LISTEN_MAX - 1, .check = check_listen },
	{ .key = "facility", .kind = CFG_ENUM, .flags = CF_DEFAULT,
	  AT(struct lts_syslog_cfg, facility), .names = log_facility_names,
	  .dflt = LTS_LOG_FAC_DAEMON },
	{ .key = "level", .kind = CFG_ENUM, .flags = CF_DEFAULT, AT(struct lts_syslog_cfg, level),
	  .names = log_level_names, .dflt = LTS_LOG_INFO },
	/* RFC 3164 4.1.3: the TAG is at most 32 alphanumeric characters. */
	{ .key = "prefix", .kind = CFG_STR, .flags = CF_DEFAULT, AT(struct lts_syslog_cfg, prefix),
	  .min = 1, .max = LTS_LOG_PREFIX_MAX, .dflt_str = "ltsd", .check = check_log_prefix },
};
static const struct cfg_schema syslog_schema = SCHEMA(syslog_fields);

/* peer must name a lac_peer or an lns_peer: check_logging(). */
static const struct cfg_field trace_fields[] = {
	{ .key = "flags", .kind = CFG_ENUM, .list = CFG_LIST_INLINE, .flags = CF_UNIQUE,
	  LIST_AT(struct lts_trace_cfg, flags, n_flags), .names = trace_flag_names,
	  .min_items = 0, .max_items = LTS_TRACE_N + 1 },
	{ .key = "peer", .kind = CFG_STR, AT(struct lts_trace_cfg, peer), .min = 1,
	  .max = LTS_CFG_NAME_MAX - 1 },
};
static const struct cfg_schema trace_schema = SCHEMA(trace_fields);

static const struct cfg_field logging_fields[] = {
	{ .key = "level", .kind = CFG_ENUM, .flags = CF_DEFAULT, AT(struct lts_logging_cfg, level),
	  .names = log_level_names, .dflt = LTS_LOG_INFO },
	{ .key = "stderr", .kind = CFG_BOOL, .flags = CF_DEFAULT,
	  AT(struct lts_logging_cfg, to_stderr), .dflt = true },
	{ .key = "syslog", .kind = CFG_MAP, AT(struct lts_logging_cfg, syslog),
	  .nested = &syslog_schema },
	{ .key = "trace", .kind = CFG_MAP, AT(struct lts_logging_cfg, trace),
	  .nested = &trace_schema },
	{ .key = "repeat_limit", .kind = CFG_U32, .flags = CF_DEFAULT,
	  AT(struct lts_logging_cfg, repeat_limit), .min = 0, .max = 1000000, .dflt = 20 },
	{ .key = "repeat_window", .kind = CFG_U32, .flags = CF_DEFAULT,
	  AT(struct lts_logging_cfg, repeat_window_s), .min = 1, .max = 3600, .dflt = 30 },
};
static const struct cfg_schema logging_schema = SCHEMA(logging_fields);

/* switch: and dataplane: both fill the top-level struct itself. */
static const struct cfg_field root_fields[] = {
	{ .key = "switch", .kind = CFG_MAP, .off = 0,
	  .nested = &switch_schema },
	{ .key = "dataplane", .kind = CFG_MAP, .off = 0,
	  .nested = &dataplane_schema },
	/* Each session takes two switch table entries. */
	{ .key = "static_sessions", .kind = CFG_MAP, .list = CFG_LIST_ALLOC,
	  LIST_AT(struct lts_config, static_sessions, n_static_sessions),
	  .nested = &session_schema, .max_items = CFG_MAX_SESSIONS_LIMIT / 2 },
	{ .key = "limits", .kind = CFG_MAP, AT(struct lts_config, limits),
	  .nested = &limits_schema },
	{ .key = "control", .kind = CFG_MAP, AT(struct lts_config, control),
	  .nested = &ctrl_schema },
	/* Peers are looked up by address, IDs are 16 bits: 65535 is plenty. */
	{ .key = "lac_peers", .kind = CFG_MAP, .list = CFG_LIST_ALLOC,
	  LIST_AT(struct lts_config, lac_peers, n_lac_peers),
	  .nested = &lac_schema, .max_items = 65535 },
	{ .key = "lns_peers", .kind = CFG_MAP, .list = CFG_LIST_ALLOC,
	  LIST_AT(struct lts_config, lns_peers, n_lns_peers),
	  .nested = &lns_schema, .max_items = 65535 },
	/* Tried in order for every call. */
	{ .key = "rules", .kind = CFG_MAP, .list = CFG_LIST_ALLOC,
	  LIST_AT(struct lts_config, rules, n_rules),
	  .nested = &rule_schema, .max_items = 65535 },
	{ .key = "metrics", .kind = CFG_MAP, AT(struct lts_config, metrics),
	  .nested = &metrics_schema },
	{ .key = "logging", .kind = CFG_MAP, AT(struct lts_config, logging),
	  .nested = &logging_schema },
	{ .key = "accounting", .kind = CFG_MAP, AT(struct lts_config, accounting),
	  .nested = &acct_schema },
};
static const struct cfg_schema root_schema = SCHEMA(root_fields);

/*
 * Where a stored value or mapping came from. desc is the cfg_field of a
 * value or the cfg_schema of a mapping: an address alone is ambiguous
 * (a struct and its first member share it, switch: and dataplane: share the
 * top-level struct).
 */
struct cfg_mark {
	uintptr_t at;
	const void *desc;
	yaml_mark_t mark;
};

#define CFG_PATH_MAX 256

/* A CFG_REF value seen by the walker, resolved once the file is read. */
struct cfg_ref {
	void *dst;
	const struct cfg_field *f;
	const yaml_node_t *n;
	char path[CFG_PATH_MAX];
};

struct cfg_ctx {
	const char *name;
	char *err;
	size_t errlen;
	yaml_document_t *doc;
	yaml_mark_t root_mark;
	char path[CFG_PATH_MAX]; /* dotted path of the node being walked */
	size_t path_len;
	struct cfg_mark *marks;
	size_t n_marks;
	size_t cap_marks;
	struct cfg_ref *refs; /* in document order */
	size_t n_refs;
	size_t cap_refs;
};

static const char *check_abspath(const char *s)
{
	return s[0] == '/' ? NULL : "must be an absolute path";
}

/* A realm is what follows the last '@': it cannot hold one itself. */
static const char *check_realm(const char *s)
{
	return strchr(s, '@') ?
		       "must not contain '@' (the realm is the part of the user name after the last '@')" :
		       NULL;
}

/* The kernel's dev_valid_name() rules, so that ltsd never asks for a name
 * the kernel could not have. */
static const char *check_ifname(const char *s)
{
	if (!strcmp(s, ".") || !strcmp(s, ".."))
		return "is not a valid interface name";
	if (strpbrk(s, "/: \t\n\v\f\r"))
		return "must not contain '/', ':' or whitespace";
	return NULL;
}

/* Port as in the rest of the file: plain decimal, no sign, no leading zero. */
static const char *listen_port(const char *p, uint16_t *port)
{
	unsigned long v = 0;

	if (!*p)
		return "has no port after the ':'";
	if (*p == '0')
		return p[1] ? "must have a port without leading zeros" : "must have a port 1..65535";
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return "must have a decimal port 1..65535";
		v = v * 10 + (unsigned long)(*p - '0');
		if (v > 65535)
			return "must have a port 1..65535";
	}
	*port = (uint16_t)v;
	return NULL;
}

int lts_listen_parse(const char *s, struct lts_ip *ip, uint16_t *port, const char **why)
{
	char text[INET6_ADDRSTRLEN];
	struct lts_ip out = { 0 };
	const char *addr, *end, *w;
	uint16_t p = 0;
	bool v6;

	v6 = s[0] == '[';
	if (v6) {
		addr = s + 1;
		end = strchr(addr, ']');
		w = !end || end[1] != ':' ? "must be [ADDRESS]:PORT for IPv6" : NULL;
	} else {
		addr = s;
		end = strrchr(s, ':');
		w = !end ? "must be ADDRESS:PORT (IPv4) or [ADDRESS]:PORT (IPv6)" :
		    memchr(s, ':', (size_t)(end - s)) ?
			   "needs brackets around an IPv6 address: [ADDRESS]:PORT" : NULL;
	}
	if (!w && ((size_t)(end - addr) >= sizeof(text) || end == addr))
		w = "has no valid address before the port";
	if (!w) {
		memcpy(text, addr, (size_t)(end - addr));
		text[end - addr] = '\0';
		out.family = v6 ? LTS_FAMILY_IPV6 : LTS_FAMILY_IPV4;
		if (inet_pton(v6 ? AF_INET6 : AF_INET, text, out.addr) != 1)
			w = v6 ? "has no valid IPv6 address between the brackets" :
				 "has no valid IPv4 address before the port";
	}
	if (!w)
		w = listen_port(end + (v6 ? 2 : 1), &p);
	if (why)
		*why = w;
	if (w)
		return -EINVAL;
	*ip = out;
	*port = p;
	return 0;
}

static const char *check_listen(const char *s)
{
	struct lts_ip ip;
	const char *why;
	uint16_t port;

	lts_listen_parse(s, &ip, &port, &why);
	return why;
}

/* RFC 3164 4.1.3 says alphanumeric; '-', '_' and '.' are what names use and parsers take. */
static const char *check_log_prefix(const char *s)
{
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("-_.", *s))
			return "may hold only letters, digits, '-', '_' and '.'";
	return NULL;
}

static __attribute__((format(printf, 4, 5))) int
cfg_err(struct cfg_ctx *ctx, const yaml_mark_t *mark, const char *path,
	const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!ctx->err || !ctx->errlen)
		return -EINVAL;
	n = snprintf(ctx->err, ctx->errlen, "%s:%zu:%zu: %s%s", ctx->name,
		     mark->line + 1, mark->column + 1, path, *path ? ": " : "");
	if (n < 0 || (size_t)n >= ctx->errlen)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(ctx->err + n, ctx->errlen - n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int cfg_enomem(struct cfg_ctx *ctx)
{
	if (ctx->err && ctx->errlen)
		snprintf(ctx->err, ctx->errlen, "%s: %s", ctx->name,
			 strerror(ENOMEM));
	return -ENOMEM;
}

/* Append to the path; returns the old length for path_pop(). */
static __attribute__((format(printf, 2, 3))) size_t
path_push(struct cfg_ctx *ctx, const char *fmt, ...)
{
	size_t old = ctx->path_len;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(ctx->path + old, sizeof(ctx->path) - old, fmt, ap);
	va_end(ap);
	if (n > 0)
		ctx->path_len += (size_t)n < sizeof(ctx->path) - old ?
					 (size_t)n : sizeof(ctx->path) - old - 1;
	return old;
}

static void path_pop(struct cfg_ctx *ctx, size_t old)
{
	ctx->path_len = old;
	ctx->path[old] = '\0';
}

static int mark_add(struct cfg_ctx *ctx, const void *at, const void *desc,
		    const yaml_mark_t *mark)
{
	if (ctx->n_marks == ctx->cap_marks) {
		size_t cap = ctx->cap_marks ? 2 * ctx->cap_marks : 64;
		struct cfg_mark *m;

		m = reallocarray(ctx->marks, cap, sizeof(*m));
		if (!m)
			return cfg_enomem(ctx);
		ctx->marks = m;
		ctx->cap_marks = cap;
	}
	ctx->marks[ctx->n_marks++] = (struct cfg_mark){
		.at = (uintptr_t)at, .desc = desc, .mark = *mark
	};
	return 0;
}

static int mark_cmp(const void *pa, const void *pb)
{
	const struct cfg_mark *a = pa, *b = pb;

	if (a->at != b->at)
		return a->at < b->at ? -1 : 1;
	if (a->desc != b->desc)
		return (uintptr_t)a->desc < (uintptr_t)b->desc ? -1 : 1;
	return 0;
}

/* Only valid once the walk is over and the marks are sorted. */
static const yaml_mark_t *mark_find(const struct cfg_ctx *ctx, const void *at,
				    const void *desc)
{
	struct cfg_mark key = { .at = (uintptr_t)at, .desc = desc };
	const struct cfg_mark *m;

	m = bsearch(&key, ctx->marks, ctx->n_marks, sizeof(*m), mark_cmp);
	return m ? &m->mark : NULL;
}

/* One key of a mapping: its field, and where the field's struct starts. */
struct cfg_key {
	const struct cfg_field *f;
	size_t off; /* from the mapping's base: nonzero inside a CFG_EMBED */
};

/* The keys of a mapping in table order, embedded tables flattened. */
static size_t schema_keys(const struct cfg_schema *s, size_t off,
			  struct cfg_key *keys, size_t n)
{
	size_t i;

	for (i = 0; i < s->n_fields; i++) {
		const struct cfg_field *f = &s->fields[i];

		if (f->kind == CFG_EMBED) {
			n = schema_keys(f->nested, off + f->off, keys, n);
			continue;
		}
		/* Static tables: any test that walks the table trips this. */
		assert(n < CFG_MAX_KEYS);
		if (n < CFG_MAX_KEYS)
			keys[n++] = (struct cfg_key){ .f = f, .off = off };
	}
	return n;
}

static const struct cfg_key *key_find(const struct cfg_key *keys, size_t n,
				      const char *key, size_t len)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strlen(keys[i].f->key) == len &&
		    !memcmp(keys[i].f->key, key, len))
			return &keys[i];
	return NULL;
}

/* Mark of key in the mapping at base, or NULL when the key was absent. */
static const yaml_mark_t *field_mark(const struct cfg_ctx *ctx,
				     const void *base,
				     const struct cfg_schema *s,
				     const char *key)
{
	struct cfg_key keys[CFG_MAX_KEYS];
	size_t n = schema_keys(s, 0, keys, 0);
	const struct cfg_key *k = key_find(keys, n, key, strlen(key));

	return mark_find(ctx, (const char *)base + k->off + k->f->off, k->f);
}

/* Mark of the mapping at base, else of the document: never NULL. */
static const yaml_mark_t *map_mark(const struct cfg_ctx *ctx, const void *base,
				   const struct cfg_schema *s)
{
	const yaml_mark_t *m = mark_find(ctx, base, s);

	return m ? m : &ctx->root_mark;
}

static void list_append(char *buf, size_t size, size_t *pos, const char *s)
{
	int n;

	if (*pos >= size)
		return;
	n = snprintf(buf + *pos, size - *pos, "%s%s", *pos ? ", " : "", s);
	if (n > 0)
		*pos += n;
}

static yaml_node_t *doc_node(const struct cfg_ctx *ctx, int index)
{
	return yaml_document_get_node(ctx->doc, index);
}

/* YAML 1.1 null: an empty plain scalar, ~ or null. */
static bool node_is_null(const yaml_node_t *n)
{
	const char *v;

	if (n->type != YAML_SCALAR_NODE ||
	    n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	v = (const char *)n->data.scalar.value;
	return !*v || !strcmp(v, "~") || !strcmp(v, "null") ||
	       !strcmp(v, "Null") || !strcmp(v, "NULL");
}

static const char *node_desc(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_MAPPING_NODE:
		return "a mapping";
	case YAML_SEQUENCE_NODE:
		return "a sequence";
	default:
		return node_is_null(n) ? "null" : "a scalar";
	}
}

/* The text of a non-null scalar, or an error saying what was expected. */
static int scalar_text(struct cfg_ctx *ctx, const yaml_node_t *n,
		       const char *expected, const char **text)
{
	if (n->type != YAML_SCALAR_NODE || node_is_null(n))
		return cfg_err(ctx, &n->start_mark, ctx->path,
			       "expected %s, got %s", expected, node_desc(n));
	*text = (const char *)n->data.scalar.value;
	return 0;
}

static void store_int(enum cfg_kind kind, void *dst, long long v)
{
	switch (kind) {
	case CFG_U16:
		*(uint16_t *)dst = v;
		break;
	case CFG_U32:
		*(uint32_t *)dst = v;
		break;
	default: /* CFG_INT, CFG_ENUM */
		*(int *)dst = v;
		break;
	}
}

/* A CFG_REF index (or -1) into the int or size_t f describes. */
static void store_ref(const struct cfg_field *f, void *dst, long long v)
{
	size_t z = (size_t)v;
	int i = (int)v;

	if (f->size == sizeof(int))
		memcpy(dst, &i, sizeof(i));
	else
		memcpy(dst, &z, sizeof(z));
}

static long long load_int(enum cfg_kind kind, const void *src)
{
	switch (kind) {
	case CFG_U16:
		return *(const uint16_t *)src;
	case CFG_U32:
		return *(const uint32_t *)src;
	default: /* CFG_INT, CFG_ENUM */
		return *(const int *)src;
	}
}

static int walk_str(struct cfg_ctx *ctx, const yaml_node_t *n,
		    const struct cfg_field *f, char *dst)
{
	const char *s = "", *why;
	size_t len;
	int err;

	err = scalar_text(ctx, n, "a string", &s);
	if (err)
		return err;
	len = n->data.scalar.length;
	if (memchr(s, '\0', len))
		return cfg_err(ctx, &n->start_mark, ctx->path,
			       "must not contain a NUL character");
	if ((long long)len < f->min || (long long)len > f->max)
		return cfg_err(ctx, &n->start_mark, ctx->path,
			       "must be %lld..%lld characters long, got %zu",
			       f->min, f->max, len);
	why = f->check ? f->check(s) : NULL;
	if (why)
		return cfg_err(ctx, &n->start_mark, ctx->path, "\"%.*s\" %s",
			       CFG_QUOTE_MAX, s, why);
	memset(dst, 0, f->size);
	memcpy(dst, s, len);
	if (f->flags & CF_LEN)
		*(size_t *)(dst - f->off + f->count_off) = len;
	return 0;
}

/*
 * Plain decimal only: a sign, hex, YAML 1.1 octal (leading 0), sexagesimal
 * or underscores would all be read differently by some other YAML tool.
 */
static int walk_uint(struct cfg_ctx *ctx, const yaml_node_t *n,
		     const struct cfg_field *f, void *dst)
{
	unsigned long long v = 0;
	const char *s = "";
	size_t i, len;
	int err;

	err = scalar_text(ctx, n, "an integer", &s);
	if (err)
		return err;
	len = n->data.scalar.length;
	if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return cfg_err(ctx, &n->start_mark, ctx->path,
			       "expected an integer, got a quoted string \"%.*s\"",
			       CFG_QUOTE_MAX, s);
	if (strspn(s, "0123456789") != len)
		return cfg_err(ctx, &n->start_mark, ctx->path,
			       "expected a decimal integer, got \"%.*s\"",
			       CFG_QUOTE_MAX, s);
	if (len > 1 && s[0] == '0')
		return cfg_err(ctx, &n->start_mark, ctx->path,
			       "\"%.*s\": leading zeros are not allowed (YAML 1.1 reads them as octal)",
			       CFG_QUOTE_MAX, s);
	/* Saturate: every limit is far below this. */
	for (i = 0; i < len && v < (1ULL << 40); i++)
		v = v * 10 + (s[i] - '0');
	if (v == 0 && f->min > 0 && f->zero_why)
		return cfg_err(ctx, &n->start_mark, ctx->path,
			       "0 is not allowed (%s)", f->zero_why);
	if (i < len || (long long)v < f->min || (long long)v > f->max)
		return cfg_err(ctx, &n->start_mark, ctx->path,
			       "%.*s is out of range %lld..%lld%s%s%s",
			       CFG_QUOTE_MAX, s, f->min, f->max,
			       f->range_why ? " (" : "",
			       f->range_why ? f->range_why : "",
			       f->range_why ? ")" : "");
	store_int(f->kind, dst, v);
	return 0;
}

static int walk_enum(struct cfg_ctx *ctx, const yaml_node_t *n,
		     const struct cfg_field *f, void *dst)
{
	bool text = n->type == YAML_SCALAR_NODE && !node_is_null(n);
	const char *s = text ? (const char *)n->data.scalar.value : "";
	char names[128];
	size_t i, pos = 0;

	for (i = 0; text && f->names[i]; i++) {
		if (!strcmp(s, f->names[i])) {
			store_int(f->kind, dst, i);
			return 0;
		}
	}
	for (i = 0; f->names[i]; i++)
		list_append(names, sizeof(names), &pos, f->names[i]);
	if (!text)
		return cfg_err(ctx, &n->start_mark, ctx->path,
			       "expected one of %s, got %s", names,
			       node_desc(n));
	return cfg_err(ctx, &n->start_mark, ctx->path,
		       "expected one of %s, got \"%.*s\"", names,
		       CFG_QUOTE_MAX, s);
}

/*
 * Only the literal words, unquoted: YAML 1.1 would also read yes/no/on/off
 * (and the docs promise that "off" is never a boolean).
 */
static int walk_bool(struct cfg_ctx *ctx, const yaml_node_t *n, void *dst)
{
	const char *s = "";
	int err;

	err = scalar_text(ctx, n, "true or false", &s);
	if (err)
		return err;
	if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return cfg_err(ctx, &n->start_mark, ctx->path,
			       "expected true or false, got a quoted string \"%.*s\"",
			       CFG_QUOTE_MAX, s);
	if (strcmp(s, "true") && strcmp(s, "false"))
		return cfg_err(ctx, &n->start_mark, ctx->path,
			       "expected true or false, got \"%.*s\"",
			       CFG_QUOTE_MAX, s);
	*(bool *)dst = s[0] == 't';
	return 0;
}

/* inet_pton() of the first len bytes of s; false if they are no address. */
static bool parse_ip(const char *s, size_t len, struct lts_ip *ip)
{
	char buf[INET6_ADDRSTRLEN];

	memset(ip, 0, sizeof(*ip));
	/* A NUL inside would make inet_pton() read only the part before it. */
	if (len >= sizeof(buf) || memchr(s, '\0', len))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, ip->addr) == 1)
		ip->family = LTS_FAMILY_IPV4;
	else if (inet_pton(AF_INET6, buf, ip->addr) == 1)
		ip->family = LTS_FAMILY_IPV6;
	return ip->family != LTS_FAMILY_NONE;
}

static int walk_ip(struct cfg_ctx *ctx, const yaml_node_t *n, void *dst)
{
	struct lts_ip ip;
	const char *s = "";
	int err;

	err = scalar_text(ctx, n, "an IP address", &s);
	if (err)
		return err;
	if (!parse_ip(s, n->data.scalar.length, &ip))
		return cfg_err(ctx, &n->start_mark, ctx->path,
			       "expected an IPv4 or IPv6 address, got \"%.*s\"",
			       CFG_QUOTE_MAX, s);
	memcpy(dst, &ip, sizeof(ip));
	return 0;
}

static unsigned int family_bits(uint8_t family)
{
	return family == LTS_FAMILY_IPV6 ? 128 : 32;
}


/*
 * "addr" (a /32 or /128) or "addr/len". Host bits must be zero: 10.0.1.1/24
 * is more likely a typo for 10.0.1.1 than a way to write 10.0.1.0/24.
 */
static int walk_prefix(struct cfg_ctx *ctx, const yaml_node_t *n, void *dst)
{
	struct lts_prefix p = { 0 };
	const char *s = "", *slash, *l;
	char net[INET6_ADDRSTRLEN];
	unsigned int bits, i;
	size_t len, ll;
	int err;

	err = scalar_text(ctx, n, "an IP address or prefix", &s);
	if (err)
		return err;
	len = n->data.scalar.length;
	slash = memchr(s, '/', len);
	if (!parse_ip(s, slash ? (size_t)(slash - s) : len, &p.ip))
		return cfg_err(ctx, &n->start_mark, ctx->path,
			       "expected an IPv4 or IPv6 address or prefix (address/length), got \"%.*s\"",
			       CFG_QUOTE_MAX, s);
	bits = family_bits(p.ip.family);
	p.len = bits;
	if (slash) {
		l = slash + 1;
		ll = len - (l - s);
		if (!ll || ll > 3 || strspn(l, "0123456789") != ll ||
		    (ll > 1 && l[0] == '0') || (unsigned int)atoi(l) > bits)
			return cfg_err(ctx, &n->start_mark, ctx->path,
				       "\"%.*s\": the prefix length of an %s address must be 0..%u",
				       CFG_QUOTE_MAX, s,
				       bits == 32 ? "IPv4" : "IPv6", bits);
		p.len = atoi(l);
	}
	for (i = p.len; i < bits; i++) {
		if (!(p.ip.addr[i / 8] & (0x80 >> (i % 8))))
			continue;
		for (i = p.len; i < bits; i++)
			p.ip.addr[i / 8] &= ~(0x80 >> (i % 8));
		lts_ip_str(&p.ip, net, sizeof(net));
		return cfg_err(ctx, &n->start_mark, ctx->path,
			       "\"%.*s\" has host bits set (the prefix is %s/%u; for one address leave out the length)",
			       CFG_QUOTE_MAX, s, net, p.len);
	}
	memcpy(dst, &p, sizeof(p));
	return 0;
}

/* Queue a name for resolve_refs(); the index lands in dst then. */
static int walk_ref(struct cfg_ctx *ctx, const yaml_node_t *n,
		    const struct cfg_field *f, void *dst)
{
	const char *s = "";
	struct cfg_ref *r;
	int err;

	err = scalar_text(ctx, n, "a name", &s);
	if (err)
		return err;
	if (ctx->n_refs == ctx->cap_refs) {
		size_t cap = ctx->cap_refs ? 2 * ctx->cap_refs : 16;

		r = reallocarray(ctx->refs, cap, sizeof(*r));
		if (!r)
			return cfg_enomem(ctx);
		ctx->refs = r;
		ctx->cap_refs = cap;
	}
	r = &ctx->refs[ctx->n_refs++];
	r->dst = dst;
	r->f = f;
	r->n = n;
	snprintf(r->path, sizeof(r->path), "%s", ctx->path);
	return 0;
}

static int walk_map(struct cfg_ctx *ctx, const yaml_node_t *n,
		    const struct cfg_schema *s, void *base);

/* One value (or one list entry) of field f into dst. */
static int walk_one(struct cfg_ctx *ctx, const yaml_node_t *n,
		    const struct cfg_field *f, void *dst)
{
	switch (f->kind) {
	case CFG_STR:
		return walk_str(ctx, n, f, dst);
	case CFG_U16:
	case CFG_U32:
	case CFG_INT:
		return walk_uint(ctx, n, f, dst);
	case CFG_ENUM:
		return walk_enum(ctx, n, f, dst);
	case CFG_IP:
		return walk_ip(ctx, n, dst);
	case CFG_BOOL:
		return walk_bool(ctx, n, dst);
	case CFG_PREFIX:
		return walk_prefix(ctx, n, dst);
	case CFG_MAP:
		return walk_map(ctx, n, f->nested, dst);
	case CFG_REF:
		return walk_ref(ctx, n, f, dst);
	case CFG_EMBED: /* flattened by schema_keys(): never walked */
		break;
	}
	return -EINVAL;
}

static int walk_list(struct cfg_ctx *ctx, const yaml_node_t *n,
		     const struct cfg_field *f, char *base)
{
	size_t *count = (size_t *)(base + f->count_off);
	yaml_node_item_t *items;
	size_t i, j, nitems;
	char *arr;
	int err;

	if (n->type != YAML_SEQUENCE_NODE)
		return cfg_err(ctx, &n->start_mark, ctx->path,
			       "expected a sequence, got %s", node_desc(n));
	items = n->data.sequence.items.start;
	nitems = n->data.sequence.items.top - items;
	if (nitems < f->min_items)
		return cfg_err(ctx, &n->start_mark, ctx->path,
			       "must have at least %zu %s", f->min_items,
			       f->min_items == 1 ? "entry" : "entries");
	if (nitems > f->max_items)
		return cfg_err(ctx, &n->start_mark, ctx->path,
			       "must have at most %zu entries, got %zu",
			       f->max_items, nitems);

	if (f->list == CFG_LIST_INLINE) {
		arr = base + f->off;
	} else {
		arr = nitems ? calloc(nitems, f->size) : NULL;
		if (nitems && !arr)
			return cfg_enomem(ctx);
		/* Owned by the config from here on: freed with it on error. */
		*(void **)(base + f->off) = arr;
	}
	/*
	 * Counted before the entries are walked: on an error the config is
	 * freed, and lts_config_free() must see the lists inside the entries
	 * walked so far (all-zero entries hold none).
	 */
	*count = nitems;

	for (i = 0; i < nitems; i++) {
		const yaml_node_t *item = doc_node(ctx, items[i]);
		size_t old = path_push(ctx, "[%zu]", i);
		char *elem = arr + i * f->size;

		err = walk_one(ctx, item, f, elem);
		for (j = 0; !err && (f->flags & CF_UNIQUE) && j < i; j++)
			if (!memcmp(arr + j * f->size, elem, f->size))
				err = cfg_err(ctx, &item->start_mark, ctx->path,
					      "duplicate entry \"%.*s\" (same as [%zu])",
					      CFG_QUOTE_MAX,
					      (const char *)item->data.scalar.value,
					      j);
		path_pop(ctx, old);
		if (err)
			return err;
	}
	return 0;
}

static void apply_defaults(const struct cfg_schema *s, char *base);

static void apply_default(const struct cfg_field *f, char *base)
{
	char *dst = base + f->off;

	if (f->kind == CFG_MAP && f->list == CFG_ONE) {
		/* An absent section still gets its defaults. */
		apply_defaults(f->nested, dst);
		return;
	}
	if (!(f->flags & CF_DEFAULT))
		return;
	if (f->kind == CFG_STR)
		snprintf(dst, f->size, "%s", f->dflt_str);
	else if (f->kind == CFG_REF)
		store_ref(f, dst, f->dflt);
	else if (f->kind == CFG_BOOL)
		*(bool *)dst = f->dflt;
	else
		store_int(f->kind, dst, f->dflt);
	if (f->list == CFG_LIST_INLINE)
		*(size_t *)(base + f->count_off) = 1;
}

static void apply_defaults(const struct cfg_schema *s, char *base)
{
	struct cfg_key keys[CFG_MAX_KEYS];
	size_t i, n = schema_keys(s, 0, keys, 0);

	for (i = 0; i < n; i++)
		apply_default(keys[i].f, base + keys[i].off);
}

static int walk_field(struct cfg_ctx *ctx, const yaml_node_t *n,
		      const struct cfg_field *f, char *base)
{
	int err;

	err = mark_add(ctx, base + f->off, f, &n->start_mark);
	if (err)
		return err;
	if (f->list == CFG_ONE)
		return walk_one(ctx, n, f, base + f->off);
	return walk_list(ctx, n, f, base);
}

static int walk_map(struct cfg_ctx *ctx, const yaml_node_t *n,
		    const struct cfg_schema *s, void *base)
{
	struct cfg_key keys[CFG_MAX_KEYS];
	bool seen[CFG_MAX_KEYS] = { false };
	size_t i, nkeys, pos = 0;
	const struct cfg_field *f;
	const struct cfg_key *kk;
	yaml_node_pair_t *pair;
	char names[384];
	int err;

	if (n->type != YAML_MAPPING_NODE)
		return cfg_err(ctx, &n->start_mark, ctx->path,
			       "expected a mapping, got %s", node_desc(n));
	err = mark_add(ctx, base, s, &n->start_mark);
	if (err)
		return err;
	nkeys = schema_keys(s, 0, keys, 0);

	for (pair = n->data.mapping.pairs.start;
	     pair < n->data.mapping.pairs.top; pair++) {
		const yaml_node_t *key = doc_node(ctx, pair->key);
		const yaml_node_t *val = doc_node(ctx, pair->value);
		const char *k;
		size_t old;

		if (key->type != YAML_SCALAR_NODE)
			return cfg_err(ctx, &key->start_mark, ctx->path,
				       "expected a key, got %s",
				       node_desc(key));
		k = (const char *)key->data.scalar.value;
		kk = key_find(keys, nkeys, k, key->data.scalar.length);
		if (!kk) {
			for (i = 0; i < nkeys; i++)
				list_append(names, sizeof(names), &pos,
					    keys[i].f->key);
			return cfg_err(ctx, &key->start_mark, ctx->path,
				       "unknown key \"%.*s\" (expected one of %s)",
				       CFG_QUOTE_MAX, k, names);
		}
		f = kk->f;
		if (seen[kk - keys])
			return cfg_err(ctx, &key->start_mark, ctx->path,
				       "duplicate key \"%s\"", f->key);
		seen[kk - keys] = true;

		old = path_push(ctx, "%s%s", ctx->path_len ? "." : "", f->key);
		err = walk_field(ctx, val, f, (char *)base + kk->off);
		path_pop(ctx, old);
		if (err)
			return err;
	}

	for (i = 0; i < nkeys; i++) {
		f = keys[i].f;
		if (seen[i])
			continue;
		if (f->flags & CF_REQUIRED)
			return cfg_err(ctx, &n->start_mark, ctx->path,
				       "missing required key \"%s\"", f->key);
		apply_default(f, (char *)base + keys[i].off);
	}
	return 0;
}

/* Whether anything in s (or below it) inherits. */
static bool schema_inherits(const struct cfg_schema *s)
{
	size_t i;

	for (i = 0; i < s->n_fields; i++)
		if ((s->fields[i].flags & CF_INHERIT) ||
		    (s->fields[i].nested && schema_inherits(s->fields[i].nested)))
			return true;
	return false;
}

static void inherit_value(const struct cfg_field *f, char *dst,
			  const char *src)
{
	if (f->kind == CFG_STR) {
		snprintf(dst, f->size, "%s", src);
		if (f->flags & CF_LEN)
			*(size_t *)(dst - f->off + f->count_off) = strlen(dst);
	} else if (f->inherit_mul) {
		store_int(f->kind, dst, load_int(f->kind, src) * f->inherit_mul);
	} else {
		memcpy(dst, src, f->size);
	}
}

/*
 * CF_INHERIT, after the walk (marks sorted): a value the file did not set
 * takes its source's. src, when not NULL, is a struct of the same type as
 * base whose values every unset key of s takes (an embedded control:).
 */
static void inherit_map(const struct cfg_ctx *ctx, const struct cfg_schema *s,
			char *base, const char *root, const char *src)
{
	size_t i, j, n;

	for (i = 0; i < s->n_fields; i++) {
		const struct cfg_field *f = &s->fields[i];
		const char *from = NULL, *nsrc;
		char *dst = base + f->off;

		if (f->kind == CFG_MAP || f->kind == CFG_EMBED) {
			nsrc = f->flags & CF_INHERIT ? root + f->inherit :
			       src ? src + f->off : NULL;
			/* Spare 100k static sessions a lookup per value. */
			if (!nsrc && !schema_inherits(f->nested))
				continue;
			if (f->list == CFG_ONE) {
				inherit_map(ctx, f->nested, dst, root, nsrc);
				continue;
			}
			n = *(size_t *)(base + f->count_off);
			if (f->list == CFG_LIST_ALLOC)
				dst = *(char **)dst;
			for (j = 0; j < n; j++)
				inherit_map(ctx, f->nested, dst + j * f->size,
					    root, NULL);
			continue;
		}
		if (f->list != CFG_ONE || mark_find(ctx, dst, f))
			continue;
		if (f->flags & CF_INHERIT)
			from = root + f->inherit;
		else if (src)
			from = src + f->off;
		if (from)
			inherit_value(f, dst, from);
	}
}

static const char *family_name(uint8_t family)
{
	return family == LTS_FAMILY_IPV6 ? "IPv6" : "IPv4";
}

static void ports_str(const struct lts_config *cfg, char *buf, size_t size)
{
	size_t i, pos = 0;
	char port[8];

	buf[0] = '\0';
	for (i = 0; i < cfg->n_l2tp_ports; i++) {
		snprintf(port, sizeof(port), "%u", cfg->l2tp_ports[i]);
		list_append(buf, size, &pos, port);
	}
}

static int check_interfaces(struct cfg_ctx *ctx, const struct lts_config *cfg)
{
	const yaml_mark_t *m;

	if (cfg->mode == LTS_DP_OFF || cfg->n_interfaces)
		return 0;
	m = field_mark(ctx, cfg, &dataplane_schema, "interfaces");
	if (!m)
		m = map_mark(ctx, cfg, &dataplane_schema);
	return cfg_err(ctx, m, "dataplane.interfaces",
		       "at least one interface is required unless dataplane.mode is off");
}

static int check_leg(struct cfg_ctx *ctx, const struct lts_config *cfg,
		     size_t idx, const char *which,
		     const struct lts_static_leg *leg)
{
	char path[64], fpath[80], ports[64];
	const yaml_mark_t *m;
	size_t i;

	snprintf(path, sizeof(path), "static_sessions[%zu].%s", idx, which);
	if (leg->dscp >= 0 && leg->dscp_copy) {
		snprintf(fpath, sizeof(fpath), "%s.dscp_copy", path);
		return cfg_err(ctx, field_mark(ctx, leg, &leg_schema, "dscp_copy"), fpath,
			       "dscp sets the DSCP, dscp_copy copies it: one or the other");
	}
	if (leg->local.family != leg->peer.family) {
		snprintf(fpath, sizeof(fpath), "%s.peer", path);
		return cfg_err(ctx, field_mark(ctx, leg, &leg_schema, "peer"),
			       fpath,
			       "%s address, but local is %s: both addresses of a leg must be of the same family",
			       family_name(leg->peer.family),
			       family_name(leg->local.family));
	}

	for (i = 0; i < cfg->n_l2tp_ports; i++)
		if (cfg->l2tp_ports[i] == leg->local_port)
			return 0;
	ports_str(cfg, ports, sizeof(ports));
	m = field_mark(ctx, leg, &leg_schema, "local_port");
	if (m) {
		snprintf(fpath, sizeof(fpath), "%s.local_port", path);
		return cfg_err(ctx, m, fpath,
			       "%u is not one of dataplane.l2tp_ports (%s)",
			       leg->local_port, ports);
	}
	return cfg_err(ctx, map_mark(ctx, leg, &leg_schema), path,
		       "local_port defaults to %u, which is not one of dataplane.l2tp_ports (%s)",
		       leg->local_port, ports);
}

/* An entry to look for duplicates among: key bytes and document order. */
struct cfg_dup {
	const void *key;
	size_t len;
	size_t idx;
};

static int dup_cmp(const void *pa, const void *pb)
{
	const struct cfg_dup *a = pa, *b = pb;
	int c = memcmp(a->key, b->key, a->len);

	if (c)
		return c;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/*
 * Sort instead of comparing all pairs: static configs with 100k sessions
 * must not take minutes. Reports the duplicate that comes first in the
 * document (*later) and the first entry it repeats (*first).
 */
static bool find_duplicate(struct cfg_dup *v, size_t n, size_t *first,
			   size_t *later)
{
	size_t i, head = 0;
	bool found = false;

	qsort(v, n, sizeof(*v), dup_cmp);
	for (i = 1; i < n; i++) {
		if (memcmp(v[i].key, v[i - 1].key, v[i].len)) {
			head = i;
			continue;
		}
		if (i == head + 1 && (!found || v[i].idx < *later)) {
			*first = v[head].idx;
			*later = v[i].idx;
			found = true;
		}
	}
	return found;
}

/*
 * The "name" of the n entries of arr (stride bytes apart, each described by
 * s, listed at key list) must differ; what says what they are.
 */
static int check_names(struct cfg_ctx *ctx, const void *arr, size_t n,
		       size_t stride, const struct cfg_schema *s,
		       const char *list, const char *what)
{
	struct cfg_key keys[CFG_MAX_KEYS];
	const struct cfg_field *f;
	size_t i, first, later;
	struct cfg_dup *v;
	int err = 0;

	if (n < 2)
		return 0;
	f = key_find(keys, schema_keys(s, 0, keys, 0), "name", 4)->f;
	v = calloc(n, sizeof(*v));
	if (!v)
		return cfg_enomem(ctx);
	/* Names are NUL-padded to their full size, so memcmp is strcmp. */
	for (i = 0; i < n; i++)
		v[i] = (struct cfg_dup){
			(const char *)arr + i * stride + f->off, f->size, i
		};
	if (find_duplicate(v, n, &first, &later)) {
		const char *elem = (const char *)arr + later * stride;
		char path[48];

		snprintf(path, sizeof(path), "%s[%zu].name", list, later);
		err = cfg_err(ctx, field_mark(ctx, elem, s, "name"), path,
			      "duplicate %s name \"%s\" (also %s[%zu])", what,
			      elem + f->off, list, first);
	}
	free(v);
	return err;
}

static const struct lts_static_leg *leg_of(const struct lts_config *cfg,
					   size_t idx)
{
	const struct lts_static_session *s = &cfg->static_sessions[idx / 2];

	return idx % 2 ? &s->b : &s->a;
}

void lts_static_leg_key(const struct lts_static_leg *leg, struct lts_switch_key *k)
{
	memset(k, 0, sizeof(*k));
	k->family = leg->peer.family;
	k->peer_port = leg->peer_port;
	k->tunnel_id = leg->tunnel_id;
	k->session_id = leg->session_id;
	memcpy(k->peer_addr, leg->peer.addr, sizeof(k->peer_addr));
	memcpy(k->local_addr, leg->local.addr, sizeof(k->local_addr));
}

static int report_dup_key(struct cfg_ctx *ctx, const struct lts_config *cfg,
			  size_t first, size_t later)
{
	const struct lts_static_leg *leg = leg_of(cfg, later);
	char path[48], peer[INET6_ADDRSTRLEN], local[INET6_ADDRSTRLEN];
	bool v6 = leg->peer.family == LTS_FAMILY_IPV6;

	snprintf(path, sizeof(path), "static_sessions[%zu].%c", later / 2,
		 later % 2 ? 'b' : 'a');
	lts_ip_str(&leg->peer, peer, sizeof(peer));
	lts_ip_str(&leg->local, local, sizeof(local));
	return cfg_err(ctx, map_mark(ctx, leg, &leg_schema), path,
		       "duplicate switch key: peer %s%s%s:%u, local %s, tunnel_id %u, session_id %u also used by session %s leg %c",
		       v6 ? "[" : "", peer, v6 ? "]" : "", leg->peer_port,
		       local, leg->tunnel_id, leg->session_id,
		       cfg->static_sessions[first / 2].name,
		       first % 2 ? 'b' : 'a');
}

/* Two legs with one switch key would silently steal each other's frames. */
static int check_switch_keys(struct cfg_ctx *ctx, const struct lts_config *cfg)
{
	size_t i, n = 2 * cfg->n_static_sessions, first, later;
	struct lts_switch_key *keys;
	struct cfg_dup *v;
	int err = 0;

	if (!n)
		return 0;
	keys = calloc(n, sizeof(*keys));
	v = calloc(n, sizeof(*v));
	if (!keys || !v) {
		err = cfg_enomem(ctx);
		goto out;
	}
	for (i = 0; i < n; i++) {
		lts_static_leg_key(leg_of(cfg, i), &keys[i]);
		v[i] = (struct cfg_dup){ &keys[i], sizeof(keys[i]), i };
	}
	if (find_duplicate(v, n, &first, &later))
		err = report_dup_key(ctx, cfg, first, later);
out:
	free(v);
	free(keys);
	return err;
}

/* Each static session takes a counter slot and two switch-table entries. */
static int check_session_count(struct cfg_ctx *ctx, const struct lts_config *cfg)
{
	size_t first_over = cfg->max_sessions;

	if (cfg->n_static_sessions <= cfg->max_sessions)
		return 0;
	return cfg_err(ctx, map_mark(ctx, &cfg->static_sessions[first_over], &session_schema),
		       "static_sessions", "%zu sessions exceed dataplane.max_sessions (%u)",
		       cfg->n_static_sessions, cfg->max_sessions);
}

static void prefix_str(const struct lts_prefix *p, char *buf, size_t size)
{
	char ip[INET6_ADDRSTRLEN];

	lts_ip_str(&p->ip, ip, sizeof(ip));
	if (p->len == family_bits(p->ip.family))
		snprintf(buf, size, "%s", ip);
	else
		snprintf(buf, size, "%s/%u", ip, p->len);
}

/* The sessions the control plane admits must fit the switch table. */
static int check_limits(struct cfg_ctx *ctx, const struct lts_config *cfg)
{
	const yaml_mark_t *m;

	if (cfg->limits.max_sessions <= cfg->max_sessions)
		return 0;
	/* Inherited values are equal: this one was set. */
	m = field_mark(ctx, &cfg->limits, &limits_schema, "max_sessions");
	if (!m)
		m = map_mark(ctx, &cfg->limits, &limits_schema);
	return cfg_err(ctx, m, "limits.max_sessions",
		       "%u exceeds dataplane.max_sessions (%u), the size of the switch table",
		       cfg->limits.max_sessions, cfg->max_sessions);
}

/*
 * Effective (inherited) values of a control: section or of a peer at base,
 * described by s, listed at path. At least one of the two keys was set
 * here, or control: would have failed first.
 */
static int check_ctrl(struct cfg_ctx *ctx, const char *path, const void *base,
		      const struct cfg_schema *s, const struct lts_ctrl_cfg *c)
{
	const char *key = "retransmit_max";
	const yaml_mark_t *m;
	char fpath[96];

	if (c->retransmit_initial_ms <= c->retransmit_max_ms)
		return 0;
	m = field_mark(ctx, base, s, key);
	if (!m) {
		key = "retransmit_initial";
		m = field_mark(ctx, base, s, key);
	}
	if (!m)
		m = map_mark(ctx, base, s);
	snprintf(fpath, sizeof(fpath), "%s.%s", path, key);
	return cfg_err(ctx, m, fpath,
		       "retransmit_initial (%u ms) exceeds retransmit_max (%u ms)",
		       c->retransmit_initial_ms, c->retransmit_max_ms);
}

/* RFC 2661 4.3: hiding is keyed on the tunnel secret. */
static int check_hide(struct cfg_ctx *ctx, const char *path, const void *base,
		      const struct cfg_schema *s, bool hide, size_t secret_len)
{
	char fpath[96];

	if (!hide || secret_len)
		return 0;
	snprintf(fpath, sizeof(fpath), "%s.hide_avps", path);
	return cfg_err(ctx, field_mark(ctx, base, s, "hide_avps"), fpath,
		       "hiding AVPs needs a secret (RFC 2661 4.3)");
}

static int check_lac_peer(struct cfg_ctx *ctx, const struct lts_lac_peer *p,
			  size_t idx)
{
	char path[32];
	int err;

	snprintf(path, sizeof(path), "lac_peers[%zu]", idx);
	err = check_hide(ctx, path, p, &lac_schema, p->hide_avps,
			 p->secret_len);
	return err ?: check_ctrl(ctx, path, p, &lac_schema, &p->ctrl);
}

static int check_lns_peer(struct cfg_ctx *ctx, const struct lts_lns_peer *p,
			  size_t idx)
{
	char path[32], fpath[48];
	const yaml_mark_t *m;
	int err;

	snprintf(path, sizeof(path), "lns_peers[%zu]", idx);
	if (p->local.family && p->local.family != p->address.family) {
		snprintf(fpath, sizeof(fpath), "%s.local", path);
		return cfg_err(ctx, field_mark(ctx, p, &lns_schema, "local"),
			       fpath,
			       "%s address, but address is %s: both must be of the same family",
			       family_name(p->local.family),
			       family_name(p->address.family));
	}
	m = field_mark(ctx, p, &lns_schema, "linger");
	if (m && p->tunnel == LTS_TUNNEL_PERSISTENT) {
		snprintf(fpath, sizeof(fpath), "%s.linger", path);
		return cfg_err(ctx, m, fpath,
			       "only on-demand tunnels linger, but tunnel is persistent");
	}
	err = check_hide(ctx, path, p, &lns_schema, p->hide_avps,
			 p->secret_len);
	return err ?: check_ctrl(ctx, path, p, &lns_schema, &p->ctrl);
}

/* What lts_config_match_lac() tells lac_peers apart by. */
struct lac_key {
	struct lts_prefix match;
	char hostname[LTS_CFG_HOSTNAME_MAX];
};
_Static_assert(sizeof(struct lac_key) ==
	       sizeof(struct lts_prefix) + LTS_CFG_HOSTNAME_MAX,
	       "memcmp needs a struct without padding");

/*
 * Overlapping prefixes are fine (the longest wins), but two peers with the
 * same prefix and the same hostname (or both none) would tie.
 */
static int check_lac_ambiguous(struct cfg_ctx *ctx,
			       const struct lts_config *cfg)
{
	size_t i, n = cfg->n_lac_peers, first, later;
	const struct lts_lac_peer *p;
	struct lac_key *keys;
	char path[48], pfx[64];
	struct cfg_dup *v;
	int err = 0;

	if (n < 2)
		return 0;
	keys = calloc(n, sizeof(*keys));
	v = calloc(n, sizeof(*v));
	if (!keys || !v) {
		err = cfg_enomem(ctx);
		goto out;
	}
	for (i = 0; i < n; i++) {
		keys[i].match = cfg->lac_peers[i].match;
		memcpy(keys[i].hostname, cfg->lac_peers[i].hostname,
		       sizeof(keys[i].hostname));
		v[i] = (struct cfg_dup){ &keys[i], sizeof(keys[i]), i };
	}
	if (find_duplicate(v, n, &first, &later)) {
		p = &cfg->lac_peers[later];
		prefix_str(&p->match, pfx, sizeof(pfx));
		snprintf(path, sizeof(path), "lac_peers[%zu].address", later);
		err = cfg_err(ctx, field_mark(ctx, p, &lac_schema, "address"),
			      path,
			      "%s with %s%.*s%s is ambiguous: lac_peers[%zu] (%s) has the same address and hostname",
			      pfx, p->hostname[0] ? "hostname \"" : "no hostname",
			      CFG_QUOTE_MAX, p->hostname,
			      p->hostname[0] ? "\"" : "", first,
			      cfg->lac_peers[first].name);
	}
out:
	free(v);
	free(keys);
	return err;
}

static int check_peers(struct cfg_ctx *ctx, const struct lts_config *cfg)
{
	size_t i;
	int err;

	err = check_limits(ctx, cfg);
	err = err ?: check_ctrl(ctx, "control", &cfg->control, &ctrl_schema,
				&cfg->control);
	for (i = 0; !err && i < cfg->n_lac_peers; i++)
		err = check_lac_peer(ctx, &cfg->lac_peers[i], i);
	for (i = 0; !err && i < cfg->n_lns_peers; i++)
		err = check_lns_peer(ctx, &cfg->lns_peers[i], i);
	err = err ?: check_names(ctx, cfg->lac_peers, cfg->n_lac_peers,
				 sizeof(*cfg->lac_peers), &lac_schema,
				 "lac_peers", "peer");
	err = err ?: check_names(ctx, cfg->lns_peers, cfg->n_lns_peers,
				 sizeof(*cfg->lns_peers), &lns_schema,
				 "lns_peers", "peer");
	return err ?: check_lac_ambiguous(ctx, cfg);
}

/* One pool may not list an LNS twice: its weight would silently add up. */
static int check_pool(struct cfg_ctx *ctx, const struct lts_config *cfg,
		      size_t idx)
{
	const struct lts_rule *r = &cfg->rules[idx];
	char path[64];
	size_t i, j;

	for (i = 1; i < r->n_pool; i++) {
		for (j = 0; j < i; j++) {
			if (r->pool[i].lns_idx != r->pool[j].lns_idx)
				continue;
			snprintf(path, sizeof(path), "rules[%zu].pool[%zu].lns",
				 idx, i);
			return cfg_err(ctx,
				       field_mark(ctx, &r->pool[i],
						  &member_schema, "lns"),
				       path,
				       "lns_peer \"%s\" is already in this pool (pool[%zu])",
				       cfg->lns_peers[r->pool[i].lns_idx].name,
				       j);
		}
	}
	return 0;
}

/* A call comes from a LAC or from an LNS, never both. */
static int check_rule_source(struct cfg_ctx *ctx, const struct lts_config *cfg, size_t idx)
{
	const struct lts_rule *r = &cfg->rules[idx];
	char path[64];

	if (r->lac_peer_idx < 0 || r->lns_peer_idx < 0)
		return 0;
	snprintf(path, sizeof(path), "rules[%zu].match.lns_peer", idx);
	return cfg_err(ctx, field_mark(ctx, r, &match_schema, "lns_peer"), path,
		       "lac_peer and lns_peer exclude each other: a call comes from one of them");
}

static int check_rules(struct cfg_ctx *ctx, const struct lts_config *cfg)
{
	size_t i;
	int err = 0;

	for (i = 0; !err && i < cfg->n_rules; i++) {
		const struct lts_rule *r = &cfg->rules[i];
		char path[48];

		err = check_pool(ctx, cfg, i) ?: check_rule_source(ctx, cfg, i);
		if (!err && r->dscp >= 0 && r->dscp_copy) {
			snprintf(path, sizeof(path), "rules[%zu].dscp_copy", i);
			err = cfg_err(ctx, field_mark(ctx, r, &rule_schema, "dscp_copy"), path,
				      "dscp sets the DSCP, dscp_copy copies it: one or the other");
		}
	}
	return err ?: check_names(ctx, cfg->rules, cfg->n_rules,
				  sizeof(*cfg->rules), &rule_schema, "rules",
				  "rule");
}

/* An accounting: section that sends its records nowhere is a mistake. */
static int check_accounting(struct cfg_ctx *ctx, const struct lts_config *cfg)
{
	const yaml_mark_t *m = mark_find(ctx, &cfg->accounting, &acct_schema);

	if (!m)
		return 0;
	/* Records through syslog go where logging.syslog says: without it, nowhere. */
	if (cfg->accounting.syslog && !cfg->logging.syslog_on)
		return cfg_err(ctx, field_mark(ctx, &cfg->accounting, &acct_schema, "syslog"),
			       "accounting.syslog", "needs a logging.syslog section to send to");
	if (cfg->accounting.file[0] || cfg->accounting.syslog)
		return 0;
	return cfg_err(ctx, m, "accounting", "needs a file or syslog: true");
}

/* The trace peer filter names a configured peer of either kind. */
static int check_logging(struct cfg_ctx *ctx, const struct lts_config *cfg)
{
	const struct lts_trace_cfg *t = &cfg->logging.trace;
	size_t i;

	if (!t->peer[0])
		return 0;
	for (i = 0; i < cfg->n_lac_peers; i++)
		if (!strcmp(cfg->lac_peers[i].name, t->peer))
			return 0;
	for (i = 0; i < cfg->n_lns_peers; i++)
		if (!strcmp(cfg->lns_peers[i].name, t->peer))
			return 0;
	return cfg_err(ctx, field_mark(ctx, t, &trace_schema, "peer"), "logging.trace.peer",
		       "no lac_peers or lns_peers entry is named \"%.*s\"", CFG_QUOTE_MAX, t->peer);
}

/* Rules spanning several fields, run on the typed structs. */
static int check_config(struct cfg_ctx *ctx, const struct lts_config *cfg)
{
	size_t i;
	int err;

	err = check_interfaces(ctx, cfg);
	if (!err)
		err = check_session_count(ctx, cfg);
	for (i = 0; !err && i < cfg->n_static_sessions; i++) {
		err = check_leg(ctx, cfg, i, "a", &cfg->static_sessions[i].a);
		if (!err)
			err = check_leg(ctx, cfg, i, "b",
					&cfg->static_sessions[i].b);
	}
	if (!err)
		err = check_names(ctx, cfg->static_sessions,
				  cfg->n_static_sessions,
				  sizeof(*cfg->static_sessions), &session_schema,
				  "static_sessions", "session");
	if (!err)
		err = check_switch_keys(ctx, cfg);
	if (!err)
		err = check_peers(ctx, cfg);
	if (!err)
		err = check_rules(ctx, cfg);
	if (!err)
		err = check_logging(ctx, cfg);
	if (!err)
		err = check_accounting(ctx, cfg);
	return err;
}

/* The names of a top-level list, sorted, to resolve CFG_REF values. */
struct cfg_index {
	const struct cfg_field *list; /* NULL: slot unused */
	struct cfg_dup *names;        /* key: the name, len: its length */
	size_t n;
};

static int name_cmp(const void *pa, const void *pb)
{
	const struct cfg_dup *a = pa, *b = pb;
	size_t len = a->len < b->len ? a->len : b->len;
	int c = memcmp(a->key, b->key, len);

	if (c)
		return c;
	return a->len < b->len ? -1 : a->len > b->len;
}

static int index_build(struct cfg_ctx *ctx, const struct lts_config *cfg,
		       const struct cfg_field *list, struct cfg_index *ix)
{
	size_t n = *(const size_t *)((const char *)cfg + list->count_off);
	const char *arr = *(char *const *)((const char *)cfg + list->off);
	struct cfg_key keys[CFG_MAX_KEYS];
	const struct cfg_field *name;
	size_t i;

	assert(list->kind == CFG_MAP && list->list == CFG_LIST_ALLOC);
	name = key_find(keys, schema_keys(list->nested, 0, keys, 0), "name",
			4)->f;
	ix->list = list;
	ix->n = n;
	ix->names = calloc(n ?: 1, sizeof(*ix->names));
	if (!ix->names)
		return cfg_enomem(ctx);
	for (i = 0; i < n; i++) {
		const char *s = arr + i * list->size + name->off;

		ix->names[i] = (struct cfg_dup){ s, strlen(s), i };
	}
	qsort(ix->names, n, sizeof(*ix->names), name_cmp);
	return 0;
}

/*
 * CFG_REF: every queued name must be the name of an entry of its list. The
 * first unknown one in document order is reported, at the name.
 */
static int resolve_refs(struct cfg_ctx *ctx, const struct lts_config *cfg)
{
	struct cfg_index ix[ARRAY_SIZE(root_fields)] = { 0 };
	struct cfg_key keys[CFG_MAX_KEYS];
	size_t nkeys = schema_keys(&root_schema, 0, keys, 0);
	size_t i, j;
	int err = 0;

	for (i = 0; !err && i < ctx->n_refs; i++) {
		const struct cfg_ref *r = &ctx->refs[i];
		const char *text = (const char *)r->n->data.scalar.value;
		struct cfg_dup key = { text, r->n->data.scalar.length, 0 };
		const struct cfg_field *list;
		const struct cfg_dup *hit;

		list = key_find(keys, nkeys, r->f->ref, strlen(r->f->ref))->f;
		for (j = 0; ix[j].list && ix[j].list != list; j++)
			;
		if (!ix[j].list)
			err = index_build(ctx, cfg, list, &ix[j]);
		if (err)
			break;
		hit = bsearch(&key, ix[j].names, ix[j].n, sizeof(key),
			      name_cmp);
		if (hit)
			store_ref(r->f, r->dst, hit->idx);
		else
			err = cfg_err(ctx, &r->n->start_mark, r->path,
				      "no %s entry is named \"%.*s\"",
				      list->key, CFG_QUOTE_MAX, text);
	}
	for (j = 0; j < ARRAY_SIZE(ix); j++)
		free(ix[j].names);
	return err;
}

/* Values derived from others once the file is read. */
static void derive(struct lts_config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->n_rules; i++) {
		struct lts_rule *r = &cfg->rules[i];

		r->at_iccn = r->realm[0] || r->user[0];
	}
	for (i = 0; i < cfg->n_static_sessions; i++)
		cfg->static_sessions[i].stats_idx = (uint32_t)i;
	/* check_listen() accepted it. */
	if (cfg->metrics.listen[0])
		lts_listen_parse(cfg->metrics.listen, &cfg->metrics.listen_ip,
				 &cfg->metrics.listen_port, NULL);
}

/*
 * logging: what the walker cannot say alone: whether the file has a syslog:
 * section (and so which socket it means), the remote address, the trace mask.
 */
static void derive_logging(const struct cfg_ctx *ctx, struct lts_config *cfg)
{
	struct lts_syslog_cfg *s = &cfg->logging.syslog;
	struct lts_trace_cfg *t = &cfg->logging.trace;
	size_t i;

	cfg->logging.syslog_on = mark_find(ctx, s, &syslog_schema) != NULL;
	if (cfg->logging.syslog_on && !s->socket[0] && !s->remote[0])
		snprintf(s->socket, sizeof(s->socket), "%s", LTS_SYSLOG_SOCKET_DEFAULT);
	/* check_listen() accepted it. */
	if (s->remote[0])
		lts_listen_parse(s->remote, &s->remote_ip, &s->remote_port, NULL);
	t->mask = 0;
	for (i = 0; i < t->n_flags; i++)
		t->mask |= t->flags[i] == LTS_TRACE_N ? LTS_TRACE_ALL : 1u << t->flags[i];
}

/*
 * libyaml reports reader errors (bad UTF-8, control characters) as a byte
 * offset only; turn it into line and column like its other marks (column in
 * characters, not bytes).
 */
static yaml_mark_t offset_mark(const char *buf, size_t len, size_t off)
{
	yaml_mark_t m = { 0 };
	size_t i;

	for (i = 0; i < off && i < len; i++) {
		if (buf[i] == '\n') {
			m.line++;
			m.column = 0;
		} else if (((unsigned char)buf[i] & 0xc0) != 0x80) {
			m.column++;
		}
	}
	return m;
}

static int syntax_err(struct cfg_ctx *ctx, const yaml_parser_t *p,
		      const char *buf, size_t len)
{
	yaml_mark_t m = p->problem_mark;

	if (p->error == YAML_MEMORY_ERROR)
		return cfg_enomem(ctx);
	if (p->error == YAML_READER_ERROR)
		m = offset_mark(buf, len, p->problem_offset);
	if (p->context)
		return cfg_err(ctx, &m, "",
			       "YAML syntax error: %s (%s started at %zu:%zu)",
			       p->problem ? p->problem : "?", p->context,
			       p->context_mark.line + 1,
			       p->context_mark.column + 1);
	return cfg_err(ctx, &m, "", "YAML syntax error: %s",
		       p->problem ? p->problem : "?");
}

/* A second document would be silently ignored: refuse it. */
static int check_no_more_docs(struct cfg_ctx *ctx, yaml_parser_t *p,
			      const char *buf, size_t len)
{
	const yaml_node_t *root;
	yaml_document_t doc;
	int err = 0;

	if (!yaml_parser_load(p, &doc))
		return syntax_err(ctx, p, buf, len);
	root = yaml_document_get_root_node(&doc);
	if (root)
		err = cfg_err(ctx, &root->start_mark, "",
			      "only one YAML document is allowed");
	yaml_document_delete(&doc);
	return err;
}

static int cfg_parse(struct cfg_ctx *ctx, const char *buf, size_t len,
		     struct lts_config **out)
{
	struct lts_config *cfg = NULL;
	const yaml_node_t *root;
	yaml_parser_t parser;
	yaml_document_t doc;
	int err;

	if (!yaml_parser_initialize(&parser))
		return cfg_enomem(ctx);
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	/* On failure yaml_parser_load() has already freed the document. */
	if (!yaml_parser_load(&parser, &doc)) {
		err = syntax_err(ctx, &parser, buf, len);
		goto out_parser;
	}
	ctx->doc = &doc;

	root = yaml_document_get_root_node(&doc);
	if (!root || node_is_null(root)) {
		err = cfg_err(ctx, root ? &root->start_mark : &doc.start_mark,
			      "", "empty document: expected a mapping");
		goto out_doc;
	}
	ctx->root_mark = root->start_mark;
	err = check_no_more_docs(ctx, &parser, buf, len);
	if (err)
		goto out_doc;

	cfg = calloc(1, sizeof(*cfg));
	if (!cfg) {
		err = cfg_enomem(ctx);
		goto out_doc;
	}
	err = walk_map(ctx, root, &root_schema, cfg);
	if (err)
		goto out_cfg;
	/* From here on, mark_find() answers what the file set. */
	qsort(ctx->marks, ctx->n_marks, sizeof(*ctx->marks), mark_cmp);
	inherit_map(ctx, &root_schema, (char *)cfg, (const char *)cfg, NULL);
	err = resolve_refs(ctx, cfg);
	if (err)
		goto out_cfg;
	derive(cfg);
	derive_logging(ctx, cfg);
	err = check_config(ctx, cfg);
	if (err)
		goto out_cfg;
	*out = cfg;
	cfg = NULL;

out_cfg:
	lts_config_free(cfg);
out_doc:
	yaml_document_delete(&doc);
out_parser:
	yaml_parser_delete(&parser);
	return err;
}

int lts_config_load_string(const char *name, const char *yaml, size_t len,
			   struct lts_config **out, char *err, size_t errlen)
{
	struct cfg_ctx ctx = {
		.name = name ? name : "<string>",
		.err = err,
		.errlen = errlen,
	};
	int ret;

	ret = cfg_parse(&ctx, yaml, len, out);
	free(ctx.marks);
	free(ctx.refs);
	return ret;
}

static int read_all(FILE *f, char **out, size_t *outlen)
{
	size_t len = 0, cap = 0, n;
	char *buf = NULL, *nb;

	for (;;) {
		if (len == cap) {
			if (cap >= CFG_FILE_MAX) {
				free(buf);
				return -EFBIG;
			}
			cap = cap ? 2 * cap : 4096;
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		free(buf);
		return errno ? -errno : -EIO;
	}
	*out = buf;
	*outlen = len;
	return 0;
}

int lts_config_load_file(const char *path, struct lts_config **out, char *err,
			 size_t errlen)
{
	size_t len = 0;
	char *buf = NULL;
	FILE *f;
	int ret;

	f = fopen(path, "re");
	if (!f) {
		ret = -errno;
		goto out_err;
	}
	errno = 0;
	ret = read_all(f, &buf, &len);
	fclose(f);
	if (ret)
		goto out_err;
	ret = lts_config_load_string(path, buf, len, out, err, errlen);
	free(buf);
	return ret;

out_err:
	if (err && errlen)
		snprintf(err, errlen, "%s: %s", path, strerror(-ret));
	return ret;
}

void lts_config_free(struct lts_config *cfg)
{
	size_t i;

	if (!cfg)
		return;
	for (i = 0; i < cfg->n_rules; i++)
		free(cfg->rules[i].pool);
	free(cfg->rules);
	free(cfg->interfaces);
	free(cfg->static_sessions);
	free(cfg->lac_peers);
	free(cfg->lns_peers);
	free(cfg);
}

const char *lts_dp_mode_name(enum lts_dp_mode mode)
{
	if ((unsigned int)mode >= ARRAY_SIZE(dp_mode_names) - 1)
		return "unknown";
	return dp_mode_names[mode];
}

const char *lts_tunnel_mode_name(enum lts_tunnel_mode mode)
{
	if ((unsigned int)mode >= ARRAY_SIZE(tunnel_mode_names) - 1)
		return "unknown";
	return tunnel_mode_names[mode];
}
