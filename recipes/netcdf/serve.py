"""A loopback HTTP server for the recipe's tests: files in this folder with HTTP range
requests (netCDF's byte-range mode), and one OPeNDAP (DAP2) dataset at /dap/grid.

Usage: python serve.py SECONDS; writes the port it listens on to port.txt, serves for SECONDS.
"""
import os
import re
import struct
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

NT, NX = 3, 4
VALUES = [10.0 * t + x for t in range(NT) for x in range(NX)]
DDS = f"Dataset {{\n    Float64 temp[time = {NT}][x = {NX}];\n}} grid;\n"
DAS = ('Attributes {\n    temp {\n        String units "K";\n        Float64 scale 0.5;\n    }\n'
       '    NC_GLOBAL {\n        String title "served over DAP2";\n    }\n}\n')


def dods() -> bytes:
    n = len(VALUES)
    return (DDS + "\nData:\n").encode() + struct.pack(">II", n, n) + struct.pack(f">{n}d", *VALUES)


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def _send(self, code, body, ctype, extra=None, head=False):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _handle(self, head):
        path = self.path.split("?", 1)[0]
        if path.startswith("/dap/grid"):
            suffix = path[len("/dap/grid"):]
            if suffix == ".dds":
                return self._send(200, DDS.encode(), "text/plain", {"Content-Description": "dods-dds"}, head)
            if suffix == ".das":
                return self._send(200, DAS.encode(), "text/plain", {"Content-Description": "dods-das"}, head)
            if suffix == ".dods":
                return self._send(200, dods(), "application/octet-stream", {"Content-Description": "dods-data"}, head)
            return self._send(404, b"no such DAP2 response\n", "text/plain", None, head)
        name = os.path.basename(path)
        if not name or not os.path.isfile(name):
            return self._send(404, b"not found\n", "text/plain", None, head)
        data = open(name, "rb").read()
        m = re.match(r"bytes=(\d+)-(\d*)$", self.headers.get("Range", ""))
        if m:
            start = int(m.group(1))
            end = min(int(m.group(2)) if m.group(2) else len(data) - 1, len(data) - 1)
            return self._send(206, data[start:end + 1], "application/octet-stream",
                              {"Content-Range": f"bytes {start}-{end}/{len(data)}", "Accept-Ranges": "bytes"}, head)
        return self._send(200, data, "application/octet-stream", {"Accept-Ranges": "bytes"}, head)

    def do_GET(self):
        self._handle(False)

    def do_HEAD(self):
        self._handle(True)


if __name__ == "__main__":
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Timer(float(sys.argv[1]) if len(sys.argv) > 1 else 60.0, server.shutdown).start()
    with open("port.txt.tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.replace("port.txt.tmp", "port.txt")
    server.serve_forever()
