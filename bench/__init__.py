"""Throughput benchmark of tsunagu against the eventsourcing library's floor.

Run with ``make bench`` or ``python -m bench --help``. Nothing here is a test:
it measures and prints, and it never asserts anything about the speed.
"""
