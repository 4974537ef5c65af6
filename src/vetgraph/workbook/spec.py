"""What the workbook holds: one sheet per kind of fact, each column bound to one property.

The sheets are declared, not coded: a :class:`Sheet` names the classes whose instances are its
rows and a :class:`Column` per property. Reading the graph into rows (``model.extract``) and
writing rows back as triples (``model.emit``) both follow these declarations, so a column
added here appears in the template, the import and the round trip at once.

Cell conventions (the README sheet repeats them for stewards): several values in one cell are
separated by line breaks (Alt+Enter in Excel); entity references are the entity's Chinese
name (or any exact label, short form or IRI); code references the code's Chinese name (or its
slug or IRI); sources are the report part's path below the report IRI, e.g. ``table/1-1``.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import DCTERMS, RDF, RDFS, SKOS, Namespace, URIRef

from .. import namespaces as ns
from ..config import BASE_IRI

#: Raised whenever a sheet or column changes meaning; a workbook with another version is refused.
#: 2: the cluster_alignments sheet (issue 18) and the training bases' editorial notes (issue 19).
TEMPLATE_VERSION = 2

VET = Namespace(ns.VET)
PROV = Namespace(ns.PROV)
ORG = Namespace(ns.ORG)
QB = Namespace(ns.QB)
SDMX_DIM = Namespace(ns.SDMX_DIMENSION)
SDMX_MEASURE = Namespace(ns.SDMX_MEASURE)
SDMX_ATTR = Namespace(ns.SDMX_ATTRIBUTE)
CODE = BASE_IRI + "code/"

#: Prefixes for class names in the ``type`` column and for the Turtle written.
PREFIXES = ns.prefixes("vet", "org", "prov", "qb", "skos", "rdfs", "dcterms", "sdmx-dimension",
                       "sdmx-measure", "sdmx-attribute", "xsd")

#: Column kinds: how a cell becomes an RDF term.
#: text: language-tagged literal (``lang``); string: plain literal; int: xsd:integer;
#: number: xsd:integer or xsd:decimal as written; year: xsd:gYear; ref: an entity;
#: code: a concept of ``scheme``; part: a part of the source report; type: a class (rdf:type);
#: components: the data structure of a data set (``dimension vet:refSubject 1`` per line);
#: choice: one of the column's ``choices`` (a property such as skos:broader, written compactly);
#: scheme: a code list itself (its Chinese name, slug or IRI), e.g. the standard a match rests on.
KINDS = ("iri", "text", "string", "int", "number", "year", "ref", "code", "part", "type",
         "components", "choice", "scheme")


@dataclass(frozen=True)
class Column:
    """One column: its headers, the property it holds and how its cells are read."""

    key: str
    zh: str
    kind: str
    predicate: URIRef | None = None
    lang: str | None = None
    scheme: str | None = None
    also: tuple[str, ...] = ()
    choices: tuple[URIRef, ...] = ()
    multi: bool = False
    required: bool = False
    help_zh: str = ""
    help_en: str = ""
    example: str = ""

    def code_scheme(self) -> str:
        """The concept scheme IRI of a code column."""
        return CODE + (self.scheme or "")

    def code_schemes(self) -> tuple[str, ...]:
        """Every scheme a code column draws from: ``scheme`` and the ``also`` ones."""
        return tuple(CODE + s for s in (self.scheme or "", *self.also))


@dataclass(frozen=True)
class Sheet:
    """One sheet: the instances of ``classes`` (the first is the default ``rdf:type``)."""

    name: str
    zh: str
    classes: tuple[URIRef, ...]
    id_path: str
    columns: tuple[Column, ...]
    help_en: str = ""

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


def _iri() -> Column:
    return Column("iri", "IRI", "iri", help_zh="留空则自动生成；已有实体的IRI保持不变",
                  help_en="left empty: generated from the English name; existing entities "
                  "keep theirs", example="https://w3id.org/vetgraph/id/school/benxi-health-school")


def _labels(required: bool = True) -> tuple[Column, ...]:
    return (
        Column("name_zh", "中文名称", "text", RDFS.label, lang="zh", required=required,
               help_zh="报告所写的全称", help_en="the full name as the report writes it",
               example="本溪市卫生学校"),
        Column("name_en", "英文名称", "text", RDFS.label, lang="en", required=required,
               help_zh="英文名称（新实体的IRI由此生成）",
               help_en="English name (new IRIs are made from it)", example="Benxi Health School"),
    )


def _alt() -> Column:
    return Column("short_names_zh", "简称", "text", SKOS.altLabel, lang="zh", multi=True,
                  help_zh="报告用到的简称，每行一个", help_en="short forms, one per line",
                  example="市卫生学校")


def _evidence() -> Column:
    return Column("evidence_zh", "依据原文", "text", VET.evidenceText, lang="zh", multi=True,
                  help_zh="报告原文摘录，每行一段", help_en="the report's words, one per line")


def _stated() -> Column:
    return Column("stated_text_zh", "原文表述", "text", VET.statedText, lang="zh", multi=True,
                  help_zh="报告原样写出的数字或说法", help_en="a figure or phrase as stated")


def _source(required: bool = True) -> Column:
    return Column("source", "来源", "part", PROV.wasDerivedFrom, multi=True, required=required,
                  help_zh="报告的章节、表、图或案例，如 table/1-1、section/1-1，每行一个",
                  help_en="the report's section, table, figure or case, e.g. table/1-1 "
                  "or section/1-1; one per line", example="table/1-1")


def _ref(key: str, zh: str, predicate: URIRef, multi: bool = False, required: bool = False,
         help_en: str = "") -> Column:
    return Column(key, zh, "ref", predicate, multi=multi, required=required,
                  help_zh="已有实体的中文名称、简称或IRI", help_en=help_en or
                  "an existing entity's Chinese name, short form or IRI")


def _code(key: str, zh: str, predicate: URIRef, scheme: str, multi: bool = False,
          required: bool = False) -> Column:
    return Column(key, zh, "code", predicate, scheme=scheme, multi=multi, required=required,
                  help_zh=f"代码表 {scheme} 中的中文名称",
                  help_en=f"a name from code list {scheme}")


def _notes(key: str, zh: str, predicate: URIRef, help_zh: str, help_en: str,
           required_en: bool = False) -> tuple[Column, ...]:
    """A note in zh and en (skos:note, skos:editorialNote): the curators' words."""
    return (
        Column(f"{key}_zh", zh, "text", predicate, lang="zh", help_zh=help_zh, help_en=help_en),
        Column(f"{key}_en", f"{zh}（英文）", "text", predicate, lang="en", required=required_en,
               help_zh=help_zh + "（英文）", help_en=help_en + " (English)"),
    )


def _type(classes: str) -> Column:
    return Column("type", "类型", "type", RDF.type, multi=True, required=True,
                  help_zh=f"类，如 {classes}，每行一个", help_en=f"class(es), e.g. {classes}",
                  example=classes.split(",")[0].strip())


def _row_number() -> Column:
    return Column("row_number", "表中序号", "int", VET.rowNumber,
                  help_zh="报告表格中的序号", help_en="row number in the report's table")


SCHOOLS = Sheet("schools", "学校", (VET.School,), "id/school/", (
    _iri(), *_labels(), _alt(),
    _code("school_type", "学校类型", VET.schoolType, "school-type", required=True),
    _ref("located_in", "所在地区", VET.locatedIn),
    _ref("member_of", "所属集团", ORG.memberOf, multi=True),
    _source(),
), "one row per school")

AREAS = Sheet("areas", "地区", (VET.AdministrativeArea,), "id/area/", (
    _iri(), *_labels(), _alt(), _ref("part_of", "上级地区", VET.partOfArea), _evidence(),
    _source(),
))

ORGANISATIONS = Sheet("organisations", "机构", (
    VET.Enterprise, VET.HigherEducationInstitution, VET.Hospital, VET.GovernmentBody,
    VET.Association, VET.Museum, VET.GeneralSchool, VET.Organisation, ORG.OrganizationalUnit,
), "id/organisation/", (
    _iri(), _type("vet:Enterprise, vet:HigherEducationInstitution, vet:GovernmentBody"),
    *_labels(), _alt(), _ref("unit_of", "上级单位", ORG.unitOf), _evidence(), _source(),
))

COLLABORATIONS = Sheet("collaborations", "集团与联合体", (
    VET.VocationalEducationGroup, VET.IndustryEducationConsortium,
), "id/organisation/", (
    _iri(), _type("vet:VocationalEducationGroup, vet:IndustryEducationConsortium"),
    *_labels(), _ref("led_by", "牵头单位", VET.ledBy), _ref("hosted_by", "依托单位", VET.hostedBy),
    _ref("members", "成员", ORG.hasMember, multi=True), _stated(), _evidence(), _source(),
))

OFFERINGS = Sheet("majors_offered", "开设专业", (VET.MajorOffering,), "id/major-offering/", (
    _iri(), *_labels(),
    _ref("offered_by", "开设学校", VET.offeredBy, required=True),
    _code("major", "专业", VET.major, "major", required=True),
    _code("status", "开设状态", VET.offeringStatus, "offering-status", required=True),
    _evidence(), _source(),
))

AGREEMENTS = Sheet("agreements", "合作协议", (VET.CooperationAgreement,), "id/agreement/", (
    _iri(), *_labels(),
    _code("kind", "合作类型", VET.agreementKind, "agreement-kind", required=True),
    _code("majors", "涉及专业", VET.concernsMajor, "major", multi=True),
    Column("outcomes_zh", "成果", "text", VET.outcome, lang="zh", multi=True,
           help_zh="合作成果，每行一项", help_en="outcomes, one per line"),
    Column("unnamed_parties_zh", "未具名合作方", "text", VET.unnamedPartyDescription, lang="zh",
           multi=True, help_zh="报告未写名称的合作方", help_en="parties the report leaves unnamed"),
    _ref("produced", "产生的实体", VET.produced, multi=True,
         help_en="what the agreement produced (a pathway, a training base)"),
    _stated(), _evidence(), _source(),
))

#: Rows are the agreements' parties (prov:qualifiedAssociation), not entities.
PARTIES = Sheet("agreement_parties", "协议参与方", (PROV.Association,), "", (
    _ref("agreement", "协议", PROV.qualifiedAssociation, required=True),
    _ref("party", "参与方", PROV.agent, required=True),
    _code("roles", "角色", PROV.hadRole, "party-role", multi=True, required=True),
), "one row per party of an agreement")

BASES = Sheet("training_bases", "实训基地", (VET.TrainingBase,), "id/training-base/", (
    _iri(), *_labels(), _alt(),
    _code("kind", "基地类型", VET.baseKind, "base-kind", required=True),
    _ref("owner", "所属学校", VET.owner),
    _ref("partners", "合作单位", VET.partner, multi=True),
    _code("majors", "覆盖专业", VET.coversMajor, "major", multi=True),
    _ref("established_by", "依据协议", VET.establishedBy),
    Column("year_built", "建成年份", "year", VET.yearBuilt, help_zh="四位年份",
           help_en="four-digit year", example="2019"),
    _row_number(), _stated(), _evidence(),
    *_notes("editorial_note", "编辑说明", SKOS.editorialNote, "为何缺少某项（如所属学校）",
            "why something is not recorded (say, the owner)"),
    _source(),
))

PATHWAYS = Sheet("articulation_pathways", "贯通培养", (VET.ArticulationPathway,),
                 "id/articulation-pathway/", (
    _iri(), *_labels(),
    _ref("from_school", "中职学校", VET.fromSchool, required=True),
    _ref("from_offering", "中职专业点", VET.fromOffering),
    _code("major", "专业", VET.major, "major"),
    _ref("to_institution", "高职院校", VET.toInstitution),
    _ref("established_by", "依据协议", VET.establishedBy),
    Column("unnamed_parties_zh", "未具名合作方", "text", VET.unnamedPartyDescription, lang="zh",
           multi=True, help_zh="报告未写名称的院校",
           help_en="institution the report leaves unnamed"),
    _stated(), _evidence(), _source(),
))

PATENTS = Sheet("patents", "专利", (VET.Patent,), "id/patent/", (
    _iri(), *_labels(),
    Column("title_zh", "专利名称", "text", DCTERMS.title, lang="zh", help_zh="专利名称",
           help_en="the patent's title"),
    Column("patent_number", "专利号", "string", VET.patentNumber, help_zh="专利号",
           help_en="patent number, as written"),
    _code("patent_type", "专利类型", VET.patentType, "patent-type", required=True),
    _ref("developed_by", "学校", VET.developedBy, required=True),
    _ref("partner_enterprise", "合作企业", VET.partnerEnterprise),
    _ref("established_by", "依据协议", VET.establishedBy),
    _ref("school_inventors", "学校发明人", VET.schoolInventor, multi=True),
    _ref("enterprise_inventors", "企业发明人", VET.enterpriseInventor, multi=True),
    _row_number(), _evidence(), _source(),
))

PERSONS = Sheet("persons", "人员", (VET.Person,), "id/person/", (
    _iri(), *_labels(), _ref("affiliation", "所在单位", VET.affiliation), _source(),
))

DESIGNATIONS = Sheet("designations", "荣誉与认定", (VET.Designation,), "id/designation/", (
    _iri(), *_labels(),
    _code("kind", "认定类型", VET.designationKind, "designation-kind", required=True),
    _code("level", "级别", VET.awardLevel, "award-level"),
    _ref("designee", "获得者", VET.designee, required=True),
    _stated(), _evidence(), _source(),
))

CLUSTER_LINKS = Sheet("cluster_links", "产业集群关联", (VET.ClusterLink,), "id/cluster-link/", (
    _iri(), *_labels(),
    _ref("subject", "关联对象", VET.linkSubject, required=True,
         help_en="the school, offering, agreement, base or enterprise serving the cluster"),
    _code("cluster", "产业集群", VET.cluster, "industry-cluster", required=True),
    _code("basis", "关联依据", VET.linkBasis, "link-basis", required=True),
    _evidence(), _source(),
), "each row also states subject vet:servesCluster cluster and vet:qualifiedClusterLink row")

#: The SKOS relations a cluster alignment may qualify (vsh:ClusterAlignmentShape's sh:in).
ALIGNMENT_RELATIONS = (SKOS.broader, SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch,
                       SKOS.narrowMatch, SKOS.relatedMatch)

CLUSTER_ALIGNMENTS = Sheet("cluster_alignments", "产业归属", (VET.ClusterAlignment,),
                           "id/cluster-alignment/", (
    _iri(), *_labels(),
    _code("cluster", "产业集群", VET.alignedCluster, "industry-cluster", required=True),
    Column("relation", "归属关系", "choice", VET.alignmentRelation, choices=ALIGNMENT_RELATIONS,
           required=True, help_zh="SKOS 关系：skos:broader（上位产业）或 skos:closeMatch 等对应",
           help_en="the SKOS relation: skos:broader (a broader cluster) or a match such as "
           "skos:closeMatch", example="skos:closeMatch"),
    Column("target", "归属对象", "code", VET.alignmentTarget, scheme="industry-cluster",
           also=("gbt-4754-2017", "moe-major-2021"), required=True,
           help_zh="上位产业集群、国民经济行业分类代码或专业目录大类/类的名称、代码或IRI",
           help_en="the broader cluster, a GB/T 4754-2017 code or a catalogue category or "
           "class: its Chinese name, code or IRI", example="c26"),
    _code("basis", "归属依据", VET.alignmentBasis, "alignment-basis", required=True),
    Column("standard", "依据标准", "scheme", DCTERMS.source,
           help_zh="所依据的代码表（国民经济行业分类、专业目录）",
           help_en="the code list the alignment rests on (GB/T 4754-2017, the catalogue)",
           example="gbt-4754-2017"),
    _evidence(),
    *_notes("note", "说明", SKOS.note, "此归属依据什么", "what the alignment rests on",
            required_en=True),
    _source(),
), "one row per broader link or code match of a cluster; the cluster's own skos link and "
   "vet:qualifiedAlignment stay in ontology/codes/industry-cluster.ttl")

CAREER_STAGES = Sheet("career_stages", "职业发展阶段", (VET.CareerStage,), "id/career-stage/", (
    _iri(), *_labels(), _ref("organiser", "组织者", VET.organiser),
    Column("main_task_zh", "主要任务", "text", VET.mainTask, lang="zh"),
    Column("assessment_zh", "考核点", "text", VET.assessmentPoint, lang="zh"),
    Column("resources_zh", "资源支持", "text", VET.resourceSupport, lang="zh"),
    _row_number(), _source(),
))

ACTIVITIES = Sheet("activities", "学校活动", (VET.SchoolActivity,), "id/activity/", (
    _iri(), *_labels(), _ref("organiser", "组织者", VET.organiser),
    Column("festival_zh", "活动节", "text", VET.festival, lang="zh"),
    Column("content_zh", "活动内容", "text", VET.activityContent, lang="zh"),
    Column("audience_zh", "参与对象", "text", VET.audience, lang="zh"),
    _row_number(), _source(),
))

REPORTS = Sheet("report", "报告", (VET.Report,), "source/", (
    _iri(), *_labels(),
    Column("title_zh", "中文标题", "text", DCTERMS.title, lang="zh", required=True),
    Column("title_en", "英文标题", "text", DCTERMS.title, lang="en", required=True),
    Column("year", "报告年度", "year", VET.reportYear, required=True, example="2024"),
    Column("language", "语言", "string", DCTERMS.language, example="zh"),
    _ref("spatial", "覆盖地区", DCTERMS.spatial),
))


def _part_sheet(name: str, zh: str, cls: URIRef, number: Column, *extra: Column) -> Sheet:
    return Sheet(name, zh, (cls,), "", (
        _iri(), number,
        Column("title_zh", "标题", "text", DCTERMS.title, lang="zh", required=True),
        *_labels(),
        Column("page", "起始页", "int", VET.startPage),
        Column("part_of", "所属", "part", DCTERMS.isPartOf, required=True,
               help_zh="上级章节或报告本身", help_en="the enclosing section, or the report"),
        *extra,
    ))


SECTIONS = _part_sheet("sections", "章节", VET.ReportSection,
                       Column("number", "章节号", "string", VET.sectionNumber, required=True,
                              example="1.1"))
TABLES = _part_sheet("tables", "表", VET.ReportTable,
                     Column("number", "表号", "string", VET.tableNumber, required=True,
                            example="1.1"))
FIGURES = _part_sheet("figures", "图", VET.ReportFigure,
                      Column("number", "图号", "string", VET.figureNumber, required=True,
                             example="1.4.1"))
CASES = _part_sheet("cases", "案例", VET.CaseStudy,
                    Column("number", "案例号", "int", VET.caseNumber, required=True, example="1"),
                    Column("theme_zh", "主题", "text", VET.theme, lang="zh"),
                    Column("theme_en", "主题（英文）", "text", VET.theme, lang="en"),
                    _ref("schools", "案例学校", VET.caseSchool, multi=True),
                    _ref("partners", "合作单位", VET.casePartner, multi=True))

DATASETS = Sheet("datasets", "统计表", (QB.DataSet,), "dataset/", (
    _iri(), *_labels(),
    Column("description_en", "说明（英文）", "text", DCTERMS.description, lang="en"),
    Column("comment_zh", "备注", "text", RDFS.comment, lang="zh"),
    Column("comment_en", "备注（英文）", "text", RDFS.comment, lang="en"),
    _stated(),
    Column("cited_source", "引用来源", "part", DCTERMS.source, multi=True,
           help_zh="表的出处（dcterms:source）", help_en="the table's own source (dcterms:source)"),
    _source(),
    Column("structure", "数据结构", "components", QB.structure,
           help_zh="每行一个：dimension|measure|attribute 属性 序号 [required]；留空按观测值生成",
           help_en="one per line: dimension|measure|attribute property order [required]; "
           "empty: made from the observations", example="dimension vet:refSubject 1"),
))

OBSERVATIONS = Sheet("statistics", "统计数据", (QB.Observation,), "", (
    _iri(),
    _ref("dataset", "统计表", QB.dataSet, required=True,
         help_en="a data set of the datasets sheet"),
    _ref("subject", "对象", VET.refSubject, required=True,
         help_en="the school, area or school type the figure is about"),
    _code("indicator", "指标", VET.indicator, "indicator", required=True),
    _code("category", "类别", VET.category, "category"),
    Column("period", "年度", "year", SDMX_DIM.refPeriod, required=True, example="2024"),
    Column("base_period", "基期", "year", VET.basePeriod, help_zh="变化值相对的年度",
           help_en="the year a change is measured from"),
    _code("value_kind", "数值类型", VET.valueKind, "value-kind", required=True),
    Column("value", "数值", "number", SDMX_MEASURE.obsValue,
           help_zh="数字，小数位按报告所写", help_en="the number, with the decimals written",
           example="97.20"),
    _code("unit", "单位", SDMX_ATTR.unitMeasure, "unit", required=True),
    _code("status", "状态", SDMX_ATTR.obsStatus, "observation-status", required=True),
    Column("stated_text_zh", "原文表述", "text", VET.statedText, lang="zh"),
    Column("survey_method_zh", "调查方式", "text", VET.surveyMethod, lang="zh"),
    Column("comment_zh", "备注", "text", RDFS.comment, lang="zh"),
    Column("comment_en", "备注（英文）", "text", RDFS.comment, lang="en"),
    _source(),
), "long form: one row per figure")

SHEETS: tuple[Sheet, ...] = (
    SCHOOLS, ORGANISATIONS, AREAS, COLLABORATIONS, OFFERINGS, AGREEMENTS, PARTIES, BASES,
    PATHWAYS, PATENTS, PERSONS, DESIGNATIONS, CLUSTER_LINKS, CLUSTER_ALIGNMENTS, CAREER_STAGES,
    ACTIVITIES, REPORTS, SECTIONS, TABLES, FIGURES, CASES, DATASETS, OBSERVATIONS,
)

#: The sheets every workbook has besides the data sheets.
README_SHEET = "README"
LISTS_SHEET = "lists"
