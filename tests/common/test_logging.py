import json
import logging

from common.logging import JsonFormatter, RequestContextFilter, request_id_var


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
