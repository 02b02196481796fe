// SPDX-License-Identifier: GPL-2.0
/*
 * The agent's logger (log.h): which lines are written (level, trace flags,
 * peer filter, repeat limit) and where (stderr or journald, a local syslog
 * socket, a remote syslog host over UDP), and the hooks that route libbpf's
 * and libxdp's output into it.
 *
 * Everything runs in the daemon's one thread and never blocks: both syslog
 * sockets are non-blocking datagram sockets, a line a receiver cannot take
 * now is dropped and counted, and a local socket that went away (syslogd
 * restarted) is connected again on the next line or tick.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include "log.h"
#include "lts_config.h"
#include "util.h"

#define LINE_MAX_LEN 1024
/*
 * A datagram: a log line and its header, or an accounting record (about
 * 1.5 KiB, more with long user names and IPv6 legs). RFC 5424 6.1 wants
 * receivers to take 2048 octets and allows more; rsyslog takes 8 KiB.
 */
#define WIRE_MAX 4096
/* Distinct lines whose repeats are counted at once; the least recent is evicted. */
#define REPEAT_SLOTS 16
/* What a repeat summary quotes of the line. */
#define REPEAT_TEXT_MAX 160
/* A local socket that cannot be connected is tried again this often. */
#define RECONNECT_MS 1000

struct repeat_slot {
	uint64_t hash;       /* 0: free */
	uint64_t start_ms;   /* of the window */
	uint64_t last_ms;    /* eviction order */
	uint32_t count;      /* lines in the window */
	uint32_t suppressed; /* of them, not written */
	enum lts_log_level level;
	enum lts_trace_flag sub;
	bool traced;
	char text[REPEAT_TEXT_MAX];
};

struct dest {
	int fd;              /* -1: closed */
	bool remote;         /* UDP (RFC 5424), else AF_UNIX (RFC 3164) */
	bool failing;        /* said so on stderr once */
	uint64_t retry_ms;   /* no connect before */
	int open_err;        /* of the last connect: -errno */
	struct sockaddr_storage sa;
	socklen_t salen;
	struct lts_log_dest_stats st;
};

/*
 * The one piece of process-wide state: where lines go is configuration of
 * the output channel, not of any tunnel, and every layer logs.
 */
static struct {
	enum lts_log_level level;
	bool verbose;
	bool to_stderr;
	bool journal;           /* stderr is journald's stream: "<N>" prefixes */
	uint32_t trace;
	char trace_peer[LTS_CFG_NAME_MAX];
	bool peer_match;        /* the current peer is trace_peer */
	char cur_peer[LTS_CFG_NAME_MAX];
	bool syslog;
	enum lts_log_facility facility;
	enum lts_log_level syslog_level;
	char prefix[LTS_LOG_PREFIX_MAX + 1];
	char socket[LTS_CFG_SOCK_MAX];
	char remote[LTS_CFG_LISTEN_MAX];
	char host[256];
	int pid;
	struct dest local, udp;
	uint32_t repeat_limit, repeat_window_s;
	struct repeat_slot slots[REPEAT_SLOTS];
	uint64_t suppressed_total;
	uint64_t (*clock)(void);
} L = {
	.level = LTS_LOG_INFO,
	.to_stderr = true,
	.local = { .fd = -1 },
	.udp = { .fd = -1, .remote = true },
	/* The defaults of logging: (config/lts_config.c), before it is read. */
	.repeat_limit = 20,
	.repeat_window_s = 30,
};

static const char *const level_words[] = {
#define X(e, word, sev) [LTS_LOG_##e] = word,
	LTS_LOG_LEVELS(X)
#undef X
};

static const int level_severity[] = {
#define X(e, word, sev) [LTS_LOG_##e] = sev,
	LTS_LOG_LEVELS(X)
#undef X
};

static const char *const trace_words[] = {
#define X(e, word) [LTS_TRACE_##e] = word,
	LTS_TRACE_FLAGS(X)
#undef X
};

static const char *const facility_words[] = {
#define X(e, word, code) [LTS_LOG_FAC_##e] = word,
	LTS_LOG_FACILITIES(X)
#undef X
};

static const int facility_codes[] = {
#define X(e, word, code) [LTS_LOG_FAC_##e] = code,
	LTS_LOG_FACILITIES(X)
#undef X
};

_Static_assert(LTS_TRACE_N <= 31, "trace masks are 32 bits with room for all");

/* ------------------------------------------------------------ names */

const char *lts_log_level_name(enum lts_log_level level)
{
	return (unsigned int)level < LTS_LOG_N_LEVELS ? level_words[level] : "?";
}

const char *lts_trace_name(enum lts_trace_flag flag)
{
	return (unsigned int)flag < LTS_TRACE_N ? trace_words[flag] : "?";
}

uint32_t lts_trace_parse(const char *word)
{
	size_t i;

	if (!strcmp(word, LTS_TRACE_ALL_WORD))
		return LTS_TRACE_ALL;
	for (i = 0; i < LTS_TRACE_N; i++)
		if (!strcmp(word, trace_words[i]))
			return 1u << i;
	return 0;
}

int lts_log_pri(enum lts_log_facility facility, enum lts_log_level level)
{
	return facility_codes[facility] * 8 + level_severity[level];
}

/* ------------------------------------------------------------ syslog lines */

static size_t fmt_done(int n, size_t cap)
{
	if (n < 0 || !cap)
		return 0;
	return (size_t)n < cap ? (size_t)n : cap - 1;
}

size_t lts_log_fmt_3164(char *buf, size_t cap, int pri, time_t t, const char *tag, int pid,
			const char *msg)
{
	/* Not strftime's %b: the month must not depend on the locale. */
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;

	localtime_r(&t, &tm);
	return fmt_done(snprintf(buf, cap, "<%d>%s %2d %02d:%02d:%02d %s[%d]: %s", pri,
				 months[tm.tm_mon], tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
				 tag, pid, msg),
			cap);
}

size_t lts_log_fmt_5424(char *buf, size_t cap, int pri, const struct timespec *ts,
			const char *host, const char *app, int pid, const char *msgid,
			const char *msg)
{
	struct tm tm;

	gmtime_r(&ts->tv_sec, &tm);
	/* RFC 5424 6: no structured data ("-"); MSG without a BOM is MSG-ANY. */
	return fmt_done(snprintf(buf, cap,
				 "<%d>1 %04d-%02d-%02dT%02d:%02d:%02d.%06ldZ %s %s %d %s - %s", pri,
				 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
				 tm.tm_min, tm.tm_sec, ts->tv_nsec / 1000,
				 host && *host ? host : "-", app, pid,
				 msgid && *msgid ? msgid : "-", msg),
			cap);
}

/* ------------------------------------------------------------ destinations */

static void stderr_write(enum lts_log_level level, const char *text)
{
	struct timespec ts;

	/* sd-daemon(3): journald reads the severity from a "<N>" prefix. */
	if (L.journal) {
		fprintf(stderr, "<%d>%s\n", level_severity[level], text);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	fprintf(stderr, "%ld.%03ld ltsd: %s%s%s\n", (long)ts.tv_sec, ts.tv_nsec / 1000000,
		level == LTS_LOG_INFO ? "" : level_words[level],
		level == LTS_LOG_INFO ? "" : ": ", text);
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t now_ms(void)
{
	return L.clock ? L.clock() : mono_ms();
}

static const char *dest_name(const struct dest *d)
{
	return d->remote ? L.remote : L.socket;
}

static void dest_close(struct dest *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
	d->st.connected = false;
}

/*
 * Our own trouble goes to stderr only, once per outage: through syslog it
 * would recurse, and per line it would be a flood.
 */
static void dest_lost(struct dest *d, int err)
{
	char text[LINE_MAX_LEN];

	d->st.errors++;
	d->st.last_error = err;
	if (d->failing)
		return;
	d->failing = true;
	snprintf(text, sizeof(text),
		 "syslog %s: %s: lines are dropped and counted until it takes them again",
		 dest_name(d), strerror(err));
	if (L.to_stderr)
		stderr_write(LTS_LOG_WARN, text);
}

/* 0, or the error of the last attempt while the next one must wait. */
static int dest_open(struct dest *d)
{
	uint64_t now = now_ms();
	int fd;

	if (d->fd >= 0)
		return 0;
	if (now < d->retry_ms)
		return d->open_err;
	d->retry_ms = now + RECONNECT_MS;
	fd = socket(d->sa.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	/* A remote host is sent to (sendto): an ICMP error must not eat the next line. */
	if (fd >= 0 && !d->remote && connect(fd, (struct sockaddr *)&d->sa, d->salen)) {
		d->open_err = -errno;
		close(fd);
		return d->open_err;
	}
	if (fd < 0)
		return d->open_err = -errno;
	d->fd = fd;
	d->st.connected = !d->remote;
	return 0;
}

static int dest_write(struct dest *d, const char *buf, size_t len)
{
	ssize_t n;

	if (d->remote)
		n = sendto(d->fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&d->sa,
			   d->salen);
	else
		n = send(d->fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	return n < 0 ? -errno : 0;
}

static void dest_send(struct dest *d, const char *buf, size_t len)
{
	bool was_open = d->fd >= 0;
	int err;

	err = dest_open(d);
	err = err ?: dest_write(d, buf, len);
	/* The receiver went away (syslogd restarted): once more, on a new connection. */
	if (was_open && !d->remote &&
	    (err == -ECONNREFUSED || err == -ENOTCONN || err == -EPIPE)) {
		dest_close(d);
		d->retry_ms = 0;
		err = dest_open(d) ?: dest_write(d, buf, len);
	}
	if (err) {
		/* A full receiver is a lost line; a broken socket is opened anew. */
		if (!d->remote && err != -EAGAIN && err != -ENOBUFS)
			dest_close(d);
		dest_lost(d, -err);
		return;
	}
	d->st.sent++;
	if (d->failing && L.to_stderr) {
		char text[LINE_MAX_LEN];

		snprintf(text, sizeof(text), "syslog %s: taking lines again", dest_name(d));
		stderr_write(LTS_LOG_INFO, text);
	}
	d->failing = false;
}

static void syslog_send(enum lts_log_level level, const char *msgid, const char *msg)
{
	int pri = lts_log_pri(L.facility, level);
	char wire[WIRE_MAX];
	struct timespec ts;
	size_t n;

	if (L.local.st.configured) {
		n = lts_log_fmt_3164(wire, sizeof(wire), pri, time(NULL), L.prefix, L.pid, msg);
		dest_send(&L.local, wire, n);
	}
	if (L.udp.st.configured) {
		clock_gettime(CLOCK_REALTIME, &ts);
		n = lts_log_fmt_5424(wire, sizeof(wire), pri, &ts, L.host, L.prefix, L.pid, msgid,
				     msg);
		dest_send(&L.udp, wire, n);
	}
}

/* A line that was chosen: to stderr and syslog, each by its own threshold. */
static void emit(enum lts_log_level level, enum lts_trace_flag sub, bool traced, const char *text)
{
	if (L.to_stderr)
		stderr_write(level, text);
	/* Lines the operator asked for by a trace flag reach syslog whatever its level. */
	if (L.syslog && (level <= L.syslog_level || traced))
		syslog_send(level, trace_words[sub], text);
}

/* ------------------------------------------------------------ repeats */

/* FNV-1a: one line is compared by its hash, its level and subsystem. */
static uint64_t text_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h ?: 1;
}

static void repeat_summary(struct repeat_slot *r)
{
	char text[REPEAT_TEXT_MAX + 64];

	if (r->suppressed) {
		snprintf(text, sizeof(text), "message repeated %u times: [%s]", r->suppressed,
			 r->text);
		emit(r->level, r->sub, r->traced, text);
	}
	r->hash = 0;
	r->suppressed = 0;
}

/* Windows that are over end with their count; now 0: every window. */
static void repeat_expire(uint64_t now)
{
	size_t i;

	for (i = 0; i < REPEAT_SLOTS; i++) {
		struct repeat_slot *r = &L.slots[i];

		if (r->hash && (!now || now - r->start_ms >= L.repeat_window_s * 1000ull))
			repeat_summary(r);
	}
}

/*
 * Whether a line may be written: the same line more than repeat_limit
 * times in one window is counted instead, and the count written when the
 * window ends (repeat_expire).
 */
static bool repeat_admit(enum lts_log_level level, enum lts_trace_flag sub, bool traced,
			 const char *text)
{
	uint64_t now = now_ms(), h = text_hash(text);
	struct repeat_slot *r, *victim = &L.slots[0];
	size_t i;

	repeat_expire(now);
	if (!L.repeat_limit)
		return true;
	for (i = 0; i < REPEAT_SLOTS; i++) {
		r = &L.slots[i];
		if (r->hash == h && r->level == level && r->sub == sub) {
			r->last_ms = now;
			if (++r->count <= L.repeat_limit)
				return true;
			r->suppressed++;
			L.suppressed_total++;
			return false;
		}
		if (victim->hash && (!r->hash || r->last_ms < victim->last_ms))
			victim = r;
	}
	if (victim->hash)
		repeat_summary(victim);
	*victim = (struct repeat_slot){ .hash = h, .start_ms = now, .last_ms = now, .count = 1,
					.level = level, .sub = sub, .traced = traced };
	snprintf(victim->text, sizeof(victim->text), "%s", text);
	return true;
}

/* ------------------------------------------------------------ lines */

static bool traced(enum lts_trace_flag sub)
{
	return (L.trace & 1u << sub) && (!L.trace_peer[0] || L.peer_match);
}

void lts_vlog_sub(enum lts_trace_flag sub, enum lts_log_level level, const char *fmt, va_list ap)
{
	char line[LINE_MAX_LEN];
	bool tr;
	size_t n;

	if ((unsigned int)sub >= LTS_TRACE_N)
		sub = LTS_TRACE_GENERAL;
	tr = traced(sub);
	if (level > L.level && !tr)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n && line[n - 1] == '\n')
		line[--n] = '\0';
	if (repeat_admit(level, sub, tr, line))
		emit(level, sub, tr, line);
}

void lts_log_sub(enum lts_trace_flag sub, enum lts_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lts_vlog_sub(sub, level, fmt, ap);
	va_end(ap);
}

void lts_log_record(const char *msgid, const char *line)
{
	if (L.syslog)
		syslog_send(LTS_LOG_INFO, msgid, line);
}

/* ------------------------------------------------------------ settings */

void lts_log_set_level(enum lts_log_level level)
{
	L.level = level;
}

enum lts_log_level lts_log_get_level(void)
{
	return L.level;
}

void lts_log_set_verbose(bool verbose)
{
	L.verbose = verbose;
	if (verbose)
		L.level = LTS_LOG_DEBUG;
}

void lts_log_set_trace(uint32_t mask, const char *peer)
{
	L.trace = mask & LTS_TRACE_ALL;
	snprintf(L.trace_peer, sizeof(L.trace_peer), "%s", peer ? peer : "");
	L.peer_match = L.cur_peer[0] && !strcmp(L.cur_peer, L.trace_peer);
}

uint32_t lts_log_get_trace(const char **peer)
{
	if (peer)
		*peer = L.trace_peer;
	return L.trace;
}

void lts_log_set_peer(const char *name)
{
	snprintf(L.cur_peer, sizeof(L.cur_peer), "%s", name ? name : "");
	L.peer_match = L.cur_peer[0] && !strcmp(L.cur_peer, L.trace_peer);
}

void lts_log_set_clock(uint64_t (*clock)(void))
{
	L.clock = clock;
}

/* systemd.exec(5): JOURNAL_STREAM is "DEV:INODE" of the stream stderr was given. */
static bool stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	return js && sscanf(js, "%llu:%llu", &dev, &ino) == 2 && !fstat(STDERR_FILENO, &st) &&
	       st.st_dev == dev && st.st_ino == ino;
}

/* Counters go on across a reload that keeps the destination. */
static void dest_setup(struct dest *d, bool same)
{
	dest_close(d);
	memset(&d->sa, 0, sizeof(d->sa));
	if (!same)
		memset(&d->st, 0, sizeof(d->st));
	d->st.configured = dest_name(d)[0];
	d->failing = false;
	d->retry_ms = 0;
}

void lts_log_configure(const struct lts_logging_cfg *cfg)
{
	const struct lts_syslog_cfg *s = &cfg->syslog;
	struct sockaddr_un *un = (struct sockaddr_un *)&L.local.sa;
	bool same_local, same_remote;

	/* Counts still owed go out the way their lines went. */
	repeat_expire(0);
	L.level = L.verbose ? LTS_LOG_DEBUG : cfg->level;
	L.to_stderr = cfg->to_stderr;
	L.journal = stderr_is_journal();
	lts_log_set_trace(cfg->trace.mask, cfg->trace.peer);
	L.repeat_limit = cfg->repeat_limit;
	L.repeat_window_s = cfg->repeat_window_s;

	L.syslog = cfg->syslog_on;
	L.facility = s->facility;
	L.syslog_level = s->level;
	snprintf(L.prefix, sizeof(L.prefix), "%s", s->prefix);
	same_local = !strcmp(L.socket, L.syslog ? s->socket : "");
	same_remote = !strcmp(L.remote, L.syslog ? s->remote : "");
	snprintf(L.socket, sizeof(L.socket), "%s", L.syslog ? s->socket : "");
	snprintf(L.remote, sizeof(L.remote), "%s", L.syslog ? s->remote : "");
	L.pid = (int)getpid();
	if (gethostname(L.host, sizeof(L.host)))
		L.host[0] = '\0';
	L.host[sizeof(L.host) - 1] = '\0';

	dest_setup(&L.local, same_local);
	if (L.socket[0]) {
		un->sun_family = AF_UNIX;
		snprintf(un->sun_path, sizeof(un->sun_path), "%s", L.socket);
		L.local.salen = sizeof(*un);
	}
	dest_setup(&L.udp, same_remote);
	if (L.remote[0] && s->remote_ip.family == LTS_FAMILY_IPV4) {
		struct sockaddr_in *in = (struct sockaddr_in *)&L.udp.sa;

		in->sin_family = AF_INET;
		in->sin_port = htons(s->remote_port);
		memcpy(&in->sin_addr, s->remote_ip.addr, 4);
		L.udp.salen = sizeof(*in);
	} else if (L.remote[0]) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&L.udp.sa;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(s->remote_port);
		memcpy(&in6->sin6_addr, s->remote_ip.addr, 16);
		L.udp.salen = sizeof(*in6);
	}
}

void lts_log_tick(void)
{
	repeat_expire(now_ms());
	/* Not waiting for the next line: show trace says at once that it is back. */
	if (L.local.st.configured && L.local.fd < 0)
		dest_open(&L.local);
}

void lts_log_get_state(struct lts_log_state *st)
{
	*st = (struct lts_log_state){
		.level = L.level,
		.verbose = L.verbose,
		.to_stderr = L.to_stderr,
		.trace = L.trace,
		.trace_peer = L.trace_peer,
		.syslog = L.syslog,
		.facility = facility_words[L.facility],
		.syslog_level = L.syslog_level,
		.prefix = L.prefix,
		.socket = L.socket,
		.remote = L.remote,
		.local = L.local.st,
		.udp = L.udp.st,
		.repeats_suppressed = L.suppressed_total,
		.repeat_limit = L.repeat_limit,
		.repeat_window_s = L.repeat_window_s,
	};
}

/* ------------------------------------------------------------ libraries */

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* libbpf's debug level carries the verifier log; keep it at our debug. */
	lts_vlog_sub(LTS_TRACE_DATAPLANE, level == LIBBPF_WARN ? LTS_LOG_WARN : LTS_LOG_DEBUG, fmt,
		     ap);
	return 0;
}

static int libxdp_print(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	lts_vlog_sub(LTS_TRACE_DATAPLANE, level == LIBXDP_WARN ? LTS_LOG_WARN : LTS_LOG_DEBUG, fmt,
		     ap);
	return 0;
}

void lts_log_hook_libs(void)
{
	libbpf_set_print(libbpf_print);
	libxdp_set_print(libxdp_print);
}

const char *lts_log_peer_str(const char *in, char *out, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0, i;

	if (!cap)
		return out;
	for (i = 0; in[i] && i < LTS_LOG_PEER_STR_MAX; i++) {
		unsigned char c = (unsigned char)in[i];
		bool plain = c >= 0x20 && c < 0x7f && c != '"' && c != '\\';

		if (n + (plain ? 1 : 4) + 4 > cap)
			break;
		if (plain) {
			out[n++] = (char)c;
			continue;
		}
		out[n++] = '\\';
		out[n++] = 'x';
		out[n++] = hex[c >> 4];
		out[n++] = hex[c & 0xf];
	}
	if (in[i] && cap >= 4 && n + 4 <= cap) {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n < cap ? n : cap - 1] = '\0';
	return out;
}
