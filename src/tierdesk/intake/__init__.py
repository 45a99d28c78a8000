"""What a received message means: parse it, thread it, drop a duplicate, quarantine it or call
the actions. Below the edges: the mail listeners, the jobs and the quarantine page call it."""
