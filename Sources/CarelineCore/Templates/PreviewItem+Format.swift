extension PreviewItem {
    /// One JSON object (one line): `source`, `patient_id`, `to` (masked), `template`, `locale`, `send_date`,
    /// `body`, `encoding`, `units`, `segments`, `non_gsm`, `warnings`, `error`.
    public var jsonLine: String {
        var line = JSONLine()
        line.add("source", source)
        line.add("patient_id", patientID)
        line.add("to", maskedPhone)
        line.add("template", file)
        line.add("locale", locale)
        line.add("send_date", sendDate.iso)
        switch result {
        case .success(let message):
            line.add("body", message.body)
            line.add("encoding", message.sms.encoding.rawValue)
            line.add("units", message.sms.units)
            line.add("segments", message.sms.segments)
            line.add("non_gsm", message.sms.nonGSM)
            line.add("warnings", notes + message.warnings)
            line.add("error", nil as String?)
        case .failure(let error):
            line.add("body", nil as String?)
            line.add("encoding", nil as String?)
            line.add("units", nil as Int?)
            line.add("segments", nil as Int?)
            line.add("non_gsm", [])
            line.add("warnings", notes)
            line.add("error", error.description)
        }
        return line.string
    }

    /// A block for people: who, which file, the body, its SMS cost, warnings.
    public var text: String {
        var header = "── \(source)"
        if let patientID { header += " · patient \(patientID)" }
        if let maskedPhone { header += " · \(maskedPhone)" }
        header += " · \(file) · send date \(sendDate.iso)"
        var lines = [header]
        switch result {
        case .success(let message):
            lines.append(message.body)
            let unit = message.sms.encoding == .gsm7 ? "septets" : "UTF-16 units"
            let parts = message.sms.segments == 1 ? "1 part" : "\(message.sms.segments) parts"
            lines.append("   \(message.sms.encoding.rawValue) · \(message.sms.units) \(unit) · \(parts)")
            for warning in notes + message.warnings { lines.append("   warning: \(warning)") }
        case .failure(let error):
            lines.append("   error: \(error.description)")
            for note in notes { lines.append("   warning: \(note)") }
        }
        return lines.joined(separator: "\n")
    }
}

extension SMSAnalysis {
    /// `{"encoding":…,"units":…,"segments":…,"non_gsm":[…]}` in that order.
    public var jsonLine: String {
        var line = JSONLine()
        line.add("encoding", encoding.rawValue)
        line.add("units", units)
        line.add("segments", segments)
        line.add("non_gsm", nonGSM)
        return line.string
    }

    /// A line for people: `UCS-2 · 58 UTF-16 units · 1 part · non-GSM: 您 好`.
    public var summary: String {
        let unit = encoding == .gsm7 ? "septets" : "UTF-16 units"
        var text =
            "\(encoding.rawValue) · \(units) \(unit) · \(segments == 1 ? "1 part" : "\(segments) parts")"
        if !nonGSM.isEmpty {
            let shown = nonGSM.prefix(12).joined(separator: " ")
            text +=
                " · forced to UCS-2 by: \(shown)\(nonGSM.count > 12 ? " …(\(nonGSM.count) characters)" : "")"
        }
        return text
    }
}
