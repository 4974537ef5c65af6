"""Synthetic data in the project's own ontology, for scale tests and benchmarks.

``vetgraph synth --schools N [--years Y] [--seed S] --out DIR`` writes Turtle files to ``DIR``:

- ``seed-*.ttl``: the seed data (``data/ttl/*.ttl``) copied byte for byte. The code lists cite
  the seed report's sections, so a synthetic data set is "the real report plus N synthetic
  schools"; every named query and its example parameters keep working on it.
- ``synth-report.ttl``: the synthetic source (``source/synthetic`` and its parts), synthetic
  provinces and cities, enterprises and higher-education institutions.
- ``synth-schools-NNNN.ttl``: schools in chunks of :data:`CHUNK` — each with its major
  offerings, cooperation agreements (with qualified parties), 3+2 pathways, training bases and
  cluster links.
- ``synth-stats-YYYY-NNNN.ttl``: per year, the observations of tables 1.1 (8 counts) and
  1.4.1 (student-teacher ratio, share of double-qualified teachers, recomputable from the
  counts) for each school of the chunk.

Everything synthetic is marked as such: IRIs have a ``synth-`` slug (``id/school/synth-17``,
``dataset/synth-table-1-1``) so they never collide with the seed's, every label says
合成 / synthetic, and every entity and observation is ``prov:wasDerivedFrom`` a part of the
synthetic source ``https://w3id.org/vetgraph/source/synthetic``, whose description says it is
generated. Nothing is ever written to ``data/ttl/``.

Files are written one chunk at a time (memory stays flat; national size, 9,000 schools over
five years, is a few million triples). Output is a pure function of the arguments: the same
seed gives byte-identical files, a different seed different ones.
"""

from __future__ import annotations

import math
import random
import shutil
from dataclasses import dataclass
from pathlib import Path

from .config import Settings

CHUNK = 500
LAST_YEAR = 2024
B = "https://w3id.org/vetgraph/"
SOURCE = B + "source/synthetic"

PREFIXES = f"""\
@prefix vet: <https://w3id.org/vetgraph/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix qb: <http://purl.org/linked-data/cube#> .
@prefix sdmx-dimension: <http://purl.org/linked-data/sdmx/2009/dimension#> .
@prefix sdmx-measure: <http://purl.org/linked-data/sdmx/2009/measure#> .
@prefix sdmx-attribute: <http://purl.org/linked-data/sdmx/2009/attribute#> .
@prefix school: <{B}id/school/> .
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
@prefix unit: <{B}code/unit/> .
@prefix os: <{B}code/observation-status/> .
@prefix vk: <{B}code/value-kind/> .
@prefix ds: <{B}dataset/> .
@prefix ssec: <{SOURCE}/section/> .
@prefix stab: <{SOURCE}/table/> .
@prefix t11: <{B}dataset/synth-table-1-1/obs/> .
@prefix t141: <{B}dataset/synth-table-1-4-1/obs/> .

"""

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
#: Table 1.1 indicators: (code, unit) in the report's column order.
TABLE_1_1 = [
    ("graduates", "person"), ("new-enrolment", "person"), ("in-school-students", "person"),
    ("staff", "person"), ("full-time-teachers", "person"), ("double-qualified-teachers", "person"),
    ("land-area", "square-metre"), ("floor-area", "square-metre"),
]
TABLE_1_4_1 = [("student-teacher-ratio", "ratio"), ("double-qualified-teacher-share", "percent")]
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


def _decimal(value: float, digits: int) -> str:
    return f'"{value:.{digits}f}"^^xsd:decimal'


@dataclass(frozen=True)
class _School:
    n: int
    province: int
    city: int
    vocational_high: bool
    majors: tuple[tuple[str, str, str], ...]  # (cluster, slug, zh name)
    students: int  # in the last year
    partners: tuple[int, ...]  # enterprise numbers
    college: int  # higher institution number within the province


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
        self.n_cities = max(1, math.ceil(schools / 30))
        self.cities_per_province = 14
        self.n_provinces = max(1, math.ceil(self.n_cities / self.cities_per_province))
        self.enterprises_per_city = 40
        self.colleges_per_province = 12

    # --- the plan -------------------------------------------------------------------------

    def _school(self, n: int) -> _School:
        rng = random.Random(f"{self.seed}:school:{n}")
        city = (n - 1) // 30
        province = city // self.cities_per_province
        # Majors: most from one or two clusters (specialised schools), a few from others.
        clusters = list(MAJOR_CLUSTERS)
        main = rng.sample(clusters, k=rng.choice([1, 1, 2]))
        pool = [(c, s, z) for c in main for s, z in MAJOR_CLUSTERS[c]]
        others = [(c, s, z) for c in clusters if c not in main for s, z in MAJOR_CLUSTERS[c]]
        count = min(len(pool), rng.randint(3, 9))
        majors = rng.sample(pool, k=count) + rng.sample(others, k=rng.randint(0, 2))
        majors.sort(key=lambda m: m[1])
        # In-school students: log-normal around the seed's median (~700; 258 to 2,339).
        students = max(120, min(9000, int(rng.lognormvariate(math.log(750), 0.6))))
        first = city * self.enterprises_per_city
        partners = tuple(sorted(rng.sample(range(first, first + self.enterprises_per_city),
                                           k=rng.randint(2, 6))))
        return _School(
            n, province, city, rng.random() < 0.5, tuple(majors), students, partners,
            rng.randrange(self.colleges_per_province),
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
    def _write_file(path: Path, blocks) -> Path:
        with open(path, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(PREFIXES)
            for block in blocks:
                handle.write(block)
        return path

    def _context(self):
        """The synthetic source, its parts, areas, enterprises and colleges."""
        years = f"{self.years[0]}–{self.years[-1]}"
        yield f"""<{SOURCE}> a vet:Report ;
    rdfs:label {_lit(f"合成数据：中等职业教育质量年度报告（{years}）", "zh")} , {_lit(f"Synthetic data: annual reports on secondary vocational education ({years})", "en")} ;
    dcterms:title {_lit("合成数据（非真实报告）", "zh")} , {_lit("Synthetic data (not a real report)", "en")} ;
    dcterms:description {_lit(f"Generated by `vetgraph synth --schools {self.n_schools} --years {len(self.years)} --seed {self.seed}` for scale tests and benchmarks. Every figure is invented.", "en")} ;
    vet:reportYear {_year(self.years[-1])} .

ssec:1 a vet:ReportSection ;
    vet:sectionNumber "1" ;
    dcterms:title {_lit("基本情况（合成）", "zh")} ;
    rdfs:label {_lit("1 基本情况（合成数据）", "zh")} , {_lit("1 Basic situation (synthetic data)", "en")} ;
    dcterms:isPartOf <{SOURCE}> .

ssec:3 a vet:ReportSection ;
    vet:sectionNumber "3" ;
    dcterms:title {_lit("产教融合（合成）", "zh")} ;
    rdfs:label {_lit("3 产教融合（合成数据）", "zh")} , {_lit("3 Industry-education integration (synthetic data)", "en")} ;
    dcterms:isPartOf <{SOURCE}> .

stab:1-1 a vet:ReportTable ;
    vet:tableNumber "1.1" ;
    dcterms:title {_lit("中等职业学校基本情况（合成）", "zh")} ;
    rdfs:label {_lit("表 1.1 中等职业学校基本情况（合成数据）", "zh")} , {_lit("Table 1.1 Basic data of secondary vocational schools (synthetic data)", "en")} ;
    dcterms:isPartOf ssec:1 .

stab:1-4-1 a vet:ReportTable ;
    vet:tableNumber "1.4.1" ;
    dcterms:title {_lit("师资队伍结构（合成）", "zh")} ;
    rdfs:label {_lit("表 1.4.1 师资队伍结构（合成数据）", "zh")} , {_lit("Table 1.4.1 Teaching staff (synthetic data)", "en")} ;
    dcterms:isPartOf ssec:1 .

"""  # noqa: E501 (Turtle template)
        for table, zh, en, dims in (
            ("1-1", "中等职业学校基本情况", "Basic data of secondary vocational schools", 4),
            ("1-4-1", "师资队伍结构", "Teaching staff", 4),
        ):
            yield f"""ds:synth-table-{table} a qb:DataSet ;
    rdfs:label {_lit(f"表 {table.replace('-', '.')}：{zh}（合成数据）", "zh")} , {_lit(f"Table {table.replace('-', '.')}: {en} (synthetic data)", "en")} ;
    dcterms:source stab:{table} ;
    prov:wasDerivedFrom stab:{table} ;
    qb:structure <{B}dataset/synth-table-{table}/structure> .

<{B}dataset/synth-table-{table}/structure> a qb:DataStructureDefinition ;
    rdfs:label {_lit(f"表 {table.replace('-', '.')}（合成数据）：数据结构", "zh")} , {_lit(f"Structure of synthetic table {table.replace('-', '.')}", "en")} ;
    qb:component
        [ qb:dimension vet:refSubject ; qb:order 1 ] ,
        [ qb:dimension sdmx-dimension:refPeriod ; qb:order 2 ] ,
        [ qb:dimension vet:indicator ; qb:order 3 ] ,
        [ qb:dimension vet:valueKind ; qb:order {dims} ] ,
        [ qb:measure sdmx-measure:obsValue ; qb:order 5 ] ,
        [ qb:attribute sdmx-attribute:unitMeasure ; qb:order 6 ; qb:componentRequired true ] ,
        [ qb:attribute sdmx-attribute:obsStatus ; qb:order 7 ; qb:componentRequired true ] .

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
            rng = random.Random(f"{self.seed}:city:{c}")
            for e in range(c * self.enterprises_per_city, (c + 1) * self.enterprises_per_city):
                zh, en = rng.choice(ENTERPRISE_WORDS)
                yield f"""org:synth-enterprise-{e} a vet:Enterprise ;
    rdfs:label {_lit(f"合成市{c}第{e}{zh}有限公司（合成）", "zh")} , {_lit(f"Synthetic {en} Co., Ltd. No. {e}, Synthetic City {c}", "en")} ;
    vet:locatedIn area:synth-city-{c} ;
    prov:wasDerivedFrom ssec:3 .

"""  # noqa: E501 (Turtle template)

    def _entities(self, s: _School) -> str:
        rng = random.Random(f"{self.seed}:entities:{s.n}")
        slug = f"synth-{s.n}"
        zh_name = f"合成市{s.city}第{s.n}中等职业学校（合成）"
        en_name = f"Synthetic Secondary Vocational School {s.n}, Synthetic City {s.city}"
        school_type = "vocational-high-school" if s.vocational_high else \
            "regular-secondary-specialised-school"
        parts = [f"""school:{slug} a vet:School ;
    rdfs:label {_lit(zh_name, "zh")} , {_lit(en_name, "en")} ;
    skos:altLabel {_lit(f"合成{s.n}校", "zh")} ;
    vet:schoolType st:{school_type} ;
    vet:locatedIn area:synth-city-{s.city} ;
    prov:wasDerivedFrom stab:1-1 , ssec:1 .

"""]
        for _cluster, major, major_zh in s.majors:
            state = rng.choices(["offered", "newly-opened", "planned"], [85, 10, 5])[0]
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
        # Agreements with partner enterprises (order classes, school-enterprise cooperation).
        for k, e in enumerate(s.partners):
            kind = rng.choice(["school-enterprise", "order-class", "modern-apprenticeship",
                               "internship-employment-base"])
            cluster, major, major_zh = rng.choice(s.majors)
            year = rng.choice(self.years)
            parts.append(f"""agreement:{slug}-{k} a vet:CooperationAgreement ;
    rdfs:label {_lit(f"{zh_name}与合成企业{e}合作（合成）", "zh")} , {_lit(f"Cooperation of {en_name} with synthetic enterprise {e}", "en")} ;
    vet:agreementKind kind:{kind} ;
    prov:wasAssociatedWith school:{slug} , org:synth-enterprise-{e} ;
    prov:qualifiedAssociation
        [ a prov:Association ; prov:agent school:{slug} ; prov:hadRole role:school ] ,
        [ a prov:Association ; prov:agent org:synth-enterprise-{e} ; prov:hadRole role:enterprise ] ;
    vet:concernsMajor mj:{major} ;
    vet:year {_year(year)} ;
    vet:evidenceText {_lit(f"合成数据：{zh_name}与合成企业{e}开展{major_zh}专业合作。", "zh")} ;
    prov:wasDerivedFrom ssec:3 .

""")  # noqa: E501 (Turtle template)
        # A 3+2 pathway for about half of the schools.
        if rng.random() < 0.5:
            cluster, major, major_zh = s.majors[0]
            college = f"org:synth-college-{s.province}-{s.college}"
            parts.append(f"""agreement:{slug}-3-2 a vet:CooperationAgreement ;
    rdfs:label {_lit(f"{zh_name}“3+2”贯通培养（合成）", "zh")} , {_lit(f"3+2 articulation of {en_name} (synthetic)", "en")} ;
    vet:agreementKind kind:articulation-3-2 ;
    prov:wasAssociatedWith school:{slug} , {college} ;
    prov:qualifiedAssociation
        [ a prov:Association ; prov:agent school:{slug} ; prov:hadRole role:school ] ,
        [ a prov:Association ; prov:agent {college} ; prov:hadRole role:higher-institution ] ;
    vet:concernsMajor mj:{major} ;
    vet:produced pathway:{slug}-{major} ;
    vet:evidenceText {_lit(f"合成数据：{major_zh}专业开展“3+2”贯通培养。", "zh")} ;
    prov:wasDerivedFrom ssec:1 .

pathway:{slug}-{major} a vet:ArticulationPathway ;
    rdfs:label {_lit(f"{zh_name}{major_zh}专业“3+2”（合成）", "zh")} , {_lit(f"3+2 pathway in {major} from {en_name}", "en")} ;
    vet:fromSchool school:{slug} ;
    vet:fromOffering offering:{slug}-{major} ;
    vet:major mj:{major} ;
    vet:toInstitution {college} ;
    vet:establishedBy agreement:{slug}-3-2 ;
    prov:wasDerivedFrom ssec:1 .

""")  # noqa: E501 (Turtle template)
        # Training bases: one to three, each covering majors of the school.
        for k in range(rng.randint(1, 3)):
            covered = rng.sample(s.majors, k=min(len(s.majors), rng.randint(1, 3)))
            partner = rng.choice(s.partners)
            kind = rng.choice(["training-base", "training-room", "internship-employment-base"])
            majors = " , ".join(f"mj:{m[1]}" for m in sorted(covered, key=lambda m: m[1]))
            parts.append(f"""base:{slug}-{k} a vet:TrainingBase ;
    rdfs:label {_lit(f"{zh_name}第{k + 1}实训基地（合成）", "zh")} , {_lit(f"Training base {k + 1} of {en_name}", "en")} ;
    vet:baseKind bk:{kind} ;
    vet:yearBuilt {_year(rng.randint(2005, LAST_YEAR))} ;
    vet:owner school:{slug} ;
    vet:partner org:synth-enterprise-{partner} ;
    vet:coversMajor {majors} ;
    prov:wasDerivedFrom ssec:3 .

""")  # noqa: E501 (Turtle template)
        return "".join(parts)

    def _figures(self, s: _School, year: int) -> dict[str, float]:
        """One school's table 1.1 figures in ``year``: a trend from the last year backwards."""
        rng = random.Random(f"{self.seed}:figures:{s.n}")
        growth = rng.uniform(-0.04, 0.07)
        teachers_per = rng.uniform(12, 20)
        dq_share = rng.uniform(0.35, 0.85)
        staff_factor = rng.uniform(1.05, 1.35)
        land_per = rng.uniform(20, 70)
        floor_share = rng.uniform(0.35, 0.9)
        noise = random.Random(f"{self.seed}:figures:{s.n}:{year}")
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

    def _observations(self, s: _School, year: int) -> str:
        figures = self._figures(s, year)
        slug = f"synth-{s.n}"
        out = []

        def obs(table: str, indicator: str, unit: str, value: str) -> None:
            prefix = "t" + table.replace("-", "")
            out.append(f"""{prefix}:{slug}-{indicator}-{year} a qb:Observation ;
    qb:dataSet ds:synth-table-{table} ;
    vet:refSubject school:{slug} ;
    sdmx-dimension:refPeriod {_year(year)} ;
    vet:indicator ind:{indicator} ;
    vet:valueKind vk:level ;
    sdmx-measure:obsValue {value} ;
    sdmx-attribute:unitMeasure unit:{unit} ;
    sdmx-attribute:obsStatus os:reported ;
    prov:wasDerivedFrom stab:{table} .

""")

        for indicator, unit in TABLE_1_1:
            obs("1-1", indicator, unit, str(figures[indicator]))
        teachers = figures["full-time-teachers"]
        obs("1-4-1", "student-teacher-ratio", "ratio",
            _decimal(figures["in-school-students"] / teachers, 3))
        obs("1-4-1", "double-qualified-teacher-share", "percent",
            _decimal(figures["double-qualified-teachers"] / teachers * 100, 2))
        return "".join(out)


def synthesize(
    out: Path, schools: int, years: int = 1, seed: int = 0, settings: Settings | None = None
) -> SynthResult:
    """Write a synthetic data set to ``out`` (see the module docstring)."""
    return Synthesizer(schools, years, seed).write(out, settings)
