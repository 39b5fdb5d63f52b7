"""The command line reads right: --version, a bare call, plain flags, and a README that matches --help."""

import re

from conftest import ROOT
from test_cli import storyline


def test_cli_version_and_a_bare_call_exit_zero():
    from storyline import __version__

    version = storyline("--version")
    assert version.returncode == 0 and version.stdout.strip() == f"storyline {__version__}"
    bare = storyline()
    assert bare.returncode == 0 and "analyze" in bare.stdout and "Usage" in bare.stdout


def test_cli_plain_flags_are_not_shown_as_taking_a_value():
    help_text = storyline("analyze", "--help").stdout
    assert "<bool>" not in help_text
    assert re.search(r"^\s+--fetch\s{2,}Fetch", help_text, re.M)


def test_cli_readme_names_every_analyze_option_and_format():
    help_text = storyline("analyze", "--help").stdout
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    options = set(re.findall(r"(--[a-z][a-z-]+)", help_text)) - {"--help"}
    assert options and all(option in readme for option in options), options - set(re.findall(r"--[a-z-]+", readme))
    for suffix in (".parquet", ".warc", ".rss", ".urls", ".jsonl", ".html", ".txt"):
        assert suffix in help_text and suffix in readme
    # Every flag the README gives analyze exists (no --no-dossier for analyze).
    use = readme.split("## Use", 1)[1].split("### ", 1)[0]
    for flag in set(re.findall(r"`(?:storyline analyze [^`]*?)?(--[a-z][a-z-]+)", use)):
        if flag in ("--no-dossier",):
            assert "corpus-parts --no-dossier" in use
        else:
            assert flag in help_text or flag in storyline("--help").stdout, flag
