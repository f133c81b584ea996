"""Kefu servers in their own processes (uvicorn subprocesses), for fault and fan-out tests."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import httpx

from kefu.settings import Settings
from tests.chat.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
START_SECONDS = 90  # a safety net for a loaded machine, not a timing assertion


class ServerProcess:
    """``uvicorn --factory kefu.app:create_app`` on 127.0.0.1 with the test's settings;
    with ``workers`` > 1, ``kefu serve --workers N`` instead (one port, N processes)."""

    def __init__(
        self,
        settings: Settings,
        *,
        redis_url: str = "",
        port: int | None = None,
        workers: int = 1,
    ):
        self.port = port or free_port()
        self.workers = workers
        self.env = os.environ | {
            "PYTHONPATH": str(ROOT),
            "KEFU_DATABASE_URL": settings.effective_database_url,
            "KEFU_SECRET_KEY": settings.secret_key,
            "KEFU_DATA_DIR": str(settings.data_dir),
            "KEFU_REDIS_URL": redis_url,
            "KEFU_WORKER_ENABLED": "false",
            # Long, so that only a pub/sub notice can explain a prompt delivery.
            "KEFU_WS_HEARTBEAT_SECONDS": "300",
            "KEFU_WIDGET_VISITOR_PER_MINUTE": str(settings.widget_visitor_per_minute),
            "KEFU_WIDGET_IP_PER_MINUTE": str(settings.widget_ip_per_minute),
        }
        self.process: asyncio.subprocess.Process | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _command(self) -> list[str]:
        where = ["--host", "127.0.0.1", "--port", str(self.port)]
        if self.workers > 1:
            return [sys.executable, "-m", "kefu", "serve", "--workers", str(self.workers), *where]
        factory = ["--factory", "kefu.app:create_app", "--log-level", "warning"]
        return [sys.executable, "-m", "uvicorn", *factory, *where]

    def worker_pids(self) -> list[int]:
        """The processes ``kefu serve --workers N`` started to serve (Linux /proc)."""
        assert self.process is not None
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return [
            int(child)
            for child in children
            if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes()
        ]

    async def start(self) -> ServerProcess:
        self.process = await asyncio.create_subprocess_exec(
            *self._command(), env=self.env, cwd=ROOT
        )
        deadline = asyncio.get_running_loop().time() + START_SECONDS
        async with httpx.AsyncClient() as client:
            while asyncio.get_running_loop().time() < deadline:
                if self.process.returncode is not None:
                    break
                try:
                    await client.get(f"http://{self.address}/api/v1/openapi.json")
                    return self
                except httpx.TransportError:
                    await asyncio.sleep(0.05)
        raise RuntimeError(f"the server on {self.address} did not start")

    async def kill(self) -> None:
        """kill -9: no shutdown, no flushing, nothing."""
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGKILL)
            await self.process.wait()

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), 10)
            except TimeoutError:
                await self.kill()
