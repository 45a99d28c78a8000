"""The `tierdesk` command."""
