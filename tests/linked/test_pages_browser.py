"""Entity pages in headless Debian chromium with JavaScript off: what a reader of the report sees.

A school, a major and an industry cluster of the Benxi 2024 report: labels in both languages
(the toggle is a plain link), types, labelled property values, incoming links grouped by
property, the statistics observations, where the facts come from, the neighbourhood graph.
"""

from __future__ import annotations

import pytest
from helpers.browser import needs_chromium, offline_page

pytestmark = needs_chromium


@pytest.fixture
def page(browser):
    """JavaScript off (the pages must not need it); no request may leave loopback."""
    with offline_page(browser, java_script_enabled=False) as page:
        yield page
        assert page.outside == [], f"the page reached outside: {page.outside}"


def texts(page, selector: str) -> list[str]:
    return [t.strip() for t in page.locator(selector).all_inner_texts()]


VET = "https://w3id.org/vetgraph/ontology#"


def incoming(page, prop: str, heading: str) -> list[str]:
    """Link texts of the incoming group of property ``prop``, checking its heading."""
    group = page.locator(f'#incoming .incoming-group[data-property="{prop}"]')
    assert group.locator("h3").inner_text().startswith(heading + " (")
    return [t.strip() for t in group.locator("li > a").all_inner_texts()]


def test_school_page(server, page):
    page.goto(server.url + "/id/school/benxi-health-school")
    assert page.locator("h1#label").inner_text() == "本溪市卫生学校"
    assert page.locator("#other-label").inner_text() == "Benxi Health School"
    assert texts(page, "#types a") == ["中等职业学校"]
    assert "卫生学校" in page.locator(".alt-labels").inner_text()
    row = page.locator('#properties tr[data-property="https://w3id.org/vetgraph/ontology#locatedIn"]')
    assert row.locator("th").inner_text() == "所在地"
    assert row.locator("td a").inner_text() == "本溪市"
    assert row.locator("td a").get_attribute("href") == "/id/area/benxi-city"
    offerings = incoming(page, VET + "offeredBy", "开设学校")
    assert len(offerings) == 10
    assert "本溪市卫生学校护理专业" in offerings
    table = page.locator('#observations table[data-dataset="https://w3id.org/vetgraph/dataset/table-1-1"]')
    students = table.locator(
        'tr[data-observation="https://w3id.org/vetgraph/dataset/table-1-1/obs/'
        'benxi-health-school-in-school-students-2024"]')
    assert students.locator("td.indicator").inner_text() == "在校生数"
    assert students.locator("td.value").inner_text() == "2339"
    assert students.locator("td.period").inner_text() == "2024"
    assert "表 1.1 本溪市 2024 年中等职业学校基本情况" in students.locator("td.source").inner_text()
    sources = texts(page, "#sources li")
    assert any("表 1.1 本溪市 2024 年中等职业学校基本情况" in s for s in sources)
    assert any("3.1.1 产教融合，共育人才" in s for s in sources)
    assert page.locator("svg.neighbourhood circle.in").count() >= 1
    assert page.locator("svg.neighbourhood circle.out").count() >= 1

    page.click("a.lang-toggle")  # a plain link: works without JavaScript
    assert page.url.endswith("?lang=en")
    assert page.locator("h1#label").inner_text() == "Benxi Health School"
    assert page.locator("#other-label").inner_text() == "本溪市卫生学校"
    assert texts(page, "#types a") == ["Secondary vocational school"]
    assert "Nursing" in " ".join(incoming(page, VET + "offeredBy", "Offered by"))


def test_major_page(server, page):
    page.goto(server.url + "/code/major/nursing")
    assert page.locator("h1#label").inner_text() == "护理"
    assert texts(page, "#types a") == ["专业", "概念"]  # skos:Concept labelled too
    matches = page.locator(
        '#properties tr[data-property="http://www.w3.org/2004/02/skos/core#exactMatch"] td a')
    assert matches.count() == 2
    assert incoming(page, VET + "major", "专业") == ["本溪市卫生学校护理专业"]
    bases = incoming(page, VET + "coversMajor", "覆盖专业")
    assert len(bases) == 4
    assert "护理专业创新型实训基地“模拟医院”" in bases
    sources = texts(page, "#sources li")
    assert any("表 1.5.2 市卫生学校实训基地表" in s for s in sources)


def test_cluster_page(server, page):
    page.goto(server.url + "/code/industry-cluster/biomedical-cluster")
    assert page.locator("h1#label").inner_text() == "生物医药产业集群"
    served = incoming(page, VET + "servesCluster", "服务产业")
    assert len(served) == 12
    assert "辽宁爱尔创生物材料有限公司" in served
    assert "本溪市卫生学校护理专业" in served
    assert "护理专业创新型实训基地“模拟医院”" in served
    nursing = page.locator("#incoming li", has_text="本溪市卫生学校护理专业").first
    assert "表 1.5.2" in nursing.inner_text() or "1.5.2" in nursing.inner_text()
    sources = texts(page, "#sources li")
    assert any("表 1.5.2 市卫生学校实训基地表" in s for s in sources)
    assert page.locator("svg.neighbourhood a").count() >= 12


def test_ontology_and_shapes_pages(server, page):
    page.goto(server.url + "/ontology")
    school = page.locator("section#School")
    assert "中等职业学校" in school.locator("h3").inner_text()
    assert "组织机构" in school.inner_text()  # its superclass, labelled
    located = page.locator("section#locatedIn")
    assert "行政区域" in located.inner_text()
    page.goto(server.url + "/shapes?lang=en")
    shape = page.locator("section#SchoolShape")
    assert "applies to every" in shape.inner_text()
    assert "exactly 1 value(s)" in shape.inner_text()


#: Every label of the neighbourhood picture: its box, and the picture's box.
LABEL_BOXES = """() => {
  const svg = document.querySelector("svg.neighbourhood");
  const frame = svg.getBoundingClientRect();
  const boxes = Array.from(svg.querySelectorAll("text")).map(t => {
    const r = t.getBoundingClientRect();
    return [t.textContent, r.left, r.top, r.right, r.bottom];
  });
  return [[frame.left, frame.top, frame.right, frame.bottom], boxes];
}"""


@pytest.mark.parametrize("path,width", [
    ("/id/school/benxi-health-school", 1280),
    ("/id/school/benxi-health-school", 800),
    ("/code/industry-cluster/biomedical-cluster", 1280),
    ("/id/area/benxi-city", 1280),
    ("/id/school/benxi-health-school?lang=en", 1280),
    ("/code/industry-cluster/biomedical-cluster?lang=en", 800),
])
def test_neighbourhood_labels_neither_clip_nor_overlap(server, browser, path, width):
    with offline_page(browser, java_script_enabled=True,
                      viewport={"width": width, "height": 900}) as page:
        page.goto(server.url + path)
        frame, boxes = page.evaluate(LABEL_BOXES)
        assert len(boxes) >= 4
        for text, left, top, right, bottom in boxes:
            assert text.strip()
            assert frame[0] <= left and right <= frame[2], (text, left, right, frame)
            assert frame[1] <= top and bottom <= frame[3], (text, top, bottom, frame)
        for i, a in enumerate(boxes):
            for b in boxes[i + 1:]:
                apart = a[3] <= b[1] or b[3] <= a[1] or a[4] <= b[2] or b[4] <= a[2]
                assert apart, f"{a[0]!r} overlaps {b[0]!r}"
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert page.outside == []
