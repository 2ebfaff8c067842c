#!/usr/bin/env bash
# Builds the PostgreSQL image the Docker tests use where no container registry is reachable (CI).
# Students use the official image; this one only has to honour the parts of its contract the
# project relies on (see docker-entrypoint.sh).
#
#   debootstrap (Debian's postgresql-15) -> tarball cache -> docker import -> docker build
#
# Each stage is skipped when its result exists: the image (same build context), the imported
# root filesystem, the cached tarball (so a fresh engine needs no second debootstrap).
#
# Usage: docker/test-image/build.sh [--force]
# Env:   PGLAB_TEST_IMAGE (default pglab/postgres-test:15), PGLAB_IMAGE_CACHE (default /var/cache/pglab),
#        PGLAB_DEBIAN_MIRROR (default: the bookworm mirror configured for apt on this machine).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
image=${PGLAB_TEST_IMAGE:-pglab/postgres-test:15}
rootfs_image=pglab/debian-rootfs:bookworm
cache=${PGLAB_IMAGE_CACHE:-/var/cache/pglab}
tarball=$cache/debian-bookworm-postgresql-15.tar
force=false
[[ ${1:-} == --force ]] && force=true

say() { echo "### $*"; }
die() { echo "build.sh: $*" >&2; exit 1; }

# The image carries a hash of its build context, so an edited entrypoint means a rebuild.
context_hash=$(cat "$here/Dockerfile" "$here/docker-entrypoint.sh" | sha256sum | cut -c1-16)

image_is_current() {
    [[ $(docker image inspect -f '{{index .Config.Labels "pglab.context"}}' "$image" 2>/dev/null) == "$context_hash" ]]
}

# The first Debian archive apt uses for bookworm (one-line or deb822 sources), never the security one.
debian_mirror() {
    if [[ -n ${PGLAB_DEBIAN_MIRROR:-} ]]; then
        echo "$PGLAB_DEBIAN_MIRROR"
        return
    fi
    local f files=()
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
        if [[ -f $f ]]; then files+=("$f"); fi
    done
    (( ${#files[@]} )) || return 0
    awk '/^deb / || /^URIs:/ {
             for (i = 2; i <= NF; i++)
                 if ($i ~ /^[a-z]+:\/\/.*\/debian\/?$/) { print $i; exit }
         }' "${files[@]}"
}

bootstrap_tarball() {
    command -v debootstrap >/dev/null || die "debootstrap is missing: apt-get install debootstrap"
    [[ $(id -u) == 0 ]] || die "debootstrap needs root"
    local mirror dir
    mirror=$(debian_mirror)
    [[ -n $mirror ]] || die "no Debian mirror in /etc/apt/sources.list*: set PGLAB_DEBIAN_MIRROR"
    dir=$(mktemp -d /tmp/pglab-rootfs.XXXXXX)
    trap 'rm -rf "$dir"' EXIT
    say "debootstrap bookworm with postgresql-15 from $mirror into $dir"
    debootstrap --variant=minbase --include=postgresql-15 bookworm "$dir" "$mirror"
    # The package's postinst created a cluster "main"; the entrypoint makes its own in PGDATA.
    # Docs, manuals, translations and apt's lists only cost space in the image.
    rm -rf "$dir"/etc/postgresql/15/main "$dir"/var/lib/postgresql/15/main \
        "$dir"/usr/share/doc/* "$dir"/usr/share/man/* "$dir"/usr/share/locale/* \
        "$dir"/var/lib/apt/lists/* "$dir"/var/cache/apt/*.bin "$dir"/var/cache/apt/archives/*.deb
    mkdir -p "$cache"
    tar -C "$dir" --numeric-owner -cf "$tarball.partial" .
    mv "$tarball.partial" "$tarball"
    rm -rf "$dir"
    trap - EXIT
}

command -v docker >/dev/null || die "docker is missing"
docker info >/dev/null 2>&1 || die "the Docker engine does not answer (is dockerd running?)"

if ! $force && image_is_current; then
    say "$image is up to date (context $context_hash)"
    exit 0
fi

start=$SECONDS
if $force || ! docker image inspect "$rootfs_image" >/dev/null 2>&1; then
    if $force || [[ ! -s $tarball ]]; then
        bootstrap_tarball
    fi
    say "docker import $tarball as $rootfs_image"
    docker import - "$rootfs_image" < "$tarball"
fi

say "docker build $image"
docker build --label "pglab.context=$context_hash" -t "$image" "$here"
say "$image built in $((SECONDS - start)) s"
