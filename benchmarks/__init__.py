"""Benchmarks (not tests): `python -m benchmarks --only export [--rows N] [--json FILE]`."""
