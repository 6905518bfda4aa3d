"""The ingest service: helpdesk webhooks in, contract events out (CONTRACT §6)."""
