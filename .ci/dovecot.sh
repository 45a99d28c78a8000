#!/usr/bin/env bash
# A throwaway Dovecot IMAP server on a free port of 127.0.0.1 with one test mailbox (user desk, password
# desk-test), for the IMAP poller's tests. Installs dovecot-imapd from Debian when missing.
# Prints the IMAP URL to use. Usage: .ci/dovecot.sh DIR
set -euo pipefail
dir="${1:?usage: .ci/dovecot.sh DIR}"
if ! command -v dovecot >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q dovecot-imapd >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q dovecot-imapd >/dev/null; }
fi
mkdir -p "$dir/run" "$dir/home/desk"
chmod 755 "$dir"  # Dovecot's own users must reach the users file
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
chown -R nobody:nogroup "$dir/home"
cat > "$dir/users" <<USERS
desk:{PLAIN}desk-test
USERS
chmod 644 "$dir/users"
cat > "$dir/dovecot.conf" <<CONF
protocols = imap
listen = 127.0.0.1
base_dir = $dir/run
log_path = $dir/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $dir/users
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=$dir/home/%u
}
mail_location = maildir:~/Maildir
namespace inbox {
  inbox = yes
  mailbox Processed {
    auto = create
  }
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $port
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
service imap-login {
  chroot =
}
CONF
dovecot -c "$dir/dovecot.conf" stop >/dev/null 2>&1 || true
dovecot -c "$dir/dovecot.conf"
for _ in $(seq 1 30); do
    if python3 - <<PY 2>/dev/null
import imaplib; c = imaplib.IMAP4("127.0.0.1", $port); c.login("desk", "desk-test"); c.logout()
PY
    then
        echo "imap://desk:desk-test@127.0.0.1:$port/INBOX"
        exit 0
    fi
    sleep 0.5
done
echo "dovecot did not come up; see $dir/dovecot.log" >&2
tail -20 "$dir/dovecot.log" >&2 || true
exit 1
