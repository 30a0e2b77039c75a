"""Twisted FTP server for ftpdiag's test lab (internal/lab).

Run by /usr/bin/python3 (Debian's python3-twisted) with the path of a JSON
settings file written by the lab (pyservers.go). Serves until killed.
Twisted's FTPFactory has no options for a masquerade address, a per-host
limit or disabling PORT/PASV: scenarios needing them do not apply.
"""

import json
import sys

from twisted.cred import checkers
from twisted.cred.portal import IRealm, Portal
from twisted.internet import reactor
from twisted.protocols.ftp import FTPAnonymousShell, FTPFactory, FTPShell, IFTPShell
from twisted.python import log
from twisted.python.filepath import FilePath
from zope.interface import implementer


@implementer(IRealm)
class LabRealm:
    """Serves the lab dir to anonymous (read-only) and to the lab user
    (read-write when the lab is writable)."""

    def __init__(self, root, writable):
        self.root = FilePath(root)
        self.writable = writable

    def requestAvatar(self, avatar_id, mind, *interfaces):
        if IFTPShell not in interfaces:
            raise NotImplementedError("only IFTPShell")
        if avatar_id is checkers.ANONYMOUS or not self.writable:
            shell = FTPAnonymousShell(self.root)
        else:
            shell = FTPShell(self.root)
        return IFTPShell, shell, lambda: None


def main():
    with open(sys.argv[1]) as f:
        cfg = json.load(f)
    log.startLogging(open(cfg["log"], "a"), setStdout=False)
    # Twisted's FTP hands the checker str, not bytes: add the user as str.
    users = checkers.InMemoryUsernamePasswordDatabaseDontUse()
    users.addUser(cfg["user"], cfg["password"])
    portal = Portal(LabRealm(cfg["root"], cfg["writable"]), [checkers.AllowAnonymousAccess(), users])
    factory = FTPFactory(portal)
    factory.passivePortRange = range(cfg["pasv_min"], cfg["pasv_max"] + 1)
    if cfg.get("connection_limit"):
        # LimitTotalConnectionsFactory: a limit on all sessions, not per host.
        factory.connectionLimit = cfg["connection_limit"]
    # IPv4 only: Twisted implements neither EPSV nor EPRT, and on a
    # dual-stack socket its 227 would announce "::ffff:10,77,0,2,...".
    reactor.listenTCP(cfg["port"], factory, interface="0.0.0.0")
    reactor.run()


if __name__ == "__main__":
    main()
