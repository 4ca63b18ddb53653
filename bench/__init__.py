"""Benchmarks: run as scripts (see README, Performance)."""
