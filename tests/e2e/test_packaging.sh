#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Packaging (issue 12): the Debian package built from this tree installs into
# the real system, its files work from their installed paths, and it purges
# without a trace; `make install` lays out the same files under a DESTDIR and
# never overwrites a configuration.
#
#   working tree --git ls-files -co | tar--> $T/src --dpkg-buildpackage -b--> $T/ltsd_*.deb
#                                             |                                   |
#           make install DESTDIR=$T/destdir   |                      dpkg -i (real system)
#           (PREFIX /usr/local and /usr)  <---+                                   |
#                                                 ltsd --check /etc/lts/ltsd.yaml, --version,
#                                                 ltsctl --help, its bash completion,
#                                                 systemd-analyze verify,
#                                                 man/mandoc lint, lintian, and ltsd itself:
#
#            ns lts-pkg-$$
#   +-----------------------------+
#   |  pkg0 ========== pkg1       |   /usr/sbin/ltsd, mode native on pkg0, with no
#   |  10.0.9.2/24   (veth)       |   capability but the unit's CapabilityBoundingSet
#   +-----------------------------+   (setpriv); pins in a private bpffs under $T
#
#                                               -> dpkg --purge: nothing left
#
# With LTS_TEST_SYSTEMD=1, the installed unit also runs under a systemd of its
# own (PID 1 of a private PID and mount namespace, ltsd in the test netns):
# readiness (Type=notify), the sandbox, capabilities, /run/lts, pins,
# reload (ExecReload: ltsctl reload) and its refusal, and stop, for real.
#
# Skips (77) when not root, without dpkg-buildpackage or debhelper, or when
# an ltsd is already installed here (it would be replaced, then purged).
. "$(dirname "$0")/lib.sh"

PKG=ltsd
NS=lts-pkg-$$
T=
INSTALLED=0
BPFFS_T=
RUN_PID=
SD_UPID=
SD_NSREF=

heading "prerequisites"
[ "$(id -u)" -eq 0 ] || skip "needs root (dpkg -i into the system)"
command -v dpkg-buildpackage >/dev/null 2>&1 || skip "needs dpkg-buildpackage (package dpkg-dev)"
command -v dh >/dev/null 2>&1 || skip "needs dh (package debhelper)"
case $(dpkg-query -W -f='${db:Status-Status}' "$PKG" 2>/dev/null) in
"" | not-installed) ;;
*) skip "package $PKG is already installed on this machine: not touching it" ;;
esac
for f in /usr/sbin/ltsd /usr/sbin/ltsctl /etc/lts/ltsd.yaml \
	/usr/share/bash-completion/completions/ltsctl; do
	[ -e "$f" ] && skip "$f exists (not from this test): not touching it"
done

cleanup() {
	local rc=$?
	trap - EXIT
	trap '' PIPE INT TERM HUP
	if [ -n "$RUN_PID" ] && kill -0 "$RUN_PID" 2>/dev/null; then
		kill -TERM "$RUN_PID" 2>/dev/null
		wait_pid_exit "$RUN_PID" 5 || kill -KILL "$RUN_PID" 2>/dev/null
	fi
	sd_down
	ip netns del "$NS" 2>/dev/null
	if [ -n "$BPFFS_T" ] && mountpoint -q "$BPFFS_T"; then
		umount "$BPFFS_T" 2>/dev/null || umount -l "$BPFFS_T" 2>/dev/null
	fi
	if [ "$INSTALLED" = 1 ]; then
		dpkg --purge "$PKG" >/dev/null 2>&1 || echo "cleanup: dpkg --purge $PKG failed"
	fi
	if [ -n "$T" ]; then
		if [ "${E2E_KEEP_TMP:-0}" = 1 ]; then echo "kept $T"; else rm -rf "$T"; fi
	fi
	exit "$rc"
}
T=$(mktemp -d /tmp/lts-pkg.XXXXXX) || die "mktemp"
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# ---- the unit under a private systemd (opt-in: LTS_TEST_SYSTEMD=1)
#
# systemd runs as PID 1 of its own PID and mount namespaces, with private
# /run, /etc/systemd/system (the overlay below), cgroup2 and bpffs, and starts
# nothing but ltsd. It shares the host's file systems and kernel, so nothing
# host-wide may start: sysinit.target would run systemd-tmpfiles (which
# empties the host's /tmp), systemd-sysctl (host sysctls), sysusers, ...
# ltsd.service gets DefaultDependencies=no and every such unit is masked.
SD_MASKS="sysinit.target basic.target sockets.target timers.target paths.target
network-online.target network.target systemd-journald.service systemd-journald.socket
systemd-journald-dev-log.socket systemd-tmpfiles-setup.service
systemd-tmpfiles-setup-dev.service systemd-tmpfiles-clean.service systemd-tmpfiles-clean.timer
systemd-sysctl.service systemd-sysusers.service systemd-modules-load.service
systemd-remount-fs.service systemd-update-utmp.service systemd-update-utmp-runlevel.service
systemd-journal-flush.service systemd-random-seed.service systemd-binfmt.service
systemd-machine-id-commit.service systemd-firstboot.service systemd-repart.service
kmod-static-nodes.service systemd-udevd.service systemd-networkd.service
NetworkManager.service proc-sys-fs-binfmt_misc.automount"

sd_down() {
	local sd
	if [ -n "$SD_UPID" ] && kill -0 "$SD_UPID" 2>/dev/null; then
		sd=$(pgrep -P "$SD_UPID" | head -n 1)
		[ -n "$sd" ] && timeout 20 nsenter -t "$sd" -m -p -- systemctl exit >/dev/null 2>&1
		wait_pid_exit "$SD_UPID" 15 || kill -KILL "$SD_UPID" 2>/dev/null
	fi
	SD_UPID=
	if [ -n "$SD_NSREF" ] && mountpoint -q "$SD_NSREF"; then
		umount "$SD_NSREF" 2>/dev/null
	fi
}

sd_test() {
	local S=$T/sd u sd pid st mi
	local -a X
	if [ -z "$T" ] || [ ! -d "$T" ]; then die "sd_test: no temp dir"; fi
	mkdir -p "$S/etc-systemd/ltsd.service.d"
	for u in $SD_MASKS; do ln -s /dev/null "$S/etc-systemd/$u"; done
	printf '[Unit]\nDescription=ltsd packaging test\nDefaultDependencies=no\n' \
		>"$S/etc-systemd/ltsd-test.target"
	SD_NSREF=$S/nsref
	touch "$SD_NSREF"
	mount --bind "/run/netns/$NS" "$SD_NSREF" || { fail "bind /run/netns/$NS"; return; }
	printf '%s\n' '[Unit]' 'DefaultDependencies=no' '[Service]' \
		"NetworkNamespacePath=$SD_NSREF" 'StandardOutput=append:/run/ltsd-test.log' \
		'StandardError=inherit' >"$S/etc-systemd/ltsd.service.d/test.conf"
	# The pins and the socket at their defaults: what the unit allows.
	printf '%s\n' 'switch: { hostname: lts-pkg-sd }' \
		'dataplane: { mode: native, interfaces: [pkg0], max_sessions: 16 }' \
		'static_sessions:' '  - name: s1' \
		'    a: { local: 10.0.9.2, peer: 10.0.9.1, tunnel_id: 100, session_id: 1, peer_tunnel_id: 200, peer_session_id: 2 }' \
		'    b: { local: 10.0.9.2, peer: 10.0.9.3, tunnel_id: 300, session_id: 3, peer_tunnel_id: 400, peer_session_id: 4 }' \
		>"$S/ltsd.yaml"
	cp "$S/ltsd.yaml" "$S/good.yaml"
	printf '%s\n' '#!/bin/bash' 'set -e' 'mount -t tmpfs tmpfs /run' \
		'mount -t cgroup2 none /sys/fs/cgroup' 'mount -t bpf bpf /sys/fs/bpf' \
		"mount --bind '$S/etc-systemd' /etc/systemd/system" \
		"mount --bind '$S/ltsd.yaml' /etc/lts/ltsd.yaml" \
		'exec env -i container=lts-test PATH=/usr/sbin:/usr/bin:/sbin:/bin /lib/systemd/systemd --system --unit=ltsd-test.target --log-target=console --show-status=no' \
		>"$S/boot.sh"
	chmod +x "$S/boot.sh"
	unshare --mount --pid --fork --mount-proc --propagation private "$S/boot.sh" \
		>"$S/boot.log" 2>&1 </dev/null &
	SD_UPID=$!
	if ! wait_for 10 pgrep -P "$SD_UPID"; then
		fail "private systemd did not start"
		sed 's/^/      | /' "$S/boot.log"
		return
	fi
	sd=$(pgrep -P "$SD_UPID" | head -n 1)
	X=(timeout 20 nsenter -t "$sd" -m -p --)
	if ! wait_for 15 "${X[@]}" systemctl is-system-running >/dev/null 2>&1; then
		fail "private systemd not running: $("${X[@]}" systemctl is-system-running 2>&1)"
		tail -n 20 "$S/boot.log" | sed 's/^/      | /'
		return
	fi
	ok "private systemd running (PID $sd)"

	# Type=notify: systemctl start returns once ltsd said READY=1.
	if "${X[@]}" systemctl start ltsd && "${X[@]}" grep -q 'ready:' /run/ltsd-test.log; then
		ok "systemctl start ltsd: ready (READY=1)"
	else
		fail "ltsd not ready under systemd: $("${X[@]}" systemctl show -p ExecMainStatus ltsd)"
		"${X[@]}" tail -n 10 /run/ltsd-test.log | sed 's/^/      | /'
	fi
	check_match "STATUS= from ltsd" "^StatusText=serving: " \
		"$("${X[@]}" systemctl show -p StatusText ltsd)"
	pid=$("${X[@]}" systemctl show -p MainPID --value ltsd)
	st=$("${X[@]}" cat "/proc/$pid/status" 2>&1)
	mi=$("${X[@]}" cat "/proc/$pid/mountinfo" 2>&1 | awk '{print $5, substr($6, 1, 2)}')
	check_match "capabilities: BPF, PERFMON, NET_ADMIN, SYS_ADMIN only" \
		"CapEff:[[:space:]]+000000c000201000" "$st"
	check_match "NoNewPrivs" "NoNewPrivs:[[:space:]]+1" "$st"
	check_match "seccomp filter" "Seccomp:[[:space:]]+2" "$st"
	check_match "/sys read-only for ltsd" "^/sys ro" "$mi"
	check_match "/proc/sys read-only for ltsd" "^/proc/sys ro" "$mi"
	check_match "/sys/fs/bpf writable for ltsd" "^/sys/fs/bpf rw" "$mi"
	check_match "XDP attached to pkg0" "prog/xdp[a-z]* id [0-9]+" "$(ip -n "$NS" -d link show dev pkg0)"
	check_match "ltsctl on /run/lts/ltsd.sock" "hostname +lts-pkg-sd" \
		"$("${X[@]}" /usr/sbin/ltsctl show summary 2>&1)"

	# ExecReload=ltsctl reload: waits for ltsd's verdict on the file.
	if "${X[@]}" systemctl reload ltsd >/dev/null 2>&1; then
		ok "systemctl reload (ltsctl reload) of a good configuration"
	else
		fail "systemctl reload of a good configuration failed"
	fi
	printf 'dataplane: { mode: fast }\n' >"$S/ltsd.yaml"
	if "${X[@]}" systemctl reload ltsd >/dev/null 2>&1; then
		fail "systemctl reload with a broken configuration succeeded"
	else
		ok "systemctl reload of a broken configuration is refused"
	fi
	check_eq "ltsd after the refused reload" "active" "$("${X[@]}" systemctl is-active ltsd)"
	cat "$S/good.yaml" >"$S/ltsd.yaml"

	"${X[@]}" systemctl stop ltsd
	check_eq "systemctl stop ltsd" "Result=success" "$("${X[@]}" systemctl show -p Result ltsd)"
	check_eq "XDP detached after stop" "" "$(ip -n "$NS" -d link show dev pkg0 | grep -o 'prog/xdp')"
	sd_down
	check_eq "private systemd gone" "" "$(kill -0 "$sd" 2>/dev/null && echo "$sd")"
}

###########################################################################
heading "build the package from a copy of the working tree"
# Tracked and untracked files, not what .gitignore excludes (build dirs):
# git archive would miss uncommitted work.
mkdir -p "$T/src"
if git -C "$LTS_SRC_DIR" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$LTS_SRC_DIR" && git ls-files -z -co --exclude-standard |
		tar --null -T - --ignore-failed-read -cf - 2>/dev/null) | tar -xf - -C "$T/src" ||
		die "copying the tree"
else
	tar -C "$LTS_SRC_DIR" --exclude=./build --exclude='./build-*' -cf - . |
		tar -xf - -C "$T/src" || die "copying the tree"
fi
(cd "$T/src" && find . -path ./.git -prune -o -print | sort) >"$T/files.before"

if ! (cd "$T/src" && dpkg-checkbuilddeps) >"$T/checkbuilddeps.log" 2>&1; then
	cat "$T/checkbuilddeps.log"
	die "debian/control's Build-Depends are not installed (scripts/install-deps.sh should install them)"
fi
start=$SECONDS
# Nothing of an enclosing make (jobserver, variables) may reach debian/rules.
if (cd "$T/src" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u O -u DESTDIR \
	dpkg-buildpackage -us -uc -b -Jauto) >"$T/build.log" 2>&1; then
	ok "dpkg-buildpackage -us -uc -b ($((SECONDS - start)) s)"
else
	tail -n 40 "$T/build.log"
	die "dpkg-buildpackage failed"
fi
DEB=$(ls "$T"/${PKG}_*.deb 2>/dev/null | head -n 1)
[ -f "$DEB" ] || die "no ${PKG}_*.deb in $T"

contents=$(dpkg-deb -c "$DEB" | awk '{print $1, $6}')
for f in ./usr/sbin/ltsd ./usr/sbin/ltsctl ./usr/share/man/man8/ltsd.8.gz \
	./usr/share/man/man8/ltsctl.8.gz ./usr/share/man/man5/ltsd.yaml.5.gz \
	./usr/share/man/man5/lts.yaml.5.gz ./etc/lts/ltsd.yaml \
	./usr/share/bash-completion/completions/ltsctl; do
	check_match "package holds $f" " $f( |$)" "$contents"
done
check_match "package holds the systemd unit" " \./(usr/)?lib/systemd/system/ltsd\.service$" "$contents"
check_match "/etc/lts/ltsd.yaml is mode 0600 in the package" "^-rw------- \./etc/lts/ltsd\.yaml" "$contents"
check_eq "conffiles" "/etc/lts/ltsd.yaml" "$(dpkg-deb --ctrl-tarfile "$DEB" | tar -xOf - ./conffiles)"
check_match "Depends from shlibs" "libbpf1.*libxdp1|libxdp1.*libbpf1" "$(dpkg-deb -f "$DEB" Depends)"
postinst=$(dpkg-deb --ctrl-tarfile "$DEB" | tar -xOf - ./postinst 2>/dev/null)
check_eq "postinst never starts ltsd (deb-systemd-invoke)" "" \
	"$(printf '%s\n' "$postinst" | grep 'deb-systemd-invoke')"

if command -v lintian >/dev/null 2>&1; then
	# lintian leaves an MLDBM temp file behind: keep it in $T.
	lint=$(TMPDIR=$T lintian "$DEB" 2>&1)
	if printf '%s\n' "$lint" | grep -q '^E: '; then
		fail "lintian errors:"
		printf '%s\n' "$lint" | sed 's/^/      | /'
	else
		ok "lintian: no errors, $(printf '%s\n' "$lint" | grep -c '^W: ') warning(s)"
		printf '%s\n' "$lint" | grep '^W: ' | sed 's/^/      /'
	fi
else
	echo "SKIP  lintian not installed: package not linted"
fi

###########################################################################
heading "make install DESTDIR=..."
# Reuses the package build's objects (build-deb); nothing is rebuilt.
MK=(make -C "$T/src" -f Makefile -f packaging.mk O=build-deb)
D=$T/destdir
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL "${MK[@]}" install DESTDIR="$D" >"$T/install.log" 2>&1 ||
	{ cat "$T/install.log"; die "make install failed"; }
expected="etc/lts/ltsd.yaml
lib/systemd/system/ltsd.service
sbin/ltsctl
sbin/ltsd
share/bash-completion/completions/ltsctl
share/man/man5/lts.yaml.5
share/man/man5/ltsd.yaml.5
share/man/man8/ltsctl.8
share/man/man8/ltsd.8"
check_eq "files under DESTDIR/usr/local" "$expected" \
	"$(cd "$D/usr/local" && find . ! -type d | sed 's|^\./||' | sort)"
check_eq "nothing outside PREFIX" "usr" "$(ls "$D")"
check_eq "mode of etc/lts/ltsd.yaml" "600" "$(stat -c %a "$D/usr/local/etc/lts/ltsd.yaml")"
check_eq "lts.yaml.5 is an alias of ltsd.yaml.5" "ltsd.yaml.5" \
	"$(readlink "$D/usr/local/share/man/man5/lts.yaml.5")"
check_match "the unit runs the installed ltsd on the installed config" \
	"^ExecStart=/usr/local/sbin/ltsd -c /usr/local/etc/lts/ltsd\.yaml$" \
	"$(cat "$D/usr/local/lib/systemd/system/ltsd.service")"
check_match "the unit reloads with the installed ltsctl" "^ExecReload=/usr/local/sbin/ltsctl reload$" \
	"$(cat "$D/usr/local/lib/systemd/system/ltsd.service")"
check_eq "the completion file is scripts/bash-completion/ltsctl" "" \
	"$(cmp "$LTS_SRC_DIR/scripts/bash-completion/ltsctl" \
		"$D/usr/local/share/bash-completion/completions/ltsctl" 2>&1)"
check_eq "installed example passes ltsd --check" "$D/usr/local/etc/lts/ltsd.yaml: ok" \
	"$("$D/usr/local/sbin/ltsd" --check -c "$D/usr/local/etc/lts/ltsd.yaml" 2>&1)"

echo "# the operator's" >>"$D/usr/local/etc/lts/ltsd.yaml"
sum=$(md5sum <"$D/usr/local/etc/lts/ltsd.yaml")
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL "${MK[@]}" install DESTDIR="$D" >"$T/install2.log" 2>&1 ||
	fail "second make install failed"
check_eq "a second install keeps the existing configuration" "$sum" \
	"$(md5sum <"$D/usr/local/etc/lts/ltsd.yaml")"
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL "${MK[@]}" uninstall DESTDIR="$D" >"$T/uninstall.log" 2>&1 ||
	fail "make uninstall failed"
check_eq "make uninstall leaves only the configuration" "./usr/local/etc/lts/ltsd.yaml" \
	"$(cd "$D" && find . ! -type d)"

env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL "${MK[@]}" install DESTDIR="$T/usr-prefix" PREFIX=/usr \
	UNITDIR=/lib/systemd/system >"$T/install3.log" 2>&1 || fail "make install PREFIX=/usr failed"
check_eq "PREFIX=/usr puts the configuration in /etc" "600" \
	"$(stat -c %a "$T/usr-prefix/etc/lts/ltsd.yaml" 2>&1)"
check_match "PREFIX=/usr unit" "^ExecStart=/usr/sbin/ltsd -c /etc/lts/ltsd\.yaml$" \
	"$(cat "$T/usr-prefix/lib/systemd/system/ltsd.service" 2>&1)"
check_match "PREFIX=/usr unit reload" "^ExecReload=/usr/sbin/ltsctl reload$" \
	"$(cat "$T/usr-prefix/lib/systemd/system/ltsd.service" 2>&1)"
check_eq "PREFIX=/usr completion" "644" \
	"$(stat -c %a "$T/usr-prefix/usr/share/bash-completion/completions/ltsctl" 2>&1)"

# debian/rules clean (run by dpkg-buildpackage first, and by hand after a
# build) must leave exactly the files it started from.
(cd "$T/src" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL debian/rules clean) >"$T/clean.log" 2>&1 ||
	fail "debian/rules clean failed"
check_eq "files left after debian/rules clean (vs. before the build)" "" \
	"$(cd "$T/src" && find . -path ./.git -prune -o -print | sort | diff "$T/files.before" - | grep '^[<>]')"

###########################################################################
heading "dpkg -i into the system"
INSTALLED=1
if DEBIAN_FRONTEND=noninteractive dpkg -i "$DEB" >"$T/dpkg-i.log" 2>&1; then
	ok "dpkg -i $(basename "$DEB")"
else
	cat "$T/dpkg-i.log"
	die "dpkg -i failed"
fi
check_eq "dpkg status" "install ok installed" "$(dpkg-query -W -f='${Status}' "$PKG")"
check_match "ltsd --version from /usr/sbin" "^ltsd [0-9]+\.[0-9]+\.[0-9]+$" "$(/usr/sbin/ltsd --version 2>&1)"
check_match "ltsctl --help from /usr/sbin" "^usage: ltsctl " "$(/usr/sbin/ltsctl --help 2>&1)"
# What bash-completion does on the first <TAB> after "ltsctl": source the file by name.
check_match "bash completion for ltsctl installed and loadable" "^complete -F _ltsctl.* ltsctl$" \
	"$(bash -c '. /usr/share/bash-completion/completions/ltsctl && complete -p ltsctl' 2>&1)"
check_eq "ltsd --check -c /etc/lts/ltsd.yaml" "/etc/lts/ltsd.yaml: ok" \
	"$(/usr/sbin/ltsd --check -c /etc/lts/ltsd.yaml 2>&1)"
check_eq "mode of /etc/lts/ltsd.yaml" "600" "$(stat -c %a /etc/lts/ltsd.yaml)"
check_eq "ltsd.service not enabled" "" \
	"$(ls /etc/systemd/system/*.wants/ltsd.service 2>/dev/null)"
UNIT=$(dpkg -L "$PKG" | grep '/systemd/system/ltsd\.service$' | head -n 1)
[ -n "$UNIT" ] || fail "no ltsd.service in dpkg -L $PKG"

if [ -n "$UNIT" ] && command -v systemd-analyze >/dev/null 2>&1; then
	# Checks the unit's syntax, that ExecStart's binary exists and that the
	# Documentation= man pages open. It also reports on every unit the
	# dependencies pull in, which are not ours: only lines about ltsd count.
	out=$(systemd-analyze verify "$UNIT" 2>&1)
	rc=$?
	ours=$(printf '%s\n' "$out" | grep -i 'ltsd')
	if [ -z "$ours" ]; then
		ok "systemd-analyze verify $UNIT (rc $rc, nothing about ltsd)"
	else
		fail "systemd-analyze verify $UNIT:"
		printf '%s\n' "$ours" | sed 's/^/      | /'
	fi
else
	echo "SKIP  systemd-analyze not installed: unit not verified"
fi

for page in ltsd ltsctl ltsd.yaml lts.yaml; do
	path=$(man -w "$page" 2>/dev/null)
	if [ -z "$path" ]; then
		fail "man -w $page: not found"
		continue
	fi
	warn=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$path" 2>&1 >/dev/null)
	check_eq "man --warnings -l $path" "" "$warn"
	if command -v mandoc >/dev/null 2>&1; then
		check_eq "mandoc -T lint $path" "" "$(mandoc -T lint -W warning "$path" 2>&1)"
	fi
done
# The NAME line as mandb and lintian (bad-whatis-entry) parse it.
check_match "lexgrog ltsd.yaml(5)" "\"ltsd\.yaml - configuration file of the ltsd" \
	"$(lexgrog "$(man -w ltsd.yaml 2>/dev/null)" 2>&1)"

###########################################################################
heading "the installed ltsd, with only the unit's capabilities"
caps=$(sed -n 's/^CapabilityBoundingSet=//p' "${UNIT:-/dev/null}" | tr ' ' '\n' |
	sed -n 's/^CAP_\(.*\)/+\L\1/p' | paste -sd, -)
if [ -z "$caps" ]; then
	fail "no CapabilityBoundingSet= in the unit"
elif ! command -v setpriv >/dev/null 2>&1 || ! command -v ip >/dev/null 2>&1; then
	echo "SKIP  needs setpriv and ip: installed ltsd not run"
else
	BPFFS_T=$T/bpffs
	mkdir -p "$BPFFS_T" "$T/run"
	mount -t bpf bpf "$BPFFS_T" || die "mount bpffs"
	ip netns add "$NS" || die "ip netns add $NS"
	ip -n "$NS" link add pkg0 type veth peer name pkg1 || die "veth"
	ip -n "$NS" addr add 10.0.9.2/24 dev pkg0
	ip -n "$NS" link set lo up
	ip -n "$NS" link set pkg0 up
	ip -n "$NS" link set pkg1 up
	cat >"$T/run.yaml" <<EOF
switch: { hostname: lts-pkg, bpffs: $BPFFS_T/lts, control_socket: $T/run/ltsd.sock }
dataplane: { mode: native, interfaces: [pkg0], max_sessions: 16 }
static_sessions:
  - name: s1
    a: { local: 10.0.9.2, peer: 10.0.9.1, tunnel_id: 100, session_id: 1, peer_tunnel_id: 200, peer_session_id: 2 }
    b: { local: 10.0.9.2, peer: 10.0.9.3, tunnel_id: 300, session_id: 3, peer_tunnel_id: 400, peer_session_id: 4 }
EOF
	# As root but with the unit's bounding set and nothing inheritable,
	# which is what CapabilityBoundingSet= leaves a root service.
	(cd / && exec ip netns exec "$NS" setpriv --bounding-set "-all,$caps" --inh-caps -all \
		--ambient-caps -all -- /usr/sbin/ltsd -c "$T/run.yaml") >"$T/ltsd.log" 2>&1 &
	RUN_PID=$!
	if wait_for 10 grep -q 'ready:' "$T/ltsd.log"; then
		ok "ltsd ready with capabilities $caps"
	else
		fail "ltsd not ready with capabilities $caps:"
		tail -n 20 "$T/ltsd.log" | sed 's/^/      | /'
	fi
	check_match "XDP attached to pkg0" "prog/xdp[a-z]* id [0-9]+" "$(ip -n "$NS" -d link show dev pkg0)"
	check_eq "pinned maps and the restart store" "clock nexthops policers reason_stats slow_stats state_calls state_hdr state_tunnels switch_table switch_wide tx_ports" \
		"$(ls "$BPFFS_T/lts" 2>&1 | sort | paste -sd' ' -)"
	check_match "/usr/sbin/ltsctl show summary" "static_sessions +1" \
		"$(/usr/sbin/ltsctl -s "$T/run/ltsd.sock" show summary 2>&1)"
	kill -TERM "$RUN_PID" 2>/dev/null
	if wait_pid_exit "$RUN_PID" 10; then
		wait "$RUN_PID"
		check_eq "ltsd exit status after SIGTERM" "0" "$?"
	else
		fail "ltsd still running 10 s after SIGTERM"
	fi
	RUN_PID=
	check_eq "XDP detached from pkg0" "" "$(ip -n "$NS" -d link show dev pkg0 | grep -o 'prog/xdp')"
fi

###########################################################################
heading "the unit under its own systemd"
if [ "${LTS_TEST_SYSTEMD:-0}" != 1 ]; then
	echo "SKIP  set LTS_TEST_SYSTEMD=1 to run the installed unit under a private systemd"
elif [ -z "$caps" ] || ! ip netns list | grep -qw "$NS"; then
	echo "SKIP  the private systemd needs the test netns of the previous part"
else
	sd_test
fi

###########################################################################
heading "dpkg --purge"
if dpkg --purge "$PKG" >"$T/purge.log" 2>&1; then
	INSTALLED=0
	ok "dpkg --purge $PKG"
else
	cat "$T/purge.log"
	fail "dpkg --purge $PKG failed"
fi
left=""
for f in /usr/sbin/ltsd /usr/sbin/ltsctl /etc/lts "${UNIT:-/lib/systemd/system/ltsd.service}" \
	/usr/share/man/man8/ltsd.8.gz /usr/share/man/man5/ltsd.yaml.5.gz \
	/usr/share/bash-completion/completions/ltsctl; do
	[ -e "$f" ] && left+=" $f"
done
check_eq "files left after purge" "" "$left"

e2e_done
