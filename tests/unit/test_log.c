// SPDX-License-Identifier: GPL-2.0
/*
 * The logger (agent/lib/log.c):
 * - text a peer sent before it has authenticated (Host Name) is logged
 *   escaped and bounded, so a peer cannot forge log lines, inject terminal
 *   escapes or flood a line;
 * - syslog lines: PRI from facility and severity, RFC 3164 for the local
 *   socket, RFC 5424 for a remote host;
 * - which lines are written: level, trace flags per subsystem, the peer
 *   filter;
 * - bursts of one line are cut to repeat_limit and a count;
 * - real syslog sockets (an AF_UNIX datagram socket and a UDP one bound
 *   here) receive what they should, records included, and a local socket
 *   that went away is connected again.
 * stderr is captured into a file to see what was written there.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <setjmp.h>
#include <cmocka.h>

#include "lib/log.h"
#include "lib/util.h"
#include "lts_config.h"

static const struct {
	const char *what, *in, *want;
} rows[] = {
	{ "plain", "bras-1.example", "bras-1.example" },
	{ "empty", "", "" },
	{ "newline: no forged line", "lac\n1.2.3.4 ltsd: fake", "lac\\x0a1.2.3.4 ltsd: fake" },
	{ "terminal escape", "\x1b[2J", "\\x1b[2J" },
	{ "quote and backslash", "a\"b\\c", "a\\x22b\\x5cc" },
	{ "high bytes", "\xc3\xa9", "\\xc3\\xa9" },
	{ "64 characters kept whole",
	  "0123456789012345678901234567890123456789012345678901234567890123",
	  "0123456789012345678901234567890123456789012345678901234567890123" },
	{ "65 characters cut",
	  "01234567890123456789012345678901234567890123456789012345678901234",
	  "0123456789012345678901234567890123456789012345678901234567890123..." },
};

static void test_peer_str(void **state)
{
	char out[LTS_LOG_PEER_STR_BUF];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		print_message("%s\n", rows[i].what);
		assert_string_equal(lts_log_peer_str(rows[i].in, out, sizeof(out)), rows[i].want);
	}
}

/* The worst case (64 bytes, each escaped, plus "...") fits the documented buffer. */
static void test_peer_str_bounds(void **state)
{
	char in[300], out[LTS_LOG_PEER_STR_BUF], small[8];

	(void)state;
	memset(in, 0x01, sizeof(in) - 1);
	in[sizeof(in) - 1] = '\0';
	lts_log_peer_str(in, out, sizeof(out));
	assert_int_equal(strlen(out), 4 * LTS_LOG_PEER_STR_MAX + 3);
	assert_string_equal(out + 4 * LTS_LOG_PEER_STR_MAX, "...");
	/* A small buffer is never overrun and stays terminated. */
	lts_log_peer_str(in, small, sizeof(small));
	assert_true(strlen(small) < sizeof(small));
}

/* ------------------------------------------------------------ syslog lines */

static const struct {
	enum lts_log_facility fac;
	enum lts_log_level level;
	int pri;
} pri_rows[] = {
	{ LTS_LOG_FAC_USER, LTS_LOG_WARN, 12 },      /* 1 * 8 + 4 */
	{ LTS_LOG_FAC_DAEMON, LTS_LOG_ERR, 27 },     /* 3 * 8 + 3 */
	{ LTS_LOG_FAC_AUTH, LTS_LOG_DEBUG, 39 },     /* 4 * 8 + 7 */
	{ LTS_LOG_FAC_AUTHPRIV, LTS_LOG_INFO, 86 },  /* 10 * 8 + 6 */
	{ LTS_LOG_FAC_LOCAL0, LTS_LOG_ERR, 131 },    /* 16 * 8 + 3 */
	{ LTS_LOG_FAC_LOCAL3, LTS_LOG_INFO, 158 },   /* 19 * 8 + 6 */
	{ LTS_LOG_FAC_LOCAL7, LTS_LOG_DEBUG, 191 },  /* 23 * 8 + 7 */
};

static void test_pri(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(pri_rows); i++)
		assert_int_equal(lts_log_pri(pri_rows[i].fac, pri_rows[i].level), pri_rows[i].pri);
}

static const struct {
	const char *what;
	int pri;
	time_t t;
	const char *tag;
	int pid;
	const char *msg;
	const char *want;
} rfc3164_rows[] = {
	/* The day is space-padded (RFC 3164 4.1.2). */
	{ "epoch", 158, 0, "lts-test", 42, "hello", "<158>Jan  1 00:00:00 lts-test[42]: hello" },
	{ "two-digit day", 27, 1700000000, "ltsd", 1, "tun 1/2 [established] x",
	  "<27>Nov 14 22:13:20 ltsd[1]: tun 1/2 [established] x" },
	{ "empty message", 191, 1709251199, "a", 65535, "", "<191>Feb 29 23:59:59 a[65535]: " },
};

static void test_rfc3164(void **state)
{
	char buf[256], small[16];
	size_t i, n;

	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	for (i = 0; i < ARRAY_SIZE(rfc3164_rows); i++) {
		print_message("%s\n", rfc3164_rows[i].what);
		n = lts_log_fmt_3164(buf, sizeof(buf), rfc3164_rows[i].pri, rfc3164_rows[i].t,
				     rfc3164_rows[i].tag, rfc3164_rows[i].pid, rfc3164_rows[i].msg);
		assert_string_equal(buf, rfc3164_rows[i].want);
		assert_int_equal(n, strlen(rfc3164_rows[i].want));
	}
	/* Cut, terminated, and the length says what is in the buffer. */
	n = lts_log_fmt_3164(small, sizeof(small), 158, 0, "lts", 1, "a long message");
	assert_int_equal(n, sizeof(small) - 1);
	assert_string_equal(small, "<158>Jan  1 00:");
}

static const struct {
	const char *what;
	int pri;
	struct timespec ts;
	const char *host, *app;
	int pid;
	const char *msgid, *msg, *want;
} rfc5424_rows[] = {
	{ "record", 158, { 1700000000, 123456789 }, "lts1.example", "lts-test", 42, "acct",
	  "{\"ev\":\"stop\"}",
	  "<158>1 2023-11-14T22:13:20.123456Z lts1.example lts-test 42 acct - {\"ev\":\"stop\"}" },
	{ "no host, no msgid", 27, { 0, 0 }, "", "ltsd", 7, NULL, "x",
	  "<27>1 1970-01-01T00:00:00.000000Z - ltsd 7 - - x" },
	{ "subsystem as msgid", 159, { 1709251199, 999999999 }, "h", "ltsd", 1, "tunnel", "m",
	  "<159>1 2024-02-29T23:59:59.999999Z h ltsd 1 tunnel - m" },
};

static void test_rfc5424(void **state)
{
	char buf[256];
	size_t i, n;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(rfc5424_rows); i++) {
		print_message("%s\n", rfc5424_rows[i].what);
		n = lts_log_fmt_5424(buf, sizeof(buf), rfc5424_rows[i].pri, &rfc5424_rows[i].ts,
				     rfc5424_rows[i].host, rfc5424_rows[i].app, rfc5424_rows[i].pid,
				     rfc5424_rows[i].msgid, rfc5424_rows[i].msg);
		assert_string_equal(buf, rfc5424_rows[i].want);
		assert_int_equal(n, strlen(rfc5424_rows[i].want));
	}
}

static const struct {
	const char *word;
	uint32_t mask;
} trace_words[] = {
	{ "general", 1u << LTS_TRACE_GENERAL },
	{ "tunnel", 1u << LTS_TRACE_TUNNEL },
	{ "session", 1u << LTS_TRACE_SESSION },
	{ "switch", 1u << LTS_TRACE_SWITCH },
	{ "transport", 1u << LTS_TRACE_TRANSPORT },
	{ "dataplane", 1u << LTS_TRACE_DATAPLANE },
	{ "config", 1u << LTS_TRACE_CONFIG },
	{ "ctl", 1u << LTS_TRACE_CTL },
	{ "metrics", 1u << LTS_TRACE_METRICS },
	{ "accounting", 1u << LTS_TRACE_ACCOUNTING },
	{ "all", LTS_TRACE_ALL },
	{ "ALL", 0 },
	{ "tunnels", 0 },
	{ "", 0 },
};

static void test_trace_words(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(trace_words); i++) {
		print_message("\"%s\"\n", trace_words[i].word);
		assert_int_equal(lts_trace_parse(trace_words[i].word), trace_words[i].mask);
		if (trace_words[i].mask && trace_words[i].mask != LTS_TRACE_ALL)
			assert_string_equal(lts_trace_name(__builtin_ctz(trace_words[i].mask)),
					    trace_words[i].word);
	}
}

/* ------------------------------------------------------------ stderr capture */

static int cap_fd = -1, saved_fd = -1;

static void cap_begin(void)
{
	char path[] = "/tmp/lts-test-log.XXXXXX";

	cap_fd = mkstemp(path);
	assert_true(cap_fd >= 0);
	unlink(path);
	fflush(stderr);
	saved_fd = dup(STDERR_FILENO);
	dup2(cap_fd, STDERR_FILENO);
}

/* What was written to stderr since cap_begin(); stderr is restored. */
static const char *cap_end(char *buf, size_t cap)
{
	ssize_t n;

	fflush(stderr);
	dup2(saved_fd, STDERR_FILENO);
	close(saved_fd);
	n = pread(cap_fd, buf, cap - 1, 0);
	close(cap_fd);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static size_t count_of(const char *hay, const char *needle)
{
	size_t n = 0;

	for (; (hay = strstr(hay, needle)); hay += strlen(needle))
		n++;
	return n;
}

static uint64_t fake_ms;

static uint64_t fake_clock(void)
{
	return fake_ms;
}

/* stderr only, info, no repeat limit, nothing traced. */
static struct lts_logging_cfg plain_cfg(void)
{
	struct lts_logging_cfg c = {
		.level = LTS_LOG_INFO,
		.to_stderr = true,
		.repeat_window_s = 30,
		.syslog = { .facility = LTS_LOG_FAC_DAEMON, .level = LTS_LOG_INFO,
			    .prefix = "ltsd" },
	};

	return c;
}

static int setup_log(void **state)
{
	(void)state;
	unsetenv("JOURNAL_STREAM");
	fake_ms = 1000000;
	lts_log_set_clock(fake_clock);
	return 0;
}

/* ------------------------------------------------------------ trace */

static const struct {
	const char *what;
	enum lts_log_level global;
	uint32_t trace;
	const char *filter;  /* trace peer */
	const char *current; /* lts_log_set_peer */
	enum lts_trace_flag sub;
	enum lts_log_level level;
	bool written;
} trace_rows[] = {
	{ "debug line, info level", LTS_LOG_INFO, 0, "", NULL, LTS_TRACE_TUNNEL, LTS_LOG_DEBUG,
	  false },
	{ "info line, info level", LTS_LOG_INFO, 0, "", NULL, LTS_TRACE_TUNNEL, LTS_LOG_INFO,
	  true },
	{ "info line, warning level", LTS_LOG_WARN, 0, "", NULL, LTS_TRACE_TUNNEL, LTS_LOG_INFO,
	  false },
	{ "debug level: every subsystem", LTS_LOG_DEBUG, 0, "", NULL, LTS_TRACE_METRICS,
	  LTS_LOG_DEBUG, true },
	{ "traced subsystem", LTS_LOG_INFO, 1u << LTS_TRACE_TUNNEL, "", NULL, LTS_TRACE_TUNNEL,
	  LTS_LOG_DEBUG, true },
	{ "other subsystem", LTS_LOG_INFO, 1u << LTS_TRACE_TUNNEL, "", NULL, LTS_TRACE_SESSION,
	  LTS_LOG_DEBUG, false },
	{ "two flags", LTS_LOG_INFO, 1u << LTS_TRACE_TUNNEL | 1u << LTS_TRACE_SESSION, "", NULL,
	  LTS_TRACE_SESSION, LTS_LOG_DEBUG, true },
	{ "all", LTS_LOG_INFO, LTS_TRACE_ALL, "", NULL, LTS_TRACE_ACCOUNTING, LTS_LOG_DEBUG, true },
	{ "traced lines pass any level", LTS_LOG_ERR, 1u << LTS_TRACE_SWITCH, "", NULL,
	  LTS_TRACE_SWITCH, LTS_LOG_INFO, true },
	{ "peer filter, that peer", LTS_LOG_INFO, 1u << LTS_TRACE_TUNNEL, "lac1", "lac1",
	  LTS_TRACE_TUNNEL, LTS_LOG_DEBUG, true },
	{ "peer filter, another peer", LTS_LOG_INFO, 1u << LTS_TRACE_TUNNEL, "lac1", "lac2",
	  LTS_TRACE_TUNNEL, LTS_LOG_DEBUG, false },
	{ "peer filter, no peer", LTS_LOG_INFO, 1u << LTS_TRACE_TUNNEL, "lac1", NULL,
	  LTS_TRACE_TUNNEL, LTS_LOG_DEBUG, false },
	{ "peer filter, a prefix of it", LTS_LOG_INFO, 1u << LTS_TRACE_TUNNEL, "lac1", "lac",
	  LTS_TRACE_TUNNEL, LTS_LOG_DEBUG, false },
	{ "peer filter, untraced subsystem", LTS_LOG_INFO, 1u << LTS_TRACE_TUNNEL, "lac1", "lac1",
	  LTS_TRACE_SESSION, LTS_LOG_DEBUG, false },
	{ "peer filter leaves untraced lines alone", LTS_LOG_INFO, 1u << LTS_TRACE_TUNNEL, "lac1",
	  "lac2", LTS_TRACE_TUNNEL, LTS_LOG_WARN, true },
};

static void test_trace_filter(void **state)
{
	struct lts_logging_cfg c = plain_cfg();
	char out[4096], text[64];
	size_t i;

	(void)state;
	lts_log_configure(&c);
	for (i = 0; i < ARRAY_SIZE(trace_rows); i++) {
		print_message("%s\n", trace_rows[i].what);
		snprintf(text, sizeof(text), "trace row %zu", i);
		lts_log_set_level(trace_rows[i].global);
		lts_log_set_trace(trace_rows[i].trace, trace_rows[i].filter);
		lts_log_set_peer(trace_rows[i].current);
		cap_begin();
		lts_log_sub(trace_rows[i].sub, trace_rows[i].level, "%s", text);
		cap_end(out, sizeof(out));
		assert_int_equal(count_of(out, text), trace_rows[i].written);
	}
	/* Set in either order: filter after the current peer. */
	lts_log_set_peer("lns9");
	lts_log_set_trace(1u << LTS_TRACE_TUNNEL, "lns9");
	cap_begin();
	lts_log_sub(LTS_TRACE_TUNNEL, LTS_LOG_DEBUG, "late filter");
	lts_log_clear_peer();
	lts_log_sub(LTS_TRACE_TUNNEL, LTS_LOG_DEBUG, "context cleared");
	cap_end(out, sizeof(out));
	assert_non_null(strstr(out, "late filter"));
	assert_null(strstr(out, "context cleared"));
	lts_log_set_trace(0, NULL);
	lts_log_set_level(LTS_LOG_INFO);
}

/* ------------------------------------------------------------ repeats */

enum step_op { LOG, TICK };

/* Limit 3 per 10 s. want: stderr text of the step, count of "written" in it. */
static const struct {
	uint64_t at_ms; /* from the start */
	enum step_op op;
	const char *line;
	const char *want;
	size_t n;
} repeat_steps[] = {
	{ 0, LOG, "peer 10.0.0.9 flooding", "peer 10.0.0.9 flooding", 1 },
	{ 1, LOG, "peer 10.0.0.9 flooding", "peer 10.0.0.9 flooding", 1 },
	{ 2, LOG, "peer 10.0.0.9 flooding", "peer 10.0.0.9 flooding", 1 },
	{ 3, LOG, "peer 10.0.0.9 flooding", "peer 10.0.0.9 flooding", 0 },
	{ 4, LOG, "peer 10.0.0.9 flooding", "peer 10.0.0.9 flooding", 0 },
	/* Another line in between is written, and counts on its own. */
	{ 5, LOG, "something else", "something else", 1 },
	{ 6, LOG, "peer 10.0.0.9 flooding", "peer 10.0.0.9 flooding", 0 },
	{ 9999, TICK, NULL, "message repeated", 0 },
	/* The window ends: its count, then the line starts over. */
	{ 10000, TICK, NULL, "message repeated 3 times: [peer 10.0.0.9 flooding]", 1 },
	{ 10001, LOG, "peer 10.0.0.9 flooding", "peer 10.0.0.9 flooding", 1 },
	/* A window with nothing held back ends without a count. */
	{ 25000, TICK, NULL, "message repeated", 0 },
	{ 25001, LOG, "peer 10.0.0.9 flooding", "peer 10.0.0.9 flooding", 1 },
};

static void test_repeats(void **state)
{
	struct lts_logging_cfg c = plain_cfg();
	struct lts_log_state st;
	uint64_t start = fake_ms, before;
	char out[4096];
	size_t i;

	(void)state;
	c.repeat_limit = 3;
	c.repeat_window_s = 10;
	lts_log_configure(&c);
	lts_log_get_state(&st);
	before = st.repeats_suppressed;
	for (i = 0; i < ARRAY_SIZE(repeat_steps); i++) {
		print_message("step %zu at %llu ms\n", i,
			      (unsigned long long)repeat_steps[i].at_ms);
		fake_ms = start + repeat_steps[i].at_ms;
		cap_begin();
		if (repeat_steps[i].op == LOG)
			pr_warn("%s", repeat_steps[i].line);
		else
			lts_log_tick();
		cap_end(out, sizeof(out));
		assert_int_equal(count_of(out, repeat_steps[i].want), repeat_steps[i].n);
	}
	lts_log_get_state(&st);
	assert_int_equal(st.repeats_suppressed - before, 3);
}

/*
 * Memory is bounded: a 17th distinct line takes the slot of the least
 * recent one, whose count is written then.
 */
static void test_repeat_slots(void **state)
{
	struct lts_logging_cfg c = plain_cfg();
	char out[8192];
	int i;

	(void)state;
	c.repeat_limit = 1;
	c.repeat_window_s = 60;
	lts_log_configure(&c);
	cap_begin();
	pr_info("first line");
	pr_info("first line");
	pr_info("first line");
	for (i = 0; i < 15; i++) {
		fake_ms++;
		pr_info("line %d", i);
	}
	cap_end(out, sizeof(out));
	assert_null(strstr(out, "message repeated"));
	cap_begin();
	fake_ms++;
	pr_info("line 15");
	cap_end(out, sizeof(out));
	assert_non_null(strstr(out, "message repeated 2 times: [first line]"));
	assert_non_null(strstr(out, "line 15"));
	/* repeat_limit 0: every line. */
	c.repeat_limit = 0;
	lts_log_configure(&c);
	cap_begin();
	for (i = 0; i < 50; i++)
		pr_info("no limit");
	cap_end(out, sizeof(out));
	assert_int_equal(count_of(out, "no limit"), 50);
}

/* ------------------------------------------------------------ syslog sockets */

struct receivers {
	char dir[64], path[96];
	int unix_fd, udp_fd;
	uint16_t udp_port;
};

static int bind_unix(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static void receivers_open(struct receivers *r)
{
	struct sockaddr_in in = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(in);

	snprintf(r->dir, sizeof(r->dir), "/tmp/lts-test-syslog.XXXXXX");
	assert_non_null(mkdtemp(r->dir));
	snprintf(r->path, sizeof(r->path), "%s/log.sock", r->dir);
	r->unix_fd = bind_unix(r->path);
	r->udp_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(r->udp_fd >= 0);
	assert_int_equal(bind(r->udp_fd, (struct sockaddr *)&in, sizeof(in)), 0);
	assert_int_equal(getsockname(r->udp_fd, (struct sockaddr *)&in, &len), 0);
	r->udp_port = ntohs(in.sin_port);
}

static void receivers_close(struct receivers *r)
{
	close(r->unix_fd);
	close(r->udp_fd);
	unlink(r->path);
	rmdir(r->dir);
}

/* One datagram within a second, or "" when none came. */
static const char *recv_line(int fd, char *buf, size_t cap)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n = -1;

	if (poll(&p, 1, 1000) == 1)
		n = recv(fd, buf, cap - 1, MSG_DONTWAIT);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

/* Nothing waiting (what was sent is received at once on loopback). */
static bool nothing(int fd)
{
	char buf[64];

	return recv(fd, buf, sizeof(buf), MSG_DONTWAIT) < 0 && errno == EAGAIN;
}

static struct lts_logging_cfg syslog_cfg(const struct receivers *r)
{
	struct lts_logging_cfg c = plain_cfg();

	c.syslog_on = true;
	c.syslog.facility = LTS_LOG_FAC_LOCAL3;
	c.syslog.level = LTS_LOG_INFO;
	snprintf(c.syslog.prefix, sizeof(c.syslog.prefix), "lts-test");
	snprintf(c.syslog.socket, sizeof(c.syslog.socket), "%s", r->path);
	snprintf(c.syslog.remote, sizeof(c.syslog.remote), "127.0.0.1:%u", r->udp_port);
	c.syslog.remote_ip.family = LTS_FAMILY_IPV4;
	inet_pton(AF_INET, "127.0.0.1", c.syslog.remote_ip.addr);
	c.syslog.remote_port = r->udp_port;
	return c;
}

/* What each line must look like on both sockets: "<PRI>" and its text after the tag. */
static void expect_both(const struct receivers *r, int pri, const char *msgid, const char *text)
{
	char buf[2048], want[512];

	recv_line(r->unix_fd, buf, sizeof(buf));
	snprintf(want, sizeof(want), "<%d>", pri);
	assert_memory_equal(buf, want, strlen(want));
	snprintf(want, sizeof(want), " lts-test[%d]: %s", (int)getpid(), text);
	assert_non_null(strstr(buf, want));
	assert_string_equal(buf + strlen(buf) - strlen(want), want);

	recv_line(r->udp_fd, buf, sizeof(buf));
	snprintf(want, sizeof(want), "<%d>1 ", pri);
	assert_memory_equal(buf, want, strlen(want));
	snprintf(want, sizeof(want), " lts-test %d %s - %s", (int)getpid(), msgid, text);
	assert_string_equal(buf + strlen(buf) - strlen(want), want);
}

static void test_syslog_sockets(void **state)
{
	struct lts_logging_cfg c;
	struct lts_log_state st;
	struct receivers r;
	char out[4096];

	(void)state;
	receivers_open(&r);
	c = syslog_cfg(&r);
	lts_log_configure(&c);

	cap_begin();
	lts_log_sub(LTS_TRACE_TUNNEL, LTS_LOG_INFO, "tun 7/9 [established] up");
	lts_log_sub(LTS_TRACE_SWITCH, LTS_LOG_WARN, "call 7/1 -> lns1: refused");
	lts_log_sub(LTS_TRACE_TUNNEL, LTS_LOG_DEBUG, "not at info");
	/* A trace flag brings debug lines to syslog too, whatever syslog's level. */
	lts_log_set_trace(1u << LTS_TRACE_TUNNEL, NULL);
	lts_log_sub(LTS_TRACE_TUNNEL, LTS_LOG_DEBUG, "tun 7/9 [established] traced");
	lts_log_set_trace(0, NULL);
	/* Records: info, whatever the level, and never on stderr. */
	lts_log_set_level(LTS_LOG_ERR);
	lts_log_record("acct", "{\"event\":\"stop\"}");
	lts_log_set_level(LTS_LOG_INFO);
	cap_end(out, sizeof(out));

	expect_both(&r, 19 * 8 + 6, "tunnel", "tun 7/9 [established] up");
	expect_both(&r, 19 * 8 + 4, "switch", "call 7/1 -> lns1: refused");
	expect_both(&r, 19 * 8 + 7, "tunnel", "tun 7/9 [established] traced");
	expect_both(&r, 19 * 8 + 6, "acct", "{\"event\":\"stop\"}");
	assert_true(nothing(r.unix_fd) && nothing(r.udp_fd));
	assert_non_null(strstr(out, "tun 7/9 [established] up"));
	assert_non_null(strstr(out, "traced"));
	assert_null(strstr(out, "not at info"));
	assert_null(strstr(out, "event"));
	lts_log_get_state(&st);
	assert_true(st.syslog && st.local.configured && st.local.connected && st.udp.configured);
	assert_int_equal(st.local.sent, 4);
	assert_int_equal(st.udp.sent, 4);
	assert_int_equal(st.local.errors + st.udp.errors, 0);
	assert_string_equal(st.facility, "local3");

	/* syslog.level warning: info only to stderr. */
	c.syslog.level = LTS_LOG_WARN;
	lts_log_configure(&c);
	cap_begin();
	pr_info("info, stderr only");
	cap_end(out, sizeof(out));
	assert_non_null(strstr(out, "info, stderr only"));
	assert_true(nothing(r.unix_fd) && nothing(r.udp_fd));
	receivers_close(&r);
}

/*
 * syslogd restarts: its socket is gone for a while (lines lost, counted,
 * said once on stderr), then bound anew at the same path; the next line
 * goes to the new one.
 */
static void test_syslog_reconnect(void **state)
{
	struct lts_logging_cfg c;
	struct lts_log_state st;
	struct receivers r;
	char out[4096], buf[2048];

	(void)state;
	receivers_open(&r);
	c = syslog_cfg(&r);
	c.syslog.remote[0] = '\0';
	c.to_stderr = false;
	lts_log_configure(&c);
	pr_info("before");
	assert_non_null(strstr(recv_line(r.unix_fd, buf, sizeof(buf)), "before"));

	close(r.unix_fd);
	unlink(r.path);
	c.to_stderr = true;
	lts_log_configure(&c);
	cap_begin();
	pr_info("while gone 1");
	pr_info("while gone 2");
	cap_end(out, sizeof(out));
	assert_int_equal(count_of(out, "lines are dropped and counted"), 1);
	lts_log_get_state(&st);
	assert_int_equal(st.local.errors, 2);
	assert_int_equal(st.local.last_error, ENOENT); /* the reason, not the wait */
	assert_false(st.local.connected);

	r.unix_fd = bind_unix(r.path);
	/* Not before the reconnect delay... */
	cap_begin();
	pr_info("too early");
	cap_end(out, sizeof(out));
	assert_true(nothing(r.unix_fd));
	/* ...then the tick connects, and lines flow again. */
	fake_ms += 1000;
	lts_log_tick();
	lts_log_get_state(&st);
	assert_true(st.local.connected);
	cap_begin();
	pr_info("after");
	cap_end(out, sizeof(out));
	assert_non_null(strstr(recv_line(r.unix_fd, buf, sizeof(buf)), "after"));
	assert_non_null(strstr(out, "taking lines again"));
	lts_log_get_state(&st);
	assert_int_equal(st.local.errors, 3);
	assert_int_equal(st.local.sent, 2);
	receivers_close(&r);
}

/* No syslog: section: records go nowhere, stderr included. */
static void test_record_without_syslog(void **state)
{
	struct lts_logging_cfg c = plain_cfg();
	char out[1024];

	(void)state;
	lts_log_configure(&c);
	cap_begin();
	lts_log_record("acct", "record nowhere");
	cap_end(out, sizeof(out));
	assert_string_equal(out, "");
}

/* stderr given by systemd: journald's "<N>" severity prefixes, no timestamp. */
static void test_journal_prefix(void **state)
{
	struct lts_logging_cfg c = plain_cfg();
	char out[1024], js[64];
	struct stat st;

	(void)state;
	cap_begin();
	fstat(STDERR_FILENO, &st);
	snprintf(js, sizeof(js), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", js, 1);
	lts_log_configure(&c);
	pr_warn("to the journal");
	pr_err("an error");
	unsetenv("JOURNAL_STREAM");
	lts_log_configure(&c);
	cap_end(out, sizeof(out));
	assert_string_equal(out, "<4>to the journal\n<3>an error\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_peer_str),
		cmocka_unit_test(test_peer_str_bounds),
		cmocka_unit_test(test_pri),
		cmocka_unit_test(test_rfc3164),
		cmocka_unit_test(test_rfc5424),
		cmocka_unit_test(test_trace_words),
		cmocka_unit_test(test_trace_filter),
		cmocka_unit_test(test_repeats),
		cmocka_unit_test(test_repeat_slots),
		cmocka_unit_test(test_syslog_sockets),
		cmocka_unit_test(test_syslog_reconnect),
		cmocka_unit_test(test_record_without_syslog),
		cmocka_unit_test(test_journal_prefix),
	};

	return cmocka_run_group_tests(tests, setup_log, NULL);
}
