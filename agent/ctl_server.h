/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The operator socket (switch.control_socket): a UNIX stream socket only
 * root can use. A client sends one request line, ltsd answers with one JSON
 * document and closes. Views (docs/ltsctl.md describes every field):
 *
 *   "show summary\n"            {"summary": {...}}
 *   "show tunnels\n"            {"tunnels": [...]}
 *   "show sessions\n"           {"sessions": [...]}
 *   "show peers\n"              {"peers": [...]}
 *   "show rules\n"              {"rules": [...]}
 *   "show stats\n"              {"stats": {...}}
 *   "show tunnel ID\n"          {"tunnel": {...}}
 *   "show session [TID/]SID\n"  {"session": {...}}
 *   "show trace\n"              {"trace": {...}}  (trace flags, log level and outputs)
 *
 * and actions, each one line too:
 *
 *   "clear session [TID/]SID\n", "clear tunnel ID\n", "clear peer [lac|lns] NAME\n"
 *                               {"cleared": {...}}
 *   "drain lac|lns NAME\n", "undrain lac|lns NAME\n"
 *                               {"drain": {...}}
 *   "log level err|warn|info|debug\n"
 *                               {"log": {...}}
 *   "trace FLAG... [peer NAME]\n", "trace off\n"
 *                               {"trace": {...}} as show trace, and "previous"
 *
 * Anything else, or a request that cannot be carried out (no such tunnel),
 * is answered {"error": "..."}. IDs are ours (what ltsd assigned): a
 * session is its ID on either leg, with the tunnel's in front where the
 * same session ID exists in two tunnels.
 *
 * Connections are served side by side and never waited for: the request
 * must arrive within LTS_CTL_RECV_TIMEOUT_MS of the connection and the answer
 * be read within LTS_CTL_SEND_TIMEOUT_MS of being rendered, or the connection
 * is dropped. At most LTS_CTL_MAX_CLIENTS at once: a newcomer beyond that
 * takes the slot of a client still owing its request (the oldest of the peer
 * process holding the most slots; ltsctl sends its request as it connects,
 * so idle connections never keep it out), or, when every slot is sending an
 * answer, is told {"error": "...busy..."} and closed at once.
 *
 * The module reads the control plane, the switch and the configuration,
 * and acts on them only through their own operator functions
 * (lts_switch_clear_*, lts_cp_drain_*); it never touches a BPF map: the
 * counters, XDP verdicts included, come through lts_dp_ops.
 */
#ifndef LTS_CTL_SERVER_H
#define LTS_CTL_SERVER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "dp/dp_ops.h"
#include "l2tp/ctrl_plane.h"
#include "lib/log.h"
#include "lts_config.h"
#include "lts_maps.h"
#include "lts_reasons.h"
#include "switch.h"

#define LTS_CTL_PROTO_VERSION 1
#define LTS_CTL_REQ_MAX 128        /* longest request line */
#define LTS_CTL_RECV_TIMEOUT_MS 200 /* for the request, once accepted */
#define LTS_CTL_SEND_TIMEOUT_MS 1000 /* for the whole answer, once rendered */
#define LTS_CTL_ACCEPT_BATCH 8     /* connections per wakeup */
#define LTS_CTL_MAX_CLIENTS 16     /* connections served at once */
#define LTS_CTL_BUSY_LOG_MS 10000  /* at most one "busy" warning per period */
#define LTS_CTL_NO_DEADLINE UINT64_MAX

/*
 * What the server shows and acts on; every pointer is borrowed. The control
 * plane and the switch are read for the views and changed by the actions
 * (clear, drain), from the daemon's one thread.
 */
struct lts_ctl_view {
	const struct lts_config *cfg;
	struct lts_ctrl_plane *cp;       /* NULL: no control plane */
	struct lts_switch *sw;           /* NULL: no switch */
	struct lts_dp_ops dp;            /* counters; unset stats hooks read as zero */
	uint64_t started_ms;             /* ltsd start (static sessions' uptime) */
	/*
	 * The daemon's own requests; 0 or a negative errno with msg saying
	 * why (a reload's "file:line:col: ..."), msg a line for the answer
	 * either way. NULL: refused as not supported.
	 */
	int (*reload)(void *daemon, char *msg, size_t size);
	int (*restart)(void *daemon, char *msg, size_t size);
	void *daemon;
};

/* Every request (ctl_server.h above, docs/ltsctl.md "Protocol"). */
enum lts_ctl_cmd {
	LTS_CTL_CMD_SHOW_SUMMARY,
	LTS_CTL_CMD_SHOW_TUNNELS,
	LTS_CTL_CMD_SHOW_SESSIONS,
	LTS_CTL_CMD_SHOW_PEERS,
	LTS_CTL_CMD_SHOW_RULES,
	LTS_CTL_CMD_SHOW_STATS,
	LTS_CTL_CMD_SHOW_TUNNEL,   /* tunnel_id */
	LTS_CTL_CMD_SHOW_SESSION,  /* [tunnel_id,] session_id */
	LTS_CTL_CMD_SHOW_TRACE,
	LTS_CTL_CMD_CLEAR_SESSION, /* [tunnel_id,] session_id */
	LTS_CTL_CMD_CLEAR_TUNNEL,  /* tunnel_id */
	LTS_CTL_CMD_CLEAR_PEER,    /* kind (any, lac, lns), name */
	LTS_CTL_CMD_DRAIN,         /* kind (lac, lns), name */
	LTS_CTL_CMD_UNDRAIN,       /* kind (lac, lns), name */
	LTS_CTL_CMD_LOG_LEVEL,     /* level */
	LTS_CTL_CMD_TRACE,         /* trace (0: off), name: peer filter ("": any) */
	LTS_CTL_CMD_RELOAD,        /* the configuration file, as SIGHUP */
	LTS_CTL_CMD_RESTART,       /* a new ltsd image takes over the sessions */
	LTS_CTL_CMD_MAX
};

enum lts_ctl_peer_kind {
	LTS_CTL_PEER_ANY,          /* clear peer NAME: whichever list has it */
	LTS_CTL_PEER_LAC,          /* lac_peers */
	LTS_CTL_PEER_LNS,          /* lns_peers */
};

struct lts_ctl_request {
	enum lts_ctl_cmd cmd;
	uint16_t tunnel_id;        /* 0: any tunnel (a session by its ID alone) */
	uint16_t session_id;
	enum lts_ctl_peer_kind kind;
	char name[LTS_CFG_NAME_MAX];
	enum lts_log_level level;
	uint32_t trace;            /* trace flags: 1 << enum lts_trace_flag */
};

/* What an action says in its Result Codes (StopCCN 1, CDN 3: RFC 2661 4.4.2). */
#define LTS_CTL_CLEAR_MESSAGE "cleared by operator"

/*
 * A request line: words separated by blanks, at most LTS_CTL_REQ_MAX bytes.
 * 0, or -EINVAL with *why (if why) saying what was expected.
 */
int lts_ctl_parse(const char *line, struct lts_ctl_request *out, const char **why);
/*
 * Carry out req at now_ms (the clock of created_ms, up_ms and the control
 * plane's now_ms): *out is a malloc()ed, NUL-terminated JSON document of
 * *len bytes, the view or what the action did. A request that cannot be
 * carried out (no such tunnel, peer or session; no control plane) returns
 * -ENOENT, -EALREADY, -EINVAL or -ENOTSUP with *out an {"error": ...}
 * document saying why. -ENOMEM: nothing in *out.
 */
int lts_ctl_execute(const struct lts_ctl_view *v, const struct lts_ctl_request *req,
		    uint64_t now_ms, char **out, size_t *len);
/* {"error": msg}, same conventions. */
int lts_ctl_render_error(const char *msg, char **out, size_t *len);
/* Does req change anything (logged with the client's pid)? */
bool lts_ctl_cmd_acts(enum lts_ctl_cmd cmd);

/*
 * The read-only views of the first version of the protocol, as they were:
 * lts_ctl_parse_request() takes "show summary|tunnels|sessions" only, and
 * lts_ctl_render(v, req, ...) equals lts_ctl_execute() of that view.
 */
enum lts_ctl_req {
	LTS_CTL_SHOW_SUMMARY,
	LTS_CTL_SHOW_TUNNELS,
	LTS_CTL_SHOW_SESSIONS,
};

int lts_ctl_parse_request(const char *line, enum lts_ctl_req *out);
int lts_ctl_render(const struct lts_ctl_view *v, enum lts_ctl_req req, uint64_t now_ms,
		   char **out, size_t *len);

struct lts_ctl_counters {
	uint64_t answered;
	uint64_t refused;        /* peer uid != 0 */
	uint64_t bad_requests;
	uint64_t io_errors;      /* timeouts, resets, short writes */
	uint64_t timeouts;       /* of io_errors: request or answer not through in time */
	uint64_t busy_refused;   /* closed at once: every slot was sending an answer */
	uint64_t busy_evicted;   /* unfinished request dropped to make room for a newer one */
};

enum lts_ctl_client_state {
	LTS_CTL_CLIENT_FREE,
	LTS_CTL_CLIENT_READING,  /* the request line, until deadline_ms */
	LTS_CTL_CLIENT_WRITING,  /* answer[sent..answer_len), until deadline_ms */
};

/* One accepted connection; every buffer it can fill is bounded. */
struct lts_ctl_client {
	int fd;                  /* non-blocking; -1: free slot */
	enum lts_ctl_client_state state;
	uint32_t events;         /* registered with the server's epoll; 0: not yet */
	pid_t pid;               /* SO_PEERCRED: the logs, and who holds how many slots */
	uint64_t seq;            /* accept order: of a peer's clients, the oldest is evicted */
	uint64_t deadline_ms;
	size_t req_len;
	char req[LTS_CTL_REQ_MAX + 2]; /* the line so far (+ one byte to tell "too long") */
	char *answer;            /* malloc()ed JSON, written from answer + sent */
	size_t answer_len, sent;
	bool is_answer;          /* a view, not an error: counts as answered once sent */
};

/*
 * The server never blocks on a client: every socket is non-blocking and is
 * read or written only when its own epoll set says so. The caller's event
 * loop polls one fd (lts_ctl_server_poll_fd) that is readable whenever the
 * server has work: a connection to accept, a client ready, a deadline due.
 */
struct lts_ctl_server {
	int fd;                  /* listening, non-blocking; -1: not open */
	int epfd;                /* the listening socket, the clients, timerfd */
	int timerfd;             /* CLOCK_MONOTONIC, at the next deadline */
	char path[LTS_CFG_SOCK_MAX];
	dev_t dev;               /* of the socket we bound: unlink only that one */
	ino_t ino;
	struct lts_ctl_view view;
	struct lts_ctl_counters ctr;
	struct lts_ctl_client clients[LTS_CTL_MAX_CLIENTS];
	unsigned int n_clients;
	uint64_t next_seq;
	uint64_t armed_ms;       /* what timerfd is set to; LTS_CTL_NO_DEADLINE: disarmed */
	uint64_t accept_resume_ms; /* accept paused (EMFILE...) until then; 0: not paused */
	int accept_errno;        /* last accept() failure logged, 0: none since */
	uint64_t busy_log_ms;    /* no "busy" warning before then */
	uint64_t busy_quiet;     /* busy events since the last warning */
};

/*
 * Create the parent directory (0700) if missing, remove a stale socket
 * (nobody answers on it), bind, chmod 0600, listen. -EADDRINUSE: another
 * process answers on path; -EEXIST: path is not a socket.
 */
int lts_ctl_server_open(struct lts_ctl_server *srv, const char *path,
			const struct lts_ctl_view *view);
/* The fd for the caller's epoll (EPOLLIN): readable when handle has work. */
int lts_ctl_server_poll_fd(const struct lts_ctl_server *srv);
/*
 * Do what is ready without waiting: accept (up to LTS_CTL_ACCEPT_BATCH), read
 * requests, write answers, then lts_ctl_server_tick(). now_ms is the
 * CLOCK_MONOTONIC time in ms (the deadline timer runs on that clock; another
 * clock only makes the timer wake the loop at the wrong moments).
 */
void lts_ctl_server_handle(struct lts_ctl_server *srv, uint64_t now_ms);
/* Drop the clients whose deadline is <= now_ms and re-arm the deadline timer. */
void lts_ctl_server_tick(struct lts_ctl_server *srv, uint64_t now_ms);
/* The earliest client deadline (or accept resumption), or LTS_CTL_NO_DEADLINE. */
uint64_t lts_ctl_server_next_deadline(const struct lts_ctl_server *srv);
/* Close the clients and the socket, unlink (if path is still ours). Accepts a closed server. */
void lts_ctl_server_close(struct lts_ctl_server *srv);

#endif /* LTS_CTL_SERVER_H */
