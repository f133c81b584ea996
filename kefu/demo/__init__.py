"""The demo shop built by ``kefu demo``: a realistic Chinese online shop to look around in.

``records`` and its helpers are pure (seeded random → lists of dicts); ``build`` loads those
records through the ordinary actions, so the demo exercises the one write path."""
