"""Quality inspection of agent replies (docs/quality.md): eight finding codes, found by a
phrase dictionary (``phrases.json``, extendable by shops), patterns and context rules."""
