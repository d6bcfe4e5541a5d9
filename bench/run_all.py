"""Run every benchmark in this folder, one process each, and print their reports in turn.

Speed and memory targets are measured here, never by timed assertions in tests.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    failed = 0
    for script in sorted(HERE.glob("bench_*.py")):
        print(f"\n### {script.name}", flush=True)
        done = subprocess.run([sys.executable, str(script), *sys.argv[1:]], check=False)
        failed += done.returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
