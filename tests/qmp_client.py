"""A QMP client in Python's standard library (Debian 12 packages none).

    from qmp_client import QMPClient
    with QMPClient("/tmp/nvemu.qmp") as qmp:      # greeting + qmp_capabilities
        print(qmp.execute("query-status"))        # the "return" value
        ev = qmp.wait_event("SHUTDOWN", timeout=10)

execute() raises QMPError (with .cls and .desc) on an {"error": ...} reply.
Replies are matched by id; events that arrive in between are queued for
wait_event(). Works against nvemu and QEMU alike.
"""
import json
import socket
import time


class QMPError(Exception):
    def __init__(self, cls, desc):
        super().__init__(f"{cls}: {desc}")
        self.cls = cls
        self.desc = desc


class QMPClient:
    def __init__(self, path, negotiate=True, timeout=30.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.buf = b""
        self.events = []
        self.next_id = 0
        self.greeting = self.recv()
        if "QMP" not in self.greeting:
            raise QMPError("Protocol", f"not a QMP greeting: {self.greeting}")
        if negotiate:
            self.execute("qmp_capabilities")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self.sock.close()

    def send_raw(self, data):
        self.sock.sendall(data if isinstance(data, bytes) else data.encode())

    def recv(self):
        """The next message (one CRLF-terminated JSON line), parsed."""
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("QMP connection closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def command(self, name, **arguments):
        """The whole reply to one command: {"return": ...} or {"error": ...}."""
        self.next_id += 1
        msg = {"execute": name, "id": self.next_id}
        if arguments:
            msg["arguments"] = arguments
        self.send_raw(json.dumps(msg))
        while True:
            reply = self.recv()
            if "event" in reply:
                self.events.append(reply)
            elif reply.get("id") == self.next_id:
                return reply
            else:
                raise QMPError("Protocol", f"unexpected reply {reply}")

    def execute(self, name, **arguments):
        reply = self.command(name, **arguments)
        if "error" in reply:
            raise QMPError(reply["error"]["class"], reply["error"]["desc"])
        return reply["return"]

    def wait_event(self, name, timeout=30.0):
        end = time.monotonic() + timeout
        while True:
            for i, ev in enumerate(self.events):
                if ev["event"] == name:
                    return self.events.pop(i)
            left = end - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no {name} event in {timeout} s")
            self.sock.settimeout(left)
            msg = self.recv()
            if "event" in msg:
                self.events.append(msg)
