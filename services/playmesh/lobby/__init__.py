"""The lobby service. Its contract is `playmesh.lobby.v1`; the implementation arrives with its issue."""
