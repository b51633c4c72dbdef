"""Whether digital credentials can be offered now: only with the institute's key."""

from django import template

from institute.signing.pades import institute_key

register = template.Library()


@register.simple_tag
def credentials_available() -> bool:
    return institute_key() is not None
