// SPDX-License-Identifier: GPL-2.0
/*
 * Accounting records of switched calls as JSON lines, to a file and/or
 * syslog (accounting.h).
 */
#define LTS_LOG_SUBSYS LTS_TRACE_ACCOUNTING
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/uio.h>
#include "accounting.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/util.h"

static const char *const event_names[] = {
	[LTS_ACCT_START] = "start",
	[LTS_ACCT_INTERIM] = "interim",
	[LTS_ACCT_STOP] = "stop",
};

static const char *const ender_names[] = {
	[LTS_CALL_END_LAC] = "lac",
	[LTS_CALL_END_LNS] = "lns",
	[LTS_CALL_END_OPERATOR] = "operator",
};

static const char *const cause_names[] = {
	[LTS_ACCT_USER_REQUEST] = "User-Request",
	[LTS_ACCT_LOST_CARRIER] = "Lost-Carrier",
	[LTS_ACCT_ADMIN_RESET] = "Admin-Reset",
	[LTS_ACCT_ADMIN_REBOOT] = "Admin-Reboot",
	[LTS_ACCT_NAS_ERROR] = "NAS-Error",
	[LTS_ACCT_NAS_REQUEST] = "NAS-Request",
	[LTS_ACCT_HOST_REQUEST] = "Host-Request",
};

const char *lts_acct_cause_name(enum lts_acct_cause cause)
{
	return (size_t)cause < ARRAY_SIZE(cause_names) && cause_names[cause] ? cause_names[cause]
									       : "?";
}

/*
 * Seen from the LAC's subscriber, whose session this is (docs/config.md
 * has the table): the operator -> Admin-Reset; ltsd stopping -> Admin-
 * Reboot; the LAC's CDN "loss of carrier" (what a LAC sends when the
 * subscriber's PPP went) -> User-Request, any other CDN or StopCCN of the
 * LAC -> NAS-Request (the LAC is the NAS; Junos counts a received CDN
 * so); the LNS's CDN or StopCCN -> Host-Request (the LNS is the host the
 * user was logged in to); a tunnel given up without a word from its peer
 * (no answer, or it started over: the control plane reports "no control
 * connection" and the tunnel is dead at once) -> Lost-Carrier; what we
 * cleared for an administrative reason -> Admin-Reset; anything else we
 * cleared (protocol errors, resources) -> NAS-Error.
 */
enum lts_acct_cause lts_acct_terminate_cause(const struct lts_call_end *end, bool shutting_down)
{
	const struct lts_cdn_info *why = end->why;
	const struct lts_session *leg = end->by == LTS_CALL_END_LAC ? end->lac : end->lns;

	if (end->by == LTS_CALL_END_OPERATOR)
		return LTS_ACCT_ADMIN_RESET;
	if (!why->local) {
		if (end->by == LTS_CALL_END_LNS)
			return LTS_ACCT_HOST_REQUEST;
		return why->result == LTS_CDN_LOST_CARRIER ? LTS_ACCT_USER_REQUEST
							   : LTS_ACCT_NAS_REQUEST;
	}
	if (shutting_down)
		return LTS_ACCT_ADMIN_REBOOT;
	if (why->result == LTS_CDN_GENERAL_ERROR && why->error == LTS_ERR_NO_CONTROL_CONN && leg &&
	    leg->t->state == LTS_TUN_DEAD)
		return LTS_ACCT_LOST_CARRIER;
	return why->result == LTS_CDN_ADMIN ? LTS_ACCT_ADMIN_RESET : LTS_ACCT_NAS_ERROR;
}

static uint64_t realtime_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* RFC 3339, UTC, whole seconds. */
static void json_time(struct lts_json *j, const char *key, uint64_t real_ms)
{
	time_t t = (time_t)(real_ms / 1000);
	char buf[32];
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm)) {
		lts_json_null(j, key);
		return;
	}
	lts_json_str(j, key, buf);
}

static const char *peer_name(const struct lts_config *cfg, const struct lts_tunnel *t)
{
	if (t->role == LTS_ROLE_LNS)
		return t->lac_idx >= 0 ? cfg->lac_peers[t->lac_idx].name : NULL;
	return t->lns_idx >= 0 ? cfg->lns_peers[t->lns_idx].name : NULL;
}

/*
 * One leg. RADIUS's client is the tunnel's initiator (RFC 2868 3.3, 3.4):
 * the peer where we answered as LNS, ourselves where we are the LAC.
 * tunnel_connection (RFC 2867 4.5): "TID/SID-TID/SID", the client's
 * Assigned Tunnel and Session IDs then the server's.
 */
static void json_leg(struct lts_json *j, const char *key, const struct lts_config *cfg,
		     const struct lts_static_leg *l, const struct lts_session *s)
{
	const struct lts_tunnel *t = s ? s->t : NULL;
	bool peer_is_client = !t || t->role == LTS_ROLE_LNS;
	char peer[INET6_ADDRSTRLEN], local[INET6_ADDRSTRLEN], conn[32];
	const char *peer_host = t ? t->peer_hostname : NULL, *our_host = t ? t->hostname : NULL;

	lts_ip_str(&l->peer, peer, sizeof(peer));
	lts_ip_str(&l->local, local, sizeof(local));
	if (peer_is_client)
		snprintf(conn, sizeof(conn), "%u/%u-%u/%u", l->peer_tunnel_id, l->peer_session_id,
			 l->tunnel_id, l->session_id);
	else
		snprintf(conn, sizeof(conn), "%u/%u-%u/%u", l->tunnel_id, l->session_id,
			 l->peer_tunnel_id, l->peer_session_id);
	lts_json_obj_begin(j, key);
	lts_json_str(j, "peer_name", t ? peer_name(cfg, t) : NULL);
	lts_json_str(j, "medium", l->peer.family == LTS_FAMILY_IPV6 ? "ipv6" : "ipv4");
	lts_json_str(j, "client_endpoint", peer_is_client ? peer : local);
	lts_json_u64(j, "client_port", peer_is_client ? l->peer_port : l->local_port);
	lts_json_str(j, "server_endpoint", peer_is_client ? local : peer);
	lts_json_u64(j, "server_port", peer_is_client ? l->local_port : l->peer_port);
	lts_json_str(j, "client_auth_id", peer_is_client ? peer_host : our_host);
	lts_json_str(j, "server_auth_id", peer_is_client ? our_host : peer_host);
	lts_json_u64(j, "tunnel_id", l->tunnel_id);
	lts_json_u64(j, "session_id", l->session_id);
	lts_json_u64(j, "peer_tunnel_id", l->peer_tunnel_id);
	lts_json_u64(j, "peer_session_id", l->peer_session_id);
	lts_json_str(j, "tunnel_connection", conn);
	if (s)
		lts_json_u64(j, "call_serial_number", s->serial);
	else
		lts_json_null(j, "call_serial_number");
	lts_json_obj_end(j);
}

/*
 * Packets and bytes of the call, fast path + slow path. Input is what the
 * subscriber sent (from the LAC: a -> b), output what it received.
 */
static void json_counters(struct lts_json *j, const struct lts_dp_ops *dp, uint32_t idx)
{
	struct lts_session_stats fast = { 0 }, slow = { 0 };
	uint64_t pk[LTS_DIR_MAX], by[LTS_DIR_MAX];
	int d;

	if (!dp->fast_stats || dp->fast_stats(dp->ctx, idx, &fast))
		memset(&fast, 0, sizeof(fast));
	if (!dp->slow_stats || dp->slow_stats(dp->ctx, idx, &slow))
		memset(&slow, 0, sizeof(slow));
	for (d = 0; d < LTS_DIR_MAX; d++) {
		pk[d] = fast.dir[d].packets + slow.dir[d].packets;
		by[d] = fast.dir[d].bytes + slow.dir[d].bytes;
	}
	lts_json_u64(j, "input_octets", by[LTS_DIR_A_TO_B]);
	lts_json_u64(j, "output_octets", by[LTS_DIR_B_TO_A]);
	lts_json_u64(j, "input_packets", pk[LTS_DIR_A_TO_B]);
	lts_json_u64(j, "output_packets", pk[LTS_DIR_B_TO_A]);
}

int lts_acct_format(const struct lts_acct *a, const struct lts_call *c,
		    const struct lts_session *lac, const struct lts_session *lns,
		    enum lts_acct_event ev, const struct lts_call_end *end, uint64_t now_ms,
		    char **out, size_t *len)
{
	const struct lts_switch *sw = a->sw;
	const char *at = c->user ? strrchr(c->user, '@') : NULL;
	char id[40];
	struct lts_json j;

	snprintf(id, sizeof(id), "%012" PRIx64 "%04x%04x", c->acct.start_real_ms,
		 c->pair.a.tunnel_id, c->pair.a.session_id);
	lts_json_init(&j, false);
	lts_json_obj_begin(&j, NULL);
	lts_json_str(&j, "event", event_names[ev]);
	json_time(&j, "time", a->realtime_ms());
	lts_json_str(&j, "acct_session_id", id);
	lts_json_str(&j, "nas_identifier", sw->cfg->hostname);
	/* A reload may have removed the rule: the pair keeps its name. */
	lts_json_str(&j, "rule", c->rule ? c->rule->name : c->pair.name);
	lts_json_str(&j, "user", c->user);
	lts_json_str(&j, "realm", at && at[1] ? at + 1 : NULL);
	lts_json_str(&j, "tunnel_type", "l2tp");
	json_leg(&j, "lac", sw->cfg, &c->pair.a, lac);
	json_leg(&j, "lns", sw->cfg, &c->pair.b, lns);
	json_time(&j, "start_time", c->acct.start_real_ms);
	if (ev != LTS_ACCT_START) {
		lts_json_u64(&j, "session_time", now_ms > c->up_ms ? (now_ms - c->up_ms) / 1000 : 0);
		json_counters(&j, &sw->dp, c->stats_idx);
	}
	if (ev == LTS_ACCT_STOP) {
		enum lts_acct_cause cause = lts_acct_terminate_cause(
			end, sw->cp && sw->cp->shutting_down);

		lts_json_u64(&j, "terminate_cause", cause);
		lts_json_str(&j, "terminate_cause_name", lts_acct_cause_name(cause));
		lts_json_obj_begin(&j, "cdn");
		lts_json_str(&j, "by", ender_names[end->by]);
		lts_json_bool(&j, "local", end->why->local);
		lts_json_u64(&j, "result", end->why->result);
		lts_json_u64(&j, "error", end->why->error);
		lts_json_str(&j, "message", end->why->message);
		lts_json_obj_end(&j);
	}
	lts_json_obj_end(&j);
	return lts_json_finish(&j, out, len);
}

static __attribute__((format(printf, 2, 3))) void acct_error(struct lts_acct *a,
							     const char *fmt, ...)
{
	uint64_t now = monotonic_ms();
	char msg[256];
	va_list ap;

	if (now < a->err_log_next_ms) {
		a->err_quiet++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (a->err_quiet)
		pr_err("accounting: %s (and %" PRIu64 " more errors since the last one logged)",
		       msg, a->err_quiet);
	else
		pr_err("accounting: %s", msg);
	a->err_quiet = 0;
	a->err_log_next_ms = now + LTS_ACCT_ERR_LOG_MS;
}

/* The configured file, opened anew: its fd, or a negative errno (counted and logged). */
static int open_file(struct lts_acct *a)
{
	int fd = open(a->cfg.file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
		      LTS_ACCT_FILE_MODE);
	int err = errno;

	if (fd >= 0)
		return fd;
	a->ctr.open_errors++;
	acct_error(a, "%s: %s", a->cfg.file, strerror(err));
	return -err;
}

/*
 * One record to the file (one writev) and/or syslog. After a short write
 * the next record starts with a newline: the torn line stays alone.
 */
static void emit(struct lts_acct *a, char *line, size_t len)
{
	struct iovec iov[2] = { { .iov_base = "\n", .iov_len = 1 },
				{ .iov_base = line, .iov_len = len } };
	int first = a->torn ? 0 : 1;
	ssize_t n;

	a->ctr.records++;
	if (a->cfg.syslog) {
		line[len - 1] = '\0';
		lts_log_record(LTS_ACCT_SYSLOG_MSGID, line);
		line[len - 1] = '\n';
	}
	if (!a->cfg.file[0])
		return;
	if (a->fd < 0) {
		a->ctr.write_errors++;
		acct_error(a, "%s: not open: record lost", a->cfg.file);
		return;
	}
	n = writev(a->fd, iov + first, 2 - first);
	if (n == (ssize_t)(len + 1 - first)) {
		a->torn = false;
		return;
	}
	a->ctr.write_errors++;
	a->torn = n > 0 || a->torn;
	acct_error(a, "%s: record lost: %s", a->cfg.file, n < 0 ? strerror(errno) : "short write");
}

static void record(struct lts_acct *a, const struct lts_call *c, const struct lts_session *lac,
		   const struct lts_session *lns, enum lts_acct_event ev,
		   const struct lts_call_end *end, uint64_t now_ms)
{
	char *line;
	size_t len;

	if (lts_acct_format(a, c, lac, lns, ev, end, now_ms, &line, &len)) {
		a->ctr.format_errors++;
		acct_error(a, "%s record: %s", event_names[ev], strerror(ENOMEM));
		return;
	}
	emit(a, line, len);
	free(line);
}

/* The call's start on the wall clock (its key) and first interim, seen at now_ms. */
static void stamp(struct lts_acct *a, struct lts_call *c, uint64_t now_ms)
{
	c->acct.start_real_ms = a->realtime_ms() - (now_ms > c->up_ms ? now_ms - c->up_ms : 0);
	c->acct.next_interim_ms = a->cfg.interim_s ? c->up_ms + a->cfg.interim_s * 1000ull : 0;
}

static void on_call_up(void *ctx, struct lts_call *c)
{
	struct lts_acct *a = ctx;

	stamp(a, c, c->up_ms);
	record(a, c, c->first, c->second, LTS_ACCT_START, NULL, c->up_ms);
}

static void on_call_down(void *ctx, const struct lts_call *c, const struct lts_call_end *end)
{
	struct lts_acct *a = ctx;
	uint64_t now = a->sw->cp ? a->sw->cp->now_ms : c->up_ms;
	struct lts_call unseen;

	/* Installed without call_up (adopted after a restart) and no tick since. */
	if (!c->acct.start_real_ms) {
		unseen = *c;
		stamp(a, &unseen, now);
		c = &unseen;
	}
	record(a, c, end->lac, end->lns, LTS_ACCT_STOP, end, now);
}

static bool enabled(const struct lts_acct_cfg *cfg)
{
	return cfg->file[0] || cfg->syslog;
}

static void set_hooks(struct lts_acct *a, bool on)
{
	const struct lts_switch_hooks hooks = {
		.call_up = on_call_up,
		.call_down = on_call_down,
		.ctx = a,
	}, none = { 0 };

	lts_switch_set_hooks(a->sw, on ? &hooks : &none);
}

int lts_acct_open(struct lts_acct *a, const struct lts_acct_cfg *cfg, struct lts_switch *sw)
{
	uint64_t (*clock)(void) = a->realtime_ms;
	char interim[48] = "no interim records";

	memset(a, 0, sizeof(*a));
	a->fd = -1;
	a->sw = sw;
	a->realtime_ms = clock ? clock : realtime_ms;
	lts_acct_reopen(a, cfg); /* a file that cannot be opened is tried again at each tick */
	if (!enabled(cfg))
		return 0;
	if (cfg->interim_s)
		snprintf(interim, sizeof(interim), "interim records every %u s", cfg->interim_s);
	pr_info("accounting: records to %s%s%s, %s", cfg->file,
		cfg->file[0] && cfg->syslog ? " and " : "", cfg->syslog ? "syslog" : "", interim);
	return 0;
}

int lts_acct_reopen(struct lts_acct *a, const struct lts_acct_cfg *cfg)
{
	bool same_file = !cfg || !strcmp(cfg->file, a->cfg.file);
	int fd = -1;

	if (!a->sw)
		return 0;
	if (cfg)
		a->cfg = *cfg;
	if (a->cfg.file[0]) {
		fd = open_file(a);
		if (fd < 0 && a->fd >= 0 && same_file)
			return fd; /* the old file still takes the records */
	}
	if (a->fd >= 0)
		close(a->fd);
	a->fd = fd < 0 ? -1 : fd;
	a->torn = false;
	set_hooks(a, enabled(&a->cfg));
	return fd < 0 && a->cfg.file[0] ? fd : 0;
}

/* c's interim record if one is due: 1 if written. */
static int interim(struct lts_acct *a, struct lts_call *c, uint64_t now_ms, uint64_t ival)
{
	if (!c->installed)
		return 0;
	if (!c->acct.start_real_ms)
		stamp(a, c, now_ms);
	if (!c->acct.next_interim_ms)
		c->acct.next_interim_ms = now_ms + ival; /* interim turned on by a reload */
	if (now_ms < c->acct.next_interim_ms)
		return 0;
	record(a, c, c->first, c->second, LTS_ACCT_INTERIM, NULL, now_ms);
	c->acct.next_interim_ms += ival;
	if (c->acct.next_interim_ms <= now_ms)
		c->acct.next_interim_ms = now_ms + ival; /* after a stall: no burst */
	return 1;
}

void lts_acct_tick(struct lts_acct *a, uint64_t now_ms)
{
	uint64_t ival = a->cfg.interim_s * 1000ull;
	size_t i, from = a->interim_from;
	unsigned int n = 0;
	struct lts_call *c;
	int pass;

	if (!a->sw || !enabled(&a->cfg))
		return;
	if (a->cfg.file[0] && a->fd < 0) {
		a->fd = open_file(a);
		a->fd = a->fd < 0 ? -1 : a->fd;
	}
	if (!ival)
		return;
	/*
	 * From the call where the last tick stopped at the cap to the end, then
	 * from the start: every due call gets its turn, however many there are.
	 */
	a->interim_from = 0;
	for (pass = 0; pass < 2; pass++) {
		for (c = a->sw->calls, i = 0; c; c = c->next, i++) {
			if (pass == 0 && i < from)
				continue;
			if (pass == 1 && i >= from)
				break;
			if (n == LTS_ACCT_INTERIM_PER_TICK) {
				a->interim_from = i;
				return;
			}
			n += interim(a, c, now_ms, ival);
		}
	}
}

void lts_acct_close(struct lts_acct *a)
{
	if (!a->sw)
		return;
	set_hooks(a, false);
	if (a->fd >= 0)
		close(a->fd);
	a->fd = -1;
	if (enabled(&a->cfg))
		pr_info("accounting: %" PRIu64 " records, %" PRIu64 " lost, %" PRIu64
			" failed opens", a->ctr.records, a->ctr.write_errors + a->ctr.format_errors,
			a->ctr.open_errors);
	a->sw = NULL;
}
