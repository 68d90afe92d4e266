"""Fixtures of the fault tests (``tests/faults/harness.py``): the broker behind its proxy, this
process as the web, and workers to start and kill."""

import shutil
import subprocess
import uuid

import kombu.pools
import pytest
from celery import current_app

from common import outbox
from tests.faults.harness import (
    BROKER,
    PROXY_PORT,
    RABBITMQ_PORT,
    REDIS_BROKER_URL,
    REDIS_PORT,
    Proxy,
    Worker,
    port_open,
    rabbitmqctl,
    wait_for,
)


@pytest.fixture(scope="module")
def broker(tmp_path_factory):
    if BROKER == "rabbitmq":  # the machine's RabbitMQ (.ci/fault_outbox starts it when it is down)
        wait_for(lambda: port_open(RABBITMQ_PORT), timeout=10, what="rabbitmq to accept connections")
        proxy = Proxy(PROXY_PORT, RABBITMQ_PORT)
        yield proxy
        proxy.shutdown()
        return
    directory = tmp_path_factory.mktemp("redis")
    server = subprocess.Popen(
        [shutil.which("redis-server") or "redis-server", "--port", str(REDIS_PORT), "--bind", "127.0.0.1",
         "--save", "", "--appendonly", "no", "--dir", str(directory)],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    wait_for(lambda: port_open(REDIS_PORT), timeout=10, what="redis to start")
    proxy = Proxy(PROXY_PORT, REDIS_PORT)
    yield proxy
    proxy.shutdown()
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture
def web(broker):
    """This process sends its tasks to the broker behind the proxy (not in-process)."""
    broker.open()
    if BROKER == "rabbitmq":  # a virtual host of this test's own: nothing left over from another run
        vhost = f"pdca-fault-{uuid.uuid4().hex[:10]}"
        rabbitmqctl("add_vhost", vhost)
        rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
        url = f"amqp://guest:guest@127.0.0.1:{PROXY_PORT}/{vhost}"
    else:
        subprocess.run(["redis-cli", "-p", str(REDIS_PORT), "flushall"], check=True, capture_output=True)
        url = REDIS_BROKER_URL
    conf = current_app.conf
    saved = conf.task_always_eager, conf.broker_url
    conf.task_always_eager, conf.broker_url = False, url
    outbox._Breaker.reset()
    yield broker
    conf.task_always_eager, conf.broker_url = saved
    outbox._Breaker.reset()
    kombu.pools.reset()  # the kept publishing connections go with the test's broker
    if BROKER == "rabbitmq":
        rabbitmqctl("delete_vhost", vhost)


@pytest.fixture
def workers(tmp_path):
    started: list[Worker] = []

    def start(name: str, **options) -> Worker:
        worker = Worker(tmp_path, name, **options).start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()
        print(worker.log.read_text()[-4000:])
