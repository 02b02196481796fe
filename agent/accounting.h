/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Accounting (accounting: in the config; off without it): one JSON line per
 * switched call when it enters the data plane ("start"), every
 * interim_interval seconds while it is there ("interim") and when it leaves
 * ("stop"), with RADIUS meanings (RFC 2866, 2867, 2868): both legs' peers,
 * endpoints, host names and IDs, rule, user and realm, start time,
 * duration, packets and bytes per direction from the XDP and slow-path
 * counters, and the terminate cause (lts_acct_terminate_cause()) with the
 * CDN that ended the call. docs/config.md (accounting:) shows a record.
 *
 * acct_session_id is the call's start (wall clock, ms) and our tunnel and
 * session IDs toward the LAC, in hex: unique (those IDs are not reused
 * while the call lasts) and the same across an ltsd restart that adopts
 * the call with its start (struct lts_call_acct).
 *
 * Records go to a file, appended with one write(2) each (O_APPEND: whole
 * lines even with another writer), and/or to syslog (lts_log_record).
 * Bounded: a record that the file does not take at once is counted and
 * lost, never retried or queued; the loop never waits for more than one
 * write per record, and at most LTS_ACCT_INTERIM_PER_TICK interim records
 * are written per tick (the next tick goes on where it stopped, so no call
 * waits for ever behind others). Errors are logged at most once per
 * LTS_ACCT_ERR_LOG_MS with the number of those not logged.
 *
 * logrotate: after the file was moved, lts_acct_reopen() (SIGHUP, ltsctl
 * reload) opens a new one by the configured name. A file that cannot be
 * opened is tried again at each tick.
 */
#ifndef LTS_ACCOUNTING_H
#define LTS_ACCOUNTING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lts_config.h"
#include "switch.h"

#define LTS_ACCT_INTERIM_PER_TICK 1024
#define LTS_ACCT_ERR_LOG_MS 10000
#define LTS_ACCT_FILE_MODE 0640
#define LTS_ACCT_SYSLOG_MSGID "acct"

enum lts_acct_event {
	LTS_ACCT_START,
	LTS_ACCT_INTERIM,
	LTS_ACCT_STOP,
};

/* Acct-Terminate-Cause values used (RFC 2866 5.10); the mapping is lts_acct_terminate_cause(). */
enum lts_acct_cause {
	LTS_ACCT_USER_REQUEST = 1,
	LTS_ACCT_LOST_CARRIER = 2,
	LTS_ACCT_ADMIN_RESET = 6,
	LTS_ACCT_ADMIN_REBOOT = 7,
	LTS_ACCT_NAS_ERROR = 9,
	LTS_ACCT_NAS_REQUEST = 10,
	LTS_ACCT_HOST_REQUEST = 18,
};

struct lts_acct_counters {
	uint64_t records;      /* formatted and handed to the file and/or syslog */
	uint64_t write_errors; /* records the file did not take whole (or had no file for) */
	uint64_t open_errors;  /* failed opens of the file */
	uint64_t format_errors; /* records that could not be built (no memory) */
};

struct lts_acct {
	struct lts_acct_cfg cfg;       /* a copy: a reload may hand another */
	struct lts_switch *sw;         /* its calls, counters (sw->dp) and config */
	int fd;                        /* -1: no file open */
	struct lts_acct_counters ctr;
	uint64_t err_log_next_ms;      /* no error logged before then */
	uint64_t err_quiet;            /* errors not logged since the last one */
	bool torn;                     /* the file's last line is cut short */
	size_t interim_from;           /* where the last tick's interim walk stopped at the cap */
	/* Wall clock; NULL when lts_acct_open() is called: CLOCK_REALTIME (tests set their own). */
	uint64_t (*realtime_ms)(void);
};

/*
 * Observe sw's calls with cfg (copied; nothing is recorded unless cfg has
 * a file or syslog). A file that cannot be opened is logged, counted and
 * tried again at each tick: 0 is still returned (accounting must not stop
 * the switch). Accepts a zeroed a for lts_acct_close().
 */
int lts_acct_open(struct lts_acct *a, const struct lts_acct_cfg *cfg, struct lts_switch *sw);
/*
 * Open the file again by its name (logrotate moved it), with cfg's settings
 * when cfg is not NULL (a reload: accounting may go on or off). The old
 * file stays in use when the same name cannot be opened again. 0 or a
 * negative errno (logged).
 */
int lts_acct_reopen(struct lts_acct *a, const struct lts_acct_cfg *cfg);
/* Interim records that are due; the file again if it could not be opened. */
void lts_acct_tick(struct lts_acct *a, uint64_t now_ms);
/* Stop observing, close the file, log the counters. */
void lts_acct_close(struct lts_acct *a);

/*
 * What the module is made of, for the tests. The terminate cause of a call
 * that ended this way; shutting_down: ltsd is stopping (SIGTERM).
 */
enum lts_acct_cause lts_acct_terminate_cause(const struct lts_call_end *end, bool shutting_down);
const char *lts_acct_cause_name(enum lts_acct_cause cause);
/*
 * One record of c (legs lac and lns; end for LTS_ACCT_STOP, else NULL) at
 * now_ms (monotonic, as c->up_ms): *out is a malloc()ed line of *len bytes
 * ending in '\n'. 0 or -ENOMEM.
 */
int lts_acct_format(const struct lts_acct *a, const struct lts_call *c,
		    const struct lts_session *lac, const struct lts_session *lns,
		    enum lts_acct_event ev, const struct lts_call_end *end, uint64_t now_ms,
		    char **out, size_t *len);

#endif /* LTS_ACCOUNTING_H */
