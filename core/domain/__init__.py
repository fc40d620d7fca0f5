"""The pure domain: models, the state machine, the dependency graph, request and view types."""
