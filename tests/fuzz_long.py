"""A longer fuzz run than the suite's fixed budget (not a test):

    .venv/bin/python tests/fuzz_long.py --examples 20000

runs the parser and whole-pipeline properties of ``tests/test_fuzz.py`` with that many
examples (the pipeline one with a twelfth of them: each runs the monitor end to end)."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--examples", type=int, default=5000)
    args = ap.parse_args()
    tests = Path(__file__).resolve().parent
    env = {**os.environ, "FUZZ_EXAMPLES": str(args.examples)}
    sys.exit(subprocess.call([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                              str(tests / "test_fuzz.py"), "-k", "parser or whole_run"],
                             env=env, cwd=tests.parent))


if __name__ == "__main__":
    main()
