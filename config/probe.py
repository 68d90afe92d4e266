"""Container health checks: ``python -m config.probe web`` or ``python -m config.probe beat``.

web: ``/healthz`` answers 200 within a few seconds (the Host header is the first allowed host, as a
load balancer would send). beat: the heartbeat file beat touches on every tick is recent. The worker
is checked with ``celery -A config inspect ping`` (docker-compose.yml).
"""

import os
import sys
import time
import urllib.request

WEB_TIMEOUT_SECONDS = 3
# Beat ticks at least every CELERY_BEAT_MAX_LOOP_INTERVAL (60 s); three missed ticks mean it is stuck.
BEAT_MAX_AGE_SECONDS = int(os.environ.get("BEAT_HEARTBEAT_MAX_AGE", "180"))


def web() -> bool:
    host = (os.environ.get("DJANGO_ALLOWED_HOSTS") or "localhost").split(",")[0].strip()
    request = urllib.request.Request(
        f"http://127.0.0.1:{os.environ.get('PORT', '8000')}/healthz", headers={"Host": host}
    )
    with urllib.request.urlopen(request, timeout=WEB_TIMEOUT_SECONDS) as response:
        return response.status == 200


def beat() -> bool:
    path = os.environ.get("BEAT_HEARTBEAT_FILE", "/tmp/pdca-beat-heartbeat")
    return os.path.exists(path) and time.time() - os.path.getmtime(path) < BEAT_MAX_AGE_SECONDS


if __name__ == "__main__":
    try:
        healthy = {"web": web, "beat": beat}[sys.argv[1]]()
    except Exception as exc:  # any failure is "unhealthy"; say why for `docker inspect`
        print(f"unhealthy: {exc}")
        healthy = False
    sys.exit(0 if healthy else 1)
