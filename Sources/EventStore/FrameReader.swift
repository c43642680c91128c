#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads batch frames sequentially from one segment file through a read-ahead buffer,
/// verifying each one, never reading past `limit`.
struct FrameReader: ~Copyable {
    enum Step {
        /// A sound frame; `stored` are its stored (possibly compressed) bytes.
        case frame(BatchHeader, stored: [UInt8], offset: Int64)
        /// Exactly at `limit`.
        case end
        /// The bytes from `offset` to `limit` are too few for the frame that starts there.
        case truncated(offset: Int64, header: BatchHeader?)
        /// The frame at `offset` is damaged.
        case invalid(offset: Int64, reason: String)
    }

    static let readAhead = 1 << 20

    private let file: LogFile
    private(set) var offset: Int64
    var limit: Int64
    /// Whether the file may get shorter while it is read: an active segment read beside its
    /// writer, which cuts the zeros it wrote ahead when it seals the segment or closes the log.
    private let mayShrink: Bool
    private var buffer: [UInt8] = []
    private var bufferStart: Int64 = 0

    init(file: consuming LogFile, offset: Int64, limit: Int64, mayShrink: Bool = false) {
        self.file = file
        self.offset = offset
        self.limit = limit
        self.mayShrink = mayShrink
    }

    var path: String { file.path }

    /// Moves to `offset` (e.g. to look past a damaged frame).
    mutating func seek(to offset: Int64) { self.offset = offset }

    /// Bytes `[start, start + count)`, from the buffer or the file; `nil` when the file turned out
    /// shorter and `mayShrink` (`limit` is then its end).
    private mutating func bytes(at start: Int64, count: Int) throws(EventLogError) -> ArraySlice<UInt8>? {
        let bufferEnd = bufferStart + Int64(buffer.count)
        if start >= bufferStart, start + Int64(count) <= bufferEnd {
            let from = Int(start - bufferStart)
            return buffer[from..<(from + count)]
        }
        let want = min(Int64(max(count, Self.readAhead)), limit - start)
        buffer = try file.read(count: Int(want), at: start)
        bufferStart = start
        guard buffer.count >= count else {
            guard mayShrink else {
                throw EventLogError(.io, "\(file.path) is shorter than expected (was it truncated by another program?)")
            }
            limit = start + Int64(buffer.count)
            return nil
        }
        return buffer[0..<count]
    }

    mutating func next() throws(EventLogError) -> Step {
        let start = offset
        if start >= limit { return .end }
        guard limit - start >= Int64(BatchHeader.size) else { return .truncated(offset: start, header: nil) }
        guard let headerBytes = try bytes(at: start, count: BatchHeader.size) else {
            return start >= limit ? .end : .truncated(offset: start, header: nil)
        }
        let parsed = headerBytes.withUnsafeBytes { BatchHeader.parse($0) }
        let header: BatchHeader
        switch parsed {
        case .failure(let error): return .invalid(offset: start, reason: error.description)
        case .success(let value): header = value
        }
        guard limit - start >= Int64(header.frameLength) else { return .truncated(offset: start, header: header) }
        guard let frame = try bytes(at: start, count: header.frameLength) else {
            return start >= limit ? .end : .truncated(offset: start, header: header)
        }
        let sound = frame.withUnsafeBytes { raw in
            header.verify(
                headerBytes: UnsafeRawBufferPointer(rebasing: raw[0..<BatchHeader.size]),
                stored: UnsafeRawBufferPointer(rebasing: raw[BatchHeader.size...]))
        }
        guard sound else { return .invalid(offset: start, reason: "checksum mismatch") }
        offset = start + Int64(header.frameLength)
        return .frame(header, stored: Array(frame.dropFirst(BatchHeader.size)), offset: start)
    }

    /// Whether every byte from `offset` to `limit` is zero (space written ahead of the batches).
    mutating func onlyZeros(from offset: Int64) throws(EventLogError) -> Bool {
        var start = offset
        while start < limit {
            guard let window = try bytes(at: start, count: Int(min(Int64(LogFile.zeros.count), limit - start))) else {
                continue
            }
            let zero = window.withUnsafeBytes { raw in
                LogFile.zeros.withUnsafeBytes { memcmp(raw.baseAddress!, $0.baseAddress!, raw.count) == 0 }
            }
            guard zero else { return false }
            start += Int64(window.count)
        }
        return true
    }

    /// Whether the frame at `offset`, read again from the file every millisecond for up to ~50 ms,
    /// turns out sound (it was being written); positioned there when it does.
    mutating func becomesSound(at offset: Int64) throws(EventLogError) -> Bool {
        for _ in 0..<50 {
            usleep(1000)
            buffer = []
            self.offset = offset
            if case .frame = try next() {
                self.offset = offset
                return true
            }
        }
        self.offset = offset
        return false
    }

    /// The offset of the next sound frame after `offset`, if any, before `limit`.
    mutating func findNextSoundFrame(after offset: Int64) throws(EventLogError) -> Int64? {
        var candidate = offset + 1
        let saved = self.offset
        defer { self.offset = saved }
        while candidate + Int64(BatchHeader.size) <= limit {
            guard
                let window = try bytes(at: candidate, count: Int(min(Int64(FrameReader.readAhead), limit - candidate)))
            else {
                continue
            }
            var found: Int64?
            window.withUnsafeBytes { raw in
                var index = 0
                while index + 4 <= raw.count {
                    if raw.loadLittleEndian(UInt32.self, at: index) == BatchHeader.magic {
                        found = candidate + Int64(index)
                        return
                    }
                    index += 1
                }
            }
            guard let at = found else {
                candidate += Int64(max(1, window.count - 3))
                continue
            }
            self.offset = at
            if case .frame = try next() { return at }
            candidate = at + 1
        }
        return nil
    }

    /// What to call a `.truncated` step: the header, when there is one, claims more bytes than
    /// are left (a batch cut short at the end, or a damaged length in the middle).
    static func cutShortReason(_ header: BatchHeader?) -> String {
        guard let header else { return "batch cut short" }
        return "batch cut short: its header claims \(header.frameLength) bytes, more than the segment holds"
    }

    /// Decodes the events of a sound frame.
    static func events(
        of header: BatchHeader, stored: [UInt8], dictionary: [UInt8]
    ) -> [RecordedEvent]? {
        guard let records = records(of: header, stored: stored, dictionary: dictionary) else { return nil }
        return RecordCodec.decode(records, count: Int(header.recordCount), basePosition: header.basePosition)
    }

    /// The uncompressed records of a sound frame; `nil` when they do not decompress.
    static func records(of header: BatchHeader, stored: [UInt8], dictionary: [UInt8]) -> [UInt8]? {
        switch header.codec {
        case .raw:
            return stored
        case .lz4:
            return stored.withUnsafeBytes {
                LZ4Compressor.decompress($0, originalLength: Int(header.uncompressedLength), dictionary: [])
            }
        case .lz4Dictionary:
            guard !dictionary.isEmpty else { return nil }
            return stored.withUnsafeBytes {
                LZ4Compressor.decompress($0, originalLength: Int(header.uncompressedLength), dictionary: dictionary)
            }
        case .zstd:
            return stored.withUnsafeBytes {
                ZstdCompressor.decompress($0, originalLength: Int(header.uncompressedLength))
            }
        }
    }
}
