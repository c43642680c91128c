import Domain
public import EventStore
import Foundation

/// Sends a template with an explicit quick-reply payload to each recipient, rate-limited, and
/// records `template.send_requested` / `template.sent` (the wamid a later click names in
/// `context.id`) / `template.failed`. Idempotent per (recipient, template, day) unless forced.
public struct TemplateSender: Sendable {
    public var log: EventLog
    public var sender: any MessageSender
    public var phoneNumberId: String
    public var messagesPerSecond: Double
    public var concurrency = 16
    public var maxAttempts = 4
    /// Pacing and the pause between attempts run on this clock.
    public var clock: any Clock<Duration>
    /// Today's date, when a request names no day.
    public var wall: WallClock

    public init(
        log: EventLog, sender: any MessageSender, phoneNumberId: String, messagesPerSecond: Double,
        clock: some Clock<Duration> = ContinuousClock(), wall: WallClock = .system
    ) {
        self.log = log
        self.sender = sender
        self.phoneNumberId = phoneNumberId
        self.messagesPerSecond = messagesPerSecond
        self.clock = clock
        self.wall = wall
    }

    public struct Summary: Codable, Sendable, Equatable {
        public var sent = 0
        /// Already sent for this day (not forced).
        public var skipped = 0
        public var failed = 0
        public var failures: [String: Int] = [:]
        public var total: Int { sent + skipped + failed }
    }

    enum Result: Sendable {
        case sent, skipped
        case failed(String)
    }

    /// The ledger of template sends recorded in the log so far.
    public static func ledger(_ log: EventLog) throws -> TemplateLedger {
        var state = SagaState()
        var iterator = log.events(from: 1).makeAsyncIterator()
        while let event = try iterator.nextEvent() {
            if event.type.hasPrefix("template.") { state.apply(event) }
        }
        return state.templates
    }

    /// What one send is: a validated request without its recipient list.
    struct Message: Sendable {
        var template: String
        var language: String
        var buttonPayload: String
        var day: String
    }

    /// Sends a request (`TemplateRequest.validated()` fills its defaults).
    public func send(
        _ request: TemplateRequest, progress: @Sendable (Summary) -> Void = { _ in }
    ) async throws -> Summary {
        let day = request.day ?? TemplateRequest.today(wall)
        let message = Message(
            template: request.template ?? "daily_content_ready_v1", language: request.language ?? "en_US",
            buttonPayload: request.payload ?? "unlock:\(day)", day: day)
        let template = message.template
        let force = request.force ?? false
        let ledger = try Self.ledger(log)
        // A local, not the stored `var`: only a value is opened for the generic initializer.
        let clock: any Clock<Duration> = clock
        let bucket = TokenBucket(rate: messagesPerSecond, clock: clock)
        var summary = Summary()
        var pending = Array(Set(request.recipients)).sorted()[...]
        try await withThrowingTaskGroup(of: Result.self) { group in
            func next() -> Bool {
                guard let recipient = pending.popFirst() else { return false }
                let previous = ledger.state(recipient: recipient, template: template, day: day)
                group.addTask {
                    if !force, case .sent = previous { return .skipped }
                    return try await sendOne(recipient, message, bucket: bucket)
                }
                return true
            }
            for _ in 0..<concurrency where next() {}
            while let result = try await group.next() {
                switch result {
                case .sent: summary.sent += 1
                case .skipped: summary.skipped += 1
                case .failed(let reason):
                    summary.failed += 1
                    summary.failures[reason, default: 0] += 1
                }
                progress(summary)
                _ = next()
            }
        }
        return summary
    }

    private func sendOne(_ recipient: String, _ send: Message, bucket: TokenBucket) async throws -> Result {
        let (template, language, buttonPayload, day) = (send.template, send.language, send.buttonPayload, send.day)
        try await log.append(
            TemplateSendRequested(
                recipient: recipient, template: template, language: language, buttonPayload: buttonPayload, day: day
            )
            .newEvent())
        let message = OutgoingMessage(
            phoneNumberId: phoneNumberId, to: recipient,
            body: .template(name: template, language: language, buttonPayload: buttonPayload), callbackData: nil)
        var attempt = 0
        while true {
            attempt += 1
            await bucket.acquire()
            let error: MetaError
            switch await sender.send(message) {
            case .accepted(let wamid):
                try await log.append(
                    TemplateSent(recipient: recipient, template: template, wamid: wamid, day: day).newEvent())
                return .sent
            case .rejected(let rejected, _):
                error = rejected
            case .notSent(let reason):
                error = MetaError(code: 1, title: "not sent", message: reason)
            case .unknown(let reason):
                // Meta may have it: a resend could reach the recipient twice, so stop here.
                error = MetaError(code: 131000, title: "outcome unknown", message: reason)
                try await log.append(
                    TemplateFailed(recipient: recipient, template: template, error: error, day: day).newEvent())
                return .failed("outcome unknown (\(reason)); not resent, rerun with --force to resend")
            }
            let policy = ErrorPolicy.classify(error)
            if policy != .retry && policy != .pairPacing || attempt >= maxAttempts {
                try await log.append(
                    TemplateFailed(recipient: recipient, template: template, error: error, day: day).newEvent())
                if case .permanent(let reason) = policy { return .failed(reason) }
                return .failed("code \(error.code) after \(attempt) attempts")
            }
            try await clock.sleep(for: .milliseconds(200 << min(attempt, 6)))
        }
    }
}
