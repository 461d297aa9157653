"""The disk cache executes only what the user's own srcdiff wrote for the very code that asks for it.

Planted, foreign, malformed and stale entries are misses (regenerated, never executed, never an exception);
FIFOs and symbolic links cannot hang the process; a full disk leaves no temporary files; forking while other
threads use srcdiff does not deadlock the child. Every gradient is checked against central differences.
"""

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import warnings

import numpy as np
import pytest

import srcdiff
from srcdiff import cache, compiler, disk_cache
from srcdiff.testing import numerical_gradient

from source_modules import child_environment

ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
POINT = np.array([0.3, -0.7, 1.1])
CHILD_ENV = child_environment()  # children import this srcdiff, not an installed one


def activation(x):
    return np.sum(np.tanh(x) * x + 0.5 * x ** 2)


@pytest.fixture
def derives(monkeypatch):
    """Counts the compiler's runs: a gradient taken from the disk cache does not run it."""
    calls = []
    real = compiler.derive

    def counting(*args, **kwargs):
        calls.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(compiler, "derive", counting)
    return calls


def fresh_gradient(function, directory):
    """The gradient of ``function`` as a new process would get it: nothing in memory, the disk cache on."""
    cache.clear()
    return srcdiff.grad(function, cache=directory)


def entry_of(directory):
    (entry,) = [p for p in directory.iterdir() if p.suffix == ".json"]
    return entry


def no_temporaries(directory):
    return not [p for p in directory.iterdir() if p.name.startswith(".tmp-")]


def seal(directory, entry, record_or_body):
    """Write ``entry`` sealed with the user's key: what only a bug (or a stolen key) could produce."""
    secret = (directory / "key").read_bytes()
    body = record_or_body if isinstance(record_or_body, bytes) else json.dumps(record_or_body).encode()
    entry.write_bytes(disk_cache._seal(secret, entry.stem, body))
    entry.chmod(0o600)


def record_of(entry):
    return json.loads(entry.read_bytes().partition(b"\n")[2])


def assert_correct_and_regenerated(directory, derives, marker=None):
    """A fresh gradient is right, was generated anew, ran nothing planted, and left a good entry behind."""
    before = len(derives)
    gradient = fresh_gradient(activation, directory)
    np.testing.assert_allclose(gradient(POINT), numerical_gradient(activation, (POINT,)), rtol=1e-6, atol=1e-8)
    assert len(derives) == before + 1, "the entry was used"
    if marker is not None:
        assert not marker.exists(), "the planted code ran"
    assert no_temporaries(directory)
    # the entry was overwritten with a good one: the next process loads it
    fresh_gradient(activation, directory)
    assert len(derives) == before + 1


@pytest.fixture
def directory(tmp_path):
    return tmp_path / "cache"


# ---- folders ---------------------------------------------------------------------------------------------------


def test_a_new_folder_is_private_and_the_key_too(directory, derives):
    gradient = fresh_gradient(activation, directory)
    np.testing.assert_allclose(gradient(POINT), numerical_gradient(activation, (POINT,)), rtol=1e-6)
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    assert stat.S_IMODE((directory / "key").stat().st_mode) == 0o600
    assert stat.S_IMODE(entry_of(directory).stat().st_mode) == 0o600
    fresh_gradient(activation, directory)
    assert len(derives) == 1


def test_a_folder_others_may_write_is_not_used(directory, derives):
    directory.mkdir(mode=0o700)
    directory.chmod(0o777)
    with pytest.warns(disk_cache.CacheWarning, match="writable by other users"):
        gradient = fresh_gradient(activation, directory)
    np.testing.assert_allclose(gradient(POINT), numerical_gradient(activation, (POINT,)), rtol=1e-6)
    assert list(directory.iterdir()) == []
    fresh_gradient(activation, directory)
    assert len(derives) == 2


def test_a_folder_that_cannot_be_made_means_no_disk_cache(tmp_path, derives):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.warns(disk_cache.CacheWarning, match="cannot"):
        gradient = fresh_gradient(activation, blocker / "cache")
    np.testing.assert_allclose(gradient(POINT), numerical_gradient(activation, (POINT,)), rtol=1e-6)


def test_the_default_folder_is_the_users(monkeypatch, tmp_path):
    monkeypatch.delenv("SRCDIFF_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert disk_cache.disk_directory(True) == str(tmp_path / "xdg" / "srcdiff")
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")  # ignored, as the XDG specification says
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert disk_cache.disk_directory(True) == str(tmp_path / "home" / ".cache" / "srcdiff")


# ---- planted and foreign entries ------------------------------------------------------------------------------

PAYLOAD = "open({marker!r}, 'w').write('ran')\ndef dactivation_dx(x):\n    return 0.0 * x\n"


def planted_record(entry, marker):
    """What an attacker writes: a plausible entry (old format or new) whose code leaves a marker file."""
    return {"format": disk_cache._FORMAT, "key": entry.stem, "source": PAYLOAD.format(marker=str(marker)),
            "entry": "dactivation_dx", "floats_entry": None, "filename": "<srcdiff: planted>",
            "injected": {"np": "numpy"}, "free_vars": [], "dependencies": {"environment": {}, "guards": []}}


@pytest.mark.parametrize("form", ["plain json", "sealed with another key", "old format"])
def test_an_entry_srcdiff_did_not_write_is_never_executed(directory, tmp_path, derives, form):
    fresh_gradient(activation, directory)
    entry = entry_of(directory)
    marker = tmp_path / "marker"
    record = planted_record(entry, marker)
    if form == "plain json":
        entry.write_text(json.dumps(record))
    elif form == "sealed with another key":
        entry.write_bytes(disk_cache._seal(b"0" * 64, entry.stem, json.dumps(record).encode()))
    else:
        record["format"] = 1
        record["dependencies"] = {}
        entry.write_text(json.dumps(record))
    entry.chmod(0o600)
    with pytest.warns(disk_cache.CacheWarning, match="did not write it"):
        assert_correct_and_regenerated(directory, derives, marker)


def test_an_entry_for_another_function_is_not_taken(directory, derives):
    """Entries are sealed with their name: a genuine entry renamed to another function's name is a miss."""

    def other(x):
        return np.sum(np.sin(x) * 3.0)

    fresh_gradient(other, directory)
    other_entry = entry_of(directory)
    fresh_gradient(activation, directory)
    mine = [p for p in directory.iterdir() if p.suffix == ".json" and p != other_entry][0]
    shutil.copyfile(other_entry, mine)
    with pytest.warns(disk_cache.CacheWarning, match="did not write it"):
        gradient = fresh_gradient(activation, directory)
    np.testing.assert_allclose(gradient(POINT), numerical_gradient(activation, (POINT,)), rtol=1e-6)
    assert len(derives) == 3


def _as_nobody(action):
    """Run ``action`` in a forked child as the user nobody."""
    pid = os.fork()
    if pid == 0:
        status = 1
        try:
            os.setgid(65534)
            os.setuid(65534)
            action()
            status = 0
        finally:
            os._exit(status)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


@pytest.mark.skipif(not ROOT, reason="planting as another user needs root to become that user")
def test_entries_planted_by_another_user_in_a_shared_folder_are_not_executed(tmp_path, derives):
    """The attack: SRCDIFF_CACHE_DIR=/tmp/shared, and another local user made that folder first and put an
    entry (and a key of their own) in it under the name srcdiff will look for."""
    scratch = tmp_path / "scratch"
    fresh_gradient(activation, scratch)  # to learn the entry's name
    name = entry_of(scratch).name
    base = tempfile.mkdtemp(prefix="srcdiff-shared-")
    os.chmod(base, 0o1777)  # like /tmp
    shared, marker = os.path.join(base, "shared"), os.path.join(base, "marker")
    record = planted_record(scratch / name, marker)

    def plant():
        os.mkdir(shared, 0o777)
        os.chmod(shared, 0o777)
        for file, data, mode in (("key", b"1" * 64, 0o600), (name, disk_cache._seal(
                b"1" * 64, name[:-5], json.dumps(record).encode()), 0o644)):
            with open(os.path.join(shared, file), "wb") as handle:
                handle.write(data)
            os.chmod(os.path.join(shared, file), mode)

    try:
        _as_nobody(plant)
        with pytest.warns(disk_cache.CacheWarning, match="shared: not used.*belongs to uid 65534"):
            gradient = fresh_gradient(activation, shared)
        np.testing.assert_allclose(gradient(POINT), numerical_gradient(activation, (POINT,)), rtol=1e-6)
        assert not os.path.exists(marker), "the planted code ran"
        assert len(derives) == 2
    finally:
        shutil.rmtree(base)


@pytest.mark.skipif(not ROOT, reason="giving a file to another user needs root")
def test_an_entry_of_another_owner_is_ignored(directory, derives):
    fresh_gradient(activation, directory)
    entry = entry_of(directory)
    os.chown(entry, 65534, 65534)
    with pytest.warns(disk_cache.CacheWarning, match="belongs to uid 65534"):
        assert_correct_and_regenerated(directory, derives)


@pytest.mark.skipif(not ROOT, reason="giving a file to another user needs root")
def test_a_key_of_another_owner_disables_the_cache(directory, derives):
    fresh_gradient(activation, directory)
    os.chown(directory / "key", 65534, 65534)
    with pytest.warns(disk_cache.CacheWarning, match="belongs to uid 65534"):
        gradient = fresh_gradient(activation, directory)
    np.testing.assert_allclose(gradient(POINT), numerical_gradient(activation, (POINT,)), rtol=1e-6)
    assert len(derives) == 2


def test_an_entry_others_may_read_is_ignored(directory, derives):
    fresh_gradient(activation, directory)
    entry = entry_of(directory)
    entry.chmod(0o644)
    with pytest.warns(disk_cache.CacheWarning, match=f"{entry.name}.*mode 0644"):
        assert_correct_and_regenerated(directory, derives)


def test_the_warning_about_a_path_comes_once(directory, derives):
    fresh_gradient(activation, directory)
    entry = entry_of(directory)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(3):
            entry.write_text("{}")
            entry.chmod(0o600)
            fresh_gradient(activation, directory)
    assert len([w for w in caught if issubclass(w.category, disk_cache.CacheWarning)]) == 1


# ---- files that could hang the process ------------------------------------------------------------------------

HANG_PROGRAM = """
import os, sys, warnings
import numpy as np
import srcdiff
from srcdiff import cache, disk_cache

def activation(x):
    return np.sum(np.tanh(x) * x + 0.5 * x ** 2)

directory = sys.argv[1]
srcdiff.grad(activation, cache=directory)
(name,) = [n for n in os.listdir(directory) if n.endswith(".json")]
path = os.path.join(directory, name)
x = np.array([0.3, -0.7, 1.1])
for kind in ("fifo", "zero", "link to a good entry", "folder"):
    cache.clear()
    good = open(path, "rb").read() if os.path.isfile(path) else None
    if os.path.isdir(path):
        os.rmdir(path)
    elif os.path.lexists(path):
        os.unlink(path)
    if kind == "fifo":
        os.mkfifo(path, 0o600)
    elif kind == "zero":
        os.symlink("/dev/zero", path)
    elif kind == "link to a good entry":
        elsewhere = os.path.join(directory, "elsewhere")
        with open(os.open(elsewhere, os.O_WRONLY | os.O_CREAT, 0o600), "wb") as handle:
            handle.write(good)
        os.symlink(elsewhere, path)
    else:
        os.mkdir(path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gradient = srcdiff.grad(activation, cache=directory)(x)
    if kind == "fifo":  # (one warning per path)
        assert any(isinstance(w.message, disk_cache.CacheWarning) for w in caught), kind
    print(kind, repr(gradient.tolist()))
key = os.path.join(directory, "key")
os.unlink(key)
os.mkfifo(key, 0o600)
cache.clear()
print("key fifo", repr(srcdiff.grad(activation, cache=directory)(x).tolist()))
"""


def test_fifo_and_symbolic_link_entries_do_not_hang(tmp_path):
    script = tmp_path / "hang.py"
    script.write_text(HANG_PROGRAM)
    try:
        result = subprocess.run([sys.executable, str(script), str(tmp_path / "cache")], capture_output=True,
                                text=True, timeout=60, env=CHILD_ENV)
    except subprocess.TimeoutExpired:
        pytest.fail("srcdiff hung on a FIFO, a link to /dev/zero or a folder in the cache")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split(" [")[0] for line in lines] == ["fifo", "zero", "link to a good entry", "folder",
                                                       "key fifo"]
    expected = numerical_gradient(activation, (POINT,))
    for line in lines:
        np.testing.assert_allclose(eval(line[line.index("["):]), expected, rtol=1e-6)


# ---- malformed entries ----------------------------------------------------------------------------------------

UNSEALED = {
    "empty object": b"{}",
    "empty list": b"[]",
    "null": b"null",
    "not json": b"{not json",
    "empty file": b"",
    "binary": bytes(range(256)),
}


@pytest.mark.parametrize("content", list(UNSEALED), ids=list(UNSEALED))
def test_an_unsealed_entry_is_a_miss(directory, derives, content):
    fresh_gradient(activation, directory)
    entry = entry_of(directory)
    entry.write_bytes(UNSEALED[content])
    entry.chmod(0o600)
    with pytest.warns(disk_cache.CacheWarning):
        assert_correct_and_regenerated(directory, derives)


def test_a_truncated_entry_is_a_miss(directory, derives):
    fresh_gradient(activation, directory)
    entry = entry_of(directory)
    entry.write_bytes(entry.read_bytes()[:-40])
    with pytest.warns(disk_cache.CacheWarning):
        assert_correct_and_regenerated(directory, derives)


def _break(record, how):
    if how in ("empty object", "empty list", "null"):
        return {"empty object": {}, "empty list": [], "null": None}[how]
    if how == "other format":
        record["format"] = disk_cache._FORMAT + 1
    elif how == "syntax error":
        record["source"] = record["source"].replace("):", ")", 1)
    elif how == "missing function":
        record["entry"] = "nowhere"
    elif how == "unknown injected kind":
        record["injected"] = {name: "os" for name in record["injected"]}
    elif how == "foreign injected function":
        record["injected"] = {name: "=os.system" for name in record["injected"]}
    elif how == "wrong types":
        record["free_vars"] = "x"
        record["source"] = 3
    elif how == "other key":
        record["key"] = "0" * 64
    elif how == "missing field":
        del record["dependencies"]
    elif how == "bad guard":
        record["dependencies"]["guards"] = [{"where": ["nowhere"], "what": None, "reads": None}]
    elif how == "other environment":
        record["dependencies"]["environment"]["np"] = ["module", "math"]
    return record


BROKEN = ["empty object", "empty list", "null", "other format", "syntax error", "missing function",
          "unknown injected kind", "foreign injected function", "wrong types", "other key", "missing field", "bad guard", "other environment"]


@pytest.mark.parametrize("how", BROKEN)
def test_a_sealed_but_malformed_entry_is_a_miss(directory, derives, how):
    """Entries that pass the seal but not the checks (what a bug could write): misses, never exceptions."""
    fresh_gradient(activation, directory)
    entry = entry_of(directory)
    seal(directory, entry, _break(record_of(entry), how))
    with warnings.catch_warnings():
        warnings.simplefilter("error", disk_cache.CacheWarning)  # the user's own entries: no warning
        assert_correct_and_regenerated(directory, derives)


def test_a_sealed_entry_that_is_not_json_is_a_miss(directory, derives):
    fresh_gradient(activation, directory)
    entry = entry_of(directory)
    seal(directory, entry, b"\xff{not json")
    assert_correct_and_regenerated(directory, derives)


# ---- a full disk ----------------------------------------------------------------------------------------------

FULL_PROGRAM = """
import os, resource, sys, warnings
import numpy as np
import srcdiff
from srcdiff import cache

def activation(x):
    return np.sum(np.tanh(x) * x + 0.5 * x ** 2)

directory = sys.argv[1]
os.makedirs(directory, mode=0o700)
resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[2]), int(sys.argv[2])))
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    for _ in range(3):
        cache.clear()
        print(repr(srcdiff.grad(activation, cache=directory)(np.array([0.3, -0.7, 1.1])).tolist()))
print(len([w for w in caught if w.category.__name__ == "CacheWarning"]), sorted(os.listdir(directory)))
"""


@pytest.mark.parametrize("limit", [10, 200])  # the key cannot be written; the key but not the entry
def test_a_full_file_system_leaves_no_temporary_files(tmp_path, limit):
    script = tmp_path / "full.py"
    script.write_text(FULL_PROGRAM)
    directory = tmp_path / "cache"
    result = subprocess.run([sys.executable, "-B", str(script), str(directory), str(limit)], capture_output=True,
                            text=True, timeout=60, env=CHILD_ENV)
    assert result.returncode == 0, result.stderr
    *gradients, summary = result.stdout.splitlines()
    for line in gradients:
        np.testing.assert_allclose(eval(line), numerical_gradient(activation, (POINT,)), rtol=1e-6)
    warned, listing = summary.split(" ", 1)
    assert warned == "1"  # one warning, not one per attempt
    assert eval(listing) == ([] if limit < 64 else ["key"])
    assert [p.name for p in directory.iterdir() if p.name.startswith(".tmp-")] == []


# ---- stale entries across processes ---------------------------------------------------------------------------

STALE_PROGRAM = """
import sys
import numpy as np
import srcdiff
import srcdiff.compiler as _c
from srcdiff.testing import numerical_gradient
_real = _c.derive
_calls = []
_c.derive = lambda *a, **k: (_calls.append(1), _real(*a, **k))[1]
{binding}

def f(x):
    return np.sum(act(x) * 2.0)

x = np.array([0.3, -0.7, 1.1])
gradient = srcdiff.grad(f, cache=sys.argv[1])(x)
numeric = numerical_gradient(f, (x,))
print("derived" if _calls else "loaded", bool(np.allclose(gradient, numeric, rtol=1e-6, atol=1e-9)))
"""


def run_program(path, directory, cwd=None, relative=False):
    command = [sys.executable, str(path), str(directory)]
    if relative:  # the functions' co_filename is the relative name, as under some runners
        command = [sys.executable, "-c", f"import sys; sys.argv[1:] = [{str(directory)!r}]; "
                   f"exec(compile(open({path.name!r}).read(), {path.name!r}, 'exec'))"]
    result = subprocess.run(command, capture_output=True, text=True, cwd=cwd or path.parent, timeout=60,
                            env=CHILD_ENV)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


@pytest.mark.parametrize("first, second", [
    ("act = np.tanh", "act = np.sin"),
    ("from numpy import tanh as act", "from numpy import sin as act"),
])
def test_a_changed_global_function_is_a_miss(tmp_path, first, second):
    program = tmp_path / "program.py"
    directory = tmp_path / "cache"
    program.write_text(STALE_PROGRAM.format(binding=first))
    assert run_program(program, directory) == ["derived", "True"]
    program.write_text(STALE_PROGRAM.format(binding=second))
    assert run_program(program, directory) == ["derived", "True"]
    assert run_program(program, directory) == ["loaded", "True"]


def test_the_same_file_name_in_two_folders(tmp_path):
    """Run as ``exec(compile(text, "program.py"))`` the functions' file is a relative name: the entry of one
    folder's program must not serve the other's."""
    directory = tmp_path / "cache"
    for folder, binding in (("a", "act = np.tanh"), ("b", "act = np.sin")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "program.py").write_text(STALE_PROGRAM.format(binding=binding))
    a, b = tmp_path / "a" / "program.py", tmp_path / "b" / "program.py"
    assert run_program(a, directory, relative=True) == ["derived", "True"]
    assert run_program(b, directory, relative=True) == ["derived", "True"]
    assert run_program(a, directory, relative=True) == ["loaded", "True"]


def test_a_changed_callee_in_the_same_module_is_a_miss(directory, derives, tmp_path, monkeypatch):
    """The function's text is the same; a function it calls was edited: the entry made for the old one is
    not used (in a new process as in this one, after a reload)."""
    import importlib

    module_file = tmp_path / "edited_module.py"
    text = "import numpy as np\n\ndef helper(x):\n    return np.sin(x) * x\n\ndef f(x):\n    return np.sum(helper(x))\n"
    module_file.write_text(text)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    module = importlib.import_module("edited_module")
    try:
        fresh_gradient(module.f, directory)
        fresh_gradient(module.f, directory)
        assert len(derives) == 1
        module_file.write_text(text.replace("np.sin(x) * x", "np.cos(x) * x * 2.0"))
        module = importlib.reload(module)
        gradient = fresh_gradient(module.f, directory)
        assert len(derives) == 2
        np.testing.assert_allclose(gradient(POINT), numerical_gradient(module.f, (POINT,)), rtol=1e-6)
    finally:
        sys.modules.pop("edited_module", None)


# ---- many processes, threads and forks ------------------------------------------------------------------------

RACE_PROGRAM = """
import sys, warnings
warnings.simplefilter("error")
import numpy as np
import srcdiff

def f(x):
    return np.sum(np.tanh(x) * x + 0.5 * x ** 2)

def g(x):
    return np.sum(np.exp(np.sin(x)))

x = np.array([0.3, -0.7, 1.1])
print(repr((srcdiff.grad(f, cache=sys.argv[1])(x).tolist(), srcdiff.grad(g, cache=sys.argv[1])(x).tolist())))
"""


def test_eight_processes_racing_on_one_folder(tmp_path):
    script = tmp_path / "race.py"
    script.write_text(RACE_PROGRAM)
    directory = tmp_path / "cache"
    processes = [subprocess.Popen([sys.executable, str(script), str(directory)], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True, env=CHILD_ENV) for _ in range(8)]
    outputs = [process.communicate(timeout=120) for process in processes]
    assert all(process.returncode == 0 for process in processes), [err for _, err in outputs]

    def g(x):
        return np.sum(np.exp(np.sin(x)))

    for out, _ in outputs:
        df, dg = eval(out)
        np.testing.assert_allclose(df, numerical_gradient(activation, (POINT,)), rtol=1e-6)
        np.testing.assert_allclose(dg, numerical_gradient(g, (POINT,)), rtol=1e-6)
    names = sorted(p.name for p in directory.iterdir())
    assert len(names) == 3 and names[-1] == "key"  # one key, one entry per function, no temporaries
    assert no_temporaries(directory)


def _waited(pid, seconds=20.0):
    """The exit status of child ``pid``, or None if it did not finish in time (then it is killed)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.005)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return None


def _child_gradient(directory=None):
    """In a forked child: take a new gradient (compiling, through the caches) and exit 0 if it is right."""
    status = 1
    try:
        signal.alarm(15)

        def child(x):
            return np.sum(np.cos(x) * x ** 2)

        value = srcdiff.grad(child, cache=directory)(POINT)
        status = 0 if np.allclose(value, numerical_gradient(child, (POINT,)), rtol=1e-6) else 2
    finally:
        os._exit(status)


def test_fork_while_another_thread_holds_the_locks(directory):
    """The child of a fork made while another thread is inside srcdiff's caches can still use them."""
    held, release = threading.Event(), threading.Event()

    def holder():
        with cache._LOCK, disk_cache._LOCK:
            held.set()
            release.wait(30)

    thread = threading.Thread(target=holder)
    thread.start()
    held.wait(10)
    try:
        pid = os.fork()
        if pid == 0:
            _child_gradient(directory)
        assert _waited(pid) == 0, "the child deadlocked on a lock held across fork"
    finally:
        release.set()
        thread.join()


def test_fork_while_three_threads_compile_and_call_gradients(directory):
    stop = threading.Event()
    errors = []

    def h0(x):
        return np.sum(np.sin(x) * 2.0)

    def h1(x):
        return np.sum(np.tanh(x) ** 2)

    def h2(x):
        return np.sum(x * np.exp(x))

    functions = [h0, h1, h2]

    def worker(k):
        try:
            i = 0
            while not stop.is_set():
                function = functions[(k + i) % 3]
                value = srcdiff.grad(function, cache=directory if i % 2 else None)(POINT)
                if not np.allclose(value, numerical_gradient(function, (POINT,)), rtol=1e-5):
                    errors.append(function.__name__)
                cache.clear()
                i += 1
        except Exception as error:  # reported below
            errors.append(repr(error))

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(3)]
    for thread in threads:
        thread.start()
    try:
        statuses = []
        for _ in range(15):
            pid = os.fork()
            if pid == 0:
                _child_gradient(directory)
            statuses.append(_waited(pid))
    finally:
        stop.set()
        for thread in threads:
            thread.join()
        sys.setswitchinterval(interval)
    assert statuses == [0] * len(statuses)
    assert errors == []


WORKER_MODULE = """
import numpy as np
import srcdiff

def loss(x):
    return np.sum(np.tanh(x) * x + 0.5 * x ** 2)

gradient = srcdiff.grad(loss, cache={directory!r})

def worker(x):
    return gradient(np.asarray(x))
"""


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_gradients_in_multiprocessing_pools(tmp_path, monkeypatch, method):
    """A pool's workers use a gradient made at import (by reference to a module-level function): forked
    workers share the parent's, spawned ones import the module and take the code from the disk cache."""
    import importlib
    import multiprocessing

    name = f"pool_module_{method}"
    (tmp_path / f"{name}.py").write_text(WORKER_MODULE.format(directory=str(tmp_path / "cache")))
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module(name)
    points = [POINT * scale for scale in (1.0, -0.5, 2.0, 0.1)]
    try:
        with multiprocessing.get_context(method).Pool(2) as pool:
            results = pool.map(module.worker, points, chunksize=1)
    finally:
        sys.modules.pop(name, None)
    for point, result in zip(points, results):
        np.testing.assert_allclose(result, numerical_gradient(activation, (point,)), rtol=1e-6, atol=1e-9)


def test_pickling_a_gradient_works_or_says_it_cannot():
    """A gradient function is a generated function: pickle either finds it by reference (and then it must
    compute the same gradient) or refuses with its own PicklingError, never something stranger."""
    import pickle

    gradient = srcdiff.grad(activation)
    try:
        data = pickle.dumps(gradient)
    except pickle.PicklingError as error:
        assert gradient.__qualname__ in str(error)
        return
    np.testing.assert_allclose(pickle.loads(data)(POINT), numerical_gradient(activation, (POINT,)), rtol=1e-6)


def make_model(act):
    def model(x):
        return np.sum(act(x) * x)

    return model


def test_closures_of_one_factory_do_not_share_an_entry(directory, derives):
    """Two functions made by one factory have the same code and text; each gets the derivative of what its
    closure holds, from disk as from memory."""
    with_tanh, with_sin = make_model(np.tanh), make_model(np.sin)
    fresh_gradient(with_tanh, directory)
    assert len(derives) == 1
    cache.clear()
    first = srcdiff.grad(with_tanh, cache=directory)  # from disk, then kept in memory
    second = srcdiff.grad(with_sin, cache=directory)
    assert len(derives) == 2
    np.testing.assert_allclose(first(POINT), numerical_gradient(with_tanh, (POINT,)), rtol=1e-6)
    np.testing.assert_allclose(second(POINT), numerical_gradient(with_sin, (POINT,)), rtol=1e-6)
    third = fresh_gradient(make_model(np.sin), directory)  # a new closure holding sin: the entry for sin
    np.testing.assert_allclose(third(POINT), numerical_gradient(with_sin, (POINT,)), rtol=1e-6)
    assert len(derives) == 2


def test_temporary_files_of_killed_writers_are_swept(directory, derives):
    fresh_gradient(activation, directory)
    old, new = directory / ".tmp-0123456789abcdef", directory / ".tmp-fedcba9876543210"
    for path in (old, new):
        path.write_bytes(b"half an entry")
    os.utime(old, (time.time() - 3600, time.time() - 3600))
    entry_of(directory).unlink()
    fresh_gradient(activation, directory)  # a store
    assert not old.exists() and new.exists()  # a new one may be another process's, being written


def solves(A, b):
    return np.sum(np.linalg.solve(A, b) ** 2) + np.einsum("i,ij,j->", b, A, b)


def test_code_that_reaches_numpy_and_srcdiff_functions_round_trips(directory, derives):
    """Generated code may close over numpy functions and srcdiff's own helpers: such entries are written,
    and loaded in a new process."""
    A = np.array([[2.0, 0.3], [0.1, 1.5]])
    b = np.array([0.4, -1.2])
    fresh_gradient(solves, directory)
    gradient = fresh_gradient(solves, directory)
    assert len(derives) == 1
    np.testing.assert_allclose(gradient(A, b), numerical_gradient(solves, (A, b)), rtol=1e-5)


EDITED = """
import sys
import numpy as np
import srcdiff

def f(x):
    return np.sum({body})

if __name__ == "__main__":
    srcdiff.grad(f, cache=sys.argv[1])
"""


def test_an_entry_for_the_edited_file_does_not_serve_the_code_still_running(tmp_path, directory, monkeypatch):
    """A process imported a module; the file was edited since, and another process stored the derivative of
    the new text. The first process runs the old code: it must not get the new derivative."""
    import importlib

    module_file = tmp_path / "edited_later.py"
    module_file.write_text(EDITED.format(body="np.sin(x) * x"))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    module = importlib.import_module("edited_later")
    try:
        module_file.write_text(EDITED.format(body="np.cos(x) * 3.0"))  # same lines, other code
        subprocess.run([sys.executable, "-B", "-c", f"import sys; sys.argv[1:] = [{str(directory)!r}]; "
                        "import edited_later, srcdiff; srcdiff.grad(edited_later.f, cache=sys.argv[1])"],
                       check=True, cwd=tmp_path, timeout=60, capture_output=True, env=CHILD_ENV)
        assert len([p for p in directory.iterdir() if p.suffix == ".json"]) == 1
        cache.clear()
        try:
            value = srcdiff.grad(module.f, cache=directory)(POINT)
        except srcdiff.SrcdiffError as error:  # the source is not the code that runs: said, located
            assert "edited_later.py" in str(error)
        else:
            np.testing.assert_allclose(value, numerical_gradient(module.f, (POINT,)), rtol=1e-6)
    finally:
        sys.modules.pop("edited_later", None)


KEY_PROGRAM = """
import numpy as np
from srcdiff import disk_cache

def f(x):
    return np.sum(np.tanh(x) * x) if x.ndim in {1, 2} else 0.0

print(disk_cache._rules_fingerprint(), disk_cache._disk_key(f, ("x",), (False, False, "grad", None)))
"""


def test_an_entry_has_the_same_name_in_every_process(tmp_path):
    """Nothing that differs between runs (addresses in reprs, string hashing) gets into an entry's name."""
    script = tmp_path / "key.py"
    script.write_text(KEY_PROGRAM)
    names = {subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=True, timeout=60,
                            env=child_environment(PYTHONHASHSEED=seed)).stdout for seed in ("1", "2")}
    assert len(names) == 1
