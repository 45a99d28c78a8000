"""`python -m tierdesk` is the `tierdesk` command."""

from tierdesk.cli.main import main

raise SystemExit(main())
