"""iotforge's benchmarks: each scenario against the emulator, measured against the bound AWS sets.

`python -m benchmarks.run` (or `make bench`) runs them; see benchmarks/README.md.
"""
