# Sourced by the image builds in docker/: their shared command line, [--force] [MAJOR...].
# Sets $force (true/false) and the array $majors (the defaults given when no major is named).
#   parse_build_args "15" "$@"
parse_build_args() {
    local defaults=$1 arg
    shift
    force=false
    majors=()
    for arg in "$@"; do
        case $arg in
            --force) force=true ;;
            15|17|18) majors+=("$arg") ;;
            *) echo "build.sh: unknown argument \"$arg\": usage: build.sh [--force] [15|17|18 ...]" >&2; exit 1 ;;
        esac
    done
    (( ${#majors[@]} )) || read -ra majors <<< "$defaults"
}
