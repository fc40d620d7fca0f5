"""The store suite: the TaskEngine contract, invariants, races, migrations and events."""
