"""E-mail: intake (parse, thread, route), the sources that feed it (SMTP/LMTP, IMAP, files), outbound."""
