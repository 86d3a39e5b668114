# SPDX-License-Identifier: GPL-2.0
"""A small QMP client (QEMU Machine Protocol over a unix socket).

Only what the end-to-end test needs: connect with retries, negotiate
capabilities, run a command and return its "return" value, and keep the
asynchronous events that arrive meanwhile so a caller can ask whether one
was seen (e.g. STOP on a migration source).
"""

import json
import socket
import time


class QmpError(Exception):
    """A command answered with an error, or the connection broke."""

    def __init__(self, cmd, desc, cls="GenericError"):
        super().__init__(f"{cmd}: {desc}")
        self.cmd = cmd
        self.desc = desc
        self.cls = cls


class Qmp:
    """One QMP connection; not thread-safe."""

    def __init__(self, path, timeout=30.0):
        self.path = path
        self.events = []
        self._buf = b""
        deadline = time.monotonic() + timeout
        while True:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        self.sock.settimeout(timeout)
        greeting = self._read()
        if "QMP" not in greeting:
            raise QmpError("greeting", f"unexpected {greeting!r}")
        self.cmd("qmp_capabilities")

    def _read(self):
        while b"\n" not in self._buf:
            data = self.sock.recv(65536)
            if not data:
                raise QmpError("read", f"connection to {self.path} closed")
            self._buf += data
        line, self._buf = self._buf.split(b"\n", 1)
        return json.loads(line)

    def cmd(self, name, timeout=60.0, **args):
        """Run command NAME with ARGS; return its result or raise QmpError."""
        msg = {"execute": name}
        if args:
            msg["arguments"] = {k.replace("_", "-"): v for k, v in args.items()}
        self.sock.settimeout(timeout)
        try:
            self.sock.sendall(json.dumps(msg).encode() + b"\n")
        except OSError as e:
            raise QmpError(name, f"send failed: {e}") from e
        while True:
            try:
                resp = self._read()
            except (OSError, ValueError) as e:
                raise QmpError(name, f"no answer: {e}") from e
            if "event" in resp:
                self.events.append(resp)
                continue
            if "error" in resp:
                err = resp["error"]
                raise QmpError(name, err.get("desc", "?"), err.get("class", "?"))
            return resp.get("return")

    def poll_events(self):
        """Collect events that arrived without a command (non-blocking)."""
        self.sock.settimeout(0.0)
        try:
            while True:
                try:
                    resp = self._read()
                except (BlockingIOError, socket.timeout):
                    break
                if "event" in resp:
                    self.events.append(resp)
        finally:
            self.sock.settimeout(30.0)
        return self.events

    def saw(self, event):
        """True if EVENT (e.g. "STOP") has been received on this connection."""
        return any(e["event"] == event for e in self.events)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass
