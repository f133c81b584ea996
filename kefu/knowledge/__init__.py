"""The knowledge base's domain, free of HTTP and of the database: finding the FAQ entry a
shopper's question means (``retrieval``), reading and writing FAQ files (``transfer``),
and the FAQ bot's rules (``bot``). See docs/knowledge.md."""
