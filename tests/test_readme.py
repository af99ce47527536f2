"""The README's walkthrough runs as written: its shell commands, taken from the README itself, against
the test platform (only the gateway address differs), with what the README shows them printing."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess

from playmesh.launcher.child import PlatformProcess

from tests.conftest import ROOT


def walkthrough_commands(readme: str) -> str:
    """The commands of the walkthrough's ```sh blocks: every line of a block without prompts, and the
    ``$ `` lines (with their continuation lines) of a block that shows output."""
    section = readme[readme.index("## Walkthrough") :]
    section = section[: section.index("\n## ", 5)]
    out: list[str] = []
    for block in re.findall(r"```sh\n(.*?)```", section, re.S):
        lines = block.splitlines()
        prompts = any(line.startswith("$ ") for line in lines)
        continued = False
        for line in lines:
            if continued or not prompts:
                out.append(line)
            elif line.startswith("$ "):
                out.append(line[2:])
            else:
                continue
            continued = line.endswith("\\")
    return "\n".join(out) + "\n"


async def test_the_readme_walkthrough_runs_as_written(platform: PlatformProcess) -> None:
    assert shutil.which("curl") and shutil.which("jq"), "the walkthrough uses curl and jq"
    script = walkthrough_commands((ROOT / "README.md").read_text())
    assert "G=http://127.0.0.1:8080\n" in script and "source .venv/bin/activate" in script
    script = script.replace("G=http://127.0.0.1:8080\n", f"G=http://{platform.gateway}\n")
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("PLAYMESH_")}, "PLAYMESH_GATEWAY_PORT": platform.gateway.rsplit(":", 1)[1]}
    done = await asyncio.to_thread(subprocess.run, ["bash", "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    out = done.stdout
    assert not done.stderr.strip(), done.stderr
    # What the README shows, step by step.
    assert '"created": true' in out and '"displayName": "Ada"' in out, out  # 2: the player signed in (ACCESS, REFRESH set)
    assert out.count('"id": ') >= 2 and '"gameId"' in out  # 3: GetAccount over native gRPC with $ACCESS
    assert '"teamSize": 2' in out  # 4: GetGameConfig over gRPC-Web
    assert re.search(r'^"rt_[0-9a-f]{32}\.', out, re.M), out  # 5: refresh with $REFRESH
    assert "REFRESH_TOKEN_REUSED" in out and "HTTP 401" in out  # 5: the reuse revokes
    assert "must be at least 10 characters" in out  # 6: a field violation
