"""Widgets the pages share."""

from __future__ import annotations

from django import forms


class CategoryCheckboxes(forms.CheckboxSelectMultiple):
    """The fifteen credit categories as a grid of checkboxes."""

    def __init__(self, attrs=None):
        super().__init__(attrs={"class": "checkbox-grid", **(attrs or {})})
