// SPDX-License-Identifier: GPL-2.0
/* systemd notifications through libsystemd's sd_notify (sdnotify.h). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <systemd/sd-daemon.h>
#include "sdnotify.h"

/* $NOTIFY_SOCKET stays set: later states, and an exec'ed new image, use it too. */
void lts_notify_ready(void)
{
	sd_notify(0, "READY=1");
}

void lts_notify_reloading(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%" PRIu64,
		   (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000);
}

void lts_notify_stopping(void)
{
	sd_notify(0, "STOPPING=1");
}

void lts_notify_status(const char *fmt, ...)
{
	char status[256], *p;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(status, sizeof(status), fmt, ap);
	va_end(ap);
	/* One line: a newline would start another assignment. */
	for (p = status; *p; p++)
		if (*p == '\n')
			*p = ' ';
	sd_notifyf(0, "STATUS=%s", status);
}
