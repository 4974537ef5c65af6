"""Synthetic data in the project's own ontology, for scale tests and benchmarks.

``vetgraph synth --schools N [--years Y] [--seed S] --out DIR`` writes the seed data plus N
synthetic schools and every per-school statistics table of the seed for each school, city and
year, as Turtle files in ``DIR`` (never ``data/ttl/``). Contract: every synthetic IRI has a
``synth-`` slug and every label says 合成 / synthetic; every value the data-quality rules can
recompute agrees with them, so the seed's warnings stay exactly the seed's; memory stays flat
(one chunk at a time); the same arguments give byte-identical files. What is generated and the
distributions it follows: ``docs/synthetic-data.md``.
"""

from __future__ import annotations

import math
import random
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from pathlib import Path

from .config import Settings
from .namespaces import turtle_prologue

CHUNK = 500
LAST_YEAR = 2024
SCHOOLS_PER_CITY = 30
B = "https://w3id.org/vetgraph/"
SOURCE = B + "source/synthetic"


@dataclass(frozen=True)
class Table:
    """A statistics table of the seed, reproduced for synthetic subjects."""

    number: str  # "1.3.3"
    section: str  # the section it belongs to
    zh: str
    en: str
    subject: str  # "school" or "city"
    category: bool  # the structure has the category dimension
    attributes: tuple[str, ...] = ()  # optional attributes after unit and status, in order

    @cached_property
    def key(self) -> str:
        return self.number.replace(".", "-")

    @cached_property
    def prefix(self) -> str:
        return "t" + self.number.replace(".", "")


#: The seed's statistics tables (data/ttl/stats-table-*.ttl), in report order.
TABLES = [
    Table("1.1", "1", "中等职业学校基本情况", "Basic data of secondary vocational schools",
          "school", False),
    Table("1.3.3", "1", "生源结构与巩固率", "Student-source structure and retention rate",
          "school", True, ("vet:basePeriod", "vet:statedText")),
    Table("1.4.1", "1", "教师比例表", "Teacher ratios", "school", False),
    Table("2.1.6", "2", "法治讲座统计表", "Law lectures", "school", True, ("vet:statedText",)),
    Table("2.2.1", "2", "学生满意度调查", "Student satisfaction survey", "school", True,
          ("vet:statedText", "vet:surveyMethod")),
    Table("2.3.2", "2", "学生技能认定数", "Students' skill certifications", "school", True),
    Table("2.4.4", "2", "MBTI 人格测试统计", "MBTI personality test statistics", "city", True),
    Table("3.1.2", "3", "社会培训情况", "Social training", "school", False),
    Table("6.3", "6", "校企合作情况一览表", "School-enterprise cooperation", "school", True,
          ("vet:statedText",)),
    Table("7.2", "7", "财政投入数据表", "Public funding", "school", False,
          ("vet:basePeriod", "vet:statedText")),
]
T = {t.number: t for t in TABLES}
SECTIONS = {
    "1": ("基本情况", "Basic situation"),
    "2": ("学生发展", "Student development"),
    "3": ("产教融合", "Industry-education integration"),
    "6": ("校企合作", "School-enterprise cooperation"),
    "7": ("经费保障", "Funding"),
}

PREFIXES = f"""\
{turtle_prologue("vet", "rdfs", "skos", "prov", "dcterms", "xsd", "qb", "sdmx-dimension",
                  "sdmx-measure", "sdmx-attribute")}@prefix school: <{B}id/school/> .
@prefix area: <{B}id/area/> .
@prefix org: <{B}id/organisation/> .
@prefix offering: <{B}id/major-offering/> .
@prefix agreement: <{B}id/agreement/> .
@prefix pathway: <{B}id/articulation-pathway/> .
@prefix base: <{B}id/training-base/> .
@prefix link: <{B}id/cluster-link/> .
@prefix mj: <{B}code/major/> .
@prefix cluster: <{B}code/industry-cluster/> .
@prefix st: <{B}code/school-type/> .
@prefix kind: <{B}code/agreement-kind/> .
@prefix role: <{B}code/party-role/> .
@prefix bk: <{B}code/base-kind/> .
@prefix status: <{B}code/offering-status/> .
@prefix basis: <{B}code/link-basis/> .
@prefix ind: <{B}code/indicator/> .
@prefix cat: <{B}code/category/> .
@prefix unit: <{B}code/unit/> .
@prefix os: <{B}code/observation-status/> .
@prefix vk: <{B}code/value-kind/> .
@prefix ds: <{B}dataset/> .
@prefix ssec: <{SOURCE}/section/> .
@prefix stab: <{SOURCE}/table/> .
""" + "".join(
    f"@prefix {t.prefix}: <{B}dataset/synth-table-{t.key}/obs/> .\n" for t in TABLES
) + "\n"

#: Majors of the seed's code list, grouped by the cluster they serve (names as in the report).
MAJOR_CLUSTERS: dict[str, list[tuple[str, str]]] = {
    "medical-and-health": [
        ("nursing", "护理"), ("midwifery", "助产"), ("rural-medicine", "农村医学"),
        ("laboratory-testing", "检验"), ("pharmacy", "药剂"), ("stomatology", "口腔"),
        ("oral-nursing", "口腔护理"), ("dental-prosthesis-technology", "口腔修复工艺"),
        ("elderly-care-services-and-management", "老年人服务与管理"),
        ("sports-rehabilitation", "运动康复"), ("nursing-care-kaigo", "护理（介护）"),
    ],
    "pharmaceutical-and-chemical": [
        ("pharmaceutical-manufacturing", "制药"),
        ("chinese-medicine-pharmaceutics", "中药制药"),
        ("chemical-pharmaceutical-technology", "化学制药技术"),
        ("pharmaceutical-preparation", "药物制剂"),
    ],
    "equipment-manufacturing": [
        ("cnc-technology-application", "数控技术应用"),
        ("electrical-equipment-operation-and-control", "电气设备运行与控制"),
        ("industrial-robot-technology", "工业机器人技术"), ("machining", "机械加工"),
    ],
    "cultural-tourism": [
        ("cooking", "烹饪"), ("tourism", "旅游"), ("french-cuisine", "法式烹饪"),
        ("tourism-services-and-management", "旅游服务与管理"),
        ("landscape-gardening", "园林"), ("art-design", "艺术设计"),
    ],
    "local-industry": [("digital-media", "数字媒体"), ("computing", "计算机")],
}
CLUSTER_NAMES = {
    "medical-and-health": "医疗健康", "pharmaceutical-and-chemical": "医药化工",
    "equipment-manufacturing": "装备制造", "cultural-tourism": "文化旅游",
    "local-industry": "地方产业",
}
SCHOOL_TYPES = {
    "vocational-high-school": ("职业高中", "vocational high school"),
    "regular-secondary-specialised-school": ("普通中专", "regular secondary specialised school"),
}
#: Table 1.1 indicators: (code, unit) in the report's column order.
TABLE_1_1 = [
    ("graduates", "person"), ("new-enrolment", "person"), ("in-school-students", "person"),
    ("staff", "person"), ("full-time-teachers", "person"), ("double-qualified-teachers", "person"),
    ("land-area", "square-metre"), ("floor-area", "square-metre"),
]
#: Table 1.3.3 breakdowns (indicator, categories) whose levels add up to 100.
BREAKDOWNS = [
    ("source-level-share", ("fresh-junior-secondary-graduates",
                            "previous-junior-secondary-graduates", "senior-secondary-entry")),
    ("age-structure-share", ("age-15-20", "age-20-25")),
    ("gender-structure-share", ("male", "female")),
    ("source-type-share", ("urban", "rural")),
    ("regional-distribution-share", ("local-origin", "non-local-origin")),
]
TEACHER_SHARES = ["part-time-teacher-share", "bachelor-or-above-share", "master-or-above-share",
                  "senior-title-share"]
LAW_TOPICS = ["drug-prevention", "campus-bullying", "legal-knowledge"]
SATISFACTION_ITEMS = [
    "classroom-education-satisfaction", "extracurricular-education-satisfaction",
    "ideological-political-course-satisfaction", "public-basic-course-satisfaction",
    "specialised-course-satisfaction",
]
TRADES = ["electrician", "automobile-repair-worker", "welder-fitter",
          "computer-peripheral-assembler"]
#: Table 2.4.4 of the seed: students per MBTI type (the weights of the synthetic counts).
MBTI = [("istj", 35), ("isfj", 57), ("infj", 26), ("intj", 20), ("istp", 45), ("isfp", 87),
        ("infp", 23), ("intp", 93), ("estp", 41), ("esfp", 59), ("enfp", 68), ("entp", 19),
        ("estj", 21), ("esfj", 13), ("enfj", 34), ("entj", 22)]
#: Agreement kinds with an enterprise, weighted as the seed's agreements.
AGREEMENT_KINDS = {"school-enterprise": 5, "co-built-training-base": 4, "training-service": 3,
                   "internship-employment-base": 2, "order-class": 1, "joint-rnd": 1,
                   "dual-teacher-co-cultivation": 1}
#: Base kinds weighted as the seed's training bases.
BASE_KINDS = {"training-base": 5, "training-centre": 5, "studio": 4, "training-room": 3,
              "vocational-training-base": 1, "incubation-base": 1, "patriotic-education-base": 1}
ENTERPRISE_WORDS = [
    ("药业", "Pharmaceutical"), ("机械", "Machinery"), ("化工", "Chemical"),
    ("酒店", "Hotel"), ("医院", "Hospital Services"), ("信息技术", "Information Technology"),
    ("旅游", "Tourism"), ("食品", "Food"), ("钢铁", "Steel"), ("物流", "Logistics"),
]


@dataclass(frozen=True)
class SynthResult:
    out: Path
    schools: int
    years: list[int]
    files: list[Path]


def _lit(text: str, lang: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"@' + lang


def _year(y: int) -> str:
    return f'"{y}"^^xsd:gYear'


def _fixed(scaled: int, digits: int) -> str:
    """An integer in units of 10**-digits as a decimal literal: (-16, 1) → "-1.6"."""
    sign = "-" if scaled < 0 else ""
    whole, frac = divmod(abs(scaled), 10 ** digits)
    return f'"{sign}{whole}.{frac:0{digits}d}"^^xsd:decimal'


def _rounded(value: Fraction, digits: int) -> str:
    """``value`` rounded to ``digits`` decimals; an exact half gets one digit more (exact), so a
    rule recomputing it never finds a difference at its tolerance's edge."""
    scaled = value * 10 ** digits
    if scaled.denominator == 2:
        return _fixed(int(value * 10 ** (digits + 1)), digits + 1)
    return _fixed(round(scaled), digits)


def _split(total: int, weights: list[float]) -> list[int]:
    """``total`` split in proportion to ``weights`` (largest remainder): parts add up exactly."""
    whole = sum(weights)
    raw = [total * w / whole for w in weights]
    parts = [math.floor(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: (parts[i] - raw[i], i))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


def _lognormal(rng: random.Random, median: float, sigma: float, low: int, high: int) -> int:
    return max(low, min(high, round(rng.lognormvariate(math.log(median), sigma))))


@dataclass(frozen=True)
class _Agreement:
    kind: str
    partners: tuple[int, ...]  # enterprise numbers; empty: an unnamed enterprise
    major: tuple[str, str, str] | None  # the major concerned, when named
    year: int


@dataclass(frozen=True)
class _School:
    n: int
    province: int
    city: int
    vocational_high: bool
    majors: tuple[tuple[str, str, str], ...]  # (cluster, slug, zh name)
    students: int  # in the last year
    agreements: tuple[_Agreement, ...]
    pathways: int  # 3+2 pathways (0: no articulation agreement)
    college: int  # higher institution number within the province

    @property
    def slug(self) -> str:
        return f"synth-{self.n}"

    @property
    def partners(self) -> tuple[int, ...]:
        return tuple(sorted({e for a in self.agreements for e in a.partners}))

    def has(self, *majors: str) -> bool:
        return any(m[1] in majors for m in self.majors)

    def serves(self, cluster: str) -> bool:
        return any(m[0] == cluster for m in self.majors)


class Synthesizer:
    """Deterministic generator; see the module docstring for what it writes."""

    def __init__(self, schools: int, years: int = 1, seed: int = 0):
        if schools < 1 or years < 1:
            raise ValueError("--schools and --years must be at least 1")
        self.n_schools = schools
        self.years = list(range(LAST_YEAR - years + 1, LAST_YEAR + 1))
        self.seed = seed
        # About 30 schools per city (Benxi: 6) and 14 cities per province; a national set of
        # 9,000 schools spans ~22 provinces.
        self.n_cities = max(1, math.ceil(schools / SCHOOLS_PER_CITY))
        self.cities_per_province = 14
        self.n_provinces = max(1, math.ceil(self.n_cities / self.cities_per_province))
        self.enterprises_per_city = 40
        self.colleges_per_province = 12

    # --- the plan -------------------------------------------------------------------------

    def _rng(self, *key: object) -> random.Random:
        return random.Random(":".join(map(str, (self.seed, *key))))

    def _school(self, n: int) -> _School:
        rng = self._rng("school", n)
        city = (n - 1) // SCHOOLS_PER_CITY
        province = city // self.cities_per_province
        # Majors: most from one or two clusters (specialised schools), a few from others.
        clusters = list(MAJOR_CLUSTERS)
        main = rng.sample(clusters, k=rng.choice([1, 1, 2]))
        pool = [(c, s, z) for c in main for s, z in MAJOR_CLUSTERS[c]]
        others = [(c, s, z) for c in clusters if c not in main for s, z in MAJOR_CLUSTERS[c]]
        count = _lognormal(rng, 3, 0.85, 1, 12)
        extra = min(len(others), max(count - len(pool), rng.choice([0, 0, 0, 1])))
        majors = rng.sample(pool, k=min(len(pool), count)) + rng.sample(others, k=extra)
        majors.sort(key=lambda m: m[1])
        students = _lognormal(rng, 750, 0.6, 120, 9000)
        first = city * self.enterprises_per_city
        enterprises = range(first, first + self.enterprises_per_city)
        agreements = []
        for _ in range(_lognormal(rng, 4, 0.35, 2, 10)):
            kind = rng.choices(list(AGREEMENT_KINDS), list(AGREEMENT_KINDS.values()))[0]
            named = rng.choices([0, 1, 2, 3, 4], [44, 37, 4, 7, 7])[0]
            partners = tuple(sorted(rng.sample(enterprises, k=named)))
            major = rng.choice(majors) if rng.random() < 0.25 else None
            agreements.append(_Agreement(kind, partners, major, rng.choice(self.years)))
        pathways = 0
        if rng.random() < 0.5:
            pathways = min(len(majors), rng.choices([1, 2, 3, 6], [3, 3, 2, 1])[0])
        return _School(
            n, province, city, rng.random() < 0.5, tuple(majors), students, tuple(agreements),
            pathways, rng.randrange(self.colleges_per_province),
        )

    # --- writers --------------------------------------------------------------------------

    def write(self, out: Path, settings: Settings | None = None) -> SynthResult:
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        for old in list(out.glob("synth-*.ttl")) + list(out.glob("seed-*.ttl")):
            old.unlink()
        files: list[Path] = []
        settings = settings or Settings.load()
        for path in sorted(settings.data_dir.glob("*.ttl")):
            target = out / f"seed-{path.name}"
            shutil.copyfile(path, target)
            files.append(target)
        files.append(self._write_file(out / "synth-report.ttl", self._context()))
        for year in self.years:
            files.append(self._write_file(
                out / f"synth-city-stats-{year}.ttl",
                (self._city_observations(c, year) for c in range(self.n_cities)),
            ))
        for start in range(1, self.n_schools + 1, CHUNK):
            numbers = range(start, min(start + CHUNK, self.n_schools + 1))
            chunk = (start - 1) // CHUNK
            schools = [self._school(n) for n in numbers]
            files.append(self._write_file(
                out / f"synth-schools-{chunk:04d}.ttl", (self._entities(s) for s in schools)
            ))
            for year in self.years:
                files.append(self._write_file(
                    out / f"synth-stats-{year}-{chunk:04d}.ttl",
                    (self._observations(s, year) for s in schools),
                ))
        return SynthResult(out, self.n_schools, self.years, files)

    @staticmethod
    def _write_file(path: Path, blocks: Iterable[str]) -> Path:
        with open(path, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(PREFIXES)
            for block in blocks:
                handle.write(block)
        return path

    def _context(self) -> Iterator[str]:
        """The synthetic source, its parts, data sets, school types, areas and organisations."""
        years = f"{self.years[0]}–{self.years[-1]}"
        yield f"""<{SOURCE}> a vet:Report ;
    rdfs:label {_lit(f"合成数据：中等职业教育质量年度报告（{years}）", "zh")} , {_lit(f"Synthetic data: annual reports on secondary vocational education ({years})", "en")} ;
    dcterms:title {_lit("合成数据（非真实报告）", "zh")} , {_lit("Synthetic data (not a real report)", "en")} ;
    dcterms:description {_lit(f"Generated by `vetgraph synth --schools {self.n_schools} --years {len(self.years)} --seed {self.seed}` for scale tests and benchmarks. Every figure is invented.", "en")} ;
    vet:reportYear {_year(self.years[-1])} .

"""  # noqa: E501 (Turtle template)
        for number, (zh, en) in SECTIONS.items():
            yield f"""ssec:{number} a vet:ReportSection ;
    vet:sectionNumber "{number}" ;
    dcterms:title {_lit(f"{zh}（合成）", "zh")} ;
    rdfs:label {_lit(f"{number} {zh}（合成数据）", "zh")} , {_lit(f"{number} {en} (synthetic data)", "en")} ;
    dcterms:isPartOf <{SOURCE}> .

"""  # noqa: E501 (Turtle template)
        for t in TABLES:
            yield from self._table(t)
        for code, (zh, en) in SCHOOL_TYPES.items():
            yield f"""st:synth-{code} a skos:Concept , vet:SchoolType ;
    skos:inScheme <{B}code/school-type> ;
    skos:broader st:{code} ;
    skos:prefLabel {_lit(f"{zh}（合成）", "zh")} , {_lit(f"{en} (synthetic)", "en")} ;
    rdfs:label {_lit(f"{zh}（合成）", "zh")} , {_lit(f"{en} (synthetic)", "en")} ;
    skos:definition {_lit(f"The school type of synthetic schools of the kind {en}: kept apart from the report's own type so that the report's figures about its school types count only its schools.", "en")} ;
    prov:wasDerivedFrom stab:1-1 .

"""  # noqa: E501 (Turtle template)
        for p in range(self.n_provinces):
            yield f"""area:synth-province-{p} a vet:AdministrativeArea ;
    rdfs:label {_lit(f"合成省{p}", "zh")} , {_lit(f"Synthetic Province {p}", "en")} ;
    prov:wasDerivedFrom ssec:1 .

"""
            for k in range(self.colleges_per_province):
                yield f"""org:synth-college-{p}-{k} a vet:HigherEducationInstitution ;
    rdfs:label {_lit(f"合成省{p}第{k}职业技术学院（合成）", "zh")} , {_lit(f"Synthetic Vocational College {k}, Synthetic Province {p}", "en")} ;
    vet:locatedIn area:synth-province-{p} ;
    prov:wasDerivedFrom ssec:3 .

"""  # noqa: E501 (Turtle template)
        for c in range(self.n_cities):
            p = c // self.cities_per_province
            yield f"""area:synth-city-{c} a vet:AdministrativeArea ;
    rdfs:label {_lit(f"合成省{p}合成市{c}", "zh")} , {_lit(f"Synthetic City {c}, Synthetic Province {p}", "en")} ;
    vet:partOfArea area:synth-province-{p} ;
    prov:wasDerivedFrom ssec:1 .

"""  # noqa: E501 (Turtle template)
            rng = self._rng("city", c)
            for e in range(c * self.enterprises_per_city, (c + 1) * self.enterprises_per_city):
                zh, en = rng.choice(ENTERPRISE_WORDS)
                yield f"""org:synth-enterprise-{e} a vet:Enterprise ;
    rdfs:label {_lit(f"合成市{c}第{e}{zh}有限公司（合成）", "zh")} , {_lit(f"Synthetic {en} Co., Ltd. No. {e}, Synthetic City {c}", "en")} ;
    vet:locatedIn area:synth-city-{c} ;
    prov:wasDerivedFrom ssec:3 .

"""  # noqa: E501 (Turtle template)

    @staticmethod
    def _table(t: Table) -> Iterator[str]:
        """The report table, its data set and structure (the seed's components, in order)."""
        title = f"表 {t.number} {t.zh}"
        yield f"""stab:{t.key} a vet:ReportTable ;
    vet:tableNumber "{t.number}" ;
    dcterms:title {_lit(f"{t.zh}（合成）", "zh")} ;
    rdfs:label {_lit(f"{title}（合成数据）", "zh")} , {_lit(f"Table {t.number} {t.en} (synthetic data)", "en")} ;
    dcterms:isPartOf ssec:{t.section} .

ds:synth-table-{t.key} a qb:DataSet ;
    rdfs:label {_lit(f"{title}（合成数据）", "zh")} , {_lit(f"Table {t.number}: {t.en} (synthetic data)", "en")} ;
    dcterms:source stab:{t.key} ;
    prov:wasDerivedFrom stab:{t.key} ;
    qb:structure <{B}dataset/synth-table-{t.key}/structure> .

"""  # noqa: E501 (Turtle template)
        components = ["qb:dimension vet:refSubject", "qb:dimension sdmx-dimension:refPeriod",
                      "qb:dimension vet:indicator", "qb:dimension vet:valueKind"]
        if t.category:
            components.append("qb:dimension vet:category")
        components.append("qb:measure sdmx-measure:obsValue")
        required = ["sdmx-attribute:unitMeasure", "sdmx-attribute:obsStatus"]
        components += [f"qb:attribute {a} ; qb:order {{}} ; qb:componentRequired "
                       f"{'true' if a in required else 'false'}"
                       for a in required + list(t.attributes)]
        listed = " ,\n".join(
            f"        [ {c.format(i)} ]" if "{}" in c else f"        [ {c} ; qb:order {i} ]"
            for i, c in enumerate(components, 1)
        )
        yield f"""<{B}dataset/synth-table-{t.key}/structure> a qb:DataStructureDefinition ;
    rdfs:label {_lit(f"{title}（合成数据）：数据结构", "zh")} , {_lit(f"Structure of synthetic table {t.number}", "en")} ;
    qb:component
{listed} .

"""  # noqa: E501 (Turtle template)

    def _entities(self, s: _School) -> str:
        rng = self._rng("entities", s.n)
        slug = s.slug
        zh_name = f"合成市{s.city}第{s.n}中等职业学校（合成）"
        en_name = f"Synthetic Secondary Vocational School {s.n}, Synthetic City {s.city}"
        school_type = "vocational-high-school" if s.vocational_high else \
            "regular-secondary-specialised-school"
        parts = [f"""school:{slug} a vet:School ;
    rdfs:label {_lit(zh_name, "zh")} , {_lit(en_name, "en")} ;
    skos:altLabel {_lit(f"合成{s.n}校", "zh")} ;
    vet:schoolType st:synth-{school_type} ;
    vet:locatedIn area:synth-city-{s.city} ;
    prov:wasDerivedFrom stab:1-1 , ssec:1 .

"""]
        for _cluster, major, major_zh in s.majors:
            state = rng.choices(["offered", "newly-opened", "planned"], [92, 4, 4])[0]
            parts.append(f"""offering:{slug}-{major} a vet:MajorOffering ;
    rdfs:label {_lit(f"{zh_name}{major_zh}专业", "zh")} , {_lit(f"{major} at {en_name}", "en")} ;
    vet:offeredBy school:{slug} ;
    vet:major mj:{major} ;
    vet:offeringStatus status:{state} ;
    prov:wasDerivedFrom ssec:1 .

""")
        # Cluster links: the school serves the cluster(s) of its majors, one qualified link each.
        for cluster in sorted({m[0] for m in s.majors})[:2]:
            parts.append(f"""link:{slug}-serves-{cluster} a vet:ClusterLink ;
    rdfs:label {_lit(f"{zh_name} — {CLUSTER_NAMES[cluster]}（合成）", "zh")} , {_lit(f"{en_name} serves {cluster} (synthetic)", "en")} ;
    vet:linkSubject school:{slug} ;
    vet:cluster cluster:{cluster} ;
    vet:linkBasis basis:stated-alignment ;
    vet:evidenceText {_lit(f"合成数据：该校围绕{CLUSTER_NAMES[cluster]}产业开设相关专业。", "zh")} ;
    prov:wasDerivedFrom ssec:3 .

school:{slug} vet:servesCluster cluster:{cluster} ;
    vet:qualifiedClusterLink link:{slug}-serves-{cluster} .

""")  # noqa: E501 (Turtle template)
        # Agreements with enterprises, named or not (see the module docstring).
        for k, a in enumerate(s.agreements):
            agents = "".join(f" , org:synth-enterprise-{e}" for e in a.partners)
            qualified = "".join(
                f" ,\n        [ a prov:Association ; prov:agent org:synth-enterprise-{e} ; "
                f"prov:hadRole role:enterprise ]" for e in a.partners
            )
            who = "、".join(f"合成企业{e}" for e in a.partners) or "企业"
            unnamed = _lit("企业", "zh")
            extra = "" if a.partners else f"\n    vet:unnamedPartyDescription {unnamed} ;"
            if a.major:
                extra += f"\n    vet:concernsMajor mj:{a.major[1]} ;"
            subject = f"开展{a.major[2]}专业合作" if a.major else "开展校企合作"
            parts.append(f"""agreement:{slug}-{k} a vet:CooperationAgreement ;
    rdfs:label {_lit(f"{zh_name}与{who}合作（合成）", "zh")} , {_lit(f"Cooperation {k + 1} of {en_name} with enterprises (synthetic)", "en")} ;
    vet:agreementKind kind:{a.kind} ;
    prov:wasAssociatedWith school:{slug}{agents} ;
    prov:qualifiedAssociation
        [ a prov:Association ; prov:agent school:{slug} ; prov:hadRole role:school ]{qualified} ;{extra}
    vet:year {_year(a.year)} ;
    vet:evidenceText {_lit(f"合成数据：{zh_name}与{who}{subject}。", "zh")} ;
    prov:wasDerivedFrom ssec:3 .

""")  # noqa: E501 (Turtle template)
        # 3+2 pathways to a college of the province, under one articulation agreement.
        if s.pathways:
            college = f"org:synth-college-{s.province}-{s.college}"
            majors = s.majors[: s.pathways]
            produced = " , ".join(f"pathway:{slug}-{m[1]}" for m in majors)
            concerns = " , ".join(f"mj:{m[1]}" for m in majors)
            parts.append(f"""agreement:{slug}-3-2 a vet:CooperationAgreement ;
    rdfs:label {_lit(f"{zh_name}“3+2”贯通培养（合成）", "zh")} , {_lit(f"3+2 articulation of {en_name} (synthetic)", "en")} ;
    vet:agreementKind kind:articulation-3-2 ;
    prov:wasAssociatedWith school:{slug} , {college} ;
    prov:qualifiedAssociation
        [ a prov:Association ; prov:agent school:{slug} ; prov:hadRole role:school ] ,
        [ a prov:Association ; prov:agent {college} ; prov:hadRole role:higher-institution ] ;
    vet:concernsMajor {concerns} ;
    vet:produced {produced} ;
    vet:evidenceText {_lit(f"合成数据：{'、'.join(m[2] for m in majors)}专业开展“3+2”贯通培养。", "zh")} ;
    prov:wasDerivedFrom ssec:1 .

""")  # noqa: E501 (Turtle template)
            for _cluster, major, major_zh in majors:
                parts.append(f"""pathway:{slug}-{major} a vet:ArticulationPathway ;
    rdfs:label {_lit(f"{zh_name}{major_zh}专业“3+2”（合成）", "zh")} , {_lit(f"3+2 pathway in {major} from {en_name}", "en")} ;
    vet:fromSchool school:{slug} ;
    vet:fromOffering offering:{slug}-{major} ;
    vet:major mj:{major} ;
    vet:toInstitution {college} ;
    vet:establishedBy agreement:{slug}-3-2 ;
    prov:wasDerivedFrom ssec:1 .

""")  # noqa: E501 (Turtle template)
        parts.append(self._bases(s, rng, zh_name, en_name))
        return "".join(parts)

    def _bases(self, s: _School, rng: random.Random, zh_name: str, en_name: str) -> str:
        """Training bases owned by the school (see the module docstring)."""
        count = 0 if rng.random() < 1 / 3 else _lognormal(rng, 3, 0.9, 1, 12)
        co_built = [k for k, a in enumerate(s.agreements) if a.kind == "co-built-training-base"]
        first = s.city * self.enterprises_per_city
        candidates = list(s.partners) or list(range(first, first + self.enterprises_per_city))
        parts = []
        for k in range(count):
            kind = rng.choices(list(BASE_KINDS), list(BASE_KINDS.values()))[0]
            lines = [f"vet:baseKind bk:{kind}", f"vet:owner school:{s.slug}"]
            if rng.random() < 0.15:
                lines.append(f"vet:yearBuilt {_year(rng.randint(2005, LAST_YEAR))}")
            partners = rng.choices([0, 1, 2, 5], [13, 4, 2, 1])[0]
            if partners:
                chosen = sorted(rng.sample(candidates, k=min(partners, len(candidates))))
                lines.append("vet:partner " + " , ".join(f"org:synth-enterprise-{e}"
                                                         for e in chosen))
            covers = min(len(s.majors), rng.choices([0, 1, 4, 5], [13, 4, 1, 2])[0])
            if covers:
                covered = sorted(m[1] for m in rng.sample(s.majors, k=covers))
                lines.append("vet:coversMajor " + " , ".join(f"mj:{m}" for m in covered))
            if k == 0 and co_built:
                lines.append(f"vet:establishedBy agreement:{s.slug}-{co_built[0]}")
            body = "".join(f"    {line} ;\n" for line in lines)
            parts.append(f"""base:{s.slug}-{k} a vet:TrainingBase ;
    rdfs:label {_lit(f"{zh_name}第{k + 1}实训基地（合成）", "zh")} , {_lit(f"Training base {k + 1} of {en_name}", "en")} ;
{body}    prov:wasDerivedFrom ssec:3 .

""")  # noqa: E501 (Turtle template)
        return "".join(parts)

    # --- figures --------------------------------------------------------------------------

    def _figures(self, s: _School, year: int) -> dict[str, int]:
        """One school's table 1.1 figures in ``year``: a trend from the last year backwards."""
        rng = self._rng("figures", s.n)
        growth = rng.uniform(-0.04, 0.07)
        teachers_per = rng.uniform(12, 20)
        dq_share = rng.uniform(0.35, 0.85)
        staff_factor = rng.uniform(1.05, 1.35)
        land_per = rng.uniform(20, 70)
        floor_share = rng.uniform(0.35, 0.9)
        noise = self._rng("figures", s.n, year)
        students = max(100, round(s.students * (1 + growth) ** (year - LAST_YEAR)
                                  * noise.uniform(0.97, 1.03)))
        teachers = max(8, round(students / teachers_per))
        land = round(students * land_per)
        return {
            "graduates": round(students / 3 * noise.uniform(0.8, 1.05)),
            "new-enrolment": round(students / 3 * noise.uniform(0.9, 1.15)),
            "in-school-students": students,
            "staff": round(teachers * staff_factor),
            "full-time-teachers": teachers,
            "double-qualified-teachers": round(teachers * dq_share),
            "land-area": land,
            "floor-area": round(land * floor_share),
        }

    def _shares(self, s: _School, year: int) -> dict[str, list[int]]:
        """Table 1.3.3 in tenths of a percent (each breakdown adds up to 1000), retention rate."""
        base = self._rng("shares", s.n)
        male = (base.uniform(12, 30) if s.serves("medical-and-health") else
                base.uniform(65, 90) if s.serves("equipment-manufacturing") else
                base.uniform(35, 60))
        centres = {
            "source-level-share": [base.uniform(82, 94), base.uniform(3, 12), base.uniform(0.5, 5)],
            "age-structure-share": [base.uniform(88, 98)],
            "gender-structure-share": [male],
            "source-type-share": [base.uniform(25, 60)],
            "regional-distribution-share": [base.uniform(35, 85)],
        }
        retention = base.uniform(85, 97)
        rng = self._rng("shares", s.n, year)
        out = {}
        for indicator, categories in BREAKDOWNS:
            weights = [min(99.0, c + rng.uniform(-2, 2)) for c in centres[indicator]]
            if len(categories) == 2:
                weights.append(100 - weights[0])
            out[indicator] = _split(1000, [max(w, 0.1) for w in weights])
        out["retention-rate"] = [min(1000, round(10 * (retention + rng.uniform(-2, 2))))]
        return out

    def _funding(self, s: _School, year: int) -> tuple[int, int]:
        """Table 7.2 in hundredths of ten thousand yuan: (appropriation, per student), so that
        appropriation = per student x the students of table 1.1 exactly."""
        base = self._rng("funding", s.n)
        per_student = base.lognormvariate(math.log(2.5), 0.35)
        growth = base.uniform(-0.02, 0.08)
        noise = self._rng("funding", s.n, year).uniform(0.97, 1.03)
        cents = max(50, round(100 * per_student * (1 + growth) ** (year - LAST_YEAR) * noise))
        return cents * self._figures(s, year)["in-school-students"], cents

    # --- observations ---------------------------------------------------------------------

    @staticmethod
    def _obs(t: Table, subject: str, year: int, indicator: str, value: str | None, unit: str,
             category: str | None = None, kind: str = "level", base: int | None = None,
             extra: str = "") -> str:
        """One observation; ``subject`` is a prefixed name (``school:synth-3``)."""
        key = subject.split(":", 1)[1] + "-" + indicator
        lines = ""
        if category:
            key += "-" + category
            lines += f"    vet:category cat:{category} ;\n"
        if base is not None:
            key += f"-{kind}-{base}"
        lines += f"    sdmx-measure:obsValue {value} ;\n" if value is not None else ""
        lines += f"    sdmx-attribute:unitMeasure unit:{unit} ;\n"
        lines += "    sdmx-attribute:obsStatus os:" + \
            ("reported ;\n" if value is not None else "not-reported ;\n")
        if base is not None:
            lines += f"    vet:basePeriod {_year(base)} ;\n"
        return f"""{t.prefix}:{key}-{year} a qb:Observation ;
    qb:dataSet ds:synth-table-{t.key} ;
    vet:refSubject {subject} ;
    sdmx-dimension:refPeriod {_year(year)} ;
    vet:indicator ind:{indicator} ;
    vet:valueKind vk:{kind} ;
{lines}{extra}    prov:wasDerivedFrom stab:{t.key} .

"""

    def _city_observations(self, c: int, year: int) -> str:
        """The 合计 row of table 1.1 (sums of the city's schools) and table 2.4.4."""
        first = c * SCHOOLS_PER_CITY + 1
        schools = [self._school(n) for n in
                   range(first, min(first + SCHOOLS_PER_CITY, self.n_schools + 1))]
        figures = [self._figures(s, year) for s in schools]
        subject = f"area:synth-city-{c}"
        out = []
        for indicator, unit in TABLE_1_1:
            total = None if unit == "square-metre" else str(sum(f[indicator] for f in figures))
            out.append(self._obs(T["1.1"], subject, year, indicator, total, unit))
        rng = self._rng("mbti", c, year)
        surveyed = round(sum(f["new-enrolment"] for f in figures) * rng.uniform(0.25, 0.6))
        counts = _split(surveyed, [w * rng.uniform(0.7, 1.3) for _, w in MBTI])
        for (code, _), count in zip(MBTI, counts, strict=True):
            out.append(self._obs(T["2.4.4"], subject, year, "mbti-type-count", str(count),
                                 "person", f"mbti-{code}"))
        return "".join(out)

    def _observations(self, s: _School, year: int) -> str:
        subject = f"school:{s.slug}"
        previous = year - 1 if year - 1 in self.years else None
        rng = self._rng("observations", s.n, year)
        school = self._rng("observations", s.n)
        out: list[str] = []

        def obs(table: str, indicator: str, value: str, unit: str, category: str | None = None,
                kind: str = "level", base: int | None = None, extra: str = "") -> None:
            out.append(self._obs(T[table], subject, year, indicator, value, unit, category,
                                 kind, base, extra))

        # 1.1 and 1.4.1
        figures = self._figures(s, year)
        for indicator, unit in TABLE_1_1:
            obs("1.1", indicator, str(figures[indicator]), unit)
        teachers = figures["full-time-teachers"]
        obs("1.4.1", "student-teacher-ratio", _rounded(
            Fraction(figures["in-school-students"], teachers), 2), "ratio")
        obs("1.4.1", "double-qualified-teacher-share", _rounded(
            Fraction(100 * figures["double-qualified-teachers"], teachers), 2), "percent")
        bachelor = school.uniform(78, 96)
        centres = [school.uniform(2, 12), bachelor, min(bachelor, school.uniform(5, 20)),
                   school.uniform(25, 45)]
        for indicator, centre in zip(TEACHER_SHARES, centres, strict=True):
            value = max(0, min(10000, round(100 * (centre + rng.uniform(-1.5, 1.5)))))
            obs("1.4.1", indicator, _fixed(value, 2), "percent")
        # 1.3.3: levels, and the change from the year before in percentage points
        shares = self._shares(s, year)
        before = self._shares(s, previous) if previous else None
        groups = [*BREAKDOWNS, ("retention-rate", ("total",))]
        for indicator, categories in groups:
            for category, value in zip(categories, shares[indicator], strict=True):
                obs("1.3.3", indicator, _fixed(value, 1), "percent", category)
        if before:
            changed = f"    vet:statedText {_lit('变化率%', 'zh')} ;\n"
            for indicator, categories in groups:
                for i, category in enumerate(categories):
                    obs("1.3.3", indicator, _fixed(shares[indicator][i] - before[indicator][i], 1),
                        "percentage-point", category, "absolute-change", previous, changed)
        # 2.1.6 law lectures by topic
        for topic in LAW_TOPICS:
            sessions = max(0, school.randint(1, 4) + rng.randint(-1, 1))
            obs("2.1.6", "law-lecture-sessions", str(sessions), "session", topic,
                extra=f"    vet:statedText {_lit(f'{sessions} 次', 'zh')} ;\n")
        # 2.2.1 satisfaction survey: five items, overall = their mean; respondents per item
        method = f"    vet:surveyMethod {_lit('网络问卷调查', 'zh')} ;\n"
        items = [min(10000, round(100 * (school.uniform(86, 97) + rng.uniform(-2, 2.5))))
                 for _ in SATISFACTION_ITEMS]
        respondents = str(round(figures["in-school-students"] * school.uniform(0.3, 0.8)))
        for item, value in zip(["overall-student-satisfaction", *SATISFACTION_ITEMS],
                               [round(sum(items) / len(items)), *items], strict=True):
            obs("2.2.1", "student-satisfaction", _fixed(value, 2), "percent", item, extra=method)
            obs("2.2.1", "survey-respondents", respondents, "person-time", item, extra=method)
        # 2.3.2 students certified per trade: more where the school teaches the trade
        technical = s.serves("equipment-manufacturing")
        for trade, rate in zip(TRADES, [0.08, 0.03, 0.03, 0.03], strict=True):
            if trade == "computer-peripheral-assembler" and s.has("computing", "digital-media"):
                rate = 0.06
            elif not technical:
                rate = 0.005
            certified = round(figures["in-school-students"] * rate * school.uniform(0.3, 1.5)
                              * rng.uniform(0.8, 1.2))
            obs("2.3.2", "skill-certified-students", str(certified), "person", trade)
        # 3.1.2 social training
        signed = max(0, school.randint(1, 4) + (year - LAST_YEAR) // 2 + rng.randint(-1, 1))
        obs("3.1.2", "training-cooperation-agreements", str(signed), "item")
        obs("3.1.2", "training-cooperation-intended-enterprises",
            str(signed + rng.randint(1, 3)), "enterprise")
        # 6.3 school-enterprise cooperation; new partners are those of the year's agreements
        new = len({e for a in s.agreements if a.year == year for e in a.partners})
        quantities = [
            ("new-partner-enterprises", new, "enterprise", "家"),
            ("dental-nursing-order-class",
             rng.randint(0, 2) if s.has("oral-nursing", "stomatology", "nursing") else 0,
             "item", "个"),
            ("pharmacy-internship-employment-bases",
             rng.randint(1, 6) if s.serves("pharmaceutical-and-chemical") or s.has("pharmacy")
             else 0, "item", "个"),
            ("elderly-care-internship-employment-bases",
             rng.randint(1, 4) if s.has("elderly-care-services-and-management", "nursing",
                                        "nursing-care-kaigo") else 0, "item", "个"),
        ]
        for category, count, unit, word in quantities:
            obs("6.3", "school-enterprise-cooperation-quantity", str(count), unit, category,
                extra=f"    vet:statedText {_lit(f'{count}{word}', 'zh')} ;\n")
        # 7.2 funding, and the relative change in percent from the year before
        funding = self._funding(s, year)
        old = self._funding(s, previous) if previous else None
        for i, indicator in enumerate(["fiscal-appropriation-income", "per-student-appropriation"]):
            obs("7.2", indicator, _fixed(funding[i], 2), "ten-thousand-yuan")
            if old:
                change = _rounded(Fraction(100 * (funding[i] - old[i]), old[i]), 2)
                stated = change.split('"')[1] + "%"
                obs("7.2", indicator, change, "percent", kind="relative-change", base=previous,
                    extra=f"    vet:statedText {_lit(stated, 'zh')} ;\n")
        return "".join(out)


def synthesize(
    out: Path, schools: int, years: int = 1, seed: int = 0, settings: Settings | None = None
) -> SynthResult:
    """Write a synthetic data set to ``out`` (see the module docstring)."""
    return Synthesizer(schools, years, seed).write(out, settings)
