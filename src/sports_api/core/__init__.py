"""Cross-cutting plumbing: settings, logs with redaction, request context, the errors the service explains."""
