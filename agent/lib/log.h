/* SPDX-License-Identifier: GPL-2.0 */
/* Leveled logging for the agent; libbpf and libxdp output is routed here too. */
#ifndef LTS_LOG_H
#define LTS_LOG_H

#include <stdarg.h>

enum lts_log_level {
	LTS_LOG_ERR = 0,
	LTS_LOG_WARN,
	LTS_LOG_INFO,
	LTS_LOG_DEBUG,
};

void lts_log_set_level(enum lts_log_level level);
enum lts_log_level lts_log_get_level(void);
/* Route libbpf's and libxdp's messages through lts_log. */
void lts_log_hook_libs(void);

__attribute__((format(printf, 2, 3)))
void lts_log(enum lts_log_level level, const char *fmt, ...);
void lts_vlog(enum lts_log_level level, const char *fmt, va_list ap);

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
