"""The moto server as local/moto.ts starts it: `python3 -m moto.server`, less five costs that moto pays on work
it repeats, and with DynamoDB's conditional writes made atomic, as DynamoDB's are.

Measured on moto 5.2.1 (a sampling profile of the server under the test suite's load):
- moto.backends.list_of_moto_modules lists moto's package directory and stats each of its ~150 entries, once
  per request, to route it, inside the dispatcher's global lock: a third of the server's busy time, and every
  request waits for it. The directory does not change while the server runs, so the answer is kept.
- werkzeug writes an access log line per request to stderr (through colorama), which the parent process reads
  and drops: a sixth of the server's busy time. It is kept at WARNING, so errors and tracebacks still show,
  unless RUNBOOK_MOTO_REQUEST_LOG=1 asks for the request lines (local/moto.ts sets it when not quiet).

moto serves each request on a thread of its own, and its backends are not written for that. It checks a
DynamoDB write's condition and then writes, with nothing held between the two: two conditional puts of the same
key at the same instant can both succeed, which DynamoDB never allows, and the project relies on that guarantee
(one approval request per plan, one run per idempotency key). CloudWatch's DescribeAlarms iterates the live
dict of alarms while another request may add one (Python's "dictionary changed size during iteration": once
in the suite, where every test file provisions alarms in the one shared moto, a post-traffic hook got an error
page instead of the alarms). So requests are
served one at a time, all but SQS's: an SQS long poll holds its request for seconds, and SQS guards its queues
with locks of its own. moto's work is Python under one interpreter lock either way: serving one at a time
costs next to nothing in throughput.

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

moto's BaseResponse lists its class's methods (inspect.getmembers over a few hundred attributes) at every
request, to see whether the action names one: about a tenth of a simple request's time (a DynamoDB PutItem, an
SNS ListTopics). A class's methods do not change while the server runs, so each class's list is kept.

Five costs of the same kind, found by profiling the shared server under the whole suite (CPU time per thread):
- DynamoDB builds an item attribute by attribute into a dict that re-sums the whole item's size at each insert,
  to refuse one past 400 KB: a 20-attribute audit record was sized ~200 times over. The size is summed once as
  the attributes go in, and the item refused at the same attribute.
- SQS GetQueueAttributes built the queue's attribute map three times per attribute asked for, and each map
  counts the visible, delayed and in-flight messages, reading the clock once per message for each count (a
  SendMessage reads the map too). The map is built once per request, and each count reads the clock once.
- moto converts each action's name (ReceiveMessage → receive_message) character by character at every
  request, several times: each name's conversion is kept.
- Each response's 52-character request id was drawn one character per call to the random generator: it is
  drawn in one call, from the same characters.
Together about two fifths of moto's own time on a workload of audit records and a DLQ 300 deep.

And DynamoDB's attribute values, the bulk of every item read back: moto's serializer walks each one as a
structure of ten members, asking for each member where the value might hold it, when the value moto hands it
is already the wire's JSON (a dict of one member: a string, a number's string, a boolean, a list of strings,
or a map or list of such values). Such a value is written as it is; anything else (a binary value, which moto
base64-encodes; an object) goes moto's own way. Reading back audit records: a third of the time the
serializer took, byte for byte the same (a property run over random nested items checked it).

One answer moto gets wrong, which the runbook reads: DescribeAlarms uses only the first of ActionPrefix,
AlarmNamePrefix, AlarmNames and StateValue it is given, where CloudWatch applies StateValue with the others. So
"these alarms, those in ALARM" answered every alarm named, OK ones included (fleet status listed them as in
ALARM). StateValue now filters whatever the other parameters selected, as CloudWatch does.

Each change is skipped if a later moto no longer has what it changes: the server then runs as moto ships it.
Usage: python3 local/moto_server.py -H 127.0.0.1 -p PORT (the arguments of `python3 -m moto.server`).

With --fork-server SOCKET it serves no AWS request itself: it loads moto once, sends one request to each
service the project uses (moto imports a service's modules and parses its botocore model on first use: ~2 CPU-s
per server, 1.8 s of it for the tagging API alone), clears what that created, and then forks a fresh server
for each request on SOCKET (a line of JSON: port and owner pid; answered with the pid). A forked server is
moto's own server on the warmed application, with nothing in it and no log (local/moto.ts starts one asked
to show its log directly); it stops on SIGTERM, and by itself once its owner has gone. A server started
directly stops by itself once the process that started it has gone. The test suite starts
moto a dozen times and more (a CLI test's --emulator, the drill, each bench section): local/moto.ts forks them
here when RUNBOOK_MOTO_FORK_SERVER names the socket.
"""

import functools
import gc
import json
import logging
import os
import random
import select
import signal
import socket
import string
import sys
import threading

import moto.backends
import moto.core.responses
import moto.core.serialize
import moto.core.utils
import moto.server
import moto.sqs.models
from moto.core.utils import unix_time
from moto.moto_server.werkzeug_app import DomainDispatcherApplication


def _keep_module_list() -> None:
    listing = getattr(moto.backends, "list_of_moto_modules", None)
    if callable(listing):
        # A tuple, not the generator moto returns: the callers only test membership and iterate.
        moto.backends.list_of_moto_modules = functools.lru_cache(maxsize=1)(lambda: tuple(listing()))


def _method_names_once_per_class() -> None:
    responses = moto.core.responses
    listing = getattr(responses, "method_names_from_class", None)
    if callable(listing):
        # call_action only tests `action in method_names`: a frozenset answers it as the list did.
        responses.method_names_from_class = functools.cache(lambda clazz: frozenset(listing(clazz)))


def _quiet_request_log() -> None:
    if os.environ.get("RUNBOOK_MOTO_REQUEST_LOG") != "1":
        logging.getLogger("werkzeug").setLevel(logging.WARNING)


def _is_sqs(environ) -> bool:  # type: ignore[no-untyped-def]
    # The SDK names SQS's operations in this header (AmazonSQS.ReceiveMessage); the query protocol's requests
    # (the aws CLI v1) say the service in their signature's scope.
    return environ.get("HTTP_X_AMZ_TARGET", "").startswith("AmazonSQS.") or "/sqs/aws4_request" in environ.get(
        "HTTP_AUTHORIZATION", ""
    )


def _one_request_at_a_time_but_sqs() -> None:
    serve = DomainDispatcherApplication.__call__
    lock = threading.Lock()

    def call(self, environ, start_response):  # type: ignore[no-untyped-def]
        # moto builds the whole response (condition checked and item written, alarms listed) before returning it.
        if _is_sqs(environ):
            return serve(self, environ, start_response)
        with lock:
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


def _attribute_values_direct() -> None:
    serialize = moto.core.serialize
    json_class = getattr(serialize, "BaseJSONSerializer", None)
    structure = getattr(json_class, "_serialize_type_structure", None)
    picker_class = getattr(serialize, "XFormedAttributePicker", None)
    if structure is None or picker_class is None:
        return
    members = {"S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL"}
    scalars = {"S": str, "N": str, "BOOL": bool, "NULL": bool}
    shapes: dict = {}  # type: ignore[type-arg]

    class Other(Exception):
        pass

    def plain(value):  # type: ignore[no-untyped-def]
        # What moto's walk makes of an attribute value that is a plain dict of one member: the same dict, its
        # maps and lists walked likewise. Anything else (a blob, which moto encodes; an object; a value of
        # another type) goes moto's own way, whole.
        if type(value) is not dict or len(value) != 1:
            raise Other
        ((kind, inner),) = value.items()
        wanted = scalars.get(kind)
        if wanted is not None:
            if type(inner) is not wanted:
                raise Other
            return {kind: inner}
        if kind in ("SS", "NS"):
            if type(inner) is not list or any(type(item) is not str for item in inner):
                raise Other
            return {kind: list(inner)}
        if kind == "M" and type(inner) is dict:
            return {"M": {name: plain(item) for name, item in inner.items()}}
        if kind == "L" and type(inner) is list:
            return {"L": [plain(item) for item in inner]}
        raise Other

    def serialize_structure(self, serialized, value, shape, key):  # type: ignore[no-untyped-def]
        dynamodb = shapes.get(shape)
        if dynamodb is None:
            dynamodb = shapes[shape] = shape.name == "AttributeValue" and set(shape.members) == members
        picker = self._value_picker
        if dynamodb and key and type(picker) is picker_class and not picker.response_transformers:
            try:
                direct = plain(value)
            except Other:
                pass
            else:
                serialized[self.get_serialized_name(shape, key)] = direct
                return
        structure(self, serialized, value, shape, key)

    json_class._serialize_type_structure = serialize_structure


def _names_converted_once() -> None:
    original = getattr(moto.core.utils, "camelcase_to_underscores", None)
    if not callable(original):
        return
    cached = functools.lru_cache(maxsize=8192)(original)
    moto.core.utils.camelcase_to_underscores = cached
    # Modules that imported it by name before this ran hold the original: give them the kept one too (those
    # imported later, a service's on its first request, import the kept one).
    for module in list(sys.modules.values()):
        if getattr(module, "__name__", "").startswith("moto.") and (
            getattr(module, "camelcase_to_underscores", None) is original
        ):
            module.camelcase_to_underscores = cached


def _request_ids_in_one_draw() -> None:
    from moto.moto_api._internal.moto_random import MotoRandom

    if not callable(getattr(MotoRandom, "get_random_string", None)):
        return

    def get_random_string(self, length=20, include_digits=True, lower_case=False):  # type: ignore[no-untyped-def]
        pool = string.ascii_letters + (string.digits if include_digits else "")
        value = "".join(self.choices(pool, k=length))
        return value.lower() if lower_case else value

    MotoRandom.get_random_string = get_random_string


def _item_size_summed_once() -> None:
    from moto.dynamodb.models import dynamo_type

    item, limited, typed = (getattr(dynamo_type, name, None) for name in ("Item", "LimitedSizeDict", "DynamoType"))
    bytesize = getattr(dynamo_type, "bytesize", None)
    too_large = getattr(dynamo_type, "ItemSizeTooLarge", None)
    if None in (item, limited, typed, bytesize, too_large):
        return

    def __init__(self, hash_key, range_key, attrs):  # type: ignore[no-untyped-def]
        self.hash_key = hash_key
        self.range_key = range_key
        self.attrs = limited()
        size = 0
        for key, value in attrs.items():
            attribute = typed(value)
            # What LimitedSizeDict checks at each insert, summed as it goes: the same item refused at the
            # same attribute, with each attribute's size computed once.
            size += bytesize(key) + attribute.size()
            if size > 405000:
                raise too_large
            dict.__setitem__(self.attrs, key, attribute)

    item.__init__ = __init__


def _queue_attributes_read_once() -> None:
    backend = getattr(moto.sqs.models, "SQSBackend", None)
    original = getattr(backend, "get_queue_attributes", None)
    if original is None or not hasattr(moto.sqs.models, "InvalidAttributeName"):
        return

    def get_queue_attributes(self, queue_name, attribute_names):  # type: ignore[no-untyped-def]
        queue = self.get_queue(queue_name)
        if not attribute_names:
            return {}
        valid_names = ["All"] + queue.BASE_ATTRIBUTES + queue.FIFO_ATTRIBUTES + queue.KMS_ATTRIBUTES
        invalid_name = next((name for name in attribute_names if name not in valid_names), None)
        if invalid_name or invalid_name == "":
            raise moto.sqs.models.InvalidAttributeName(invalid_name)
        whole = queue.attributes
        if "All" in attribute_names:
            return whole
        return {name: whole[name] for name in attribute_names if whole.get(name) is not None}

    backend.get_queue_attributes = get_queue_attributes


def _queue_counts_at_one_instant() -> None:
    queue = getattr(moto.sqs.models, "Queue", None)
    clock = getattr(moto.sqs.models, "unix_time_millis", None)
    names = ("approximate_number_of_messages", "approximate_number_of_messages_delayed",
             "approximate_number_of_messages_not_visible")
    if queue is None or clock is None or not all(isinstance(getattr(queue, name, None), property) for name in names):
        return

    # Message.visible and Message.delayed each read the clock: a count read it once per message and per test.
    def visible(self):  # type: ignore[no-untyped-def]
        now = clock()
        return sum(1 for m in self._messages if now > m.visible_at and not now < m.delayed_until)

    def delayed(self):  # type: ignore[no-untyped-def]
        now = clock()
        return sum(1 for m in self._messages if now < m.delayed_until)

    def not_visible(self):  # type: ignore[no-untyped-def]
        now = clock()
        return sum(1 for m in self._messages if not now > m.visible_at)

    for name, count in zip(names, (visible, delayed, not_visible)):
        setattr(queue, name, property(count))


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


# One request per service the project's SDK clients call (package.json's @aws-sdk/client-*, and IAM and STS for
# the emulator's roles and accounts), each through the paths the first real request would take: the service's
# modules, its botocore model, its URL rules and response serializer. DynamoDB and the tagging API (the fleet's
# discovery) also run a query, whose first run loads more of moto than a listing does.
_WARM_UP = [
    ("dynamodb", "POST", "/", "DynamoDB_20120810.CreateTable", {
        "TableName": "warm-up", "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}]}),
    ("dynamodb", "POST", "/", "DynamoDB_20120810.Query", {
        "TableName": "warm-up", "KeyConditionExpression": "id = :id",
        "ExpressionAttributeValues": {":id": {"S": "x"}}}),
    ("sqs", "POST", "/", "AmazonSQS.ListQueues", {}),
    ("lambda", "GET", "/2015-03-31/functions/", None, None),
    ("scheduler", "GET", "/schedule-groups", None, None),
    ("secretsmanager", "POST", "/", "secretsmanager.ListSecrets", {}),
    ("codedeploy", "POST", "/", "CodeDeploy_20141006.ListApplications", {}),
    ("tagging", "POST", "/", "ResourceGroupsTaggingAPI_20170126.GetResources", {
        "ResourceTypeFilters": ["lambda:function"], "TagFilters": [{"Key": "warm-up", "Values": ["x"]}]}),
    ("sns", "POST", "/", None, {"Action": "ListTopics", "Version": "2010-03-31"}),
    ("monitoring", "POST", "/", None, {"Action": "DescribeAlarms", "Version": "2010-08-01"}),
    ("iam", "POST", "/", None, {"Action": "ListRoles", "Version": "2010-05-08"}),
    ("sts", "POST", "/", None, {"Action": "GetCallerIdentity", "Version": "2011-06-15"}),
    ("cloudformation", "POST", "/", None, {"Action": "ListStacks", "Version": "2010-05-15"}),
]


def _alarm_state_with_names() -> None:
    try:
        from moto.cloudwatch.responses import CloudWatchResponse
    except ImportError:
        return
    action_result = getattr(moto.core.responses, "ActionResult", None)
    if action_result is None or not hasattr(CloudWatchResponse, "describe_alarms"):
        return

    # moto's describe_alarms (5.2.1), with StateValue applied to what the others selected.
    def describe_alarms(self):  # type: ignore[no-untyped-def]
        action_prefix = self._get_param("ActionPrefix")
        alarm_name_prefix = self._get_param("AlarmNamePrefix")
        alarm_names = self._get_param("AlarmNames", [])
        state_value = self._get_param("StateValue")
        backend = self.cloudwatch_backend
        if action_prefix:
            alarms = backend.get_alarms_by_action_prefix(action_prefix)
        elif alarm_name_prefix:
            alarms = backend.get_alarms_by_alarm_name_prefix(alarm_name_prefix)
        elif alarm_names:
            alarms = backend.get_alarms_by_alarm_names(alarm_names)
        else:
            alarms = backend.describe_alarms()
        if state_value:
            alarms = [alarm for alarm in alarms if alarm.state_value == state_value]
        return action_result(
            {
                "MetricAlarms": [alarm for alarm in alarms if alarm.rule is None],
                "CompositeAlarms": [alarm for alarm in alarms if alarm.rule is not None],
            }
        )

    CloudWatchResponse.describe_alarms = describe_alarms


def _warmed_application() -> DomainDispatcherApplication:
    from moto.moto_server.werkzeug_app import create_backend_app
    from werkzeug.test import Client

    app = DomainDispatcherApplication(create_backend_app)
    app.debug = True  # as moto.server.main sets it
    client = Client(app)
    for service, method, path, target, body in _WARM_UP:
        headers = {
            "Authorization": f"AWS4-HMAC-SHA256 Credential=warm-up/20260101/us-east-1/{service}/aws4_request, "
            "SignedHeaders=host, Signature=warm-up"
        }
        if target:
            headers.update({"X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.0"})
            client.open(path, method=method, data=json.dumps(body), headers=headers)
        else:
            client.open(path, method=method, data=body, headers=headers)
    # Nothing the warm-up created is left for a forked server to find.
    client.post("/moto-api/reset")
    return app


def _serve_forked(app: DomainDispatcherApplication, port: int, owner: int) -> None:
    from moto.moto_api._internal import mock_random
    from werkzeug.serving import run_simple

    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    os.environ["MOTO_PORT"] = str(port)  # as moto.server.main sets it
    # Each server its own ids: a fork starts from its parent's random state.
    random.seed()
    mock_random.seed()
    # No log: local/moto.ts starts a server asked to show its log directly, not by fork.
    quiet = os.open(os.devnull, os.O_WRONLY)
    os.dup2(quiet, 1)
    os.dup2(quiet, 2)

    def watch_owner() -> None:
        while True:
            try:
                os.kill(owner, 0)
            except ProcessLookupError:
                os._exit(0)
            except PermissionError:
                pass  # alive, under another user
            threading.Event().wait(0.5)

    threading.Thread(target=watch_owner, daemon=True).start()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGINT, lambda *_: sys.exit(0))
    run_simple("127.0.0.1", port, app, threaded=True)


def _stop_with_parent() -> None:
    """A server started directly (`runbook emulator`, the drill, `--emulator`) ends with the process that started
    it, even one killed by SIGKILL or a crash, which can stop nothing: reparented, the server would keep its port
    and its memory with nobody left to use them, as a forked server would without its owner watch."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            threading.Event().wait(0.5)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


def _fork_server(path: str) -> None:
    app = _warmed_application()
    # What the warm-up loaded stays shared with every fork, untouched by the collector (copy-on-write).
    gc.collect()
    gc.freeze()
    if os.path.exists(path):
        os.unlink(path)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # forked servers are reaped as they exit
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    parent = os.getppid()
    print(f"fork server ready on {path}", flush=True)
    try:
        while os.getppid() == parent:
            if not select.select([listener], [], [], 1.0)[0]:
                continue
            conn, _ = listener.accept()
            with conn:
                asked = json.loads(conn.makefile("r").readline())
                pid = os.fork()
                if pid == 0:
                    try:
                        listener.close()
                        conn.close()
                        _serve_forked(app, int(asked["port"]), int(asked["owner"]))
                    finally:
                        os._exit(0)
                conn.sendall(json.dumps({"pid": pid}).encode() + b"\n")
    finally:
        listener.close()
        if os.path.exists(path):
            os.unlink(path)


if __name__ == "__main__":
    _keep_module_list()
    _method_names_once_per_class()
    _quiet_request_log()
    _one_request_at_a_time_but_sqs()
    _retention_from_the_queue()
    _faster_serializer()
    _attribute_values_direct()
    _names_converted_once()
    _request_ids_in_one_draw()
    _item_size_summed_once()
    _queue_attributes_read_once()
    _queue_counts_at_one_instant()
    _alarm_state_with_names()
    if sys.argv[1:2] == ["--fork-server"]:
        _fork_server(sys.argv[2])
    else:
        _stop_with_parent()
        moto.server.main(sys.argv[1:])
