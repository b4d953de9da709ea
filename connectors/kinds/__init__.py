"""Connector kinds, one package each, registered in connectors/registry.py; only a kind's client
talks to its platforms."""
