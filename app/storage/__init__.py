"""Call-log storage through SQLAlchemy: SQLite by default, PostgreSQL by URL."""
