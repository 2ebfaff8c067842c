#!/usr/bin/env bash
# Installs Docker Compose v2 as the `docker compose` CLI plugin where only v1 (`docker-compose`)
# or nothing is there. Bookworm packages compose 1.29 only; trixie's `docker-compose` package is
# compose v2 built as a CLI plugin that needs nothing newer than bookworm's libc, and it talks to
# bookworm's engine (20.10, API 1.41). So its plugin binary is taken out of the .deb and put where
# every docker CLI looks for system-wide plugins. Nothing of bookworm's is replaced: the apt state
# of this download is kept apart, and `docker-compose` 1.29 stays installed.
#
# Usage: tools/install-compose-v2.sh        (root; does nothing when `docker compose` already runs)
# Env:   PGLAB_COMPOSE_SUITE (default trixie), PGLAB_DEBIAN_MIRROR (default: the archive apt uses)
# Ends by printing `docker compose version`.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tools/debian-mirror.sh
. "$here/debian-mirror.sh"

suite=${PGLAB_COMPOSE_SUITE:-trixie}
plugin_dir=/usr/local/lib/docker/cli-plugins
plugin_in_deb=usr/libexec/docker/cli-plugins/docker-compose

say() { echo "### $*"; }
die() { echo "install-compose-v2.sh: $*" >&2; exit 1; }

command -v docker >/dev/null || die "the docker CLI is missing: apt-get install docker.io"
if docker compose version >/dev/null 2>&1; then
    say "docker compose is there already"
    docker compose version
    exit 0
fi
[[ $(id -u) == 0 ]] || die "run as root: it writes $plugin_dir"
mirror=$(debian_mirror)
[[ -n $mirror ]] || die "no Debian archive in /etc/apt/sources.list*: set PGLAB_DEBIAN_MIRROR"

work=$(mktemp -d /tmp/pglab-compose.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/parts" "$work/deb"
# apt downloads as its own user (_apt) where one exists: it must be able to write there.
chmod 0755 "$work"
if id _apt >/dev/null 2>&1; then chown _apt "$work/lists/partial" "$work/cache/archives/partial" "$work/deb"; fi
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $suite main" > "$work/sources.list"
# Only this source, with lists and caches of its own: the machine's apt state stays bookworm's.
apt_options=(-o Dir::Etc::SourceList="$work/sources.list" -o Dir::Etc::SourceParts="$work/parts"
             -o Dir::State::Lists="$work/lists" -o Dir::Cache="$work/cache")

say "fetching docker-compose from $suite ($mirror)"
apt-get "${apt_options[@]}" -qq update
(cd "$work/deb" && apt-get "${apt_options[@]}" -qq download docker-compose)
deb=$(echo "$work"/deb/docker-compose_*.deb)
[[ -s $deb ]] || die "apt-get download docker-compose left no .deb in $work"
say "$(dpkg-deb -f "$deb" Package Version Depends | tr '\n' ' ')"

dpkg-deb -x "$deb" "$work/root"
[[ -x $work/root/$plugin_in_deb ]] || die "$(basename "$deb") has no $plugin_in_deb: not compose v2?"
install -D -m 0755 "$work/root/$plugin_in_deb" "$plugin_dir/docker-compose"
say "installed $plugin_dir/docker-compose"

docker compose version || die "docker compose does not run after installing $plugin_dir/docker-compose"
