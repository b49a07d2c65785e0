"""Serve the current folder on 127.0.0.1 with HTTP range requests, for /vsicurl/ tests.

Writes the port it listens on to ``port.txt`` and stops by itself after ``seconds``.
"""

from __future__ import annotations

import http.server
import os
import re
import sys
import threading


class RangeHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def send_head(self):  # type: ignore[no-untyped-def]
        match = re.fullmatch(r"bytes=(\d+)-(\d*)", self.headers.get("Range", ""))
        path = self.translate_path(self.path)
        if not match or not os.path.isfile(path):
            return super().send_head()
        size = os.path.getsize(path)
        start = int(match.group(1))
        end = min(int(match.group(2) or size - 1), size - 1)
        f = open(path, "rb")
        f.seek(start)
        self.send_response(206)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(end - start + 1))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        self.range_left = end - start + 1
        return f

    def copyfile(self, source, outputfile):  # type: ignore[no-untyped-def]
        left = getattr(self, "range_left", None)
        if left is None:
            return super().copyfile(source, outputfile)
        outputfile.write(source.read(left))


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 60
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), RangeHandler)
    with open("port.txt.tmp", "w") as out:
        out.write(str(server.server_address[1]))
    os.replace("port.txt.tmp", "port.txt")
    threading.Timer(seconds, server.shutdown).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
