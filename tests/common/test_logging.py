import json
import logging

from common.logging import GunicornAccessJsonFormatter, JsonFormatter, RequestContextFilter, request_id_var


def test_responses_carry_a_request_id(client):
    response = client.get("/healthz")
    assert len(response["X-Request-ID"]) == 32


def test_a_sane_incoming_request_id_is_kept_and_a_hostile_one_replaced(client):
    assert client.get("/healthz", HTTP_X_REQUEST_ID="lb-1234.abc")["X-Request-ID"] == "lb-1234.abc"
    assert client.get("/healthz", HTTP_X_REQUEST_ID="bad id\nInjected: yes")["X-Request-ID"] != "bad id"


def test_json_log_lines_carry_the_request_id():
    record = logging.LogRecord("pdca", logging.ERROR, __file__, 1, "boom %s", ("x",), None)
    token = request_id_var.set("req-42")
    try:
        RequestContextFilter().filter(record)
    finally:
        request_id_var.reset(token)
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "boom x" and line["request_id"] == "req-42" and line["level"] == "ERROR"


def test_django_s_4xx_warning_lines_carry_the_request_id(client):
    """Django logs "Not Found: /path" after the middleware returned; the line still names the request."""
    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record)

    handler = Keep()
    handler.addFilter(RequestContextFilter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        response = client.get("/no-such-page", HTTP_X_REQUEST_ID="req-404")
    finally:
        logger.removeHandler(handler)

    assert response.status_code == 404
    assert [(r.getMessage(), r.request_id) for r in records] == [("Not Found: /no-such-page", "req-404")]
    assert request_id_var.get() is None, "the id is forgotten once the response is finished"


def test_gunicorn_access_lines_are_json_with_the_request_id_and_a_redacted_path():
    atoms = {"m": "GET", "U": "/calendar/s3cr3t.ics", "s": "200", "h": "10.0.0.1", "D": 12345}
    atoms["{x-request-id}o"] = "req-7"
    record = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, '%(h)s "%(r)s"', (), None)
    record.args = atoms

    line = json.loads(GunicornAccessJsonFormatter().format(record))

    assert line["request_id"] == "req-7"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/calendar/[redacted].ics", "200")
    assert line["duration_ms"] == 12.3 and line["remote_addr"] == "10.0.0.1"
