#!/usr/bin/env bash
# Install the pinned dependencies of the MCP interop test peers (tests/interop)
# and of the official conformance suite run by tests/conformance.rs and
# tests/conformance_full.rs (tests/conformance).
#
#   bash scripts/install-interop-deps.sh
#
# - node: `npm ci` in tests/interop when node_modules is missing or was installed
#   from a different package-lock.json (stamp: node_modules/.taskgate-lock.sha256).
# - conformance suite: the same in tests/conformance (@modelcontextprotocol/conformance
#   0.2.0-alpha.12, the same package at 0.1.16 under the alias conformance-0.1.16,
#   the Node 22 they need, and tsx plus what the vendored reference servers in
#   tests/conformance/reference import; all from the npm registry, all exact pins).
# - python: a venv at tests/interop/.venv with `pip install -r requirements.txt`
#   when missing or installed from a different requirements.txt
#   (stamp: .venv/.taskgate-requirements.sha256).
#
# Idempotent; installs nothing globally. Quiet on success (prints nothing); on
# failure prints the failing installer's full output to stderr and exits
# non-zero. Safe to run concurrently (e.g. from parallel cargo tests): runs are
# serialised with flock on a lock file in ${TMPDIR:-/tmp}.
#
# Environment:
#   PYTHON   python interpreter used to create the venv (default: python3)
#   NPM      npm binary (default: npm)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="$ROOT/tests/interop"
PYTHON="${PYTHON:-python3}"
NPM="${NPM:-npm}"

die() { echo "install-interop-deps: $*" >&2; exit 1; }

hash_of() { sha256sum "$1" | cut -d' ' -f1; }

# run LABEL CMD...: run quietly; on failure dump the captured output and fail.
run() {
  local label="$1"; shift
  local log
  log="$(mktemp)"
  if ! "$@" >"$log" 2>&1; then
    echo "install-interop-deps: $label failed: $*" >&2
    cat "$log" >&2
    rm -f "$log"
    exit 1
  fi
  rm -f "$log"
}

[[ -f "$DIR/package.json" && -f "$DIR/package-lock.json" ]] || die "missing $DIR/package.json or package-lock.json"
[[ -f "$DIR/requirements.txt" ]] || die "missing $DIR/requirements.txt"
CONF="$ROOT/tests/conformance"
[[ -f "$CONF/package.json" && -f "$CONF/package-lock.json" ]] || die "missing $CONF/package.json or package-lock.json"
command -v node >/dev/null 2>&1 || die "node not found on PATH"
command -v "$NPM" >/dev/null 2>&1 || die "npm not found on PATH"
command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found on PATH"

# Serialise concurrent runs (parallel test threads may all call this script).
if command -v flock >/dev/null 2>&1; then
  lock="${TMPDIR:-/tmp}/taskgate-interop-$(printf '%s' "$DIR" | sha256sum | cut -c1-16).lock"
  exec 9>"$lock"
  flock 9
fi

# ---- node -------------------------------------------------------------------
lock_hash="$(hash_of "$DIR/package-lock.json")"
node_stamp="$DIR/node_modules/.taskgate-lock.sha256"
if [[ ! -f "$node_stamp" || "$(cat "$node_stamp")" != "$lock_hash" \
      || ! -d "$DIR/node_modules/@modelcontextprotocol/sdk" ]]; then
  # npm ci removes node_modules itself; it never touches package-lock.json.
  run "npm ci" env -C "$DIR" "$NPM" ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" >"$node_stamp"
fi

# ---- conformance suite --------------------------------------------------------
conf_hash="$(hash_of "$CONF/package-lock.json")"
conf_stamp="$CONF/node_modules/.taskgate-lock.sha256"
if [[ ! -f "$conf_stamp" || "$(cat "$conf_stamp")" != "$conf_hash" \
      || ! -x "$CONF/node_modules/.bin/node" \
      || ! -f "$CONF/node_modules/@modelcontextprotocol/conformance/dist/index.js" \
      || ! -f "$CONF/node_modules/conformance-0.1.16/dist/index.js" \
      || ! -f "$CONF/node_modules/tsx/package.json" ]]; then
  run "npm ci (conformance)" env -C "$CONF" "$NPM" ci --no-audit --no-fund --loglevel=error
  echo "$conf_hash" >"$conf_stamp"
fi

# ---- python -----------------------------------------------------------------
req_hash="$(hash_of "$DIR/requirements.txt")"
venv="$DIR/.venv"
py_stamp="$venv/.taskgate-requirements.sha256"
if [[ ! -f "$py_stamp" || "$(cat "$py_stamp")" != "$req_hash" || ! -x "$venv/bin/python" ]]; then
  # requirements.txt is a full lock (pip freeze), so a missing, half-built or
  # stale venv is rebuilt from scratch rather than upgraded in place.
  rm -rf "$venv"
  run "venv creation" "$PYTHON" -m venv "$venv"
  run "pip install" "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
      --no-input -r "$DIR/requirements.txt"
  echo "$req_hash" >"$py_stamp"
fi
