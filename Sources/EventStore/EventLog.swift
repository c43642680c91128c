import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An append-only, LZ4-compressed, crash-safe event log in a directory of segment files.
///
/// One process writes (it holds the directory's `LOCK`); any number of readers, in that process
/// or others (``LogReader``), read while it does.
///
/// ```swift
/// let log = try EventLog.open(directory: "data/log")
/// let positions = try await log.append([NewEvent(type: "button.clicked", stream: "16505551234", data: json)])
/// for try await event in log.subscribe(from: 1) { ... }
/// await log.close()
/// ```
///
/// Thread safety: an `EventLog` is `Sendable`; every method may be called from any task or thread
/// at the same time. Concurrent appends are serialized by one writer thread, in the order they
/// arrive, and share its writes and syncs (group commit).
public final class EventLog: Sendable {
    /// The directory holding the segment files, as given to ``open(directory:configuration:)``.
    public let directory: String
    /// The configuration the log was opened with.
    public let configuration: EventLogConfiguration
    /// What opening the log found and repaired.
    public let recovery: RecoveryReport

    let catalog: LogCatalog
    private let writer: LogWriter
    /// The descriptor holding the directory's `LOCK`; released by `close()`.
    private let lock: Mutex<Int32?>
    /// What compaction rewrote since the log was opened.
    let compactions = Mutex(CompactionTotals())

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
    ///
    /// - Parameters:
    ///   - directory: The log's directory; it and its parents are created when missing.
    ///   - configuration: How segments are laid out and written (the defaults when not given).
    /// - Returns: The open log, with its writer thread running; call ``close()`` when done.
    /// - Throws: ``EventLogError`` with code ``EventLogError/Code/locked`` when another process
    ///   has the log open for writing, ``EventLogError/Code/corruption`` when a batch before the
    ///   tail is damaged (the message says how to repair it), ``EventLogError/Code/io`` when the
    ///   files cannot be created, read or written.
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
        let fd = lock.withLock { fd in
            defer { fd = nil }
            return fd
        }
        if let fd { Glibc.close(fd) }
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

    /// Segments, bytes and last position as the log stands, from memory (no file is read).
    public var footprint: LogFootprint { catalog.footprint }

    /// Appends `events` atomically: after a crash all of them or none are in the log.
    ///
    /// Returns once they are durable (per `configuration.durability`) with their positions.
    /// Concurrent appends share one write and one sync.
    ///
    /// - Parameter events: The events to append, in order; at least one.
    /// - Returns: The positions given to `events`, in order (`count` equals `events.count`).
    /// - Throws: ``EventLogError`` with code ``EventLogError/Code/invalidEvent`` when `events` is
    ///   empty or one is too large (nothing is appended), ``EventLogError/Code/io`` when writing
    ///   or syncing fails (e.g. a full disk: nothing is appended and later appends may succeed),
    ///   ``EventLogError/Code/closed`` after ``close()``.
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
    ///
    /// - Parameter event: The event to append.
    /// - Returns: The position given to `event`.
    /// - Throws: ``EventLogError`` as the batch ``append(_:)-([NewEvent])`` does.
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
                .invalidEvent,
                "event of type \(event.type) is \(size) bytes; the limit is \(configuration.maxEventBytes)")
        }
        return size
    }

    /// The committed events from `position` on, ending at the end of the log as it is when reached.
    ///
    /// Reading does not block appends. Errors (``EventLogError/Code/corruption``,
    /// ``EventLogError/Code/io``) are thrown while iterating.
    ///
    /// - Parameter position: The first position to read (1, the start of the log, when not given).
    /// - Returns: A finite sequence of the events, in position order.
    public func events(from position: UInt64 = 1) -> LogEvents {
        LogEvents(catalog: catalog, start: .position(position))
    }

    /// The committed events recorded at or after `time` (ms), found through the index.
    ///
    /// - Parameter time: Milliseconds since the Unix epoch; the read starts at the first event
    ///   whose ``RecordedEvent/timestamp`` is at or after it.
    /// - Returns: A finite sequence of the events, in position order.
    public func events(since time: Int64) -> LogEvents {
        LogEvents(catalog: catalog, start: .time(time))
    }

    /// Every event from `position` on, then every newly committed one as it commits, in order,
    /// with no gaps and no duplicates. Ends when the log closes or the task is cancelled.
    ///
    /// A caught-up subscriber waits for the next commit, without polling.
    ///
    /// - Parameter position: The first position to deliver (1 for the whole log; `lastPosition + 1`
    ///   for new events only).
    /// - Returns: An endless sequence of the events, in position order, until the log closes.
    public func subscribe(from position: UInt64) -> EventSubscription {
        EventSubscription(catalog: catalog, notifier: writer.notifier, from: position)
    }

    /// Finishes pending appends, syncs, saves the index and stops the writer.
    /// Later appends fail with `.closed`; subscriptions end once they have delivered what was
    /// committed. Calling it again does nothing.
    public func close() async {
        await writer.stop()
        releaseLock()
    }
}
