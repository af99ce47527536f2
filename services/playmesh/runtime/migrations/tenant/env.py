"""Alembic environment of one studio schema; the schema name comes from ``config.attributes``."""

import sqlalchemy as sa
from alembic import context

connection = context.config.attributes["connection"]
schema = context.config.attributes["schema"]
connection.execute(sa.text("SELECT pg_advisory_xact_lock(7242002, hashtext(:schema))"), {"schema": schema})
connection.exec_driver_sql(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
context.configure(connection=connection, version_table_schema=schema, transactional_ddl=True)
with context.begin_transaction():
    context.run_migrations()
