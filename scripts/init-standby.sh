#!/usr/bin/env bash
# Entrypoint of postgres-standby. On the first start (empty data directory) it takes a base
# backup of its upstream with pg_basebackup -R (slot, WAL streamed, progress in the log); then
# it hands over to the image's own entrypoint, which starts the server as a standby. Later
# starts find the data and just start: no second backup, and the slot (created on the primary
# by init-db.sh or by the kit) is only used, never created again.
#   UPSTREAM_HOST / UPSTREAM_PORT  the primary, or the kit's replication link
#                                  (default postgres-primary:5432)
#   STANDBY_NAME   this node's name: application_name in primary_conninfo (what
#                  synchronous_standby_names matches) and, as postgres_standby, the slot
#   REPLICATION_USER / REPLICATION_PASSWORD, PGDATA
set -Eeuo pipefail

: "${PGDATA:?PGDATA must be set}"
upstream_host=${UPSTREAM_HOST:-postgres-primary}
upstream_port=${UPSTREAM_PORT:-5432}
name=${STANDBY_NAME:-postgres-standby}
slot=${name//[^a-z0-9_]/_}
# Set while a backup runs: files left by an interrupted one (container killed) are not a standby.
incomplete=${PGDATA%/}.incomplete

# PostgreSQL refuses to run as root; the official image has gosu, the test image setpriv.
as_postgres() {
    if [[ $(id -u) != 0 ]]; then
        "$@"
    elif command -v gosu >/dev/null; then
        gosu postgres "$@"
    else
        setpriv --reuid=postgres --regid=postgres --init-groups "$@"
    fi
}

# Messages go to stderr like pg_basebackup's, so the container log keeps them in order.
if [[ -e $incomplete ]]; then
    echo "init-standby: the last base backup was interrupted: starting over" >&2
    find "$PGDATA" -mindepth 1 -delete
fi

if [[ ! -s $PGDATA/PG_VERSION ]]; then
    mkdir -p "$PGDATA"
    touch "$incomplete"
    if [[ $(id -u) == 0 ]]; then
        chown postgres:postgres "$PGDATA"
    fi
    chmod 0700 "$PGDATA"

    for _ in $(seq 60); do
        pg_isready -q -h "$upstream_host" -p "$upstream_port" && break
        sleep 1
    done
    echo "init-standby: base backup of $upstream_host:$upstream_port into $PGDATA (slot $slot)" >&2
    # -c fast: a spread checkpoint could make the backup wait for minutes before copying a byte.
    as_postgres env PGPASSWORD="$REPLICATION_PASSWORD" PGAPPNAME="$name" \
        pg_basebackup -h "$upstream_host" -p "$upstream_port" -U "$REPLICATION_USER" -w \
        -D "$PGDATA" -R -X stream -S "$slot" -c fast -P -v
    rm -f "$incomplete"
    echo "init-standby: base backup complete; starting as a standby of $upstream_host:$upstream_port" >&2
fi

exec docker-entrypoint.sh "$@"
