"""Verification methods that live in the hub itself (one module each)."""
