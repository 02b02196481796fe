/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The operator socket (switch.control_socket): a UNIX stream socket only
 * root can use. A client sends one request line, ltsd answers with one JSON
 * document and closes:
 *
 *   "show summary\n"   {"summary": {...}}
 *   "show tunnels\n"   {"tunnels": [...]}
 *   "show sessions\n"  {"sessions": [...]}
 *   anything else      {"error": "..."}
 *
 * The module reads the control plane, the switch and the configuration; it
 * never touches a BPF map: the counters come through lts_dp_ops.
 * docs/ltsctl.md describes every field.
 */
#ifndef LTS_CTL_SERVER_H
#define LTS_CTL_SERVER_H

#include <stdint.h>
#include <sys/types.h>
#include "dp/dp_ops.h"
#include "l2tp/ctrl_plane.h"
#include "lts_config.h"
#include "lts_maps.h"
#include "switch.h"

#define LTS_CTL_PROTO_VERSION 1
#define LTS_CTL_REQ_MAX 128        /* longest request line */
#define LTS_CTL_RECV_TIMEOUT_MS 200 /* for the request, once accepted */
#define LTS_CTL_SEND_TIMEOUT_MS 1000 /* for the whole answer */
#define LTS_CTL_ACCEPT_BATCH 8     /* connections per wakeup */

/* What the server shows; every pointer is borrowed. */
struct lts_ctl_view {
	const struct lts_config *cfg;
	const struct lts_ctrl_plane *cp; /* NULL: no control plane */
	const struct lts_switch *sw;     /* NULL: no switch */
	struct lts_dp_ops dp;            /* counters; unset stats hooks read as zero */
	uint64_t started_ms;             /* ltsd start (static sessions' uptime) */
};

enum lts_ctl_req {
	LTS_CTL_SHOW_SUMMARY,
	LTS_CTL_SHOW_TUNNELS,
	LTS_CTL_SHOW_SESSIONS,
};

/* "show tunnels" etc., words separated by blanks: 0 or -EINVAL. */
int lts_ctl_parse_request(const char *line, enum lts_ctl_req *out);
/*
 * The answer to req at now_ms (the clock of created_ms and up_ms): *out is a
 * malloc()ed, NUL-terminated JSON document of *len bytes. 0 or -ENOMEM.
 */
int lts_ctl_render(const struct lts_ctl_view *v, enum lts_ctl_req req, uint64_t now_ms,
		   char **out, size_t *len);
/* {"error": msg}, same conventions. */
int lts_ctl_render_error(const char *msg, char **out, size_t *len);

struct lts_ctl_counters {
	uint64_t answered;
	uint64_t refused;        /* peer uid != 0 */
	uint64_t bad_requests;
	uint64_t io_errors;      /* timeouts, resets, short writes */
};

struct lts_ctl_server {
	int fd;                  /* listening, non-blocking; -1: not open */
	char path[LTS_CFG_SOCK_MAX];
	dev_t dev;               /* of the socket we bound: unlink only that one */
	ino_t ino;
	struct lts_ctl_view view;
	struct lts_ctl_counters ctr;
	int accept_errno;        /* last accept() failure logged, 0: none since */
};

/*
 * Create the parent directory (0700) if missing, remove a stale socket
 * (nobody answers on it), bind, chmod 0600, listen. -EADDRINUSE: another
 * process answers on path; -EEXIST: path is not a socket.
 */
int lts_ctl_server_open(struct lts_ctl_server *srv, const char *path,
			const struct lts_ctl_view *view);
/* The listening socket is readable: answer the pending connections. */
void lts_ctl_server_handle(struct lts_ctl_server *srv, uint64_t now_ms);
/* Close and unlink (if path is still our socket). Accepts a closed server. */
void lts_ctl_server_close(struct lts_ctl_server *srv);

#endif /* LTS_CTL_SERVER_H */
