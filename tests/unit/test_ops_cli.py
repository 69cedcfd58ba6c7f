"""`chatkit-todo --help` as a newcomer reads it: every option says its default and the
environment variable behind it; the README's proxy option exists."""

from __future__ import annotations

import pytest

from chatkit_todo.cli import build_parser


def help_of(*command: str, capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit):
        build_parser().parse_args([*command, "--help"])
    return " ".join(capsys.readouterr().out.split())


@pytest.mark.parametrize("command", ["serve", "api"])
def test_http_options_name_their_variable_and_default(
        command: str, capsys: pytest.CaptureFixture[str]) -> None:
    text = help_of(command, capsys=capsys)
    assert "CHATKIT_HOST; default 127.0.0.1" in text
    assert "CHATKIT_PORT; default 8000" in text
    assert "--proxy-headers" in text and "CHATKIT_FORWARDED_ALLOW_IPS" in text


def test_worker_and_sweep_options_show_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    worker = help_of("worker", capsys=capsys)
    assert "CHATKIT_WORKER_CONCURRENCY; default 2" in worker
    assert "(default: /tmp/chatkit-beat-schedule)" in worker
    sweep = help_of("sweep", capsys=capsys)
    assert "(default: 30.0)" in sweep and "CHATKIT_SWEEP_INTERVAL_SECONDS" in sweep


def test_the_readmes_proxy_option_is_accepted() -> None:
    args = build_parser().parse_args(["api", "--proxy-headers", "--workers", "2"])
    assert args.forwarded_allow_ips == "127.0.0.1"
    args = build_parser().parse_args(["api", "--forwarded-allow-ips", "10.0.0.2"])
    assert args.forwarded_allow_ips == "10.0.0.2"
