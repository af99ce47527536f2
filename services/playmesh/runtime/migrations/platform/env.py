"""Alembic environment of the platform schema. Runs on the connection handed in by
``playmesh.runtime.db`` (no alembic.ini: migrations are driven from code and `playmesh migrate`)."""

from alembic import context

connection = context.config.attributes["connection"]
# Serialise concurrent migrators (several processes starting at once) on one advisory lock.
connection.exec_driver_sql("SELECT pg_advisory_xact_lock(7242001)")
connection.exec_driver_sql("CREATE SCHEMA IF NOT EXISTS platform")
context.configure(connection=connection, version_table_schema="platform", transactional_ddl=True)
with context.begin_transaction():
    context.run_migrations()
