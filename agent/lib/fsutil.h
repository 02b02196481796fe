/* SPDX-License-Identifier: GPL-2.0 */
/* Small filesystem helpers shared by the daemon's modules. */
#ifndef LTS_FSUTIL_H
#define LTS_FSUTIL_H

/* mkdir -p: every missing component is created with mode 0700. 0 or -errno. */
int lts_mkdir_p(const char *path);
/* mkdir -p of the directory holding path (for a socket or a file). */
int lts_mkdir_parent(const char *path);

#endif /* LTS_FSUTIL_H */
