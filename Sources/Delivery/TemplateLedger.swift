public import Domain

/// What happened to each (recipient, template, day) template send, folded from the log: the
/// template sender's idempotency record.
public struct TemplateLedger: Sendable, Codable {
    public enum State: Sendable, Equatable, Codable {
        case requested
        case sent(wamid: String)
        case failed(MetaError)
    }

    private var states: [String: State] = [:]

    public init() {}

    static func key(_ recipient: String, _ template: String, _ day: String) -> String {
        recipient + "|" + template + "|" + day
    }

    public func state(recipient: String, template: String, day: String) -> State? {
        states[Self.key(recipient, template, day)]
    }

    mutating func apply(_ request: TemplateSendRequested) {
        let key = Self.key(request.recipient, request.template, request.day)
        if states[key] == nil { states[key] = .requested }
    }

    mutating func apply(_ sent: TemplateSent) {
        states[Self.key(sent.recipient, sent.template, sent.day)] = .sent(wamid: sent.wamid)
    }

    mutating func apply(_ failed: TemplateFailed) {
        let key = Self.key(failed.recipient, failed.template, failed.day)
        if case .sent = states[key] { return }
        states[key] = .failed(failed.error)
    }

    public var count: Int { states.count }
}
