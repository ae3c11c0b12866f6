#!/usr/bin/env python3
"""tests/qmp_client.py against a real NvQmpServer (tests/qmp-echo-server):
two -qmp sockets and a -pidfile, negotiation, id-matched replies, error
classes, events across sockets, a 100 MiB line that closes only its own
connection, quit with SHUTDOWN, sockets and pidfile gone at exit. TAP."""
import os
import socket
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qmp_client import QMPClient, QMPError  # noqa: E402

results = []


def check(name, cond, detail=""):
    results.append(cond)
    print(f"{'ok' if cond else 'not ok'} {len(results)} {name}"
          + (f" # {detail}" if detail and not cond else ""), flush=True)


def expect_error(qmp, cls, desc, name, **args):
    try:
        qmp.execute(name, **args)
    except QMPError as e:
        return e.cls == cls and e.desc == desc
    return False


def main():
    server_bin = sys.argv[1]
    with tempfile.TemporaryDirectory(prefix="nvemu-qmpc-") as tmp:
        a_path = os.path.join(tmp, "a.qmp")
        b_path = os.path.join(tmp, "b.qmp")
        pidfile = os.path.join(tmp, "server.pid")
        srv = subprocess.Popen(
            [server_bin, "-qmp", f"unix:{a_path},server=on,wait=off",
             "-qmp", f"unix:{b_path},server,nowait", "-pidfile", pidfile],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            check("server is listening", srv.stdout.readline() == "ready\n")
            with open(pidfile) as f:
                check("pidfile holds the server's pid",
                      f.read() == f"{srv.pid}\n")
            check("sockets are 0600",
                  all(os.stat(p).st_mode & 0o777 == 0o600
                      for p in (a_path, b_path)))

            a = QMPClient(a_path)
            ver = a.greeting["QMP"]["version"]
            check("greeting: version and no capabilities",
                  set(ver["qemu"]) == {"major", "minor", "micro"}
                  and ver["package"].startswith("nvemu-")
                  and a.greeting["QMP"]["capabilities"] == [])
            value = {"list": [1, 2.5, "three", None, True], "n": {"m": {}}}
            check("echo returns the value", a.execute("echo", value=value) == value)
            check("query-version matches the greeting",
                  a.execute("query-version") == ver)
            names = [c["name"] for c in a.execute("query-commands")]
            check("query-commands lists every command",
                  names == ["qmp_capabilities", "query-version",
                            "query-commands", "echo", "emit", "fail", "quit"])
            check("unknown command: CommandNotFound",
                  expect_error(a, "CommandNotFound",
                               "The command nope has not been found", "nope"))
            check("missing argument: GenericError",
                  expect_error(a, "GenericError", "Parameter 'value' is missing",
                               "echo"))
            check("wrong type: GenericError",
                  expect_error(a, "GenericError",
                               "Invalid parameter type for 'event', expected: "
                               "string", "emit", event=5))
            check("handler error class: DeviceNotFound",
                  expect_error(a, "DeviceNotFound",
                               "failing as asked (DeviceNotFound)", "fail",
                               **{"class": "DeviceNotFound"}))

            b = QMPClient(b_path, negotiate=False)
            r = b.command("query-version")
            check("before negotiation: CommandNotFound",
                  r.get("error", {}).get("desc") ==
                  "Expecting capabilities negotiation with 'qmp_capabilities'")
            b.execute("qmp_capabilities")
            a.execute("emit", event="TEST_EVENT", data={"k": "v"})
            ev = b.wait_event("TEST_EVENT", timeout=10)
            ts = ev["timestamp"]
            check("event reaches the other socket with a timestamp",
                  ev["data"] == {"k": "v"} and ts["seconds"] > 1600000000
                  and 0 <= ts["microseconds"] < 1000000)
            ev = a.wait_event("TEST_EVENT", timeout=10)
            check("and the emitting client too", ev["data"] == {"k": "v"})

            # malformed JSON on a raw connection: an error, then still served
            c = QMPClient(a_path)
            c.send_raw('{"execute": "echo", "arguments": {"value": }}\n')
            r = c.recv()
            check("malformed JSON: GenericError",
                  r["error"]["class"] == "GenericError"
                  and r["error"]["desc"].startswith("JSON parse error, "))
            check("and the connection goes on", c.execute("echo", value=1) == 1)

            # 100 MiB without an end: this connection is closed, no other
            big = QMPClient(b_path)
            sent = [0]

            def flood():
                chunk = b"x" * (1 << 20)
                try:
                    big.send_raw(b'{"execute": "echo", "id": "')
                    for _ in range(100):
                        big.sock.sendall(chunk)
                        sent[0] += len(chunk)
                except OSError:
                    pass
            t = threading.Thread(target=flood)
            t.start()
            closed = False
            try:
                while True:
                    big.recv()
            except (ConnectionError, OSError):
                closed = True
            t.join()
            check("100 MiB line: that connection is closed",
                  closed and sent[0] < 100 << 20, f"sent {sent[0]}")
            big.close()
            check("the others are still served",
                  a.execute("echo", value="a") == "a"
                  and b.execute("echo", value="b") == "b"
                  and c.execute("echo", value="c") == "c")
            c.close()

            check("quit returns {}", a.execute("quit") == {})
            ev = b.wait_event("SHUTDOWN", timeout=10)
            check("SHUTDOWN event", ev["data"] == {"guest": False,
                                                  "reason": "host-qmp-quit"})
            rc = srv.wait(timeout=10)
            check("server exits 0", rc == 0, srv.stderr.read())
            check("sockets and pidfile removed at exit",
                  not any(os.path.exists(p) for p in (a_path, b_path, pidfile)))
            a.close()
            b.close()

            # a regular file at the socket path: refused, left alone
            notes = os.path.join(tmp, "notes")
            with open(notes, "w") as f:
                f.write("keep\n")
            p = subprocess.run([server_bin, "-qmp", f"unix:{notes},server,nowait"],
                               capture_output=True, text=True, timeout=10)
            with open(notes) as f:
                kept = f.read() == "keep\n"
            check("regular file at PATH: one-line error, file untouched",
                  p.returncode == 1 and kept and p.stderr.count("\n") == 1
                  and "is not a socket" in p.stderr, p.stderr)
            os.unlink(notes)
        finally:
            if srv.poll() is None:
                srv.kill()
                srv.wait()
    print(f"1..{len(results)}")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
