# Finds a JDK 21+ for ./jbang and ./run-tests (POSIX sh, sourced): find_jdk prints its folder, or
# nothing. Looks at JAVA_HOME, the java on PATH, then the usual install folders, newest first.

MIN_JAVA=21

# Major version of the JDK installed in folder $1 (empty when it is not a full JDK).
# The `release` file answers without starting a JVM; javac must be there because JBang compiles.
jdk_major() {
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] && [ -f "$1/release" ] || return 0
  v=$(sed -n 's/^JAVA_VERSION="\([^"]*\)".*/\1/p' "$1/release")
  case "$v" in
    1.*) v=${v#1.} ;;   # 1.8.0_x is Java 8
  esac
  echo "${v%%[!0-9]*}"
}

is_jdk21() {
  m=$(jdk_major "$1")
  [ -n "$m" ] && [ "$m" -ge "$MIN_JAVA" ]
}

# The folder of the `java` on PATH: it is often a chain of symlinks, so ask java itself.
path_java_home() {
  command -v java >/dev/null 2>&1 || return 0
  java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.home = //p'
}

find_jdk() {
  if [ -n "${JAVA_HOME:-}" ] && is_jdk21 "$JAVA_HOME"; then echo "$JAVA_HOME"; return; fi
  home=$(path_java_home)
  if [ -n "$home" ] && is_jdk21 "$home"; then echo "$home"; return; fi
  if [ -x /usr/libexec/java_home ]; then
    home=$(/usr/libexec/java_home -v "$MIN_JAVA+" 2>/dev/null)
    if [ -n "$home" ] && is_jdk21 "$home"; then echo "$home"; return; fi
  fi
  # The usual install folders: take the newest JDK found there.
  best='' best_major=0
  for home in /usr/lib/jvm/* /Library/Java/JavaVirtualMachines/*/Contents/Home \
              "$HOME"/.sdkman/candidates/java/* "$HOME"/.jdks/*; do
    m=$(jdk_major "$home")
    if [ -n "$m" ] && [ "$m" -ge "$MIN_JAVA" ] && [ "$m" -gt "$best_major" ]; then
      best=$home best_major=$m
    fi
  done
  echo "$best"
}
