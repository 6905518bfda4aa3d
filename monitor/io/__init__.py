"""Layer 3: where records come from and where results go — the file and Kafka sources,
the file, Kafka and store sinks. Backends import no processing code."""
