"""The thin web layer: parse, call one action or query, render. No business rules here."""
