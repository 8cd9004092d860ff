#!/usr/bin/env python3
"""Build the `requests-wasm` wheel from a clone: `python3 examples/python/build_wheel.py [--out DIR]`.

Runs `cargo build -p host-tests --locked` when a component build is missing, stages a copy of
the package (`pyproject.toml`, `README.md`, `requests_wasm/`) in a temporary directory with both
builds in `requests_wasm/components/` (`client-with-host.wasm`, `client.wasm`), and builds the
wheel there with `python -m pip wheel --no-deps` (pip fetches the pinned setuptools into its
isolated build environment). Nothing is written into the source tree but the wheel, in
`examples/python/dist/` unless `--out` says otherwise; its path is printed last.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent          # examples/python
ROOT = HERE.parents[1]                          # the repository
BUILDS = {  # packaged name -> the release build `cargo build -p host-tests` makes
    "client-with-host.wasm": ROOT / "target/component-host/wasm32-wasip2/release/requests_component.wasm",
    "client.wasm": ROOT / "target/component/wasm32-wasip2/release/requests_component.wasm",
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE / "dist", help="where the wheel goes")
    args = parser.parse_args()
    if not all(path.is_file() for path in BUILDS.values()):
        subprocess.run(["cargo", "build", "-p", "host-tests", "--locked"], cwd=ROOT, check=True)
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="requests-wasm-wheel-") as tmp:
        stage = Path(tmp) / "src"
        stage.mkdir()
        shutil.copy2(HERE / "pyproject.toml", stage)
        shutil.copy2(HERE / "README.md", stage)
        shutil.copytree(HERE / "requests_wasm", stage / "requests_wasm",
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "components"))
        components = stage / "requests_wasm" / "components"
        components.mkdir()
        for name, build in BUILDS.items():
            shutil.copy2(build, components / name)
        built = Path(tmp) / "dist"
        subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                        "--disable-pip-version-check", "-w", str(built), str(stage)], check=True)
        [wheel] = built.glob("requests_wasm-*.whl")
        shutil.copy2(wheel, out / wheel.name)
    print(out / wheel.name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
