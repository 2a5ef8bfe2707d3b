"""Who is asking: console sessions, API bearer tokens, roles, CSRF and login throttling."""
