"""Benchmarks: ``python bench/run.py [--quick]`` (see README.md)."""
