"""Where a command's --out points at something other than a plain file (cli.whole_file): a
reviewer's `holdwell fit --out /dev/full`, run as root, replaced the device with a file."""

from __future__ import annotations

import os
import stat

import click
import pytest

from cli.whole_file import whole_file


def write(target, text: str = "written\n") -> None:  # noqa: ANN001 - a path
    with whole_file(target) as path, open(path, "w", encoding="utf-8") as out:
        out.write(text)


def test_a_symlink_is_written_through_and_kept(tmp_path):
    real = tmp_path / "real.toml"
    real.write_text("old\n")
    link = tmp_path / "link.toml"
    link.symlink_to(real)
    write(link)
    assert link.is_symlink() and real.read_text() == "written\n"


def test_a_device_is_written_to_not_replaced(tmp_path):
    null = tmp_path / "null.csv"
    try:
        os.mknod(null, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # /dev/null's numbers
    except PermissionError as error:
        pytest.skip(f"cannot make a device node here: {error}")
    write(null)
    assert stat.S_ISCHR(null.stat().st_mode)  # still the device
    assert not list(tmp_path.glob(".null.partial-*"))


def test_a_folder_or_a_place_nothing_can_be_written_is_said_in_one_line(tmp_path):
    with pytest.raises(click.ClickException, match="is a folder: give a file to write"):
        write(tmp_path)
    with pytest.raises(click.ClickException, match=r"cannot write /proc/x\.toml: "):
        write("/proc/x.toml")  # had been "unexpected error (FileNotFoundError)"


def test_a_plain_file_is_still_replaced_whole(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("earlier\n")
    with pytest.raises(KeyboardInterrupt), whole_file(target) as path:
        path.write_text("half")
        raise KeyboardInterrupt
    assert target.read_text() == "earlier\n" and not list(tmp_path.glob(".out.partial-*"))
    write(target)
    assert target.read_text() == "written\n"


def test_a_writer_that_names_the_file_only_in_its_message_is_a_cannot_write(tmp_path):
    """pyarrow's PermissionError carries no filename, only "Failed to open local file
    '…partial…'": it had come out as "unexpected error (PermissionError)" after the run."""
    target = tmp_path / "calls.parquet"
    with pytest.raises(click.ClickException, match="cannot write"), \
            whole_file(target) as partial:
        raise PermissionError(f"Failed to open local file '{partial}'. Detail: [errno 13]")
    assert not target.exists() and list(tmp_path.iterdir()) == []
