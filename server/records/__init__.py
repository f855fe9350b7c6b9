"""The decision record: every decision the server gives, and advisors' final decisions,
written durably before the response leaves (stores: SQLite, PostgreSQL)."""
