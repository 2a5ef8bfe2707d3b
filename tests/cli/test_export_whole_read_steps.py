"""An export that falls back to reading its records whole says each step and its seconds, as
`report` does: the queue_log export of 1,200,000 records out of entry order had said
'reading the records whole' and then nothing for 30 s while it read them and put 3.4 million
lines in time order."""

from __future__ import annotations

import pandas as pd
from click.testing import CliRunner

from analytics.records import write_records
from cli.report_commands import export_command
from tests.analytics.builders import call, frame


def _export(*options: str) -> list[str]:
    result = CliRunner().invoke(export_command, list(options))
    assert result.exit_code == 0, result.output
    return result.stderr.splitlines()


def test_a_queue_log_from_records_out_of_order_says_its_steps(tmp_path):
    later, earlier = tmp_path / "later.csv", tmp_path / "earlier.csv"  # a batch each
    write_records(frame([call("late", "answered", 30, at_s=600),
                         call("mid", "answered", 5, at_s=300)]), later)
    write_records(frame([call("early", "abandoned", 9)]), earlier)
    said = _export("--format", "queue_log", "--records", str(later), "--records", str(earlier),
                   "--out", str(tmp_path / "queue_log"))
    assert said[0].startswith("reading the records whole (records are not in entry order")
    assert any(line.startswith("reading call records from ") and line.endswith(" ...")
               for line in said)
    assert "putting the queue_log lines of 3 calls in time order ..." in said
    assert any(line.startswith("putting the queue_log lines of 3 calls in time order: done in ")
               for line in said)


def test_records_whose_files_differ_in_columns_say_their_steps(tmp_path):
    plain, extra, out = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "out.csv"
    write_records(frame([call("A", "answered", 30)]), plain)
    write_records(frame([call("B", "answered", 20, at_s=60)]), extra)
    pd.read_csv(extra).assign(talk_s=120.0).to_csv(extra, index=False)
    said = _export("--format", "csv", "--records", str(plain), "--records", str(extra),
                   "--out", str(out))
    assert "the record files' columns differ: reading them whole" in said
    assert any(line.startswith("reading call records from ") and line.endswith(" ...")
               for line in said)
    assert f"writing {out.name} ..." in said
