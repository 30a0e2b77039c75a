"""pyftpdlib server for ftpdiag's test lab (internal/lab).

Run by /usr/bin/python3 (Debian's python3-pyftpdlib) with the path of a JSON
settings file written by the lab (pyservers.go). Serves until killed.
"""

import json
import logging
import sys

from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer


def main():
    with open(sys.argv[1]) as f:
        cfg = json.load(f)
    logging.basicConfig(filename=cfg["log"], level=logging.DEBUG)

    authorizer = DummyAuthorizer()
    perm = "elradfmw" if cfg["writable"] else "elr"
    authorizer.add_user(cfg["user"], cfg["password"], cfg["root"], perm=perm)
    authorizer.add_anonymous(cfg["root"])

    class Handler(FTPHandler):
        pass

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
