"""kwhisk sim: the action runtime of OpenWhisk's Python images (openwhisk/action-python-v3*,
openwhisk/python3action), run with Debian's `python3` as one process per pod:
python3 python3.py HOST PORT WORKDIR.

A real image runs the Go action-loop proxy (apache/openwhisk-runtime-go: openwhisk/
initHandler.go, runHandler.go, executor.go) with OW_LOG_INIT_ERROR=1 and OW_WAIT_FOR_ACK=1,
the compiler bin/compile and the launcher lib/launcher.py (apache/openwhisk-runtime-python,
core/python3ActionLoop). This process plays both parts: the action runs in it instead of in
a launcher child, and a launcher that would have exited (sys.exit, a crash outside main)
answers as the proxy does then. Status codes, texts and sentinels are the proxy's.
stdout and stderr are pipes the sim writes to the pod's CRI log.
"""
import ast
import base64
import binascii
import importlib.util
import io
import json
import os
import signal
import sys
import time
import traceback
import zipfile
from http.server import BaseHTTPRequestHandler, HTTPServer

SENTINEL = "XXX_THE_END_OF_A_WHISK_ACTIVATION_XXX\n"
LOG_INIT_ERROR_CODE = 502


class Proxy:
    """The state of the action-loop proxy: initialized, and the action's main (None when no
    action runs: never initialized, or its launcher exited)."""

    def __init__(self, workdir):
        self.workdir = workdir
        self.initialized = False
        self.main = None
        self.count = 0


def guard():
    sys.stdout.flush()
    sys.stderr.flush()
    sys.stdout.write(SENTINEL)
    sys.stderr.write(SENTINEL)
    sys.stdout.flush()
    sys.stderr.flush()


def log_init_error(text, answer):
    """initHandler.go with OW_LOG_INIT_ERROR set: the cause to stderr, then the guards."""
    sys.stderr.write(text + "\n")
    guard()
    return LOG_INIT_ERROR_CODE, {"error": answer}


def set_env(env):
    """actionProxy.go SetEnv: strings as they are, anything else as JSON."""
    for key, value in (env or {}).items():
        os.environ[key] = value if isinstance(value, str) else json.dumps(value)


def extract(proxy, buf, binary):
    """extractor.go: a zip is unpacked into src/, anything else is the file src/exec."""
    proxy.count += 1
    src = os.path.join(proxy.workdir, str(proxy.count), "src")
    os.makedirs(src, exist_ok=True)
    if binary and buf[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(buf)) as z:
            z.extractall(src)
    else:
        with open(os.path.join(src, "exec"), "wb") as f:
            f.write(buf)
    return src


def compile_action(src):
    """bin/compile: exec -> __main__.py -> main__.py, then a syntax check; what it prints
    is the compile error (compiler.go)."""
    if os.path.exists(os.path.join(src, "exec")):
        os.rename(os.path.join(src, "exec"), os.path.join(src, "__main__.py"))
    if os.path.exists(os.path.join(src, "__main__.py")):
        os.rename(os.path.join(src, "__main__.py"), os.path.join(src, "main__.py"))
    path = os.path.join(src, "main__.py")
    if not os.path.exists(path):
        return "Zip file does not include main__\n"
    try:
        with open(path, "rb") as f:
            ast.parse(f.read().decode("utf-8"))
    except SyntaxError as er:
        return er.msg
    return ""


def start_action(proxy, src, main):
    """exec__.py's `from main__ import MAIN as main`, in this process; False when the
    launcher would have exited (the traceback is on stderr, as Python prints it)."""
    sys.path.insert(0, src)
    os.chdir(src)
    path = os.path.join(src, "main__.py")
    try:
        spec = importlib.util.spec_from_file_location("main__", path)
        module = importlib.util.module_from_spec(spec)
        sys.modules["main__"] = module
        spec.loader.exec_module(module)
    except BaseException:  # the launcher dies of anything, SystemExit included
        traceback.print_exc()
        return False
    if not hasattr(module, main):
        sys.stderr.write("Traceback (most recent call last):\n  File \"exec__.py\", in "
                         "<module>\nImportError: cannot import name '%s' from 'main__' (%s)\n"
                         % (main, path))
        return False
    proxy.main = getattr(module, main)
    return True


def init(proxy, body):
    if proxy.initialized:
        msg = "Cannot initialize the action more than once."
        sys.stderr.write(time.strftime("%Y/%m/%d %H:%M:%S ") + msg + "\n")
        return 403, {"error": msg}
    try:
        value = json.loads(body).get("value") or {}
    except (ValueError, AttributeError) as err:
        return 400, {"error": "Error unmarshaling request: %s" % err}
    code = value.get("code") or ""
    if code == "":
        return 403, {"error": "Missing main/no code to execute."}
    set_env(value.get("env"))
    main = value.get("main") or "main"
    if value.get("binary"):
        try:
            buf = base64.b64decode(code, validate=True)
        except (binascii.Error, ValueError) as err:
            return 400, {"error": "cannot decode the request: %s" % err}
    else:
        buf = code.encode("utf-8")
    try:
        src = extract(proxy, buf, value.get("binary"))
        out = compile_action(src)
    except (OSError, zipfile.BadZipFile) as err:
        out = str(err)
    if out:
        return log_init_error(out, "The action failed to generate or locate a binary. "
                              "See logs for details.")
    if not start_action(proxy, src, main):
        return log_init_error("Command exited abruptly during initialization.",
                              "Cannot start action. Check logs for details.")
    proxy.initialized = True
    return 200, "{\"ok\":true}\n"


def interact(proxy, args):
    """One launcher loop iteration: the answer line, or None when the launcher exits."""
    try:
        payload = {}
        for key in args:
            if key == "value":
                payload = args["value"]
            else:
                os.environ["__OW_%s" % key.upper()] = args[key]
        try:
            res = proxy.main(payload)
        except Exception as ex:
            print(traceback.format_exc(), file=sys.stderr)
            res = {"error": str(ex)}
        return json.dumps(res, ensure_ascii=False) + "\n"
    except BaseException:
        traceback.print_exc()
        return None
    finally:
        guard()


def run(proxy, body):
    if proxy.main is None:
        return 500, {"error": "no action defined yet"}
    try:
        args = json.loads(body.replace(b"\n", b""))
    except ValueError:
        args = None
    line = interact(proxy, args) if isinstance(args, dict) else None
    if line is None:
        proxy.main = None
        return 400, {"error": "command exited"}
    if not isinstance(json.loads(line), (dict, list, type(None))):
        return 502, {"error": "The action did not return a dictionary or array."}
    return 200, line


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    proxy = None

    def answer(self, code, value):
        text = value if isinstance(value, str) else json.dumps(value) + "\n"
        data = text.encode("utf-8")
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        if self.path == "/init":
            self.answer(*init(self.proxy, body or b"{}"))
        elif self.path == "/run":
            self.answer(*run(self.proxy, body))
        else:  # actionProxy.go ServeHTTP has no default case: an empty 200
            self.answer(200, "")

    do_POST = handle_any
    do_GET = handle_any

    def log_message(self, *args):
        pass


def main():
    host, port, workdir = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    # A container's PID 1 without a handler: SIGTERM and SIGINT do nothing.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.stdout.reconfigure(encoding="utf-8")  # the launcher's PYTHONIOENCODING=UTF-8
    sys.stderr.reconfigure(encoding="utf-8")
    Handler.proxy = Proxy(workdir)
    HTTPServer((host, port), Handler).serve_forever()


if __name__ == "__main__":
    main()
