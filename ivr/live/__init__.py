"""Live operations: the queues now (sans-IO state), its AMI feed, Prometheus metrics, health."""
