"""A real IMAP server for the e-mail tests: Debian's Dovecot, started with a config of its
own in a temporary directory (no system service, no /etc/dovecot), listening on loopback
only: IMAPS (TLS from the first byte) and IMAP with STARTTLS, under a certificate of a
throw-away CA made with openssl for 127.0.0.1.

Run as root, Dovecot's own unprivileged users (dovecot, dovenull from the package) run its
login and mail processes; run by anyone else, everything runs as that user. Mail is put
into a mailbox with IMAP APPEND, as any client could."""

from __future__ import annotations

import grp
import imaplib
import os
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"


def available() -> bool:
    return Path(DOVECOT).exists() and shutil.which("openssl") is not None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True)


def make_certificates(directory: Path) -> tuple[Path, Path, Path]:
    """A CA, and a server certificate it signed for 127.0.0.1 and localhost: (CA
    certificate, server certificate, server key)."""
    ca_key, ca_cert = directory / "ca.key", directory / "ca.pem"
    key, csr, cert = directory / "server.key", directory / "server.csr", directory / "server.pem"
    _openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        "-keyout", str(ca_key), "-out", str(ca_cert), "-subj", "/CN=Kefu test CA",
    )  # fmt: skip
    _openssl(
        "req", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(csr),
        "-subj", "/CN=127.0.0.1",
    )  # fmt: skip
    extensions = directory / "san.cnf"
    extensions.write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    _openssl(
        "x509", "-req", "-in", str(csr), "-CA", str(ca_cert), "-CAkey", str(ca_key),
        "-CAcreateserial", "-days", "2", "-out", str(cert), "-extfile", str(extensions),
    )  # fmt: skip
    return ca_cert, cert, key


@dataclass
class Dovecot:
    """A running Dovecot; ``users`` maps login → password."""

    directory: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="kefu-dovecot-")))
    imaps_port: int = 0
    imap_port: int = 0
    ca_file: Path = Path()
    users: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> Dovecot:
        # Its own directory under /tmp, open to Dovecot's users (pytest's tmp_path is not).
        self.directory.mkdir(parents=True, exist_ok=True)
        self.directory.chmod(0o755)
        self.ca_file, cert, key = make_certificates(self.directory)
        self.imaps_port, self.imap_port = _free_port(), _free_port()
        if os.geteuid() == 0:
            internal, login, mail_user = "dovecot", "dovenull", "dovecot"
        else:
            internal = login = mail_user = pwd.getpwuid(os.geteuid()).pw_name
        mail_group = grp.getgrgid(pwd.getpwnam(mail_user).pw_gid).gr_name
        home = self.directory / "home"
        home.mkdir(exist_ok=True)
        shutil.chown(home, mail_user, mail_group)
        (self.directory / "users").write_text("")
        (self.directory / "dovecot.conf").write_text(
            f"""
base_dir = {self.directory}/run
state_dir = {self.directory}/state
log_path = {self.directory}/dovecot.log
instance_name = kefu-test-{self.imaps_port}
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
default_internal_user = {internal}
default_internal_group = {grp.getgrgid(pwd.getpwnam(internal).pw_gid).gr_name}
default_login_user = {login}
first_valid_uid = 1
disable_plaintext_auth = no
auth_mechanisms = plain login
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.directory}/users
}}
userdb {{
  driver = static
  args = uid={mail_user} gid={mail_group} home={home}/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  inet_listener imap {{
    port = {self.imap_port}
  }}
  inet_listener imaps {{
    port = {self.imaps_port}
    ssl = yes
  }}
}}
"""
        )
        self.process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(self.directory / "dovecot.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self._wait_listening()
        return self

    def _wait_listening(self) -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.imaps_port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"dovecot did not start: {self.log()}")

    def log(self) -> str:
        path = self.directory / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def add_user(self, login: str, password: str) -> None:
        self.users[login] = password
        lines = "".join(f"{u}:{{PLAIN}}{p}\n" for u, p in self.users.items())
        (self.directory / "users").write_text(lines)

    def connect(self, login: str) -> imaplib.IMAP4_SSL:
        context = ssl.create_default_context(cafile=str(self.ca_file))
        client = imaplib.IMAP4_SSL("127.0.0.1", self.imaps_port, ssl_context=context)
        client.login(login, self.users[login])
        return client

    def deliver(self, login: str, raw: bytes, folder: str = "INBOX") -> None:
        """Put one mail into ``login``'s folder (IMAP APPEND)."""
        client = self.connect(login)
        try:
            status, answer = client.append(folder, None, None, raw)
            assert status == "OK", answer
        finally:
            client.logout()

    def empty(self, login: str, folder: str = "INBOX") -> None:
        """Delete every mail of ``login``'s folder (UIDs go on rising, as on any server)."""
        client = self.connect(login)
        try:
            client.select(folder)
            client.store("1:*", "+FLAGS", "(\\Deleted)")
            client.expunge()
        finally:
            client.logout()

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None
        shutil.rmtree(self.directory, ignore_errors=True)
