"""The CDP/1 client (CONNECTOR_PROTOCOL.md) and its request and response signing."""
