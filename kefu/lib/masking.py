"""Masking of contact details for people who may not see them (138****5678, z***@example.com).

Pure functions; the read side applies them in one place (``kefu.queries.contact``)."""

from __future__ import annotations

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
