"""The scoreboard service. Its contract is `playmesh.scoreboard.v1`; the implementation arrives with its issue."""
