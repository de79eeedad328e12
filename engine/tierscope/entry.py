"""The process entry point (`tierscope` and `python -m tierscope`): start-up and exit costs.

A one-shot command spends a large share of its time in the interpreter rather than in
tierscope: the garbage collector scanning the objects that imports create, and the
interpreter tearing the whole heap down at exit. So `run` keeps the collector off while
modules load (then freezes what they built, so later collections skip it), and leaves
with `os._exit` after flushing output. `cli.main` itself stays an ordinary function
(the tests call it in-process).

pydantic looks for plugins in every installed package's metadata the first time a model
is used; a command-line run has no use for them, so unless the user set
PYDANTIC_DISABLE_PLUGINS themselves, the scan is skipped. pydantic reads that variable
only after importing its plugin loader, which imports `importlib.metadata` (and with it
`email`, `zipfile`, ...: ~14 ms of a ~280 ms query) just to be able to scan; when every
plugin is disabled, the loader is replaced by one that answers "no plugins", which is what
pydantic's own would answer.
"""

from __future__ import annotations

import gc
import os
import sys


def run() -> None:
    gc.disable()
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    skip_plugin_loader()
    from .cli import main

    gc.freeze()
    gc.enable()
    code: int | str | None = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code
    except KeyboardInterrupt:
        code = 130
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:  # None when the stream was closed at start (`>&-`)
                stream.flush()
        except (OSError, ValueError):
            pass  # the reader went away (`| head`): cli.main has said what it had to
    if isinstance(code, str):
        sys.stderr.write(code + "\n")
        code = 1
    os._exit(code or 0)


_LOADER = "pydantic.plugin._loader"


def skip_plugin_loader() -> bool:
    """When every pydantic plugin is disabled, stand in for pydantic's plugin loader (the
    one function pydantic calls, `get_plugins`, answering none) so that importing it does
    not import `importlib.metadata`. Returns whether the stand-in is in place."""
    if os.environ.get("PYDANTIC_DISABLE_PLUGINS") not in ("__all__", "1", "true"):
        return False
    if _LOADER not in sys.modules:
        import types

        loader = types.ModuleType(_LOADER, "tierscope: every pydantic plugin is disabled")
        loader.get_plugins = lambda: ()  # type: ignore[attr-defined]
        sys.modules[_LOADER] = loader
    return True
