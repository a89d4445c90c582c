"""The README documents every setting, command and endpoint the code has."""
from search import config
from search.cli import main

from .conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_in_the_readme():
    for s in config.SETTINGS:
        assert f"| {s.name} | `{s.env}` |" in README, s.name


def test_every_command_is_in_the_readme():
    for name in main.commands:
        assert f"`casearch {name}" in README, name


def test_every_api_route_is_in_the_readme():
    from web import create_app
    app = create_app({"INDEX_DIR": "/nonexistent"})
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            assert rule.rule.replace("<path:article_id>", "<id>").replace("<path:name>", "<name>") in README, rule.rule
