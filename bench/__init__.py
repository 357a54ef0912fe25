"""meetbot benchmarks: a large-instance data generator, query plans and load runs.

``python -m bench`` (``make bench``) runs everything and writes bench/RESULTS.md;
see bench/README.md.
"""
