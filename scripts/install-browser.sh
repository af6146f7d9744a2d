#!/usr/bin/env bash
# Installs what the browser end-to-end tests (tests/browser) drive: Debian's headless-capable
# Chromium and its WebDriver server, chromedriver. Does nothing when chromedriver is already there.
# Needs root (or sudo) and Debian's package registry.
set -euo pipefail

if [ -x /usr/bin/chromedriver ]; then
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi

export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends chromium chromium-driver > /dev/null
/usr/bin/chromedriver --version
