"""The read side: access-checked fetchers, lists with cursor pagination, exports."""
