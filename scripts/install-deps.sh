#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Installs everything the project needs to build, run the demo and run every test on Debian 12.
set -euo pipefail

pkgs=(
	make gcc clang llvm libclang-rt-14-dev pkg-config
	libbpf-dev libxdp-dev xdp-tools bpftool linux-libc-dev libelf-dev zlib1g-dev
	libyaml-dev libcmocka-dev libmd-dev libsystemd-dev
	iproute2 ethtool python3 python3-scapy tshark xl2tpd gnuplot-nox
	libmicrohttpd-dev prometheus curl rsyslog
	dpkg-dev debhelper mandoc man-db systemd lintian
)

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: run as root (apt-get needs it)" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "install-deps: all packages present"
	exit 0
fi
echo "install-deps: installing ${missing[*]}"
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
