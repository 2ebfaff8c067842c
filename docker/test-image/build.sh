#!/usr/bin/env bash
# Builds the PostgreSQL images the Docker tests use where no container registry is reachable (CI).
# Students use the official image; these only have to honour the parts of its contract the
# project relies on (see docker-entrypoint.sh), including its data layout per major.
#
#   debootstrap (Debian's postgresql-<major>) -> tarball cache -> docker import -> docker build
#
# One Debian suite per major, the one that packages it:
#   15  bookworm   PGDATA /var/lib/postgresql/data
#   17  trixie     PGDATA /var/lib/postgresql/17/docker   (the 18+ layout: compose.yaml spells
#   18  sid        PGDATA /var/lib/postgresql/18/docker    PGDATA out that way for every major)
# Images: pglab/postgres-test:<major>, FROM the root filesystem pglab/debian-rootfs:<suite>.
# Each stage is skipped when its result exists: the image (same build context), the imported
# root filesystem, the cached tarball (one per suite, so a fresh engine needs no second
# debootstrap). sid moves: its tarball keeps the PostgreSQL 18 minor it was taken with until --force.
#
# Usage: docker/test-image/build.sh [--force] [MAJOR...]     (default: 15)
# Env:   PGLAB_IMAGE_CACHE (default /var/cache/pglab),
#        PGLAB_DEBIAN_MIRROR (default: the Debian archive apt uses on this machine).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tools/debian-mirror.sh
. "$here/../../tools/debian-mirror.sh"
cache=${PGLAB_IMAGE_CACHE:-/var/cache/pglab}

say() { echo "### $*"; }
die() { echo "build.sh: $*" >&2; exit 1; }

# shellcheck source=docker/build-args.sh
. "$here/../build-args.sh"
parse_build_args "15" "$@"

suite_of() {
    case $1 in
        15) echo bookworm ;;
        17) echo trixie ;;
        18) echo sid ;;
    esac
}

pgdata_of() {
    if (( $1 >= 17 )); then echo "/var/lib/postgresql/$1/docker"; else echo /var/lib/postgresql/data; fi
}

bootstrap_tarball() {
    local suite=$1 major=$2 tarball=$3 mirror dir
    command -v debootstrap >/dev/null || die "debootstrap is missing: apt-get install debootstrap"
    [[ $(id -u) == 0 ]] || die "debootstrap needs root"
    mirror=$(debian_mirror)
    [[ -n $mirror ]] || die "no Debian archive in /etc/apt/sources.list*: set PGLAB_DEBIAN_MIRROR"
    dir=$(mktemp -d /tmp/pglab-rootfs.XXXXXX)
    trap 'rm -rf "$dir"' EXIT
    say "debootstrap $suite with postgresql-$major from $mirror into $dir"
    debootstrap --variant=minbase --include="postgresql-$major" "$suite" "$dir" "$mirror"
    # The package's postinst created a cluster "main"; the entrypoint makes its own in PGDATA.
    # Docs, manuals, translations and apt's lists only cost space in the image.
    rm -rf "$dir/etc/postgresql/$major/main" "$dir/var/lib/postgresql/$major/main" \
        "$dir"/usr/share/doc/* "$dir"/usr/share/man/* "$dir"/usr/share/locale/* \
        "$dir"/var/lib/apt/lists/* "$dir"/var/cache/apt/*.bin "$dir"/var/cache/apt/archives/*.deb
    mkdir -p "$cache"
    tar -C "$dir" --numeric-owner -cf "$tarball.partial" .
    mv "$tarball.partial" "$tarball"
    rm -rf "$dir"
    trap - EXIT
}

build_one() {
    local major=$1 suite pgdata image rootfs_image tarball context_hash start=$SECONDS
    suite=$(suite_of "$major")
    pgdata=$(pgdata_of "$major")
    image=pglab/postgres-test:$major
    rootfs_image=pglab/debian-rootfs:$suite
    tarball=$cache/debian-$suite-postgresql-$major.tar
    # The image carries a hash of its build context and arguments: an edited entrypoint means a rebuild.
    context_hash=$( (cat "$here/Dockerfile" "$here/docker-entrypoint.sh"; echo "$suite $major $pgdata") \
        | sha256sum | cut -c1-16)

    if ! $force && [[ $(docker image inspect -f '{{index .Config.Labels "pglab.context"}}' "$image" 2>/dev/null) \
            == "$context_hash" ]]; then
        say "$image is up to date (context $context_hash)"
        return
    fi
    if $force || ! docker image inspect "$rootfs_image" >/dev/null 2>&1; then
        if $force || [[ ! -s $tarball ]]; then
            bootstrap_tarball "$suite" "$major" "$tarball"
        fi
        say "docker import $tarball as $rootfs_image"
        docker import - "$rootfs_image" < "$tarball"
    fi
    say "docker build $image (PostgreSQL $major from $suite, PGDATA $pgdata)"
    docker build -q --label "pglab.context=$context_hash" --build-arg "SUITE=$suite" \
        --build-arg "PG_MAJOR=$major" --build-arg "PGDATA=$pgdata" -t "$image" "$here"
    say "$image built in $((SECONDS - start)) s: $(docker run --rm --entrypoint postgres "$image" --version)"
}

command -v docker >/dev/null || die "docker is missing"
docker info >/dev/null 2>&1 || die "the Docker engine does not answer (is dockerd running?)"
for major in "${majors[@]}"; do
    build_one "$major"
done
