"""Agent queues: folding app_queue events into handle-time records."""
