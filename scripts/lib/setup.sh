# Shared setup for scripts/: installs the Debian packages careline needs when they are missing.
# Sourced, not run. Idempotent: does nothing when everything is there.

careline_root() { cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd; }

careline_install_packages() {
  local missing=()
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  ((${#missing[@]} == 0)) && return 0
  echo "careline: installing ${missing[*]}" >&2
  local sudo=()
  [[ $(id -u) -eq 0 ]] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >&2
}

# libcurl (HTTP senders) and SQLite headers (the store) are what the full product links against.
careline_setup() {
  command -v swift >/dev/null || { echo "careline: the Swift toolchain (swift) is not on PATH" >&2; exit 69; }
  careline_install_packages libcurl4-openssl-dev libsqlite3-dev
}
