"""Speed and memory measurements, each runnable as `python -m bench.<area>`."""
