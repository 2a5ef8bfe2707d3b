"""A CSV line with an unclosed quote joins the next line to it: pyarrow read the next call with
the broken line as its id ('bad,1,2\\nmusic_ads-…"'), the report counted one call fewer than the
file's lines without a word, and every line a later message named was one off. A line break
in an id, queue, policy or arm is now refused, naming the line."""

from __future__ import annotations

from click.testing import CliRunner

from analytics.records import load_records, write_records
from analytics.validation import RecordsError
from cli.report_commands import report_command
from tests.analytics.builders import call, frame


def broken_file(tmp_path):
    path = tmp_path / "calls.csv"
    write_records(frame([call(f"c{i}", "answered", 30, at_s=60 * i) for i in range(6)]), path)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines.insert(4, '"bad,1,2\n')  # line 5: a quote never closed
    path.write_text("".join(lines), encoding="utf-8")
    return path


def test_a_joined_line_is_refused_by_its_line(tmp_path):
    path = broken_file(tmp_path)
    said = CliRunner().invoke(report_command, ["--records", str(path)])
    assert said.exit_code == 1, said.output
    assert "column 'call_id': 1 value(s) (line 5: 'bad,1,2\\n" in said.output
    assert "hold a line break" in said.output and "unclosed quote" in said.output


def test_read_whole_it_is_refused_too(tmp_path):
    path = broken_file(tmp_path)
    try:
        load_records([path])
    except RecordsError as error:
        assert "line 5" in str(error)
    else:
        raise AssertionError("a joined line was read as a call")


def test_a_quote_never_closed_is_named_by_its_line(tmp_path):
    """pandas had said 'EOF inside string starting at row 4' of the quote on line 5."""
    path = tmp_path / "calls.csv"
    write_records(frame([call(f"c{i}", "answered", 30, at_s=60 * i) for i in range(3)]), path)
    with path.open("a", encoding="utf-8") as out:
        out.write('"bad,1,2\n')
    said = CliRunner().invoke(report_command, ["--records", str(path)])
    assert said.exit_code == 1
    assert f'Error: {path}: a quote (") opened on line 5 is never closed' in said.output
    assert "EOF inside string" not in said.output
