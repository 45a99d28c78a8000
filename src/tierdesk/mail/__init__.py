"""E-mail's listeners and transports: the SMTP/LMTP server and the IMAP poller that feed the intake
(`tierdesk/intake`). What a message means and how a notification is composed live below the
edges (`tierdesk/intake`, `tierdesk/outgoing`)."""
