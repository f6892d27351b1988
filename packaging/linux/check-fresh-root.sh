#!/usr/bin/env bash
# Installs a Wan Studio .deb into a fresh, minimal Debian 12 root with only its declared
# dependencies, then starts the app there on a private Xvfb display. Proves Depends is complete.
#
# Usage (as root, with debootstrap, Xvfb and network access to deb.debian.org):
#   packaging/linux/check-fresh-root.sh target/debian/wan-studio_*.deb
# Exit codes: 0 the app started and kept running; 1 install or start failed; 3 the root could not
# be made (debootstrap or mount unavailable: an environment problem, not a package problem).
set -euo pipefail

deb=$(realpath "$1")
root=$(mktemp -d /tmp/wan-fresh-root.XXXXXX)
xvfb_pid=""

cleanup() {
  [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null || true
  umount "$root/tmp/.X11-unix" 2>/dev/null || true
  umount "$root/proc" 2>/dev/null || true
  # Never cross into a mount that failed to come off (the host's X sockets, /proc).
  rm -rf --one-file-system "$root"
}
trap cleanup EXIT

if ! debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian >"$root.log" 2>&1; then
  echo "debootstrap failed (see $root.log): no fresh root to test in"
  exit 3
fi
mount -t proc proc "$root/proc" || exit 3
cp /etc/resolv.conf "$root/etc/resolv.conf"
cp "$deb" "$root/tmp/wan-studio.deb"
before=$(chroot "$root" dpkg-query -W | wc -l)
chroot "$root" apt-get update -qq
chroot "$root" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -qq --no-install-recommends /tmp/wan-studio.deb >/dev/null
after=$(chroot "$root" dpkg-query -W | wc -l)

display=":$((60 + RANDOM % 30))"
Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
xvfb_pid=$!
sleep 2
mkdir -p "$root/tmp/.X11-unix"
mount --bind /tmp/.X11-unix "$root/tmp/.X11-unix" || exit 3

set +e
chroot "$root" env HOME=/root WAN_STUDIO_HOME=/tmp/wan-home DISPLAY="$display" \
  timeout 8 wan-studio >"$root/tmp/run.log" 2>&1
rc=$?
set -e
if [ "$rc" -ne 124 ]; then
  echo "wan-studio exited early (exit $rc) in the fresh root:"
  cat "$root/tmp/run.log"
  exit 1
fi
if ! [ -d "$root/tmp/wan-home/sandbox" ]; then
  echo "wan-studio ran but never started its sandbox:"
  cat "$root/tmp/run.log"
  exit 1
fi
echo "installed into a fresh Debian 12 root ($before packages, $after with Wan Studio) and started in Sandbox mode"
