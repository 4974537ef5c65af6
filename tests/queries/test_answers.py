"""Every named query's answer, as the 2024 Benxi report states it (quotes name where)."""

from __future__ import annotations

from decimal import Decimal

from helpers.queries import CLUSTER, SCHOOL, SCHOOLS, answer, column, half_up, parts

HEALTH = SCHOOL + "benxi-health-school"
ELECTRO = SCHOOL + "benxi-electromechanical-school"
D = Decimal

# 表 1.1: graduates, enrolment, students, staff, full-time, double-qualified, land, floor.
TABLE_1_1 = {
    "桓仁满族自治县职业教育中心": (136, 177, 457, 79, 70, 50, 90671, 31000),
    "本溪满族自治县中等职业技术教育中心": (187, 286, 663, 118, 91, 50, 54070, 25760),
    "本溪市商贸服务学校": (102, 84, 258, 152, 104, 88, 100310, 67774),
    "本溪市卫生学校": (545, 875, 2339, 161, 120, 37, 160000, 77686),
    "本溪市化学工业学校": (169, 252, 624, 172, 112, 62, 140000, 77522),
    "本溪市机电工程学校": (201, 230, 780, 186, 172, 155, 164000, 122000),
}


def test_schools(qstore, qsettings):
    rows = answer(qstore, qsettings, "schools")
    assert {r["name"] for r in rows} == set(SCHOOLS.values())
    by_type = {r["name"]: r["typeName"] for r in rows}
    # 表 1.1 类别: 职业高中 for the first three rows, 普通中专 for the last three.
    assert [n for n, t in by_type.items() if t == "职业高中"] != []
    assert {n for n, t in by_type.items() if t == "职业高中"} == {
        "桓仁满族自治县职业教育中心",
        "本溪满族自治县中等职业技术教育中心",
        "本溪市商贸服务学校",
    }
    only = answer(qstore, qsettings, "schools", type="regular-secondary-specialised-school")
    assert {r["name"] for r in only} == {
        "本溪市卫生学校",
        "本溪市化学工业学校",
        "本溪市机电工程学校",
    }
    # The short forms the report uses ("桓仁县职教中心", "市卫生学校" …).
    assert "桓仁县职教中心" in parts(by_short(rows)["桓仁满族自治县职业教育中心"])
    assert "市卫生学校" in parts(by_short(rows)["本溪市卫生学校"])


def by_short(rows):
    return {r["name"]: r.get("shortNames") for r in rows}


def test_majors_by_school(qstore, qsettings):
    rows = answer(qstore, qsettings, "majors-by-school")
    majors = {}
    for r in rows:
        majors.setdefault(r["schoolName"], {})[r["majorName"]] = r.get("status")
    # 1.2.1, 表 1.5.2 and 6.3 name the health school's majors.
    assert set(majors["本溪市卫生学校"]) >= {
        "护理",
        "口腔修复工艺",
        "助产",
        "农村医学",
        "检验",
        "药剂",
        "口腔护理",
        "口腔医学",
        "制药",
        "养老服务与管理",
    }
    # 1.3.3: 烹饪、园林、数字媒体、旅游、计算机、艺术设计 (商贸服务学校, 3+2).
    assert set(majors["本溪市商贸服务学校"]) == {
        "烹饪",
        "园林",
        "数字媒体",
        "旅游",
        "计算机",
        "艺术设计",
    }
    # 1.2.1: 数控技术应用, 电气设备运行与控制; 新增工业机器人技术专业.
    assert majors["本溪市机电工程学校"] == {
        "数控技术应用": "开设",
        "电气设备运行与控制": "开设",
        "工业机器人技术": "新增",
    }
    # 案例四: 桓仁职教中心将开设旅游服务与管理专业.
    assert majors["桓仁满族自治县职业教育中心"]["旅游服务与管理"] == "将开设"
    only = answer(qstore, qsettings, "majors-by-school", school="benxi-electromechanical-school")
    assert {r["majorName"] for r in only} == {
        "数控技术应用",
        "电气设备运行与控制",
        "工业机器人技术",
    }


def test_major_cluster_links(qstore, qsettings):
    rows = answer(qstore, qsettings, "major-cluster-links")
    pairs = {(r["majorName"], r["clusterName"], r["basisName"]) for r in rows}
    # 1.2.1: 新增工业机器人技术专业，为本溪市智能制造产业输送人才 (stated).
    assert ("工业机器人技术", "智能制造产业", "原文明示对接") in pairs
    # 表 1.5.2: the bases covering 护理、助产、农村医学、检验、药剂 face 生物医药产业集群.
    for major in ("护理", "助产", "农村医学", "检验", "药剂", "口腔修复工艺"):
        assert (major, "生物医药产业集群", "经实训基地对接") in pairs
    assert all(r["evidence"] for r in rows)
    base_only = answer(
        qstore,
        qsettings,
        "major-cluster-links",
        cluster="biomedical-cluster",
        basis="training-base",
    )
    assert {r["clusterName"] for r in base_only} == {"生物医药产业集群"}
    assert {r["basisName"] for r in base_only} == {"经实训基地对接"}
    assert "口腔医学" in {r["majorName"] for r in base_only}


def test_clusters_served_by_few_majors(qstore, qsettings):
    rows = answer(qstore, qsettings, "clusters-by-major-count", max_majors="0")
    none = {r["clusterName"] for r in rows}
    assert all(r["majors"] == 0 for r in rows)
    # 1.2.1 names 装备制造 and 医药化工 as pillar industries but links no major to them by name.
    assert {"装备制造", "医药化工"} <= none
    all_rows = answer(qstore, qsettings, "clusters-by-major-count", max_majors="1000")
    counts = {r["clusterName"]: r["majors"] for r in all_rows}
    assert counts["智能制造产业"] == 1  # 工业机器人技术
    assert counts["生物医药产业集群"] == 8  # the eight majors of 表 1.5.2's three bases
    assert len(all_rows) == 15 and set(none) < set(counts)
    assert column(all_rows, "majors") == sorted(column(all_rows, "majors"))


def test_cluster_gaps_rolls_up_the_hierarchy(qstore, qsettings):
    rows = answer(qstore, qsettings, "cluster-gaps")
    assert len(rows) == 15
    # Issue 18: the pillars of 1.2.1 are served through their industries, not gaps.
    assert column(rows, "clusterName")[:3] == ["医药及相关产业", "中医药产业", "农业"]
    by_name = {r["clusterName"]: r for r in rows}
    equipment = by_name["装备制造"]
    assert (equipment["level"], equipment["gap"], equipment["majorsStated"],
            equipment["majorsViaHierarchy"], equipment["schoolsViaHierarchy"]) == (
        0, "one-school", 0, 1, 1)  # 工业机器人技术 at 本溪市机电工程学校
    assert equipment["majorsSuggested"] == 3  # 数控技术应用, 机械加工, 电气设备运行与控制
    chemical = by_name["医药化工"]
    assert (chemical["gap"], chemical["majorsViaHierarchy"], chemical["schoolsViaHierarchy"]) == (
        "covered", 9, 2)  # 表 1.5.2's eight majors of the health school, and 药物制剂工
    assert by_name["生物医药产业集群"]["level"] == 2
    assert {r["gap"] for r in rows[:6]} == {"no-major"}


def test_cooperation_network(qstore, qsettings):
    rows = answer(qstore, qsettings, "cooperation-network")
    edges = {(r["schoolName"], r["partnerName"]) for r in rows}
    # 案例四: 桓仁职教中心与五女山旅游集团、枫林谷景区、虎谷峡景区 … 与桓仁县文旅局.
    for partner in ("五女山旅游集团", "枫林谷景区", "虎谷峡景区", "桓仁县文旅局"):
        assert ("桓仁满族自治县职业教育中心", partner) in edges
    # 6.2: 和平鸽幼儿园、天文广告公司、平山区动物医院、好利来蛋糕店.
    for partner in ("和平鸽幼儿园", "天文广告公司", "平山区动物医院", "好利来蛋糕店"):
        assert ("本溪市商贸服务学校", partner) in edges
    # 1.2.3: 本溪市化学工业学校与药企合作 — a partner the report does not name.
    unnamed = [r for r in rows if r["partnerName"] == "药企"]
    assert unnamed and all("partner" not in r for r in unnamed)
    assert all(r.get("partner") != r["school"] for r in rows)
    rnd = answer(qstore, qsettings, "cooperation-network", kind="joint-rnd")
    assert {(r["schoolName"], r["partnerName"]) for r in rnd} == {
        ("本溪满族自治县中等职业技术教育中心", "本溪盛丰农机制造有限公司")
    }


def test_cooperation_network_graph(qstore, qsettings):
    from vetgraph.queries import get_query, run

    result = run(
        qstore,
        get_query(qsettings, "cooperation-network-graph"),
        {"school": "benxi-county-vocational-education-centre"},
    )
    assert result.kind == "graph"
    parties = {
        str(o)
        for s, p, o in result.triples
        if str(p) == "http://www.w3.org/ns/prov#wasAssociatedWith"
    }
    assert (
        "https://w3id.org/vetgraph/id/organisation/benxi-shengfeng-agricultural-machinery-co-ltd"
        in parties
    )
    assert SCHOOL + "benxi-county-vocational-education-centre" in parties


def test_partners_by_school(qstore, qsettings):
    rows = answer(
        qstore, qsettings, "partners-by-school", school="huanren-vocational-education-centre"
    )
    got = {r["kindName"]: (r["partners"], parts(r["partnerNames"])) for r in rows}
    assert got["校企合作"] == (3, {"五女山旅游集团", "枫林谷景区", "虎谷峡景区"})
    assert got["政校合作"] == (1, {"桓仁县文旅局"})
    # 4.2: 与东北抗日义勇军纪念馆、秋实纪念馆、五女山博物馆、辽宁东明艺术品有限公司
    # 共同建立爱国主义教育基地.
    assert got["共建爱国主义教育基地"] == (
        4,
        {"东北抗日义勇军纪念馆", "秋实纪念馆", "五女山博物馆", "辽宁东明艺术品有限公司"},
    )
    commerce = answer(
        qstore, qsettings, "partners-by-school", school="benxi-commerce-and-trade-school"
    )
    by_kind = {r["kindName"]: r for r in commerce}
    assert by_kind["中高职“3+2”贯通培养"]["partners"] == 0
    assert by_kind["中高职“3+2”贯通培养"]["unnamed"] == "高校"


def test_articulation_pathways(qstore, qsettings):
    rows = answer(qstore, qsettings, "articulation-pathways")
    triples = {(r["schoolName"], r["institutionName"], r.get("majorName")) for r in rows}
    # 1.2.2: 化学工业学校与辽宁医药职业学院等“3+2”; 卫生学校与沈阳医学院等“3+2”.
    assert ("本溪市化学工业学校", "辽宁医药职业学院", None) in triples
    assert ("本溪市卫生学校", "沈阳医学院", None) in triples
    # 案例八: 卫生学校、辽宁医药职业学院 … 口腔护理专业 贯通培养.
    assert ("本溪市卫生学校", "辽宁医药职业学院", "口腔护理") in triples
    # 1.3.3: 商贸服务学校六个专业与高校 3+2.
    commerce = answer(
        qstore, qsettings, "articulation-pathways", school="benxi-commerce-and-trade-school"
    )
    assert {r["majorName"] for r in commerce} == {
        "烹饪",
        "园林",
        "数字媒体",
        "旅游",
        "计算机",
        "艺术设计",
    }
    assert {r["institutionName"] for r in commerce} == {"高校"}
    assert all("institution" not in r for r in commerce)
    assert len(rows) == 9


def test_training_bases(qstore, qsettings):
    rows = answer(qstore, qsettings, "training-bases", school="benxi-health-school")
    table = {r["baseName"]: r for r in rows if r.get("yearBuilt")}
    # 表 1.5.2: three innovative bases, built 2012, 2012, 2013.
    assert {name: r["yearBuilt"] for name, r in table.items()} == {
        "护理专业创新型实训基地“模拟医院”": "2012",
        "口腔修复工艺专业创新型实训基地“模拟义齿加工厂”": "2012",
        "助产专业创新型实训基地“模拟医院”": "2013",
    }
    assert parts(table["护理专业创新型实训基地“模拟医院”"]["majors"]) == {
        "护理",
        "助产",
        "农村医学",
        "检验",
        "药剂",
    }
    # 1.5.2: 机电工程学校有电子、机电、机加、信息、汽车五个实训中心.
    centres = answer(qstore, qsettings, "training-bases", school="benxi-electromechanical-school")
    assert {r["baseName"] for r in centres if r.get("kindName") == "实训中心"} == {
        "电子实训中心",
        "机电实训中心",
        "机加实训中心",
        "信息实训中心",
        "汽车实训中心",
    }


def test_training_bases_by_cluster(qstore, qsettings):
    rows = answer(qstore, qsettings, "training-bases-by-cluster", cluster="biomedical-cluster")
    assert {r["baseName"] for r in rows} == {
        "护理专业创新型实训基地“模拟医院”",
        "口腔修复工艺专业创新型实训基地“模拟义齿加工厂”",
        "助产专业创新型实训基地“模拟医院”",
    }
    denture = next(r for r in rows if "义齿" in r["baseName"])
    # 表 1.5.2 row 2: 口腔工艺、护理专业（口腔护理方向）、口腔医学专业.
    assert parts(denture["majors"]) == {"口腔修复工艺", "护理", "口腔护理", "口腔医学"}


def test_collaborations(qstore, qsettings):
    rows = answer(qstore, qsettings, "collaborations")
    by_name = {}
    for r in rows:
        by_name.setdefault(r["name"], []).append(r)
    # 6.1: 依托本溪市高新技术产业开发区管理委员会，建设本溪市高新区市域产教联合体.
    consortium = by_name["本溪市高新区市域产教联合体"][0]
    assert consortium["hostName"] == "本溪市高新技术产业开发区管理委员会"
    assert consortium["typeName"] == "市域产教联合体"
    assert (
        "一所本科学校，一所高职院校，两所中职学校，七家企业及一家科研机构" in consortium["stated"]
    )
    # 6.1: 市卫生学校持续推进本溪医药化工职业教育集团建设.
    group = by_name["本溪医药化工职业教育集团"]
    assert {r.get("leadName") for r in group} == {"本溪市卫生学校"}
    assert {r.get("memberName") for r in group} == {"本溪市卫生学校"}
    groups = answer(qstore, qsettings, "collaborations", type="VocationalEducationGroup")
    assert {r["name"] for r in groups} == {"本溪医药化工职业教育集团"}


def test_patents(qstore, qsettings):
    rows = answer(qstore, qsettings, "patents")
    # 表 6.4, in table order.
    assert column(rows, "patentNumber") == [
        "CN202222193198.2",
        "CN202310082548.4",
        "CN202320155707.4",
        "CN202321486603.8",
    ]
    assert column(rows, "typeName") == ["实用新型", "发明专利", "实用新型", "实用新型"]
    assert set(column(rows, "enterpriseName")) == {"本溪盛丰农机制造有限公司"}
    assert [parts(r["schoolInventors"]) for r in rows] == [
        {"朱盛义", "栗田辉"},
        {"朱盛义"},
        {"朱盛义"},
        {"高俊龙", "朱盛义", "王荣光"},
    ]
    assert [parts(r["enterpriseInventors"]) for r in rows] == [
        {"佟殿军", "韩殿龙", "刘守忠", "韩东昊"},
        {"佟殿军", "韩殿龙", "刘守忠", "朱铁", "何进"},
        {"佟殿军", "韩殿龙", "刘守忠", "朱铁", "何进"},
        {"佟殿军", "韩殿龙", "刘守忠"},
    ]
    utility = answer(qstore, qsettings, "patents", type="utility-model")
    assert len(utility) == 3


def test_inventors(qstore, qsettings):
    rows = answer(qstore, qsettings, "inventors")
    counts = {(r["name"], r["side"]): r["patents"] for r in rows}
    assert counts[("朱盛义", "school")] == 4
    assert counts[("佟殿军", "enterprise")] == 4
    assert counts[("何进", "enterprise")] == 2
    assert counts[("韩东昊", "enterprise")] == 1
    assert len(rows) == 10


def test_designations(qstore, qsettings):
    rows = answer(qstore, qsettings, "designations", level="national")
    # 1.1: 国家 … 示范校建设校 (本溪市化学工业学校、本溪市机电工程学校);
    # 示范县建设县 (桓仁满族自治县).
    assert {(r["kindName"], r["designeeName"]) for r in rows} == {
        ("中等职业教育改革发展示范校建设校", "本溪市化学工业学校"),
        ("中等职业教育改革发展示范校建设校", "本溪市机电工程学校"),
        ("职业教育、成人教育示范县建设县", "桓仁满族自治县"),
    }
    provincial = answer(qstore, qsettings, "designations", level="provincial")
    named = {r.get("designeeName") for r in provincial}
    # 1.1: 辽宁省 … 示范校建设校 (桓仁县职教中心、本溪市商贸服务学校);
    # 1.2.1: 省级示范专业, 省级品牌专业.
    assert {"桓仁满族自治县职业教育中心", "本溪市商贸服务学校"} <= named
    assert "本溪市卫生学校护理专业" in named
    counts = answer(qstore, qsettings, "designation-counts")
    national = {r["kindName"]: r["designations"] for r in counts if r["levelName"] == "国家级"}
    assert national == {"中等职业教育改革发展示范校建设校": 2, "职业教育、成人教育示范县建设县": 1}


def test_case_studies(qstore, qsettings):
    rows = answer(qstore, qsettings, "case-studies")
    titles = {}
    for r in rows:
        titles.setdefault(r["caseNumber"], r["title"])
    assert titles == {
        1: "多措并举 加强教师队伍建设",
        2: "校企合作育英才",
        3: "构建思政课拓展模块课程体系",
        4: "多方合作谋发展 校企合作育人才",
        5: "树立青山绿水理念 服务美丽家乡建设",
        6: "中职学校传统文化教育课程体系的创新与实践",
        7: "识药鉴药——传承中医药文化自信的创新实践",
        8: "校企融合新起点——三方携手育英才的创新实践",
        9: "反恐防暴应急处突培训演练",
    }
    # 案例九: 市卫生学校、市化学工业学校联合开展.
    assert {r["schoolName"] for r in rows if r["caseNumber"] == 9} == {
        "本溪市卫生学校",
        "本溪市化学工业学校",
    }
    eight = next(r for r in rows if r["caseNumber"] == 8)
    assert parts(eight["partners"]) == {"辽宁医药职业学院", "大连春和医学科技有限公司"}
    health = answer(qstore, qsettings, "case-studies", school="benxi-health-school")
    assert {r["caseNumber"] for r in health} == {6, 8, 9}


def test_report_tables(qstore, qsettings):
    rows = answer(qstore, qsettings, "report-tables")
    # The list of tables: 14 tables with their pages.
    assert [(r["tableNumber"], r["page"]) for r in rows] == [
        ("1.1", 10),
        ("1.3.3", 15),
        ("1.4.1", 17),
        ("1.5.2", 19),
        ("2.1.6", 28),
        ("2.2.1", 30),
        ("2.3.2", 33),
        ("2.4.1", 34),
        ("2.4.4", 37),
        ("3.1.2", 43),
        ("4.3", 51),
        ("6.3", 58),
        ("6.4", 59),
        ("7.2", 63),
    ]
    observations = {r["tableNumber"]: r["observations"] for r in rows if r.get("dataset")}
    # 表 1.1: 7 rows × 8 columns; 表 1.3.3: 3 rows × 12; 表 1.4.1: 6 × 5; 表 7.2: 2 × 3.
    assert observations["1.1"] == 56
    assert observations["1.3.3"] == 36
    assert observations["1.4.1"] == 30
    assert observations["7.2"] == 6


def test_career_stages(qstore, qsettings):
    rows = answer(qstore, qsettings, "career-stages")
    # 表 2.4.1.
    assert [r["assessmentPoint"] for r in rows] == [
        "职业兴趣方向初步确定",
        "掌握至少一项基本职业技能",
        "获得有价值的实习成果， 成功考取目标证书",
    ]
    assert [r["resourceSupport"] for r in rows] == [
        "校内讲座资源",
        "社团活动选修课程体系",
        "实习基地资源， 证书培训课程",
    ]
    assert {r["schoolName"] for r in rows} == {"本溪市卫生学校"}


def test_festival_activities(qstore, qsettings):
    rows = answer(qstore, qsettings, "festival-activities")
    # 表 4.3.
    assert [r["festival"] for r in rows] == ["中秋节", "重阳节", "春节 元宵节", "端午节", "七夕节"]
    assert rows[0]["content"] == "“弘扬传统文化 传承家国情怀”主题升旗仪式"
    assert rows[0]["audience"] == "全体师生"
    assert rows[2]["content"] == "“龙行龘龘 前程朤朤”春节·元宵节主题活动"


def test_school_indicators(qstore, qsettings):
    rows = answer(qstore, qsettings, "school-indicators")
    assert {r["schoolName"] for r in rows} == set(TABLE_1_1)
    for r in rows:
        g, e, students, staff, teachers, double, land, floor = TABLE_1_1[r["schoolName"]]
        assert (
            r["graduates"],
            r["newEnrolment"],
            r["students"],
            r["staff"],
            r["fullTimeTeachers"],
            r["doubleQualifiedTeachers"],
        ) == (g, e, students, staff, teachers, double)
        assert (r["landArea"], r["floorArea"]) == (land, floor)
        assert r["studentsPerTeacher"] == half_up(D(students) / D(teachers), 2)
        assert r["doubleQualifiedShare"] == half_up(D(double) * 100 / D(teachers), 1)
        assert r["floorAreaPerStudent"] == half_up(D(floor) / D(students), 2)
    one = answer(qstore, qsettings, "school-indicators", school="benxi-health-school")
    assert [
        (r["studentsPerTeacher"], r["doubleQualifiedShare"], r["floorAreaPerStudent"]) for r in one
    ] == [(D("19.49"), D("30.8"), D("33.21"))]


def test_city_totals(qstore, qsettings):
    rows = answer(qstore, qsettings, "city-totals")
    got = {(r["subjectName"], r["indicatorName"]): r for r in rows}
    # 表 1.1 合计: 1340 1904 5121 868 669 442 — each the sum of the six schools.
    for indicator, total in (
        ("毕业生数", 1340),
        ("招生数", 1904),
        ("在校生数", 5121),
        ("教职工数", 868),
        ("专任教师数", 669),
        ("双师型教师数", 442),
    ):
        row = got[("本溪市", indicator)]
        assert (row["value"], row["schoolsSum"], row["difference"]) == (total, total, 0)
    # 1.1 prose: 职业高中 在校生1366人，教职工392人，专任教师296人 — the table's rows give
    # 1378, 349, 265; 普通中专 3714, 558, 462 against 3743, 519, 404.
    expected = {
        ("职业高中", "在校生数"): (1366, 1378),
        ("职业高中", "教职工数"): (392, 349),
        ("职业高中", "专任教师数"): (296, 265),
        ("普通中专", "在校生数"): (3714, 3743),
        ("普通中专", "教职工数"): (558, 519),
        ("普通中专", "专任教师数"): (462, 404),
    }
    for key, (stated, summed) in expected.items():
        row = got[key]
        assert (row["value"], row["schoolsSum"], row["difference"]) == (
            stated,
            summed,
            stated - summed,
        )
    assert got[("职业高中", "开设专业数")]["value"] == 38
    assert got[("普通中专", "开设专业数")]["value"] == 32
    # The 合计 row leaves both area cells blank: no value, but the schools' sum.
    land = got[("本溪市", "学校占地面积")]
    assert "value" not in land and land["schoolsSum"] == sum(v[6] for v in TABLE_1_1.values())


def test_change_table_health_school_sources(qstore, qsettings):
    rows = answer(qstore, qsettings, "change-table", table="table-1-3-3")
    got = {(r["indicatorName"], r.get("categoryName")): r for r in rows}
    # 表 1.3.3: 2023年%, 2024年% and 变化率% (percentage points).
    expected = {
        ("生源层次", "应届初中毕业"): ("89.4", "89.7", "0.3"),
        ("生源层次", "往届初中毕业"): ("9.0", "7.4", "-1.6"),
        ("生源层次", "高中起点"): ("2.5", "2.9", "0.4"),
        ("年龄结构", "15-20岁"): ("94.1", "94.5", "0.4"),
        ("年龄结构", "20-25岁"): ("5.9", "2.7", "-3.2"),
        ("性别结构", "男性"): ("21.1", "21.8", "0.7"),
        ("性别结构", "女性"): ("78.9", "78.2", "-0.7"),
        ("生源类别", "城镇"): ("37.8", "40.6", "2.8"),
        ("生源类别", "农村"): ("62.2", "59.4", "-2.8"),
        ("地区分布", "本地生源"): ("38.1", "49.6", "11.5"),
        ("地区分布", "外地生源"): ("61.9", "50.4", "-11.5"),
    }
    for key, (old, new, stated) in expected.items():
        row = got[key]
        assert (row["fromValue"], row["toValue"], row["statedChange"]) == (
            D(old),
            D(new),
            D(stated),
        )
        assert row["change"] == D(new) - D(old)
    retention = [r for r in rows if r["indicatorName"] == "巩固率"]
    assert [(r["fromValue"], r["toValue"], r["statedChange"]) for r in retention] == [
        (D("91.5"), D("88.2"), D("-3.3"))
    ]
    assert len(rows) == 12


def test_change_table_funding(qstore, qsettings):
    rows = answer(
        qstore, qsettings, "change-table", table="table-7-2", **{"from": "2023", "to": "2024"}
    )
    got = {r["indicatorName"]: r for r in rows}
    # 表 7.2: 财政拨款收入 3281.78 → 3771.70, 变化率 14.93%; 生均拨款 0.24 → 0.24, 0.
    income = got["财政拨款收入"]
    assert (income["fromValue"], income["toValue"]) == (D("3281.78"), D("3771.70"))
    assert income["change"] == D("489.92")
    assert income["relativeChange"] == D("14.93") == income["statedChange"]
    per_student = got["生均拨款"]
    assert (
        per_student["fromValue"],
        per_student["toValue"],
        per_student["relativeChange"],
        per_student["statedChange"],
    ) == (D("0.24"), D("0.24"), 0, 0)


def test_change_tables_lectures_satisfaction_training(qstore, qsettings):
    lectures = answer(qstore, qsettings, "change-table", table="table-2-1-6")
    # 表 2.1.6: 禁毒 2→3, 校园欺凌 3→4, 法律知识 2→3 (次).
    assert {r["categoryName"]: (r["fromValue"], r["toValue"], r["change"]) for r in lectures} == {
        "禁毒": (2, 3, 1),
        "校园欺凌": (3, 4, 1),
        "法律知识": (2, 3, 1),
    }
    survey = answer(qstore, qsettings, "change-table", table="table-2-2-1")
    got = {r["categoryName"]: (r["fromValue"], r["toValue"]) for r in survey}
    # 表 2.2.1.
    assert got == {
        "在校生满意度": (D("89.86"), D("95.69")),
        "课堂育人满意度": (D("90.65"), D("95.36")),
        "课外育人满意度": (D("86.18"), D("94.64")),
        "思政课教学满意度": (D("93.09"), D("96.66")),
        "公共基础课（不含思想政治课）教学满意度": (D("92.95"), D("96.13")),
        "专业课教学满意度": (D("94.58"), D("97.20")),
    }
    training = answer(
        qstore, qsettings, "change-table", table="table-3-1-2", **{"from": "2022", "to": "2023"}
    )
    # 表 3.1.2: 签订培训合作协议 2, 2, 3; 培训合作意向企业 3, 4, 5.
    assert {r["indicatorName"]: (r["fromValue"], r["toValue"]) for r in training} == {
        "签订培训合作协议数": (2, 2),
        "培训合作意向企业数": (3, 4),
    }


def test_indicator_series_table_1_4_1(qstore, qsettings):
    rows = answer(qstore, qsettings, "indicator-series")
    series = {}
    for r in rows:
        series.setdefault(r["indicatorName"], []).append((r["year"], r["value"]))
    years = ["2018", "2019", "2020", "2023", "2024"]
    expected = {
        "生师比": ["4.3", "4.36", "3.54", "4.96", "3.94"],
        "“双师型”教师比例": ["70.3", "70.3", "73", "97.1", "90.4"],
        "兼职教师比例": ["6.3", "5.8", "6.07", "5.3", "5.2"],
        "专任教师本科以上学历比例": ["86.9", "88.36", "88.31", "91.23", "90.12"],
        "专任教师硕士以上学历比例": ["13.5", "14.22", "14.28", "17.53", "16.86"],
        "专任教师高级职称教师比例": ["38.4", "41.81", "41.55", "38.66", "40.12"],
    }
    assert {k: v for k, v in series.items()} == {
        name: [(y, D(v)) for y, v in zip(years, values, strict=True)]
        for name, values in expected.items()
    }
    one = answer(qstore, qsettings, "indicator-series", indicator="student-teacher-ratio")
    assert [r["value"] for r in one] == [D("4.3"), D("4.36"), D("3.54"), D("4.96"), D("3.94")]


def test_table_observations_surveys_and_counts(qstore, qsettings):
    skills = answer(qstore, qsettings, "table-observations", table="table-2-3-2")
    # 表 2.3.2: 电工 58, 汽车维修工 21, 焊工钳工 17, 计算机与外部设备装配调试员 16.
    assert {r["categoryName"]: r["value"] for r in skills} == {
        "电工": 58,
        "汽车维修工": 21,
        "焊工钳工": 17,
        "计算机与外部设备装配调试员": 16,
    }
    survey = answer(qstore, qsettings, "table-observations", table="table-2-2-1")
    respondents = [r for r in survey if r["indicatorName"] == "调查人次"]
    # 表 2.2.1: 调查人次 345, 调查方式 网络问卷调查, for each of the six rows.
    assert [r["value"] for r in respondents] == [345] * 6
    assert {r.get("surveyMethod") for r in survey} == {"网络问卷调查"}
    mbti = answer(qstore, qsettings, "table-observations", table="table-2-4-4")
    counts = {r["categoryName"]: r["value"] for r in mbti}
    # 表 2.4.4.
    assert counts == {
        "ISTJ": 35,
        "ISFJ": 57,
        "INFJ": 26,
        "INTJ": 20,
        "ISTP": 45,
        "ISFP": 87,
        "INFP": 23,
        "INTP": 93,
        "ESTP": 41,
        "ESFP": 59,
        "ENFP": 68,
        "ENTP": 19,
        "ESTJ": 21,
        "ESFJ": 13,
        "ENFJ": 34,
        "ENTJ": 22,
    }
    cooperation = answer(qstore, qsettings, "table-observations", table="table-6-3")
    # 表 6.3: 新增合作企业 5家; 口腔护理订单班 1个; 制药实习就业基地 5个; 养老 3个.
    assert sorted(r["value"] for r in cooperation) == [1, 3, 5, 5]
    funding = answer(qstore, qsettings, "table-observations", table="table-7-2")
    assert sorted((r["indicatorName"], r["year"], r["valueKind"], r["value"]) for r in funding) == [
        ("生均拨款", "2023", "水平值", D("0.24")),
        ("生均拨款", "2024", "水平值", D("0.24")),
        ("生均拨款", "2024", "相对变化", 0),
        ("财政拨款收入", "2023", "水平值", D("3281.78")),
        ("财政拨款收入", "2024", "水平值", D("3771.70")),
        ("财政拨款收入", "2024", "相对变化", D("14.93")),
    ]


def test_data_quality_findings(qstore, qsettings):
    rows = answer(qstore, qsettings, "data-quality-findings")
    by_rule = {}
    for r in rows:
        by_rule.setdefault(r["rule"].rsplit("#", 1)[1], []).append(r)
    assert {r["severity"] for r in rows} == {"http://www.w3.org/ns/shacl#Warning"}
    # 1.1 prose against 表 1.1 (see test_city_totals): six totals by school type disagree.
    group = by_rule["GroupFigureMatchesMembers"]
    assert len(group) == 6
    for stated, summed in (
        (1366, 1378),
        (392, 349),
        (296, 265),
        (3714, 3743),
        (558, 519),
        (462, 404),
    ):
        assert any(
            f"为 {stated}，" in r["message"] and f"之和为 {summed} " in r["message"] for r in group
        ), (stated, summed)
    # 表 1.3.3: 生源层次 2023 = 89.4 + 9.0 + 2.5 = 100.9; 年龄结构 2024 = 94.5 + 2.7 = 97.2.
    breakdown = sorted(r["message"].split(" / ")[0] for r in by_rule["BreakdownAddsUp"])
    assert len(breakdown) == 2
    assert "之和为 100.9，应为 100" in breakdown[1] and "生源层次（2023）" in breakdown[1]
    assert "之和为 97.2，应为 100" in breakdown[0] and "年龄结构（2024）" in breakdown[0]
    # Stated ratios against 表 1.1's counts: 机电 生师比 3.94 (780/172 = 4.53) and 双师型
    # 90.4% (155/172 = 90.1%) in 表 1.4.1 and 1.4.1's prose; 商贸 84.7% (88/104 = 84.6%);
    # 生均拨款 0.24 万元 (3771.70 / 780 = 4.84) in 表 7.2 and 7.2's prose.
    ratios = [r["message"] for r in by_rule["RatioMatchesCounts"]]
    assert len(ratios) == 6
    assert sum("为 3.94，" in m and "计算为 4.53" in m for m in ratios) == 1
    assert sum("为 90.4，" in m and "计算为 90.12" in m for m in ratios) == 2
    assert sum("为 84.7，" in m and "计算为 84.62" in m for m in ratios) == 1
    assert sum("为 0.24，" in m and "计算为 4.84" in m for m in ratios) == 2
    assert set(by_rule) == {"GroupFigureMatchesMembers", "BreakdownAddsUp", "RatioMatchesCounts"}
    only = answer(qstore, qsettings, "data-quality-findings", rule="BreakdownAddsUp")
    assert len(only) == 2


def test_school_profile(qstore, qsettings):
    rows = answer(
        qstore, qsettings, "school-profile", school="benxi-county-vocational-education-centre"
    )
    aspects = {}
    for r in rows:
        aspects.setdefault(r["aspect"], set()).add(r["itemName"])
    assert aspects["01 类型 type"] == {"职业高中"}
    assert aspects["02 所在地 area"] == {"本溪满族自治县"}
    assert aspects["03 专业 major"] == {"计算机"}
    # 表 6.4: four patents with 本溪盛丰农机制造有限公司.
    assert {r["detail"] for r in rows if r["aspect"] == "10 专利 patent"} == {
        "CN202222193198.2",
        "CN202310082548.4",
        "CN202320155707.4",
        "CN202321486603.8",
    }
    assert "本溪盛丰农机制造有限公司" in aspects["05 合作方 partner"]
    assert "本溪县残疾人联合会" in aspects["05 合作方 partner"]
    figures = {r["itemName"]: r["detail"] for r in rows if r["aspect"] == "12 统计 figure"}
    # 表 1.1 row: 187 286 663 118 91 50 54070 25760; 表 2.1.6 禁毒 2024: 3 次.
    assert figures["在校生数"].startswith("2024: 663 ")
    assert figures["双师型教师数"].startswith("2024: 50 ")
    assert any(k.startswith("法治讲座次数·禁毒") for k in figures)


def test_cluster_profile(qstore, qsettings):
    rows = answer(qstore, qsettings, "cluster-profile", cluster="biomedical-cluster")
    aspects = {}
    for r in rows:
        aspects.setdefault(r["aspect"], set()).add(r["itemName"])
    assert all(r["cluster"] == CLUSTER + "biomedical-cluster" for r in rows)
    assert aspects["03 专业 major"] == {
        "护理",
        "助产",
        "农村医学",
        "检验",
        "药剂",
        "口腔修复工艺",
        "口腔护理",
        "口腔医学",
    }
    assert aspects["04 学校 school"] == {"本溪市卫生学校"}
    # 表 1.5.2 对接产业集群: 辽宁爱尔创生物材料有限公司 in the 生物医药产业集群.
    assert "辽宁爱尔创生物材料有限公司" in aspects["02 对接 link"]
    assert "口腔修复工艺专业创新型实训基地“模拟义齿加工厂”" in aspects["05 服务主体 serving"]


def test_every_query_has_an_answer_test(qsettings):
    from pathlib import Path

    from vetgraph.queries import load_catalogue

    text = Path(__file__).read_text(encoding="utf-8")
    missing = [q.name for q in load_catalogue(qsettings) if f'"{q.name}"' not in text]
    assert missing == []


def test_agreements_by_kind(qstore, qsettings):
    """The cookbook's question (9): agreements counted by kind (docs/sparql.md)."""
    rows = answer(qstore, qsettings, "agreements-by-kind")
    counts = {r["kindName"]: r["agreements"] for r in rows}
    assert counts == {
        "校企合作": 5, "共建实训基地": 4, "中高职“3+2”贯通培养": 3, "培训服务": 3,
        "实习就业基地": 2, "中外合作办学意向": 1, "中高职校企订单贯通培养": 1, "产教双师共培": 1,
        "共建爱国主义教育基地": 1, "市域产教联合体共建": 1, "政校合作": 1, "校企合作研发": 1,
        "职业教育集团合作": 1, "职普融通联合办学": 1, "订单班": 1,
    }
    assert sum(counts.values()) == 27
    assert [r["kindName"] for r in rows][:2] == ["校企合作", "共建实训基地"]
    # 案例九: the health and chemical schools with the two police units (4 named parties)
    training = next(r for r in rows if r["kind"].endswith("/training-service"))
    assert training["kindNameEn"] == "Training service"
