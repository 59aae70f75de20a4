/// What a message is for; decides which policies apply (opt-out line, approval).
public enum MessageKind: String, Sendable, CaseIterable, Codable {
    case reminder
    case care
    case followUp = "follow-up"
    case promotional
}
