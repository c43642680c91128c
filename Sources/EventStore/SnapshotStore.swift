#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Snapshots of state folded from the log, each with the log position it covers, in one directory
/// (`DATA/snapshots/`): `KIND-POSITION.snap`, written to a temp file, synced, renamed and the
/// directory synced, so a crash leaves the old snapshot or the new one, never half of one.
///
/// File: magic `CUSNAP` + format version (2 bytes), the kind's payload version (4), position (8),
/// time taken (ms, 8), payload length (8), payload, CRC32C of everything before it (4); integers
/// little-endian. A file that fails any check is reported and skipped; the reader falls back to an
/// older one (or none: the fold starts at the log's first position).
public struct SnapshotStore: Sendable {
    /// Version of the file format (header and checksum); a file of another is ignored.
    public static let formatVersion: UInt16 = 1
    static let magic = Array("CUSNAP".utf8)
    static let headerSize = 6 + 2 + 4 + 8 + 8 + 8

    /// The directory holding the snapshot files (`DATA/snapshots`).
    public let directory: String
    /// Snapshots kept per kind (the newest); older ones are removed after each write.
    public let keep: Int

    /// Snapshots in `directory`, keeping the newest `keep` of each kind.
    public init(directory: String, keep: Int = 3) {
        self.directory = directory
        self.keep = max(1, keep)
    }

    /// One snapshot read back: what it covers and its payload.
    public struct Snapshot: Sendable {
        /// What was snapshotted, e.g. `saga` or `dedupe`.
        public let kind: String
        /// The last log position the snapshot covers.
        public let position: UInt64
        /// When it was taken, in milliseconds since 1970.
        public let takenAt: Int64
        /// Version of the payload's own encoding, set by its kind.
        public let payloadVersion: UInt32
        /// The kind's encoded state.
        public let payload: [UInt8]
        /// The file it was read from.
        public let path: String
    }

    /// Writes `payload` as the `kind` snapshot at `position`, then keeps only the newest `keep`.
    @discardableResult
    public func write(
        kind: String, position: UInt64, takenAt: Int64, payloadVersion: UInt32, payload: [UInt8]
    ) throws(EventLogError) -> String {
        try LogFS.makeDirectories(directory)
        var bytes = Self.magic
        bytes.reserveCapacity(Self.headerSize + payload.count + 4)
        append(Self.formatVersion, to: &bytes)
        append(payloadVersion, to: &bytes)
        append(position, to: &bytes)
        append(UInt64(bitPattern: takenAt), to: &bytes)
        append(UInt64(payload.count), to: &bytes)
        bytes += payload
        append(CRC32C.checksum(bytes), to: &bytes)
        let path = directory + "/" + Self.name(kind: kind, position: position)
        let temp = path + ".tmp"
        do {
            let file = try LogFile(path: temp, create: true)
            try file.truncate(to: 0)
            try file.write(bytes, at: 0)
            try file.sync()
        }
        try LogFS.move(temp, path)
        try LogFS.syncDirectory(directory)
        for old in try files(kind: kind).dropFirst(keep) { LogFS.remove(directory + "/" + old.name) }
        return path
    }

    /// The newest `kind` snapshot that reads back valid and that `accept` can use, with what
    /// `accept` made of it; `rejected` hears, in one line each, why a newer file was skipped.
    public func newest<T>(
        kind: String, rejected: (String) -> Void, accept: (Snapshot) -> Result<T, SnapshotProblem>
    ) -> (value: T, snapshot: Snapshot)? {
        guard let found = try? files(kind: kind) else { return nil }
        for file in found {
            let path = directory + "/" + file.name
            switch read(path: path, kind: kind, position: file.position).flatMap({ snapshot in
                accept(snapshot).map { ($0, snapshot) }
            }) {
            case .success(let result): return result
            case .failure(let problem): rejected("snapshot \(path) ignored: \(problem.reason)")
            }
        }
        return nil
    }

    /// The position of the newest `kind` snapshot that reads back valid (0: none).
    public func newestPosition(kind: String) -> UInt64 {
        newest(kind: kind, rejected: { _ in }, accept: { .success($0.position) })?.value ?? 0
    }

    func read(path: String, kind: String, position: UInt64) -> Result<Snapshot, SnapshotProblem> {
        let bytes: [UInt8]
        do {
            let file = try LogFile(path: path, create: false, readOnly: true)
            bytes = try file.read(count: Int(try file.size()), at: 0)
        } catch {
            return .failure(SnapshotProblem(reason: "cannot read it (\(error.message))"))
        }
        guard bytes.count >= Self.headerSize + 4, Array(bytes[0..<6]) == Self.magic else {
            return .failure(SnapshotProblem(reason: "not a snapshot file (bad magic or too short)"))
        }
        let format = UInt16(bytes[6]) | UInt16(bytes[7]) << 8
        guard format == Self.formatVersion else {
            return .failure(
                SnapshotProblem(
                    reason: "snapshot format version \(format), this build reads version \(Self.formatVersion)"))
        }
        let length = Int(clamping: load(UInt64.self, bytes, at: 28))
        guard length == bytes.count - Self.headerSize - 4 else {
            return .failure(
                SnapshotProblem(reason: "truncated or padded (payload length does not match the file size)"))
        }
        let stored = load(UInt32.self, bytes, at: bytes.count - 4)
        let actual = bytes.withUnsafeBytes {
            CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[..<(bytes.count - 4)]))
        }
        guard stored == actual else {
            return .failure(SnapshotProblem(reason: "checksum mismatch (the file is corrupt)"))
        }
        let recorded = load(UInt64.self, bytes, at: 12)
        guard recorded == position else {
            return .failure(SnapshotProblem(reason: "its name says position \(position), its contents \(recorded)"))
        }
        return .success(
            Snapshot(
                kind: kind, position: recorded, takenAt: Int64(bitPattern: load(UInt64.self, bytes, at: 20)),
                payloadVersion: load(UInt32.self, bytes, at: 8),
                payload: Array(bytes[Self.headerSize..<(bytes.count - 4)]), path: path))
    }

    /// The `kind` snapshot files by position, newest first (temp files and other names ignored).
    func files(kind: String) throws(EventLogError) -> [(name: String, position: UInt64)] {
        guard LogFS.isDirectory(directory) else { return [] }
        let prefix = kind + "-"
        return try LogFS.list(directory).compactMap { name -> (String, UInt64)? in
            guard name.hasPrefix(prefix), name.hasSuffix(".snap") else { return nil }
            let digits = name.dropFirst(prefix.count).dropLast(5)
            guard digits.count == 20, let position = UInt64(digits) else { return nil }
            return (name, position)
        }
        .sorted { $0.1 > $1.1 }
    }

    static func name(kind: String, position: UInt64) -> String {
        let digits = String(position)
        return kind + "-" + String(repeating: "0", count: 20 - digits.count) + digits + ".snap"
    }

    private func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
    }

    private func load<T: FixedWidthInteger>(_: T.Type, _ bytes: [UInt8], at offset: Int) -> T {
        var value: T = 0
        for index in 0..<MemoryLayout<T>.size { value |= T(bytes[offset + index]) << (8 * index) }
        return value
    }
}

/// Why a snapshot cannot be used (it is then ignored, and the fold starts earlier).
public struct SnapshotProblem: Error, Sendable {
    /// Why the snapshot cannot be used, for the service's log.
    public let reason: String
    /// A problem described by `reason`.
    public init(reason: String) { self.reason = reason }
}
