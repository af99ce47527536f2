"""The three generated SDKs against the running platform: Python (betterproto2 + grpclib, native gRPC),
TypeScript (connect, gRPC-Web), C++ (grpc++, native gRPC). Each through Envoy."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import uuid

import pytest
from grpclib.const import Status
from grpclib.exceptions import GRPCError
from playmesh.launcher.child import PlatformProcess
from playmesh_sdk import PlaymeshClient, core

from tests.conftest import ROOT
from tests.support.clients import GrpcClient
from tests.support.world import World


async def test_python_sdk_signs_in_refreshes_and_reads(platform: PlatformProcess, world: World) -> None:
    host, port = platform.gateway.split(":")
    async with PlaymeshClient(host, int(port), api_key=world.a.api_key) as client:
        player = await client.authenticate_device(f"sdk-{uuid.uuid4().hex}", display_name="SDK")
        stub = await client.core()
        account = await stub.get_account(core.GetAccountRequest())
        assert account.player.id == player.id and account.player.display_name == "SDK"
        old = client.tokens
        await client.refresh()
        assert client.tokens is not None and old is not None and client.tokens.refresh_token != old.refresh_token
        await client.logout()
        with pytest.raises(GRPCError) as ended:
            await (await client.core()).get_account(
                core.GetAccountRequest(), metadata={"x-api-key": world.a.api_key, "authorization": f"Bearer {old.access_token}"}
            )
        assert ended.value.status == Status.UNAUTHENTICATED


def test_typescript_sdk_over_grpc_web(platform: PlatformProcess) -> None:
    npm = shutil.which("npm")
    assert npm, "Node 20+ with npm is required"
    result = subprocess.run(
        [npm, "test", "--silent"],
        cwd=ROOT / "clients" / "typescript",
        env={**os.environ, "PLAYMESH_GATEWAY": f"http://{platform.gateway}"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "# pass 2" in result.stdout and "# fail 0" in result.stdout


async def test_cpp_sdk_signs_in(platform: PlatformProcess, grpc_client: GrpcClient, world: World) -> None:
    binary = ROOT / "clients" / "cpp" / "build" / "device_auth"
    if not binary.exists():
        await asyncio.to_thread(subprocess.run, ["make", "-C", str(binary.parents[1]), "-j2", "-s"], check=True, timeout=900)
    ok = await asyncio.to_thread(
        subprocess.run, [str(binary), platform.gateway, world.a.api_key, f"cpp-{uuid.uuid4().hex}"], capture_output=True, text=True, timeout=60
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
    reply = json.loads(ok.stdout)
    assert reply["created"] is True and uuid.UUID(reply["player_id"])
    bad = await asyncio.to_thread(subprocess.run, [str(binary), platform.gateway, "pm_wrong", "cpp-device-123"], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 3 and json.loads(bad.stdout)["code"] == 16  # UNAUTHENTICATED


def test_the_readme_names_the_sdks_entry_points_as_they_are() -> None:
    """The README tells users which names to call in each SDK; each must exist under that name."""
    readme = (ROOT / "README.md").read_text()
    named = {
        ("clients/python", "PlaymeshClient"): ("clients/python/src/playmesh_sdk/client.py", r"^class PlaymeshClient\b"),
        ("clients/typescript", "playmeshTransport"): ("clients/typescript/src/index.ts", r"^export function playmeshTransport\("),
        ("clients/typescript", "playmeshClients"): ("clients/typescript/src/index.ts", r"^export function playmeshClients\("),
        ("clients/cpp", "playmesh::Connect"): ("clients/cpp/include/playmesh/client.h", r"^inline std::shared_ptr<grpc::Channel> Connect\("),
        ("clients/cpp", "playmesh::Authorize"): ("clients/cpp/include/playmesh/client.h", r"^inline void Authorize\("),
    }
    for (folder, name), (source, declaration) in named.items():
        assert f"`{folder}`" in readme and f"`{name}`" in readme, (folder, name)
        assert re.search(declaration, (ROOT / source).read_text(), re.MULTILINE), f"{name} is not declared in {source}"
