// SPDX-License-Identifier: GPL-2.0
/*
 * ppp_standin: stands in for /usr/sbin/pppd under xl2tpd in the e2e tests.
 *
 * The test machines have no PPP kernel support (no /dev/ppp), so a real pppd
 * cannot run. xl2tpd without kernel L2TP support forks "pppd" as
 *
 *   /usr/sbin/pppd <pty> passive nodetach <local>:<remote> file <optfile> ...
 *
 * with the slave side of a pseudo-tty on stdin and stdout, its own stderr
 * (xl2tpd's log under -D) on fd 2 and its own environment. It relays every
 * async-HDLC frame (RFC 1662) it reads from the pty as one L2TP data message
 * and writes what arrives on the session to the pty, framed. This program
 * speaks that framing and does what a test needs instead of PPP:
 *
 *   - log every frame received (and sent) as one hex line with a timestamp,
 *     frames with a bad FCS are counted, logged as such and dropped;
 *   - send N LCP Configure-Requests (recognisable magic number) and/or N PPP
 *     IPv4/UDP frames (sequence number and tag in the payload) at an interval,
 *     at start, after the first frame received, or on each SIGUSR1;
 *   - echo every good frame back (never on both ends of a call: endless ping-pong);
 *   - exit 0 on EOF of the pty or on SIGTERM/SIGHUP/SIGINT (xl2tpd sends SIGTERM
 *     when the call goes down).
 *
 * Configuration, because pppd's command line is xl2tpd's to choose: environment
 * variables STANDIN_<KEY> (inherited from xl2tpd), overridden by lines
 * "standin-<key> <value>" in the options file named by "file <path>" on the
 * command line (xl2tpd's per-section pppoptfile; all other lines there are
 * pppd options and ignored), so each LAC/LNS section can behave differently.
 * Keys: see usage().
 *
 * Log line format (one write(2) per line, O_APPEND: several calls may share a file):
 *   <unix time.usec> <pid> <dir> <len> <hex> [note]
 * dir: rx (good frame, FCS stripped), tx (sent, before framing; note "echo" for
 * echoes), bad_fcs / runt / abort / overflow (hex of what was received, FCS
 * included). Lines starting with "#" are start and exit records:
 *   # <time> <pid> start tag=... argv: <pppd arguments>
 *   # <time> <pid> exit reason=TERM|HUP|INT|eof|hangup|<error> rx=N tx=N ...
 * The start record is written once the pty is raw and SIGUSR1 is caught: from
 * then on frames sent to this end are not mangled, and kicking it is safe.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include "hdlc.h"

#define STANDIN_MAX_FRAME 16384 /* xl2tpd's own buffers are smaller */
#define STANDIN_MAX_IP_PAYLOAD 8000
#define STANDIN_TAG_MAX 64

#define PPP_PROTO_IP 0x0021
#define PPP_PROTO_LCP 0xc021
#define LCP_CONF_REQ 1
#define LCP_OPT_MRU 1
#define LCP_OPT_MAGIC 5

struct standin_cfg {
	char log_path[PATH_MAX];
	char tag[STANDIN_TAG_MAX];
	unsigned int send_lcp;
	unsigned int send_ip;
	unsigned int interval_ms;
	unsigned int start_delay_ms;
	bool wait_rx;
	bool wait_usr1;
	bool echo;
	unsigned int echo_max;
	uint32_t magic;
	bool acfc;
	unsigned int ip_size;
	struct in_addr ip_src;
	struct in_addr ip_dst;
	uint32_t accm;
};

struct standin {
	struct standin_cfg cfg;
	int in_fd;
	int out_fd;
	int log_fd;
	int sig_fd;
	int timer_fd;
	bool timer_armed;
	unsigned int batch_lcp, batch_ip; /* still to send in the current batch */
	pid_t pid;
	struct hdlc_rx rx;
	uint8_t rx_buf[STANDIN_MAX_FRAME];
	/* counters, printed in the exit record */
	unsigned long n_rx, n_tx, n_echo, n_bad_fcs, n_runt, n_abort, n_overflow;
	unsigned int sent_lcp, sent_ip;
	bool usr1_pending; /* SIGUSR1 seen, batch not started yet */
	int stop_signal;   /* SIGTERM, SIGHUP or SIGINT seen */
	const char *exit_reason;
};

static int parse_uint(const char *s, unsigned int max, unsigned int *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || end == s || *end || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_bool(const char *s, bool *out)
{
	if (!strcmp(s, "1") || !strcasecmp(s, "yes") || !strcasecmp(s, "true") ||
	    !strcasecmp(s, "on")) {
		*out = true;
		return 0;
	}
	if (!strcmp(s, "0") || !strcasecmp(s, "no") || !strcasecmp(s, "false") ||
	    !strcasecmp(s, "off") || !*s) {
		*out = false;
		return 0;
	}
	return -EINVAL;
}

static int copy_str(char *dst, size_t size, const char *s)
{
	if (strlen(s) >= size)
		return -ENAMETOOLONG;
	strcpy(dst, s);
	return 0;
}

/* Set one key (lower case, '_' or '-' between words). 0, -ENOENT or -EINVAL. */
static int cfg_set(struct standin_cfg *cfg, const char *key, const char *val)
{
	char k[32];
	unsigned int v;
	size_t i;

	if (strlen(key) >= sizeof(k))
		return -ENOENT;
	for (i = 0; key[i]; i++)
		k[i] = key[i] == '-' ? '_' : (char)tolower((unsigned char)key[i]);
	k[i] = '\0';

	if (!strcmp(k, "log"))
		return copy_str(cfg->log_path, sizeof(cfg->log_path), val);
	if (!strcmp(k, "tag"))
		return copy_str(cfg->tag, sizeof(cfg->tag), val);
	if (!strcmp(k, "send_lcp"))
		return parse_uint(val, 1000000, &cfg->send_lcp);
	if (!strcmp(k, "send_ip"))
		return parse_uint(val, 1000000, &cfg->send_ip);
	if (!strcmp(k, "interval_ms"))
		return parse_uint(val, 3600000, &cfg->interval_ms);
	if (!strcmp(k, "start_delay_ms"))
		return parse_uint(val, 3600000, &cfg->start_delay_ms);
	if (!strcmp(k, "wait_rx"))
		return parse_bool(val, &cfg->wait_rx);
	if (!strcmp(k, "wait_usr1"))
		return parse_bool(val, &cfg->wait_usr1);
	if (!strcmp(k, "echo"))
		return parse_bool(val, &cfg->echo);
	if (!strcmp(k, "echo_max"))
		return parse_uint(val, UINT_MAX, &cfg->echo_max);
	if (!strcmp(k, "magic")) {
		if (parse_uint(val, UINT32_MAX, &v))
			return -EINVAL;
		cfg->magic = v;
		return 0;
	}
	if (!strcmp(k, "acfc"))
		return parse_bool(val, &cfg->acfc);
	if (!strcmp(k, "ip_size"))
		return parse_uint(val, STANDIN_MAX_IP_PAYLOAD, &cfg->ip_size);
	if (!strcmp(k, "ip_src"))
		return inet_pton(AF_INET, val, &cfg->ip_src) == 1 ? 0 : -EINVAL;
	if (!strcmp(k, "ip_dst"))
		return inet_pton(AF_INET, val, &cfg->ip_dst) == 1 ? 0 : -EINVAL;
	if (!strcmp(k, "accm")) {
		if (parse_uint(val, UINT32_MAX, &v))
			return -EINVAL;
		cfg->accm = v;
		return 0;
	}
	return -ENOENT;
}

static void cfg_defaults(struct standin_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	strcpy(cfg->tag, "standin");
	cfg->interval_ms = 100;
	cfg->echo_max = 1000;
	cfg->magic = 0x4c545331; /* "LTS1" */
	cfg->ip_size = 64;
	cfg->ip_src.s_addr = htonl(0xc0000201); /* 192.0.2.1, TEST-NET-1 */
	cfg->ip_dst.s_addr = htonl(0xc0000202);
	cfg->accm = HDLC_ACCM_DEFAULT;
}

static const char *const cfg_keys[] = {
	"LOG", "TAG", "SEND_LCP", "SEND_IP", "INTERVAL_MS", "START_DELAY_MS", "WAIT_RX",
	"WAIT_USR1", "ECHO", "ECHO_MAX", "MAGIC", "ACFC", "IP_SIZE", "IP_SRC", "IP_DST", "ACCM",
};

static int cfg_from_env(struct standin_cfg *cfg)
{
	char name[48];
	const char *val;
	size_t i;

	for (i = 0; i < sizeof(cfg_keys) / sizeof(cfg_keys[0]); i++) {
		snprintf(name, sizeof(name), "STANDIN_%s", cfg_keys[i]);
		val = getenv(name);
		if (val && cfg_set(cfg, cfg_keys[i], val)) {
			fprintf(stderr, "ppp_standin: bad value '%s' of %s\n", val, name);
			return -EINVAL;
		}
	}
	return 0;
}

/* "standin-<key> <value>" lines of a pppd options file; other lines are pppd's. */
static int cfg_from_file(struct standin_cfg *cfg, const char *path)
{
	char line[PATH_MAX + 64], *key, *val, *end;
	unsigned int lineno = 0;
	int err = 0;
	FILE *f;

	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "ppp_standin: %s: %s\n", path, strerror(errno));
		return -errno;
	}
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		key = line + strspn(line, " \t");
		if (strncmp(key, "standin-", 8))
			continue;
		key += 8;
		val = key + strcspn(key, " \t\r\n");
		if (*val)
			*val++ = '\0';
		val += strspn(val, " \t");
		end = val + strlen(val);
		while (end > val && strchr(" \t\r\n", end[-1]))
			*--end = '\0';
		/* pppd-style quoting of a value with blanks */
		if (end - val >= 2 && *val == '"' && end[-1] == '"') {
			end[-1] = '\0';
			val++;
		}
		if (cfg_set(cfg, key, val)) {
			fprintf(stderr, "ppp_standin: %s:%u: bad option standin-%s '%s'\n", path,
				lineno, key, val);
			err = -EINVAL;
		}
	}
	fclose(f);
	return err;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: ppp_standin [pppd arguments...]\n"
		"A pppd replacement for tests: async-HDLC (RFC 1662) on stdin/stdout.\n"
		"Options come from STANDIN_<KEY> environment variables, overridden by\n"
		"'standin-<key> <value>' lines in the file named by a 'file <path>' argument:\n"
		"  log PATH          log every frame (%%p in PATH: pid)\n"
		"  tag STRING        put in the IP payloads and the log records\n"
		"  send_lcp N        send N LCP Configure-Requests (MRU 1500, magic)\n"
		"  send_ip N         then N PPP IPv4/UDP frames, seq 1..N in the payload\n"
		"  interval_ms MS    between frames sent (default 100, 0: all at once)\n"
		"  start_delay_ms MS before the first frame (default 0)\n"
		"  wait_rx BOOL      start sending only after the first frame received\n"
		"  wait_usr1 BOOL    start sending only on SIGUSR1\n"
		"  echo BOOL         send every good frame received back\n"
		"  echo_max N        echo at most N frames (default 1000)\n"
		"  magic U32         LCP magic number (default 0x4c545331)\n"
		"  acfc BOOL         leave out the 0xff03 address/control field\n"
		"  ip_size N         UDP payload octets (default 64, min: text + pattern)\n"
		"  ip_src, ip_dst    IPv4 addresses (default 192.0.2.1 -> 192.0.2.2)\n"
		"  accm U32          async control character map for sending (default all)\n"
		"Keys may be written with '-' for '_' (standin-send-ip 5). Each SIGUSR1\n"
		"starts another batch of send_lcp + send_ip frames (IP sequence numbers go\n"
		"on) unless one is in progress. Exits 0 on EOF, SIGTERM, SIGHUP, SIGINT.\n");
}

/* ---------------------------------------------------------------- logging */

static void now(long *sec, long *usec)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	*sec = ts.tv_sec;
	*usec = ts.tv_nsec / 1000;
}

static void log_frame(struct standin *s, const char *dir, const uint8_t *p, size_t len,
		      const char *note)
{
	static const char hex[] = "0123456789abcdef";
	static char line[64 + 2 * STANDIN_MAX_FRAME + 32];
	size_t n, i, shown = len > STANDIN_MAX_FRAME ? STANDIN_MAX_FRAME : len;
	long sec, usec;

	if (s->log_fd < 0)
		return;
	now(&sec, &usec);
	n = snprintf(line, 64, "%ld.%06ld %d %s %zu ", sec, usec, (int)s->pid, dir, len);
	for (i = 0; i < shown; i++) {
		line[n++] = hex[p[i] >> 4];
		line[n++] = hex[p[i] & 15];
	}
	if (!shown)
		line[n++] = '-';
	if (note)
		n += snprintf(line + n, 32, " %s", note);
	line[n++] = '\n';
	/* One write with O_APPEND: lines of concurrent calls do not interleave. */
	if (write(s->log_fd, line, n) < 0)
		s->log_fd = -1;
}

static void log_record(struct standin *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void log_record(struct standin *s, const char *fmt, ...)
{
	char line[1024];
	long sec, usec;
	va_list ap;
	int n, m;

	now(&sec, &usec);
	n = snprintf(line, sizeof(line), "# %ld.%06ld %d ", sec, usec, (int)s->pid);
	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	va_end(ap);
	n += m < (int)(sizeof(line) - n - 1) ? m : (int)(sizeof(line) - n - 2);
	line[n++] = '\n';
	if (s->log_fd >= 0 && write(s->log_fd, line, n) < 0)
		s->log_fd = -1;
	/* xl2tpd -D: our stderr is its log, the records help read it. */
	fprintf(stderr, "ppp_standin[%d]: %s", (int)s->pid, line + 2);
}

static int open_log(struct standin *s)
{
	char path[PATH_MAX + 16];
	const char *src = s->cfg.log_path;
	size_t n = 0;

	s->log_fd = -1;
	if (!*src)
		return 0;
	while (*src && n < sizeof(path) - 12) {
		if (src[0] == '%' && src[1] == 'p') {
			n += snprintf(path + n, 12, "%d", (int)s->pid);
			src += 2;
		} else {
			path[n++] = *src++;
		}
	}
	path[n] = '\0';
	s->log_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (s->log_fd < 0) {
		fprintf(stderr, "ppp_standin: open %s: %s\n", path, strerror(errno));
		return -errno;
	}
	return 0;
}

/* ---------------------------------------------------------------- sending */

/* Take one pending signal off the signalfd, if any. */
static void read_signal(struct standin *s)
{
	struct signalfd_siginfo si;

	if (read(s->sig_fd, &si, sizeof(si)) != sizeof(si))
		return;
	if (si.ssi_signo == SIGUSR1)
		s->usr1_pending = true;
	else
		s->stop_signal = si.ssi_signo;
}

/*
 * Write all of buf to the pty. Gives up (-EINTR) only on a signal that stops
 * us: a frame cut short would reach the peer as an aborted or bad frame.
 */
static int write_all(struct standin *s, const uint8_t *buf, size_t len)
{
	struct pollfd pfd[2] = {
		{ .fd = s->out_fd, .events = POLLOUT },
		{ .fd = s->sig_fd, .events = POLLIN },
	};
	ssize_t n;

	while (len) {
		n = write(s->out_fd, buf, len);
		if (n > 0) {
			buf += n;
			len -= n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -errno;
		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			return -errno;
		if (pfd[1].revents & POLLIN) {
			read_signal(s);
			if (s->stop_signal)
				return -EINTR;
		}
		if (pfd[0].revents & (POLLERR | POLLHUP))
			return -EPIPE;
	}
	return 0;
}

static int send_frame(struct standin *s, const uint8_t *frame, size_t len, const char *note)
{
	static uint8_t enc[2 + 2 * (STANDIN_MAX_FRAME + HDLC_FCS_LEN)];
	ssize_t n;
	int err;

	n = hdlc_encode(frame, len, s->cfg.accm, enc, sizeof(enc));
	if (n < 0)
		return n;
	err = write_all(s, enc, n);
	if (err)
		return err;
	s->n_tx++;
	log_frame(s, "tx", frame, len, note);
	return 0;
}

static size_t put_ppp_header(const struct standin *s, uint8_t *p, uint16_t proto)
{
	size_t n = 0;

	if (!s->cfg.acfc) {
		p[n++] = 0xff; /* all-stations address */
		p[n++] = 0x03; /* unnumbered information */
	}
	p[n++] = proto >> 8;
	p[n++] = proto & 0xff;
	return n;
}

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	put_be16(p, v >> 16);
	put_be16(p + 2, v & 0xffff);
}

/* RFC 1661 5.1 Configure-Request with MRU 1500 and the magic number. */
static size_t build_lcp_confreq(const struct standin *s, uint8_t *p, uint8_t id)
{
	size_t n = put_ppp_header(s, p, PPP_PROTO_LCP);

	p[n++] = LCP_CONF_REQ;
	p[n++] = id;
	put_be16(p + n, 4 + 4 + 6);
	n += 2;
	p[n++] = LCP_OPT_MRU;
	p[n++] = 4;
	put_be16(p + n, 1500);
	n += 2;
	p[n++] = LCP_OPT_MAGIC;
	p[n++] = 6;
	put_be32(p + n, s->cfg.magic);
	return n + 4;
}

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	while (len > 1) {
		sum += (p[0] << 8) | p[1];
		p += 2;
		len -= 2;
	}
	if (len)
		sum += p[0] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

/*
 * PPP IPv4/UDP (port 40000 -> 9, discard) with valid checksums, so that tshark
 * decodes it cleanly inside L2TP. The payload names tag and sequence number and
 * carries every octet the framing treats specially, then a per-frame pattern.
 */
static size_t build_ip(const struct standin *s, uint8_t *p, uint32_t seq)
{
	static const uint8_t special[] = { 0x7e, 0x7d, 0x00, 0x01, 0x03, 0x11, 0x13, 0x0a,
					   0x0d, 0x1f, 0x20, 0x5d, 0x5e, 0x7f, 0x80, 0xff };
	size_t hdr = put_ppp_header(s, p, PPP_PROTO_IP);
	uint8_t *ip = p + hdr, *udp = ip + 20, *data = udp + 8;
	size_t dlen, i;
	uint32_t sum;
	uint16_t cs;

	dlen = snprintf((char *)data, 96, "LTS-STANDIN tag=%s seq=%u\n", s->cfg.tag, seq);
	memcpy(data + dlen, special, sizeof(special));
	dlen += sizeof(special);
	for (i = dlen; i < s->cfg.ip_size; i++)
		data[i] = (uint8_t)(seq + i);
	if (dlen < s->cfg.ip_size)
		dlen = s->cfg.ip_size;

	ip[0] = 0x45;
	ip[1] = 0;
	put_be16(ip + 2, 20 + 8 + dlen);
	put_be16(ip + 4, seq & 0xffff);
	put_be16(ip + 6, 0x4000); /* DF */
	ip[8] = 64;
	ip[9] = 17;
	put_be16(ip + 10, 0);
	memcpy(ip + 12, &s->cfg.ip_src, 4);
	memcpy(ip + 16, &s->cfg.ip_dst, 4);
	put_be16(ip + 10, csum_fold(csum_add(0, ip, 20)));

	put_be16(udp, 40000);
	put_be16(udp + 2, 9);
	put_be16(udp + 4, 8 + dlen);
	put_be16(udp + 6, 0);
	sum = csum_add(0, ip + 12, 8) + 17 + 8 + dlen; /* pseudo header */
	sum = csum_add(sum, udp, 8 + dlen);
	cs = csum_fold(sum);
	put_be16(udp + 6, cs ? cs : 0xffff);
	return hdr + 20 + 8 + dlen;
}

static bool all_sent(const struct standin *s)
{
	return !s->batch_lcp && !s->batch_ip;
}

static int send_next(struct standin *s)
{
	static uint8_t frame[STANDIN_MAX_FRAME];
	size_t len;

	if (s->batch_lcp) {
		s->batch_lcp--;
		len = build_lcp_confreq(s, frame, (uint8_t)(s->sent_lcp + 1));
		s->sent_lcp++;
	} else if (s->batch_ip) {
		s->batch_ip--;
		s->sent_ip++;
		len = build_ip(s, frame, s->sent_ip);
	} else {
		return 0;
	}
	return send_frame(s, frame, len, NULL);
}

static int arm_timer(struct standin *s, unsigned int delay_ms)
{
	struct itimerspec its = { 0 };
	unsigned int iv = s->cfg.interval_ms ? s->cfg.interval_ms : 1;

	if (all_sent(s) || s->timer_armed)
		return 0;
	/* it_value 0 would disarm: fire "now" as 1 ns. */
	its.it_value.tv_sec = delay_ms / 1000;
	its.it_value.tv_nsec = (delay_ms % 1000) * 1000000L + (delay_ms ? 0 : 1);
	its.it_interval.tv_sec = iv / 1000;
	its.it_interval.tv_nsec = (iv % 1000) * 1000000L;
	if (timerfd_settime(s->timer_fd, 0, &its, NULL) < 0)
		return -errno;
	s->timer_armed = true;
	return 0;
}

/* A batch of send_lcp + send_ip frames, the first after start_delay_ms. */
static int start_batch(struct standin *s)
{
	if (!all_sent(s))
		return 0;
	s->batch_lcp = s->cfg.send_lcp;
	s->batch_ip = s->cfg.send_ip;
	s->timer_armed = false;
	return arm_timer(s, s->cfg.start_delay_ms);
}

static int on_timer(struct standin *s)
{
	uint64_t expirations;
	int err;

	if (read(s->timer_fd, &expirations, sizeof(expirations)) < 0)
		return errno == EAGAIN ? 0 : -errno;
	/* interval 0: everything at once; otherwise one frame per tick, late ticks skipped */
	do {
		err = send_next(s);
		if (err)
			return err;
	} while (!s->cfg.interval_ms && !all_sent(s));
	if (all_sent(s)) {
		struct itimerspec off = { 0 };

		timerfd_settime(s->timer_fd, 0, &off, NULL);
	}
	return 0;
}

/* ---------------------------------------------------------------- receiving */

static int on_event(struct standin *s, enum hdlc_rx_event ev)
{
	const struct hdlc_rx *rx = &s->rx;
	size_t shown = rx->frame_len < rx->cap ? rx->frame_len : rx->cap;
	int err;

	switch (ev) {
	case HDLC_RX_NONE:
		return 0;
	case HDLC_RX_FRAME:
		s->n_rx++;
		log_frame(s, "rx", rx->buf, rx->frame_len, NULL);
		if (s->n_rx == 1 && s->cfg.wait_rx && !s->cfg.wait_usr1) {
			err = start_batch(s);
			if (err)
				return err;
		}
		if (s->cfg.echo && s->n_echo < s->cfg.echo_max) {
			s->n_echo++;
			return send_frame(s, rx->buf, rx->frame_len, "echo");
		}
		return 0;
	case HDLC_RX_BAD_FCS:
		s->n_bad_fcs++;
		break;
	case HDLC_RX_RUNT:
		s->n_runt++;
		break;
	case HDLC_RX_ABORT:
		s->n_abort++;
		break;
	case HDLC_RX_OVERFLOW:
		s->n_overflow++;
		break;
	}
	log_frame(s, hdlc_rx_event_name(ev), rx->buf, shown, NULL);
	return 0;
}

/* 1 on EOF, 0 when more may come, or a negative errno. */
static int on_input(struct standin *s)
{
	uint8_t buf[4096];
	ssize_t n, i;
	int err;

	n = read(s->in_fd, buf, sizeof(buf));
	if (n == 0)
		return 1;
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		/* The slave side of a pty reads EIO once the master is closed. */
		return errno == EIO ? 1 : -errno;
	}
	for (i = 0; i < n; i++) {
		err = on_event(s, hdlc_rx_byte(&s->rx, buf[i]));
		if (err)
			return err;
	}
	return 0;
}

/* ---------------------------------------------------------------- setup */

/* pppd would put the tty into raw mode; xl2tpd leaves it cooked (ICANON, ICRNL, ISIG...). */
static int make_raw(int fd)
{
	struct termios t;

	if (!isatty(fd))
		return 0;
	if (tcgetattr(fd, &t) < 0)
		return -errno;
	cfmakeraw(&t);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(fd, TCSANOW, &t) < 0)
		return -errno;
	return 0;
}

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

static int setup(struct standin *s)
{
	sigset_t mask;
	int err;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return -errno;
	signal(SIGPIPE, SIG_IGN);
	s->sig_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (s->sig_fd < 0)
		return -errno;
	s->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (s->timer_fd < 0)
		return -errno;
	err = make_raw(s->in_fd);
	if (!err && s->out_fd != s->in_fd)
		err = make_raw(s->out_fd);
	if (!err)
		err = set_nonblock(s->in_fd);
	if (!err)
		err = set_nonblock(s->out_fd);
	return err;
}

static int run(struct standin *s)
{
	struct pollfd pfd[3] = {
		{ .fd = s->in_fd, .events = POLLIN },
		{ .fd = s->sig_fd, .events = POLLIN },
		{ .fd = s->timer_fd, .events = POLLIN },
	};
	int err;

	if (!s->cfg.wait_rx && !s->cfg.wait_usr1) {
		err = start_batch(s);
		if (err)
			return err;
	}
	for (;;) {
		/* Signals may also have been read by write_all(). */
		if (s->stop_signal) {
			s->exit_reason = sigabbrev_np(s->stop_signal);
			return 0;
		}
		if (s->usr1_pending) {
			s->usr1_pending = false;
			err = start_batch(s);
			if (err)
				return err;
		}
		if (poll(pfd, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (pfd[1].revents & POLLIN) {
			read_signal(s);
			continue;
		}
		err = 0;
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR))
			err = on_input(s);
		if (!err && (pfd[2].revents & POLLIN))
			err = on_timer(s);
		if (err > 0) {
			s->exit_reason = "eof";
			return 0;
		}
		/* The pty went away under a write: the same as EOF for xl2tpd's calls. */
		if (err == -EIO || err == -EPIPE) {
			s->exit_reason = "hangup";
			return 0;
		}
		/* A stop signal cut a blocked write short: handled at the loop's top. */
		if (err && err != -EINTR)
			return err;
	}
}

int main(int argc, char **argv)
{
	static struct standin s;
	char args[512];
	size_t n = 0;
	int i, err;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		}
	}
	s.pid = getpid();
	s.in_fd = STDIN_FILENO;
	s.out_fd = STDOUT_FILENO;
	s.sig_fd = -1;
	s.timer_fd = -1;
	s.exit_reason = "error";
	hdlc_rx_init(&s.rx, s.rx_buf, sizeof(s.rx_buf));
	cfg_defaults(&s.cfg);
	if (cfg_from_env(&s.cfg))
		return 2;
	/* pppd's "file <path>": the per-section pppoptfile of xl2tpd */
	for (i = 1; i + 1 < argc; i++) {
		if (!strcmp(argv[i], "file") && cfg_from_file(&s.cfg, argv[++i]))
			return 2;
	}
	if (open_log(&s))
		return 2;

	for (i = 1; i < argc && n < sizeof(args) - 2; i++)
		n += snprintf(args + n, sizeof(args) - n, "%s%s", i > 1 ? " " : "", argv[i]);
	args[n] = '\0';
	/* Logged once the pty is raw and SIGUSR1 is caught: ready for traffic. */
	err = setup(&s);
	if (!err) {
		log_record(&s, "start tag=%s send_lcp=%u send_ip=%u echo=%d magic=0x%08x argv: %s",
			   s.cfg.tag, s.cfg.send_lcp, s.cfg.send_ip, s.cfg.echo, s.cfg.magic, args);
		err = run(&s);
	}
	if (err)
		fprintf(stderr, "ppp_standin[%d]: %s\n", (int)s.pid, strerror(-err));
	log_record(&s,
		   "exit reason=%s rx=%lu tx=%lu echo=%lu bad_fcs=%lu runt=%lu abort=%lu "
		   "overflow=%lu sent_lcp=%u sent_ip=%u",
		   err ? strerror(-err) : s.exit_reason, s.n_rx, s.n_tx, s.n_echo, s.n_bad_fcs,
		   s.n_runt, s.n_abort, s.n_overflow, s.sent_lcp, s.sent_ip);
	return err ? 1 : 0;
}
