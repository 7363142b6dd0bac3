"""Starting Convene's real processes (`python -m bot …`) from tests, at the real or a shifted time.

A shifted clock comes from libfaketime (Debian's `faketime` package): `at("2026-11-27T16:05:00+00:00")`
gives the environment that starts a process at that moment, the way cron would start it then.
"""

from __future__ import annotations

import glob
import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FAKETIME_LIBRARIES = ("/usr/lib/*/faketime/libfaketime.so.1", "/usr/lib/faketime/libfaketime.so.1")


def clean_env(home: Path, **values: str) -> dict[str, str]:
    """A clean environment: nothing from the developer's shell or .env leaks in, except a shifted
    clock (libfaketime), so the processes read the same time as the test that starts them."""
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "PYTHONPATH": str(ROOT), "LOG_LEVEL": "INFO"}
    env.update({name: value for name, value in os.environ.items()
                if name == "LD_PRELOAD" or name.startswith("FAKETIME")})
    env.update(values)
    return env


def convene(cwd: Path, *args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run `python -m bot ARGS` to the end."""
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


def faketime_library() -> str:
    """The libfaketime shared object; the test is skipped (failed in CI) when it is not installed."""
    for pattern in FAKETIME_LIBRARIES:
        found = sorted(glob.glob(pattern))
        if found:
            return found[0]
    reason = "libfaketime is not installed (apt-get install -y faketime)"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{reason}, and CI runs the tests that start processes at shifted times.", pytrace=False)
    pytest.skip(f"{reason}: the tests that start processes at shifted times are skipped.")


def at(moment: str | datetime, env: dict[str, str]) -> dict[str, str]:
    """`env` for a process whose clock starts at `moment` (an aware instant) and runs on from there."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    utc = moment.astimezone(timezone.utc)
    shifted = {name: value for name, value in env.items() if name != "LD_PRELOAD" and not name.startswith("FAKETIME")}
    shifted.update({"LD_PRELOAD": faketime_library(), "FAKETIME": "@" + utc.strftime("%Y-%m-%d %H:%M:%S"), "TZ": "UTC"})
    return shifted
