"""Local TCP clients for the port-forward specs (run by spec/portforward_spec.lua while the
Lua side turns its event loop). Usage: pfclient.py PORT MODE; prints one result line.
  echo N SIZE  N concurrent connections, each sends SIZE random bytes and expects them back
  hold         connects, checks one echo, then waits for the peer to end the connection
  wait         connects and waits for the peer to end the connection (eof or reset)
"""
import os, socket, sys, threading

port, mode = int(sys.argv[1]), sys.argv[2]

def roundtrip(size, results, i):
    try:
        data = os.urandom(size)
        s = socket.create_connection(("127.0.0.1", port), timeout=60)
        def send():
            s.sendall(data)
        t = threading.Thread(target=send)
        t.start()
        got = bytearray()
        while len(got) < size:
            chunk = s.recv(1 << 16)
            if not chunk:
                break
            got += chunk
        t.join()
        s.close()
        results[i] = "ok" if bytes(got) == data else "mismatch %d/%d" % (len(got), size)
    except Exception as e:
        results[i] = "error %s" % e

if mode == "echo":
    n, size = int(sys.argv[3]), int(sys.argv[4])
    results = [None] * n
    threads = [threading.Thread(target=roundtrip, args=(size, results, i)) for i in range(n)]
    for t in threads: t.start()
    for t in threads: t.join()
    bad = [r for r in results if r != "ok"]
    print("ok %d" % n if not bad else "; ".join(bad[:3]))
elif mode == "hold":
    words = []
    try:
        # A forward that fails at once may reset the connection before connect() returns.
        s = socket.create_connection(("127.0.0.1", port), timeout=30)
        s.sendall(b"ping")
        got = s.recv(4)
        words.append("echoed" if got == b"ping" else "no-echo")
        if got == b"ping":
            got = s.recv(1)
        words.append("eof" if got == b"" else "data")
    except (ConnectionResetError, BrokenPipeError):
        if not words:
            words.append("no-echo")
        words.append("reset")
    except socket.timeout:
        words.append("timeout")
    print(" ".join(words))
elif mode == "wait":
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=30)
        print("eof" if s.recv(1) == b"" else "data")
    except (ConnectionResetError, BrokenPipeError):
        print("reset")
    except socket.timeout:
        print("timeout")
