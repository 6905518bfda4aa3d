"""Layer 3: the operations side — Prometheus metrics, health endpoints, alerts to
Alertmanager, Grafana dashboards."""
