"""The session service. Its contract is `playmesh.session.v1`; the implementation arrives with its issue."""
