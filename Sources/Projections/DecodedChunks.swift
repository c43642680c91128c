import Domain
import EventStore
import Foundation

/// Reads and decodes the log ahead on a thread of its own (the second core), handing over chunks
/// of events with their facts, at most two ahead, while the caller writes the previous chunk.
final class DecodedChunks: @unchecked Sendable {
    struct Chunk {
        var events: [RecordedEvent]
        var facts: [DomainFact]
    }

    private let condition = NSCondition()
    private var ready: [Chunk] = []
    private var finished = false
    private var failure: (any Error)?
    private var cancelled = false

    /// Starts reading `events` (stopping where `accept` says no) in chunks of `size`.
    init(_ events: LogEvents, size: Int, accept: @escaping @Sendable (RecordedEvent) -> Bool) {
        let thread = Thread { [self] in produce(events, size: size, accept: accept) }
        thread.name = "clickunlock-rebuild-reader"
        thread.start()
    }

    private func produce(_ events: LogEvents, size: Int, accept: (RecordedEvent) -> Bool) {
        var iterator = events.makeAsyncIterator()
        var pending: [RecordedEvent] = []
        do {
            reading: while let batch = try iterator.nextBatch() {
                for event in batch {
                    guard accept(event) else { break reading }
                    pending.append(event)
                }
                if pending.count >= size {
                    guard hand(pending) else { return }
                    pending = []
                }
            }
            if !pending.isEmpty { _ = hand(pending) }
        } catch {
            condition.lock()
            failure = error
            condition.unlock()
        }
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    /// Queues a decoded chunk, waiting while two are already waiting; `false` when cancelled.
    private func hand(_ events: [RecordedEvent]) -> Bool {
        let chunk = Chunk(events: events, facts: Self.decode(events))
        condition.lock()
        defer { condition.unlock() }
        while ready.count >= 2 && !cancelled { condition.wait() }
        if cancelled { return false }
        ready.append(chunk)
        condition.broadcast()
        return true
    }

    /// Decodes on both cores: JSON decoding is the costliest part of reading for projections.
    static func decode(_ events: [RecordedEvent]) -> [DomainFact] {
        let parts = events.count >= 512 ? 2 : 1
        let size = (events.count + parts - 1) / parts
        var facts = [DomainFact?](repeating: nil, count: events.count)
        facts.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let output = buffer
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                for index in (part * size)..<min(events.count, (part + 1) * size) {
                    output[index] = DomainFact(events[index])
                }
            }
        }
        return facts.map { $0! }
    }

    /// The next chunk, `nil` at the end; rethrows a read error.
    func next() throws -> Chunk? {
        condition.lock()
        defer { condition.unlock() }
        while ready.isEmpty && !finished { condition.wait() }
        if !ready.isEmpty {
            let chunk = ready.removeFirst()
            condition.broadcast()
            return chunk
        }
        if let failure { throw failure }
        return nil
    }

    /// Stops the reader (when the consumer gives up early).
    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }
}
