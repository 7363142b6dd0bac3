"""Convene's side of the Slack Web API: the client, the member directory, sending helpers."""
