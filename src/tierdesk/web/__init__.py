"""Pages: the partner portal and the agent desk (server-rendered templates)."""
