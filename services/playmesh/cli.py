"""The ``playmesh`` command: ``up`` (the whole platform), ``serve`` (one service process),
``migrate``, ``keys rotate``, ``scoreboard rebuild``, ``gateway render``, ``settings``."""

from __future__ import annotations

import asyncio
import json
import os
import pathlib
import signal
import sys
import threading

import typer
from rich.console import Console
from rich.table import Table

from playmesh.runtime.errors import ConfigError, PlaymeshError
from playmesh.runtime.registry import SERVICES, service
from playmesh.runtime.settings import SETTINGS_DOC, Settings, load_settings

app = typer.Typer(help="Playmesh: an open-source backend for multiplayer games.", no_args_is_help=True, add_completion=False)
keys_app = typer.Typer(help="JWT signing keys.", no_args_is_help=True)
gateway_app = typer.Typer(help="The Envoy gateway.", no_args_is_help=True)
scoreboard_app = typer.Typer(help="Leaderboards.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
app.add_typer(scoreboard_app, name="scoreboard")
app.add_typer(gateway_app, name="gateway")
console = Console(stderr=False)


def _settings() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        console.print(f"[red]configuration error:[/red] {exc}")
        raise typer.Exit(2) from None


def _servers(settings: Settings) -> Settings:
    """Settings with the database and Redis URLs and the services' ports: the configured ones, else
    those of the platform that `playmesh up` runs from this data dir (its endpoints.json)."""
    path = settings.data_path / "endpoints.json"
    if settings.database_url and settings.redis_url and not path.exists():
        return settings
    if not path.exists():
        console.print("[red]PLAYMESH_DATABASE_URL and PLAYMESH_REDIS_URL are not set[/red] and no `playmesh up` runs from this data dir")
        raise typer.Exit(2)
    found = json.loads(path.read_text())
    ports = {}
    if "PLAYMESH_PORT_BASE" not in os.environ and "port_base" in found:
        ports = {"port_base": found["port_base"], "service_processes": found.get("service_processes", settings.service_processes)}
    return settings.replace(database_url=settings.database_url or found["database_url"], redis_url=settings.redis_url or found["redis_url"], **ports)


@app.command()
def up() -> None:
    """Start the whole platform (embedded PostgreSQL and Redis unless URLs are set); Ctrl-C stops it."""
    from playmesh.launcher.supervisor import Platform

    settings = _settings()
    platform = Platform(settings, say=lambda line: console.print(line, highlight=False))
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        platform.start()
    except Exception as exc:  # noqa: BLE001 - whatever failed, stop what already started
        console.print(f"[red]start-up failed:[/red] {exc}")
        platform.stop()
        raise typer.Exit(1) from None
    _print_ready(settings)
    try:
        while not stop.wait(0.5):
            platform.check_children()
    except RuntimeError as exc:
        console.print(f"[red]{exc}[/red]")
        platform.stop()
        raise typer.Exit(1) from None
    platform.stop()
    console.print("stopped")


def _print_ready(settings: Settings) -> None:
    gw = f"http://{settings.host}:{settings.gateway_port}"
    table = Table(title="Playmesh is up", show_header=True)
    table.add_column("endpoint")
    table.add_column("address")
    table.add_row("gateway (gRPC, gRPC-Web, REST)", gw)
    table.add_row("Envoy admin", f"http://127.0.0.1:{settings.gateway_admin_port} (this machine only)")
    for spec in SERVICES:
        metrics = spec.metrics_port(settings)
        table.add_row(f"{spec.name} (direct gRPC / metrics)", f"{settings.host}:{spec.port(settings)}" + (f"  /  :{metrics}/metrics" if metrics else ""))
    console.print(table)
    console.print("Try it (register a developer over REST):", highlight=False)
    console.print(
        f"  curl -s {gw}/v1/developers:register -H 'content-type: application/json' "
        """-d '{"email":"dev@example.com","password":"correct horse battery","displayName":"Dev"}'""",
        highlight=False,
        soft_wrap=True,
    )
    console.print("ready; press Ctrl-C to stop", highlight=False)
    sys.stdout.flush()


@app.command()
def serve(
    name: str = typer.Argument(..., help="core, matchmaking, lobby, session, scoreboard or telemetry"),
    worker: int = typer.Option(0, help="worker index when several processes share the port"),
) -> None:
    """Run one service in this process (needs PLAYMESH_DATABASE_URL and PLAYMESH_REDIS_URL)."""
    import uvloop

    from playmesh.runtime.server import serve as run

    settings = _settings()
    try:
        spec = service(name)
    except KeyError as exc:
        console.print(f"[red]{exc.args[0]}[/red]")
        raise typer.Exit(2) from None
    uvloop.run(run(spec, settings, worker=worker))


@app.command()
def migrate() -> None:
    """Migrate the platform schema and every studio schema to the newest revision, and move Redis keys
    a release renamed (once; recorded in Redis)."""
    from redis.asyncio import Redis

    from playmesh.runtime.db import Database
    from playmesh.runtime.redis_migrations import Step, migrate_redis

    settings = _settings()
    if not settings.database_url or not settings.redis_url:
        console.print("[red]PLAYMESH_DATABASE_URL and PLAYMESH_REDIS_URL must be set[/red] (`playmesh up` migrates its embedded ones itself)")
        raise typer.Exit(2)

    async def run() -> tuple[list[str], list[tuple[Step, int]]]:
        db = Database(settings.database_url, pool_size=1)
        redis = Redis.from_url(settings.redis_url)
        try:
            return await db.migrate_all(), await migrate_redis(redis)
        finally:
            await redis.aclose()
            await db.close()

    schemas, redis_steps = asyncio.run(run())
    console.print(f"platform schema and {len(schemas)} studio schema(s) migrated")
    for step, moved in redis_steps:
        console.print(f"Redis: {step.description} ({moved} key(s) moved)", highlight=False)
    if not redis_steps:
        console.print("Redis keys up to date")


@keys_app.command("rotate")
def rotate_keys() -> None:
    """Create a new JWT signing key; older keys keep verifying until they retire."""
    from playmesh.runtime.context import resolve_secret
    from playmesh.runtime.db import Database
    from playmesh.runtime.tokens import KeyRing

    settings = _settings()

    async def run() -> str:
        db = Database(settings.database_url, pool_size=1)
        try:
            ring = KeyRing(db, resolve_secret(settings), retire_seconds=settings.signing_key_retire_seconds)
            return await ring.rotate()
        finally:
            await db.close()

    console.print(f"new signing key {asyncio.run(run())}; every instance picks it up within a second of its first use")


@scoreboard_app.command("rebuild")
def rebuild_leaderboards(
    studio: str = typer.Option(..., help="the studio id"),
    game: str = typer.Option(..., help="the game id"),
    leaderboard: list[str] = typer.Option(None, help="a board name (repeatable); default: every board of the game"),
) -> None:
    """Rewrite leaderboards' current seasons in Redis from PostgreSQL (after Redis lost its data).
    The scoreboard does this by itself on the first read of a lost board; this does it now."""
    from redis.asyncio import Redis

    from playmesh.runtime.bus import EventBus
    from playmesh.runtime.context import resolve_secret
    from playmesh.runtime.db import Database
    from playmesh.runtime.game_configs import GameConfigs
    from playmesh.runtime.internal import InternalClient
    from playmesh.runtime.tokens import KeyRing
    from playmesh.scoreboard.player_names import PlayerNames
    from playmesh.scoreboard.scoring import Scoreboard
    from playmesh.scoreboard.store import ScoreStore

    settings = _servers(_settings())

    async def run() -> list[tuple[str, int]]:
        db = Database(settings.database_url, pool_size=1)
        redis = Redis.from_url(settings.redis_url)
        keyring = KeyRing(db, resolve_secret(settings), retire_seconds=settings.signing_key_retire_seconds)
        internal = InternalClient(settings, keyring, "scoreboard")  # boards come from core's API, as in the service
        try:
            await keyring.start()
            scoreboard = Scoreboard(redis, ScoreStore(db), GameConfigs(internal, EventBus(redis)), players=PlayerNames(internal))
            boards = await scoreboard.seasons.boards(studio, game)
            chosen = [b for b in boards if not leaderboard or b.name in leaderboard]
            unknown = set(leaderboard or []) - {b.name for b in boards}
            if unknown:
                console.print(f"[red]not a leaderboard of this game:[/red] {', '.join(sorted(unknown))}")
                raise typer.Exit(2)
            done = []
            for board in chosen:
                done.append((board.name, await scoreboard.reads.rebuild(studio, game, board)))
                console.print(f"{board.name}: {done[-1][1]} players restored")
            return done
        finally:
            await internal.close()
            await redis.aclose()
            await db.close()

    try:
        rebuilt = asyncio.run(run())
    except PlaymeshError as exc:
        console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(2) from None
    console.print(f"{len(rebuilt)} leaderboard(s) rebuilt")


@gateway_app.command("render")
def render_gateway(output: pathlib.Path = typer.Option(None, help="write here instead of stdout")) -> None:
    """Print (or write) the Envoy bootstrap for the current settings."""
    from playmesh.gateway import envoy

    settings = _settings()
    if output:
        envoy.write(settings, output)
    else:
        console.print_json(json.dumps(envoy.render(settings)))


@app.command("call")
def call_rpc(
    method: str = typer.Argument(..., help="e.g. core.GetAccount or playmesh.core.v1.CoreService/GetAccount"),
    body: str = typer.Argument("{}", help="the request as JSON"),
    header: list[str] = typer.Option([], "-H", "--header", help="metadata, e.g. -H x-api-key:pm_…"),
    web: bool = typer.Option(False, "--web", help="speak gRPC-Web instead of native gRPC"),
    gateway: str = typer.Option("", help="host:port of the gateway (default: from settings)"),
) -> None:
    """Call one RPC through the gateway with a JSON request (a small grpcurl for Playmesh)."""
    from playmesh.devcall import CallFailed, call

    settings = _settings()
    headers = dict(h.split(":", 1) for h in header)
    try:
        print(call(gateway or f"{settings.host}:{settings.gateway_port}", method, body, {k.strip(): v.strip() for k, v in headers.items()}, web=web))
    except CallFailed as failed:
        print(failed.to_json())
        raise typer.Exit(1) from None
    except ValueError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None


@app.command("settings")
def show_settings() -> None:
    """List every setting with its default."""
    table = Table("variable", "default", "meaning")
    for name, default, doc in SETTINGS_DOC:
        table.add_row(name, default, doc)
    console.print(table)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
