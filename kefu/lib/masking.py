"""Masking of contact details for people who may not see them (138****5678, z***@example.com),
and of those a shopper types into a message before the message leaves Kefu (``mask_text``).

Pure functions; the read side applies them in one place (``kefu.queries.contact``)."""

from __future__ import annotations

import re
from typing import Any

MASK = "****"


def mask_phone(phone: str | None) -> str | None:
    """Keep the first three and last four digits of a phone number: 138****5678."""
    if not phone:
        return phone
    compact = "".join(ch for ch in phone if not ch.isspace() and ch != "-")
    if len(compact) <= 7:
        return compact[:1] + MASK
    return compact[:3] + MASK + compact[-4:]


def mask_email(email: str | None) -> str | None:
    """Keep the first letter of the mailbox and the whole domain: z***@example.com."""
    if not email:
        return email
    local, at, domain = email.partition("@")
    if not at:
        return local[:1] + "***"
    return f"{local[:1]}***@{domain}"


def mask_address(address: dict[str, Any] | None) -> dict[str, Any] | None:
    """A delivery address with its phone number masked (the street stays: agents need it)."""
    if not address or not address.get("phone"):
        return address
    return {**address, "phone": mask_phone(str(address["phone"]))}


# A mainland mobile number, with or without +86 and spaces or dashes (138 1234 5678); not
# inside a longer word, so order and tracking numbers stay whole.
_MOBILE = re.compile(
    r"(?<![0-9A-Za-z])(?:\+?86[ -]?)?(1[3-9][0-9](?:[ -]?[0-9]{4}){2})(?![0-9A-Za-z])"
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# The part of a street address that finds a door: the house number after a road, and
# building, unit and room numbers (文三路90号3栋502室, 5号楼2单元301). The city and
# district stay; sizes (42号) and dates (12月3号) are not after a road and stay too.
_DOOR = re.compile(r"(?<=[路街道巷弄村])[0-9]+(?=号)|(?<=单元)[0-9]+|[0-9]+(?=号楼|栋|幢|单元|室)")
_WIDE_DIGITS = str.maketrans("０１２３４５６７８９＋", "0123456789+")


def mask_text(text: str) -> str:
    """Free text (a shopper's message) with phone numbers and e-mail addresses masked as
    everywhere else, and house, building and room numbers replaced by ``**``: what is
    left tells what the shopper wants without saying who or where exactly they are.
    Full-width digits are read as digits (and come out half-width)."""
    text = text.translate(_WIDE_DIGITS)
    text = _MOBILE.sub(lambda m: mask_phone(m.group(1).replace(" ", "")) or "", text)
    text = _EMAIL.sub(lambda m: mask_email(m.group(0)) or "", text)
    return _DOOR.sub("**", text)
