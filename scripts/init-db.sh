#!/usr/bin/env bash
# First start of the primary: the image's entrypoint runs this from /docker-entrypoint-initdb.d
# against its temporary server (socket only), once, on a new cluster. It creates the replication
# role and the standby's slot, then loads Pagila into POSTGRES_DB:
#   PGLAB_LOAD_PAGILA   auto (default): the official dump when the kit has cached it in
#                       pagila/cache/, else the generated dataset; generated; official; none
#                       (the labs set none: they load Pagila themselves over JDBC)
#   PGLAB_PAGILA_SCALE  scale of the generated dataset (default 1)
# The entrypoint may source this file instead of running it: everything here is prefixed pglab_.
set -Eeo pipefail

pglab_psql() {
    psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" "$@"
}

echo "init-db: replication role \"$REPLICATION_USER\" (REPLICATION, not superuser) and slot postgres_standby"
pglab_psql -q --set role="$REPLICATION_USER" --set password="$REPLICATION_PASSWORD" <<'SQL'
CREATE ROLE :"role" WITH LOGIN REPLICATION PASSWORD :'password';
-- The slot keeps the WAL the standby has not received yet, from its first connection on.
DO $$ BEGIN PERFORM pg_create_physical_replication_slot('postgres_standby'); END $$;
SQL

pglab_dataset=${PGLAB_LOAD_PAGILA:-auto}
if [[ $pglab_dataset == auto ]]; then
    if [[ -s /pagila/cache/pagila-schema.sql && -s /pagila/cache/pagila-data.sql ]]; then
        pglab_dataset=official
    else
        pglab_dataset=generated
    fi
fi

pglab_started=$SECONDS
case $pglab_dataset in
    none)
        echo "init-db: PGLAB_LOAD_PAGILA=none: no Pagila" ;;
    official)
        echo "init-db: loading the official Pagila dump from pagila/cache/"
        # Without ON_ERROR_STOP, as psql loads a dump by default: the current dump creates the
        # pgvector extension, which the image may lack; the row counts below tell what loaded.
        psql --no-psqlrc -q --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
            -f /pagila/cache/pagila-schema.sql -f /pagila/cache/pagila-data.sql
        pglab_psql -q -f /pagila/pglab.sql ;;
    generated)
        echo "init-db: generating Pagila at scale ${PGLAB_PAGILA_SCALE:-1}"
        PGOPTIONS="-c pglab.scale=${PGLAB_PAGILA_SCALE:-1}" \
            pglab_psql -q -f /pagila/schema.sql -f /pagila/generate.sql -f /pagila/pglab.sql ;;
    *)
        echo "init-db: PGLAB_LOAD_PAGILA must be auto, generated, official or none (got \"$pglab_dataset\")" >&2
        exit 1 ;;
esac
if [[ $pglab_dataset != none ]]; then
    echo "init-db: Pagila ($pglab_dataset) loaded in $((SECONDS - pglab_started)) s:" \
        "$(pglab_psql -tAc "SELECT format('%s films, %s rentals, %s payments',
            (SELECT count(*) FROM film), (SELECT count(*) FROM rental), (SELECT count(*) FROM payment))")"
fi
