"""Health checking and server reflection against a running seedrl server, with the
official clients (PyPI grpcio-health-checking and grpcio-reflection).

Usage: SEEDRL_TOKEN=... check-health-reflection.py PORT SERVER_PID
Prints one line per check; exits non-zero on the first failure. Ends by sending SIGTERM
to SERVER_PID while a Watch is open: the watcher must see NOT_SERVING before its stream ends.
One host may hold 8 Watch calls at once; the 9th is refused.
"""
import os
import signal
import sys
import time

import grpc
from google.protobuf import descriptor_pool, message_factory
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase
from grpc_reflection.v1alpha import reflection_pb2 as alpha_pb2, reflection_pb2_grpc as alpha_grpc

port, server_pid = sys.argv[1], int(sys.argv[2])
token = os.environ["SEEDRL_TOKEN"]
target = f"127.0.0.1:{port}"
bearer = (("authorization", f"Bearer {token}"),)


def check(condition, what):
    print(("ok   " if condition else "FAIL ") + what, flush=True)
    if not condition:
        sys.exit(1)


class WithToken(grpc.UnaryUnaryClientInterceptor, grpc.StreamStreamClientInterceptor):
    """Adds the bearer token to every call (what grpcurl's -H does)."""

    def _add(self, details):
        metadata = list(details.metadata or []) + list(bearer)
        return details._replace(metadata=metadata)

    def intercept_unary_unary(self, continuation, details, request):
        return continuation(self._add(details), request)

    def intercept_stream_stream(self, continuation, details, requests):
        return continuation(self._add(details), requests)


channel = grpc.insecure_channel(target)
health = health_pb2_grpc.HealthStub(channel)

# 1. Health: answered without a token, for the server and any service name.
reply = health.Check(health_pb2.HealthCheckRequest(), timeout=10)
check(reply.status == health_pb2.HealthCheckResponse.SERVING, "Check('') without a token: SERVING")
reply = health.Check(health_pb2.HealthCheckRequest(service="seedrl.v1.Learner"), timeout=10)
check(reply.status == health_pb2.HealthCheckResponse.SERVING, "Check('seedrl.v1.Learner') without a token: SERVING")

# 2. The Learner itself still wants the token.
learner_get_spec = channel.unary_unary("/seedrl.v1.Learner/GetSpec", request_serializer=lambda m: m,
                                       response_deserializer=lambda b: b)
try:
    learner_get_spec(b"", timeout=10)
    check(False, "GetSpec without a token is refused")
except grpc.RpcError as error:
    check(error.code() == grpc.StatusCode.UNAUTHENTICATED, f"GetSpec without a token is refused ({error.code().name})")

# 3. Reflection needs the token where the server has one.
alpha = alpha_grpc.ServerReflectionStub(channel)
try:
    list(alpha.ServerReflectionInfo(iter([alpha_pb2.ServerReflectionRequest(list_services="")]), timeout=10))
    check(False, "reflection without a token is refused")
except grpc.RpcError as error:
    check(error.code() == grpc.StatusCode.UNAUTHENTICATED, f"reflection without a token is refused ({error.code().name})")

# 4. With the token: list the services, then build the contract from the server's own
# descriptors (nothing of learner.proto on this side) and call GetSpec and GetStats.
authorised = grpc.intercept_channel(channel, WithToken())
database = ProtoReflectionDescriptorDatabase(authorised)
services = set(database.get_services())
check({"seedrl.v1.Learner", "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection"} <= services,
      f"reflection (v1alpha) lists {sorted(services)}")
pool = descriptor_pool.DescriptorPool(database)
learner = pool.FindServiceByName("seedrl.v1.Learner")
check({m.name for m in learner.methods} >= {"GetSpec", "Act", "ActBatch", "GetStats"},
      "seedrl.v1.Learner's methods come from reflection: " + ", ".join(m.name for m in learner.methods))
for method_name in ("GetSpec", "GetStats"):
    method = learner.methods_by_name[method_name]
    request_class = message_factory.GetMessageClass(method.input_type)
    reply_class = message_factory.GetMessageClass(method.output_type)
    call = authorised.unary_unary(f"/seedrl.v1.Learner/{method_name}", request_serializer=lambda m: m.SerializeToString(),
                                  response_deserializer=reply_class.FromString)
    reply = call(request_class(), timeout=10)
    fields = {field.name for field, _ in reply.ListFields()}
    check(bool(fields), f"{method_name} through reflected descriptors answers with {sorted(fields)}")
try:
    pool.FindMessageTypeByName("seedrl.v1.NoSuchMessage")
    check(False, "an unknown symbol is not found")
except KeyError:
    check(True, "an unknown symbol is not found")

# The v1 service answers the same way (grpcurl asks v1 first).
v1_info = authorised.stream_stream("/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
                                   request_serializer=alpha_pb2.ServerReflectionRequest.SerializeToString,
                                   response_deserializer=alpha_pb2.ServerReflectionResponse.FromString)
answers = list(v1_info(iter([alpha_pb2.ServerReflectionRequest(list_services=""),
                             alpha_pb2.ServerReflectionRequest(file_by_filename="seedrl/v1/learner.proto"),
                             alpha_pb2.ServerReflectionRequest(file_containing_symbol="nope.Nothing")]), timeout=10))
check(len(answers) == 3 and answers[0].HasField("list_services_response")
      and answers[1].HasField("file_descriptor_response") and answers[2].error_response.error_code == grpc.StatusCode.NOT_FOUND.value[0],
      "reflection v1: list, file by name, NOT_FOUND for an unknown symbol")

# 5. One host holds at most 8 Watch calls: the 9th is refused, Check still answers, and a
# slot given back is taken again (the server frees it when it sees the cancel: retried).
watches = [health.Watch(health_pb2.HealthCheckRequest()) for _ in range(8)]
check(all(next(w).status == health_pb2.HealthCheckResponse.SERVING for w in watches), "8 Watch calls from one host: SERVING")
try:
    next(health.Watch(health_pb2.HealthCheckRequest(), timeout=10))
    check(False, "a 9th Watch from the same host is refused")
except grpc.RpcError as error:
    check(error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED and "from this host" in error.details(),
          f"a 9th Watch from the same host is refused ({error.code().name}: {error.details()})")
reply = health.Check(health_pb2.HealthCheckRequest(), timeout=10)
check(reply.status == health_pb2.HealthCheckResponse.SERVING, "Check still answers while the host's Watch slots are full")
for w in watches:
    w.cancel()
watch = None
for attempt in range(200):
    candidate = health.Watch(health_pb2.HealthCheckRequest())
    try:
        first = next(candidate)
        watch = candidate
        break
    except grpc.RpcError as error:
        check(error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED, f"a Watch while slots free up ({error.code().name})")
        time.sleep(0.05)
check(watch is not None and first.status == health_pb2.HealthCheckResponse.SERVING,
      f"cancelled Watch calls give their slots back ({attempt + 1} tries)")

# 6. Watch: SERVING now, NOT_SERVING once a stop begins, then the stream ends.
statuses = [first.status]
check(first.status == health_pb2.HealthCheckResponse.SERVING, "Watch starts with SERVING")
os.kill(server_pid, signal.SIGTERM)
for reply in watch:
    statuses.append(reply.status)
    if reply.status == health_pb2.HealthCheckResponse.NOT_SERVING:
        break
check(statuses[-1] == health_pb2.HealthCheckResponse.NOT_SERVING, "Watch sends NOT_SERVING when the server stops")
try:
    extra = list(watch)
    check(not extra, "the Watch stream then ends")
except grpc.RpcError as error:
    check(error.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.CANCELLED),
          f"the Watch stream then ends ({error.code().name})")
print("health-reflection: passed")
