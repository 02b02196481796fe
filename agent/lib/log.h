/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Leveled logging for the agent (config section logging:, docs/config.md):
 * to stderr (journald's "<N>" prefixes when stderr is the journal) and/or to
 * syslog, a local socket (RFC 3164 lines) and a remote host over UDP (RFC
 * 5424), with a facility, a minimum severity and a prefix. Debug lines of a
 * subsystem can be traced (trace flags) without turning on debug for all,
 * optionally only while one peer's tunnel is being handled. Bursts of one
 * line are cut to a few and a count. libbpf and libxdp output is routed here
 * too. Nothing here blocks: a syslog receiver that is gone or full costs a
 * counted, dropped line.
 *
 * Each .c file says which subsystem its lines belong to with one line above
 * its includes, e.g. `#define LTS_LOG_SUBSYS LTS_TRACE_TUNNEL`; files that do
 * not are "general".
 */
#ifndef LTS_LOG_H
#define LTS_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* name, word (logging.level, syslog's keyword), syslog severity (RFC 5424 6.2.1) */
#define LTS_LOG_LEVELS(X)          \
	X(ERR, "error", 3)         \
	X(WARN, "warning", 4)      \
	X(INFO, "info", 6)         \
	X(DEBUG, "debug", 7)

enum lts_log_level {
#define LTS_LOG_X(e, word, sev) LTS_LOG_##e,
	LTS_LOG_LEVELS(LTS_LOG_X)
#undef LTS_LOG_X
	LTS_LOG_N_LEVELS
};

/* Trace flags, one per subsystem: name, word (logging.trace.flags, ltsctl trace). */
#define LTS_TRACE_FLAGS(X)                 \
	X(GENERAL, "general")              \
	X(TUNNEL, "tunnel")                \
	X(SESSION, "session")              \
	X(SWITCH, "switch")                \
	X(TRANSPORT, "transport")          \
	X(DATAPLANE, "dataplane")          \
	X(CONFIG, "config")                \
	X(CTL, "ctl")                      \
	X(METRICS, "metrics")              \
	X(ACCOUNTING, "accounting")

enum lts_trace_flag {
#define LTS_TRACE_X(e, word) LTS_TRACE_##e,
	LTS_TRACE_FLAGS(LTS_TRACE_X)
#undef LTS_TRACE_X
	LTS_TRACE_N
};

/* The word that stands for every flag. */
#define LTS_TRACE_ALL_WORD "all"
#define LTS_TRACE_ALL ((1u << LTS_TRACE_N) - 1)

/* Facilities an operator may choose: name, word (logging.syslog.facility), code. */
#define LTS_LOG_FACILITIES(X)              \
	X(USER, "user", 1)                 \
	X(DAEMON, "daemon", 3)             \
	X(AUTH, "auth", 4)                 \
	X(AUTHPRIV, "authpriv", 10)        \
	X(LOCAL0, "local0", 16)            \
	X(LOCAL1, "local1", 17)            \
	X(LOCAL2, "local2", 18)            \
	X(LOCAL3, "local3", 19)            \
	X(LOCAL4, "local4", 20)            \
	X(LOCAL5, "local5", 21)            \
	X(LOCAL6, "local6", 22)            \
	X(LOCAL7, "local7", 23)

enum lts_log_facility {
#define LTS_FAC_X(e, word, code) LTS_LOG_FAC_##e,
	LTS_LOG_FACILITIES(LTS_FAC_X)
#undef LTS_FAC_X
	LTS_LOG_N_FACILITIES
};

/* RFC 3164 TAG (and RFC 5424 APP-NAME): at most 32 characters. */
#define LTS_LOG_PREFIX_MAX 32

#ifndef LTS_LOG_SUBSYS
#define LTS_LOG_SUBSYS LTS_TRACE_GENERAL
#endif

struct lts_logging_cfg;

/*
 * Apply logging: (level, stderr, syslog destinations, trace flags and peer,
 * repeat limit); again on every reload. Trace flags set by ltsctl are
 * replaced by the file's. Opening a syslog socket is retried later
 * (lts_log_tick), never fatal.
 */
void lts_log_configure(const struct lts_logging_cfg *cfg);
/* ltsd -v: debug whatever the file says, also across reloads. */
void lts_log_set_verbose(bool verbose);
/* Once a second from the event loop: ends repeat windows, reopens syslog sockets. */
void lts_log_tick(void);

void lts_log_set_level(enum lts_log_level level);
enum lts_log_level lts_log_get_level(void);
const char *lts_log_level_name(enum lts_log_level level);
/* Route libbpf's and libxdp's messages through lts_log (subsystem dataplane). */
void lts_log_hook_libs(void);

/* Trace flags (a mask of 1 << enum lts_trace_flag) and peer filter ("" or NULL: any peer). */
void lts_log_set_trace(uint32_t mask, const char *peer);
uint32_t lts_log_get_trace(const char **peer);
const char *lts_trace_name(enum lts_trace_flag flag);
/* A flag's word, or "all": its mask bits; 0 for anything else. */
uint32_t lts_trace_parse(const char *word);
/*
 * The peer (lac_peer or lns_peer name) whose tunnel the control plane is
 * handling, for the trace peer filter; NULL: none (lts_log_clear_peer).
 */
void lts_log_set_peer(const char *name);
static inline void lts_log_clear_peer(void)
{
	lts_log_set_peer(NULL);
}

__attribute__((format(printf, 3, 4)))
void lts_log_sub(enum lts_trace_flag sub, enum lts_log_level level, const char *fmt, ...);
void lts_vlog_sub(enum lts_trace_flag sub, enum lts_log_level level, const char *fmt,
		  va_list ap);
/* The subsystem of the file it is used in. */
#define lts_log(level, ...) lts_log_sub(LTS_LOG_SUBSYS, level, __VA_ARGS__)
#define lts_vlog(level, fmt, ap) lts_vlog_sub(LTS_LOG_SUBSYS, level, fmt, ap)

/*
 * One record (e.g. accounting) to the configured syslog destinations at severity
 * info with the configured facility and prefix, msgid in RFC 5424's MSGID field;
 * regardless of the log level and trace flags, never to stderr. A no-op when no
 * syslog destination is configured.
 */
void lts_log_record(const char *msgid, const char *line);

/* What the operator sees (ltsctl show trace). */
struct lts_log_dest_stats {
	bool configured;
	bool connected;   /* local: the socket is connected now */
	uint64_t sent;    /* lines handed to the socket */
	uint64_t errors;  /* lines lost: receiver gone or full, socket errors */
	int last_error;   /* errno of the last loss, 0: none */
};

struct lts_log_state {
	enum lts_log_level level;
	bool verbose;                 /* ltsd -v */
	bool to_stderr;
	uint32_t trace;               /* mask */
	const char *trace_peer;       /* "": any */
	bool syslog;                  /* a syslog: section */
	const char *facility;         /* its word */
	enum lts_log_level syslog_level;
	const char *prefix;
	const char *socket;           /* "": none */
	const char *remote;           /* "": none */
	struct lts_log_dest_stats local, udp;
	uint64_t repeats_suppressed;  /* lines not written: bursts of one line */
	uint32_t repeat_limit, repeat_window_s;
};

/* Pointers stay valid until the next lts_log_configure(). */
void lts_log_get_state(struct lts_log_state *st);

/* Syslog lines, exposed for the tests. PRI = facility * 8 + severity. */
int lts_log_pri(enum lts_log_facility facility, enum lts_log_level level);
/* "<PRI>Mmm dd hh:mm:ss TAG[PID]: MSG" (local time), for a local socket. */
size_t lts_log_fmt_3164(char *buf, size_t cap, int pri, time_t t, const char *tag, int pid,
			const char *msg);
/* "<PRI>1 TIMESTAMP HOST APP PROCID MSGID - MSG" (UTC, microseconds), for a remote host. */
size_t lts_log_fmt_5424(char *buf, size_t cap, int pri, const struct timespec *ts,
			const char *host, const char *app, int pid, const char *msgid,
			const char *msg);
/* Tests: the clock (ms) of the repeat windows and reconnects (NULL: CLOCK_MONOTONIC). */
void lts_log_set_clock(uint64_t (*now_ms)(void));

/*
 * Text a peer sent, fit for a log line: printable ASCII kept, anything else
 * (and '"', '\\') as \xNN, cut to LTS_LOG_PEER_STR_MAX characters with "...".
 * Peers choose these bytes before they have authenticated. Returns out.
 */
#define LTS_LOG_PEER_STR_MAX 64
#define LTS_LOG_PEER_STR_BUF (4 * LTS_LOG_PEER_STR_MAX + 4)
const char *lts_log_peer_str(const char *in, char *out, size_t cap);

#define pr_err(...) lts_log(LTS_LOG_ERR, __VA_ARGS__)
#define pr_warn(...) lts_log(LTS_LOG_WARN, __VA_ARGS__)
#define pr_info(...) lts_log(LTS_LOG_INFO, __VA_ARGS__)
#define pr_debug(...) lts_log(LTS_LOG_DEBUG, __VA_ARGS__)

#endif /* LTS_LOG_H */
