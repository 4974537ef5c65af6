"""/dataset/... pages show each statistics table as a grid like the report (rows × columns,
both years, changes), with the same grid as CSV (issue 19, item 4). Values from the report:
shared/seed/000_687cde9a5ca8b571.txt, 表 1.1 and 表 1.3.3."""

from __future__ import annotations

import csv
import io
import re

import pytest


def grid(server, table: str, lang: str = "zh") -> list[list[str]]:
    response = server.get(f"/dataset/{table}.csv", params={"lang": lang})
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8"))))


def test_table_1_1_as_the_report_prints_it(server):
    rows = grid(server, "table-1-1")
    assert len(rows) == 1 + 7 and len(rows[0]) == 1 + 8  # 合计 + 6 schools, 8 columns
    by_subject = {r[0]: r[1:] for r in rows[1:]}
    header = rows[0][1:]
    students = header.index(next(h for h in header if h.startswith("在校生数")))
    assert by_subject["本溪市卫生学校"][students] == "2339"
    assert by_subject["本溪市"][students] == "5121"  # the 合计 row: its subject is the city
    english = grid(server, "table-1-1", "en")
    assert english[0][0] == "subject" and "Benxi Health School" in {r[0] for r in english}


def test_table_1_3_3_has_both_years_and_the_change(server):
    rows = grid(server, "table-1-3-3")
    header = rows[0]
    female = next(r for r in rows[1:] if r[0].endswith("女性"))
    cells = dict(zip(header, female, strict=True))
    levels = {h: v for h, v in cells.items() if re.search(r" 202[34]$", h) and v}
    assert sorted(levels.values()) == ["78.2", "78.9"]
    changes = [v for h, v in cells.items() if "2023→2024" in h and v]
    assert changes == ["-0.7"]


def test_the_page_shows_the_grid_and_links_the_csv(server):
    html = server.get("/dataset/table-1-1", headers={"Accept": "text/html"}).text
    assert 'id="grid"' in html and 'href="/dataset/table-1-1.csv?lang=zh"' in html
    body = html.split('id="grid"', 1)[1].split("</table>", 1)[0]
    assert body.count("<tr>") == 1 + 7
    assert "<td>2339</td>" in body


@pytest.mark.parametrize("path", ["/dataset/no-such-table.csv", "/dataset/table-1-1.csv?lang=fr"])
def test_bad_csv_requests(server, path):
    assert server.get(path).status_code in (400, 404)
