#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An error from the event log: an evolvable code, a message that says what to do about it,
/// and where it happened when that is known.
public struct EventLogError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What kind of failure this is: compare with the static members (`error.code == .locked`).
    ///
    /// A struct rather than an enum so that new codes can be added without breaking `switch`es.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's stable name, e.g. `invalid_event`, for logs and metrics.
        public let name: String
        /// The code's ``name``.
        public var description: String { name }

        /// Reading or writing the files failed (disk full, permissions, I/O error).
        public static let io = Code(name: "io")
        /// A batch that should be sound is not (checksum, framing, or position mismatch).
        public static let corruption = Code(name: "corruption")
        /// The log was closed or is closing.
        public static let closed = Code(name: "closed")
        /// An event that cannot be stored (too large, empty batch, oversized type or stream).
        public static let invalidEvent = Code(name: "invalid_event")
        /// Another process has the log open for writing.
        public static let locked = Code(name: "locked")
        /// The directory holds no log.
        public static let notFound = Code(name: "not_found")
        /// The positions asked for precede the live log's first segment (moved out by
        /// `clickunlock log archive`): read them with the archive directory.
        public static let archived = Code(name: "archived")
    }

    /// What kind of failure this is.
    public var code: Code
    /// What went wrong and how to fix it, in a sentence or two for people.
    public var message: String
    /// Segment file name, when the error concerns one.
    public var segment: String?
    /// Byte offset in `segment`, when known.
    public var offset: Int64?
    /// The operating system's error number, when one caused this.
    public var systemErrno: Int32?

    /// Makes an error; the log makes its own, this is for code that reports in the log's terms.
    ///
    /// - Parameters:
    ///   - code: What kind of failure this is.
    ///   - message: What went wrong and how to fix it.
    ///   - segment: The segment file name, when the error concerns one.
    ///   - offset: The byte offset in `segment`, when known.
    ///   - systemErrno: The operating system's error number, when one caused this.
    public init(
        _ code: Code, _ message: String, segment: String? = nil, offset: Int64? = nil, systemErrno: Int32? = nil
    ) {
        self.code = code
        self.message = message
        self.segment = segment
        self.offset = offset
        self.systemErrno = systemErrno
    }

    /// The ``message``.
    public var description: String { message }

    /// Whether the disk reported that it is full (ENOSPC or EDQUOT).
    public var isDiskFull: Bool { systemErrno == ENOSPC || systemErrno == EDQUOT }

    static func system(_ operation: String, path: String, errno code: Int32) -> EventLogError {
        let reason = String(cString: strerror(code))
        var hint = ""
        if code == ENOSPC || code == EDQUOT {
            hint = "; free space on the volume — appends succeed again once there is room"
        } else if code == EACCES || code == EPERM {
            hint = "; check the permissions of the data directory"
        }
        return EventLogError(.io, "\(operation) \(path) failed: \(reason)\(hint)", systemErrno: code)
    }

    static func corruption(segment: String, offset: Int64, _ why: String) -> EventLogError {
        EventLogError(
            .corruption,
            "corrupt batch in segment \(segment) at byte offset \(offset) (\(why)). Nothing after it is trusted. "
                + corruptionRemedy,
            segment: segment, offset: offset)
    }

    /// A damaged batch with sound batches after it: once sound, so not a torn write, and not cut.
    static func damagedBeforeSoundBatches(segment: String, offset: Int64, _ why: String) -> EventLogError {
        EventLogError(
            .corruption,
            "damaged batch in segment \(segment) at byte offset \(offset) (\(why)), with sound batches after it: "
                + "it is not a torn write, so nothing was cut and the log does not open for writing. "
                + corruptionRemedy,
            segment: segment, offset: offset)
    }

    static let corruptionRemedy =
        "Run `clickunlock log verify` to see every damaged batch, then, with the service stopped, "
        + "`clickunlock log repair`: it moves the damaged bytes into quarantine and keeps every sound batch at its "
        + "position (or restore the segment from a backup). "
        + "Until then `clickunlock replay --skip-corrupt` reads past it."
}
