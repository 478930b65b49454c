"""Throughput benchmarks of Ladderwatch (`python -m benchmarks`): a development tool, not shipped."""
