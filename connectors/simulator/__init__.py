"""The reference city platform (CDP/1 server) for demos, tests and benchmarks: protocol, server,
and the made-up enterprises and records it serves."""
