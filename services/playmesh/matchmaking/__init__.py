"""The matchmaking service. Its contract is `playmesh.matchmaking.v1`; the implementation arrives with its issue."""
