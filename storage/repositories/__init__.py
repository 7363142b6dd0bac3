"""Queries, one module per area. Repositories take a Session and never commit."""
