"""Verification of enterprises: the methods (plugins, like connector kinds), their registry,
and their audit events. What verification *does* — make a registration its USCC's holder
and name who may sign for it — is one service, ``hub.services.verification``, that every
method ends in.
"""
