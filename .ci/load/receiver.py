"""The outside world: a webhook receiver on loopback that counts each event it gets with a valid signature."""

import hashlib
import hmac
import json
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from improvement.services.webhooks import SIGNATURE_HEADER


class Receiver(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), ReceiverHandler)
        self.secret = ""
        self.events: Counter[str] = Counter()
        self.bad_signatures = 0
        self.lock = threading.Lock()


class ReceiverHandler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        fields = dict(part.split("=", 1) for part in self.headers[SIGNATURE_HEADER].split(","))
        expected = hmac.new(self.server.secret.encode(), f"{fields['t']}.".encode() + body, hashlib.sha256)
        with self.server.lock:
            if hmac.compare_digest(expected.hexdigest(), fields["v1"]):
                self.server.events[json.loads(body)["id"]] += 1
            else:
                self.server.bad_signatures += 1
        self.send_response(204)
        self.end_headers()

    def log_message(self, format, *args):
        pass
