"""The time source of sign-in checks (session timeouts, TOTP codes).

The app takes it as an argument (``create_app(clock=…)``, kept in ``app.state.clock``) so that
tests move time forward instead of sleeping. A clock is any callable returning epoch seconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable

Clock = Callable[[], float]

system_clock: Clock = time.time
