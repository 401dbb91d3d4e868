"""The moto server as local/moto.ts starts it: `python3 -m moto.server`, less four costs that moto pays on work
it repeats, and with DynamoDB's conditional writes made atomic, as DynamoDB's are.

Measured on moto 5.2.1 (a sampling profile of the server under the test suite's load):
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

SQS's ReceiveMessage checks each message it returns against the queue's retention period by building the
queue's whole attribute map three times over, and that map counts the visible, in-flight and delayed messages
by walking the queue: a receive cost grew with the square of the queue's depth (a third of the server's busy
time under the drainer's tests, 300 messages deep). The period is read from the queue itself instead, which is
what that map read it from.

moto's response serializer (DynamoDB's, IAM's, SNS's, …) finds each member of a response by asking six alias
rules, built anew for every value, which keys the object might hold it under: two fifths of the server's busy
time, most of it on DynamoDB items, where each attribute value is a structure of ten members of which one is
there (reading back 50 audit records asked ~29,000 times). The keys depend only on the rules, the object's
class, the member's name and its shape (with the structure holding it), so they are kept per combination (an
object carrying aliases of its own, a Meta on the instance, is still asked each time); and a member none of
whose keys a dict holds is skipped, as the serializer skips the None it would find (unless the response
transforms values). Reading back DynamoDB items is 2.5-3 times faster, byte for byte the same.

Each change is skipped if a later moto no longer has what it changes: the server then runs as moto ships it.
Usage: python3 local/moto_server.py -H 127.0.0.1 -p PORT (the arguments of `python3 -m moto.server`).
"""

import functools
import logging
import os
import sys
import threading

import moto.backends
import moto.core.serialize
import moto.server
import moto.sqs.models
from moto.core.utils import unix_time
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


def _retention_from_the_queue() -> None:
    backend = getattr(moto.sqs.models, "SQSBackend", None)
    check = getattr(backend, "is_message_valid_based_on_retention_period", None)
    if check is None:
        return

    def valid(self, queue_name, message):  # type: ignore[no-untyped-def]
        period = getattr(self.get_queue(queue_name), "message_retention_period", None)
        if not isinstance(period, int):
            return check(self, queue_name, message)
        return period + message.sent_timestamp / 1000 > unix_time()

    backend.is_message_valid_based_on_retention_period = valid


def _faster_serializer() -> None:
    serialize = moto.core.serialize
    picker_class = getattr(serialize, "XFormedAttributePicker", None)
    context_class = getattr(serialize, "AttributePickerContext", None)
    possible_keys = getattr(picker_class, "get_possible_keys", None)
    member = getattr(getattr(serialize, "ResponseSerializer", None), "_serialize_structure_member", None)
    if possible_keys is None or context_class is None or member is None:
        return
    known: dict[tuple, tuple] = {}  # type: ignore[type-arg]

    def keys_of(picker, obj, key, shape, context):  # type: ignore[no-untyped-def]
        # The shape objects themselves (botocore keeps them for the life of the model), not their ids: an id
        # may be reused once its object is gone.
        known_key = (tuple(picker.alias_providers), type(obj), key, shape, getattr(shape, "parent", None))
        keys = known.get(known_key)
        if keys is None:
            keys = known[known_key] = tuple(possible_keys(picker, context()))
        return keys

    def remembered(self, context):  # type: ignore[no-untyped-def]
        if "Meta" in getattr(context.obj, "__dict__", ()):
            return possible_keys(self, context)
        return keys_of(self, context.obj, context.key, context.shape, lambda: context)

    def structure_member(self, serialized, value, shape, key):  # type: ignore[no-untyped-def]
        picker = self._value_picker
        # A dict without any key the member could be under gives None, which is not serialized: unless a
        # transformer would make something of that None.
        if type(value) is dict and type(picker) is picker_class and not picker.response_transformers:

            def context():  # type: ignore[no-untyped-def]
                # As the serializer's get_value builds it.
                return context_class(
                    obj=value,
                    key=key,
                    shape=shape,
                    operation_model=self.operation_model,
                    service_model=self.operation_model.service_model,
                    key_path=".".join(self.path),
                )

            if not any("." in name or name in value for name in keys_of(picker, value, key, shape, context)):
                return
        member(self, serialized, value, shape, key)

    picker_class.get_possible_keys = remembered
    serialize.ResponseSerializer._serialize_structure_member = structure_member


if __name__ == "__main__":
    _keep_module_list()
    _quiet_request_log()
    _one_dynamodb_request_at_a_time()
    _retention_from_the_queue()
    _faster_serializer()
    moto.server.main(sys.argv[1:])
