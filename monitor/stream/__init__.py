"""Layer 4: the stream processor. It drives a source through the pipeline into the sinks,
commits after the sinks are flushed, and owns rebalancing (per-partition state)."""
