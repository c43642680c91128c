import Histogram
import NIOCore

/// One feed client's account of what it received: the positions must follow each other (every
/// event, no filter), each exactly once, across reconnections.
final class ClientState: @unchecked Sendable {  // touched only on its event loop
    let id: Int
    /// The next position this client must get; nil until its first `hello`.
    var expected: UInt64?
    var lastPosition: UInt64 = 0
    /// The webhook whose `webhook.received` opened the append the last event belongs to (-1: none).
    var webhook = -1
    var events = 0
    var gaps = 0
    var missing: UInt64 = 0
    var duplicates = 0
    var resets = 0
    /// Positions a `reset` skipped over (events this client never got).
    var skippedByResets: UInt64 = 0
    var slowConsumerCloses = 0
    var reconnects = 0
    var connected = false
    /// Got a `hello` once (reconnections do not count again).
    var helloSeen = false
    var channel: (any Channel)?
    /// Refused at connect (HTTP status before the upgrade) or failed to connect at all.
    var refusal: String?
    var closeCodes: [Int: Int] = [:]
    var maxLatency: Int64 = 0

    init(id: Int) { self.id = id }
}

/// What the clients of one event loop measured together (a loop runs one thread, so no locks).
final class LoopStats: @unchecked Sendable {  // touched only on its event loop
    var latencies = Histogram<UInt64>(highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)
    var clients: [ClientState] = []
    /// Event frames measured (their webhook in the measured window).
    var measured = 0
    /// Measured frames that arrived before the tool had read their webhook's 200 (counted as 0 µs).
    var beforeAcknowledgement = 0
    /// Event frames with no webhook to tie them to (before a client's first `webhook.received`).
    var unattributed = 0
    var eventFrames = 0
    var otherFrames = 0
    var bytes = 0
    var pings = 0
    /// The first `reset` frame seen (its reason says why).
    var resetReason: String?

    func record(latencyNanoseconds: Int64, client: ClientState) {
        measured += 1
        if latencyNanoseconds > client.maxLatency { client.maxLatency = latencyNanoseconds }
        _ = latencies.record(UInt64(max(latencyNanoseconds, 0) / 1000))
    }
}
