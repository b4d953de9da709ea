"""Model fields that keep their values encrypted at rest (see hub/crypto.py)."""

from __future__ import annotations

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from hub import crypto


class EncryptedTextField(models.TextField):
    """A text value stored as an envelope ciphertext, bound to its model and field.

    Values encrypt when written (``get_db_prep_save``, used by ``save``, ``update`` and
    ``bulk_create``) and decrypt when read. Lookups compare against the stored ciphertext, so
    ``filter(field__startswith="enc1$A$k2$")`` finds values under a key; equality lookups by
    plaintext need a blind index field next to this one. Empty strings and NULL stay as they
    are: there is nothing in them to protect.
    """

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "hub.fields.EncryptedTextField", args, kwargs

    @property
    def encryption_context(self) -> str:
        return f"{self.model._meta.label}.{self.name}"

    def from_db_value(self, value, expression, connection):
        if not value:
            return value
        return crypto.decrypt(value, context=self.encryption_context)

    def get_db_prep_save(self, value, connection):
        value = super().get_db_prep_save(value, connection)
        if not value:
            return value
        return self.encrypt(str(value))

    def encrypt(self, text: str) -> str:
        return crypto.encrypt(text, context=self.encryption_context)


class EncryptedJSONField(EncryptedTextField):
    """A JSON value (object, list, …) stored as one envelope ciphertext of its JSON text."""

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "hub.fields.EncryptedJSONField", args, kwargs

    def from_db_value(self, value, expression, connection):
        text = super().from_db_value(value, expression, connection)
        return json.loads(text) if text else None

    def get_db_prep_save(self, value, connection):
        if value is None:
            return None
        return self.encrypt(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":")))

    def to_python(self, value):
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                return value
        return value

    def value_to_string(self, obj):
        return json.dumps(self.value_from_object(obj), cls=DjangoJSONEncoder, ensure_ascii=False)
