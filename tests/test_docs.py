"""The README's set-up commands are what CI runs, and what the package ships is there."""

import re

from .conftest import ROOT


def readme_commands():
    block = re.search(r"```bash\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S).group(1)
    return [line for line in block.splitlines() if line and not line.startswith("#")]


def test_readme_opens_with_the_two_setup_commands_and_ci_runs_the_second():
    tag, tests = readme_commands()
    assert "pip install -q torch==2.13.0" in tag and tag.endswith("kcna-themes tag examples/captures")
    assert tag.index("torch==2.13.0") < tag.index("pip install -q .")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert tests in ci.splitlines()
    assert tests.index("torch==2.13.0") < tests.index("-e '.[test]'")


def test_example_captures_exist_for_the_first_command():
    assert len(list((ROOT / "examples" / "captures").glob("*.txt"))) == 5
