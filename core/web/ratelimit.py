"""Login rate limit per account and per IP (fixed window counters in a store).

Fail-closed: if the store cannot be reached the login is refused, never waved through.
"""

from __future__ import annotations

from litestar.stores.base import Store


class LoginLimiter:
    def __init__(self, store: Store, attempts: int, window: int, attempts_per_ip: int):
        self.store = store
        self.attempts = attempts
        self.attempts_per_ip = attempts_per_ip  # offices share one NAT address: allow more
        self.window = window

    def _keys(self, username: str, ip: str) -> list[str]:
        return [f"login:user:{username.lower()}", f"login:ip:{ip}"]

    async def blocked(self, username: str, ip: str) -> int:
        """Seconds until another attempt is allowed (0: allowed now)."""
        wait = 0
        for key, limit in zip(self._keys(username, ip), (self.attempts, self.attempts_per_ip), strict=False):
            raw = await self.store.get(key)
            if raw is not None and int(raw) >= limit:
                wait = max(wait, (await self.store.expires_in(key)) or self.window)
        return wait

    async def failed(self, username: str, ip: str) -> None:
        for key in self._keys(username, ip):
            raw = await self.store.get(key)
            if raw is None:
                await self.store.set(key, b"1", expires_in=self.window)
            else:
                ttl = await self.store.expires_in(key) or self.window
                await self.store.set(key, str(int(raw) + 1).encode(), expires_in=ttl)

    async def succeeded(self, username: str, ip: str) -> None:
        await self.store.delete(self._keys(username, ip)[0])
