"""Speed and memory measurements: `python -m bench.<area>`. Loopback only, bounded in time."""
