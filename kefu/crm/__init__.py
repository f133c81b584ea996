"""Customer relationships: RFM scores and segments (more of PRODUCT P7 to come)."""
