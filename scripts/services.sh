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

# --- NATS with JetStream ----------------------------------------------------
if ! up 127.0.0.1 4222; then
  command -v nats-server >/dev/null || [ -x /usr/sbin/nats-server ] || apt_install nats-server
  nats_bin=$(command -v nats-server || echo /usr/sbin/nats-server)
  mkdir -p /var/lib/nats-server
  say "starting nats-server with JetStream"
  start-stop-daemon --start --oknodo --background --exec "$nats_bin" -- \
    -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log
  wait_for NATS 4222
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

say "NATS :4222, MariaDB :3306 and Redis :6379 are up"
