# Sourced by the scripts that fetch from Debian suites other than the machine's own (the compose
# v2 plugin, the PostgreSQL 17/18 test images): prints the Debian archive apt already uses.
#   PGLAB_DEBIAN_MIRROR overrides it.
# The first archive in one-line or deb822 sources whose path ends in /debian: never the security one.
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
