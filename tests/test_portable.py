"""The package imports where POSIX-only modules do not exist (Windows office laptops)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import geoasset

POSIX_ONLY = {"fcntl", "termios", "pwd", "grp", "resource"}
PACKAGE_DIR = Path(geoasset.__file__).parent


def _top_level_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_no_module_imports_a_posix_only_module_at_top_level():
    offenders = {
        str(path.relative_to(PACKAGE_DIR)): sorted(_top_level_imports(path) & POSIX_ONLY)
        for path in PACKAGE_DIR.rglob("*.py")
    }
    assert {name: found for name, found in offenders.items() if found} == {}


def test_package_and_cli_import_without_fcntl():
    # Simulate a platform without fcntl: an entry of None in sys.modules makes
    # `import fcntl` raise ImportError, as it does on Windows.
    code = (
        "import sys\n"
        "for name in " + repr(sorted(POSIX_ONLY)) + ":\n"
        "    sys.modules[name] = None\n"
        "import geoasset, geoasset.cli.main\n"
        "from click.testing import CliRunner\n"
        "result = CliRunner().invoke(geoasset.cli.main.cli, ['--help'])\n"
        "assert result.exit_code == 0, result.output\n"
        "print('imported', 'fcntl' in sys.modules and sys.modules['fcntl'] is None)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "imported True"
