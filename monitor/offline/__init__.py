"""Offline tooling: training (scikit-learn, the ``[train]`` extra), evaluation and the
benchmarks. Nothing at run time imports it."""
