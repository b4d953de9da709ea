"""Template filters for what people read: ``{{ amount|money }}``."""

from django import template

from hub.web import formats

register = template.Library()
register.filter("money", formats.money)
