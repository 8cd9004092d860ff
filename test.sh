#!/usr/bin/env bash
# Every test of the project, as the README's test command: Rust (native unit tests, then the component in
# wasmtime: session, composition, pooling, CLI), the JavaScript host (jco + Node's test runner) and the Python
# host (wasmtime-py + pytest). The JS and Python packages are installed on first use.
set -euo pipefail
cd "$(dirname "$0")"

echo "== Rust: cargo test --workspace (builds the component through host-tests/build.rs)"
cargo test --workspace --locked
echo "== Rust: the sockets adapter natively (feature sockets), against loopback servers"
cargo test -p requests-component --lib --features sockets --locked sockets::

echo "== JavaScript host: examples/js"
(
  cd examples/js
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund
  fi
  npm run build
  npm test
)

echo "== Python host: examples/python"
venv=examples/python/.venv
if [ ! -x "$venv/bin/python" ] || [ examples/python/requirements.txt -nt "$venv/.installed" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r examples/python/requirements.txt
  touch "$venv/.installed"
fi
"$venv/bin/python" -m pytest examples/python/tests
