"""Benchmarks at scale: ``python -m bench.run`` seeds PostgreSQL, times the hot paths, writes results."""
