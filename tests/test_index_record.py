from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from farm.index_record import Published, Record, RecordError, upload_time

A = Published(filename="wheelfarm_zlib-1.2.13-py3-none-any.whl", project="wheelfarm-zlib", version="1.2.13",
              sha256="a" * 64, size=10, metadata_sha256="b" * 64, upload_time="2026-12-01T09:00:00.000001Z",
              url="https://example.invalid/w/wheelfarm_zlib-1.2.13-py3-none-any.whl", metadata_served=False,
              requires_python=">=3.9", yanked="bad pins")
B = Published(filename="wheelfarm_zlib-1.2.13.post1-py3-none-any.whl", project="wheelfarm-zlib",
              version="1.2.13.post1", sha256="c" * 64, size=11, metadata_sha256="d" * 64)


def test_a_record_reads_back_what_it_wrote() -> None:
    record = Record().put(B).put(A)
    assert [f.filename for f in record.files] == [A.filename, B.filename]
    assert Record.loads(record.dumps(), Path("r.jsonl")) == record
    assert len(record.dumps().splitlines()) == 3, "a header and one line per file"
    assert record.put(B) == record and record.versions("wheelfarm-zlib") == ["1.2.13", "1.2.13.post1"]


def test_upload_time_is_pep_700s_utc_form() -> None:
    moment = datetime(2026, 12, 1, 10, 0, 0, 5, tzinfo=timezone(timedelta(hours=2)))
    assert upload_time(moment) == "2026-12-01T08:00:00.000005Z"


@pytest.mark.parametrize(("text", "message"), [
    ("", r"r.jsonl:1: expected the header"),
    ('{"format": 2}\n', r"r.jsonl:1: expected the header"),
    ('{"format": 1}\n[]\n', r"r.jsonl:2: expected a JSON object"),
    ('{"format": 1}\n{"filename": "x.whl"}\n', r"r.jsonl:2: missing key 'metadata_sha256'"),
    ('{"format": 1}\n{oops\n', r"r.jsonl:2: not JSON"),
])
def test_a_bad_record_names_the_line(text: str, message: str) -> None:
    with pytest.raises(RecordError, match=message):
        Record.loads(text, Path("r.jsonl"))


def test_duplicates_bad_hashes_and_empty_reasons_are_refused() -> None:
    header, line = Record().put(B).dumps().splitlines()
    with pytest.raises(RecordError, match=r":3: .* is recorded twice"):
        Record.loads("\n".join([header, line, line]), Path("r.jsonl"))
    with pytest.raises(RecordError, match=r":2: .*64 lowercase hex"):
        Record.loads("\n".join([header, line.replace("c" * 64, "C" * 64)]), Path("r.jsonl"))
    with pytest.raises(RecordError, match=r":2: .*a yank needs a reason"):
        Record.loads("\n".join([header, line.replace('"yanked": null', '"yanked": " "')]), Path("r.jsonl"))
    with pytest.raises(RecordError, match=r":2: size must be int"):
        Record.loads("\n".join([header, line.replace('"size": 11', '"size": true')]), Path("r.jsonl"))
