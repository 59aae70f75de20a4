/// Why a step of a patient was not queued, or could not be.
public struct QueueProblem: Sendable, Equatable, CustomStringConvertible {
    public var campaign: String
    public var patientID: String?
    public var step: String?
    /// What is wrong and what to do; never a phone number or a body.
    public var message: String

    public init(campaign: String, patientID: String?, step: String?, message: String) {
        self.campaign = campaign
        self.patientID = patientID
        self.step = step
        self.message = message
    }

    /// `campaign: patient P1: step -3d: message`.
    public var description: String {
        var text = campaign
        if let patientID { text += ": patient \(patientID)" }
        if let step { text += ": step \(step)" }
        return text + ": " + message
    }
}

/// A step that was left out on purpose: already queued, opted out, expired or over a cap.
public struct QueueSkip: Sendable, Equatable {
    public enum Reason: String, Sendable {
        case duplicate
        case optedOut = "opted_out"
        case expired
        case capped
    }
    public var reason: Reason
    public var campaign: String
    public var patientID: String
    public var step: String
}

/// What a queue run did.
public struct QueueReport: Sendable, Equatable {
    /// The batch written, or `nil` for a dry run or a run that wrote nothing because of errors.
    public var batchID: Int64?
    public var queued = 0
    public var duplicates = 0
    public var optedOut = 0
    public var expired = 0
    public var capped = 0
    /// Problems that stop the run unless `--skip-invalid` (render errors, missing dates or phones): the first
    /// 1,000; `errorCount` counts them all.
    public var errors: [QueueProblem] = []
    public var errorCount = 0
    /// The first skipped steps, for people (counts above are complete).
    public var skips: [QueueSkip] = []
    /// Whether the messages were written.
    public var committed = false

    static let maximumListed = 1000

    /// `{"batch":ID,"queued":N,"duplicates":N,"opted_out":N,"expired":N,"capped":N,"errors":[…]}`; each error is
    /// `{"campaign","patient_id","step","message"}`.
    public var json: String {
        var text = "{\"batch\":\(batchID.map(String.init) ?? "null")"
        text += ",\"queued\":\(queued),\"duplicates\":\(duplicates),\"opted_out\":\(optedOut)"
        text += ",\"expired\":\(expired),\"capped\":\(capped),\"errors\":["
        for (index, error) in errors.enumerated() {
            if index > 0 { text += "," }
            var line = JSONLine()
            line.add("campaign", error.campaign)
            line.add("patient_id", error.patientID)
            line.add("step", error.step)
            line.add("message", error.message)
            text += line.string
        }
        return text + "]}"
    }
}
