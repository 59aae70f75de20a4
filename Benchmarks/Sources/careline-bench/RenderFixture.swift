import CarelineCore

/// The data every render workload shares: the typical zh template, the send date, the clinic and 1,000
/// generated patients, the first of them the documented example (王芳).
struct RenderFixture {
    /// The typical recheck reminder: 5 fields plus the derived honorific and date texts.
    static let templateText =
        "【明德眼科】{{patient.honorific_warm}}您好！您{{patient.surgery_date.date}}做了{{patient.procedure}}，"
        + "请于{{patient.recheck_date.relative}}（{{patient.recheck_date.date}}，{{patient.recheck_date.weekday}}）"
        + "来院复查，{{patient.doctor}}医生为您接诊。如需改期请致电{{clinic.phone}}。"

    /// What the template must print for the first patient on the send date.
    static let expectedText =
        "【明德眼科】王阿姨您好！您11月20日做了白内障手术，请于3天后（12月3日，周四）来院复查，李明医生为您接诊。"
        + "如需改期请致电400-820-1234。"

    static let sendDate = LocalDate(year: 2026, month: 11, day: 30)!
    static let clinicPhone = "400-820-1234"
    static let language = MessageLanguage.zh
    static let patientCount = 1000

    let clinic: TemplateValue = .object(["phone": .string(RenderFixture.clinicPhone)])
    /// Patient fields as an import would give them (dates already parsed), before any derived field.
    let patients: [[String: TemplateValue]]
    let options = RenderOptions(
        escaping: .none, strict: true, language: RenderFixture.language, today: RenderFixture.sendDate)

    init() {
        patients = (0..<Self.patientCount).map(Self.patient)
    }

    /// The message data of one patient, before `MessageContext.make` adds derived and clinic fields.
    func data(of patient: [String: TemplateValue]) -> TemplateValue {
        .object(["patient": .object(patient)])
    }

    /// The full context of one patient, built the way a queued message builds it.
    func context(of patient: [String: TemplateValue]) -> TemplateValue {
        MessageContext.make(
            data: data(of: patient), clinic: clinic, language: Self.language, sendDate: Self.sendDate)
    }

    /// The same data with every derived field and date text computed up front as plain strings, for engines
    /// without careline's helpers (swift-mustache, Jinja2).
    func precomputed(_ patient: [String: TemplateValue]) -> [String: [String: Any]] {
        let derived = MessageContext.derivePatientFields(
            patient, language: Self.language, sendDate: Self.sendDate)
        guard case .date(let surgery)? = patient["surgery_date"],
            case .date(let recheck)? = patient["recheck_date"],
            case .string(let warm)? = derived["honorific_warm"]
        else { fatalError("generated patient without dates or name: \(patient)") }
        return [
            "patient": [
                "honorific_warm": warm,
                "procedure": patient["procedure"]?.scalarText ?? "",
                "doctor": patient["doctor"]?.scalarText ?? "",
                "surgery_date": ["date": DateText.date(surgery, Self.language)],
                "recheck_date": [
                    "relative": DateText.relative(recheck, from: Self.sendDate, Self.language),
                    "date": DateText.date(recheck, Self.language),
                    "weekday": DateText.weekday(recheck, Self.language),
                ],
            ],
            "clinic": ["phone": Self.clinicPhone],
        ]
    }

    // MARK: - Generated patients

    // 26 surnames (6 compound) × 40 given names = 1,040 distinct names, so patients 0..<1,000 never repeat.
    private static let surnames = [
        "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "林",
        "高", "罗", "欧阳", "司马", "诸葛", "上官", "东方", "皇甫",
    ]
    private static let givenNames = [
        "芳", "伟", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "霞",
        "平", "刚", "秀英", "桂英", "建华", "志强", "玉兰", "海燕", "国庆", "淑珍", "晓东", "春梅", "红梅", "建国",
        "丽娟", "文博", "子涵", "雨轩", "思远", "佳怡", "浩然", "欣怡",
    ]
    private static let genders = ["F", "M", "女", "男", "F", "M", "female", "male"]
    private static let procedures = ["白内障手术", "青光眼手术", "近视激光手术", "玻璃体切除术", "角膜移植术"]
    private static let doctors = ["李明", "陈静", "张伟", "刘洋", "欧阳华"]

    /// Patient `index` of the generated set; patient 0 is the documented example.
    private static func patient(_ index: Int) -> [String: TemplateValue] {
        if index == 0 {
            return [
                "name": .string("王芳"), "gender": .string("F"), "birth_date": .date(date(1956, 4, 12)),
                "procedure": .string("白内障手术"), "surgery_date": .date(date(2026, 11, 20)),
                "recheck_date": .date(date(2026, 12, 3)), "doctor": .string("李明"),
            ]
        }
        // A small linear congruential generator keeps the set the same on every run.
        var state = UInt64(index) &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        let name = surnames[index % surnames.count] + givenNames[(index / surnames.count) % givenNames.count]
        // Born 1940…2005, so both sides of the 50-year line for 阿姨/叔叔 occur.
        let birth = LocalDate(daysSinceEpoch: date(1940, 1, 1).daysSinceEpoch + next(66 * 365))
        // Operated 1…60 days before the send date; recheck today … 30 days later.
        let surgery = sendDate.adding(days: -1 - next(60))
        let recheck = sendDate.adding(days: next(31))
        return [
            "name": .string(name), "gender": .string(genders[next(genders.count)]),
            "birth_date": .date(birth),
            "procedure": .string(procedures[next(procedures.count)]), "surgery_date": .date(surgery),
            "recheck_date": .date(recheck), "doctor": .string(doctors[next(doctors.count)]),
        ]
    }

    private static func date(_ year: Int, _ month: Int, _ day: Int) -> LocalDate {
        LocalDate(year: year, month: month, day: day)!
    }
}
