import Domain
import EventStore

/// The simulator's memory: what it accepted, how often it saw each message, recent sends per
/// recipient (pair rate) and per number (throughput), and its seeded choices.
actor SimulatorState {
    enum Decision: Sendable {
        /// Answer with Meta's error body for `code`.
        case error(code: Int)
        /// HTTP 500 without a body.
        case serverError
        /// Hang; `accepted` when the message was taken anyway.
        case hang(accepted: SimulatedMessage?)
        /// Close the connection; `accepted` when the message was taken anyway.
        case reset(accepted: SimulatedMessage?)
        case accept(SimulatedMessage)
    }

    let configuration: SimulatorConfiguration
    private(set) var messages: [SimulatedMessage] = []
    private var seen: [String: Int] = [:]
    /// Requests per recipient, whatever their answer.
    private(set) var requests: [String: Int] = [:]
    private var recentByRecipient: [String: [Int64]] = [:]
    private var recentByNumber: [String: [Int64]] = [:]
    private var counter = 0
    /// Distinguishes this run's wamids from an earlier run's (a data directory outlives a simulator).
    private let boot: String
    private let startedAt: Int64

    init(configuration: SimulatorConfiguration, wall: WallClock) {
        self.configuration = configuration
        startedAt = wall.now()
        boot = String(UInt64(startedAt), radix: 36).uppercased()
    }

    func nextWamid(_ kind: String = "") -> String {
        counter += 1
        return "wamid.SIM\(kind)\(boot)." + String(counter, radix: 36).uppercased()
    }

    /// The seeded draw for this occurrence of this message, in [0, 1).
    private func roll(_ identity: String) -> Double {
        var random = SplitMix64(seed: fnv1a64(identity, seed: configuration.seed))
        return Double(random.next() >> 11) / Double(1 << 53)
    }

    func latency(for identity: String) -> Int64 {
        let faults = configuration.faults
        guard faults.latencyJitterMs > 0 else { return faults.latencyMs }
        return faults.latencyMs + Int64(roll("latency|" + identity) * Double(faults.latencyJitterMs))
    }

    func decide(_ request: GraphMessageRequest, recipient: String, phoneNumberId: String, now: Int64) -> (
        Decision, identity: String
    ) {
        let faults = configuration.faults
        let base = "\(recipient)|\(request.bizOpaqueCallbackData ?? request.type ?? "")|\(Self.content(request) ?? "")"
        requests[recipient, default: 0] += 1
        let occurrence = seen[base, default: 0]
        seen[base] = occurrence + 1
        let identity = base + "|\(occurrence)"

        if let code = faults.recipientErrors[recipient] { return (.error(code: code), identity) }
        for schedule in faults.schedules where schedule.isActive(elapsedMs: now - startedAt) {
            return (.error(code: schedule.code), identity)
        }
        if let limit = configuration.throughputPerSecond {
            var recent = recentByNumber[phoneNumberId, default: []].filter { $0 > now - 1000 }
            if Double(recent.count) >= limit { return (.error(code: 130429), identity) }
            recent.append(now)
            recentByNumber[phoneNumberId] = recent
        }
        if let burst = configuration.pairBurst {
            let recent = recentByRecipient[recipient, default: []].filter { $0 > now - 6000 }
            recentByRecipient[recipient] = recent
            if recent.count >= burst { return (.error(code: 131056), identity) }
        }

        var threshold = 0.0
        let draw = roll(identity)
        for (code, rate) in faults.errorRates.sorted(by: { $0.key < $1.key }) {
            threshold += rate
            if draw < threshold { return (.error(code: code), identity) }
        }
        threshold += faults.serverErrorRate
        if draw < threshold { return (.serverError, identity) }
        threshold += faults.timeoutRate
        if draw < threshold { return (.hang(accepted: nil), identity) }
        threshold += faults.resetRate
        if draw < threshold { return (.reset(accepted: nil), identity) }

        let message = accept(request, recipient: recipient, phoneNumberId: phoneNumberId, now: now, answer: "answered")
        threshold += faults.timeoutAfterAcceptRate
        if draw < threshold { return (.hang(accepted: relabel(message, "timeout")), identity) }
        threshold += faults.resetAfterAcceptRate
        if draw < threshold { return (.reset(accepted: relabel(message, "reset")), identity) }
        return (.accept(message), identity)
    }

    /// Whether an accepted message fails asynchronously, and with which code.
    func asyncFailure(_ message: SimulatedMessage, identity: String) -> Int? {
        if let code = configuration.faults.recipientAsyncErrors[message.to] { return code }
        let rate = configuration.faults.asyncWindowClosedRate
        return rate > 0 && roll("async|" + identity) < rate ? 131047 : nil
    }

    func tapDecision(_ identity: String) -> Bool {
        roll("tap|" + identity) < configuration.virtualContacts.tapRate
    }

    /// Whether a contact who tapped taps again.
    func secondTapDecision(_ identity: String) -> Bool {
        roll("tap2|" + identity) < configuration.virtualContacts.secondTapRate
    }

    private func accept(
        _ request: GraphMessageRequest, recipient: String, phoneNumberId: String, now: Int64, answer: String
    ) -> SimulatedMessage {
        recentByRecipient[recipient, default: []].append(now)
        let message = SimulatedMessage(
            to: recipient, type: request.type ?? "", wamid: nextWamid(),
            bizOpaqueCallbackData: request.bizOpaqueCallbackData,
            acceptedAt: now, content: Self.content(request), phoneNumberId: phoneNumberId, answer: answer)
        messages.append(message)
        return message
    }

    private func relabel(_ message: SimulatedMessage, _ answer: String) -> SimulatedMessage {
        var relabelled = message
        relabelled.answer = answer
        if let index = messages.lastIndex(where: { $0.wamid == message.wamid }) { messages[index] = relabelled }
        return relabelled
    }

    func messages(to recipient: String?) -> [SimulatedMessage] {
        guard let recipient else { return messages }
        return messages.filter { $0.to == recipient }
    }

    static func content(_ request: GraphMessageRequest) -> String? {
        switch request.type {
        case "text": return request.text?.body
        case "image": return request.image?.link ?? request.image?.id
        case "template": return request.template?.quickReplyPayloads.first
        default: return nil
        }
    }
}
