#!/usr/bin/env bash
# Builds the Patroni member image lab07's Docker tests use where no registry is reachable (CI):
# docker/patroni/Dockerfile on the CI PostgreSQL image (docker/test-image/build.sh builds that),
# with etcd-server too, so that the same image also runs compose.ha.yaml's etcd service.
#
# Usage: docker/patroni/build.sh [--force]
# Env:   PGLAB_PATRONI_TEST_IMAGE (default pglab/patroni-test:15), PGLAB_TEST_IMAGE (its base,
#        default pglab/postgres-test:15)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
image=${PGLAB_PATRONI_TEST_IMAGE:-pglab/patroni-test:15}
base=${PGLAB_TEST_IMAGE:-pglab/postgres-test:15}
context_hash=$(cat "$here/Dockerfile" "$here/patroni-entrypoint.sh" "$here/patroni-start" | sha256sum | cut -c1-16)

if [[ ${1:-} != --force ]] \
    && [[ $(docker image inspect -f '{{index .Config.Labels "pglab.context"}}' "$image" 2>/dev/null) == "$context_hash" ]]; then
    echo "### $image is up to date (context $context_hash)"
    exit 0
fi
docker image inspect "$base" >/dev/null 2>&1 || "$here/../test-image/build.sh" 15
echo "### building $image on $base"
docker build --build-arg BASE_IMAGE="$base" --build-arg EXTRA_PACKAGES=etcd-server \
    --label pglab.context="$context_hash" -t "$image" "$here"
