/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Readiness and state for systemd (Type=notify, sd_notify(3)): READY=1 once
 * ltsd serves, RELOADING=1 while a reload is applied (then READY=1 again),
 * STOPPING=1 when it shuts down, and a STATUS= line for systemctl status.
 * Best effort: without $NOTIFY_SOCKET (not run by systemd) nothing is sent,
 * and a failed send changes nothing else.
 */
#ifndef LTS_SDNOTIFY_H
#define LTS_SDNOTIFY_H

void lts_notify_ready(void);
/* RELOADING=1 with MONOTONIC_USEC= (systemd >= 253 matches it to the reload request). */
void lts_notify_reloading(void);
void lts_notify_stopping(void);
__attribute__((format(printf, 1, 2)))
void lts_notify_status(const char *fmt, ...);

#endif /* LTS_SDNOTIFY_H */
