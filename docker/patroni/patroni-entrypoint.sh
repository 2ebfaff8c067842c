#!/usr/bin/env bash
# A Patroni member in a container. Writes the member's configuration from the environment (the
# shared settings come from conf/, mounted at /etc/pglab), starts Patroni, and lives as long as
# Patroni or its PostgreSQL does. Environment:
#   PATRONI_NAME (required), PATRONI_SCOPE (pglab), ETCD_HOSTS (etcd:2379),
#   CONNECT_ADDRESS   where the other members reach this server (default <name>:5432; the kit
#                     puts its replication link there), REPLICATEFROM (a member to stream from),
#   PATRONI_TTL (10), PATRONI_LOOP_WAIT (2), PATRONI_RETRY_TIMEOUT (4),
#   POSTGRES_USER/POSTGRES_PASSWORD, REPLICATION_USER/REPLICATION_PASSWORD.
set -euo pipefail
: "${PATRONI_NAME:?set PATRONI_NAME to the name of the member}"
home=/var/lib/postgresql/patroni
mkdir -p "$home/log"
cp /etc/pglab/replication.conf /etc/pglab/pg_hba.conf "$home/"
chown -R postgres:postgres /var/lib/postgresql
bin_dir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)

# JSON is YAML too: no value below needs quoting rules of its own. failsafe_mode: a leader whose
# etcd call outlasts retry_timeout keeps its role while every member confirms it over REST.
tags="{}"
if [[ -n ${REPLICATEFROM:-} ]]; then tags="{\"replicatefrom\": \"$REPLICATEFROM\"}"; fi
cat > "$home/patroni.yml" <<YAML
{
  "scope": "${PATRONI_SCOPE:-pglab}",
  "name": "$PATRONI_NAME",
  "log": {"dir": "$home/log", "level": "INFO"},
  "restapi": {"listen": "0.0.0.0:8008", "connect_address": "$PATRONI_NAME:8008"},
  "etcd3": {"hosts": "${ETCD_HOSTS:-etcd:2379}"},
  "bootstrap": {
    "dcs": {"ttl": ${PATRONI_TTL:-10}, "loop_wait": ${PATRONI_LOOP_WAIT:-2}, "retry_timeout": ${PATRONI_RETRY_TIMEOUT:-4},
            "maximum_lag_on_failover": 1048576, "failsafe_mode": true,
            "postgresql": {"use_pg_rewind": true, "use_slots": true,
                           "parameters": {"wal_log_hints": "on", "max_connections": 200}}},
    "initdb": ["data-checksums", {"encoding": "UTF8"}, {"locale": "C"}]
  },
  "postgresql": {
    "listen": "0.0.0.0:5432",
    "connect_address": "${CONNECT_ADDRESS:-$PATRONI_NAME:5432}",
    "data_dir": "$home/data",
    "bin_dir": "$bin_dir",
    "pgpass": "$home/pgpass",
    "custom_conf": "$home/replication.conf",
    "basebackup": [{"checkpoint": "fast"}],
    "parameters": {"hba_file": "$home/pg_hba.conf", "unix_socket_directories": "/var/run/postgresql"},
    "authentication": {
      "superuser": {"username": "${POSTGRES_USER:-postgres}", "password": "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}"},
      "replication": {"username": "${REPLICATION_USER:-replicator}", "password": "${REPLICATION_PASSWORD:?set REPLICATION_PASSWORD}"}
    }
  },
  "tags": $tags
}
YAML
chown postgres:postgres "$home/patroni.yml"
mkdir -p /var/run/postgresql && chown postgres:postgres /var/run/postgresql

patroni-start # its pid goes to /dev/shm, which a container's restart empties
# docker stop: Patroni stops PostgreSQL itself
trap 'kill -TERM "$(cat /dev/shm/patroni.pid)" 2>/dev/null || true' TERM INT

alive() {
    kill -0 "$(cat /dev/shm/patroni.pid)" 2>/dev/null && return 0
    [[ -f $home/data/postmaster.pid ]] && kill -0 "$(head -n 1 "$home/data/postmaster.pid")" 2>/dev/null
}
while alive; do
    sleep 1 & wait $! || true
done
