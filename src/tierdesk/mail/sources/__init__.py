"""Ways mail arrives: an SMTP/LMTP listener and an IMAP poller, both handing raw bytes to intake."""
