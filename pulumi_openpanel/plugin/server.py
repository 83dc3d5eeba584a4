"""The plugin process: the gRPC server the engine talks to, as the SDK's ``server.main`` starts it, with two
additions of ours.

- Short errors. The SDK's servicer turns every exception into a new one whose message ends with the Python
  traceback, which the engine then prints under the resource. An error of ours (:class:`OpenPanelError`)
  already says what failed, where the setting came from and what to do: an interceptor finds it behind the
  SDK's wrapping and answers with its message alone. Anything else (a bug) keeps its traceback.
- The end with the engine. The plugin marks itself as one (:func:`serve_as_plugin`), so that its waits give up
  once the engine is gone, and the watchdog ends the process then (api/watchdog.py says why).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import grpc
from pulumi.provider.experimental.server import ProviderServicer
from pulumi.runtime.proto import provider_pb2_grpc

from pulumi_openpanel.api.run import serve_as_plugin
from pulumi_openpanel.api.watchdog import start_in_plugin
from pulumi_openpanel.errors import OpenPanelError
from pulumi_openpanel.plugin.provider import OpenPanelProvider

# Pulumi's own limit for messages between the engine and its plugins (a big state, a big schema).
MAX_MESSAGE_BYTES = 400 * 1024 * 1024
_OPTIONS = [("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
            ("grpc.max_send_message_length", MAX_MESSAGE_BYTES)]


def ours(error: BaseException | None) -> OpenPanelError | None:
    """The error of ours behind ``error`` (the SDK raises a new exception while handling it), if any."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, OpenPanelError):
            return error
        seen.add(id(error))
        error = error.__cause__ or (None if error.__suppress_context__ else error.__context__)
    return None


class ShortErrors(grpc.aio.ServerInterceptor):
    """Answer a call that failed with an error of ours with that error's message alone."""

    async def intercept_service(self, continuation: Callable[[Any], Awaitable[Any]], details: Any) -> Any:
        handler = await continuation(details)
        if handler is None or handler.unary_unary is None:
            return handler
        behaviour = handler.unary_unary

        async def answer(request: Any, context: grpc.aio.ServicerContext) -> Any:
            try:
                return await behaviour(request, context)
            except Exception as exc:
                error = ours(exc)
                if error is None:
                    raise
                await context.abort(grpc.StatusCode.UNKNOWN, str(error))

        return grpc.unary_unary_rpc_method_handler(
            answer, request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer)


def main(schema: str, version: str, argv: list[str] | None = None) -> None:
    """Serve the provider on a free port of 127.0.0.1 and print the port, as the engine expects of a plugin."""
    parser = argparse.ArgumentParser(description="The openpanel Pulumi provider plugin (a gRPC server)")
    parser.add_argument("engine", help="the Pulumi engine's address")
    known, _ = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    serve_as_plugin()
    start_in_plugin()
    provider = OpenPanelProvider(schema)

    async def serve() -> None:
        server = grpc.aio.server(options=_OPTIONS, interceptors=[ShortErrors()])
        servicer = ProviderServicer(sys.argv[1:], version, provider, engine_address=known.engine)
        provider_pb2_grpc.add_ResourceProviderServicer_to_server(servicer, server)
        port = server.add_insecure_port("127.0.0.1:0")
        await server.start()
        sys.stdout.write(f"{port}\n")
        sys.stdout.flush()
        await server.wait_for_termination()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve())
