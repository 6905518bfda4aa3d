"""Benchmark (not a test): how fast ``support-monitor score 你好`` starts and answers.

Runs the command and ``python -c pass`` (the interpreter's own start-up, the floor) five
times each, alternating, as separate processes, and prints the median wall time of each
and their ratio.

    python -m monitor.offline.benchmarks.startup [--runs 5]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time


def wall(argv: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    command = shutil.which("support-monitor")
    score = [command] if command else [sys.executable, "-m", "monitor.cli"]
    score += ["score", "你好"]
    times: dict[str, list[float]] = {"score": [], "pass": []}
    wall(score)  # warm the file cache once: a cold disk is not start-up
    for _ in range(args.runs):
        times["score"].append(wall(score))
        times["pass"].append(wall([sys.executable, "-c", "pass"]))
    s, p = (statistics.median(times[k]) for k in ("score", "pass"))
    print(f"{' '.join(score[-3:])}: median {s:.3f} s of {args.runs} runs "
          f"({', '.join(f'{t:.3f}' for t in times['score'])})")
    print(f"python -c pass:       median {p:.3f} s ({', '.join(f'{t:.3f}' for t in times['pass'])})")
    print(f"ratio score / bare interpreter: {s / p:.1f}")


if __name__ == "__main__":
    main()
