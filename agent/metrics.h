/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Prometheus endpoint (metrics: in the config; off without it): the
 * text exposition format 0.0.4 over HTTP, GET /metrics, served by
 * libmicrohttpd. docs/config.md (metrics:) lists every series.
 *
 * ltsd is one thread and its control plane is not thread-safe, so MHD runs
 * without a thread of its own: in its epoll mode, driven from ltsd's loop
 * like the operator socket. The loop polls one fd (lts_metrics_poll_fd:
 * MHD's epoll fd and a timerfd for MHD's timeouts) and calls
 * lts_metrics_handle() when it is readable; a scrape is rendered there, in
 * the loop, from the same state ltsctl reads. Bounded: at most
 * LTS_METRICS_MAX_CONNECTIONS connections, each closed after
 * LTS_METRICS_TIMEOUT_S idle seconds, LTS_METRICS_CONN_MEMORY bytes of
 * request buffer each; requests have no body.
 *
 * Counters must never go down, but the state they are summed over does:
 * calls end (their counter slot is zeroed when it is reused) and tunnels
 * are freed. The accumulator (struct lts_metrics_acc) keeps what is gone:
 * it wraps the data-plane install hook, so the counts a slot still holds
 * are retired into a total before the slot is zeroed for its next call,
 * and at each scrape it retires the slots no session uses any more.
 * Transport counters of tunnels are added up as deltas from one scrape to
 * the next (what a tunnel counted after the last scrape before it was
 * freed is not seen).
 */
#ifndef LTS_METRICS_H
#define LTS_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "ctl_server.h"
#include "dp/dp_ops.h"
#include "dp/slowpath.h"
#include "lts_config.h"
#include "lts_reasons.h"

#define LTS_METRICS_MAX_CONNECTIONS 8
#define LTS_METRICS_TIMEOUT_S 10      /* idle connection closed after */
#define LTS_METRICS_CONN_MEMORY (32u << 10) /* request buffer per connection */
#define LTS_METRICS_PATH "/metrics"
#define LTS_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* What the endpoint shows; every pointer is borrowed. */
struct lts_metrics_view {
	struct lts_ctl_view ctl;        /* as the operator socket: cfg, cp, sw, counters */
	const struct lts_slowpath_counters *slow; /* the userspace relay; NULL: none */
	const char *version;            /* lts_build_info */
	uint64_t start_time_s;          /* Unix time ltsd started */
};

/* Data counters by path (0 fast, 1 slow) and direction (enum lts_dir). */
struct lts_metrics_data {
	uint64_t packets[2][LTS_DIR_MAX];
	uint64_t bytes[2][LTS_DIR_MAX];
	uint64_t policed[LTS_DIR_MAX]; /* dropped over a police rate (fast path) */
};

/* The transport counters shown, summed over tunnels (struct lts_ctrl_xport_counters). */
enum lts_metrics_xport {
	LTS_MX_TX_MSGS,
	LTS_MX_RETRANSMITS,
	LTS_MX_DELIVERED,
	LTS_MX_DUPLICATES,
	LTS_MX_OUT_OF_WINDOW,
	LTS_MX_HELLO_TX,
	LTS_MX_TX_ERRORS,
	LTS_MX_MAX,
};

/* A tunnel's transport counters at the previous scrape. */
struct lts_metrics_tun_seen {
	uint16_t id;
	uint64_t created_ms;            /* with id: the same tunnel, not a reused ID */
	uint64_t v[LTS_MX_MAX];
};

/* Monotonic totals over sessions and tunnels that come and go. */
struct lts_metrics_acc {
	struct lts_dp_ops inner;        /* the data plane wrapped */
	uint64_t *dirty;                /* bit per counter slot: counts not retired yet */
	uint64_t *live;                 /* scratch of a scrape: slots in use */
	uint32_t n_slots;
	struct lts_metrics_data retired; /* of calls that ended */
	uint64_t retire_errors;         /* slot counts that could not be read */
	struct lts_metrics_tun_seen *seen; /* by id, ascending */
	size_t n_seen;
	uint64_t xport[LTS_MX_MAX];     /* every increment seen */
};

/*
 * n_slots counter slots (dataplane.max_sessions), of which the first
 * n_static are the static sessions' (installed without inner.install).
 * 0 or -ENOMEM.
 */
int lts_metrics_acc_init(struct lts_metrics_acc *acc, const struct lts_dp_ops *inner,
			 uint32_t n_slots, uint32_t n_static);
void lts_metrics_acc_fini(struct lts_metrics_acc *acc);
/* inner, but install retires the slot's counts first (ctx: acc). */
struct lts_dp_ops lts_metrics_acc_ops(struct lts_metrics_acc *acc);

/*
 * The exposition: *out is a malloc()ed, NUL-terminated text of *len bytes.
 * acc is brought up to date (it must wrap the data plane v's sessions are
 * installed through). 0 or -ENOMEM.
 */
int lts_metrics_render(const struct lts_metrics_view *v, struct lts_metrics_acc *acc,
		       bool per_session, char **out, size_t *len);

struct MHD_Daemon;

struct lts_metrics_counters {
	uint64_t scrapes;               /* GET /metrics answered */
	uint64_t not_found;             /* other paths */
	uint64_t bad_method;            /* other than GET and HEAD */
	uint64_t errors;                /* rendering or queueing failed */
};

struct lts_metrics {
	const struct lts_metrics_cfg *cfg;
	bool wrapped;                   /* acc set up and in the data path */
	struct lts_metrics_acc acc;
	struct MHD_Daemon *mhd;         /* NULL: not serving */
	int epfd;                       /* MHD's epoll fd and timerfd */
	int timerfd;                    /* CLOCK_MONOTONIC, MHD's next timeout */
	struct lts_metrics_view view;
	struct lts_metrics_counters ctr;
	unsigned int n_conns;           /* connections MHD has open */
	bool hit_limit;                 /* n_conns reached the limit during this run */
	uint64_t log_next_ms;           /* MHD's messages: none logged before then */
	uint64_t log_quiet;             /* MHD's messages not logged since the last one */
};

/*
 * Before the switch is created: when the config has metrics:, set up the
 * accumulator and put it in front of *dp (which the switch then uses).
 * Without metrics: nothing. 0 or -ENOMEM (dp unchanged).
 */
int lts_metrics_wrap_dp(struct lts_metrics *m, const struct lts_config *cfg,
			struct lts_dp_ops *dp);
/*
 * Listen on cfg->metrics.listen and serve view. Without metrics: 0,
 * nothing done. -EADDRINUSE etc. from the socket, -ENOMEM, -EIO (MHD): on
 * failure nothing is left open or listening (the accumulator stays: the
 * switch may hold its hooks).
 */
int lts_metrics_open(struct lts_metrics *m, const struct lts_config *cfg,
		     const struct lts_metrics_view *view);
/* A reload: read cfg from now on (the listen address stays: a restart changes it). */
void lts_metrics_set_config(struct lts_metrics *m, const struct lts_config *cfg);
/* The fd for the caller's epoll (EPOLLIN), -1 when not serving. */
int lts_metrics_poll_fd(const struct lts_metrics *m);
/* Do what is ready: accept, read, answer, time out; re-arm the timer. */
void lts_metrics_handle(struct lts_metrics *m);
/* Stop serving; the accumulator stays (the switch may still use its hooks). */
void lts_metrics_close_server(struct lts_metrics *m);
/* Stop serving, free the accumulator (after the switch is gone). Accepts a zeroed m. */
void lts_metrics_close(struct lts_metrics *m);

#endif /* LTS_METRICS_H */
