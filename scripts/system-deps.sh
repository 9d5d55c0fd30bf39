#!/usr/bin/env bash
# Install the Debian packages that some tests drive for real: chromium (browser tests) and
# the INDI simulators (indi-bin).  Needs root and apt; otherwise the tests that need them
# skip with a visible reason.  Safe to run repeatedly.
set -u
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v indiserver >/dev/null 2>&1 || need+=(indi-bin)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: not root or no apt-get; tests needing ${need[*]} will be skipped"
  exit 0
fi
echo "system-deps: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null 2>&1 || true
if ! apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1; then
  echo "system-deps: could not install ${need[*]}; the tests needing them will be skipped"
fi
exit 0
