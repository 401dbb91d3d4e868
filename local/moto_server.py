"""The moto server as local/moto.ts starts it: `python3 -m moto.server`, less two costs paid on every request,
and with DynamoDB's conditional writes made atomic, as DynamoDB's are.

Measured on moto 5.2.1 (a sampling profile of the server under the test suite's SQS and Scheduler load):
- moto.backends.list_of_moto_modules lists moto's package directory and stats each of its ~150 entries, once
  per request, to route it, inside the dispatcher's global lock: a third of the server's busy time, and every
  request waits for it. The directory does not change while the server runs, so the answer is kept.
- werkzeug writes an access log line per request to stderr (through colorama), which the parent process reads
  and drops: a sixth of the server's busy time. It is kept at WARNING, so errors and tracebacks still show,
  unless RUNBOOK_MOTO_REQUEST_LOG=1 asks for the request lines (local/moto.ts sets it when not quiet).

moto checks a DynamoDB write's condition and then writes, with nothing held between the two, on the thread of
each request: two conditional puts of the same key at the same instant can both succeed, which DynamoDB never
allows. The project relies on that guarantee (one approval request per plan, one run per idempotency key), so
DynamoDB's requests are served one at a time. Only DynamoDB's: an SQS long poll holds its request for seconds.

Each change is skipped if a later moto no longer has what it changes: the server then runs as moto ships it.
Usage: python3 local/moto_server.py -H 127.0.0.1 -p PORT (the arguments of `python3 -m moto.server`).
"""

import functools
import logging
import os
import sys
import threading

import moto.backends
import moto.server
from moto.moto_server.werkzeug_app import DomainDispatcherApplication


def _keep_module_list() -> None:
    listing = getattr(moto.backends, "list_of_moto_modules", None)
    if callable(listing):
        # A tuple, not the generator moto returns: the callers only test membership and iterate.
        moto.backends.list_of_moto_modules = functools.lru_cache(maxsize=1)(lambda: tuple(listing()))


def _quiet_request_log() -> None:
    if os.environ.get("RUNBOOK_MOTO_REQUEST_LOG") != "1":
        logging.getLogger("werkzeug").setLevel(logging.WARNING)


def _one_dynamodb_request_at_a_time() -> None:
    serve = DomainDispatcherApplication.__call__
    lock = threading.Lock()

    def call(self, environ, start_response):  # type: ignore[no-untyped-def]
        # The SDK names DynamoDB's operations in this header (DynamoDB_20120810.PutItem); moto builds the
        # response, condition checked and item written, before returning it.
        if environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB_"):
            with lock:
                return serve(self, environ, start_response)
        return serve(self, environ, start_response)

    DomainDispatcherApplication.__call__ = call


if __name__ == "__main__":
    _keep_module_list()
    _quiet_request_log()
    _one_dynamodb_request_at_a_time()
    moto.server.main(sys.argv[1:])
