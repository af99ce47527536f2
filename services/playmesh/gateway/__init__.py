"""The Envoy gateway: config rendered from the service registry (``render``), the descriptor set the
REST/JSON transcoder reads (``playmesh.binpb``, written by ``make generate``)."""
