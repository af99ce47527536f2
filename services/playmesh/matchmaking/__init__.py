"""The matchmaking service: tickets durable in Redis (``store``), the tick loop with per-game leases
around the Rust core (``engine``), the game's modes as matcher rules (``rules``), and the servicer."""
