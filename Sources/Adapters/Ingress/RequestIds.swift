import Synchronization

/// Request ids for webhooks that arrive without an `X-Request-Id`: a random prefix drawn once per
/// process and a counter, e.g. `5f3a9c1e-00001f`. Unique within a run, and across runs but for a
/// 1-in-4-billion prefix clash; costs no system call per request (a UUID opened /dev/urandom).
public final class RequestIds: Sendable {
    private let prefix: String
    private let counter = Atomic<UInt64>(0)

    public init(prefix: UInt32 = .random(in: .min ... .max)) {
        self.prefix = Self.hex(UInt64(prefix), digits: 8)
    }

    public func next() -> String {
        let number = counter.add(1, ordering: .relaxed).newValue
        return prefix + "-" + Self.hex(number, digits: 6)
    }

    /// Lowercase hex, zero-padded to at least `digits`.
    static func hex(_ value: UInt64, digits: Int) -> String {
        let text = String(value, radix: 16)
        return text.count >= digits ? text : String(repeating: "0", count: digits - text.count) + text
    }
}
