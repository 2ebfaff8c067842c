#!/usr/bin/env bash
# Entrypoint of the CI-only test image. It honours the parts of the official postgres image's
# contract that pglab relies on, and nothing more:
#   - POSTGRES_USER (default postgres), POSTGRES_PASSWORD (required for a new cluster),
#     POSTGRES_DB (default: the user's name), POSTGRES_INITDB_ARGS, PGDATA;
#   - on a new cluster only: /docker-entrypoint-initdb.d/*.sh (run if executable, else sourced)
#     and *.sql, in name order, against a temporary server that listens on the socket only and
#     gets the same `-c` options as the real one;
#   - `docker-entrypoint.sh postgres -c …` (or just `-c …`) passes its options to the server;
#   - the server runs as postgres, in a data directory postgres owns with mode 0700.
set -Eeuo pipefail
shopt -s nullglob

if [[ ${1:-} == -* ]]; then
    set -- postgres "$@"
fi
if [[ ${1:-} != postgres ]]; then
    exec "$@"
fi

if [[ $(id -u) == 0 ]]; then
    # A volume may come from elsewhere: hand everything in it to postgres, then drop root.
    mkdir -p "$PGDATA"
    find "$PGDATA" \! -user postgres -exec chown postgres:postgres '{}' +
    chmod 0700 "$PGDATA"
    HOME=~postgres exec setpriv --reuid=postgres --regid=postgres --init-groups "${BASH_SOURCE[0]}" "$@"
fi

export POSTGRES_USER=${POSTGRES_USER:-postgres}
export POSTGRES_DB=${POSTGRES_DB:-$POSTGRES_USER}

init_cluster() {
    if [[ -z ${POSTGRES_PASSWORD:-} ]]; then
        echo "error: the database is uninitialized and POSTGRES_PASSWORD is not set" >&2
        exit 1
    fi
    # shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is a list of options, split on purpose
    initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") \
        -D "$PGDATA" ${POSTGRES_INITDB_ARGS:-}
    # As in the official image: clients from other hosts log in with a password.
    printf '\nhost all all all scram-sha-256\n' >> "$PGDATA/pg_hba.conf"
}

run_init_scripts() {
    export PGPASSWORD=${PGPASSWORD:-$POSTGRES_PASSWORD}
    local options psql=(psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc)
    # pg_ctl hands -o to a shell, hence the quoting; an empty listen_addresses keeps clients out.
    options=$(printf '%q ' "${@:2}" -c listen_addresses= -p 5432)
    pg_ctl -D "$PGDATA" -o "$options" -w start
    if [[ $POSTGRES_DB != postgres ]]; then
        "${psql[@]}" --dbname postgres --set db="$POSTGRES_DB" <<< 'CREATE DATABASE :"db";'
    fi
    local f
    for f in /docker-entrypoint-initdb.d/*; do
        case $f in
            *.sh)
                if [[ -x $f ]]; then
                    echo "$0: running $f"
                    "$f"
                else
                    echo "$0: sourcing $f"
                    # shellcheck disable=SC1090
                    . "$f"
                fi ;;
            *.sql)
                echo "$0: running $f"
                "${psql[@]}" --dbname "$POSTGRES_DB" -f "$f" ;;
            *)
                echo "$0: ignoring $f" ;;
        esac
    done
    pg_ctl -D "$PGDATA" -m fast -w stop
    unset PGPASSWORD
    echo "$0: PostgreSQL init process complete; ready for start up."
}

if [[ ! -s $PGDATA/PG_VERSION ]]; then
    init_cluster
    run_init_scripts "$@"
fi

exec "$@"
