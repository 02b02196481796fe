// SPDX-License-Identifier: GPL-2.0
/*
 * Leveled logging to stderr with printf-format checking, and the hooks
 * that route libbpf's and libxdp's output into the same logger.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include "log.h"

/*
 * The one piece of process-wide state: the log threshold is configuration of
 * the output channel, not of any tunnel, and every layer needs it.
 */
static enum lts_log_level log_level = LTS_LOG_INFO;

static const char *const level_names[] = {
	[LTS_LOG_ERR] = "error",
	[LTS_LOG_WARN] = "warning",
	[LTS_LOG_INFO] = "info",
	[LTS_LOG_DEBUG] = "debug",
};

void lts_log_set_level(enum lts_log_level level)
{
	log_level = level;
}

enum lts_log_level lts_log_get_level(void)
{
	return log_level;
}

void lts_vlog(enum lts_log_level level, const char *fmt, va_list ap)
{
	struct timespec ts;
	char line[1024];
	size_t n;

	if (level > log_level)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n && line[n - 1] == '\n')
		line[--n] = '\0';
	clock_gettime(CLOCK_REALTIME, &ts);
	fprintf(stderr, "%ld.%03ld ltsd: %s%s%s\n", (long)ts.tv_sec, ts.tv_nsec / 1000000,
		level == LTS_LOG_INFO ? "" : level_names[level],
		level == LTS_LOG_INFO ? "" : ": ", line);
}

void lts_log(enum lts_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lts_vlog(level, fmt, ap);
	va_end(ap);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* libbpf's debug level carries the verifier log; keep it at our debug. */
	lts_vlog(level == LIBBPF_WARN ? LTS_LOG_WARN :
		 level == LIBBPF_INFO ? LTS_LOG_DEBUG : LTS_LOG_DEBUG, fmt, ap);
	return 0;
}

static int libxdp_print(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	lts_vlog(level == LIBXDP_WARN ? LTS_LOG_WARN : LTS_LOG_DEBUG, fmt, ap);
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
