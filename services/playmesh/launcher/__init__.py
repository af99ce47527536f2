"""``playmesh up``: embedded PostgreSQL and Redis when no URLs are given, migrations, every service as
its own process, and Envoy in front; stops them all cleanly on Ctrl-C or SIGTERM."""
