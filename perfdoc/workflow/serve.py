"""`perfdoc serve`: a unit's forms in the browser, kept up to date while the specs are edited.

    editor saves 03_….yaml ─watchfiles→ Preview.changed ─(the file re-read, rules re-run)→
    version + 1 ─server-sent event "changed"→ the open page fetches itself again

Why the standard library's ThreadingHTTPServer: one person's browser on 127.0.0.1 asking for a
few pages — nothing a framework would add is needed, and nothing more to install or keep
patched. It is bounded: at most MAX_REQUESTS requests are handled at once (the next waits for a
slot, then is dropped), at most MAX_LISTENERS pages listen for changes, a silent client times
out, and only the current version's pages are kept.

Files served: the pages (made here from the specs), and downloads from the output folder only,
looked up by exact name among the folder's own regular files — never a path joined from the URL.
Spec files are read only by name from the folder's listing, as `perfdoc build` does.
"""
from __future__ import annotations

import dataclasses
import mimetypes
import os
import threading
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from ..input.folder import UNIT_FILE_NAMES, UsageError, find_unit_file
from ..input.model import Project
from ..input.problems import Problem
from ..make.documents import unique_file_names
from ..make.pipeline import Specs, default_output, read_project_file, read_specs
from ..output import html
from ..output.files import safe_file_name
from ..output.render import Renderer

HOST = "127.0.0.1"
MAX_REQUESTS = 32           # requests handled at once
MAX_LISTENERS = 8           # open pages listening for changes
KEEPALIVE = 15.0            # seconds between keep-alive lines on an idle event stream
REQUEST_TIMEOUT = 30.0      # a client that sends nothing for this long is dropped
DOWNLOADS = (".docx", ".pdf", ".xlsx")
WATCH_DEBOUNCE_MS = 100     # watchfiles groups an editor's burst of writes (save = write + rename)


# -- the specs, read again only where they changed --------------------------------------------
class ParsedFiles:
    """The project files read so far: one is read again only when its size or modification time,
    or the unit file's, changed (a unit default such as 主管部门 is part of every project)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder).resolve()
        self._entries: dict[Path, tuple[tuple, tuple[Project | None, list[Problem]]]] = {}
        self.reads = 0   # files read, for the tests: an edit re-reads one file, not the folder

    def read(self, path: Path, unit) -> tuple[Project | None, list[Problem]]:
        if path.resolve().parent != self.folder:  # a link to a file elsewhere: its text is not shown
            return None, [Problem(path, 1, 1, "error", "outside-folder",
                                  f"{path.name} 是指向规格文件夹之外的链接：预览不读取规格文件夹以外的文件")]
        key = (_stamp(path), _stamp(unit.path) if unit else None)
        hit = self._entries.get(path)
        if hit and hit[0] == key:
            project, problems = hit[1]
            # the unit was read again (a new record with the same content): point to it
            return (dataclasses.replace(project, unit=unit) if project else None), problems
        self.reads += 1
        result = read_project_file(path, unit)
        self._entries[path] = (key, result)
        return result

    def keep_only(self, paths) -> None:
        """Forget files no longer in the folder (renamed, deleted): memory stays bounded."""
        for path in set(self._entries) - set(paths):
            del self._entries[path]


def _stamp(path: Path) -> tuple:
    try:
        stat = path.stat()
    except OSError:
        return ()
    return stat.st_mtime_ns, stat.st_size


@dataclass
class Snapshot:
    """The specs as of one version, and the pages made from them so far."""
    version: int
    specs: Specs
    renderer: Renderer = field(default_factory=Renderer)
    pages: dict[str, str] = field(default_factory=dict)


class Preview:
    """What the server shows: pages made from the specs, made again after every change."""

    def __init__(self, folder: Path, *, output: Path | None = None, templates: list[Path] = ()):
        self.folder = Path(folder)
        find_unit_file(self.folder)  # a folder without a unit file is a usage mistake, said at once
        self.output = Path(output) if output else default_output(self.folder)
        self.templates = list(templates)
        self.files = ParsedFiles(self.folder)
        self._version = 1
        self._snapshot: Snapshot | None = None
        self._lock = threading.Lock()            # one page is made at a time
        self._changed = threading.Condition()

    # -- versions ----------------------------------------------------------------------------
    @property
    def version(self) -> int:
        return self._version

    def changed(self, paths=()) -> None:
        """Something in the spec or output folder changed: the next page is made afresh, and
        every listening page is told."""
        with self._changed:
            self._version += 1
            self._changed.notify_all()

    def wait_for_change(self, seen: int, timeout: float) -> int:
        """Wait until the version differs from `seen` (or the timeout passes); return it."""
        with self._changed:
            self._changed.wait_for(lambda: self._version != seen, timeout)
            return self._version

    def snapshot(self) -> Snapshot:
        """The specs of the current version, read (only what changed) on first use."""
        version = self._version
        if self._snapshot is None or self._snapshot.version != version:
            specs = self._read()
            self._snapshot = Snapshot(version, specs)
        return self._snapshot

    def _read(self) -> Specs:
        try:
            specs = read_specs(self.folder, templates=self.templates, read_project=self.files.read)
        except UsageError as exc:  # the unit file was deleted while serving
            specs = Specs(self.folder, problems=[Problem(self.folder, 1, 1, "error", "no-unit-file", str(exc))])
        self.files.keep_only(p.path for p in specs.projects)
        return specs

    # -- pages -------------------------------------------------------------------------------
    def page(self, route: str) -> str | None:
        """The page at a route (/, /summary, /project/<file name>), or None if there is none."""
        with self._lock:
            snapshot = self.snapshot()
            if route not in snapshot.pages:
                made = self._make(snapshot, route)
                if made is None:
                    return None
                snapshot.pages[route] = made
            return snapshot.pages[route]

    def _make(self, snapshot: Snapshot, route: str) -> str | None:
        if route == "/":
            return self._index(snapshot)
        if route == "/summary":
            return self._summary(snapshot)
        if route.startswith("/project/"):
            return self._project(snapshot, route.removeprefix("/project/"))
        return None

    def _index(self, snapshot: Snapshot) -> str:
        specs, unit = snapshot.specs, snapshot.specs.unit
        title = unit.summary_title if unit else f"{self.folder}（单位文件有错误）"
        by_file = {p.path: p for p in specs.projects}
        rows = []
        for path in self.project_paths():
            project, problems = by_file.get(path), [p for p in specs.problems if p.path == path]
            rows.append({"href": "/project/" + quote(path.name), "file": path.name,
                         "name": project.name if project else f"{path.stem}（无法读取）",
                         "funds": html.funds_of(project) if project else "—",
                         "errors": sum(p.is_error for p in problems),
                         "warnings": sum(p.severity == "warning" for p in problems)})
        unit_problems = [self._shown(p) for p in specs.problems if p.path.name in UNIT_FILE_NAMES
                         or p.path == self.folder]
        content = html.index_content(title=title, rows=rows, unit_problems=unit_problems)
        return self._page(snapshot, title, content, self._downloads(snapshot, None))

    def _project(self, snapshot: Snapshot, quoted: str) -> str | None:
        name = unquote(quoted)
        path = next((p for p in self.project_paths() if p.name == name), None)
        if path is None:
            return None
        specs = snapshot.specs
        problems = [p for p in specs.problems if p.path == path]
        project = next((p for p in specs.projects if p.path == path), None)
        if project is None or specs.unit is None:
            unit_errors = [p for p in specs.problems if p.path.name in UNIT_FILE_NAMES and p.is_error]
            content = html.load_error_content(name, [self._shown(p) for p in problems + unit_errors])
            return self._page(snapshot, name, content, [])
        view = html.render_form(snapshot.renderer, specs.unit, [project], problems, summary=False,
                                shown_path=self._relative)
        documents = self._downloads(snapshot, project)
        content = html.form_content(view, stale=self._stale(documents, [path]))
        return self._page(snapshot, project.name, content, documents)

    def _summary(self, snapshot: Snapshot) -> str | None:
        specs = snapshot.specs
        if specs.unit is None:
            return None
        view = html.render_form(snapshot.renderer, specs.unit, specs.projects, specs.problems, summary=True,
                                shown_path=self._relative)
        documents = self._downloads(snapshot, None)
        content = html.form_content(view, stale=self._stale(documents, self.project_paths()))
        return self._page(snapshot, specs.unit.summary_title, content, documents)

    def _page(self, snapshot: Snapshot, title: str, content, downloads: list[Path]) -> str:
        unit = snapshot.specs.unit
        links = [(p.name, "/files/" + quote(p.name)) for p in downloads]
        return html.page(title=title, content=content, version=snapshot.version, downloads=links,
                         summary_link="汇总表" if unit else "")

    # -- helpers -----------------------------------------------------------------------------
    def project_paths(self) -> list[Path]:
        from ..input.folder import project_files
        return project_files(self.folder)

    def _relative(self, path: Path) -> str:
        try:
            return str(path.relative_to(Path.cwd()))
        except ValueError:
            return str(path)

    def _shown(self, problem: Problem) -> dict:
        return {"severity": problem.severity, "message": problem.message,
                "where": f"{self._relative(problem.path)}:{problem.line}"}

    def _downloads(self, snapshot: Snapshot, project: Project | None) -> list[Path]:
        """The built files of what is on screen: a project's form, or (index, 汇总表) the 汇总表,
        as .docx and beside it .pdf/.xlsx where those exist."""
        unit = snapshot.specs.unit
        if unit is None:
            return []
        if project is None:
            stem = safe_file_name(unit.summary_title)
        else:  # named as the build names it: among the projects it builds, those without errors
            erroneous = {p.path for p in snapshot.specs.problems if p.is_error}
            built = [p for p in snapshot.specs.projects if p.path not in erroneous]
            if project not in built:
                return []
            stem = Path(unique_file_names(unit, built)[built.index(project)]).stem
        return [p for p in (self.download(stem + suffix) for suffix in DOWNLOADS) if p]

    def _stale(self, documents: list[Path], specs: list[Path]) -> str:
        if not documents:
            return ""
        newest = max([_stamp(p)[0] for p in specs if _stamp(p)] + [0])
        if any(_stamp(d) and _stamp(d)[0] < newest for d in documents):
            return "可下载的文档早于规格的最近修改：再运行一次 perfdoc build，下载的文档才与屏幕上的一致。"
        return ""

    def download(self, name: str) -> Path | None:
        """A built file of the output folder by its exact name — never a path taken from the URL:
        no separators, no dot files, a regular file (not a link) listed in the folder itself."""
        if not name or "/" in name or "\\" in name or "\0" in name or name.startswith("."):
            return None
        if Path(name).suffix.lower() not in DOWNLOADS:
            return None
        try:
            listed = name in os.listdir(self.output)
        except OSError:
            return None
        candidate = self.output / name
        if not listed or candidate.is_symlink() or not candidate.is_file():
            return None
        if candidate.resolve().parent != self.output.resolve():
            return None
        return candidate


# -- the HTTP server ----------------------------------------------------------------------------
class _Slot:
    """One request's hold on the server's semaphore, given back exactly once."""

    def __init__(self, semaphore: threading.BoundedSemaphore):
        self._semaphore, self._lock, self._held = semaphore, threading.Lock(), True

    def release(self) -> None:
        with self._lock:
            if self._held:
                self._held = False
                self._semaphore.release()


class PreviewServer(ThreadingHTTPServer):
    """ThreadingHTTPServer with a bound on the threads it starts."""
    daemon_threads = True          # Ctrl-C ends the process even while a page listens

    def __init__(self, preview: Preview, port: int):
        self.preview = preview
        self.stopping = threading.Event()
        self.slots = threading.BoundedSemaphore(MAX_REQUESTS)
        self.listeners = threading.BoundedSemaphore(MAX_LISTENERS)
        self._watcher: threading.Thread | None = None
        super().__init__((HOST, port), PreviewHandler)

    @property
    def port(self) -> int:
        return self.server_address[1]

    def process_request(self, request, client_address):
        if not self.slots.acquire(timeout=REQUEST_TIMEOUT):
            self.shutdown_request(request)  # every slot busy for long: drop this one
            return
        # The slot is given back once, by whichever comes last: the request's thread when it ends,
        # or this thread if starting it failed — a Ctrl-C can land while the thread is starting,
        # and then both would otherwise give it back.
        slot = _Slot(self.slots)
        thread = threading.Thread(target=self._serve_one, args=(request, client_address, slot), daemon=True)
        try:
            thread.start()
        except BaseException:
            slot.release()
            raise

    def _serve_one(self, request, client_address, slot: "_Slot") -> None:
        try:
            self.process_request_thread(request, client_address)
        finally:
            slot.release()

    def watch(self) -> None:
        """Start watching the spec folder (and the output folder, for new downloads)."""
        self._watcher = threading.Thread(target=_watch, args=(self.preview, self.stopping),
                                         name="perfdoc-watch", daemon=True)
        self._watcher.start()

    def stop(self) -> None:
        """Stop listening, end the event streams and the watcher."""
        self.stopping.set()
        self.preview.changed()  # wakes every event stream, which then sees `stopping`
        self.server_close()
        if self._watcher is not None:
            self._watcher.join(timeout=2)


def _watch(preview: Preview, stopping: threading.Event) -> None:
    import watchfiles
    folders = [preview.folder] + ([preview.output] if preview.output.is_dir() else [])

    def relevant(change, path: str) -> bool:
        name = os.path.basename(path)
        return not name.startswith(".") and Path(name).suffix.lower() in (".yaml", ".yml", *DOWNLOADS)

    for changes in watchfiles.watch(*folders, watch_filter=relevant, debounce=WATCH_DEBOUNCE_MS, step=50,
                                    stop_event=stopping, recursive=False, raise_interrupt=False):
        preview.changed({Path(p) for _, p in changes})


class PreviewHandler(BaseHTTPRequestHandler):
    server: PreviewServer
    timeout = REQUEST_TIMEOUT
    protocol_version = "HTTP/1.1"
    server_version = "perfdoc"

    def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
        if not self._from_this_host():
            return self._send_text(HTTPStatus.FORBIDDEN, "只接受 127.0.0.1 / localhost 的请求")
        route = urlsplit(self.path).path
        if route == "/events":
            return self._events()
        if route.startswith("/files/"):
            return self._file(unquote(route.removeprefix("/files/")))
        page = self.server.preview.page(route if route.startswith("/project/") else route.rstrip("/") or "/")
        if page is None:
            return self._send_text(HTTPStatus.NOT_FOUND, "没有这一页")
        self._send(HTTPStatus.OK, page.encode("utf-8"), "text/html; charset=utf-8")

    def _from_this_host(self) -> bool:
        """A page elsewhere cannot reach the preview through a name it points at 127.0.0.1
        (DNS rebinding): the Host header must be this machine."""
        host = (self.headers.get("Host") or "").rsplit(":", 1)[0].strip("[]")
        return host in ("127.0.0.1", "localhost", "::1")

    def _file(self, name: str) -> None:
        path = self.server.preview.download(name)
        if path is None:
            return self._send_text(HTTPStatus.NOT_FOUND, "没有这个文件")
        data = path.read_bytes()
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        self._send(HTTPStatus.OK, data, kind,
                   {"Content-Disposition": f"attachment; filename*=UTF-8''{quote(path.name)}"})

    def _events(self) -> None:
        """Server-sent events: `changed` after every change, a keep-alive line when idle."""
        if not self.server.listeners.acquire(blocking=False):
            return self._send_text(HTTPStatus.SERVICE_UNAVAILABLE, "打开的预览页太多")
        try:
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/event-stream; charset=utf-8")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            preview, seen = self.server.preview, self.server.preview.version
            self.wfile.write(b"retry: 1000\n\n")
            self.wfile.flush()
            while not self.server.stopping.is_set():
                version = preview.wait_for_change(seen, KEEPALIVE)
                if self.server.stopping.is_set():
                    break
                line = f"event: changed\ndata: {version}\n\n" if version != seen else ": 保持连接\n\n"
                seen = version
                self.wfile.write(line.encode("utf-8"))
                self.wfile.flush()
        except OSError:
            pass  # the page was closed
        finally:
            self.server.listeners.release()

    def _send_text(self, status: HTTPStatus, text: str) -> None:
        self._send(status, text.encode("utf-8"), "text/plain; charset=utf-8")

    def _send(self, status: HTTPStatus, data: bytes, kind: str, headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Content-Security-Policy",
                         "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
                         "connect-src 'self'; img-src 'self'")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format, *args) -> None:
        """Quiet: the terminal shows the address and the problems, not every request."""


def start(folder: Path, *, port: int = 8000, output: Path | None = None, templates: list[Path] = (),
          watch: bool = True) -> PreviewServer:
    """Open the preview of a spec folder on 127.0.0.1:`port` (0: any free port); the caller runs
    `serve_forever()` and, at the end, `stop()`."""
    preview = Preview(folder, output=output, templates=templates)
    try:
        server = PreviewServer(preview, port)
    except OSError as exc:
        raise UsageError(f"无法在 {HOST}:{port} 打开预览：{exc.strerror or exc}"
                         f"（端口被占用时换一个，如 --port {port + 1 if port else 8001}）") from None
    if watch:
        server.watch()
    return server

