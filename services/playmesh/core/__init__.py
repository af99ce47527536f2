"""The core service: tenancy (developers, studios, games, API keys) and identity (players, tokens).

Modules: ``game_config`` validates configurations; ``passwords`` hashes with argon2; ``refresh_tokens``
keeps refresh-token families in Redis; ``tenancy`` and ``players`` are the domain; ``service`` is the
thin gRPC servicer."""
