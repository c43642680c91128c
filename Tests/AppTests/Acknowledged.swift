import Foundation

/// Webhook bodies a test's posting lanes got a 200 for, shared between the lanes and the test.
final class Acknowledged: @unchecked Sendable {
    private let lock = NSLock()
    private var bodies: [[UInt8]] = []
    private var stopped = false

    func add(_ body: [UInt8]) { lock.withLock { bodies.append(body) } }
    func snapshot() -> [[UInt8]] { lock.withLock { bodies } }
    var count: Int { lock.withLock { bodies.count } }
    func stop() { lock.withLock { stopped = true } }
    var isStopped: Bool { lock.withLock { stopped } }
}
