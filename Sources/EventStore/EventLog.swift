import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An append-only, LZ4-compressed, crash-safe event log in a directory of segment files.
///
/// One process writes (it holds the directory's `LOCK`); any number of readers, in that process
/// or others, read while it does.
///
/// ```swift
/// let log = try EventLog.open(directory: "data/log")
/// let positions = try await log.append([NewEvent(type: "button.clicked", stream: "16505551234", data: json)])
/// for try await event in log.subscribe(from: 1) { ... }
/// await log.close()
/// ```
public final class EventLog: Sendable {
    public let directory: String
    public let configuration: EventLogConfiguration
    /// What opening the log found and repaired.
    public let recovery: RecoveryReport

    let catalog: LogCatalog
    private let writer: LogWriter
    /// The descriptor holding the directory's `LOCK`; released by `close()`.
    private let lock: Mutex<Int32?>

    private init(
        directory: String, configuration: EventLogConfiguration, recovery: RecoveryReport, catalog: LogCatalog,
        writer: LogWriter, lockFD: Int32
    ) {
        self.directory = directory
        self.configuration = configuration
        self.recovery = recovery
        self.catalog = catalog
        self.writer = writer
        self.lock = Mutex(lockFD)
    }

    /// Opens (creating if needed) the log in `directory` for writing.
    ///
    /// Verifies what follows the last indexed point, cuts a torn last batch (see `recovery`),
    /// and refuses to open when a batch before that is corrupt.
    public static func open(
        directory: String, configuration: EventLogConfiguration = EventLogConfiguration()
    ) throws(EventLogError) -> EventLog {
        try LogFS.makeDirectories(directory)
        let lockFD = try acquireLock(directory)
        do {
            var loader = SegmentLoader(directory: directory, mode: .write)
            var segments = try loader.loadAll()
            let active: LogFile
            if let last = segments.last {
                active = try LogFile(path: last.path, create: false, faults: configuration.faults)
            } else {
                let created = try SegmentCreator.create(
                    directory: directory, firstPosition: 1, dictionary: configuration.compressionDictionary,
                    faults: configuration.faults)
                segments.append(created.state)
                active = created.file
            }
            let catalog = LogCatalog(directory: directory, segments: segments)
            let writer = LogWriter(catalog: catalog, active: active, configuration: configuration)
            writer.start()
            return EventLog(
                directory: directory, configuration: configuration, recovery: loader.report, catalog: catalog,
                writer: writer, lockFD: lockFD)
        } catch {
            Glibc.close(lockFD)
            throw error
        }
    }

    deinit { releaseLock() }

    private func releaseLock() {
        if let fd = lock.withLock({ fd in defer { fd = nil }; return fd }) { Glibc.close(fd) }
    }

    private static func acquireLock(_ directory: String) throws(EventLogError) -> Int32 {
        let path = directory + "/LOCK"
        let fd = Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .system("open", path: path, errno: errno) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            Glibc.close(fd)
            throw EventLogError(
                .locked, "the event log in \(directory) is open for writing by another process; stop it first",
                systemErrno: EWOULDBLOCK)
        }
        return fd
    }

    /// What the writer has done since the log was opened.
    public var statistics: WriterStatistics { writer.statistics.withLock { $0 } }

    /// The position of the last durable event (0 when the log is empty).
    public var lastPosition: UInt64 { catalog.lastPosition }

    /// Appends `events` atomically: after a crash all of them or none are in the log.
    ///
    /// Returns once they are durable (per `configuration.durability`) with their positions.
    /// Concurrent appends share one write and one sync.
    @discardableResult
    public func append(_ events: [NewEvent]) async throws(EventLogError) -> Range<UInt64> {
        var bytes = 0
        for event in events { bytes += try validate(event) }
        guard !events.isEmpty else { throw EventLogError(.invalidEvent, "an append needs at least one event") }
        do {
            return try await withUnsafeThrowingContinuation { continuation in
                writer.submit(events, bytes: bytes, continuation: continuation)
            }
        } catch let error as EventLogError {
            throw error
        } catch {
            throw EventLogError(.io, "append failed: \(error)")
        }
    }

    /// Appends one event; returns its position once durable.
    @discardableResult
    public func append(_ event: NewEvent) async throws(EventLogError) -> UInt64 {
        try await append([event]).lowerBound
    }

    private func validate(_ event: NewEvent) throws(EventLogError) -> Int {
        if event.type.isEmpty || event.type.utf8.count > RecordCodec.maxTypeBytes {
            throw EventLogError(.invalidEvent, "event type must be 1 to \(RecordCodec.maxTypeBytes) bytes")
        }
        if event.stream.utf8.count > RecordCodec.maxStreamBytes {
            throw EventLogError(.invalidEvent, "event stream key must be at most \(RecordCodec.maxStreamBytes) bytes")
        }
        let size = RecordCodec.encodedSize(event)
        if size > configuration.maxEventBytes {
            throw EventLogError(
                .invalidEvent, "event of type \(event.type) is \(size) bytes; the limit is \(configuration.maxEventBytes)")
        }
        return size
    }

    /// The committed events from `position` on, ending at the end of the log as it is when reached.
    public func events(from position: UInt64 = 1) -> LogEvents {
        LogEvents(catalog: catalog, start: .position(position))
    }

    /// The committed events recorded at or after `time` (ms), found through the index.
    public func events(since time: Int64) -> LogEvents {
        LogEvents(catalog: catalog, start: .time(time))
    }

    /// Every event from `position` on, then every newly committed one as it commits, in order,
    /// with no gaps and no duplicates. Ends when the log closes or the task is cancelled.
    public func subscribe(from position: UInt64) -> EventSubscription {
        EventSubscription(catalog: catalog, notifier: writer.notifier, from: position)
    }

    /// Finishes pending appends, syncs, saves the index and stops the writer.
    /// Later appends fail with `.closed`.
    public func close() async {
        await writer.stop()
        releaseLock()
    }
}
