"""pyftpdlib server for ftpdiag's test lab (internal/lab).

Run by /usr/bin/python3 (Debian's python3-pyftpdlib) with the path of a JSON
settings file written by the lab (pyservers.go). Serves until killed.
"""

import json
import logging
import sys

from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import ActiveDTP, FTPHandler
from pyftpdlib.servers import FTPServer


class HandedOverActiveDTP(ActiveDTP):
    """ActiveDTP without pyftpdlib 1.5.7's lost-channel bug.

    Once connected, ActiveDTP.handle_connect() calls del_channel() and hands
    its socket to a DTPHandler, but del_channel() leaves _fileno set. The
    command channel keeps the connector until the next PORT/PASV or its own
    close, and closing it then unregisters that fd number from the shared
    poller: by then the transfer may have ended and the number been reused
    by another session's passive listener or data channel, which is silently
    dropped from the poller and never gets another event (a RETR answered
    "125 Data connection already open" that never ends, a passive data
    connection never accepted, an active connect never completed). This
    happens when active and passive sessions overlap, as ftpdiag's four
    modes do (internal/lab/testdata/replies.md). The lab serves pyftpdlib's
    behaviour, not this upstream bug: forgetting the fd once it is handed
    over leaves the poller entry to its new owner.
    """

    def handle_connect(self):
        try:
            ActiveDTP.handle_connect(self)
        finally:
            if self.cmd_channel.data_channel is not None and \
                    self.cmd_channel.data_channel.socket is self.socket:
                self._fileno = None


def main():
    with open(sys.argv[1]) as f:
        cfg = json.load(f)
    logging.basicConfig(filename=cfg["log"], level=logging.DEBUG)

    authorizer = DummyAuthorizer()
    perm = "elradfmw" if cfg["writable"] else "elr"
    authorizer.add_user(cfg["user"], cfg["password"], cfg["root"], perm=perm)
    authorizer.add_anonymous(cfg["root"])

    class Handler(FTPHandler):
        active_dtp = HandedOverActiveDTP

    Handler.authorizer = authorizer
    Handler.passive_ports = list(range(cfg["pasv_min"], cfg["pasv_max"] + 1))
    Handler.permit_foreign_addresses = False  # the default, said out loud
    if cfg.get("masquerade_address"):
        Handler.masquerade_address = cfg["masquerade_address"]
    disabled = set(cfg.get("disabled_commands") or [])
    Handler.proto_cmds = {k: v for k, v in FTPHandler.proto_cmds.items() if k not in disabled}

    # "::" is one dual-stack socket: IPv4 clients arrive as ::ffff:a.b.c.d.
    server = FTPServer(("::", cfg["port"]), Handler)
    if cfg.get("max_cons_per_ip"):
        server.max_cons_per_ip = cfg["max_cons_per_ip"]
    server.serve_forever()


if __name__ == "__main__":
    main()
