import Foundation
import Synchronization

/// The single writer of a log: a dedicated thread that drains every pending append, writes them
/// as batches with one `write`, syncs once (group commit), then acknowledges them all.
///
/// Blocking file I/O stays on this thread, off the cooperative pool.
final class LogWriter: @unchecked Sendable {
    typealias Continuation = UnsafeContinuation<Range<UInt64>, any Error>

    struct Request {
        var events: [NewEvent]
        var bytes: Int
        var continuation: Continuation
        /// When it was queued; read only for an ``EventLogObserver``.
        var submittedAt: ContinuousClock.Instant?
    }

    let catalog: LogCatalog
    let notifier: CommitNotifier
    let statistics = Mutex(WriterStatistics())
    private let configuration: EventLogConfiguration
    private let observer: (any EventLogObserver)?

    // Shared with submitters, guarded by `condition`.
    private let condition = ConditionLock()
    private var queue: [Request] = []
    private var stopping = false
    private var stopWaiters: [UnsafeContinuation<Void, Never>] = []
    private var finished = false

    // Owned by the writer thread.
    private var active: LogFile
    private var segment: SegmentState
    private var nextPosition: UInt64
    private var lastTimestamp: Int64
    /// Compresses with the active segment's dictionary: readers decode with that one.
    private var encoder: BatchEncoder
    private var buffer: [UInt8] = []
    /// Bytes after the committed length may exist on disk after a failed write or sync.
    private var needsRollback = false
    private var unsyncedSince: Int64?
    private var indexSavedAt: Int64
    /// End of the zeros written ahead of the committed bytes (the file's size, as far as known).
    private var allocatedEnd: Int64

    init(catalog: LogCatalog, active: consuming LogFile, configuration: EventLogConfiguration) {
        let segments = catalog.snapshot()
        self.catalog = catalog
        self.configuration = configuration
        self.observer = configuration.observer
        self.active = active
        self.segment = segments[segments.count - 1]
        self.nextPosition = segment.index.lastPosition + 1
        self.lastTimestamp = catalog.lastTimestamp
        self.encoder = BatchEncoder(dictionary: segment.header.dictionary, level: configuration.compressionLevel)
        self.notifier = CommitNotifier(committed: nextPosition - 1)
        self.indexSavedAt = segment.committedLength
        self.allocatedEnd = segment.committedLength
    }

    func start() {
        let thread = Thread { [self] in
            Thread.current.name = "log-writer"  // on the thread itself, so that top -H and perf show it
            run()
        }
        thread.qualityOfService = .userInitiated
        thread.start()
    }

    /// Queues `events`; `continuation` is resumed once they are durable (or failed).
    func submit(_ events: [NewEvent], bytes: Int, continuation: Continuation) {
        let submittedAt = observer == nil ? nil : ContinuousClock.now
        condition.lock()
        if stopping {
            condition.unlock()
            continuation.resume(throwing: EventLogError(.closed, "the event log is closed; the append was not stored"))
            return
        }
        queue.append(Request(events: events, bytes: bytes, continuation: continuation, submittedAt: submittedAt))
        if queue.count == 1 { condition.signal() }
        condition.unlock()
    }

    /// Stops taking appends, finishes those already queued, syncs and saves the index.
    func stop() async {
        await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
            condition.lock()
            if finished {
                condition.unlock()
                continuation.resume()
                return
            }
            stopping = true
            stopWaiters.append(continuation)
            condition.signal()
            condition.unlock()
        }
    }

    // MARK: The writer thread

    private func run() {
        while true {
            condition.lock()
            while queue.isEmpty && !stopping {
                if unsyncedSince != nil, case .unsafeInterval(let interval) = configuration.durability {
                    condition.wait(milliseconds: max(1, interval))
                    if queue.isEmpty { break }
                } else {
                    condition.wait()
                }
            }
            let requests = queue
            queue.removeAll(keepingCapacity: true)
            let exit = requests.isEmpty && stopping
            condition.unlock()

            if !requests.isEmpty { process(requests) }
            syncIfDue()
            if exit { break }
        }
        try? cutZerosAhead()
        if unsyncedSince != nil { try? syncReporting() }
        saveIndex()
        notifier.close()
        condition.lock()
        finished = true
        let waiters = stopWaiters
        stopWaiters.removeAll()
        condition.unlock()
        for waiter in waiters { waiter.resume() }
    }

    private func process(_ requests: [Request]) {
        do {
            try rollBackIfNeeded()
            if segment.committedLength >= configuration.segmentSize && segment.index.batchCount > 0 {
                try roll()
            }
        } catch {
            fail(requests, error)
            return
        }

        let timestamp = max(configuration.wall.now(), lastTimestamp)
        buffer.removeAll(keepingCapacity: true)
        var frames: [(header: BatchHeader, offset: Int)] = []
        var ranges: [Range<UInt64>] = []
        ranges.reserveCapacity(requests.count)
        var position = nextPosition
        var frameBase = position
        var frameEvents: [NewEvent] = []
        var frameBytes = 0

        func flushFrame() {
            guard !frameEvents.isEmpty else { return }
            let offset = buffer.count
            let header = encoder.appendFrame(frameEvents, timestamp: timestamp, basePosition: frameBase, to: &buffer)
            frames.append((header, offset))
            frameEvents.removeAll(keepingCapacity: true)
            frameBytes = 0
            frameBase = position
        }

        for request in requests {
            if !frameEvents.isEmpty && frameBytes + request.bytes > configuration.maxBatchBytes { flushFrame() }
            frameEvents.append(contentsOf: request.events)
            frameBytes += request.bytes
            let count = UInt64(request.events.count)
            ranges.append(position..<(position + count))
            position += count
        }
        flushFrame()

        let writeOffset = segment.committedLength
        var syncDuration: Duration?
        do {
            try active.write(buffer, at: writeOffset)
            switch configuration.durability {
            case .always:
                syncDuration = try timedSync()
            case .unsafeInterval:
                if unsyncedSince == nil { unsyncedSince = LogFS.now() }
            case .unsafeNone:
                break
            }
        } catch {
            needsRollback = true
            try? rollBackIfNeeded()
            fail(requests, error)
            statistics.withLock { $0.failedGroups += 1 }
            return
        }
        let written = UInt64(buffer.count)
        let synced: UInt64 = configuration.durability == .always ? 1 : 0
        statistics.withLock {
            $0.groups += 1
            $0.syncs += synced
            $0.appends += UInt64(requests.count)
            $0.events += position - nextPosition
            $0.bytesWritten += written
        }

        for frame in frames { segment.index.add(frame.header, at: writeOffset + Int64(frame.offset)) }
        nextPosition = position
        lastTimestamp = timestamp
        let published = segment.index
        catalog.update { $0[$0.count - 1].index = published }
        let acknowledgedAt = observer == nil ? nil : ContinuousClock.now
        for (request, range) in zip(requests, ranges) { request.continuation.resume(returning: range) }
        notifier.advance(to: position - 1)
        if let observer, let acknowledgedAt {
            if let syncDuration { observer.syncDidComplete(duration: syncDuration) }
            for (request, range) in zip(requests, ranges) {
                guard let submittedAt = request.submittedAt else { continue }
                observer.appendDidComplete(events: range.count, latency: acknowledgedAt - submittedAt)
            }
        }
        if segment.committedLength - indexSavedAt >= configuration.indexSaveInterval { saveIndex() }
        preallocateIfDue()
    }

    /// Once fewer than half of `preallocationBytes` of zeros are left ahead of the committed bytes,
    /// writes zeros up to `preallocationBytes` ahead (after the acknowledgements: the next sync
    /// writes them, and the new size, once for many batches).
    private func preallocateIfDue() {
        let ahead = configuration.preallocationBytes
        let committed = segment.committedLength
        guard ahead > 0, allocatedEnd - committed < ahead / 2 else { return }
        let start = max(allocatedEnd, committed)
        let end = committed + ahead
        if (try? active.writeZeros(count: Int(end - start), at: start)) != nil { allocatedEnd = end }
    }

    /// Cuts the zeros written ahead, to be synced next: a sealed segment, and a closed log, end
    /// with their last batch.
    private func cutZerosAhead() throws(EventLogError) {
        guard allocatedEnd > segment.committedLength else { return }
        try active.truncate(to: segment.committedLength)
        allocatedEnd = segment.committedLength
        unsyncedSince = unsyncedSince ?? LogFS.now()
    }

    private func fail(_ requests: [Request], _ error: any Error) {
        for request in requests { request.continuation.resume(throwing: error) }
    }

    /// Removes whatever a failed write or sync may have left after the committed bytes, so the
    /// file ends with the last acknowledged batch again.
    private func rollBackIfNeeded() throws(EventLogError) {
        guard needsRollback else { return }
        try active.truncate(to: segment.committedLength)
        allocatedEnd = segment.committedLength
        try syncReporting()
        needsRollback = false
    }

    private func syncIfDue() {
        guard let since = unsyncedSince, case .unsafeInterval(let interval) = configuration.durability,
            LogFS.now() - since >= Int64(interval)
        else { return }
        if (try? syncReporting()) != nil { unsyncedSince = nil }
    }

    /// Syncs the active segment; its duration when there is an observer to tell it to.
    private func timedSync() throws(EventLogError) -> Duration? {
        guard observer != nil else {
            try active.sync()
            return nil
        }
        let start = ContinuousClock.now
        try active.sync()
        return ContinuousClock.now - start
    }

    /// Syncs the active segment and tells the observer at once (no acknowledgement waits on it).
    private func syncReporting() throws(EventLogError) {
        if let duration = try timedSync() { observer?.syncDidComplete(duration: duration) }
    }

    private func saveIndex() {
        if (try? LogFS.writeCacheFile(indexPath(segment.firstPosition), segment.index.encode())) != nil {
            indexSavedAt = segment.committedLength
        }
    }

    private func indexPath(_ firstPosition: UInt64) -> String {
        catalog.directory + "/" + SegmentName.index(firstPosition)
    }

    /// Seals the active segment and starts the next one at `nextPosition`.
    private func roll() throws(EventLogError) {
        try cutZerosAhead()
        if unsyncedSince != nil {
            try syncReporting()
            unsyncedSince = nil
        }
        saveIndex()
        let file = try SegmentCreator.create(
            directory: catalog.directory, firstPosition: nextPosition,
            dictionary: configuration.compressionDictionary, faults: configuration.faults)
        active = file.file
        if file.state.header.dictionary != segment.header.dictionary {
            encoder = BatchEncoder(dictionary: file.state.header.dictionary, level: configuration.compressionLevel)
        }
        segment = file.state
        indexSavedAt = segment.committedLength
        allocatedEnd = segment.committedLength
        let state = segment
        catalog.update { $0.append(state) }
    }
}
