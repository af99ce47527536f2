"""What every Playmesh service shares: settings, logging, errors, validation, storage (PostgreSQL and
Redis), the event bus, tokens and authentication, rate limiting, idempotency, the RPC pipeline and the
server bootstrap. Domain code imports from here; nothing here imports a service."""
