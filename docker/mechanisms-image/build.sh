#!/usr/bin/env bash
# Builds lab05's node images for CI: pglab/mechanisms:<major>, the Dockerfile here on top of the
# CI PostgreSQL image pglab/postgres-test:<major> (docker/test-image/build.sh, which must run first).
# Skipped when the image exists for the same Dockerfile and the same base image.
#
# Usage: docker/mechanisms-image/build.sh [--force] [MAJOR...]     (default: 17 18)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)

say() { echo "### $*"; }
die() { echo "build.sh: $*" >&2; exit 1; }

# shellcheck source=docker/build-args.sh
. "$here/../build-args.sh"
parse_build_args "17 18" "$@"

build_one() {
    local major=$1 base=pglab/postgres-test:$1 image=pglab/mechanisms:$1 base_id context_hash start=$SECONDS
    base_id=$(docker image inspect -f '{{.Id}}' "$base" 2>/dev/null) \
        || die "$base is missing: run docker/test-image/build.sh $major first"
    # A rebuilt base image (another server minor) or an edited Dockerfile means a rebuild.
    context_hash=$( (cat "$here/Dockerfile"; echo "$base_id") | sha256sum | cut -c1-16)
    if ! $force && [[ $(docker image inspect -f '{{index .Config.Labels "pglab.context"}}' "$image" 2>/dev/null) \
            == "$context_hash" ]]; then
        say "$image is up to date (context $context_hash)"
        return
    fi
    say "docker build $image on $base"
    docker build -q --label "pglab.context=$context_hash" --build-arg BASE=pglab/postgres-test \
        --build-arg "PG_MAJOR=$major" -t "$image" "$here"
    say "$image built in $((SECONDS - start)) s:"
    docker run --rm --entrypoint dpkg-query "$image" -W -f='${Package} ${Version}\n' \
        "postgresql-$major" "postgresql-plperl-$major" pgpool2 bucardo 2>/dev/null \
        | awk '{ print "    " $1 " " ($2 == "" ? "(not packaged by the base image'"'"'s suite)" : $2) }' || true
}

command -v docker >/dev/null || die "docker is missing"
docker info >/dev/null 2>&1 || die "the Docker engine does not answer (is dockerd running?)"
for major in "${majors[@]}"; do
    build_one "$major"
done
