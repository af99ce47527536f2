"""The telemetry service. Its contract is `playmesh.telemetry.v1`; the implementation arrives with its issue."""
